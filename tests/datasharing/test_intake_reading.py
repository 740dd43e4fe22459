"""Reading delivery files (formats.md §1; security R13, R14). Pure: no database, no settings."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from datasharing.intake import reading
from datasharing.intake.reading import (
    BESTAND_LEEG,
    CSV_AANHALINGSTEKEN_OPEN,
    CSV_GEEN_UTF8,
    CSV_IS_BINAIR,
    CSV_IS_EXCEL,
    CSV_SCHEIDINGSTEKEN_ONBEKEND,
    CSV_UTF16,
    EXTENSIE_NIET_TOEGESTAAN,
    KOPREGEL_LEEG,
    MAX_COLUMNS,
    MAX_XLSX_ENTRIES,
    OVERFLOW_COLUMN,
    ROW_NUMBER_INDEX,
    TE_VEEL_KOLOMMEN,
    XLSX_ONGELDIG,
    XLSX_TE_VEEL_ONDERDELEN,
    XLSX_UITGEPAKT_TE_GROOT,
    XLSX_VERSLEUTELD_OF_XLS,
    DeliveryFileError,
    cell_text,
    detect_delimiter,
    read_table,
)

BOM = b"\xef\xbb\xbf"


def _refusal(data: bytes, filename: str) -> str:
    with pytest.raises(DeliveryFileError) as caught:
        read_table(data, filename)
    return caught.value.message


def _rows(table: pd.DataFrame) -> list[list[str]]:
    return [list(row) for row in table.itertuples(index=False)]


def xlsx_bytes(rows: list[list[object]], *, extra_sheet: bool = False) -> bytes:
    """An in-memory workbook; None cells are left empty; a row [] is an empty spreadsheet row."""
    workbook = Workbook()
    sheet = workbook.active
    for row_index, row in enumerate(rows, start=1):
        for column_index, value in enumerate(row, start=1):
            if value is not None:
                sheet.cell(row=row_index, column=column_index, value=value)
    if extra_sheet:
        other = workbook.create_sheet("tweede")
        other["A1"] = "niet lezen"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- CSV: encoding, delimiter, quoting ---------------------------------------------------------


@pytest.mark.parametrize("bom", [b"", BOM])
@pytest.mark.parametrize("newline", [b"\n", b"\r\n"])
@pytest.mark.parametrize("delimiter", [b";", b","])
def test_csv_bom_newlines_and_both_delimiters(bom: bytes, newline: bytes, delimiter: bytes) -> None:
    lines = [b"bsn", b"postcode", b"huisnummer"], [b"123456782", b"1234 AB", b"12"]
    data = bom + newline.join(delimiter.join(line) for line in lines) + newline
    table = read_table(data, "levering.csv")
    assert list(table.columns) == ["bsn", "postcode", "huisnummer"]
    assert _rows(table) == [["123456782", "1234 AB", "12"]]
    assert table.index.tolist() == [2]
    assert table.index.name == ROW_NUMBER_INDEX
    assert table.attrs["delimiter"] == delimiter.decode()
    assert all(isinstance(dtype, pd.StringDtype) for dtype in table.dtypes)


def test_delimiter_counted_outside_quotes_in_the_header() -> None:
    # Three ';' inside one quoted header name must not beat two real commas.
    assert detect_delimiter('"a;b;c;d",e,f\n1,2,3') == ","
    assert detect_delimiter("a;b,c;d\n") == ";"
    assert detect_delimiter("bsn\n123") == ";"  # one column: either will do
    assert detect_delimiter("a;b\n1,2,3,4,5,6\n") == ";"  # data rows do not vote


def test_tab_separated_file_is_refused() -> None:
    assert _refusal(b"bsn\tpostcode\n1\t2\n", "x.csv") == CSV_SCHEIDINGSTEKEN_ONBEKEND


def test_rfc4180_quoting_and_row_numbers_count_records_not_lines() -> None:
    data = (
        b"signaal;postcode;huisnummer\r\n"
        b'"overlast; ook \'s nachts";1234AB;1\r\n'
        b'"zegt ""hallo""";1234AB;2\r\n'
        b'"twee\r\nregels";1234AB;3\r\n'
        b"laatste;1234AB;4\r\n"
    )
    table = read_table(data, "signaal.csv")
    assert _rows(table) == [
        ["overlast; ook 's nachts", "1234AB", "1"],
        ['zegt "hallo"', "1234AB", "2"],
        ["twee\r\nregels", "1234AB", "3"],
        ["laatste", "1234AB", "4"],
    ]
    # The quoted line break is one spreadsheet row, as Excel shows it: rows 2..5.
    assert table.index.tolist() == [2, 3, 4, 5]


def test_blank_lines_keep_row_numbers_but_are_not_records() -> None:
    data = b"a;b\n1;2\n\n;\n3;4\n\n"
    table = read_table(data, "x.csv")
    assert _rows(table) == [["1", "2"], ["3", "4"]]
    assert table.index.tolist() == [2, 5]


def test_original_header_names_are_kept() -> None:
    table = read_table(b" BSN ;Postcode\n1;2\n", "x.csv")
    assert list(table.columns) == [" BSN ", "Postcode"]


def test_short_rows_are_padded_with_empty_cells() -> None:
    table = read_table(b"a;b;c\n1\n1;2\n", "x.csv")
    assert _rows(table) == [["1", "", ""], ["1", "2", ""]]


def test_values_beyond_the_header_go_to_the_overflow_column() -> None:
    table = read_table(b"a;b\n1;2;3\n4;5\n6;7;;\n8;9;x;y\n", "x.csv")
    assert list(table.columns) == ["a", "b", OVERFLOW_COLUMN]
    assert table[OVERFLOW_COLUMN].tolist() == ["3", "", "", "x | y"]
    assert table.index.tolist() == [2, 3, 4, 5]


def test_trailing_empty_header_cells_are_ignored() -> None:
    table = read_table(b"a;b;;\n1;2;;\n", "x.csv")
    assert list(table.columns) == ["a", "b"]
    assert _rows(table) == [["1", "2"]]


def test_header_only_gives_an_empty_table() -> None:
    table = read_table(b"bsn;toeslag\r\n", "x.csv")
    assert list(table.columns) == ["bsn", "toeslag"]
    assert len(table) == 0


def test_unterminated_quote_is_refused_with_its_row() -> None:
    message = _refusal(b'a;b\n1;2\n"open;3\n4;5\n', "x.csv")
    assert message == CSV_AANHALINGSTEKEN_OPEN.format(rij=3)


def test_unterminated_quote_in_a_ragged_file_is_refused() -> None:
    message = _refusal(b'a;b\n1;2;3\n"open;3\n', "x.csv")
    assert message == CSV_AANHALINGSTEKEN_OPEN.format(rij=3)


def test_empty_first_row_is_refused() -> None:
    assert _refusal(b"\nbsn;toeslag\n1;2\n", "x.csv") == KOPREGEL_LEEG
    assert _refusal(b";;\n1;2\n", "x.csv") == KOPREGEL_LEEG


def test_too_many_columns_is_refused() -> None:
    header = ";".join(f"k{i}" for i in range(MAX_COLUMNS + 1)).encode()
    assert _refusal(header + b"\n", "x.csv") == TE_VEEL_KOLOMMEN.format(
        aantal=MAX_COLUMNS + 1, grens=MAX_COLUMNS
    )


# --- CSV: refusals ------------------------------------------------------------------------------


@pytest.mark.parametrize("data", [b"", BOM, b"   \r\n\r\n", BOM + b"\n"])
def test_empty_file_is_refused(data: bytes) -> None:
    assert _refusal(data, "x.csv") == BESTAND_LEEG


def test_non_utf8_is_refused_with_the_byte_position() -> None:
    data = "bsn;naam\n1;Zoë\n".encode("cp1252")
    assert _refusal(data, "x.csv") == CSV_GEEN_UTF8.format(positie=data.index(b"\xeb") + 1)


def test_utf16_is_refused() -> None:
    assert _refusal("bsn;toeslag\n".encode("utf-16"), "x.csv") == CSV_UTF16


@pytest.mark.parametrize(
    "data",
    [
        b"bsn;toeslag\n1\x002;3\n",
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n",
        b"MZ\x90\x00\x03\x00\x00\x00",
        b"\x89PNG\r\n\x1a\n\x00\x00",
        bytes(range(1, 9)) * 100,
    ],
)
def test_binary_file_named_csv_is_refused(data: bytes) -> None:
    assert _refusal(data, "x.csv") == CSV_IS_BINAIR


def test_excel_file_named_csv_is_refused() -> None:
    assert _refusal(xlsx_bytes([["bsn"], [123456782]]), "x.csv") == CSV_IS_EXCEL
    assert _refusal(reading.OLE2_MAGIC + b"\x00" * 100, "x.csv") == CSV_IS_EXCEL


@pytest.mark.parametrize(
    ("filename", "shown"),
    [("levering.xls", ".xls"), ("levering.txt", ".txt"), ("levering", "levering"), ("", "(geen)")],
)
def test_other_extensions_are_refused(filename: str, shown: str) -> None:
    message = _refusal(b"bsn;toeslag\n1;2\n", filename)
    assert message == EXTENSIE_NIET_TOEGESTAAN.format(extensie=shown)


def test_extension_is_case_insensitive() -> None:
    assert len(read_table(b"a;b\n1;2\n", "LEVERING.CSV")) == 1


# --- XLSX ---------------------------------------------------------------------------------------


def test_xlsx_cells_become_strings_like_the_partner_sees_them() -> None:
    data = xlsx_bytes(
        [
            ["bsn", "geboortedatum", "oppervlakte", "x", "moment", "formule", "vlag"],
            [
                71490504,
                dt.date(1980, 2, 29),
                12.0,
                209111.5,
                dt.datetime(2020, 1, 2, 13, 5),
                "=1+1",
                True,
            ],
        ]
    )
    table = read_table(data, "brp.xlsx")
    assert list(table.columns) == [
        "bsn",
        "geboortedatum",
        "oppervlakte",
        "x",
        "moment",
        "formule",
        "vlag",
    ]
    assert _rows(table) == [
        ["71490504", "1980-02-29", "12", "209111.5", "2020-01-02", "=1+1", "TRUE"]
    ]
    assert table.attrs["file_format"] == "xlsx"


def test_xlsx_array_formula_keeps_its_formula_text() -> None:
    from openpyxl.worksheet.formula import ArrayFormula

    data = xlsx_bytes([["signaal"], [ArrayFormula("A2", "=SUM(1,2)")]])
    assert _rows(read_table(data, "x.xlsx")) == [["=SUM(1,2)"]]


def test_xlsx_empty_rows_keep_row_numbers_and_only_first_sheet_is_read() -> None:
    data = xlsx_bytes([["a", "b"], ["1", None], [], [None, "2"], [], []], extra_sheet=True)
    table = read_table(data, "x.xlsx")
    assert _rows(table) == [["1", ""], ["", "2"]]
    assert table.index.tolist() == [2, 4]


def test_xlsx_values_beyond_the_header_go_to_the_overflow_column() -> None:
    data = xlsx_bytes([["a", "b"], [1, 2, None, "extra"]])
    table = read_table(data, "x.xlsx")
    assert table[OVERFLOW_COLUMN].tolist() == ["extra"]


def test_xlsx_with_empty_first_row_is_refused() -> None:
    assert _refusal(xlsx_bytes([[], ["bsn"], [1]]), "x.xlsx") == KOPREGEL_LEEG


def test_text_named_xlsx_is_refused() -> None:
    assert _refusal(b"bsn;toeslag\n1;2\n", "x.xlsx") == XLSX_ONGELDIG


def test_old_xls_or_encrypted_xlsx_is_refused() -> None:
    assert _refusal(reading.OLE2_MAGIC + b"\x00" * 512, "x.xlsx") == XLSX_VERSLEUTELD_OF_XLS


def test_zip_that_is_not_a_workbook_is_refused() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "geen werkboek")
    assert _refusal(buffer.getvalue(), "x.xlsx") == XLSX_ONGELDIG


def test_truncated_xlsx_is_refused() -> None:
    data = xlsx_bytes([["bsn"], [123456782]])
    with pytest.raises(DeliveryFileError):
        read_table(data[: len(data) // 2], "x.xlsx")


def test_zip_bomb_is_refused_before_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    """A real bomb: 600 MB of zeros deflate to well under 1 MB; openpyxl must never see it."""

    def must_not_parse(*args: object, **kwargs: object) -> None:
        raise AssertionError("parsed before the zip caps were checked")

    monkeypatch.setattr("openpyxl.load_workbook", must_not_parse)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as entry:
            chunk = b"\x00" * (1024 * 1024)
            for _ in range(600):
                entry.write(chunk)
    data = buffer.getvalue()
    assert len(data) < 2 * 1024 * 1024
    message = _refusal(data, "bom.xlsx")
    assert message == XLSX_UITGEPAKT_TE_GROOT.format(grootte="600", grens="512")


def test_zip_with_too_many_entries_is_refused() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        for number in range(MAX_XLSX_ENTRIES):
            archive.writestr(f"xl/x{number}.xml", "")
    message = _refusal(buffer.getvalue(), "veel.xlsx")
    assert message == XLSX_TE_VEEL_ONDERDELEN.format(
        aantal=MAX_XLSX_ENTRIES + 1, grens=MAX_XLSX_ENTRIES
    )


def test_zip_caps_are_module_constants(monkeypatch: pytest.MonkeyPatch) -> None:
    data = xlsx_bytes([["bsn"], [123456782]])
    monkeypatch.setattr(reading, "MAX_XLSX_UNCOMPRESSED_BYTES", 100)
    with pytest.raises(DeliveryFileError):
        read_table(data, "x.xlsx")


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, ""),
        ("tekst", "tekst"),
        (71490504, "71490504"),
        (123456782.0, "123456782"),
        (12.5, "12.5"),
        (-3.0, "-3"),
        (float("nan"), "nan"),
        (False, "FALSE"),
        (dt.date(2024, 2, 29), "2024-02-29"),
        (dt.datetime(2024, 2, 29, 23, 59), "2024-02-29"),
        (dt.time(12, 30), "12:30:00"),
    ],
)
def test_cell_text(value: object, text: str) -> None:
    assert cell_text(value) == text


# --- properties: never crash, and CSV round trips -----------------------------------------------

_FUZZ = settings(
    max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)


def _table_or_refusal(data: bytes, filename: str) -> None:
    try:
        table = read_table(data, filename)
    except DeliveryFileError as error:
        assert error.message
        return
    assert isinstance(table, pd.DataFrame)
    assert table.index.is_monotonic_increasing
    assert all(isinstance(dtype, pd.StringDtype) for dtype in table.dtypes)
    assert (table.index > 1).all()


@_FUZZ
@given(data=st.binary(max_size=2000), filename=st.sampled_from(["x.csv", "x.xlsx", "x.CSV"]))
def test_arbitrary_bytes_never_crash(data: bytes, filename: str) -> None:
    _table_or_refusal(data, filename)


@_FUZZ
@given(text=st.text(alphabet=st.sampled_from(list(';,"\r\n ab1\t=\u00e9')), max_size=300))
def test_csv_like_text_never_crashes(text: str) -> None:
    _table_or_refusal(text.encode("utf-8"), "x.csv")


_VALID_XLSX = xlsx_bytes([["bsn", "postcode"], [123456782, "1234 AB"], [71490504, None]])


@_FUZZ
@given(
    flips=st.lists(
        st.tuples(st.integers(0, len(_VALID_XLSX) - 1), st.integers(0, 255)), min_size=1, max_size=8
    ),
    cut=st.integers(0, len(_VALID_XLSX)),
)
def test_damaged_xlsx_never_crashes(flips: list[tuple[int, int]], cut: int) -> None:
    data = bytearray(_VALID_XLSX)
    for position, byte in flips:
        data[position] = byte
    _table_or_refusal(bytes(data[: max(cut, 4)]), "x.xlsx")


_cell = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\x00")
    | st.sampled_from([";", ",", '"', "\r", "\n", " "]),
    max_size=12,
)
_name = st.text(
    alphabet=st.sampled_from(list("abcdefghijklmnopqrstuvwxyz_")), min_size=1, max_size=8
)


@_FUZZ
@given(
    header=st.lists(_name, min_size=2, max_size=5, unique=True),
    body=st.lists(st.lists(_cell, min_size=5, max_size=5), max_size=8),
    delimiter=st.sampled_from([";", ","]),
    bom=st.booleans(),
)
def test_csv_round_trip(
    header: list[str], body: list[list[str]], delimiter: str, bom: bool
) -> None:
    """What an RFC 4180 writer produces is read back cell for cell, with spreadsheet row numbers."""
    rows = [row[: len(header)] for row in body]
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    data = (b"\xef\xbb\xbf" if bom else b"") + buffer.getvalue().encode("utf-8")
    table = read_table(data, "x.csv")
    expected = [(number, row) for number, row in enumerate(rows, start=2) if any(row)]
    assert list(table.columns) == header
    assert table.index.tolist() == [number for number, _ in expected]
    assert _rows(table) == [row for _, row in expected]
