"""R15: the one formula-safe cell writer (wijkaanpak.core.exports), for CSV and XLSX alike.

Hypothesis writes arbitrary text, biased towards the trigger characters, into every cell; the
file is read back (csv module / openpyxl): no cell starts with a trigger and no XLSX cell is a
formula, and each cell is the original with a quote in front exactly where needed.
"""

import csv
import datetime as dt
import io

from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from wijkaanpak.core.exports import FORMULA_TRIGGERS, cell_safe, csv_document, xlsx_document

XLSX_TEXT = st.characters(blacklist_categories=("Cs", "Cc"))  # XML 1.0 holds no control chars
TRIGGERED = st.builds(lambda t, rest: t + rest, st.sampled_from(FORMULA_TRIGGERS), st.text())
CELLS = st.lists(st.one_of(TRIGGERED, st.text(max_size=30), st.integers()), max_size=5)


def test_cell_safe_quotes_exactly_the_triggers():
    assert [cell_safe(v) for v in ("=1", "+1", "-1", "@A1", "\t1", "\r1", "\0", "1", None)] == [
        "'=1",
        "'+1",
        "'-1",
        "'@A1",
        "'\t1",
        "'\r1",
        "'\0",
        "1",
        "",
    ]


@settings(max_examples=200, deadline=None)
@given(rows=st.lists(CELLS, max_size=6))
def test_csv_round_trips_without_a_live_formula(rows):
    data = csv_document(["a", "b"], rows)
    text = data.decode("utf-8")
    assert text.startswith("\ufeff")
    read = list(csv.reader(io.StringIO(text[1:], newline=""), delimiter=";"))
    assert read[1:] == [[cell_safe(cell) for cell in row] for row in rows]  # RFC 4180 round trip
    assert not any(cell.startswith(FORMULA_TRIGGERS) for row in read for cell in row)


@settings(max_examples=100, deadline=None)
@given(
    rows=st.lists(
        st.lists(
            st.one_of(
                st.builds(lambda t, r: t + r, st.sampled_from("=+-@"), st.text(XLSX_TEXT)),
                st.text(XLSX_TEXT, max_size=30),
                st.integers(-(10**9), 10**9),
            ),
            min_size=1,
            max_size=4,
        ),
        max_size=5,
    )
)
def test_xlsx_never_holds_a_formula(rows):
    sheet = load_workbook(io.BytesIO(xlsx_document(["kolom"], rows))).active
    read = list(sheet.iter_rows(min_row=2))
    assert len(read) == len(rows)
    for row, cells in zip(rows, read, strict=True):
        for value, cell in zip(row, cells, strict=False):
            assert cell.data_type != "f"
            if isinstance(value, str):  # openpyxl reads an empty string cell back as None
                assert (cell.value or "") == cell_safe(value)
                assert not (cell.value or "").startswith(FORMULA_TRIGGERS)
            else:
                assert cell.value == value


def test_xlsx_keeps_dates_and_numbers_typed():
    sheet = load_workbook(io.BytesIO(xlsx_document(["d", "n"], [[dt.date(2026, 1, 2), 7]]))).active
    date_cell, number_cell = next(sheet.iter_rows(min_row=2))
    assert date_cell.value.date() == dt.date(2026, 1, 2) and number_cell.value == 7
