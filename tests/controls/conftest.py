"""Fixtures for controls: project A with an approved selection, through the real services.

`selection_project` is matching's `signal_project` (bag + signals of the wijk-300 sample, one
run) with every risk address proposed by `analist_a` and approved by `pl_a` (four eyes).
People: `pl_a` (projectleider, gemeente), `insp_gemeente` (gemeente handhaver), `insp_uwv`
(UWV inspecteur), `insp_politie` (politie), `insp_other` (an inspector of project A in no
team) and `pl_b` with project B (another municipality).
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

import pytest

from controls.services import evenings as evening_services
from controls.services.categories import finding_categories_ensure_defaults
from projects.constants import Role
from tests.factories import member
from tests.matching.conftest import (  # noqa: F401 (fixtures)
    analist_a,
    partner_orgs,
    signal_project,
    uitvraag_project,
)


@pytest.fixture
def selection_project(signal_project, analist_a, projectleider_a):  # noqa: F811
    from datasharing.matching import services as matching
    from datasharing.matching.models import RiskAddress

    risks = RiskAddress.objects.filter(run__project=signal_project, is_risk=True).order_by("pk")
    for risk in risks:
        matching.selection_approve(
            actor=projectleider_a,
            proposal=matching.selection_propose(
                actor=analist_a, risk_address=risk, reason="Signalen van twee partners"
            ),
            reason="Akkoord",
        )
    finding_categories_ensure_defaults(project=signal_project)
    return signal_project


@pytest.fixture
def approved(selection_project):
    from datasharing.matching.models import SelectionProposal

    return list(
        SelectionProposal.objects.filter(project=selection_project, status="approved").order_by(
            "pk"
        )
    )


@pytest.fixture
def inspectors(selection_project, partner_orgs, projectleider_a):  # noqa: F811
    return {
        "gemeente": member(
            selection_project, "insp_gemeente", partner_orgs["gemeente"], Role.INSPECTEUR
        ),
        "uwv": member(selection_project, "insp_uwv", partner_orgs["uwv"], Role.INSPECTEUR),
        "politie": member(
            selection_project, "insp_politie", partner_orgs["politie"], Role.INSPECTEUR
        ),
        "other": member(selection_project, "insp_other", partner_orgs["uwv"], Role.INSPECTEUR),
    }


def _later_tonight():
    """Two hours from now, but still today in local time: tests of 'tonight' run at any hour
    (at 22:30 local, now + 2 h was tomorrow's evening)."""
    now = timezone.localtime()
    last = now.replace(hour=23, minute=59, second=0, microsecond=0)
    return min(now + timedelta(hours=2), max(last, now + timedelta(seconds=30)))


def plan_evening(*, project, actor, proposals, teams, starts_at=None):
    """An evening with `teams` = [[lead, member, …], …] and `proposals` routed over them."""
    evening = evening_services.evening_create(
        actor=actor,
        project=project,
        starts_at=starts_at or _later_tonight(),
        meeting_point="Buurthuis De Ster",
    )
    for number, people in enumerate(teams, start=1):
        team = evening_services.team_create(actor=actor, evening=evening, name=f"Team {number}")
        for index, person in enumerate(people):
            evening_services.team_member_add(
                actor=actor, team=team, person=person, is_lead=index == 0
            )
    evening_services.visits_assign(actor=actor, evening=evening, proposals=proposals)
    evening_services.evening_routes_plan(actor=actor, evening=evening)
    evening.refresh_from_db()
    return evening


@pytest.fixture
def evening(selection_project, projectleider_a, approved, inspectors):
    """An evening, voorbereid, with two mixed teams: (gemeente lead, uwv) and (politie lead)."""
    planned = plan_evening(
        project=selection_project,
        actor=projectleider_a,
        proposals=approved,
        teams=[[inspectors["gemeente"], inspectors["uwv"]], [inspectors["politie"]]],
    )
    return evening_services.evening_transition(
        actor=projectleider_a, evening=planned, target="voorbereid"
    )
