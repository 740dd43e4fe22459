"""Reading partner delivery files (CSV or XLSX) into a table of strings (formats.md §1).

`read_table` turns the uploaded bytes into a DataFrame whose columns carry the header names exactly
as written in the file and whose cells are all strings (empty string = empty cell). It checks the
file itself — extension, magic bytes, encoding, zip-bomb caps — and raises `DeliveryFileError`
with a Dutch message for anything it cannot read. It never raises another exception type.

Row numbers. The index of the returned table holds, for every data row, the row number the partner
sees in a spreadsheet program with the header as row 1. A CSV record is one spreadsheet row, also
when a quoted field spans several physical lines (Excel shows such a field as one cell with a line
break), so row numbers count *records*, not lines. Blank lines and empty spreadsheet rows keep their
row number but are left out of the table: they are not records.

Cells beyond the last named header column are not data of any column; when a row has non-empty
cells there (in a CSV usually an unquoted delimiter in a value, which shifts the row), their values
are collected in the column `OVERFLOW_COLUMN`, so that validation can report the row as invalid.

Typed cells (.xlsx). A date cell becomes its YYYY-MM-DD text and a number its plain decimal text.
A number has lost the leading zeros of an identifier (a BSN 012345678 typed into a cell is the
number 12345678), which only the contract can restore; so `table.attrs[NUMERIC_CELLS]` holds, per
column position, which cells of the table were numeric (`numeric_cells(table, position)`).
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import math
import re
import zipfile
from collections.abc import Iterable, Sequence
from typing import Final

import numpy as np
import pandas as pd

from datasharing.constants import (
    DELIVERY_CSV_MAX_BYTES,
    DELIVERY_EXTENSIONS,
    DELIVERY_XLSX_MAX_BYTES,
    XLSX_MAX_ENTRIES,
    XLSX_MAX_UNCOMPRESSED_BYTES,
)

# --- caps (R14) ---------------------------------------------------------------------------------

# The file caps are datasharing.constants' (one definition for upload and reading).
MAX_CSV_BYTES = DELIVERY_CSV_MAX_BYTES
MAX_XLSX_BYTES = DELIVERY_XLSX_MAX_BYTES
MAX_XLSX_ENTRIES = XLSX_MAX_ENTRIES
MAX_XLSX_UNCOMPRESSED_BYTES = XLSX_MAX_UNCOMPRESSED_BYTES
MAX_COLUMNS: Final = 200
MAX_HEADER_CHARS: Final = 64 * 1024

ALLOWED_EXTENSIONS = DELIVERY_EXTENSIONS
ROW_NUMBER_INDEX: Final = "rij"  # name of the index that holds the spreadsheet row numbers
HEADER_ROW_NUMBER: Final = 1
# Cannot clash with a real header: a CSV holding NUL is refused as binary, and XML (xlsx) cannot
# contain NUL at all.
OVERFLOW_COLUMN: Final = "\x00overflow"
NUMERIC_CELLS: Final = "numeric_cells"  # table.attrs key, see the module docstring

XLSX_MAGIC: Final = b"PK\x03\x04"
# Magic bytes of files that are often renamed to .csv/.xlsx by mistake (or on purpose).
OLE2_MAGIC: Final = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, and password-protected .xlsx
BINARY_MAGICS: Final = (
    OLE2_MAGIC,
    b"%PDF",
    b"MZ",  # Windows executable
    b"\x7fELF",
    b"\x89PNG",
    b"\xff\xd8\xff",  # JPEG
    b"GIF8",
    b"\x1f\x8b",  # gzip
    b"7z\xbc\xaf",
    b"Rar!",
)
_CSV_CONTROL_BYTES = re.compile(rb"[\x01-\x08\x0e-\x19\x1b-\x1f]")
_BINARY_SNIFF_BYTES = 8192
_BINARY_CONTROL_SHARE = 0.05

# --- messages (Dutch, shown to the partner) ----------------------------------------------------

BESTAND_LEEG = "Het bestand is leeg."
EXTENSIE_NIET_TOEGESTAAN = (
    "Bestanden van het type '{extensie}' worden niet geaccepteerd. "
    "Lever een CSV-bestand (.csv) of een Excel-bestand (.xlsx)."
)
BESTAND_TE_GROOT = "Het bestand is te groot ({grootte} MB); de grens is {grens} MB."
CSV_IS_EXCEL = (
    "Het bestand heet .csv, maar is een Excel-bestand. "
    "Lever het met de extensie .xlsx, of sla het op als 'CSV UTF-8'."
)
CSV_IS_BINAIR = "Het bestand heet .csv, maar is geen tekstbestand (het bevat binaire gegevens)."
CSV_UTF16 = (
    "Het bestand is opgeslagen als UTF-16 ('Unicode-tekst'). "
    "Sla het op als 'CSV UTF-8 (door lijstscheidingsteken gescheiden)'."
)
CSV_GEEN_UTF8 = (
    "Het bestand is niet in UTF-8 opgeslagen (ongeldig teken bij byte {positie}). "
    "Sla het op als 'CSV UTF-8 (door lijstscheidingsteken gescheiden)'."
)
CSV_SCHEIDINGSTEKEN_ONBEKEND = (
    "Het scheidingsteken tussen de kolommen is niet herkend. Gebruik ';' of ','."
)
CSV_KOPREGEL_TE_LANG = "De eerste rij (de kopregel) is te lang of niet afgesloten."
CSV_AANHALINGSTEKEN_OPEN = (
    'Het bestand bevat een aanhalingsteken (") dat niet wordt afgesloten, vanaf rij {rij}. '
    "Het bestand kan niet betrouwbaar worden gelezen."
)
CSV_ONLEESBAAR = (
    "Het CSV-bestand kan niet worden gelezen: de indeling in rijen en kolommen klopt niet."
)
CSV_CEL_TE_GROOT = "Het CSV-bestand bevat een cel die te groot is om te verwerken."
KOPREGEL_LEEG = "Rij 1 is leeg. De eerste rij van het bestand moet de kolomnamen bevatten."
TE_VEEL_KOLOMMEN = "Het bestand heeft te veel kolommen ({aantal}); de grens is {grens}."
XLSX_ONGELDIG = "Het bestand heet .xlsx, maar is geen geldig Excel-bestand."
XLSX_VERSLEUTELD_OF_XLS = (
    "Het Excel-bestand is met een wachtwoord beveiligd of in het oude .xls-formaat opgeslagen. "
    "Lever een onbeveiligd .xlsx-bestand of een CSV-bestand."
)
XLSX_TE_VEEL_ONDERDELEN = (
    "Het Excel-bestand bevat te veel onderdelen ({aantal}; de grens is {grens}) "
    "en is niet verwerkt."
)
XLSX_UITGEPAKT_TE_GROOT = (
    "Het Excel-bestand is uitgepakt te groot ({grootte} MB; de grens is {grens} MB) "
    "en is niet verwerkt."
)
XLSX_GEEN_WERKBLAD = "Het Excel-bestand bevat geen werkblad."
XLSX_ONLEESBAAR = "Het Excel-bestand kan niet worden gelezen."
BESTAND_ONLEESBAAR = "Het bestand kan niet worden gelezen."


class DeliveryFileError(Exception):
    """The file as a whole cannot be read; `message` is Dutch and safe to show to the partner."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def read_table(data: bytes, filename: str) -> pd.DataFrame:
    """Read a delivery file into a DataFrame of strings (see the module docstring).

    Raises DeliveryFileError — and nothing else — when the file cannot be read.
    """
    try:
        extension = _extension(filename)
        payload = bytes(data)
        if not payload:
            raise DeliveryFileError(BESTAND_LEEG)
        if extension == ".csv":
            table = _read_csv(payload)
        else:
            table = _read_xlsx(payload)
        table.attrs["file_format"] = extension.lstrip(".")
        return table
    except DeliveryFileError:
        raise
    except Exception as exc:  # the contract: DeliveryFileError or a table
        raise DeliveryFileError(BESTAND_ONLEESBAAR) from exc


def _extension(filename: str) -> str:
    name = str(filename).strip()
    dot = name.rfind(".")
    extension = name[dot:].casefold() if dot >= 0 else ""
    if extension not in ALLOWED_EXTENSIONS:
        shown = extension or name or "(geen)"
        raise DeliveryFileError(EXTENSIE_NIET_TOEGESTAAN.format(extensie=shown[:20]))
    return extension


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.0f}"


# --- CSV ----------------------------------------------------------------------------------------


def _read_csv(data: bytes) -> pd.DataFrame:
    if len(data) > MAX_CSV_BYTES:
        raise DeliveryFileError(
            BESTAND_TE_GROOT.format(grootte=_megabytes(len(data)), grens=_megabytes(MAX_CSV_BYTES))
        )
    _reject_binary_csv(data)
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    if data.endswith(b"\x1a"):  # DOS end-of-file marker written by some old export tools
        data = data.rstrip(b"\x1a")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DeliveryFileError(CSV_GEEN_UTF8.format(positie=exc.start + 1)) from None
    if not text.strip():
        raise DeliveryFileError(BESTAND_LEEG)
    if text.startswith(("\r", "\n")):
        raise DeliveryFileError(KOPREGEL_LEEG)
    delimiter = detect_delimiter(text)
    raw = _parse_csv(data, text, delimiter)
    table = _table_from_raw(raw)
    table.attrs["delimiter"] = delimiter
    return table


def _reject_binary_csv(data: bytes) -> None:
    if data.startswith(XLSX_MAGIC):
        raise DeliveryFileError(CSV_IS_EXCEL)
    if data.startswith(OLE2_MAGIC):
        raise DeliveryFileError(CSV_IS_EXCEL)
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise DeliveryFileError(CSV_UTF16)
    if data.startswith(BINARY_MAGICS) or b"\x00" in data:
        # NUL never occurs in UTF-8 text; it is also the one byte PostgreSQL text cannot hold.
        raise DeliveryFileError(CSV_IS_BINAIR)
    head = data[:_BINARY_SNIFF_BYTES]
    if len(_CSV_CONTROL_BYTES.findall(head)) > _BINARY_CONTROL_SHARE * len(head):
        raise DeliveryFileError(CSV_IS_BINAIR)


def detect_delimiter(text: str) -> str:
    """';' or ',': whichever occurs more often in the header record, outside quoted fields.

    csv.Sniffer guesses from the data rows and is easily fooled (dates, decimal commas), so only
    the header is used: column names rarely hold either character. On a tie ';' wins (Dutch Excel).
    """
    counts = {";": 0, ",": 0, "\t": 0, "|": 0}
    in_quotes = False
    for position, char in enumerate(text):
        if position >= MAX_HEADER_CHARS:
            raise DeliveryFileError(CSV_KOPREGEL_TE_LANG)
        if char == '"':
            in_quotes = not in_quotes
        elif in_quotes:
            continue
        elif char in "\r\n":
            break
        elif char in counts:
            counts[char] += 1
    if counts[";"] == 0 and counts[","] == 0 and (counts["\t"] or counts["|"]):
        raise DeliveryFileError(CSV_SCHEIDINGSTEKEN_ONBEKEND)
    return "," if counts[","] > counts[";"] else ";"


_READ_CSV_OPTIONS: Final = {
    "header": None,
    "dtype": str,
    "na_filter": False,
    "keep_default_na": False,
    "skip_blank_lines": False,  # blank lines keep their row number
    "engine": "c",
    "quotechar": '"',
    "doublequote": True,
    "encoding": "utf-8",
}
_EOF_IN_QUOTES = re.compile(r"EOF inside string starting at row (\d+)")


def _parse_csv(data: bytes, text: str, delimiter: str) -> pd.DataFrame:
    """Records as a positional DataFrame of strings; record 0 is the header."""
    try:
        return pd.read_csv(io.BytesIO(data), sep=delimiter, **_READ_CSV_OPTIONS)
    except pd.errors.EmptyDataError:
        raise DeliveryFileError(BESTAND_LEEG) from None
    except pd.errors.ParserError as exc:
        _raise_for_open_quote(exc)
        if "Expected" not in str(exc):
            raise DeliveryFileError(CSV_ONLEESBAAR) from None
    # Some record has more fields than the header: learn the widest record, then let the C parser
    # fill every record up to that width (this keeps one tokenizer for all files).
    width = _max_record_width(text, delimiter)
    if width > MAX_COLUMNS:
        raise DeliveryFileError(TE_VEEL_KOLOMMEN.format(aantal=width, grens=MAX_COLUMNS))
    try:
        return pd.read_csv(
            io.BytesIO(data),
            sep=delimiter,
            names=list(range(width)),
            index_col=False,
            **_READ_CSV_OPTIONS,
        )
    except pd.errors.ParserError as exc:
        _raise_for_open_quote(exc)
        raise DeliveryFileError(CSV_ONLEESBAAR) from None


def _raise_for_open_quote(exc: Exception) -> None:
    match = _EOF_IN_QUOTES.search(str(exc))
    if match:
        row = int(match.group(1)) + HEADER_ROW_NUMBER
        raise DeliveryFileError(CSV_AANHALINGSTEKEN_OPEN.format(rij=row)) from None


def _max_record_width(text: str, delimiter: str) -> int:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"')
    try:
        return max((len(record) for record in reader), default=0)
    except csv.Error:
        raise DeliveryFileError(CSV_CEL_TE_GROOT) from None


# --- XLSX ---------------------------------------------------------------------------------------


def _read_xlsx(data: bytes) -> pd.DataFrame:
    if data.startswith(OLE2_MAGIC):
        raise DeliveryFileError(XLSX_VERSLEUTELD_OF_XLS)
    if not data.startswith(XLSX_MAGIC):
        raise DeliveryFileError(XLSX_ONGELDIG)
    if len(data) > MAX_XLSX_BYTES:
        raise DeliveryFileError(
            BESTAND_TE_GROOT.format(grootte=_megabytes(len(data)), grens=_megabytes(MAX_XLSX_BYTES))
        )
    check_zip_caps(data)
    records, numeric = _xlsx_records(data)
    width = max((len(record) for record in records), default=0)
    if width == 0:
        raise DeliveryFileError(KOPREGEL_LEEG)
    raw = pd.DataFrame(
        [list(record) + [""] * (width - len(record)) for record in records],
        columns=list(range(width)),
        dtype=str,
    )
    flags = np.zeros((len(records), width), dtype=bool)
    for row, positions in numeric.items():
        flags[row, positions] = True
    return _table_from_raw(raw, numeric=flags)


class NumericCells:
    """Which cells of a table were numeric spreadsheet cells: a bool array per column position,
    aligned with the table's rows. pandas deep-copies `attrs` on every derived frame; this
    read-only holder is shared instead of copied."""

    def __init__(self, masks: dict[int, np.ndarray]) -> None:
        self._masks = masks

    def __deepcopy__(self, memo: dict) -> NumericCells:
        return self

    def at(self, position: int, rows: int) -> np.ndarray:
        mask = self._masks.get(position)
        return mask if mask is not None else np.zeros(rows, dtype=bool)


def numeric_cells(table: pd.DataFrame, position: int) -> np.ndarray:
    """Per row of `table`, whether the cell at column `position` was a numeric .xlsx cell
    (all False for a CSV, or for a table that did not come from `read_table`)."""
    holder = table.attrs.get(NUMERIC_CELLS)
    if not isinstance(holder, NumericCells):
        return np.zeros(len(table.index), dtype=bool)
    return holder.at(position, len(table.index))


def check_zip_caps(data: bytes) -> None:
    """Refuse a zip whose entry count or declared uncompressed size is over the caps."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise DeliveryFileError(XLSX_ONGELDIG) from None
    if len(entries) > MAX_XLSX_ENTRIES:
        raise DeliveryFileError(
            XLSX_TE_VEEL_ONDERDELEN.format(aantal=len(entries), grens=MAX_XLSX_ENTRIES)
        )
    total = sum(entry.file_size for entry in entries)
    if total > MAX_XLSX_UNCOMPRESSED_BYTES:
        raise DeliveryFileError(
            XLSX_UITGEPAKT_TE_GROOT.format(
                grootte=_megabytes(total), grens=_megabytes(MAX_XLSX_UNCOMPRESSED_BYTES)
            )
        )
    if any(entry.flag_bits & 0x1 for entry in entries):  # encrypted entries
        raise DeliveryFileError(XLSX_VERSLEUTELD_OF_XLS)
    if not any(entry.filename == "[Content_Types].xml" for entry in entries):
        raise DeliveryFileError(XLSX_ONGELDIG)


def _xlsx_records(data: bytes) -> tuple[list[list[str]], dict[int, list[int]]]:
    """All rows of the first worksheet as lists of strings (empty rows as empty lists), and per
    row the positions of its numeric cells (rows without any are left out)."""
    from openpyxl import load_workbook  # imported lazily: only xlsx deliveries need it

    try:
        workbook = load_workbook(
            io.BytesIO(data), read_only=True, data_only=False, keep_links=False
        )
    except Exception:  # openpyxl raises many types on malformed files
        raise DeliveryFileError(XLSX_ONGELDIG) from None
    try:
        if not workbook.worksheets:
            raise DeliveryFileError(XLSX_GEEN_WERKBLAD)
        sheet = workbook.worksheets[0]
        # The stored dimension may be wrong or absent; without it every row is read as written.
        sheet.reset_dimensions()
        records: list[list[str]] = []
        numeric: dict[int, list[int]] = {}
        for index, row in enumerate(sheet.iter_rows(values_only=True)):
            records.append(_trim_trailing_empty([cell_text(value) for value in row]))
            positions = [
                position
                for position, value in enumerate(row)
                if isinstance(value, int | float) and not isinstance(value, bool)
            ]
            if positions:
                numeric[index] = positions
        return records, numeric
    except DeliveryFileError:
        raise
    except Exception:
        raise DeliveryFileError(XLSX_ONLEESBAAR) from None
    finally:
        workbook.close()


def _trim_trailing_empty(values: list[str]) -> list[str]:
    end = len(values)
    while end and values[end - 1] == "":
        end -= 1
    return values[:end]


def cell_text(value: object) -> str:
    """The string a spreadsheet cell value stands for.

    Whole numbers lose the '.0' a float would print (a BSN cell 71490504 → '71490504'); dates and
    date-times become YYYY-MM-DD; a formula cell keeps its formula text ('=...'), which validation
    then treats as a value, never as something to evaluate.
    """
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer():
            return str(int(value))
        if math.isfinite(value):  # plain decimal notation, never '1e-05'
            return np.format_float_positional(value, trim="-")
        return repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    formula = getattr(value, "text", None)  # openpyxl ArrayFormula: keep its formula text
    if isinstance(formula, str):
        return formula
    return str(value)


# --- common -------------------------------------------------------------------------------------


def _table_from_raw(raw: pd.DataFrame, *, numeric: np.ndarray | None = None) -> pd.DataFrame:
    """Header + data rows from positional records (record 0 = header = spreadsheet row 1).

    `numeric`: per record and position, whether it was a numeric cell (.xlsx); kept for the
    data rows that remain, under `attrs[NUMERIC_CELLS]`.
    """
    if raw.empty or len(raw.index) == 0:
        raise DeliveryFileError(BESTAND_LEEG)
    raw = raw.fillna("")
    header = [str(value) for value in raw.iloc[0].tolist()]
    named = [position for position, name in enumerate(header) if name.strip()]
    if not named:
        raise DeliveryFileError(KOPREGEL_LEEG)
    width = named[-1] + 1
    if width > MAX_COLUMNS:
        raise DeliveryFileError(TE_VEEL_KOLOMMEN.format(aantal=width, grens=MAX_COLUMNS))

    body = raw.iloc[1:]
    row_numbers = np.arange(
        HEADER_ROW_NUMBER + 1, HEADER_ROW_NUMBER + 1 + len(body), dtype=np.int64
    )
    table = body.iloc[:, :width].copy()
    table.index = pd.Index(row_numbers, name=ROW_NUMBER_INDEX)
    table.columns = list(range(width))
    empty = np.ones(len(table.index), dtype=bool)
    for position in range(width):
        empty &= (table[position] == "").to_numpy()

    if raw.shape[1] > width:
        overflow = _overflow_values(body.iloc[:, width:])
        if overflow is not None:
            table[OVERFLOW_COLUMN] = pd.array(overflow, dtype="str")
            empty &= overflow == ""
    table.columns = [*header[:width], *table.columns[width:]]
    table = table.loc[~empty]
    if numeric is not None:
        body_numeric = numeric[1:, :width][~empty]
        masks = {
            position: np.ascontiguousarray(body_numeric[:, position])
            for position in range(width)
            if body_numeric[:, position].any()
        }
        table.attrs[NUMERIC_CELLS] = NumericCells(masks)
    return table


def _overflow_values(extra: pd.DataFrame) -> np.ndarray | None:
    """Per row, the non-empty cells beyond the header joined by ' | '; None if there are none."""
    filled = np.zeros(len(extra.index), dtype=bool)
    for position in range(extra.shape[1]):
        filled |= (extra.iloc[:, position].str.strip() != "").to_numpy()
    if not filled.any():
        return None
    values = np.full(len(extra.index), "", dtype=object)
    for index in np.flatnonzero(filled):
        values[index] = " | ".join(_non_empty(extra.iloc[index].tolist()))
    return values


def _non_empty(values: Iterable[object]) -> Sequence[str]:
    return [str(value) for value in values if str(value).strip()]
