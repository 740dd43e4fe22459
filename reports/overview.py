"""The VNG Naleving overview (issue 13.3): every project a person advises, its phase and dates,
and the key figures with small-cell and secondary suppression (reports.suppression).

No pseudonyms, no addresses, nothing about residents: only the counts and sums of
reports.selectors.ProjectFigures, as `Shown` cells. Also the fairness table as the adviser may
see it (approved counts per buurt suppressed; the shares of a hidden count hidden with it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from controls.constants import OutcomeKind

from .selectors import OPEN_REFERRAL, Fairness, HitRate, ProjectFigures
from .suppression import Cell, Shown, suppress

TOTAL = "totaal"

# (key, Dutch heading) of the overview's figure columns, in order.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("addresses", "Adressen in het gebied"),
    ("risk_addresses", "Risicoadressen"),
    ("approved", "Goedgekeurd"),
    ("visited", "Bezocht"),
    ("with_findings", "Met bevindingen"),
    ("referrals", "Doorverwijzingen"),
    ("referrals_open", "waarvan open"),
    ("referrals_done", "waarvan afgehandeld"),
    ("referrals_returned", "waarvan teruggelegd"),
    ("outcomes", "Uitkomsten"),
    ("recovered", "Teruggevorderd (€)"),
    ("fines", "Boetes (€)"),
    ("evenings_held", "Controleavonden"),
)
AMOUNT_COLUMNS = frozenset({"recovered", "fines"})
# Columns that are not about people: BAG addresses of the area and held evenings are public or
# organisational facts; they are shown as they are.
UNSUPPRESSED = frozenset({"addresses", "evenings_held"})


def _cells(figures: ProjectFigures) -> dict[str, Cell]:
    by_status = figures.referrals_per_status()
    outcomes = figures.outcomes_per_kind
    return {
        "addresses": Cell(figures.addresses),
        "risk_addresses": Cell(figures.risk_addresses),
        "approved": Cell(figures.approved),
        "visited": Cell(figures.visited),
        "with_findings": Cell(figures.with_findings),
        "referrals": Cell(figures.referrals),
        "referrals_open": Cell(sum(by_status.get(s, 0) for s in OPEN_REFERRAL)),
        "referrals_done": Cell(by_status.get("afgehandeld", 0)),
        "referrals_returned": Cell(by_status.get("teruggelegd", 0)),
        "outcomes": Cell(figures.outcomes),
        "recovered": Cell(figures.recovered, outcomes.get(OutcomeKind.TERUGVORDERING, 0)),
        "fines": Cell(figures.fines, outcomes.get(OutcomeKind.BOETE, 0)),
        "evenings_held": Cell(figures.evenings_held),
    }


def _add(a: Cell, b: Cell) -> Cell:
    basis = None if a.basis is None and b.basis is None else (a.basis or 0) + (b.basis or 0)
    return Cell(a.value + b.value, basis)


@dataclass(frozen=True)
class OverviewRow:
    project: Any  # a Project, or None for the totals row
    cells: list[Shown[Any]]


def overview_table(
    projects: Sequence[Any], figures: dict[int, ProjectFigures]
) -> tuple[list[OverviewRow], OverviewRow]:
    """The rows (one per project) and the totals row, every figure suppressed for the adviser:
    primary for 1–4; secondary within each column with its total and within each project's
    referrals (open + afgehandeld + teruggelegd = all)."""
    cells: dict[tuple[Any, str], Cell] = {}
    totals: dict[str, Cell] = {
        key: Cell(0, 0 if key in AMOUNT_COLUMNS else None) for key, _ in COLUMNS
    }
    for project in projects:
        for key, cell in _cells(figures[project.pk]).items():
            cells[(project.pk, key)] = cell
            totals[key] = _add(totals[key], cell)
    for key, cell in totals.items():
        cells[(TOTAL, key)] = cell
    rows_keys = [p.pk for p in projects]
    groups: list[list[tuple[Any, str]]] = []
    for key, _heading in COLUMNS:
        if key not in UNSUPPRESSED:
            groups.append([(row, key) for row in (*rows_keys, TOTAL)])
    for row in (*rows_keys, TOTAL):
        groups.append(
            [
                (row, k)
                for k in ("referrals", "referrals_open", "referrals_done", "referrals_returned")
            ]
        )
    suppressible = {k: v for k, v in cells.items() if k[1] not in UNSUPPRESSED}
    shown: dict[tuple[Any, str], Shown[Any]] = suppress(suppressible, groups)
    for k, v in cells.items():
        if k[1] in UNSUPPRESSED:
            shown[k] = Shown(v.value)
    rows = [
        OverviewRow(project, [shown[(project.pk, key)] for key, _ in COLUMNS])
        for project in projects
    ]
    return rows, OverviewRow(None, [shown[(TOTAL, key)] for key, _ in COLUMNS])


@dataclass(frozen=True)
class FairnessShown:
    buurtcode: str
    addresses: int
    address_share: float
    approved: Shown[Any]
    approved_share: float | None  # None when the count is hidden
    ratio: float | None


def fairness_suppressed(fairness: Fairness) -> tuple[list[FairnessShown], Shown[Any]]:
    """The buurt table with the approved counts suppressed (primary, and secondary with their
    total); a hidden count's share and ratio are hidden with it."""
    cells: dict[str, int | Decimal] = {row.buurtcode: row.approved for row in fairness.buurten}
    cells[TOTAL] = fairness.approved
    shown = suppress(cells, [list(cells)])
    rows = [
        FairnessShown(
            buurtcode=row.buurtcode,
            addresses=row.addresses,
            address_share=row.address_share,
            approved=shown[row.buurtcode],
            approved_share=None if shown[row.buurtcode].hidden else row.approved_share,
            ratio=None if shown[row.buurtcode].hidden else row.ratio,
        )
        for row in fairness.buurten
    ]
    return rows, shown[TOTAL]


def fairness_context(fairness: Fairness, *, suppressed: bool) -> dict[str, Any]:
    """What reports/_fairness_tables.html needs; `suppressed` for the adviser."""
    context: dict[str, Any] = {"fairness": fairness, "suppressed": suppressed}
    if suppressed:
        rows, total = fairness_suppressed(fairness)
        fired = suppress({row.code: row.fired for row in fairness.indicators})
        context.update(buurten=rows, approved_total=total)
        context["indicator_rows"] = [
            {"row": row, "shown": fired[row.code]} for row in fairness.indicators
        ]
    else:
        context["indicator_rows"] = [{"row": row, "shown": None} for row in fairness.indicators]
    return context


# --- indicator hit rates (issue 15 item 3) ---------------------------------------------------


@dataclass(frozen=True)
class HitRateShown:
    """A hit-rate row as a table shows it: the counts (suppressed for the adviser and the
    public) and the rate, hidden when either count is."""

    row: HitRate
    visited: Shown[Any]
    confirmed: Shown[Any]
    rate: float | None


def hit_rates_shown(rows: Sequence[HitRate], *, suppressed: bool) -> list[HitRateShown]:
    """The rows with, when `suppressed`, counts of 1–4 as '<5' and secondary suppression
    within each row (confirmed + not confirmed = visited)."""
    if not suppressed:
        return [HitRateShown(r, Shown(r.visited), Shown(r.confirmed), r.rate) for r in rows]
    cells: dict[tuple[str, str], int | Decimal] = {}
    groups: list[list[tuple[str, str]]] = []
    for r in rows:
        cells[(r.code, "visited")] = r.visited
        cells[(r.code, "confirmed")] = r.confirmed
        cells[(r.code, "missed")] = r.visited - r.confirmed
        groups.append([(r.code, "visited"), (r.code, "confirmed"), (r.code, "missed")])
    shown = suppress(cells, groups)
    result = []
    for r in rows:
        visited, confirmed = shown[(r.code, "visited")], shown[(r.code, "confirmed")]
        hidden = visited.hidden or confirmed.hidden or shown[(r.code, "missed")].hidden
        result.append(HitRateShown(r, visited, confirmed, None if hidden else r.rate))
    return result
