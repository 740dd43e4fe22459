"""Reads of controleavonden, their visits, addresses and findings, scoped to the person
(style rules 12–14, security R2/R20/R21).

Who sees what (issue 11 item 6):
* the projectleider (PLAN_CONTROLS) sees every evening and visit of the project;
* an inspector (RECORD_VISITS) sees the evenings where they are a member of a team, and on
  those only the visits of their own teams;
* anyone else sees none: lists are empty, single lookups raise Http404 (never 403).

Each function takes the permissions the view already resolved (`perms`, from
ProjectScopedMixin) to save the queries; without them it resolves them itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from datasharing.constants import DeliveryStatus
from datasharing.matching.constants import ProposalStatus
from datasharing.matching.models import SelectionProposal
from datasharing.models import AddressVaultEntry, BagRecord, ProjectKey
from datasharing.pseudonymisation import (
    PROJECT_KEY_DESTROYED,
    RealAddress,
    project_key_current,
    pseudonymiser_for,
)
from partners.models import User
from partners.selectors import convenants_valid_on
from projects.constants import ProjectPerm, Role
from projects.models import Project, ProjectRole
from projects.selectors import (
    Person,
    project_list_for_user,
    project_partner_organisation_ids,
    project_perms_for_user,
)
from wijkaanpak.core.exceptions import ApplicationError, NotPermitted
from wijkaanpak.core.processing_log import processing_log_write

from ..constants import EveningStatus
from ..models import Controleavond, Finding, Team, TeamMember, Visit

NOT_ALLOWED_ADDRESSES = "U mag de adressen van deze bezoeken niet inzien."

# Evenings that are no longer on anyone's agenda.
EVENING_NOT_TONIGHT = frozenset({EveningStatus.GEANNULEERD, EveningStatus.AFGEROND})

# Per team (by name), in walking order; visits not yet assigned or routed come last.
ROUTE_ORDER = (
    F("team__name").asc(nulls_last=True),
    F("team_id").asc(nulls_last=True),
    F("route_position").asc(nulls_last=True),
    F("id").asc(),
)


def _perms(
    *, user: Person, project: Project, perms: frozenset[ProjectPerm] | None
) -> frozenset[ProjectPerm]:
    return project_perms_for_user(user=user, project=project) if perms is None else perms


def _sees_all(perms: frozenset[ProjectPerm]) -> bool:
    return ProjectPerm.PLAN_CONTROLS in perms


def _inspector(user: Person, perms: frozenset[ProjectPerm]) -> User | None:
    """The person when they record visits in the project (then they see their own teams)."""
    if ProjectPerm.RECORD_VISITS in perms and isinstance(user, User):
        return user
    return None


def _member_of_evening(person: User) -> Exists:
    return Exists(TeamMember.objects.filter(team__evening=OuterRef("pk"), person=person))


def _member_of_team(person: User) -> Exists:
    return Exists(TeamMember.objects.filter(team=OuterRef("team_id"), person=person))


def evening_list_for_user(
    *, user: Person, project: Project, perms: frozenset[ProjectPerm] | None = None
) -> QuerySet[Controleavond]:
    """The project's evenings `user` may see: all for the projectleider, those with the
    inspector in a team for an inspector, none otherwise. Newest first."""
    perms = _perms(user=user, project=project, perms=perms)
    evenings = Controleavond.objects.filter(project=project)
    if _sees_all(perms):
        return evenings
    person = _inspector(user, perms)
    if person is None:
        return Controleavond.objects.none()
    return evenings.filter(_member_of_evening(person))


def evening_list_with_counts(
    *, user: Person, project: Project, perms: frozenset[ProjectPerm] | None = None
) -> QuerySet[Controleavond]:
    """evening_list_for_user with each evening's number of teams and visits."""
    return evening_list_for_user(user=user, project=project, perms=perms).annotate(
        team_count=Count("teams", distinct=True), visit_count=Count("visits", distinct=True)
    )


def evening_get_for_user(
    *, user: Person, project: Project, pk: int, perms: frozenset[ProjectPerm] | None = None
) -> Controleavond:
    """One evening of the project `user` may see (see evening_list_for_user), or Http404."""
    evening = (
        evening_list_for_user(user=user, project=project, perms=perms)
        .filter(pk=pk)
        .select_related("project")
        .first()
    )
    if evening is None:
        raise Http404
    return evening


def visit_list_for_user(
    *, user: Person, evening: Controleavond, perms: frozenset[ProjectPerm] | None = None
) -> QuerySet[Visit]:
    """The evening's visits `user` may see, in route order per team (unassigned last):
    all for the projectleider, the visits of the inspector's own teams for an inspector."""
    perms = _perms(user=user, project=evening.project, perms=perms)
    visits = Visit.objects.filter(evening=evening).select_related("team")
    if not _sees_all(perms):
        person = _inspector(user, perms)
        if person is None:
            return Visit.objects.none()
        visits = visits.filter(_member_of_team(person))
    return visits.order_by(*ROUTE_ORDER)


def visit_get_for_user(
    *, user: Person, project: Project, pk: int, perms: frozenset[ProjectPerm] | None = None
) -> Visit:
    """One visit of the project `user` may see (the projectleider any, an inspector those of
    their own teams), with its evening and team; Http404 otherwise."""
    perms = _perms(user=user, project=project, perms=perms)
    visits = Visit.objects.filter(project=project, pk=pk).select_related(
        "evening", "evening__project", "project", "team", "proposal"
    )
    if not _sees_all(perms):
        person = _inspector(user, perms)
        if person is None:
            raise Http404
        visits = visits.filter(_member_of_team(person))
    visit = visits.first()
    if visit is None:
        raise Http404
    return visit


def evenings_tonight_for_inspector(*, user: Person, day: date) -> list[Controleavond]:
    """Evenings starting on `day` (local time) in projects where `user` records visits, on
    which they are a team member; not cancelled or closed. Earliest first."""
    if not isinstance(user, User):
        return []
    tz = timezone.get_current_timezone()
    start = timezone.make_aware(datetime.combine(day, time.min), tz)
    projects = project_list_for_user(user=user, perm=ProjectPerm.RECORD_VISITS)
    return list(
        Controleavond.objects.filter(
            _member_of_evening(user),
            project__in=projects.values("pk"),
            starts_at__gte=start,
            starts_at__lt=start + timedelta(days=1),
        )
        .exclude(status__in=EVENING_NOT_TONIGHT)
        .select_related("project")
        .order_by("starts_at", "id")
    )


def evenings_upcoming_for_inspector(
    *, user: Person, project_ids: Iterable[int], day: date, limit: int = 10
) -> list[Controleavond]:
    """The inspector's evenings from `day` on (today's first) in the given projects where they
    record visits and are a team member; not cancelled or closed. For their start page."""
    if not isinstance(user, User):
        return []
    start = timezone.make_aware(datetime.combine(day, time.min), timezone.get_current_timezone())
    projects = project_list_for_user(user=user, perm=ProjectPerm.RECORD_VISITS).filter(
        pk__in=list(project_ids)
    )
    return list(
        Controleavond.objects.filter(
            _member_of_evening(user), project__in=projects.values("pk"), starts_at__gte=start
        )
        .exclude(status__in=EVENING_NOT_TONIGHT)
        .select_related("project")
        .order_by("starts_at", "id")[:limit]
    )


def team_list(*, evening: Controleavond) -> QuerySet[Team]:
    """The evening's teams with their members (lead first) and the members' organisations."""
    members = TeamMember.objects.select_related("person", "person__organisation")
    return evening.teams.prefetch_related(Prefetch("members", queryset=members)).order_by(
        "name", "id"
    )


def _vault_open_many(*, project: Project, address_keys: Sequence[str]) -> dict[str, dict]:
    """Decrypt the vault entries of `address_keys` (latest delivery per key) in one query.

    The caller has checked the right to see them and written the processing log.
    """
    if (
        project_key_current(project=project) is None
        and ProjectKey.objects.filter(project=project, destroyed_at__isnull=False).exists()
    ):
        raise ApplicationError(PROJECT_KEY_DESTROYED)
    entries = AddressVaultEntry.objects.filter(
        project=project, address_key__in=list(address_keys)
    ).order_by("address_key", "-delivery_id")
    opened: dict[str, dict] = {}
    pseudonymisers: dict[int, object] = {}
    for entry in entries:
        if entry.address_key in opened:
            continue
        if entry.key_version not in pseudonymisers:
            pseudonymisers[entry.key_version] = pseudonymiser_for(
                project=project, version=entry.key_version
            )
        pseudonymiser = pseudonymisers[entry.key_version]
        opened[entry.address_key] = pseudonymiser.open_address(  # type: ignore[attr-defined]
            address_key=entry.address_key, ciphertext=bytes(entry.ciphertext)
        )
    return opened


def visit_addresses_for_user(
    *,
    user: Person,
    visits: Iterable[Visit],
    purpose: str,
    perms: frozenset[ProjectPerm] | None = None,
) -> dict[int, RealAddress]:
    """The real address of each visit (visit pk → RealAddress; visits whose address is not in
    the vault are left out), after one processing-log record per address (R20/R21, ground
    "control", `purpose` as the record's name).

    The visits must come from visit_list_for_user / visit_get_for_user, all of one project;
    raises NotPermitted without VIEW_ADDRESSES on it.
    """
    visits = list(visits)
    if not visits:
        return {}
    project = visits[0].project
    if any(visit.project_id != project.pk for visit in visits):
        raise ValueError("visit_addresses_for_user takes the visits of one project")
    perms = _perms(user=user, project=project, perms=perms)
    if ProjectPerm.VIEW_ADDRESSES not in perms:
        raise NotPermitted(NOT_ALLOWED_ADDRESSES)
    keys = list(dict.fromkeys(visit.address_key for visit in visits))
    processing_log_write(
        actor=user,
        action="read",
        name=purpose,
        ground="control",
        project=project,
        obj=visits[0].evening if len({v.evening_id for v in visits}) == 1 else None,
        data_subject_ids=keys,
        data_subject_id_type="adrespseudoniem",
    )
    opened = _vault_open_many(project=project, address_keys=keys)
    return {
        visit.pk: RealAddress.from_vault(opened[visit.address_key])
        for visit in visits
        if visit.address_key in opened
    }


def finding_list_for_user(
    *,
    user: Person,
    visit: Visit,
    perms: frozenset[ProjectPerm] | None = None,
    log: bool = True,
) -> list[Finding]:
    """The findings of a visit `user` may see (the visit from visit_get_for_user), oldest
    first, after one processing-log record for the visit's address (R21) unless the caller
    already wrote it for this view (`log=False`, e.g. with visit_addresses_for_user)."""
    perms = _perms(user=user, project=visit.project, perms=perms)
    if not _sees_all(perms):
        person = _inspector(user, perms)
        if person is None or not visit_member_of_team(person=person, team_id=visit.team_id):
            return []
    if log:
        processing_log_write(
            actor=user,
            action="read",
            name="bevindingen van een bezoek inzien",
            ground="control",
            project=visit.project,
            obj=visit,
            data_subject_ids=[visit.address_key],
            data_subject_id_type="adrespseudoniem",
        )
    findings = list(
        Finding.objects.filter(visit=visit)
        .select_related("category", "recorded_by")
        .order_by("recorded_at", "id")
    )
    for finding in findings:
        finding.visit = visit  # the caller's visit, so that finding.visit costs no query
    return findings


def visit_member_of_team(*, person: User, team_id: int | None) -> bool:
    """Whether `person` is a member of the team (False for a visit without team)."""
    return (
        team_id is not None and TeamMember.objects.filter(team_id=team_id, person=person).exists()
    )


# --- Reads for the planner's services and pages (the caller holds PLAN_CONTROLS). ---


def approved_proposals(*, project: Project) -> QuerySet[SelectionProposal]:
    """The project's current selection: its proposals approved under four eyes (R6), the only
    addresses an evening may visit."""
    return SelectionProposal.objects.filter(project=project, status=ProposalStatus.APPROVED)


def approved_proposals_unplanned(
    *, project: Project, evening: Controleavond
) -> QuerySet[SelectionProposal]:
    """Approved addresses not on `evening` yet and not visited with a result on another
    evening that is not cancelled, by neighbourhood and pseudonym."""
    visited = Visit.objects.filter(proposal=OuterRef("pk")).filter(
        Q(evening=evening) | (~Q(result="") & ~Q(evening__status=EveningStatus.GEANNULEERD))
    )
    return (
        approved_proposals(project=project)
        .filter(~Exists(visited))
        .order_by("buurtcode", "pseudonym", "id")
    )


def bag_points(*, project: Project, address_keys: Iterable[str]) -> dict[str, tuple[int, int]]:
    """BAG x/y (Rijksdriehoek metres) per address key from the accepted BAG deliveries
    (the latest delivery wins); keys without coordinates are left out."""
    rows = (
        BagRecord.objects.filter(project=project, delivery__status=DeliveryStatus.GEACCEPTEERD)
        .filter(address_key__in=list(address_keys), x__isnull=False, y__isnull=False)
        .order_by("address_key", "-delivery_id")
        .values_list("address_key", "x", "y")
    )
    points: dict[str, tuple[int, int]] = {}
    for key, x, y in rows:
        if x is not None and y is not None:
            points.setdefault(key, (x, y))
    return points


def approved_centroid(*, project: Project) -> tuple[int, int] | None:
    """The centroid (mean x/y) of the approved addresses with BAG coordinates: the default
    meeting point of a new evening; None when none has coordinates."""
    keys = list(approved_proposals(project=project).values_list("address_key", flat=True))
    points = list(bag_points(project=project, address_keys=keys).values())
    if not points:
        return None
    return (
        round(sum(x for x, _ in points) / len(points)),
        round(sum(y for _, y in points) / len(points)),
    )


def inspector_options(*, project: Project) -> QuerySet[User]:
    """People who may join a team: an active role inspecteur in the project, of an
    organisation taking part with a convenant valid today (the access rule of RECORD_VISITS)."""
    organisation_ids = project_partner_organisation_ids(project=project) & set(
        convenants_valid_on(day=timezone.localdate(), project=project).values_list(
            "organisation_id", flat=True
        )
    )
    people = ProjectRole.objects.active().filter(project=project, role=Role.INSPECTEUR)
    return (
        User.objects.filter(
            is_active=True,
            organisation_id__in=organisation_ids,
            pk__in=people.values("person_id"),
        )
        .select_related("organisation")
        .order_by("organisation__name", "last_name", "first_name", "id")
    )


__all__ = [
    "approved_centroid",
    "approved_proposals",
    "approved_proposals_unplanned",
    "bag_points",
    "inspector_options",
    "EVENING_NOT_TONIGHT",
    "NOT_ALLOWED_ADDRESSES",
    "evening_get_for_user",
    "evening_list_for_user",
    "evening_list_with_counts",
    "evenings_tonight_for_inspector",
    "evenings_upcoming_for_inspector",
    "finding_list_for_user",
    "team_list",
    "visit_addresses_for_user",
    "visit_get_for_user",
    "visit_list_for_user",
    "visit_member_of_team",
]
