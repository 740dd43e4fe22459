from datetime import date
from decimal import Decimal

import pytest

from tests.reports.factories import EveningSpec, seed_controls, seed_selection

A = ("BU01", "BU02", "BU03")

EVENINGS = [
    EveningSpec(
        date(2026, 3, 5),
        visited=4,
        unvisited=1,
        findings=(
            ("uitkeringsfraude", "handhaving", "terugvordering", Decimal("1200.50")),
            ("zorgsignaal", "zorg", "hulpverlening", None),
            ("adresfraude", "terugmelding_brp", None, None),
        ),
    ),
    EveningSpec(
        date(2026, 4, 9),
        visited=3,
        findings=(
            ("uitkeringsfraude", "handhaving", "boete", Decimal("300")),
            ("zorgsignaal", "zorg", None, None),
        ),
    ),
    EveningSpec(date(2026, 5, 1), visited=0, status="gepland"),
]


@pytest.fixture
def reported(project_a, projectleider_a, analist_a, uwv):
    """Project A with 30 addresses in three buurten, 12 risk addresses, 10 approved and 2 open
    proposals, two evenings held (7 visits, 5 with findings, 5 referrals, 3 outcomes)."""
    selection = seed_selection(
        project_a,
        leader=projectleider_a,
        analist=analist_a,
        buurten={"BU01": 10, "BU02": 15, "BU03": 5},
        approved_per_buurt={"BU01": 6, "BU02": 3, "BU03": 1},
        risk=12,
        open_proposals=2,
    )
    seed_controls(
        project_a,
        selection.approved,
        leader=projectleider_a,
        organisation=uwv,
        evenings=EVENINGS,
    )
    return project_a


def plan_for(project, leader):
    """A plan version made through the service (the newest)."""
    from projects.services import projectplan_version_create

    return projectplan_version_create(
        actor=leader,
        project=project,
        goals="Minder adresfraude, meer zorg",
        approach="Preventie en repressie in balans",
        indicators_rationale="Samenloop van signalen",
        data_per_partner="BAG, BRP, signalen",
        planning="2026",
        communication="Brief aan bewoners",
        retention="4 weken",
    )
