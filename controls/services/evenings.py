"""Planning a controleavond (issue 11 item 1): the evening, its teams and members, the
approved addresses on it and the walking routes; its lifecycle through `evening_transition`.

Rules every service here keeps:
* the caller holds PLAN_CONTROLS on the evening's project (the projectleider);
* the plan changes only while the evening is in EVENING_PLAN_EDITABLE; nothing changes after
  afgerond (or geannuleerd), every service refuses with a Dutch message;
* on a voorbereid evening a change that would break the voorbereid gate is refused (set the
  evening back to gepland first);
* the evening row is locked (select_for_update) and its `version` incremented by every change
  (R29), and each change writes one Event.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.db import transaction
from django.db.models import Count, Max, Q
from django.utils import timezone

import structlog

from datasharing.matching.constants import ProposalStatus
from datasharing.matching.models import SelectionProposal
from partners.models import User
from projects.constants import ProjectPerm
from projects.models import Project
from projects.selectors import project_perm_require, user_has_project_perm
from wijkaanpak.core.events import event_record
from wijkaanpak.core.exceptions import ApplicationError, InvalidTransition
from wijkaanpak.core.transitions import transition_require

from .. import routing
from ..constants import EVENING_PLAN_EDITABLE, EVENING_TRANSITIONS, EveningStatus
from ..models import Controleavond, Team, TeamMember, Visit
from ..selectors.evenings import approved_centroid, bag_points
from .categories import finding_categories_ensure_defaults

logger = structlog.get_logger(__name__)

NOT_ALLOWED_PLAN = "Alleen de projectleider mag controleavonden van dit project plannen."
EVENING_CLOSED = "Deze controleavond is afgerond: er kan niets meer veranderen."
EVENING_CANCELLED = "Deze controleavond is geannuleerd: er kan niets meer veranderen."
PLAN_FROZEN = (
    "De planning van deze avond ligt vast: alleen een geplande of voorbereide avond kan "
    "nog veranderen."
)
VERSION_CONFLICT_EVENING = (
    "Iemand anders heeft deze avond intussen gewijzigd. Laad de pagina opnieuw en kijk of uw "
    "wijziging nog nodig is."
)
MEETING_POINT_REQUIRED = "Vul het verzamelpunt in."
STARTS_AT_REQUIRED = "Vul de datum en het begintijdstip in."
ENDS_BEFORE_START = "De avond kan niet eindigen voordat hij begint."
COORDINATES_PAIR = "Vul zowel x als y van het verzamelpunt in, of geen van beide."
COORDINATES_OUTSIDE = "Deze coördinaten liggen niet in Nederland (Rijksdriehoek, in meters)."
NO_MEETING_COORDINATES = (
    "Het verzamelpunt heeft nog geen coördinaten en geen van de adressen heeft BAG-coördinaten: "
    "vul x en y van het verzamelpunt in om routes te plannen."
)
TEAM_NAME_REQUIRED = "Geef het team een naam."
TEAM_NAME_TAKEN = "Deze avond heeft al een team met deze naam."
NOT_AN_INSPECTOR = (
    "Alleen inspecteurs van dit project, van een organisatie die meedoet, kunnen in een team."
)
ALREADY_IN_TEAM = "Deze persoon zit al in een team van deze avond."
NOT_A_MEMBER = "Deze persoon zit niet in dit team."
OTHER_EVENING = "Dit hoort bij een andere controleavond."
NOT_APPROVED = "Alleen adressen die met vier ogen zijn goedgekeurd, kunnen op een controleavond."
ALREADY_ON_EVENING = "Dit adres staat al op deze avond."
NOTHING_SELECTED = "Kies minstens één adres."
VISIT_HAS_RESULT = "Dit bezoek heeft al een resultaat of bevindingen; het kan niet van de avond af."
NO_TEAMS = "Maak eerst minstens één team."
NO_VISITS = "Er staan nog geen adressen op deze avond."
NOT_ROUTED = "Dit adres heeft nog geen team; plan eerst de routes."
GATE_NO_TEAM = "Een avond kan pas voorbereid zijn met minstens één team."
GATE_TEAM_WITHOUT_LEAD = "Elk team heeft een teamleider nodig: {teams}."
GATE_TEAM_WITHOUT_MEMBERS = "Elk team heeft leden nodig: {teams}."
GATE_NO_VISITS = "Een avond kan pas voorbereid zijn als er adressen op staan."
GATE_UNROUTED = "Elk adres moet in de route van een team staan: {count} nog niet."
BREAKS_READY = (
    "De avond is voorbereid; deze wijziging past daar niet bij ({reason}) Zet de avond eerst "
    "terug naar gepland."
)
TRANSITION_NOT_ALLOWED = "Een avond met status {current} kan niet naar {target}."
REASON_REQUIRED = "Geef een reden op."


# --- guards -----------------------------------------------------------------------------------


def _plan_perm_require(*, actor: User, project: Project) -> None:
    project_perm_require(
        actor=actor, project=project, perm=ProjectPerm.PLAN_CONTROLS, message=NOT_ALLOWED_PLAN
    )


def _not_closed(evening: Controleavond) -> None:
    if evening.status == EveningStatus.AFGEROND:
        raise InvalidTransition(EVENING_CLOSED)
    if evening.status == EveningStatus.GEANNULEERD:
        raise InvalidTransition(EVENING_CANCELLED)


def _locked_evening(evening: Controleavond) -> Controleavond:
    return (
        Controleavond.objects.select_for_update(of=("self",))
        .select_related("project")
        .get(pk=evening.pk)
    )


def _editable_evening(*, actor: User, evening: Controleavond) -> Controleavond:
    """Lock the evening and check the permission and that its plan may still change."""
    evening = _locked_evening(evening)
    _plan_perm_require(actor=actor, project=evening.project)
    _not_closed(evening)
    if evening.status not in EVENING_PLAN_EDITABLE:
        raise InvalidTransition(PLAN_FROZEN)
    return evening


def _touch(evening: Controleavond) -> None:
    evening.version += 1
    evening.save(update_fields=["version", "updated_at"])


def _still_ready(evening: Controleavond) -> None:
    """On a voorbereid evening, refuse a change after which the gate would no longer hold."""
    if evening.status != EveningStatus.VOORBEREID:
        return
    problems = evening_ready_problems(evening=evening)
    if problems:
        raise InvalidTransition(BREAKS_READY.format(reason=problems[0]))


def _clean_text(value: str) -> str:
    return (value or "").strip()


def _coordinates(x: int | None, y: int | None) -> tuple[int | None, int | None]:
    if (x is None) != (y is None):
        raise ApplicationError(COORDINATES_PAIR, {"field": "meeting_x"})
    # Rijksdriehoek: the Netherlands lies within x 0-300 km, y 300-625 km.
    if x is not None and y is not None and not (0 <= x <= 300_000 and 300_000 <= y <= 625_000):
        raise ApplicationError(COORDINATES_OUTSIDE, {"field": "meeting_x"})
    return x, y


def _evening_fields(
    *,
    starts_at: datetime | None,
    ends_at: datetime | None,
    meeting_point: str,
) -> str:
    if starts_at is None:
        raise ApplicationError(STARTS_AT_REQUIRED, {"field": "starts_at"})
    if ends_at is not None and ends_at <= starts_at:
        raise ApplicationError(ENDS_BEFORE_START, {"field": "ends_at"})
    meeting_point = _clean_text(meeting_point)
    if not meeting_point:
        raise ApplicationError(MEETING_POINT_REQUIRED, {"field": "meeting_point"})
    return meeting_point


# --- the evening ----------------------------------------------------------------------------


@transaction.atomic
def evening_create(
    *,
    actor: User,
    project: Project,
    starts_at: datetime,
    meeting_point: str,
    meeting_x: int | None = None,
    meeting_y: int | None = None,
    ends_at: datetime | None = None,
    briefing: str = "",
    name: str = "",
) -> Controleavond:
    """Plan a new evening (status gepland). Without meeting-point coordinates it takes the
    centroid of the approved addresses; the project's default finding categories are made if
    missing. Caller: the projectleider (PLAN_CONTROLS)."""
    _plan_perm_require(actor=actor, project=project)
    meeting_point = _evening_fields(
        starts_at=starts_at, ends_at=ends_at, meeting_point=meeting_point
    )
    meeting_x, meeting_y = _coordinates(meeting_x, meeting_y)
    if meeting_x is None:
        centroid = approved_centroid(project=project)
        if centroid is not None:
            meeting_x, meeting_y = centroid
    # The inspectors will record findings: the project's categories exist from now on.
    finding_categories_ensure_defaults(project=project)
    evening = Controleavond.objects.create(
        project=project,
        name=_clean_text(name),
        starts_at=starts_at,
        ends_at=ends_at,
        meeting_point=meeting_point,
        meeting_x=meeting_x,
        meeting_y=meeting_y,
        briefing=_clean_text(briefing),
        created_by=actor,
    )
    event_record(
        actor=actor,
        kind="evening_created",
        project=project,
        obj=evening,
        to_state=evening.status,
    )
    logger.info("evening_created", evening_id=evening.pk, project_id=project.pk)
    return evening


@transaction.atomic
def evening_update(
    *,
    actor: User,
    evening: Controleavond,
    expected_version: int,
    starts_at: datetime,
    meeting_point: str,
    meeting_x: int | None = None,
    meeting_y: int | None = None,
    ends_at: datetime | None = None,
    briefing: str = "",
    name: str = "",
) -> Controleavond:
    """Change an evening's time, meeting point or briefing. `expected_version` is the version
    the form showed: another change in between raises InvalidTransition (R29). Routes are
    recomputed when the meeting point moves (distances start and end there)."""
    evening = _editable_evening(actor=actor, evening=evening)
    if expected_version != evening.version:
        raise InvalidTransition(VERSION_CONFLICT_EVENING)
    meeting_point = _evening_fields(
        starts_at=starts_at, ends_at=ends_at, meeting_point=meeting_point
    )
    meeting_x, meeting_y = _coordinates(meeting_x, meeting_y)
    moved = (meeting_x, meeting_y) != (evening.meeting_x, evening.meeting_y)
    evening.name = _clean_text(name)
    evening.starts_at = starts_at
    evening.ends_at = ends_at
    evening.meeting_point = meeting_point
    evening.meeting_x = meeting_x
    evening.meeting_y = meeting_y
    evening.briefing = _clean_text(briefing)
    evening.version += 1
    evening.full_clean(exclude=["project", "created_by"])
    evening.save()
    if moved and evening.meeting_x is not None:
        _distances_store(evening=evening, plan=_stored_plan(evening))
    event_record(actor=actor, kind="evening_updated", project=evening.project, obj=evening)
    return evening


def evening_ready_problems(*, evening: Controleavond) -> list[str]:
    """What keeps the evening from being voorbereid (empty: nothing): at least one team, every
    team with members and a lead, at least one address, every address in a team's route."""
    teams = list(Team.objects.filter(evening=evening).prefetch_related("members"))
    problems = []
    if not teams:
        problems.append(GATE_NO_TEAM)
    empty = [team.name for team in teams if not team.members.all()]
    if empty:
        problems.append(GATE_TEAM_WITHOUT_MEMBERS.format(teams=", ".join(empty)))
    leaderless = [
        team.name
        for team in teams
        if team.members.all() and not any(m.is_lead for m in team.members.all())
    ]
    if leaderless:
        problems.append(GATE_TEAM_WITHOUT_LEAD.format(teams=", ".join(leaderless)))
    counts = Visit.objects.filter(evening=evening).aggregate(
        visits=Count("id"),
        unrouted=Count("id", filter=Q(team__isnull=True) | Q(route_position__isnull=True)),
    )
    if not counts["visits"]:
        problems.append(GATE_NO_VISITS)
    unrouted = counts["unrouted"]
    if unrouted:
        problems.append(GATE_UNROUTED.format(count=unrouted))
    return problems


@transaction.atomic
def evening_transition(
    *, actor: User, evening: Controleavond, target: str, reason: str = ""
) -> Controleavond:
    """Move the evening along EVENING_TRANSITIONS (gepland → voorbereid → uitgevoerd →
    afgerond; geannuleerd from gepland or voorbereid, with a reason).

    Gate of voorbereid: evening_ready_problems is empty (InvalidTransition with the first
    problem otherwise). Caller: the projectleider (PLAN_CONTROLS).
    """
    evening = _locked_evening(evening)
    _plan_perm_require(actor=actor, project=evening.project)
    current = evening.status
    _not_closed(evening)
    labels = dict(EveningStatus.choices)
    transition_require(
        EVENING_TRANSITIONS,
        current,
        target,
        message=TRANSITION_NOT_ALLOWED.format(
            current=labels.get(current, current).lower(),
            target=labels.get(target, target).lower(),
        ),
    )
    reason = _clean_text(reason)
    if target == EveningStatus.GEANNULEERD and not reason:
        raise ApplicationError(REASON_REQUIRED, {"field": "reason"})
    if target == EveningStatus.VOORBEREID:
        problems = evening_ready_problems(evening=evening)
        if problems:
            raise InvalidTransition(problems[0], {"problems": problems})
    evening.status = target
    evening.version += 1
    evening.save(update_fields=["status", "version", "updated_at"])
    event_record(
        actor=actor,
        kind="evening_transition",
        project=evening.project,
        obj=evening,
        from_state=current,
        to_state=target,
        reason=reason,
    )
    logger.info("evening_transition", evening_id=evening.pk, from_state=current, to_state=target)
    return evening


# --- teams and members ----------------------------------------------------------------------


@transaction.atomic
def team_create(*, actor: User, evening: Controleavond, name: str) -> Team:
    """Add a team to the evening (no members yet). Caller: the projectleider."""
    evening = _editable_evening(actor=actor, evening=evening)
    name = _clean_text(name)
    if not name:
        raise ApplicationError(TEAM_NAME_REQUIRED, {"field": "name"})
    if Team.objects.filter(evening=evening, name__iexact=name).exists():
        raise ApplicationError(TEAM_NAME_TAKEN, {"field": "name"})
    team = Team.objects.create(evening=evening, name=name)
    _still_ready(evening)
    _touch(evening)
    event_record(
        actor=actor, kind="team_created", project=evening.project, obj=team, data={"name": name}
    )
    return team


@transaction.atomic
def team_rename(*, actor: User, team: Team, name: str) -> Team:
    """Rename a team. Caller: the projectleider."""
    evening = _editable_evening(actor=actor, evening=team.evening)
    team = Team.objects.get(pk=team.pk, evening=evening)
    name = _clean_text(name)
    if not name:
        raise ApplicationError(TEAM_NAME_REQUIRED, {"field": "name"})
    if Team.objects.filter(evening=evening, name__iexact=name).exclude(pk=team.pk).exists():
        raise ApplicationError(TEAM_NAME_TAKEN, {"field": "name"})
    previous, team.name = team.name, name
    team.save(update_fields=["name"])
    _touch(evening)
    event_record(
        actor=actor,
        kind="team_renamed",
        project=evening.project,
        obj=team,
        data={"previous": previous, "name": name},
    )
    return team


@transaction.atomic
def team_delete(*, actor: User, team: Team) -> None:
    """Remove a team; its addresses stay on the evening without a team (plan again)."""
    evening = _editable_evening(actor=actor, evening=team.evening)
    team = Team.objects.get(pk=team.pk, evening=evening)
    Visit.objects.filter(team=team).update(team=None, route_position=None)
    event_record(
        actor=actor,
        kind="team_deleted",
        project=evening.project,
        obj=evening,
        data={"team": team.pk, "name": team.name},
    )
    team.delete()
    _still_ready(evening)
    _touch(evening)


@transaction.atomic
def team_member_add(*, actor: User, team: Team, person: User, is_lead: bool = False) -> TeamMember:
    """Put an inspector of the project (role inspecteur, organisation taking part, convenant
    valid) in a team; one team per person per evening. `is_lead` makes them the team's lead
    (the previous lead stays a member). Caller: the projectleider."""
    evening = _editable_evening(actor=actor, evening=team.evening)
    team = Team.objects.select_for_update().get(pk=team.pk, evening=evening)
    if not user_has_project_perm(
        user=person, project=evening.project, perm=ProjectPerm.RECORD_VISITS
    ):
        raise ApplicationError(NOT_AN_INSPECTOR, {"field": "person"})
    if TeamMember.objects.filter(team__evening=evening, person=person).exists():
        raise ApplicationError(ALREADY_IN_TEAM, {"field": "person"})
    if is_lead:
        TeamMember.objects.filter(team=team, is_lead=True).update(is_lead=False)
    member = TeamMember.objects.create(team=team, person=person, is_lead=is_lead)
    _touch(evening)
    event_record(
        actor=actor,
        kind="team_member_added",
        project=evening.project,
        obj=team,
        data={"person": person.pk, "is_lead": is_lead},
    )
    return member


@transaction.atomic
def team_lead_set(*, actor: User, team: Team, person: User) -> TeamMember:
    """Make a member the team's lead (exactly one lead per team). Caller: the projectleider."""
    evening = _editable_evening(actor=actor, evening=team.evening)
    team = Team.objects.select_for_update().get(pk=team.pk, evening=evening)
    member = TeamMember.objects.filter(team=team, person=person).first()
    if member is None:
        raise ApplicationError(NOT_A_MEMBER, {"field": "person"})
    TeamMember.objects.filter(team=team, is_lead=True).exclude(pk=member.pk).update(is_lead=False)
    if not member.is_lead:
        member.is_lead = True
        member.save(update_fields=["is_lead"])
    _touch(evening)
    event_record(
        actor=actor,
        kind="team_lead_set",
        project=evening.project,
        obj=team,
        data={"person": person.pk},
    )
    return member


@transaction.atomic
def team_member_remove(*, actor: User, team: Team, person: User) -> None:
    """Take a person out of a team. Caller: the projectleider."""
    evening = _editable_evening(actor=actor, evening=team.evening)
    member = TeamMember.objects.filter(
        team_id=team.pk, team__evening=evening, person=person
    ).first()
    if member is None:
        raise ApplicationError(NOT_A_MEMBER, {"field": "person"})
    member.delete()
    _still_ready(evening)
    _touch(evening)
    event_record(
        actor=actor,
        kind="team_member_removed",
        project=evening.project,
        obj=team,
        data={"person": person.pk},
    )


# --- addresses and routes -------------------------------------------------------------------


def _meeting(evening: Controleavond) -> routing.Point:
    if evening.meeting_x is None or evening.meeting_y is None:
        raise ApplicationError(NO_MEETING_COORDINATES, {"field": "meeting_x"})
    return routing.Point(float(evening.meeting_x), float(evening.meeting_y))


def _stop(visit: Visit) -> routing.Stop:
    return routing.Stop(id=visit.pk, x=visit.x, y=visit.y)


def _teams(evening: Controleavond) -> list[Team]:
    return list(Team.objects.filter(evening=evening).order_by("name", "id"))


def _stored_plan(evening: Controleavond) -> tuple[list[Team], routing.Plan]:
    """The teams (in plan order) and the plan as stored: each team's routed visits in order."""
    teams = _teams(evening)
    index = {team.pk: position for position, team in enumerate(teams)}
    orders: list[list[routing.Stop]] = [[] for _ in teams]
    visits = Visit.objects.filter(evening=evening, team__isnull=False).order_by(
        "route_position", "id"
    )
    for visit in visits:
        if visit.team_id is not None:
            orders[index[visit.team_id]].append(_stop(visit))
    return teams, routing.plan_build(meeting_point=_meeting(evening), routes=orders)


def _plan_store(*, evening: Controleavond, teams: Sequence[Team], plan: routing.Plan) -> None:
    """Write each visit's team and position and each team's distance from `plan`."""
    now = timezone.now()
    positions = {
        stop.id: (teams[route.team], position)
        for route in plan.routes
        for position, stop in enumerate(route.stops, start=1)
    }
    visits = list(Visit.objects.filter(evening=evening, pk__in=list(positions)))
    for visit in visits:
        visit.team, visit.route_position = positions[visit.pk]
    Visit.objects.bulk_update(visits, ["team", "route_position"])
    for route in plan.routes:
        team = teams[route.team]
        team.route_distance_m = route.distance_m
        team.route_planned_at = now
    Team.objects.bulk_update(list(teams), ["route_distance_m", "route_planned_at"])


def _distances_store(*, evening: Controleavond, plan: tuple[list[Team], routing.Plan]) -> None:
    teams, stored = plan
    _plan_store(evening=evening, teams=teams, plan=stored)


@transaction.atomic
def visits_assign(
    *,
    actor: User,
    evening: Controleavond,
    proposals: Sequence[SelectionProposal],
    team: Team | None = None,
) -> list[Visit]:
    """Put approved addresses on the evening (gate: only proposals of the project's current
    selection, approved under four eyes, each once per evening), with their BAG x/y. With a
    `team` they are appended to its route; without, they wait for evening_routes_plan."""
    evening = _editable_evening(actor=actor, evening=evening)
    if not proposals:
        raise ApplicationError(NOTHING_SELECTED, {"field": "proposals"})
    if team is not None and team.evening_id != evening.pk:
        raise ApplicationError(OTHER_EVENING)
    ids = [proposal.pk for proposal in proposals]
    approved = {
        p.pk: p
        for p in SelectionProposal.objects.filter(
            pk__in=ids, project=evening.project, status=ProposalStatus.APPROVED
        )
    }
    if len(approved) != len(set(ids)):
        raise InvalidTransition(NOT_APPROVED, {"field": "proposals"})
    if Visit.objects.filter(evening=evening, proposal_id__in=ids).exists() or len(set(ids)) != len(
        ids
    ):
        raise ApplicationError(ALREADY_ON_EVENING, {"field": "proposals"})
    points = bag_points(
        project=evening.project, address_keys=[p.address_key for p in approved.values()]
    )
    start = 0
    if team is not None:
        start = Visit.objects.filter(team=team).aggregate(last=Max("route_position"))["last"] or 0
    visits = []
    for offset, proposal_id in enumerate(ids, start=1):
        proposal = approved[proposal_id]
        x, y = points.get(proposal.address_key, (None, None))
        visits.append(
            Visit(
                evening=evening,
                team=team,
                proposal=proposal,
                project=evening.project,
                address_key=proposal.address_key,
                pseudonym=proposal.pseudonym,
                buurtcode=proposal.buurtcode,
                x=x,
                y=y,
                route_position=start + offset if team is not None else None,
            )
        )
    created = Visit.objects.bulk_create(visits)
    if team is not None and evening.meeting_x is not None:
        _distances_store(evening=evening, plan=_stored_plan(evening))
    _still_ready(evening)
    _touch(evening)
    event_record(
        actor=actor,
        kind="visits_assigned",
        project=evening.project,
        obj=evening,
        data={"proposals": ids, "team": team.pk if team else None},
    )
    return created


@transaction.atomic
def visit_remove(*, actor: User, visit: Visit) -> None:
    """Take an address off the evening, while it has no result or finding."""
    evening = _editable_evening(actor=actor, evening=visit.evening)
    visit = Visit.objects.select_for_update().get(pk=visit.pk, evening=evening)
    if visit.result or visit.findings.exists():
        raise InvalidTransition(VISIT_HAS_RESULT)
    proposal_id = visit.proposal_id
    visit.delete()
    if evening.meeting_x is not None:
        teams, plan = _stored_plan(evening)
        _plan_store(evening=evening, teams=teams, plan=plan)  # renumbers, recomputes
    _still_ready(evening)
    _touch(evening)
    event_record(
        actor=actor,
        kind="visit_removed",
        project=evening.project,
        obj=evening,
        data={"proposal": proposal_id},
    )


@transaction.atomic
def evening_routes_plan(*, actor: User, evening: Controleavond) -> routing.Plan:
    """Plan every address of the evening into balanced walking routes, one per team, from and
    back to the meeting point (controls.routing.plan_routes, OR-Tools), and store them.
    Replaces any hand edits. Raises ApplicationError without teams or meeting coordinates."""
    evening = _editable_evening(actor=actor, evening=evening)
    teams = _teams(evening)
    if not teams:
        raise ApplicationError(NO_TEAMS)
    meeting = _meeting(evening)
    visits = list(Visit.objects.filter(evening=evening).order_by("pk"))
    if not visits:
        raise ApplicationError(NO_VISITS)
    plan = routing.plan_routes(
        meeting_point=meeting, stops=[_stop(v) for v in visits], teams=len(teams)
    )
    _plan_store(evening=evening, teams=teams, plan=plan)
    _touch(evening)
    event_record(
        actor=actor,
        kind="evening_routes_planned",
        project=evening.project,
        obj=evening,
        data={
            "teams": len(teams),
            "visits": len(visits),
            "total_distance_m": plan.total_distance_m,
        },
    )
    logger.info(
        "evening_routes_planned",
        evening_id=evening.pk,
        visits=len(visits),
        total_distance_m=plan.total_distance_m,
    )
    return plan


@transaction.atomic
def visit_move(
    *, actor: User, visit: Visit, team: Team, position: int | None = None
) -> routing.Plan:
    """Move an address to `team`'s route at `position` (1-based; None: at the end), by hand;
    every distance is recomputed (no solver)."""
    evening = _editable_evening(actor=actor, evening=visit.evening)
    visit = Visit.objects.select_for_update().get(pk=visit.pk, evening=evening)
    if team.evening_id != evening.pk:
        raise ApplicationError(OTHER_EVENING)
    teams, plan = _stored_plan(evening)
    team_index = next(i for i, t in enumerate(teams) if t.pk == team.pk)
    index = None if position is None else max(0, position - 1)
    if visit.team_id is None:
        orders = [list(route.stops) for route in plan.routes]
        target = orders[team_index]
        target.insert(len(target) if index is None else index, _stop(visit))
        plan = routing.plan_build(meeting_point=plan.meeting_point, routes=orders)
    else:
        plan = routing.plan_move_stop(plan, stop_id=visit.pk, team=team_index, position=index)
    _plan_store(evening=evening, teams=teams, plan=plan)
    _still_ready(evening)
    _touch(evening)
    event_record(
        actor=actor,
        kind="visit_moved",
        project=evening.project,
        obj=visit,
        data={"team": team.pk, "position": position},
    )
    return plan


@transaction.atomic
def route_reorder(*, actor: User, team: Team, order: Sequence[int]) -> routing.Plan:
    """Put a team's route in the given order of visit pks (a permutation of the route); the
    distances are recomputed."""
    evening = _editable_evening(actor=actor, evening=team.evening)
    teams, plan = _stored_plan(evening)
    team_index = next(i for i, t in enumerate(teams) if t.pk == team.pk)
    plan = routing.plan_reorder(plan, team=team_index, order=list(order))
    _plan_store(evening=evening, teams=teams, plan=plan)
    _touch(evening)
    event_record(
        actor=actor,
        kind="route_reordered",
        project=evening.project,
        obj=team,
        data={"order": list(order)},
    )
    return plan


def visit_shift(*, actor: User, visit: Visit, offset: int) -> routing.Plan:
    """Move an address one place up (-1) or down (+1) in its team's route."""
    if visit.team is None or visit.route_position is None:
        raise ApplicationError(NOT_ROUTED)
    return visit_move(
        actor=actor,
        visit=visit,
        team=visit.team,
        position=max(1, visit.route_position + offset),
    )
