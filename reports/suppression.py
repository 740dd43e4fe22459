"""Small-cell suppression for the VNG Naleving adviser (design.md "Access", issue 13 item 3).

One pure function, `suppress`, and nothing else: no Django, no database.

The rules, decided once:
- **Primary.** A count from 1 to 4 is shown as '<5'. A **zero is shown** as 0: it says that
  nothing happened (no referral, no finding), which is about the project, not about a person,
  and hiding it would make every empty cell a '<5' and the tables unreadable. An amount in
  euros is hidden when the count it sums is 1–4 (one terugvordering's sum is that person's
  amount): its `basis` is that count.
- **Secondary.** A group is a set of cells tied by one sum (the parts and their total, all of
  them shown). If exactly one cell of a group is hidden, the others give it back; so the
  next-smallest shown cell of that group is hidden too (a non-zero one first: hiding a zero
  next to a small count protects nothing when zeros are otherwise shown — the total minus the
  rest is still the small count). That cell is shown as '•', not '<5': it may be large. This
  repeats until no group has exactly one hidden cell, because a cell hidden for one group can
  leave another group (its column, say) with exactly one.

A hidden cell's value is never returned to a caller that renders the table: `Shown.value` is
None for it.
"""

from __future__ import annotations

from collections.abc import Collection, Hashable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Generic, TypeVar

from .constants import SECONDARY_LABEL, SMALL_CELL_LABEL, SMALL_CELL_THRESHOLD

K = TypeVar("K", bound=Hashable)
Number = int | Decimal

PRIMARY = "primary"
SECONDARY = "secondary"


@dataclass(frozen=True)
class Cell:
    """A figure to publish. `basis`: the count that decides primary suppression (for an amount,
    the number of outcomes it sums); None means the value itself is the count."""

    value: Number
    basis: int | None = None

    @property
    def count(self) -> Number:
        return self.value if self.basis is None else self.basis


@dataclass(frozen=True)
class Shown(Generic[K]):
    """A cell as the adviser sees it: the value, or None with the reason it is hidden."""

    value: Number | None
    hidden: str = ""  # "", PRIMARY or SECONDARY

    @property
    def label(self) -> str:
        if self.hidden == PRIMARY:
            return SMALL_CELL_LABEL
        if self.hidden == SECONDARY:
            return SECONDARY_LABEL
        return "" if self.value is None else str(self.value)


def is_small(count: Number, threshold: int = SMALL_CELL_THRESHOLD) -> bool:
    """1 ≤ count < threshold (zero is shown; see the module docstring)."""
    return 0 < count < threshold


def suppress(
    cells: Mapping[K, Cell | Number],
    groups: Sequence[Collection[K]] = (),
    *,
    threshold: int = SMALL_CELL_THRESHOLD,
) -> dict[K, Shown[K]]:
    """Every cell of `cells` as shown to the adviser: primary suppression of counts 1 to
    threshold − 1, then secondary suppression within `groups` (sets of keys tied by one sum)
    until no group has exactly one hidden cell. Keys in a group that are not in `cells` are
    ignored."""
    normal: dict[K, Cell] = {
        key: cell if isinstance(cell, Cell) else Cell(cell) for key, cell in cells.items()
    }
    hidden: dict[K, str] = {
        key: PRIMARY for key, cell in normal.items() if is_small(cell.count, threshold)
    }
    member_groups = [[key for key in group if key in normal] for group in groups]
    changed = True
    while changed:
        changed = False
        for group in member_groups:
            if sum(1 for key in group if key in hidden) != 1:
                continue
            candidates = [key for key in group if key not in hidden]
            if not candidates:
                continue
            # The smallest non-zero cell first; a zero only when nothing else is left.
            chosen = min(
                candidates,
                key=lambda key: (normal[key].value == 0, normal[key].value, str(key)),
            )
            hidden[chosen] = SECONDARY
            changed = True
    return {
        key: Shown(None, hidden[key]) if key in hidden else Shown(cell.value)
        for key, cell in normal.items()
    }


def table_groups(
    rows: Sequence[Hashable], columns: Sequence[Hashable], *, total_row: Hashable | None = None
) -> list[list[tuple[Hashable, Hashable]]]:
    """The column groups of a table keyed by (row, column) whose `total_row` sums the rows: each
    column with its total is one group."""
    if total_row is None:
        return []
    return [[(row, column) for row in (*rows, total_row)] for column in columns]
