"""The matching demo: a run, four-eyes proposals, phase selectie; a second load changes nothing."""

from __future__ import annotations

from io import StringIO

from django.core.management import call_command

import pytest

from datasharing.matching.models import MatchingRun, RiskAddress, SelectionProposal
from projects.constants import Phase
from projects.demo import DEMO_PROJECT_SLUGS
from projects.models import Project

pytestmark = pytest.mark.django_db


def test_demo_runs_matching_proposes_decides_and_reaches_selectie():
    call_command("load_demo", stdout=StringIO())
    project = Project.objects.get(slug=DEMO_PROJECT_SLUGS[Phase.DATA_UITVRAAG])
    assert project.phase == Phase.SELECTIE
    run = MatchingRun.objects.get(project=project)
    assert run.status == "succeeded" and run.is_current
    assert len(run.deliveries_used) == 12
    assert RiskAddress.objects.filter(run=run).count() == run.address_count == 300
    proposals = SelectionProposal.objects.filter(project=project)
    assert sorted(proposals.values_list("status", flat=True)) == [
        "approved",
        "approved",
        "proposed",
        "rejected",
    ]
    for proposal in proposals:
        assert proposal.proposed_by.username == "analist" and proposal.reason
        assert proposal.risk_address.is_risk
        if proposal.status != "proposed":
            assert proposal.decided_by.username == "projectleider" and proposal.decision_reason
    before = (
        MatchingRun.objects.count(),
        RiskAddress.objects.count(),
        list(proposals.order_by("pk").values_list("pk", "status")),
    )

    call_command("load_demo", stdout=StringIO())

    after = (
        MatchingRun.objects.count(),
        RiskAddress.objects.count(),
        list(proposals.order_by("pk").values_list("pk", "status")),
    )
    assert after == before
