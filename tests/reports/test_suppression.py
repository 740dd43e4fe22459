"""Small-cell and secondary suppression (reports.suppression, reports.overview): pure."""

from decimal import Decimal
from types import SimpleNamespace

from reports.overview import COLUMNS, TOTAL, fairness_suppressed, overview_table
from reports.selectors import BuurtRow, EveningFigures, Fairness, PartnerReferrals, ProjectFigures
from reports.suppression import PRIMARY, SECONDARY, Cell, suppress


def labels(shown):
    return {key: cell.label for key, cell in shown.items()}


def test_primary_hides_one_to_four_and_shows_zero_and_five():
    shown = suppress({"a": 0, "b": 1, "c": 4, "d": 5, "e": 120})
    assert labels(shown) == {"a": "0", "b": "<5", "c": "<5", "d": "5", "e": "120"}
    assert shown["b"].value is None and shown["b"].hidden == PRIMARY


def test_one_hidden_cell_in_a_group_hides_the_next_smallest_non_zero():
    # parts 3, 0, 9, 20 and their total 32: 3 alone would be 32 - 0 - 9 - 20.
    cells = {"a": 3, "b": 0, "c": 9, "d": 20, "total": 32}
    shown = suppress(cells, [list(cells)])
    assert labels(shown) == {"a": "<5", "b": "0", "c": "•", "d": "20", "total": "32"}
    assert shown["c"].hidden == SECONDARY and shown["c"].value is None


def test_two_hidden_cells_need_nothing_more():
    cells = {"a": 2, "b": 3, "c": 9, "total": 14}
    assert labels(suppress(cells, [list(cells)])) == {
        "a": "<5",
        "b": "<5",
        "c": "9",
        "total": "14",
    }


def test_only_zeros_left_hides_the_total():
    cells = {"a": 3, "b": 0, "total": 3}
    # the total is itself 1-4: primary; nothing else to hide.
    assert labels(suppress(cells, [list(cells)])) == {"a": "<5", "b": "0", "total": "<5"}
    cells = {"a": 3, "b": 0, "total": 30, "c": 27}
    assert labels(suppress(cells, [["a", "b", "total", "c"]]))["c"] == "•"


def test_secondary_suppression_spreads_to_the_crossing_group():
    # A 2x2 table with row and column totals: hiding (r1,c1)=2 forces (r1,c2) in its row,
    # which leaves column c2 with one hidden cell: (r2,c2) follows, then row r2 has one: (r2,c1).
    cells = {
        ("r1", "c1"): 2,
        ("r1", "c2"): 10,
        ("r2", "c1"): 8,
        ("r2", "c2"): 7,
        ("r1", "t"): 12,
        ("r2", "t"): 15,
        ("t", "c1"): 10,
        ("t", "c2"): 17,
    }
    groups = [
        [("r1", "c1"), ("r1", "c2"), ("r1", "t")],
        [("r2", "c1"), ("r2", "c2"), ("r2", "t")],
        [("r1", "c1"), ("r2", "c1"), ("t", "c1")],
        [("r1", "c2"), ("r2", "c2"), ("t", "c2")],
    ]
    shown = suppress(cells, groups)
    hidden = {key for key, cell in shown.items() if cell.hidden}
    for group in groups:
        assert sum(1 for key in group if key in hidden) != 1, group
    assert ("r1", "c1") in hidden and len(hidden) >= 4


def test_an_amount_is_hidden_by_the_count_it_sums():
    shown = suppress(
        {"recovered": Cell(Decimal("1500.00"), basis=1), "fines": Cell(Decimal(900), 7)}
    )
    assert labels(shown) == {"recovered": "<5", "fines": "900"}


def _figures(pk, *, approved, visited, referrals):
    evening = EveningFigures(pk, "avond", None, "afgerond", visited=visited, with_findings=0)
    return ProjectFigures(
        pk,
        addresses=300,
        risk_addresses=40,
        proposed=approved,
        approved=approved,
        evenings=[evening],
        referrals_per_partner=[PartnerReferrals("UWV", referrals)],
        unplaced_referrals={"zorg": sum(referrals.values())},
    )


def test_overview_table_rows_totals_and_columns_cannot_give_a_small_count_back():
    projects = [SimpleNamespace(pk=1), SimpleNamespace(pk=2), SimpleNamespace(pk=3)]
    figures = {
        1: _figures(1, approved=3, visited=20, referrals={"verzonden": 2, "afgehandeld": 9}),
        2: _figures(2, approved=30, visited=12, referrals={"afgehandeld": 15}),
        3: _figures(3, approved=12, visited=0, referrals={}),
    }
    rows, total = overview_table(projects, figures)
    column = [key for key, _ in COLUMNS]
    table = {
        p.pk: dict(zip(column, row.cells, strict=True))
        for p, row in zip(projects, rows, strict=True)
    }
    table[TOTAL] = dict(zip(column, total.cells, strict=True))
    assert table[1]["approved"].label == "<5"
    assert table[1]["addresses"].label == "300"  # the area's addresses are not about people
    for key in column:
        hidden = [row for row in table if table[row][key].hidden]
        assert len(hidden) != 1, (key, hidden)
    for row in table:
        referral_cells = ("referrals", "referrals_open", "referrals_done", "referrals_returned")
        assert sum(1 for k in referral_cells if table[row][k].hidden) != 1, row
    assert table[1]["referrals_open"].label == "<5"
    # nothing hidden can be read back: a hidden cell has no value at all
    assert all(cell.value is None for row in table.values() for cell in row.values() if cell.hidden)


def test_fairness_for_the_adviser_hides_small_buurt_counts_and_their_shares():
    fairness = Fairness(
        buurten=[
            BuurtRow("BU01", 100, 2, 0.5, 2 / 22),
            BuurtRow("BU02", 100, 20, 0.5, 20 / 22),
        ],
        indicators=[],
        addresses=200,
        approved=22,
    )
    rows, total = fairness_suppressed(fairness)
    assert [row.approved.label for row in rows] == ["<5", "•"]
    assert rows[0].approved_share is None and rows[0].ratio is None
    assert total.label == "22"
