"""Retention reaches matching's pseudonymised rows too (issue 3 item 4, issue 4)."""

from datetime import timedelta

from django.utils import timezone

import pytest

from datasharing.constants import DestructionRule
from datasharing.matching import services
from datasharing.matching.models import (
    IndicatorResult,
    MatchingRun,
    Reidentification,
    RiskAddress,
    SelectionProposal,
)
from datasharing.services import retention_enforce
from projects.models import Project

pytestmark = pytest.mark.django_db


def _select_one(project, analist, projectleider):
    risk = RiskAddress.objects.filter(run__project=project, is_risk=True).order_by("id").first()
    proposal = services.selection_propose(
        actor=analist, risk_address=risk, reason="Samenloop van signalen"
    )
    services.selection_approve(actor=projectleider, proposal=proposal, reason="Akkoord")
    services.address_reidentify(
        actor=projectleider, proposal=proposal, reason="Route controleavond"
    )
    return proposal


def test_project_closure_destroys_risk_list_and_selection(
    signal_project, analist_a, projectleider_a
):
    project = signal_project
    _select_one(project, analist_a, projectleider_a)
    assert RiskAddress.objects.filter(run__project=project).exists()
    closed = timezone.now() - timedelta(days=1)
    # Closing needs every later gate (controleavonden); here only its moment matters.
    Project.objects.filter(pk=project.pk).update(closed_at=closed, phase="afgesloten")
    deadline = closed + timedelta(weeks=project.retention_after_close_weeks)

    assert retention_enforce(now=deadline - timedelta(seconds=1), project=project) == []
    assert RiskAddress.objects.filter(run__project=project).exists()

    [record] = retention_enforce(now=deadline, project=project)
    assert record.rule == DestructionRule.PROJECT_CLOSED
    assert record.details["tables"]["matching:matching_riskaddress"] > 0
    for model, scope in (
        (RiskAddress, {"run__project": project}),
        (IndicatorResult, {"run__project": project}),
        (SelectionProposal, {"project": project}),
        (Reidentification, {"project": project}),
    ):
        assert not model.objects.filter(**scope).exists(), model
    # The run stays as proof of the method: settings, hashes, counts, no pseudonyms.
    run = MatchingRun.objects.get(project=project)
    assert run.settings_snapshot and run.deliveries_used
    assert retention_enforce(now=deadline, project=project) == []


def test_selection_older_than_its_retention_is_destroyed(
    signal_project, analist_a, projectleider_a
):
    project = signal_project
    _select_one(project, analist_a, projectleider_a)
    closure = services.selection_close(actor=projectleider_a, project=project)
    months = project.retention_selection_months
    expired = closure.closed_at + timedelta(days=31 * months + 1)

    [record] = retention_enforce(now=expired, project=project)
    assert record.rule == DestructionRule.SELECTION_EXPIRED
    assert not SelectionProposal.objects.filter(project=project).exists()
    assert not RiskAddress.objects.filter(run__project=project).exists()
