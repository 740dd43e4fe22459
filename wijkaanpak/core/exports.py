"""Formula-safe export cells for CSV and XLSX (security R15): the one writer every export uses.

A text cell that starts with = + - @ TAB CR NUL gets a leading "'" so that no spreadsheet runs
it as a formula; CSV quoting follows RFC 4180 (the csv module, QUOTE_MINIMAL); XLSX cells are
written as strings or numbers, never as formulas. Pure: no Django.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Sequence
from decimal import Decimal

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\0")

Cell = str | int | float | Decimal | dt.date | None


def cell_safe(value: object) -> str:
    """The text of a cell, with a leading "'" when it starts with a formula trigger."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def csv_document(
    header: Sequence[str], rows: Iterable[Sequence[object]], *, delimiter: str = ";"
) -> bytes:
    """A CSV file as the Dutch spreadsheet opens it: UTF-8 with BOM, `delimiter`, CRLF, RFC 4180
    quoting; every cell through `cell_safe`."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(
        buffer, delimiter=delimiter, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n"
    )
    writer.writerow([cell_safe(cell) for cell in header])
    for row in rows:
        writer.writerow([cell_safe(cell) for cell in row])
    return buffer.getvalue().encode("utf-8")


def _xlsx_value(value: object) -> Cell:
    if value is None or isinstance(value, bool):
        return cell_safe(value)
    if isinstance(value, int | float | Decimal | dt.date):
        return value
    return cell_safe(value)


def xlsx_document(
    header: Sequence[str], rows: Iterable[Sequence[object]], *, title: str = "Export"
) -> bytes:
    """An XLSX workbook of one sheet: numbers and dates stay typed, all text through
    `cell_safe` and stored as a string cell (data_type "s"), never a formula."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])

    def cells(values: Iterable[object]) -> list[WriteOnlyCell]:
        written = []
        for value in values:
            cell = WriteOnlyCell(sheet, value=_xlsx_value(value))
            if isinstance(cell.value, str):
                cell.data_type = (
                    "s"  # openpyxl would make "=…" a formula; the quote prevents it too
                )
            written.append(cell)
        return written

    sheet.append(cells(header))
    for row in rows:
        sheet.append(cells(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
