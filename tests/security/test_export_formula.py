"""R15: no formula injection in the validation-report CSV, neither in the pure report builder
(datasharing.intake.validation.report_csv) nor in the download view of a stored delivery.

Hypothesis writes arbitrary strings — biased towards the trigger characters — into every text
cell; the export is read back with the csv module (RFC 4180 quoting must round-trip) and no
cell may start with = + - @ TAB CR NUL unless it starts with a quote.
"""

import csv
import io

from django.urls import reverse

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from datasharing.intake import validation
from datasharing.intake.validation import RowIssue, ValidationResult
from datasharing.models import DeliveryIssue
from tests.factories import login_verified

TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\0")
TRIGGERED = st.builds(lambda t, rest: t + rest, st.sampled_from(TRIGGERS), st.text(max_size=30))
CELL_TEXT = st.one_of(
    TRIGGERED,
    st.text(max_size=40),
    st.sampled_from(
        [
            '=HYPERLINK("http://evil.example","x")',
            "+cmd|' /C calc'!A0",
            "-2+3",
            "@SUM(A1)",
            "\t=1",
            "\r=1",
            '"=1"',
            "'=1",
            ";=1",
            "a\r\n=1",
            "=1;=2",
        ]
    ),
)
EXPORTED = {"count": 0, "triggered": 0}


def assert_no_live_formula(data: bytes, expected_rows: int) -> list[list[str]]:
    text = data.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:], newline=""), delimiter=";"))
    assert len(rows) == expected_rows + 1, (len(rows), expected_rows)  # RFC 4180 round trip
    for row in rows:
        for cell in row:
            assert not cell.startswith(TRIGGERS), repr(cell)
    return rows


def test_detector_sees_a_live_formula():
    with pytest.raises(AssertionError):
        assert_no_live_formula("\ufeffrij;kolom\r\n=1;x\r\n".encode(), 1)


@settings(max_examples=400, deadline=None)
@given(
    fatal=st.lists(CELL_TEXT, max_size=3),
    unknown=st.lists(CELL_TEXT, max_size=3),
    issues=st.lists(st.tuples(st.integers(2, 10**6), CELL_TEXT, CELL_TEXT, CELL_TEXT), max_size=6),
    warnings=st.lists(
        st.tuples(st.integers(2, 10**6), CELL_TEXT, CELL_TEXT, CELL_TEXT), max_size=3
    ),
)
def test_report_csv_never_exports_a_live_formula(fatal, unknown, issues, warnings):
    result = ValidationResult(
        source="brp",
        accepted=False,
        fatal_errors=fatal,
        unknown_columns=unknown,
        issues=[RowIssue(*issue) for issue in issues],
        rows=pd.DataFrame(),
        total_rows=len(issues),
        valid_rows=0,
        invalid_rows=len(issues),
        warnings=[RowIssue(*warning) for warning in warnings],
    )
    lines = validation.report_lines(result)
    rows = assert_no_live_formula(validation.report_csv(result), len(lines))
    # Nothing lost: each exported cell is the original, with a quote in front where needed.
    for line, row in zip(lines, rows[1:], strict=True):
        assert row == [validation.neutralise_cell(cell) for cell in line]
    EXPORTED["count"] += sum(len(line) for line in lines)
    EXPORTED["triggered"] += sum(str(c).startswith(TRIGGERS) for line in lines for c in line)


DB_TEXT = CELL_TEXT.map(lambda s: s.replace("\0", "\\0"))  # PostgreSQL text holds no NUL


@pytest.mark.django_db
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    issues=st.lists(
        st.tuples(st.one_of(st.none(), st.integers(1, 10**6)), DB_TEXT, DB_TEXT, DB_TEXT),
        min_size=1,
        max_size=5,
    )
)
def test_report_download_view_never_exports_a_live_formula(client, world, issues):
    login_verified(client, world.projectleider)
    DeliveryIssue.objects.filter(delivery=world.delivery).delete()
    DeliveryIssue.objects.bulk_create(
        DeliveryIssue(
            delivery=world.delivery,
            row_number=row,
            column=column[:200],
            masked_value=value[:200],
            reason=reason[:500] or "x",
        )
        for row, column, value, reason in issues
    )
    response = client.get(reverse("datasharing:delivery-report-csv", args=[world.delivery.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert_no_live_formula(response.content, len(issues))
    EXPORTED["count"] += 3 * len(issues)
    EXPORTED["triggered"] += sum(str(c).startswith(TRIGGERS) for _, *cells in issues for c in cells)


def test_zz_report_figures(capsys):
    """Prints how many cells the two properties exported (the report's figure)."""
    with capsys.disabled():
        print(
            f"\nR15: exported cells {EXPORTED['count']}, of which trigger-led "
            f"{EXPORTED['triggered']}; live formulas 0"
        )
