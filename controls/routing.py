"""Walking routes for a controleavond: OR-Tools' routing solver, one vehicle per team.

Pure Python (no models, no database): the evening's services load the approved addresses and
the teams, call these functions and store the order they return.

API
---
``plan_routes(*, meeting_point, stops, teams, time_limit=TIME_LIMIT_SECONDS) -> Plan``
    Assigns every stop to one team and orders each team's stops into a walking route that
    starts and ends at the meeting point.
``plan_build(*, meeting_point, routes) -> Plan``
    The same result type for an order that is already known (as stored, or edited by hand):
    recomputes every distance, no solver.
``plan_move_stop(plan, *, stop_id, team, position=None) -> Plan`` and
``plan_reorder(plan, *, team, order) -> Plan``
    The planner's hand edits (move an address to another team, reorder a route): a new plan
    with the new totals, no solver. Both raise ``ApplicationError`` with the module constants
    below for an unknown stop or team, or an order that is not a permutation of the route.

Teams are numbered ``0 .. teams - 1`` in the order the caller lists them; a stop's ``id`` is
opaque (a visit or address pk). Coordinates are BAG x/y in Rijksdriehoek (RD New, EPSG:28992)
metres.

The model
---------
* Nodes: the meeting point (node 0) and every stop with coordinates. Arc cost: the walking
  distance, **straight-line metres** between the RD points, rounded to whole metres (the
  solver works in integers). Why straight lines: RD is a projected system in metres whose
  scale error is below 0.03 % anywhere in the Netherlands, so Euclidean distance on x/y *is*
  the distance on the ground; there is no street graph in the application (and no network
  at run time to ask one), and inside one neighbourhood the detour factor of walking over
  streets is roughly the same for every leg, so the order that is shortest in straight lines
  is a good order on the street. The totals are shown as "hemelsbreed" distances.
* One vehicle per team, each from and back to the meeting point.
* Balance, two parts:
  - a **count dimension** (every stop counts 1) whose per-team capacity is the team's even
    share: with ``n`` stops and ``k`` teams, ``n mod k`` teams take ``ceil(n / k)`` stops and
    the others ``floor(n / k)``. Because the shares add up to ``n`` and every stop must be
    visited, every team gets exactly its share: sizes differ by at most one.
    ``balance_slack=s`` lets a team take up to ``s`` stops more than its share, so that
    geography may win over evenness;
  - a **global span cost** on the walking dimension (``span_cost_coefficient`` times the
    longest route is added to the objective), so that the longest route is not much longer
    than the others: the evening lasts as long as the longest route.
* Search: a first solution from each of ``FIRST_SOLUTION_STRATEGIES`` (OR-Tools' own
  constructive heuristics; the cheapest one is kept, so a strategy that cannot fill the
  exact shares on some input does no harm), then **guided local search** from it, bounded by
  the time limit and by ``solution_limit`` accepted moves.
* Deterministic: the solver is single-threaded and uses no randomness, our own steps break
  ties by input order, and the search stops after ``solution_limit`` accepted moves, so the
  same input gives the same plan. The time limit is the safety net that keeps the page
  responsive: on a machine so loaded that it cuts the search before the move limit, the plan
  is still complete and balanced but may differ from a run on an idle machine (so store a
  plan once computed, and recompute only when the planner asks).

Stops without coordinates
-------------------------
An address without BAG x/y cannot be placed. It is still planned, never dropped: after the
solver has ordered the located stops, each unlocated stop (in input order) is appended at
the end of the route that has the fewest stops at that moment (ties: the shortest route,
then the lowest team), so balance is kept. Its legs are unknown: ``Route.distance_m``
counts only the legs between points with coordinates (meeting point, located stops in route
order, meeting point) and ``Route.unlocated`` says how many stops it skipped, so the page can
say "afstand onvolledig". The same rule holds wherever an unlocated stop sits after a hand
edit.
"""

from __future__ import annotations

import math
import time
from collections.abc import Hashable, Sequence
from dataclasses import dataclass

from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from wijkaanpak.core.exceptions import ApplicationError

# Production default: the evening page computes a plan of 4 teams x 30 addresses in under 2 s
# (bench/routes.py measures it against a 60 s run).
TIME_LIMIT_SECONDS = 1.5
# Accepted moves of guided local search after the first solution: the deterministic stop
# (see the module docstring). Calibrated with bench/routes.py (bench/README.md): a 4 x 30 plan
# is then within a few per cent of a 60 s run; more moves gain little, at seconds each.
SOLUTION_LIMIT = 25
# Weight of the longest route in the objective, on top of the sum of all routes.
SPAN_COST_COEFFICIENT = 1
FIRST_SOLUTION_STRATEGIES = (
    "PARALLEL_SAVINGS",
    "SAVINGS",
    "LOCAL_CHEAPEST_COST_INSERTION",
    "PATH_CHEAPEST_ARC",
)

TEAMS_REQUIRED = "Een planning heeft minstens één team nodig."
DUPLICATE_STOP = "Een adres staat twee keer in de planning."
UNKNOWN_STOP = "Dit adres staat niet in de planning."
UNKNOWN_TEAM = "Dit team bestaat niet in de planning."
ORDER_MISMATCH = "De nieuwe volgorde bevat niet precies de adressen van deze route."
NO_SOLUTION = "Er kon geen route worden berekend."


@dataclass(frozen=True)
class Point:
    """A point in Rijksdriehoek metres."""

    x: float
    y: float


@dataclass(frozen=True)
class Stop:
    """An address to visit; ``x``/``y`` are None when the address has no BAG coordinates."""

    id: Hashable
    x: float | None = None
    y: float | None = None

    @property
    def point(self) -> Point | None:
        if self.x is None or self.y is None:
            return None
        return Point(self.x, self.y)


@dataclass(frozen=True)
class Route:
    """One team's stops in walking order, from and back to the meeting point."""

    team: int
    stops: tuple[Stop, ...]
    distance_m: int  # the legs between points with coordinates (see the module docstring)
    unlocated: int  # stops without coordinates, whose legs distance_m cannot count

    @property
    def stop_ids(self) -> tuple[Hashable, ...]:
        return tuple(stop.id for stop in self.stops)

    @property
    def distance_complete(self) -> bool:
        return self.unlocated == 0


@dataclass(frozen=True)
class Plan:
    """Every stop in exactly one route; one route per team (possibly empty)."""

    meeting_point: Point
    routes: tuple[Route, ...]

    @property
    def total_distance_m(self) -> int:
        return sum(route.distance_m for route in self.routes)

    @property
    def longest_distance_m(self) -> int:
        return max((route.distance_m for route in self.routes), default=0)

    @property
    def distance_complete(self) -> bool:
        return all(route.distance_complete for route in self.routes)

    def team_of(self, stop_id: Hashable) -> int:
        for route in self.routes:
            if stop_id in route.stop_ids:
                return route.team
        raise ApplicationError(UNKNOWN_STOP)


def walking_distance(a: Point, b: Point) -> int:
    """Straight-line metres between two RD points, rounded to whole metres."""
    return round(math.hypot(a.x - b.x, a.y - b.y))


def route_distance(meeting_point: Point, stops: Sequence[Stop]) -> int:
    """Metres of meeting point -> located stops in this order -> meeting point."""
    points = [meeting_point, *(s.point for s in stops if s.point is not None), meeting_point]
    return sum(walking_distance(a, b) for a, b in zip(points, points[1:], strict=False))


def route_build(*, team: int, meeting_point: Point, stops: Sequence[Stop]) -> Route:
    """A route for stops in a known order, with its distance recomputed."""
    return Route(
        team=team,
        stops=tuple(stops),
        distance_m=route_distance(meeting_point, stops),
        unlocated=sum(1 for s in stops if s.point is None),
    )


def plan_build(*, meeting_point: Point, routes: Sequence[Sequence[Stop]]) -> Plan:
    """A plan for a known order (one list of stops per team); raises on a repeated stop."""
    _check_unique([stop for route in routes for stop in route])
    return Plan(
        meeting_point=meeting_point,
        routes=tuple(
            route_build(team=team, meeting_point=meeting_point, stops=stops)
            for team, stops in enumerate(routes)
        ),
    )


def plan_move_stop(
    plan: Plan, *, stop_id: Hashable, team: int, position: int | None = None
) -> Plan:
    """Move a stop to ``team``'s route at ``position`` (None: at the end); new totals."""
    if not 0 <= team < len(plan.routes):
        raise ApplicationError(UNKNOWN_TEAM)
    moving = next((s for r in plan.routes for s in r.stops if s.id == stop_id), None)
    if moving is None:
        raise ApplicationError(UNKNOWN_STOP)
    orders = [[s for s in route.stops if s.id != stop_id] for route in plan.routes]
    target = orders[team]
    target.insert(len(target) if position is None else max(0, position), moving)
    return plan_build(meeting_point=plan.meeting_point, routes=orders)


def plan_reorder(plan: Plan, *, team: int, order: Sequence[Hashable]) -> Plan:
    """Put ``team``'s stops in the given order of ids (a permutation of the route)."""
    if not 0 <= team < len(plan.routes):
        raise ApplicationError(UNKNOWN_TEAM)
    by_id = {stop.id: stop for stop in plan.routes[team].stops}
    if len(order) != len(by_id) or set(order) != set(by_id):
        raise ApplicationError(ORDER_MISMATCH)
    orders = [list(route.stops) for route in plan.routes]
    orders[team] = [by_id[stop_id] for stop_id in order]
    return plan_build(meeting_point=plan.meeting_point, routes=orders)


def plan_routes(
    *,
    meeting_point: Point,
    stops: Sequence[Stop],
    teams: int,
    time_limit: float = TIME_LIMIT_SECONDS,
    solution_limit: int = SOLUTION_LIMIT,
    balance_slack: int = 0,
    span_cost_coefficient: int = SPAN_COST_COEFFICIENT,
) -> Plan:
    """Balanced walking routes, one per team, from and back to the meeting point.

    Every stop ends up in exactly one route; stops without coordinates are appended as the
    module docstring says. Raises ApplicationError(TEAMS_REQUIRED) for fewer than one team,
    DUPLICATE_STOP for a repeated stop id.
    """
    if teams < 1:
        raise ApplicationError(TEAMS_REQUIRED)
    _check_unique(stops)
    located = [stop for stop in stops if stop.point is not None]
    orders: list[list[Stop]] = [[] for _ in range(teams)]
    if located:
        solved = _solve(
            meeting_point=meeting_point,
            located=located,
            teams=teams,
            deadline=time.monotonic() + time_limit,
            solution_limit=solution_limit,
            balance_slack=balance_slack,
            span_cost_coefficient=span_cost_coefficient,
        )
        orders = [[located[node - 1] for node in route] for route in solved]
    for stop in stops:
        if stop.point is None:
            team = min(
                range(teams),
                key=lambda t: (len(orders[t]), route_distance(meeting_point, orders[t]), t),
            )
            orders[team].append(stop)
    return plan_build(meeting_point=meeting_point, routes=orders)


def team_shares(stops: int, teams: int) -> list[int]:
    """Even shares: ``stops mod teams`` teams take one stop more than the others."""
    base, extra = divmod(stops, teams)
    return [base + 1] * extra + [base] * (teams - extra)


def _check_unique(stops: Sequence[Stop]) -> None:
    ids = [stop.id for stop in stops]
    if len(set(ids)) != len(ids):
        raise ApplicationError(DUPLICATE_STOP)


def _solve(
    *,
    meeting_point: Point,
    located: Sequence[Stop],
    teams: int,
    deadline: float,
    solution_limit: int,
    balance_slack: int,
    span_cost_coefficient: int,
) -> list[list[int]]:
    """Node numbers (1-based into ``located``) of each team's route, in walking order."""
    points = [meeting_point, *(stop.point for stop in located)]
    matrix = [[walking_distance(a, b) for b in points] for a in points]  # type: ignore[arg-type]
    manager = pywrapcp.RoutingIndexManager(len(points), teams, 0)
    model = pywrapcp.RoutingModel(manager)

    walk = model.RegisterTransitMatrix(matrix)
    model.SetArcCostEvaluatorOfAllVehicles(walk)
    longest_possible = sum(max(row) for row in matrix)
    model.AddDimension(walk, 0, longest_possible, True, "walk")
    model.GetDimensionOrDie("walk").SetGlobalSpanCostCoefficient(span_cost_coefficient)

    count = model.RegisterUnaryTransitVector([0] + [1] * len(located))
    capacities = [share + balance_slack for share in team_shares(len(located), teams)]
    model.AddDimensionWithVehicleCapacity(count, 0, capacities, True, "stops")

    start = _first_solution(model, deadline)
    if start is None:
        raise ApplicationError(NO_SOLUTION)
    parameters = pywrapcp.DefaultRoutingSearchParameters()
    parameters.local_search_metaheuristic = (
        routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    )
    parameters.solution_limit = solution_limit
    parameters.time_limit.FromMilliseconds(_remaining_ms(deadline))
    solution = model.SolveFromAssignmentWithParameters(start, parameters) or start
    return [[manager.IndexToNode(index) for index in route] for route in _routes(model, solution)]


def _first_solution(model: pywrapcp.RoutingModel, deadline: float):
    """The cheapest first solution of the strategies, or None when none finds one."""
    best = None
    for name in FIRST_SOLUTION_STRATEGIES:
        parameters = pywrapcp.DefaultRoutingSearchParameters()
        parameters.first_solution_strategy = getattr(routing_enums_pb2.FirstSolutionStrategy, name)
        parameters.local_search_metaheuristic = (
            routing_enums_pb2.LocalSearchMetaheuristic.GREEDY_DESCENT
        )
        parameters.solution_limit = 1  # the constructive solution only, no local search
        parameters.time_limit.FromMilliseconds(_remaining_ms(deadline))
        solution = model.SolveWithParameters(parameters)
        if solution is not None and (best is None or solution.ObjectiveValue() < best[0]):
            best = (solution.ObjectiveValue(), _routes(model, solution))
    if best is None:
        return None
    return model.ReadAssignmentFromRoutes(best[1], True)


def _routes(model: pywrapcp.RoutingModel, solution) -> list[list[int]]:
    """Each vehicle's visited indices (without start and end) in order."""
    routes = []
    for vehicle in range(model.vehicles()):
        index = solution.Value(model.NextVar(model.Start(vehicle)))
        route = []
        while not model.IsEnd(index):
            route.append(index)
            index = solution.Value(model.NextVar(index))
        routes.append(route)
    return routes


def _remaining_ms(deadline: float) -> int:
    # At least 1 ms: OR-Tools reads 0 as "no limit".
    return max(1, int((deadline - time.monotonic()) * 1000))
