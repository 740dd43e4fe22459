"""Planning services (controls.services.evenings): the transition table and its gates, the
approved-address gate, routes (every address in exactly one route, distances right), hand
edits, and that nothing changes after afgerond."""

from __future__ import annotations

import math
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

import pytest

from controls.constants import EVENING_TRANSITIONS, EveningStatus
from controls.models import Controleavond, Team, TeamMember, Visit
from controls.services import evenings as services
from controls.services.evenings import (
    ALREADY_IN_TEAM,
    ALREADY_ON_EVENING,
    EVENING_CLOSED,
    GATE_NO_TEAM,
    GATE_NO_VISITS,
    GATE_TEAM_WITHOUT_LEAD,
    GATE_UNROUTED,
    NOT_ALLOWED_PLAN,
    NOT_AN_INSPECTOR,
    NOT_APPROVED,
    REASON_REQUIRED,
)
from tests.controls.conftest import plan_evening
from wijkaanpak.core.exceptions import ApplicationError, InvalidTransition, NotPermitted
from wijkaanpak.core.models import Event

pytestmark = pytest.mark.django_db


def new_evening(project, actor, **fields) -> Controleavond:
    return services.evening_create(
        actor=actor,
        project=project,
        starts_at=fields.pop("starts_at", timezone.now() + timedelta(days=1)),
        meeting_point="Buurthuis De Ster",
        **fields,
    )


def legs(evening, visits) -> int:
    points = [(evening.meeting_x, evening.meeting_y)]
    points += [(v.x, v.y) for v in visits]
    points.append((evening.meeting_x, evening.meeting_y))
    return sum(round(math.dist(a, b)) for a, b in zip(points, points[1:], strict=False))


def routes_of(evening) -> dict[Team, list[Visit]]:
    return {
        team: list(Visit.objects.filter(team=team).order_by("route_position"))
        for team in Team.objects.filter(evening=evening)
    }


def test_meeting_point_defaults_to_the_centroid_of_the_approved_addresses(
    selection_project, projectleider_a, approved
):
    from controls.selectors.evenings import bag_points

    points = list(
        bag_points(project=selection_project, address_keys=[p.address_key for p in approved])
    )
    assert len(points) == len(approved)
    evening = new_evening(selection_project, projectleider_a)
    xs = [x for x, _ in bag_points(project=selection_project, address_keys=points).values()]
    ys = [y for _, y in bag_points(project=selection_project, address_keys=points).values()]
    assert (evening.meeting_x, evening.meeting_y) == (
        round(sum(xs) / len(xs)),
        round(sum(ys) / len(ys)),
    )
    assert evening.status == EveningStatus.GEPLAND
    chosen = new_evening(selection_project, projectleider_a, meeting_x=92_000, meeting_y=437_000)
    assert (chosen.meeting_x, chosen.meeting_y) == (92_000, 437_000)


def test_only_the_projectleider_plans(selection_project, inspectors, analist_a, projectleider_b):
    for person in (inspectors["gemeente"], analist_a, projectleider_b):
        with pytest.raises(NotPermitted, match=NOT_ALLOWED_PLAN):
            new_evening(selection_project, person)


def test_routes_cover_every_address_once_with_distances_right(
    evening, approved, inspectors, projectleider_a
):
    routes = routes_of(evening)
    assert len(routes) == 2
    planned = [v.proposal_id for visits in routes.values() for v in visits]
    assert sorted(planned) == sorted(p.pk for p in approved)
    for team, visits in routes.items():
        assert [v.route_position for v in visits] == list(range(1, len(visits) + 1))
        assert team.route_distance_m == legs(evening, visits)
        assert team.route_planned_at is not None
    # Balanced: four addresses over two teams.
    assert sorted(len(v) for v in routes.values()) == [2, 2]

    # Hand edits (on a gepland evening): move to the other team, then reorder; recomputed.
    evening = services.evening_transition(actor=projectleider_a, evening=evening, target="gepland")
    first, second = routes
    moving = routes[first][0]
    services.visit_move(actor=projectleider_a, visit=moving, team=second, position=1)
    after = routes_of(evening)
    assert [v.pk for v in after[second]][0] == moving.pk
    assert len(after[first]) == 1 and len(after[second]) == 3
    for team, visits in after.items():
        team.refresh_from_db()
        assert team.route_distance_m == legs(evening, visits)
    reversed_order = [v.pk for v in reversed(after[second])]
    services.route_reorder(actor=projectleider_a, team=second, order=reversed_order)
    second.refresh_from_db()
    visits = routes_of(evening)[second]
    assert [v.pk for v in visits] == reversed_order
    assert second.route_distance_m == legs(evening, visits)


def test_only_approved_addresses_of_the_project(
    selection_project, projectleider_a, approved, analist_a
):
    from datasharing.matching.models import SelectionProposal

    evening = new_evening(selection_project, projectleider_a)
    proposal = approved[0]
    services.visits_assign(actor=projectleider_a, evening=evening, proposals=[proposal])
    with pytest.raises(ApplicationError, match=ALREADY_ON_EVENING):
        services.visits_assign(actor=projectleider_a, evening=evening, proposals=[proposal])
    # The gate reads the database, not the object handed in: a proposal that is not approved
    # in this project (here one that does not exist) is refused, and nothing is added.
    forged = SelectionProposal(pk=10**9, project=selection_project, status="approved")
    with pytest.raises(InvalidTransition, match=NOT_APPROVED):
        services.visits_assign(
            actor=projectleider_a, evening=evening, proposals=[approved[1], forged]
        )
    assert list(Visit.objects.filter(evening=evening).values_list("proposal", flat=True)) == [
        proposal.pk
    ]


def test_gates_of_voorbereid(selection_project, projectleider_a, approved, inspectors):
    evening = new_evening(selection_project, projectleider_a)

    def gate():
        with pytest.raises(InvalidTransition) as error:
            services.evening_transition(actor=projectleider_a, evening=evening, target="voorbereid")
        return error.value.message

    assert gate() == GATE_NO_TEAM
    team = services.team_create(actor=projectleider_a, evening=evening, name="Team Noord")
    services.team_member_add(actor=projectleider_a, team=team, person=inspectors["uwv"])
    assert gate() == GATE_TEAM_WITHOUT_LEAD.format(teams="Team Noord")
    services.team_lead_set(actor=projectleider_a, team=team, person=inspectors["uwv"])
    assert gate() == GATE_NO_VISITS
    services.visits_assign(actor=projectleider_a, evening=evening, proposals=approved[:2])
    assert gate() == GATE_UNROUTED.format(count=2)
    services.evening_routes_plan(actor=projectleider_a, evening=evening)
    evening = services.evening_transition(
        actor=projectleider_a, evening=evening, target="voorbereid"
    )
    assert evening.status == "voorbereid"
    # On a voorbereid evening, a change that breaks the gate is refused.
    with pytest.raises(InvalidTransition):
        services.visits_assign(actor=projectleider_a, evening=evening, proposals=approved[2:])


def test_one_lead_per_team_and_one_team_per_person(
    selection_project, projectleider_a, inspectors, analist_a
):
    evening = new_evening(selection_project, projectleider_a)
    team = services.team_create(actor=projectleider_a, evening=evening, name="A")
    other = services.team_create(actor=projectleider_a, evening=evening, name="B")
    services.team_member_add(
        actor=projectleider_a, team=team, person=inspectors["uwv"], is_lead=True
    )
    services.team_member_add(
        actor=projectleider_a, team=team, person=inspectors["politie"], is_lead=True
    )
    leads = TeamMember.objects.filter(team=team, is_lead=True)
    assert [m.person for m in leads] == [inspectors["politie"]]
    with pytest.raises(ApplicationError, match=ALREADY_IN_TEAM):
        services.team_member_add(actor=projectleider_a, team=other, person=inspectors["uwv"])
    with pytest.raises(ApplicationError, match=NOT_AN_INSPECTOR):
        services.team_member_add(actor=projectleider_a, team=other, person=analist_a)


@pytest.mark.parametrize("current", list(EveningStatus))
def test_transition_table(current, evening, projectleider_a):
    """Every (state × target) pair: the table's moves pass (with their Event), every other
    move is refused and leaves the state; each pair in a savepoint rolled back afterwards."""
    path = {
        "gepland": ["gepland"],
        "voorbereid": [],
        "uitgevoerd": ["uitgevoerd"],
        "afgerond": ["uitgevoerd", "afgerond"],
        "geannuleerd": ["geannuleerd"],
    }[current]
    for step in path:
        evening = services.evening_transition(
            actor=projectleider_a, evening=evening, target=step, reason="Regen"
        )
    assert evening.status == current
    for target in EveningStatus:
        with transaction.atomic():
            if target in EVENING_TRANSITIONS[current]:
                moved = services.evening_transition(
                    actor=projectleider_a, evening=evening, target=target, reason="Regen"
                )
                assert moved.status == target
                assert Event.objects.filter(
                    kind="evening_transition", object_id=str(evening.pk), to_state=target
                ).exists()
            else:
                with pytest.raises(InvalidTransition):
                    services.evening_transition(
                        actor=projectleider_a, evening=evening, target=target, reason="Regen"
                    )
                assert Controleavond.objects.get(pk=evening.pk).status == current
            transaction.set_rollback(True)


def test_cancelling_needs_a_reason(evening, projectleider_a):
    with pytest.raises(ApplicationError, match=REASON_REQUIRED):
        services.evening_transition(actor=projectleider_a, evening=evening, target="geannuleerd")


def test_nothing_changes_after_afgerond(evening, projectleider_a, inspectors, approved):
    for target in ("uitgevoerd", "afgerond"):
        evening = services.evening_transition(actor=projectleider_a, evening=evening, target=target)
    team = Team.objects.filter(evening=evening).first()
    visit = Visit.objects.filter(evening=evening).first()
    attempts = [
        lambda: services.team_create(actor=projectleider_a, evening=evening, name="Nieuw"),
        lambda: services.team_member_add(
            actor=projectleider_a, team=team, person=inspectors["other"]
        ),
        lambda: services.evening_routes_plan(actor=projectleider_a, evening=evening),
        lambda: services.visit_move(actor=projectleider_a, visit=visit, team=team),
        lambda: services.visit_remove(actor=projectleider_a, visit=visit),
        lambda: services.evening_update(
            actor=projectleider_a,
            evening=evening,
            expected_version=evening.version,
            starts_at=evening.starts_at,
            meeting_point="Elders",
        ),
        lambda: services.evening_transition(
            actor=projectleider_a, evening=evening, target="gepland"
        ),
    ]
    version = Controleavond.objects.get(pk=evening.pk).version
    for attempt in attempts:
        with pytest.raises(InvalidTransition, match=EVENING_CLOSED):
            attempt()
    assert Controleavond.objects.get(pk=evening.pk).version == version


def test_edit_conflict_on_the_evening(evening, projectleider_a):
    evening = services.evening_transition(actor=projectleider_a, evening=evening, target="gepland")
    shown = evening.version
    services.team_create(actor=projectleider_a, evening=evening, name="Team 3")
    with pytest.raises(InvalidTransition, match="Iemand anders"):
        services.evening_update(
            actor=projectleider_a,
            evening=evening,
            expected_version=shown,
            starts_at=evening.starts_at,
            meeting_point="Elders",
        )


def test_plan_evening_helper_used_by_other_suites(
    selection_project, projectleider_a, approved, inspectors
):
    evening = plan_evening(
        project=selection_project,
        actor=projectleider_a,
        proposals=approved[:3],
        teams=[[inspectors["uwv"]]],
    )
    assert Visit.objects.filter(evening=evening, route_position__isnull=False).count() == 3


def test_the_page_plans_with_the_benchmarked_solver_settings(
    selection_project, projectleider_a, approved, inspectors, monkeypatch
):
    """bench/routes.py measures `routing.plan_routes` with its production defaults; the
    evening's planning must call exactly that, without other limits."""
    from controls import routing

    calls = []
    real = routing.plan_routes

    def spy(**kwargs):
        calls.append(kwargs)
        return real(**kwargs)

    monkeypatch.setattr(routing, "plan_routes", spy)
    plan_evening(
        project=selection_project,
        actor=projectleider_a,
        proposals=approved,
        teams=[[inspectors["uwv"]], [inspectors["politie"]]],
    )
    assert len(calls) == 1
    assert set(calls[0]) == {"meeting_point", "stops", "teams"}
    assert calls[0]["teams"] == 2 and len(calls[0]["stops"]) == len(approved)


def test_a_new_evening_brings_the_default_categories(selection_project, projectleider_a):
    from controls.constants import DEFAULT_FINDING_CATEGORIES
    from controls.models import FindingCategory

    FindingCategory.objects.filter(project=selection_project).delete()
    new_evening(selection_project, projectleider_a)
    codes = list(
        FindingCategory.objects.filter(project=selection_project).values_list("code", flat=True)
    )
    assert codes == [default.code for default in DEFAULT_FINDING_CATEGORIES]
    new_evening(selection_project, projectleider_a)  # idempotent
    assert FindingCategory.objects.filter(project=selection_project).count() == len(codes)
