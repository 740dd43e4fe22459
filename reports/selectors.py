"""The figures of reports: a project's funnel, findings, referrals, outcomes, evenings, KPIs and
selection fairness, for one project or many at once (issue 13).

`figures_for_projects` answers for any number of projects in a fixed number of queries (six),
each aggregated in SQL and grouped by project, so neither a city-scale project (millions of
BAG rows) nor an adviser with many projects adds a query. Nothing here returns personal data:
counts and sums only. Access is the caller's: a page passes `ProjectScopedMixin` first (or the
adviser's overview its project list), then asks these.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, cast

from django.db.models import (
    Count,
    Exists,
    F,
    Func,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from controls.constants import EveningStatus, OutcomeKind, ReferralKind, ReferralStatus
from controls.models import Controleavond, Finding, Referral, ReferralOutcome, Visit
from datasharing.constants import DeliveryStatus, Source
from datasharing.matching.constants import ProposalStatus, ResultStatus
from datasharing.matching.indicators.registry import ALL_CODES, INDICATORS
from datasharing.matching.models import IndicatorResult, MatchingRun, SelectionProposal
from datasharing.models import Delivery, DestructionRecord
from partners.models import User
from projects.constants import Phase, ProjectPerm
from projects.models import PhaseTransition, Project, ProjectplanVersion
from projects.selectors import project_list_for_user

from .constants import (
    AMOUNT_MEASURES,
    HIT_RATE_MIN,
    HIT_RATE_MIN_VISITS,
    KpiMeasure,
    ReportKind,
    ReportStatus,
)
from .models import IndicatorDecision, KpiTarget, ReportVersion

ZERO = Decimal("0.00")
HELD_STATUSES = (EveningStatus.UITGEVOERD, EveningStatus.AFGEROND)
OPEN_REFERRAL = (ReferralStatus.VERZONDEN, ReferralStatus.ONTVANGEN, ReferralStatus.IN_BEHANDELING)

# Permissions that make a person part of the project's work; the adviser holds none of them
# (only view + aggregates) and sees the VNG overview instead of the dashboard (design.md).
DASHBOARD_PERMS = frozenset(
    {
        ProjectPerm.MANAGE,
        ProjectPerm.VIEW_PSEUDONYMISED,
        ProjectPerm.VIEW_ADDRESSES,
        ProjectPerm.PLAN_CONTROLS,
        ProjectPerm.RECORD_VISITS,
        ProjectPerm.HANDLE_REFERRALS,
        ProjectPerm.HANDLE_PRIVACY_REQUESTS,
    }
)


def dashboard_permitted(perms: Collection[ProjectPerm]) -> bool:
    """Whether a person with `perms` on a project sees its dashboard: the projectleider and the
    partners taking part in its work, not the adviser (aggregates only, through the overview)."""
    return ProjectPerm.VIEW in perms and bool(DASHBOARD_PERMS & set(perms))


def personal_figures_permitted(perms: Collection[ProjectPerm]) -> bool:
    """Whether figures may be shown without small-cell suppression: to the people who work with
    the pseudonymised data (projectleider, analisten); everyone else gets suppressed cells."""
    return ProjectPerm.VIEW_PSEUDONYMISED in perms


# --- the figures --------------------------------------------------------------------------------


@dataclass
class EveningFigures:
    """What one controleavond contributed (its visits, and what followed from them)."""

    evening_id: int
    name: str
    starts_at: datetime
    status: str
    visited: int = 0
    with_findings: int = 0
    referrals: dict[str, int] = field(default_factory=dict)  # kind -> count
    outcomes: dict[str, int] = field(default_factory=dict)  # kind -> count
    amounts: dict[str, Decimal] = field(default_factory=dict)  # kind -> euros

    @property
    def held(self) -> bool:
        return self.status in HELD_STATUSES

    @property
    def day(self) -> date:
        return timezone.localtime(self.starts_at).date()


@dataclass
class PartnerReferrals:
    organisation: str
    by_status: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.by_status.values())


@dataclass
class ProjectFigures:
    """Every figure of one project's reports; counts and euro sums only."""

    project_id: int
    addresses: int = 0
    risk_addresses: int = 0
    proposed: int = 0
    approved: int = 0
    evenings: list[EveningFigures] = field(default_factory=list)
    findings_per_category: list[tuple[str, int]] = field(default_factory=list)
    referrals_per_partner: list[PartnerReferrals] = field(default_factory=list)
    # What cannot be tied to an evening (a referral without a finding at a visit).
    unplaced_referrals: dict[str, int] = field(default_factory=dict)
    unplaced_outcomes: dict[str, int] = field(default_factory=dict)
    unplaced_amounts: dict[str, Decimal] = field(default_factory=dict)

    # Totals, summed from the per-evening figures (one source for the funnel and the course).
    @property
    def visited(self) -> int:
        return sum(e.visited for e in self.evenings)

    @property
    def with_findings(self) -> int:
        return sum(e.with_findings for e in self.evenings)

    @property
    def referrals_per_kind(self) -> dict[str, int]:
        return _summed([e.referrals for e in self.evenings] + [self.unplaced_referrals])

    @property
    def outcomes_per_kind(self) -> dict[str, int]:
        return _summed([e.outcomes for e in self.evenings] + [self.unplaced_outcomes])

    @property
    def amounts_per_kind(self) -> dict[str, Decimal]:
        totals: dict[str, Decimal] = defaultdict(lambda: ZERO)
        for amounts in [e.amounts for e in self.evenings] + [self.unplaced_amounts]:
            for kind, amount in amounts.items():
                totals[kind] += amount
        return dict(totals)

    @property
    def referrals(self) -> int:
        return sum(self.referrals_per_kind.values())

    @property
    def outcomes(self) -> int:
        return sum(self.outcomes_per_kind.values())

    @property
    def recovered(self) -> Decimal:
        return self.amounts_per_kind.get(OutcomeKind.TERUGVORDERING, ZERO)

    @property
    def fines(self) -> Decimal:
        return self.amounts_per_kind.get(OutcomeKind.BOETE, ZERO)

    @property
    def evenings_held(self) -> int:
        return sum(1 for e in self.evenings if e.held)

    @property
    def findings(self) -> int:
        return sum(count for _label, count in self.findings_per_category)

    def referrals_per_status(self) -> dict[str, int]:
        return _summed([p.by_status for p in self.referrals_per_partner])

    def funnel(self) -> list[tuple[str, str, int]]:
        """(key, Dutch label, count) from the area to the outcomes, in order."""
        return [
            ("addresses", "Adressen in het gebied", self.addresses),
            ("risk_addresses", "Risicoadressen (huidige run)", self.risk_addresses),
            ("proposed", "Voorgedragen", self.proposed),
            ("approved", "Goedgekeurd (vier ogen)", self.approved),
            ("visited", "Bezocht (bezoek met resultaat)", self.visited),
            ("with_findings", "Met bevindingen", self.with_findings),
            ("referrals", "Doorverwijzingen", self.referrals),
            ("outcomes", "Uitkomsten", self.outcomes),
        ]

    def measure(self, measure: str) -> Decimal:
        """The result so far of one KPI measure."""
        return _measure_of(
            measure,
            visited=self.visited,
            with_findings=self.with_findings,
            referrals=self.referrals_per_kind,
            outcomes=self.outcomes_per_kind,
            amounts=self.amounts_per_kind,
            held=self.evenings_held,
        )

    def course(self, measure: str) -> list[tuple[date, Decimal]]:
        """The measure's cumulative result after each evening that was held or has visits, by
        evening date (what cannot be tied to an evening is left out of the course)."""
        points: list[tuple[date, Decimal]] = []
        visited = with_findings = held = 0
        referrals: dict[str, int] = {}
        outcomes: dict[str, int] = {}
        amounts: dict[str, Decimal] = {}
        for evening in sorted(self.evenings, key=lambda e: (e.starts_at, e.evening_id)):
            if not (evening.held or evening.visited):
                continue
            visited += evening.visited
            with_findings += evening.with_findings
            held += 1 if evening.held else 0
            referrals = _summed([referrals, evening.referrals])
            outcomes = _summed([outcomes, evening.outcomes])
            amounts = {
                kind: amounts.get(kind, ZERO) + evening.amounts.get(kind, ZERO)
                for kind in {*amounts, *evening.amounts}
            }
            value = _measure_of(
                measure,
                visited=visited,
                with_findings=with_findings,
                referrals=referrals,
                outcomes=outcomes,
                amounts=amounts,
                held=held,
            )
            points.append((evening.day, value))
        return points

    def as_json(self) -> dict[str, Any]:
        """The key figures as stored with a report version (what it printed)."""
        return {
            "funnel": {key: value for key, _label, value in self.funnel()},
            "findings": self.findings,
            "recovered": str(self.recovered),
            "fines": str(self.fines),
            "evenings_held": self.evenings_held,
        }


def _summed(dicts: Iterable[dict[str, int]]) -> dict[str, int]:
    totals: dict[str, int] = defaultdict(int)
    for counts in dicts:
        for key, count in counts.items():
            totals[key] += count
    return dict(totals)


def _measure_of(
    measure: str,
    *,
    visited: int,
    with_findings: int,
    referrals: dict[str, int],
    outcomes: dict[str, int],
    amounts: dict[str, Decimal],
    held: int,
) -> Decimal:
    values: dict[str, Decimal | int] = {
        KpiMeasure.ADRESSEN_GECONTROLEERD: visited,
        KpiMeasure.ADRESSEN_MET_BEVINDING: with_findings,
        KpiMeasure.DOORVERWIJZINGEN: sum(referrals.values()),
        KpiMeasure.DOORVERWIJZINGEN_ZORG: referrals.get(ReferralKind.ZORG, 0),
        KpiMeasure.DOORVERWIJZINGEN_HANDHAVING: referrals.get(ReferralKind.HANDHAVING, 0),
        KpiMeasure.HULPVERLENING_GESTART: outcomes.get(OutcomeKind.HULPVERLENING, 0),
        KpiMeasure.BRP_CORRECTIES: outcomes.get(OutcomeKind.BRP_CORRECTIE, 0),
        KpiMeasure.BEDRAG_TERUGGEVORDERD: amounts.get(OutcomeKind.TERUGVORDERING, ZERO),
        KpiMeasure.BEDRAG_BOETES: amounts.get(OutcomeKind.BOETE, ZERO),
        KpiMeasure.CONTROLEAVONDEN: held,
    }
    return Decimal(values[measure])


def _count(queryset: QuerySet[Any]) -> Coalesce:
    """COUNT(*) of `queryset` as a scalar subquery (no GROUP BY: COUNT is a plain function)."""
    counted = queryset.order_by().annotate(n=Func(Value(1), function="COUNT")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def current_bag_deliveries(project_ids: Collection[int]) -> QuerySet[Delivery]:
    """Per project, its newest accepted BAG delivery: the addresses of the area."""
    newer = Delivery.objects.filter(
        project_id=OuterRef("project_id"),
        source=Source.BAG,
        status=DeliveryStatus.GEACCEPTEERD,
        pk__gt=OuterRef("pk"),
    )
    return Delivery.objects.filter(
        project_id__in=project_ids, source=Source.BAG, status=DeliveryStatus.GEACCEPTEERD
    ).exclude(Exists(newer))


def _evening_of_referral() -> Coalesce:
    """The evening a referral came from: its finding's visit, or for a bundled RIEC signal the
    earliest evening of its bundled findings."""
    bundled = (
        Finding.objects.filter(bundled_in_referrals=OuterRef("pk"))
        .order_by("visit__evening__starts_at", "visit__evening_id")
        .values("visit__evening_id")[:1]
    )
    return Coalesce(F("finding__visit__evening_id"), Subquery(bundled), output_field=IntegerField())


def figures_for_projects(project_ids: Collection[int]) -> dict[int, ProjectFigures]:
    """Every figure of every project in `project_ids`, in six queries whatever their size:

    1. per project: risk addresses of the current run, proposals, approved proposals;
    2. BAG addresses of the current accepted bag delivery (its row count, kept by the intake);
    3. the evenings with their visits with a result, and those with a finding;
    4. findings per category;
    5. referrals per evening, kind, status and organisation;
    6. outcomes per evening and kind, with their summed amounts.
    """
    ids = list(project_ids)
    figures = {pk: ProjectFigures(project_id=pk) for pk in ids}
    if not ids:
        return figures
    # 1. the selection's scalars
    current_runs = MatchingRun.objects.filter(project_id=OuterRef("pk"), is_current=True)
    proposals = SelectionProposal.objects.filter(project_id=OuterRef("pk"))
    for sel in Project.objects.filter(pk__in=ids).values(
        "pk",
        risk=Coalesce(Subquery(current_runs.values("risk_address_count")[:1]), 0),
        proposed_n=_count(proposals),
        approved_n=_count(proposals.filter(status=ProposalStatus.APPROVED)),
    ):
        pf = figures[sel["pk"]]
        pf.risk_addresses, pf.proposed, pf.approved = (
            sel["risk"],
            sel["proposed_n"],
            sel["approved_n"],
        )
    # 2. the addresses of the area: the current BAG delivery's rows, counted by the intake when
    # it accepted them (`valid_rows`, set in the transaction that wrote them; a destroyed
    # delivery is no longer accepted), not counted again per request (bench/README.md).
    for bag in current_bag_deliveries(ids).values("project_id", "valid_rows"):
        figures[bag["project_id"]].addresses = bag["valid_rows"]
    # 3. evenings, their visits with a result and those with a finding
    with_result = Visit.objects.filter(evening_id=OuterRef("pk")).exclude(result="")
    with_finding = with_result.filter(Exists(Finding.objects.filter(visit_id=OuterRef("pk"))))
    evenings: dict[int, EveningFigures] = {}
    for ev in (
        Controleavond.objects.filter(project_id__in=ids)
        .values("pk", "project_id", "name", "starts_at", "status")
        .annotate(visited=_count(with_result), with_findings=_count(with_finding))
        .order_by("starts_at", "pk")
    ):
        evening = EveningFigures(
            evening_id=ev["pk"],
            name=ev["name"] or f"Controleavond {timezone.localtime(ev['starts_at']):%d-%m-%Y}",
            starts_at=ev["starts_at"],
            status=ev["status"],
            visited=ev["visited"],
            with_findings=ev["with_findings"],
        )
        evenings[evening.evening_id] = evening
        figures[ev["project_id"]].evenings.append(evening)
    # 4. findings per category
    for cat in (
        Finding.objects.filter(visit__project_id__in=ids)
        .values("visit__project_id", "category__label", "category__position", "category_id")
        .annotate(n=Count("pk"))
        .order_by("category__position", "category_id")
    ):
        figures[cat["visit__project_id"]].findings_per_category.append(
            (cat["category__label"], cat["n"])
        )
    # 5. referrals
    partners: dict[tuple[int, str], PartnerReferrals] = {}
    for ref in (
        Referral.objects.filter(project_id__in=ids)
        .values("project_id", "kind", "status", "organisation__name")
        .annotate(evening=_evening_of_referral())
        .values("project_id", "kind", "status", "organisation__name", "evening")
        .annotate(n=Count("pk"))
        .order_by("organisation__name")
    ):
        pf = figures[ref["project_id"]]
        target = (
            evenings[ref["evening"]].referrals
            if ref["evening"] in evenings
            else pf.unplaced_referrals
        )
        target[ref["kind"]] = target.get(ref["kind"], 0) + ref["n"]
        key = (ref["project_id"], ref["organisation__name"])
        if key not in partners:
            partners[key] = PartnerReferrals(ref["organisation__name"], {})
            pf.referrals_per_partner.append(partners[key])
        by_status = partners[key].by_status
        by_status[ref["status"]] = by_status.get(ref["status"], 0) + ref["n"]
    # 6. outcomes and their amounts
    referral_evening = Subquery(
        Referral.objects.filter(pk=OuterRef("referral_id"))
        .annotate(evening=_evening_of_referral())
        .values("evening")[:1],
        output_field=IntegerField(),
    )
    for out in (
        ReferralOutcome.objects.filter(referral__project_id__in=ids)
        .annotate(evening=referral_evening)
        .values("referral__project_id", "kind", "evening")
        .annotate(n=Count("pk"), amount=Sum("amount"))
        .order_by()
    ):
        pf = figures[out["referral__project_id"]]
        evening_figures = evenings.get(out["evening"])
        counts = evening_figures.outcomes if evening_figures else pf.unplaced_outcomes
        sums = evening_figures.amounts if evening_figures else pf.unplaced_amounts
        counts[out["kind"]] = counts.get(out["kind"], 0) + out["n"]
        if out["amount"] is not None:
            sums[out["kind"]] = sums.get(out["kind"], ZERO) + out["amount"]
    return figures


def project_figures(*, project: Project) -> ProjectFigures:
    """The figures of one project (see figures_for_projects: six queries)."""
    return figures_for_projects([project.pk])[project.pk]


# --- KPIs ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class KpiRow:
    measure: str
    label: str
    target: Decimal
    result: Decimal
    course: list[tuple[date, Decimal]]
    is_amount: bool

    @property
    def percentage(self) -> int | None:
        if not self.target:
            return None
        return int(self.result * 100 / self.target)


def kpi_plan_version(*, project: Project) -> ProjectplanVersion | None:
    """The plan version whose targets count: the newest adopted one, else the newest."""
    return (
        ProjectplanVersion.objects.filter(project=project)
        .order_by(F("adopted_at").desc(nulls_last=True), "-version")
        .first()
    )


def kpi_targets(*, plan: ProjectplanVersion) -> dict[str, Decimal]:
    """measure -> target of one plan version."""
    return dict(KpiTarget.objects.filter(plan_version=plan).values_list("measure", "target"))


def kpi_rows(*, project: Project, figures: ProjectFigures) -> list[KpiRow]:
    """Each target of the current plan version against its result and course per evening (one
    query: the targets, joined to the newest adopted plan version)."""
    newest = (
        ProjectplanVersion.objects.filter(project=project)
        .order_by(F("adopted_at").desc(nulls_last=True), "-version")
        .values("pk")[:1]
    )
    targets = dict(
        KpiTarget.objects.filter(plan_version_id=Subquery(newest)).values_list("measure", "target")
    )
    return [
        KpiRow(
            measure=measure.value,
            label=measure.label,
            target=targets[measure.value],
            result=figures.measure(measure.value),
            course=figures.course(measure.value),
            is_amount=measure in AMOUNT_MEASURES,
        )
        for measure in KpiMeasure
        if measure.value in targets
    ]


# --- selection fairness (13.4) ------------------------------------------------------------------


@dataclass(frozen=True)
class BuurtRow:
    buurtcode: str
    addresses: int
    approved: int
    address_share: float  # of all addresses of the area
    approved_share: float  # of all approved addresses

    @property
    def ratio(self) -> float | None:
        """How much more (>1) or less (<1) often this buurt is selected than its size says."""
        return self.approved_share / self.address_share if self.address_share else None


@dataclass(frozen=True)
class IndicatorRow:
    code: str
    name: str
    fired: int  # approved addresses where it fired
    share: float  # of the approved addresses
    mean_points: float  # mean weight it added per approved address
    points_share: float  # of all score points of the approved addresses


@dataclass(frozen=True)
class Fairness:
    buurten: list[BuurtRow]
    indicators: list[IndicatorRow]
    addresses: int
    approved: int


def fairness_for_project(*, project: Project) -> Fairness:
    """How the approved addresses spread over the buurten against all addresses of the area,
    and how much each indicator contributed to them (as they stood when proposed: the
    proposal's snapshot, which outlives the risk list). Three queries."""
    # The area per buurt as the intake counted it when it accepted the BAG delivery.
    area: dict[str, int] = {}
    for counts in current_bag_deliveries([project.pk]).values_list("area_counts", flat=True):
        area.update(counts)
    approved_qs = SelectionProposal.objects.filter(project=project, status=ProposalStatus.APPROVED)
    selected = dict(
        approved_qs.values("buurtcode")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("buurtcode", "n")
    )
    total_area, total_approved = sum(area.values()), sum(selected.values())
    buurten = [
        BuurtRow(
            buurtcode=code or "onbekend",
            addresses=area.get(code, 0),
            approved=selected.get(code, 0),
            address_share=area.get(code, 0) / total_area if total_area else 0.0,
            approved_share=selected.get(code, 0) / total_approved if total_approved else 0.0,
        )
        for code in sorted({*area, *selected})
    ]
    fired: dict[str, int] = defaultdict(int)
    points: dict[str, float] = defaultdict(float)
    names: dict[str, str] = {}
    score_total = 0.0
    for score, indicators in approved_qs.values_list("snapshot__score", "snapshot__fired"):
        score_total += float(score or 0)
        for indicator in indicators or []:
            code = indicator.get("code", "")
            names[code] = indicator.get("name", code)
            fired[code] += 1
            points[code] += float(indicator.get("weight") or 0)
    rows = [
        IndicatorRow(
            code=code,
            name=names[code],
            fired=fired[code],
            share=fired[code] / total_approved if total_approved else 0.0,
            mean_points=points[code] / total_approved if total_approved else 0.0,
            points_share=points[code] / score_total if score_total else 0.0,
        )
        for code in sorted(fired, key=lambda c: (-fired[c], c))
    ]
    return Fairness(buurten, rows, total_area, total_approved)


# --- the lifecycle, partners and destruction for the PDFs ----------------------------------------


def phase_dates(*, project: Project) -> list[tuple[str, datetime | None]]:
    """Each phase of the lifecycle with the moment the project reached it (None: not yet)."""
    reached: dict[str, datetime] = {}
    for to_phase, at in (
        PhaseTransition.objects.filter(project=project)
        .order_by("at", "id")
        .values_list("to_phase", "at")
    ):
        reached.setdefault(to_phase, at)
    first = project.created_at
    return [
        (phase.label, first if phase == Phase.INITIATIE else reached.get(phase.value))
        for phase in Phase
    ]


def destruction_list(*, project: Project) -> QuerySet[DestructionRecord]:
    """The project's destruction records (counts and rules only), oldest first."""
    return DestructionRecord.objects.filter(project=project).order_by("executed_at", "id")


# --- report versions ------------------------------------------------------------------------------


def report_version_list(*, project: Project) -> QuerySet[ReportVersion]:
    """Every report version of a project, newest first, with who asked for it."""
    return (
        ReportVersion.objects.filter(project=project)
        .select_related("requested_by", "project")
        .order_by("-requested_at", "-id")
    )


def report_version_get(*, project: Project, pk: int) -> ReportVersion:
    """One report version of this project, or Http404 (also another project's)."""
    version = ReportVersion.objects.filter(project=project, pk=pk).select_related("project").first()
    if version is None:
        raise Http404
    return version


def report_ready_get(*, project: Project, pk: int) -> ReportVersion:
    """A finished report version with its file, or Http404."""
    version = report_version_get(project=project, pk=pk)
    if version.status != ReportStatus.READY or not version.file:
        raise Http404
    return version


def next_report_number(*, project: Project, kind: ReportKind) -> int:
    last = (
        ReportVersion.objects.filter(project=project, kind=kind)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    return (last or 0) + 1


# --- the adviser's overview -----------------------------------------------------------------------


def advised_projects(*, user: User, project_ids: Collection[int] | None = None) -> list[Project]:
    """The projects where `user` holds the aggregates permission (the adviser's), by name."""
    projects = project_list_for_user(user=user, perm=ProjectPerm.VIEW_AGGREGATES)
    if project_ids is not None:
        projects = projects.filter(pk__in=project_ids)
    return list(projects.order_by("name"))


def period_of(project: Project) -> tuple[date | None, date | None]:
    return project.period_start, project.period_end


def referral_status_groups() -> dict[str, tuple[str, ...]]:
    """The referral states as the overview groups them."""
    return {
        "open": tuple(OPEN_REFERRAL),
        "afgehandeld": (ReferralStatus.AFGEHANDELD,),
        "teruggelegd": (ReferralStatus.TERUGGELEGD,),
    }


# --- export rows (scoped like the pages; the caller checked the permission) ----------------------


def findings_export_rows(*, project: Project) -> Iterable[tuple[Any, ...]]:
    """(address key, evening date, team, pseudonym, buurt, category, description, recorded at)
    of every finding of the project, by evening."""
    for finding in (
        Finding.objects.filter(visit__project=project)
        .select_related("visit__evening", "visit__team", "category")
        .order_by("visit__evening__starts_at", "visit_id", "recorded_at", "pk")
    ):
        visit = finding.visit
        yield (
            visit.address_key,
            timezone.localtime(visit.evening.starts_at).date(),
            visit.team.name if visit.team else "",
            visit.pseudonym,
            visit.buurtcode,
            finding.category.label,
            finding.description,
            timezone.localtime(finding.recorded_at).replace(tzinfo=None),
        )


def referrals_export_rows(
    *, project: Project, organisation_id: int | None
) -> Iterable[tuple[Any, ...]]:
    """(address key, number, kind, organisation, unit, status, due, sent, note, outcome, amount)
    of the project's referrals; only those addressed to `organisation_id` when given."""
    referrals = (
        Referral.objects.filter(project=project)
        .select_related("organisation", "finding__visit", "outcome")
        # Only what a row shows: an export draws every referral of the project, and the
        # findings' and visits' other columns (descriptions, notes, times) are most of a row.
        .only(
            "pk",
            "kind",
            "unit",
            "status",
            "due_on",
            "created_at",
            "note",
            "organisation__name",
            "finding__visit__address_key",
            "outcome__kind",
            "outcome__amount",
        )
        .order_by("created_at", "pk")
    )
    if organisation_id is not None:
        referrals = referrals.filter(organisation_id=organisation_id)
    for referral in referrals:
        outcome = getattr(referral, "outcome", None)
        yield (
            referral.finding.visit.address_key if referral.finding else "",
            referral.pk,
            referral.get_kind_display(),
            referral.organisation.name,
            referral.unit,
            referral.get_status_display(),
            referral.due_on,
            timezone.localtime(referral.created_at).replace(tzinfo=None),
            referral.note,
            outcome.get_kind_display() if outcome else "",
            outcome.amount if outcome and outcome.amount is not None else "",
        )


def phase_since(*, project_ids: Collection[int]) -> dict[int, datetime]:
    """Per project, when it entered its current phase (its latest transition), in one query."""
    return dict(
        PhaseTransition.objects.filter(project_id__in=project_ids)
        .values("project_id")
        .annotate(at=Max("at"))
        .order_by()
        .values_list("project_id", "at")
    )


# --- indicator hit rates (issue 15 item 3) -------------------------------------------------------


@dataclass(frozen=True)
class HitRate:
    """One indicator's hit rate in one project (or summed over projects): among the visited
    addresses where it fired in the run their proposal came from, how many had a confirmed
    finding (reports.constants: at least one finding at a visit of the address)."""

    code: str
    name: str
    visited: int
    confirmed: int
    enabled: bool = True
    decision: IndicatorDecision | None = None  # the latest decision on it, if any

    @property
    def rate(self) -> float | None:
        return self.confirmed / self.visited if self.visited else None

    @property
    def flagged(self) -> bool:
        """Under 50 % after at least 20 visited addresses (the projectleider decides)."""
        return self.visited >= HIT_RATE_MIN_VISITS and self.confirmed < HIT_RATE_MIN * self.visited

    @property
    def needs_decision(self) -> bool:
        return self.flagged and self.enabled and self.decision is None


def _fired_at_visit(code: str) -> Exists:
    """The indicator `code` fired for the visit's address in the run its proposal came from."""
    return Exists(
        IndicatorResult.objects.filter(
            run_id=OuterRef("proposal__run_id"),
            address_key=OuterRef("address_key"),
            indicator=code,
            status=ResultStatus.FIRED,
        )
    )


def hit_counts_for_projects(project_ids: Collection[int]) -> dict[int, dict[str, tuple[int, int]]]:
    """Per project and indicator code: (visited addresses where it fired, of which with a
    finding). One aggregated query over the projects' visits with a result, whatever their
    number: per code a conditional distinct count (the results are found through their unique
    (run, address_key, indicator) index), no loop over addresses in Python."""
    ids = list(project_ids)
    counts: dict[int, dict[str, tuple[int, int]]] = {pk: {} for pk in ids}
    if not ids:
        return counts
    aggregates: dict[str, Count] = {}
    has_finding = Q(Exists(Finding.objects.filter(visit_id=OuterRef("pk"))))
    for code in ALL_CODES:
        fired = Q(_fired_at_visit(code.value))
        aggregates[f"v_{code.value}"] = Count("address_key", distinct=True, filter=fired)
        aggregates[f"c_{code.value}"] = Count(
            "address_key", distinct=True, filter=fired & has_finding
        )
    # The annotations are named per code at run time: the stubs cannot type the row.
    rows = cast(
        Iterable[dict[str, Any]],
        Visit.objects.filter(project_id__in=ids)
        .exclude(result="")
        .values("project_id")
        .annotate(**aggregates)
        .order_by(),
    )
    for row in rows:
        counts[row["project_id"]] = {
            code.value: (row[f"v_{code.value}"], row[f"c_{code.value}"])
            for code in ALL_CODES
            if row[f"v_{code.value}"]
        }
    return counts


def latest_decisions(*, project_ids: Collection[int]) -> dict[tuple[int, str], IndicatorDecision]:
    """The newest decision per (project, indicator), in one query."""
    latest: dict[tuple[int, str], IndicatorDecision] = {}
    for decision in IndicatorDecision.objects.filter(project_id__in=project_ids).order_by(
        "-decided_at", "-id"
    ):
        latest.setdefault((decision.project_id, decision.indicator), decision)
    return latest


def indicator_decisions(*, project: Project) -> QuerySet[IndicatorDecision]:
    """Every decision of the project on its indicators, oldest first (the method's history),
    with who decided."""
    return (
        IndicatorDecision.objects.filter(project=project)
        .select_related("decided_by")
        .order_by("decided_at", "id")
    )


def hit_rates_for_project(
    *,
    project: Project,
    enabled: Collection[str],
    decisions: Sequence[IndicatorDecision] | None = None,
) -> list[HitRate]:
    """The project's hit rate per indicator that fired at a visited address or is enabled,
    with its latest decision; flagged ones first. Two queries, or one when the caller has
    read every decision of the project already (`decisions`: indicator_decisions, oldest
    first). `enabled`: the codes in use (matching's settings, which the caller has)."""
    counts = hit_counts_for_projects([project.pk])[project.pk]
    if decisions is None:
        latest = latest_decisions(project_ids=[project.pk])
    else:  # oldest first: the last one per indicator is the latest
        latest = {(project.pk, d.indicator): d for d in decisions if d.project_id == project.pk}
    rows = [
        HitRate(
            code=code.value,
            name=INDICATORS[code].name,
            visited=counts.get(code.value, (0, 0))[0],
            confirmed=counts.get(code.value, (0, 0))[1],
            enabled=code.value in enabled,
            decision=latest.get((project.pk, code.value)),
        )
        for code in ALL_CODES
        if code.value in counts or code.value in enabled
    ]
    return sorted(rows, key=lambda r: (not r.flagged, -r.visited, r.code))


def hit_rate_get(*, project: Project, code: str, enabled: Collection[str]) -> HitRate | None:
    """One indicator's hit rate in the project (None: not an indicator)."""
    rows = hit_rates_for_project(project=project, enabled=enabled)
    return next((row for row in rows if row.code == code), None)


def hit_rates_over_projects(project_ids: Collection[int]) -> list[HitRate]:
    """The hit rate per indicator summed over `project_ids` (the adviser's projects): one
    query. The caller suppresses small counts for the adviser."""
    visited: dict[str, int] = defaultdict(int)
    confirmed: dict[str, int] = defaultdict(int)
    for per_code in hit_counts_for_projects(project_ids).values():
        for code, (v, c) in per_code.items():
            visited[code] += v
            confirmed[code] += c
    return [
        HitRate(
            code=code.value,
            name=INDICATORS[code].name,
            visited=visited[code.value],
            confirmed=confirmed[code.value],
        )
        for code in ALL_CODES
        if visited[code.value]
    ]
