"""Fixtures for controls: project A with an approved selection, through the real services.

`selection_project` is matching's `signal_project` (bag + signals of the wijk-300 sample, one
run) with every risk address proposed by `analist_a` and approved by `pl_a` (four eyes),
built once per module (`controls_world`), each test in a savepoint of it.
People: `pl_a` (projectleider, gemeente), `insp_gemeente` (gemeente handhaver), `insp_uwv`
(UWV inspecteur), `insp_politie` (politie), `insp_other` (an inspector of project A in no
team) and `pl_b` with project B (another municipality).
"""

from __future__ import annotations

from datetime import date, timedelta

from django.utils import timezone

import pytest

from controls.services import evenings as evening_services
from controls.services.categories import finding_categories_ensure_defaults
from projects.constants import Role
from tests.factories import member


def approve_every_risk(*, project, analist, leader) -> None:
    """The analist proposes every risk address of the current run, the projectleider
    approves each (four eyes); and the project's default finding categories."""
    from datasharing.matching import services as matching
    from datasharing.matching.models import RiskAddress

    risks = RiskAddress.objects.filter(run__project=project, is_risk=True).order_by("pk")
    for risk in risks:
        matching.selection_approve(
            actor=leader,
            proposal=matching.selection_propose(
                actor=analist, risk_address=risk, reason="Signalen van twee partners"
            ),
            reason="Akkoord",
        )
    finding_categories_ensure_defaults(project=project)


def make_inspectors(project, organisations) -> dict:
    return {
        "gemeente": member(project, "insp_gemeente", organisations["gemeente"], Role.INSPECTEUR),
        "uwv": member(project, "insp_uwv", organisations["uwv"], Role.INSPECTEUR),
        "politie": member(project, "insp_politie", organisations["politie"], Role.INSPECTEUR),
        "other": member(project, "insp_other", organisations["uwv"], Role.INSPECTEUR),
    }


def _world_build() -> dict:
    """What the function fixtures of tests/conftest.py and tests/matching/conftest.py make for
    `signal_project`, made once: the organisations (by name, so those fixtures find the same
    rows), pl_a, the project with bag and signals delivered and one run, every risk address
    approved, and the inspectors."""
    from projects.services import project_partner_add, role_grant
    from tests.factories import (
        ConvenantFactory,
        OrganisationFactory,
        ProjectFactory,
        UserFactory,
        project_to_phase,
    )
    from tests.matching.conftest import deliver, run_inline, sample_buurtcodes

    organisations = {
        "gemeente": OrganisationFactory(
            name="Gemeente Aadorp", kind="gemeente", gemeentecode="0001"
        ),
        "uwv": OrganisationFactory(name="UWV", kind="uwv"),
        "svb": OrganisationFactory(name="SVB", kind="svb"),
        "belastingdienst": OrganisationFactory(name="Belastingdienst", kind="belastingdienst"),
        "politie": OrganisationFactory(name="Politie Eenheid Oost", kind="politie"),
        "woningcorporatie": OrganisationFactory(
            name="Woonstichting De Wijk", kind="woningcorporatie"
        ),
    }
    for kind, organisation in organisations.items():
        ConvenantFactory(
            organisation=organisation, kind="aanvullend" if kind == "woningcorporatie" else "lsi"
        )
    leader = UserFactory(username="pl_a", organisation=organisations["gemeente"])
    project = ProjectFactory(
        created_by=leader,
        partners=[organisations["uwv"]],
        peildatum=date(2026, 10, 1),
        buurtcodes=sample_buurtcodes(),
    )
    for kind in ("svb", "belastingdienst", "politie", "woningcorporatie"):
        project_partner_add(actor=leader, project=project, organisation=organisations[kind])
    project = project_to_phase(project, "data_uitvraag")
    deliverers = {"gemeente": leader}
    for kind, organisation in organisations.items():
        if kind != "gemeente":
            person = UserFactory(username=f"lever_{kind}", organisation=organisation)
            role_grant(actor=leader, project=project, person=person, role=Role.ANALIST)
            deliverers[kind] = person
    analist = member(project, "analist_a", organisations["gemeente"], Role.ANALIST, actor=leader)
    deliver(
        project=project,
        projectleider=leader,
        organisations=organisations,
        deliverers=deliverers,
        skip=("brp", "uitkering", "toeslag", "huur", "kvk", "energie"),
    )
    run_inline(actor=analist, project=project, chunk_count=2)
    approve_every_risk(project=project, analist=analist, leader=leader)
    return {
        "project": project,
        "analist": analist,
        "organisations": organisations,
        "inspectors": make_inspectors(project, organisations),
    }


@pytest.fixture(scope="module")
def controls_world(django_db_setup, django_db_blocker):
    """Built once per test module in a transaction rolled back afterwards; each test runs in a
    savepoint of it (pytest-django's `db`), as the access matrix does (tests/access_setup.py).
    Transactional tests (threads) cannot share it: they build their own
    (test_recording_concurrency.py)."""
    from tests.access_setup import world_transaction

    with world_transaction(django_db_blocker):
        with django_db_blocker.unblock():
            built = _world_build()
        yield built


@pytest.fixture
def selection_project(controls_world, db):
    project = controls_world["project"]
    project.refresh_from_db()
    return project


@pytest.fixture
def analist_a(controls_world, db):  # noqa: F811 (the world's, not matching's fixture)
    return controls_world["analist"]


@pytest.fixture
def partner_orgs(controls_world, db):  # noqa: F811
    return controls_world["organisations"]


@pytest.fixture
def approved(selection_project):
    from datasharing.matching.models import SelectionProposal

    return list(
        SelectionProposal.objects.filter(project=selection_project, status="approved").order_by(
            "pk"
        )
    )


@pytest.fixture
def inspectors(controls_world, db):
    return controls_world["inspectors"]


def plan_evening(*, project, actor, proposals, teams, starts_at=None):
    """An evening with `teams` = [[lead, member, …], …] and `proposals` routed over them."""
    evening = evening_services.evening_create(
        actor=actor,
        project=project,
        starts_at=starts_at or timezone.now() + timedelta(hours=2),
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
