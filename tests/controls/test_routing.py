"""Walking routes (controls.routing): every stop once, from and back to the meeting point,
distances that equal a recomputation, balance, stops without coordinates, the edge cases and
the planner's hand edits. No database, no timed assertions."""

import math
import random

import pytest

from controls import routing
from controls.routing import Point, Stop
from wijkaanpak.core.exceptions import ApplicationError

MEETING = Point(92_000.0, 437_000.0)
# Tests bound the search by moves, with a time limit far away, so they are deterministic and
# fast; the production defaults are measured by bench/routes.py.
FAST = {"solution_limit": 60, "time_limit": 30.0}


def scattered(count: int, seed: int = 7, spread: float = 600.0) -> list[Stop]:
    rng = random.Random(seed)
    return [
        Stop(
            id=f"s{i}",
            x=round(MEETING.x + rng.uniform(-spread, spread), 1),
            y=round(MEETING.y + rng.uniform(-spread, spread), 1),
        )
        for i in range(count)
    ]


def legs(stops) -> int:
    """An independent recomputation: meeting point, located stops, meeting point."""
    points = [(MEETING.x, MEETING.y)]
    points += [(s.x, s.y) for s in stops if s.x is not None and s.y is not None]
    points.append((MEETING.x, MEETING.y))
    return sum(round(math.dist(a, b)) for a, b in zip(points, points[1:], strict=False))


def planned_ids(plan) -> list:
    return [stop.id for route in plan.routes for stop in route.stops]


def test_every_stop_in_exactly_one_route_and_distances_recompute():
    stops = scattered(25)
    plan = routing.plan_routes(meeting_point=MEETING, stops=stops, teams=3, **FAST)

    assert len(plan.routes) == 3
    assert [route.team for route in plan.routes] == [0, 1, 2]
    assert sorted(planned_ids(plan)) == sorted(s.id for s in stops)
    assert len(planned_ids(plan)) == len(set(planned_ids(plan)))
    for route in plan.routes:
        # From and back to the meeting point: the distance is exactly that closed walk.
        assert route.distance_m == legs(route.stops)
        assert route.distance_complete
    assert plan.total_distance_m == sum(legs(r.stops) for r in plan.routes)
    assert plan.longest_distance_m == max(legs(r.stops) for r in plan.routes)
    assert plan.team_of(stops[0].id) in (0, 1, 2)


def test_routes_start_and_end_at_the_meeting_point():
    """One far stop per direction: each team's closed walk out and back is 2 x the radius."""
    stops = [
        Stop(id="noord", x=MEETING.x, y=MEETING.y + 500),
        Stop(id="oost", x=MEETING.x + 500, y=MEETING.y),
        Stop(id="zuid", x=MEETING.x, y=MEETING.y - 500),
        Stop(id="west", x=MEETING.x - 500, y=MEETING.y),
    ]
    plan = routing.plan_routes(meeting_point=MEETING, stops=stops, teams=4, **FAST)

    assert sorted(len(route.stops) for route in plan.routes) == [1, 1, 1, 1]
    assert [route.distance_m for route in plan.routes] == [1000, 1000, 1000, 1000]
    assert plan.total_distance_m == 4000


@pytest.mark.parametrize(("count", "teams"), [(30, 4), (31, 4), (10, 4), (13, 6), (7, 2), (9, 3)])
def test_balanced_sizes_differ_by_at_most_one(count, teams):
    plan = routing.plan_routes(
        meeting_point=MEETING, stops=scattered(count, seed=count), teams=teams, **FAST
    )
    sizes = [len(route.stops) for route in plan.routes]
    assert sum(sizes) == count
    assert max(sizes) - min(sizes) <= 1
    assert sorted(sizes, reverse=True) == routing.team_shares(count, teams)


def test_balance_slack_lets_geography_win():
    """Five stops close together and one far away: with slack, one team may take more."""
    near = [Stop(id=f"n{i}", x=MEETING.x + 10 * i, y=MEETING.y + 5) for i in range(5)]
    far = [Stop(id="ver", x=MEETING.x + 3000, y=MEETING.y)]
    strict = routing.plan_routes(meeting_point=MEETING, stops=near + far, teams=2, **FAST)
    assert sorted(len(r.stops) for r in strict.routes) == [3, 3]

    slack = routing.plan_routes(
        meeting_point=MEETING, stops=near + far, teams=2, balance_slack=2, **FAST
    )
    assert sorted(len(r.stops) for r in slack.routes) == [1, 5]
    assert slack.total_distance_m < strict.total_distance_m


def test_clusters_go_to_one_team_each():
    """Four equal clusters in four directions: the solver gives each team one cluster."""
    stops = []
    for name, (dx, dy) in {"n": (0, 800), "o": (800, 0), "z": (0, -800), "w": (-800, 0)}.items():
        rng = random.Random(name)
        stops += [
            Stop(id=f"{name}{i}", x=MEETING.x + dx + rng.uniform(-60, 60),
                 y=MEETING.y + dy + rng.uniform(-60, 60))
            for i in range(6)
        ]  # fmt: skip
    plan = routing.plan_routes(meeting_point=MEETING, stops=stops, teams=4, **FAST)
    clusters = ["".join(sorted({stop.id[0] for stop in route.stops})) for route in plan.routes]
    assert sorted(clusters) == ["n", "o", "w", "z"]


def test_one_team_walks_a_line_out_and_back():
    stops = [Stop(id=i, x=MEETING.x + 100 * i, y=MEETING.y) for i in (3, 1, 5, 2, 4)]
    plan = routing.plan_routes(meeting_point=MEETING, stops=stops, teams=1, **FAST)

    (route,) = plan.routes
    assert sorted(route.stop_ids) == [1, 2, 3, 4, 5]
    assert route.distance_m == 1000  # the optimum: out to the far end and back


def test_more_teams_than_stops():
    stops = scattered(3)
    plan = routing.plan_routes(meeting_point=MEETING, stops=stops, teams=5, **FAST)

    assert sorted(len(route.stops) for route in plan.routes) == [0, 0, 1, 1, 1]
    for route in plan.routes:
        assert route.distance_m == legs(route.stops)
        if not route.stops:
            assert route.distance_m == 0
    assert sorted(planned_ids(plan)) == sorted(s.id for s in stops)


def test_zero_stops():
    plan = routing.plan_routes(meeting_point=MEETING, stops=[], teams=3)

    assert [route.stops for route in plan.routes] == [(), (), ()]
    assert plan.total_distance_m == 0
    assert plan.longest_distance_m == 0


def test_stops_without_coordinates_are_appended_to_the_smallest_routes():
    located = scattered(7)
    unlocated = [Stop(id="zonder-xy-1"), Stop(id="zonder-xy-2", x=91_000.0, y=None)]
    plan = routing.plan_routes(
        meeting_point=MEETING, stops=[unlocated[0], *located, unlocated[1]], teams=3, **FAST
    )

    assert sorted(planned_ids(plan)) == sorted(s.id for s in [*located, *unlocated])
    sizes = [len(route.stops) for route in plan.routes]
    assert sorted(sizes) == [3, 3, 3]  # 7 located (3, 2, 2), then one each to the two 2s
    for route in plan.routes:
        # Unlocated stops come last; the distance counts the located legs only.
        flags = [stop.point is None for stop in route.stops]
        assert flags == sorted(flags)
        assert route.distance_m == legs(route.stops)
        assert route.unlocated == sum(flags)
        assert route.distance_complete is (sum(flags) == 0)
    assert not plan.distance_complete


def test_only_stops_without_coordinates():
    stops = [Stop(id=i) for i in range(4)]
    plan = routing.plan_routes(meeting_point=MEETING, stops=stops, teams=2)

    assert [route.stop_ids for route in plan.routes] == [(0, 2), (1, 3)]
    assert [route.distance_m for route in plan.routes] == [0, 0]
    assert [route.unlocated for route in plan.routes] == [2, 2]


def test_deterministic_for_the_same_input():
    stops = scattered(24, seed=3)
    first = routing.plan_routes(meeting_point=MEETING, stops=stops, teams=3, **FAST)
    again = routing.plan_routes(meeting_point=MEETING, stops=stops, teams=3, **FAST)
    assert first == again


def test_invalid_input_is_refused():
    with pytest.raises(ApplicationError) as error:
        routing.plan_routes(meeting_point=MEETING, stops=scattered(2), teams=0)
    assert error.value.message == routing.TEAMS_REQUIRED

    twice = [Stop(id="a", x=1.0, y=2.0), Stop(id="a", x=3.0, y=4.0)]
    with pytest.raises(ApplicationError) as error:
        routing.plan_routes(meeting_point=MEETING, stops=twice, teams=1)
    assert error.value.message == routing.DUPLICATE_STOP


def test_hand_edits_recompute_the_totals_without_the_solver():
    stops = scattered(9, seed=11)
    plan = routing.plan_routes(meeting_point=MEETING, stops=stops, teams=3, **FAST)
    moving = plan.routes[0].stops[1]

    # Move an address to team 2, at the front of its route.
    moved = routing.plan_move_stop(plan, stop_id=moving.id, team=2, position=0)
    assert moved.routes[2].stops[0] == moving
    assert moving not in moved.routes[0].stops
    assert [len(r.stops) for r in moved.routes] == [2, 3, 4]
    assert moved.routes[1] == plan.routes[1]
    for route in moved.routes:
        assert route.distance_m == legs(route.stops)
    assert moved.total_distance_m == sum(legs(r.stops) for r in moved.routes)
    assert sorted(planned_ids(moved)) == sorted(planned_ids(plan))

    # At the end when no position is given; moving within the same team reorders it.
    appended = routing.plan_move_stop(moved, stop_id=moving.id, team=0)
    assert appended.routes[0].stops[-1] == moving
    assert appended.routes[0].distance_m == legs(appended.routes[0].stops)

    # Reorder a route: the reversed walk has the same length, another order usually not.
    ids = list(plan.routes[1].stop_ids)
    reversed_plan = routing.plan_reorder(plan, team=1, order=ids[::-1])
    assert reversed_plan.routes[1].stop_ids == tuple(ids[::-1])
    assert reversed_plan.routes[1].distance_m == plan.routes[1].distance_m
    shuffled = [ids[1], ids[0], ids[2]]
    reordered = routing.plan_reorder(plan, team=1, order=shuffled)
    assert reordered.routes[1].distance_m == legs(reordered.routes[1].stops)
    assert reordered.total_distance_m == sum(legs(r.stops) for r in reordered.routes)

    # A stored order, rebuilt as it is (the page after a reload).
    rebuilt = routing.plan_build(
        meeting_point=MEETING, routes=[route.stops for route in reordered.routes]
    )
    assert rebuilt == reordered


def test_hand_edits_refuse_what_is_not_in_the_plan():
    plan = routing.plan_routes(meeting_point=MEETING, stops=scattered(4), teams=2, **FAST)
    cases = [
        (lambda: routing.plan_move_stop(plan, stop_id="onbekend", team=0), routing.UNKNOWN_STOP),
        (lambda: routing.plan_move_stop(plan, stop_id="s0", team=2), routing.UNKNOWN_TEAM),
        (lambda: routing.plan_reorder(plan, team=-1, order=[]), routing.UNKNOWN_TEAM),
        (lambda: routing.plan_reorder(plan, team=0, order=["s0"]), routing.ORDER_MISMATCH),
        (
            lambda: routing.plan_reorder(plan, team=0, order=[*plan.routes[0].stop_ids, "x"]),
            routing.ORDER_MISMATCH,
        ),
        (lambda: plan.team_of("onbekend"), routing.UNKNOWN_STOP),
        (
            lambda: routing.plan_build(meeting_point=MEETING, routes=[[Stop("a")], [Stop("a")]]),
            routing.DUPLICATE_STOP,
        ),
    ]
    for call, message in cases:
        with pytest.raises(ApplicationError) as error:
            call()
        assert error.value.message == message
