"""What the public project page shows (issue 15 item 1), read at request time.

Only facts about the project and aggregates: its name, aim, area and period, the partners, which
*categories* of data each data request asks of whom on what legal ground (never a value), the
published selection method and its history, and the results as counts with small-cell
suppression (reports.suppression: 1–4 as '<5', secondary suppression). Nothing here returns a
person, a pseudonym, an address key or a street: no processing-log record is needed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.http import Http404

from controls.constants import OutcomeKind, ReferralKind
from datasharing.constants import DataRequestStatus, Source
from datasharing.intake.formats import ADDRESS_TYPES, BSN_TYPES, SOURCES, ColumnType
from datasharing.matching.constants import NEVER_USED
from datasharing.matching.indicators.registry import ALL_CODES, INDICATORS
from datasharing.matching.services import indicator_settings_for
from datasharing.models import DataRequest
from partners.constants import OrganisationKind
from projects.models import Project, ProjectPartner, ProjectplanVersion
from reports.constants import IndicatorDecisionKind
from reports.models import IndicatorDecision
from reports.overview import HitRateShown, hit_rates_shown
from reports.selectors import (
    figures_for_projects,
    hit_rates_for_project,
    indicator_decisions,
)
from reports.suppression import Shown, suppress
from wijkaanpak.core.models import Event

from .constants import PublicPageStatus
from .models import PublicPage

# Columns that identify a person or an address: named as their category, with what happens
# to them at intake (datasharing: pseudonymised at once, never stored raw).
_PSEUDONYMISED = {
    "person": "burgerservicenummer (bij binnenkomst vervangen door een versleuteld pseudoniem)",
    "address": "adres (bij binnenkomst vervangen door een versleuteld pseudoniem)",
    "owner": "eigenaar: BSN of KvK-nummer (bij binnenkomst vervangen door een pseudoniem)",
}


def public_page_published_get(*, slug: str) -> PublicPage:
    """The published public page of the project with `slug`, with its project; Http404 when
    there is none or it is not published (not published and absent look the same)."""
    page = (
        PublicPage.objects.filter(project__slug=slug, status=PublicPageStatus.GEPUBLICEERD)
        .select_related("project__municipality")
        .first()
    )
    if page is None:
        raise Http404
    return page


def public_page_for(*, project: Project) -> PublicPage | None:
    """The project's public page record (published or not), for the projectleider's preview."""
    return PublicPage.objects.filter(project=project).first()


def column_categories(source: str, requested: list[str]) -> list[str]:
    """The categories of data a request asks for, in plain Dutch: the requested columns (all
    of the source's when none are named), identifying ones as their category."""
    spec = SOURCES.get(source)
    if spec is None:
        return []
    names = [name for name in requested if name in spec.column_names] or list(spec.column_names)
    categories: list[str] = []
    for name in names:
        column = spec.column(name)
        if column.type in BSN_TYPES:
            label = _PSEUDONYMISED["person"]
        elif column.type in ADDRESS_TYPES or column.type == ColumnType.NUMMERAANDUIDING:
            label = _PSEUDONYMISED["address"]
        elif column.type == ColumnType.OWNER_ID:
            label = _PSEUDONYMISED["owner"]
        elif column.vault_only:
            label = "straat en woonplaats (alleen versleuteld bewaard, voor de bezoeklijst)"
        else:
            label = name.replace("_", " ")
        if label not in categories:
            categories.append(label)
    return categories


@dataclass(frozen=True)
class DataRow:
    organisation: str
    source: str
    legal_ground: str
    categories: list[str]


@dataclass(frozen=True)
class ResultRow:
    label: str
    shown: Shown[Any]


@dataclass(frozen=True)
class HistoryItem:
    at: datetime
    text: str


def _results(project: Project) -> dict[str, Any]:
    """The project's results as the public sees them: counts with small-cell suppression
    (primary 1–4; secondary within each sum: referrals per kind with their total, outcomes per
    kind with theirs, visits with and without a finding with the visits)."""
    figures = figures_for_projects([project.pk])[project.pk]
    referrals = figures.referrals_per_kind
    outcomes = figures.outcomes_per_kind
    cells: dict[str, int] = {
        "approved": figures.approved,
        "visited": figures.visited,
        "with_findings": figures.with_findings,
        "without_findings": figures.visited - figures.with_findings,
        "referrals": figures.referrals,
        "outcomes": figures.outcomes,
    }
    for kind in ReferralKind:
        cells[f"referral:{kind.value}"] = referrals.get(kind.value, 0)
    for outcome in OutcomeKind:
        cells[f"outcome:{outcome.value}"] = outcomes.get(outcome.value, 0)
    groups = [
        ["visited", "with_findings", "without_findings"],
        ["referrals", *(f"referral:{k.value}" for k in ReferralKind)],
        ["outcomes", *(f"outcome:{o.value}" for o in OutcomeKind)],
    ]
    shown = suppress(cells, groups)
    return {
        "addresses": figures.addresses,  # the BAG addresses of the area: a public fact
        "evenings_held": figures.evenings_held,
        "approved": shown["approved"],
        "visited": shown["visited"],
        "with_findings": shown["with_findings"],
        "referrals": shown["referrals"],
        "referral_rows": [
            ResultRow(kind.label, shown[f"referral:{kind.value}"])
            for kind in ReferralKind
            if referrals.get(kind.value, 0)
        ],
        "outcomes": shown["outcomes"],
        "outcome_rows": [
            ResultRow(outcome.label, shown[f"outcome:{outcome.value}"])
            for outcome in OutcomeKind
            if outcomes.get(outcome.value, 0)
        ],
    }


def _partners(project: Project) -> list[dict[str, str]]:
    rows = []
    for partner in (
        ProjectPartner.objects.active()
        .filter(project=project)
        .select_related("organisation")
        .order_by("organisation__name")
    ):
        organisation = partner.organisation
        if organisation.kind == OrganisationKind.VNG_NALEVING:
            role = "adviseert het project en ziet alleen totalen"
        elif organisation.pk == project.municipality_id:
            role = "leidt het project (regie)"
        else:
            role = "partner"
        rows.append({"name": organisation.name, "role": role})
    return rows


def _data_rows(project: Project) -> list[DataRow]:
    labels = dict(Source.choices)
    return [
        DataRow(
            organisation=request.organisation.name,
            source=labels.get(request.source, request.source),
            legal_ground=request.legal_ground,
            categories=column_categories(request.source, list(request.requested_columns or [])),
        )
        for request in DataRequest.objects.filter(project=project)
        .exclude(status=DataRequestStatus.INGETROKKEN)
        .select_related("organisation")
        .order_by("organisation__name", "source")
    ]


def _history(project: Project, decisions: Sequence[IndicatorDecision]) -> list[HistoryItem]:
    """The method's history: each change of the indicator settings and each decision on a
    flagged indicator (`decisions`, read once by the caller), oldest first, without who (the
    public page names no staff)."""
    items = [
        HistoryItem(at, "De drempels, gewichten of indicatoren in gebruik zijn gewijzigd.")
        for at in Event.objects.filter(project=project, kind="indicator_settings_updated")
        .order_by("created_at", "id")
        .values_list("created_at", flat=True)
    ]
    for decision in decisions:
        what = (
            "blijft in gebruik"
            if decision.decision == IndicatorDecisionKind.KEEP
            else "is niet meer in gebruik"
        )
        text = (
            f"De indicator {decision.indicator_name} {what}, na een trefkans van "
            f"{decision.confirmed} op {decision.visited} bezochte adressen."
        )
        if decision.reason:
            text += f" Reden: {decision.reason}"
        items.append(HistoryItem(decision.decided_at, text))
    return sorted(items, key=lambda item: item.at)


def public_content(*, project: Project) -> dict[str, Any]:
    """Everything the public page of `project` shows (see the module docstring)."""
    engine = indicator_settings_for(project=project)
    plan = (
        ProjectplanVersion.objects.filter(project=project, adopted_at__isnull=False)
        .order_by("-version")
        .first()
    )
    # Every decision, read once: the latest per indicator for the hit rates, all for the history.
    decisions = list(indicator_decisions(project=project))
    rates = hit_rates_for_project(project=project, enabled=engine.enabled, decisions=decisions)
    hit_rows: list[HitRateShown] = hit_rates_shown([r for r in rates if r.visited], suppressed=True)
    return {
        "public_project": project,
        "plan_goals": plan.goals if plan else "",
        "buurtcodes": list(project.buurtcodes or []),
        "postcodes": list(project.postcodes or []),
        "partners": _partners(project),
        "data_rows": _data_rows(project),
        "method": {
            "threshold": engine.risk_threshold,
            "peildatum": engine.peildatum,
            "indicators": [
                {
                    "name": INDICATORS[code].name,
                    "description": INDICATORS[code].describe(engine),
                    "weight": engine.weight(code),
                }
                for code in ALL_CODES
                if code.value in engine.enabled
            ],
            "never_used": NEVER_USED,
        },
        "history": _history(project, decisions),
        "hit_rows": hit_rows,
        "results": _results(project),
    }
