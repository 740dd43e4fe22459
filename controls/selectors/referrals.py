"""Reads of referrals, scoped to who may see them (design.md "Access", security R2/R21).

A referral is seen by the behandelaars of the organisation it is addressed to (HANDLE_REFERRALS
in its project, their organisation taking part with a valid convenant) and by the project's
projectleider (PLAN_CONTROLS); by nobody else. Every list, count and badge here goes through
`_visible` so that no page can reveal another organisation's referrals. The address of a
referral is personal data: `referral_addresses_for_user` writes one processing-log record per
address before it opens the vault (R21).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, cast

from django.db.models import Case, Count, IntegerField, Prefetch, Q, QuerySet, Value, When
from django.http import Http404

from datasharing.pseudonymisation import RealAddress, vault_lookup
from partners.models import Organisation
from partners.selectors import organisation_ids_with_valid_convenant
from projects.constants import ProjectPerm
from projects.models import Project
from projects.selectors import (
    Person,
    project_list_for_user,
    project_partner_organisation_ids,
    user_has_project_perm,
)
from wijkaanpak.core.processing_log import processing_log_write

from ..constants import REFERRAL_OPEN_STATUSES, ReferralStatus
from ..models import Finding, FindingCategory, Referral, ReferralOutcome, TeamMember, Visit

# --- scope -----------------------------------------------------------------------------------


def _visible(*, user: Person, project: Project | None = None) -> Q:
    """The one rule: referrals of projects the person leads, and those addressed to their own
    organisation in projects where they handle referrals. Q(pk__in=[]) for anyone else."""
    organisation_id = getattr(user, "organisation_id", None)
    leading = project_list_for_user(user=user, perm=ProjectPerm.PLAN_CONTROLS)
    handling = project_list_for_user(user=user, perm=ProjectPerm.HANDLE_REFERRALS)
    if project is not None:
        leading = leading.filter(pk=project.pk)
        handling = handling.filter(pk=project.pk)
    rule = Q(project__in=leading.values("pk"))
    if organisation_id is not None:
        rule |= Q(project__in=handling.values("pk"), organisation_id=organisation_id)
    return rule


def _with_relations(referrals: QuerySet[Referral]) -> QuerySet[Referral]:
    """What a list of referrals draws (pages and the API): no people, whose rows are the
    widest of the joins and which only a referral's own page shows (`referral_get_for_user`)."""
    return referrals.select_related(
        "project", "organisation", "finding__category", "finding__visit", "outcome"
    )


def referral_list_for_user(
    *, user: Person, project: Project | None = None, statuses: Iterable[str] | None = None
) -> QuerySet[Referral]:
    """The referrals `user` may see (of `project`, when given; in `statuses`, when given)."""
    referrals = Referral.objects.filter(_visible(user=user, project=project))
    if statuses is not None:
        referrals = referrals.filter(status__in=list(statuses))
    return _with_relations(referrals)


def referral_get_for_user(*, user: Person, project: Project, pk: int) -> Referral:
    """One referral of `project` that `user` may see, or Http404 (absent and not yours alike)."""
    referral = (
        referral_list_for_user(user=user, project=project)
        .filter(pk=pk)
        .select_related("created_by", "handled_by")
        .prefetch_related(
            Prefetch(
                "bundled_findings",
                queryset=Finding.objects.select_related("category", "visit").order_by("pk"),
            )
        )
        .first()
    )
    if referral is None:
        raise Http404
    return referral


def referral_may_handle(*, user: Person, referral: Referral) -> bool:
    """Whether `user` handles `referral`: a behandelaar of the organisation it is addressed to."""
    return getattr(user, "organisation_id", None) == referral.organisation_id and (
        user_has_project_perm(
            user=user, project=referral.project, perm=ProjectPerm.HANDLE_REFERRALS
        )
    )


# --- the behandelaar's inbox -------------------------------------------------------------------


def referral_inbox_counts(*, referrals: QuerySet[Referral]) -> dict[str, int]:
    """Open, closed and overdue-open referrals of an inbox (`referral_inbox_for_user`), in
    one query: the inbox draws one page of each list, its headings count all of them."""
    is_open = Q(status__in=list(REFERRAL_OPEN_STATUSES))
    counts = referrals.order_by().aggregate(
        open=Count("pk", filter=is_open),
        closed=Count("pk", filter=~is_open),
        overdue=Count("pk", filter=is_open & Q(is_overdue=True)),
    )
    return {key: int(value or 0) for key, value in counts.items()}


def referral_inbox_for_user(*, user: Person) -> QuerySet[Referral]:
    """The referrals addressed to the person's own organisation in every project where they
    handle referrals: open ones first (overdue first, then by term), then the closed ones."""
    organisation_id = getattr(user, "organisation_id", None)
    if organisation_id is None:
        return Referral.objects.none()
    handling = project_list_for_user(user=user, perm=ProjectPerm.HANDLE_REFERRALS)
    referrals = Referral.objects.filter(
        project__in=handling.values("pk"), organisation_id=organisation_id
    )
    open_first = Q(status__in=list(REFERRAL_OPEN_STATUSES))
    return _with_relations(referrals).order_by(
        Case(When(open_first, then=Value(0)), default=Value(1), output_field=IntegerField()),
        "-is_overdue",
        "due_on",
        "-id",
    )


def referral_counts_for_user(*, user: Person, project: Project | None = None) -> dict[str, int]:
    """Referrals per status that `user` may see (and `overdue`: open past their term); never
    another organisation's."""
    rows = (
        Referral.objects.filter(_visible(user=user, project=project))
        .values("status")
        .annotate(count=Count("pk"))
        .order_by()
    )
    counts = {status.value: 0 for status in ReferralStatus}
    for row in rows:
        counts[row["status"]] = row["count"]
    counts["overdue"] = Referral.objects.filter(
        _visible(user=user, project=project),
        status__in=list(REFERRAL_OPEN_STATUSES),
        is_overdue=True,
    ).count()
    counts["open"] = sum(counts[status.value] for status in REFERRAL_OPEN_STATUSES)
    return counts


# --- the projectleider's overview --------------------------------------------------------------


@dataclass
class PartnerRow:
    """One organisation's referrals in a project: counts per status, overdue, amounts."""

    organisation_id: int
    name: str
    counts: dict[str, int] = field(default_factory=dict)
    overdue: int = 0
    total: int = 0

    @property
    def ordered(self) -> list[int]:
        """The counts in ReferralStatus order (the overview's columns)."""
        return [self.counts.get(status.value, 0) for status in ReferralStatus]


def referral_overview(*, referrals: QuerySet[Referral]) -> list[PartnerRow]:
    """Per organisation (by name), the referrals of `referrals` per status and the open ones
    past their term; the caller passes what `referral_list_for_user` returned for a
    projectleider, so nothing else is counted. One aggregate query, whatever the number of
    referrals (the overview loaded every referral to count them)."""
    is_open = Q(status__in=list(REFERRAL_OPEN_STATUSES))
    per_status = {
        f"status_{status.value}": Count("pk", filter=Q(status=status.value))
        for status in ReferralStatus
    }
    # The annotations are named per status at run time: the stubs cannot type the row.
    rows = cast(
        Iterable[dict[str, Any]],
        referrals.order_by()
        .values("organisation_id", "organisation__name")
        .annotate(
            **per_status,
            overdue=Count("pk", filter=is_open & Q(is_overdue=True)),
            total=Count("pk"),
        )
        .order_by("organisation__name", "organisation_id"),
    )
    return [
        PartnerRow(
            organisation_id=row["organisation_id"],
            name=row["organisation__name"],
            counts={status.value: row[f"status_{status.value}"] for status in ReferralStatus},
            overdue=row["overdue"],
            total=row["total"],
        )
        for row in rows
    ]


def referrals_by_finding_for_user(
    *, user: Person, findings: Iterable[Finding]
) -> dict[int, list[Referral]]:
    """What came of each finding: its referrals (sent for it, or bundling it) with their
    outcomes, for the projectleider; the team's inspectors and everyone else get {} (a
    referral is seen by its organisation and the projectleider only)."""
    findings = list(findings)
    if not findings:
        return {}
    project_ids = {finding.visit.project_id for finding in findings}
    leading = set(
        project_list_for_user(user=user, perm=ProjectPerm.PLAN_CONTROLS)
        .filter(pk__in=project_ids)
        .values_list("pk", flat=True)
    )
    ids = [finding.pk for finding in findings if finding.visit.project_id in leading]
    if not ids:
        return {}
    referrals = _with_relations(
        Referral.objects.filter(
            Q(finding_id__in=ids) | Q(bundled_findings__in=ids), project_id__in=leading
        ).distinct()
    ).prefetch_related("bundled_findings")
    result: dict[int, list[Referral]] = defaultdict(list)
    for referral in referrals.order_by("created_at", "pk"):
        targets = {f.pk for f in referral.bundled_findings.all()}
        if referral.finding_id is not None:
            targets.add(referral.finding_id)
        for finding_id in sorted(targets & set(ids)):
            result[finding_id].append(referral)
    return dict(result)


def findings_with_followup(
    *, visit: Visit, findings: Iterable[Finding], perms: frozenset[ProjectPerm]
) -> list[Finding]:
    """`findings` of `visit`, each with `followup`: the referrals sent for it or bundling it,
    with their outcomes, for a visit page to include
    templates/controls/followup/_finding_followup.html per finding. Only for the projectleider
    (PLAN_CONTROLS in `perms`, the person's permissions on the visit's project); everyone else
    gets empty lists. Two queries whatever the number of findings or referrals (none without
    the permission)."""
    findings = list(findings)
    followup: dict[int, list[Referral]] = defaultdict(list)
    if ProjectPerm.PLAN_CONTROLS in perms:
        of_visit = Q(finding__visit=visit) | Q(bundled_findings__visit=visit)
        referrals = list(
            _with_relations(Referral.objects.filter(of_visit, project_id=visit.project_id))
            .distinct()
            .order_by("created_at", "pk")
        )
        bundled = set(
            Referral.bundled_findings.through.objects.filter(
                referral__project_id=visit.project_id, finding__visit=visit
            ).values_list("referral_id", "finding_id")
        )
        for referral in referrals:
            targets = {
                finding_id for referral_id, finding_id in bundled if referral_id == referral.pk
            }
            if referral.finding_id is not None:
                targets.add(referral.finding_id)
            for finding_id in sorted(targets):
                followup[finding_id].append(referral)
    for finding in findings:
        finding.followup = followup.get(finding.pk, [])  # type: ignore[attr-defined]
    return findings


# --- sending ---------------------------------------------------------------------------------


def referral_targets(*, project: Project, day: date | None = None) -> QuerySet[Organisation]:
    """The organisations a referral of `project` may go to: taking part, with a convenant in
    force (today by default)."""
    taking_part = project_partner_organisation_ids(project=project)
    valid = organisation_ids_with_valid_convenant(project=project, day=day)
    return Organisation.objects.filter(pk__in=taking_part & valid).order_by("name")


def referral_suggestions(
    *, category: FindingCategory, targets: Sequence[Organisation]
) -> list[Organisation]:
    """The targets that the category suggests (its target_kinds), in its order of preference."""
    order = {kind: index for index, kind in enumerate(category.target_kinds or [])}
    chosen = [organisation for organisation in targets if organisation.kind in order]
    return sorted(chosen, key=lambda organisation: (order[organisation.kind], organisation.name))


def finding_get_for_sender(*, user: Person, project: Project, pk: int) -> Finding:
    """A finding of `project` that `user` may send a referral for: the projectleider
    (PLAN_CONTROLS) any, an inspector (RECORD_VISITS) those of a visit of their own team.
    Http404 otherwise."""
    finding = (
        Finding.objects.select_related("category", "visit__evening", "visit__team", "recorded_by")
        .filter(pk=pk, visit__project=project)
        .first()
    )
    if finding is None:
        raise Http404
    finding.visit.project = project  # the caller's, already loaded
    if not finding_may_send(user=user, finding=finding):
        raise Http404
    return finding


def finding_may_send(*, user: Person, finding: Finding) -> bool:
    """The rule of `finding_get_for_sender` for a finding already loaded."""
    project = finding.visit.project
    if user_has_project_perm(user=user, project=project, perm=ProjectPerm.PLAN_CONTROLS):
        return True
    return (
        finding.visit.team_id is not None
        and user_has_project_perm(user=user, project=project, perm=ProjectPerm.RECORD_VISITS)
        and TeamMember.objects.filter(team_id=finding.visit.team_id, person=user.pk).exists()
    )


def referral_open_for(*, finding: Finding, organisation: Organisation) -> Referral | None:
    """An open referral of `finding` to `organisation`, if any (one at a time)."""
    return (
        Referral.objects.filter(
            finding=finding, organisation=organisation, status__in=list(REFERRAL_OPEN_STATUSES)
        )
        .order_by("pk")
        .first()
    )


# --- addresses (personal data, R21) ----------------------------------------------------------


def referral_visits(referral: Referral) -> list[Visit]:
    """The visits a referral is about: its finding's, or those of the findings it bundles."""
    visits: dict[int, Visit] = {}
    if referral.finding_id is not None and referral.finding is not None:
        visits[referral.finding.visit_id] = referral.finding.visit
    for finding in referral.bundled_findings.all():
        visits.setdefault(finding.visit_id, finding.visit)
    return list(visits.values())


def referral_addresses_for_user(
    *, user: Person, referral: Referral, purpose: str
) -> dict[int, RealAddress | None]:
    """The real address of every visit the referral is about (visit id → address, None when
    the vault has none). The caller passed `referral_get_for_user`; one processing-log record
    per address is written first (R21), then the vault is read."""
    visits = referral_visits(referral)
    if not visits:
        return {}
    processing_log_write(
        actor=user,
        action="view",
        name=purpose,
        ground="control",
        project=referral.project,
        obj=referral,
        data_subject_ids=[visit.address_key for visit in visits],
        data_subject_id_type="adrespseudoniem",
    )
    addresses: dict[int, RealAddress | None] = {}
    for visit in visits:
        parts = vault_lookup(project=referral.project, address_key=visit.address_key)
        addresses[visit.pk] = RealAddress.from_vault(parts) if parts else None
    return addresses


# --- the close gate ----------------------------------------------------------------------------

OPEN_REFERRAL_BLOCKS = (
    "Doorverwijzing {number} ({kind}) aan {organisation} staat nog open ({status})."
)


def referral_closure_blockers(project: Project) -> list[str]:
    """What keeps `project` from closing: each open referral by number, kind, organisation and
    status (a projects.gates closure blocker)."""
    open_referrals = (
        Referral.objects.filter(project=project, status__in=list(REFERRAL_OPEN_STATUSES))
        .select_related("organisation")
        .order_by("pk")
    )
    return [
        OPEN_REFERRAL_BLOCKS.format(
            number=referral.pk,
            kind=referral.get_kind_display(),
            organisation=referral.organisation.name,
            status=referral.get_status_display(),
        )
        for referral in open_referrals
    ]


def referral_outcome_of(referral: Referral) -> ReferralOutcome | None:
    """The outcome of a referral, when it has one (without raising)."""
    try:
        return referral.outcome
    except ReferralOutcome.DoesNotExist:
        return None
