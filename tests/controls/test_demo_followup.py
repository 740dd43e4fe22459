"""The follow-up demo (issue 12.6): referrals in every state with every outcome, one overdue,
the UWV `behandelaar` with real work (and only UWV's), an owner of three addresses with
findings whose re-identification waits for the projectleider; a second load changes nothing."""

from __future__ import annotations

from io import StringIO

from django.core.management import call_command

import pytest

from controls.constants import OutcomeKind, OwnerRevealStatus, ReferralStatus
from controls.models import OwnerRevealRequest, Referral, ReferralOutcome
from controls.selectors.owners import owners_with_findings
from controls.selectors.referrals import referral_inbox_for_user
from partners.models import User
from projects.constants import Phase
from projects.demo import DEMO_PROJECT_SLUGS
from projects.models import Project

pytestmark = pytest.mark.django_db


def test_demo_has_referrals_in_every_state_and_an_owner_of_three_addresses():
    call_command("load_demo", stdout=StringIO())
    project = Project.objects.get(slug=DEMO_PROJECT_SLUGS[Phase.DATA_UITVRAAG])
    referrals = Referral.objects.filter(project=project)
    assert set(referrals.values_list("status", flat=True)) == set(ReferralStatus.values)
    outcomes = ReferralOutcome.objects.filter(referral__project=project)
    assert set(outcomes.values_list("kind", flat=True)) == set(OutcomeKind.values)
    for kind in (OutcomeKind.TERUGVORDERING, OutcomeKind.BOETE):
        assert outcomes.get(kind=kind).amount > 0
    assert referrals.filter(is_overdue=True, status=ReferralStatus.VERZONDEN).count() == 1

    behandelaar = User.objects.get(username="behandelaar")
    inbox = list(referral_inbox_for_user(user=behandelaar))
    assert {r.organisation.name for r in inbox} == {"UWV"}
    assert sum(r.status in ("verzonden", "ontvangen", "in_behandeling") for r in inbox) >= 3

    owners = {
        row.owner_key for row in owners_with_findings(project=project) if len(row.visits) >= 3
    }
    request = OwnerRevealRequest.objects.get(project=project)
    assert request.owner_key in owners
    assert request.status == OwnerRevealStatus.AANGEVRAAGD
    assert request.requested_by.username == "analist"

    count = referrals.count()
    call_command("load_demo", stdout=StringIO())
    assert Referral.objects.filter(project=project).count() == count
