"""Validation of a delivery table against the contract (formats.md §1–3).

`validate_delivery` checks the header (forbidden, missing, duplicate and unknown columns), then
every cell, vectorised over whole columns, and returns a `ValidationResult`: whether the delivery is
accepted, why not, the invalid rows with masked values, and the valid rows normalised under their
canonical column names. `report_csv` renders the downloadable report. Pure: no Django, no database.

Decisions where formats.md is silent are documented next to the code that makes them; the main
ones: a provided value in an *optional* column must be valid too (a bad optional value makes the row
invalid, as a bad required one does); cells holding a formula are invalid in typed columns and kept
as literal text (with a warning) in free-text columns; report values never show more than the last
3 digits of any run of 8 or more digits (also when spaces or dots separate them), whatever the
column; a numeric .xlsx cell in an identifier column (BSN, kvk_nummer, nummeraanduiding_id,
eigenaar_id) is padded with leading zeros to the identifier's width.

Free-text BSNs (formats.md §4). In every text column a BSN written into the text — 9 digits that
pass the elfproef, also with spaces or dots between them — becomes BSN_REDACTED before anything
is stored, and the row gets a warning. "9 digits" means whole groups of digits: groups are the
digit runs of the text, joined by at most 3 spaces or dots; any consecutive groups with 9 digits
in all are a candidate, so `06 111 222 333` loses `111 222 333` when that passes the elfproef,
but the 10 digits of a phone number `0611122233` never match.

Area (issue #9). When the caller passes the project's `Area`, the result counts the stored rows
whose address lies outside it (a warning, never a refusal): a row is inside when its postcode is
one of the area's postcodes or (bag) its buurtcode one of its buurten. Rows named only by
nummeraanduiding_id are not counted (their address comes from the project's own BAG delivery).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Final

import numpy as np
import pandas as pd

from wijkaanpak.core.exports import cell_safe, csv_document

from .formats import (
    ADDRESS_KEY_COLUMN,
    ADDRESS_KEY_SEPARATOR,
    DATE_YEAR_MAX,
    DATE_YEAR_MIN,
    GEBRUIKSDOEL_SEPARATOR,
    HUISLETTER,
    HUISNUMMER,
    INTEGER_MAX,
    MASKED_TYPES,
    NATUURLIJK_PERSOON,
    NUMERIC_CELL_WIDTHS,
    NUMMERAANDUIDING_ID,
    POSTCODE,
    RECHTSPERSOON,
    ROW_NUMBER_COLUMN,
    TEXT_MAX_LENGTH,
    TOEVOEGING,
    YEAR_MAX,
    YEAR_MIN,
    ColumnSpec,
    ColumnType,
    SourceSpec,
    compact_column_name,
    forbidden_category,
    get_source,
    normalise_column_name,
)
from .reading import OVERFLOW_COLUMN, ROW_NUMBER_INDEX, cell_text, numeric_cells

# --- limits -------------------------------------------------------------------------------------

MAX_INVALID_PERCENTAGE: Final = 5  # more than this share of invalid rows rejects the delivery
HEADER_ROW_NUMBER: Final = 1
MAX_REPORTED_ISSUES_WHEN_REJECTED: Final = 10_000  # a rejected file may be invalid everywhere
MAX_REPORTED_WARNINGS: Final = 10_000
MAX_SHOWN_VALUE_LENGTH: Final = 40
MAX_SHOWN_COLUMN_LENGTH: Final = 60
BSN_SHOWN_DIGITS: Final = 3
REPORT_HEADER: Final = ("rij", "kolom", "waarde", "reden")
REPORT_DELIMITER: Final = ";"
# Severity of a report line: an error (the row, or the whole file, is not stored) or a warning
# (stored, but the partner should look at it). datasharing.constants.IssueSeverity mirrors these.
ERROR: Final = "fout"
WARNING: Final = "waarschuwing"
BSN_REDACTED: Final = "[BSN verwijderd]"
BSN_DIGITS: Final = 9

# --- messages: the delivery as a whole (Dutch) --------------------------------------------------

ONTBREKENDE_KOLOM = "Verplichte kolom '{kolom}' ontbreekt."
ONTBREKENDE_ADRESKOLOM = (
    "Verplichte kolom '{kolom}' ontbreekt. Het adres mag alleen met 'nummeraanduiding_id' "
    "worden aangeduid als het project een BAG-levering heeft."
)
VERBODEN_KOLOM = (
    "Kolom '{kolom}' is niet toegestaan: dit is een bijzonder persoonsgegeven of beschermd "
    "kenmerk ({categorie}). De hele levering is geweigerd; er is niets opgeslagen."
)
DUBBELE_KOLOM = "Kolom '{kolom}' komt meer dan één keer voor."
GEEN_GEGEVENSRIJEN = "Het bestand bevat alleen een kopregel en geen gegevensrijen."
TE_VEEL_ONGELDIGE_RIJEN = (
    "{ongeldig} van de {totaal} rijen zijn ongeldig ({percentage} %). Bij meer dan {grens} % "
    "ongeldige rijen wordt de hele levering geweigerd; er is niets opgeslagen."
)
ONBEKENDE_KOLOM = "Kolom '{kolom}' hoort niet bij deze bron en is niet opgeslagen."
ONBEKENDE_KOLOM_BEDOELD = (
    "Kolom '{kolom}' hoort niet bij deze bron en is niet opgeslagen. Bedoelt u '{bedoeld}'?"
)
BUITEN_PROJECTGEBIED = (
    "{aantal} van de {totaal} opgeslagen rijen hebben een adres buiten het projectgebied. Ze zijn "
    "wel opgeslagen; controleer of deze rijen bij dit project horen."
)
KOLOM_ZONDER_NAAM = "(kolom {nummer} zonder naam)"
KOLOM_BUITEN_KOPREGEL = "(buiten de kopregel)"
MELDINGEN_AFGEKAPT = "Er zijn meer dan {aantal} meldingen; alleen de eerste {aantal} staan hier."

# --- messages: one cell (Dutch) -----------------------------------------------------------------

WAARDE_ONTBREEKT = "Verplichte waarde ontbreekt."
ADRES_ONTBREEKT = "Adres ontbreekt: vul postcode en huisnummer in, of nummeraanduiding_id."
FORMULE_IN_CEL = "De cel bevat een formule; lever de waarde zelf, geen formule."
TE_VEEL_WAARDEN = (
    "De rij bevat meer waarden dan er kolommen zijn (waarschijnlijk een scheidingsteken in een "
    "waarde zonder aanhalingstekens)."
)
BSN_GEEN_9_CIJFERS = "BSN moet uit 9 cijfers bestaan."
BSN_NULLEN = "BSN 000000000 is ongeldig."
BSN_ELFPROEF = "BSN voldoet niet aan de elfproef."
POSTCODE_ONGELDIG = (
    "Postcode moet bestaan uit 4 cijfers (niet beginnend met 0) en 2 letters, bijv. 1234 AB."
)
HUISNUMMER_ONGELDIG = "Huisnummer moet een geheel getal van 1 tot en met 99999 zijn."
HUISLETTER_ONGELDIG = "Huisletter moet één letter zijn."
TOEVOEGING_ONGELDIG = "Huisnummertoevoeging mag uit ten hoogste 4 letters of cijfers bestaan."
NUMMERAANDUIDING_ONGELDIG = "Nummeraanduiding_id moet uit 16 cijfers bestaan."
KVK_ONGELDIG = "KvK-nummer moet uit 8 cijfers bestaan."
DATUM_VORM = "Datum moet de vorm JJJJ-MM-DD of DD-MM-JJJJ hebben."
DATUM_BESTAAT_NIET = "Deze datum bestaat niet."
DATUM_BUITEN_BEREIK = f"Datum moet tussen de jaren {DATE_YEAR_MIN} en {DATE_YEAR_MAX} liggen."
GETAL_GROTER_DAN_NUL = "Waarde moet een geheel getal groter dan 0 zijn."
GETAL_NUL_OF_GROTER = "Waarde moet een geheel getal van 0 of groter zijn."
GETAL_TE_GROOT = f"Waarde is te groot (ten hoogste {INTEGER_MAX})."
JAAR_ONGELDIG = f"Jaar moet een jaartal van {YEAR_MIN} tot en met {YEAR_MAX} zijn."
COORDINAAT_ONGELDIG = "Coördinaat moet een getal in meters zijn (Rijksdriehoekstelsel)."
BUURTCODE_ONGELDIG = "Buurtcode moet 'BU' gevolgd door 8 cijfers zijn, bijv. BU09830101."
WAARDE_NIET_TOEGESTAAN = "Waarde is niet toegestaan. Toegestaan: {toegestaan}."
TEKST_TE_LANG = "Tekst is te lang (ten hoogste {maximum} tekens)."
TEKST_BESTURINGSTEKENS = "Tekst bevat niet-toegestane besturingstekens."
BSN_IN_TEKST = (
    "De tekst bevatte een BSN. Dat is bij ontvangst vervangen door '" + BSN_REDACTED + "' en "
    "niet opgeslagen. Zet geen BSN in vrije tekst."
)
FORMULE_ALS_TEKST = (
    "Let op: de waarde begint met '{teken}' en lijkt een formule. Ze is als gewone tekst "
    "opgeslagen en wordt nooit als formule uitgevoerd."
)


@dataclass(frozen=True)
class RowIssue:
    """One problem with one cell, as the partner can find it in their spreadsheet."""

    row_number: int  # header = row 1
    column: str  # as named in the file
    value: str  # masked: never a full BSN, long values truncated
    reason: str  # Dutch


@dataclass
class ValidationResult:
    """Outcome of `validate_delivery`. `rows` is empty unless `accepted`."""

    source: str
    accepted: bool
    fatal_errors: list[str]
    unknown_columns: list[str]
    issues: list[RowIssue]
    rows: pd.DataFrame
    total_rows: int
    valid_rows: int
    invalid_rows: int
    # Cells that are kept but that the partner should look at (formula-like text, a BSN removed
    # from free text).
    warnings: list[RowIssue] = field(default_factory=list)
    issues_truncated: bool = False
    # Per fatal error, the column it is about as named in the file ('' when none or unknown).
    fatal_columns: list[str] = field(default_factory=list)
    # Stored rows whose address lies outside the project's area; None when not checked.
    outside_area_rows: int | None = None
    # bag: the postcodes of the stored addresses inside the area (for other sources' checks).
    area_postcodes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Area:
    """A project's area as validation checks it: postcodes (1234AB) and CBS buurtcodes."""

    postcodes: frozenset[str]
    buurtcodes: frozenset[str] = frozenset()


# --- public helpers -----------------------------------------------------------------------------

BSN_WEIGHTS: Final = np.array([9, 8, 7, 6, 5, 4, 3, 2, -1], dtype=np.int64)
_BSN_SHAPE = re.compile(r"[0-9]{8,9}")


def normalise_bsn(value: object) -> str | None:
    """The 9-digit BSN for a cell value, or None when it is not a valid BSN (formats.md §2).

    Trimmed; 8 digits are a BSN that lost its leading zero and are padded; then the elfproef
    (weights 9..2, -1; sum divisible by 11) applies, and 000000000 is never valid.
    """
    text = str(value).strip() if value is not None else ""
    if not _BSN_SHAPE.fullmatch(text):
        return None
    padded = text.zfill(9)
    if padded == "000000000":
        return None
    total = sum(int(digit) * int(weight) for digit, weight in zip(padded, BSN_WEIGHTS, strict=True))
    return padded if total % 11 == 0 else None


def is_valid_bsn(value: object) -> bool:
    return normalise_bsn(value) is not None


def address_key(
    postcode: str, huisnummer: str | int, huisletter: str = "", toevoeging: str = ""
) -> str | None:
    """Scalar twin of the `address` column: 'POSTCODE|HUISNUMMER|HUISLETTER|TOEVOEGING' or None."""
    frame = pd.DataFrame(
        {
            POSTCODE: [str(postcode)],
            HUISNUMMER: [str(huisnummer)],
            HUISLETTER: [str(huisletter or "")],
            TOEVOEGING: [str(toevoeging or "")],
        },
        dtype=str,
    )
    checked = {
        name: _CHECKERS[ctype](frame[name].str.strip(), np.array([True]), _PLAIN_SPECS[ctype])
        for name, ctype in (
            (POSTCODE, ColumnType.POSTCODE),
            (HUISNUMMER, ColumnType.HUISNUMMER),
            (HUISLETTER, ColumnType.HUISLETTER),
            (TOEVOEGING, ColumnType.TOEVOEGING),
        )
    }
    parts = []
    for name in (POSTCODE, HUISNUMMER, HUISLETTER, TOEVOEGING):
        result = checked[name]
        given = bool(frame[name].str.strip().iloc[0])
        if given and not result.valid[0]:
            return None
        if not given and name in (POSTCODE, HUISNUMMER):
            return None
        parts.append(result.key_part.iloc[0] if given and result.key_part is not None else "")
    return ADDRESS_KEY_SEPARATOR.join(parts)


# A cell for a CSV/XLSX export (security R15): the one writer is wijkaanpak.core.exports.
neutralise_cell = cell_safe


_CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f]")
# Digit groups joined by at most 3 spaces or dots: how a number is written in text ('111 222 333').
_DIGIT_CHAIN = re.compile(r"[0-9]+(?:[\s.]{1,3}[0-9]+)*")
_DIGIT_GROUP = re.compile(r"[0-9]+")
_MASKED_DIGITS = 8  # a chain of this many digits or more is shown masked


def _mask_digit_run(match: re.Match[str]) -> str:
    """A chain of 8+ digits with every digit but the last 3 masked (separators kept)."""
    run = match.group(0)
    digits = sum(char.isdigit() for char in run)
    if digits < _MASKED_DIGITS:
        return run
    hide = digits - BSN_SHOWN_DIGITS
    out = []
    for char in run:
        if char.isdigit() and hide > 0:
            out.append("*")
            hide -= 1
        else:
            out.append(char)
    return "".join(out)


def redact_bsns(text: str) -> str:
    """`text` with every BSN written in it replaced by BSN_REDACTED (formats.md §4; see the
    module docstring for what counts as written in it)."""
    return _DIGIT_CHAIN.sub(_redact_chain, text)


def _redact_chain(match: re.Match[str]) -> str:
    chain = match.group(0)
    groups = [(group.start(), group.end()) for group in _DIGIT_GROUP.finditer(chain)]
    pieces, done, first = [], 0, 0
    while first < len(groups):
        last, digits = first, 0
        while last < len(groups) and digits < BSN_DIGITS:
            digits += groups[last][1] - groups[last][0]
            last += 1
        if digits == BSN_DIGITS:
            candidate = "".join(chain[start:end] for start, end in groups[first:last])
            if normalise_bsn(candidate) == candidate:
                pieces += [chain[done : groups[first][0]], BSN_REDACTED]
                done, first = groups[last - 1][1], last
                continue
        first += 1
    pieces.append(chain[done:])
    return "".join(pieces)


def mask_value(column_type: ColumnType | str | None, value: object) -> str:
    """A cell value as it may be shown in a report or log line.

    BSN columns (and eigenaar_id): everything but the last 3 characters becomes '*' (short values
    entirely). Other columns: every run of 8+ digits, also when spaces or dots separate them (a
    possible BSN in a shifted or wrong column, or in text), is masked the same way, and the value
    is truncated to MAX_SHOWN_VALUE_LENGTH characters. Control characters become spaces, so a
    value cannot forge report or log lines.
    """
    text = "" if value is None else _CONTROL_CHARS.sub(" ", str(value))
    if not text:
        return ""
    if column_type is not None and str(column_type) in MASKED_TYPES:
        shown = text[-BSN_SHOWN_DIGITS:] if len(text) > 2 * BSN_SHOWN_DIGITS else ""
        stars = min(len(text) - len(shown), 2 * MAX_SHOWN_VALUE_LENGTH // 3)
        return "*" * max(stars, 1) + shown
    text = _DIGIT_CHAIN.sub(_mask_digit_run, text)
    if len(text) > MAX_SHOWN_VALUE_LENGTH:
        text = text[: MAX_SHOWN_VALUE_LENGTH - 1] + "…"
    return text


def display_column_name(name: object) -> str:
    """A header as shown in messages: trimmed, no control characters or long digit runs, bounded."""
    text = _CONTROL_CHARS.sub(" ", str(name)).strip()
    text = _DIGIT_CHAIN.sub(_mask_digit_run, text)
    if len(text) > MAX_SHOWN_COLUMN_LENGTH:
        text = text[: MAX_SHOWN_COLUMN_LENGTH - 1] + "…"
    return text


# --- per-type checks ----------------------------------------------------------------------------
#
# Each checker gets the trimmed values of one column ('' = empty) and the mask of non-empty cells,
# and returns the normalised values plus, in priority order, (mask, reason) pairs for bad cells.
# Checks are vectorised over the whole column (pyarrow string kernels, numpy); no per-cell Python
# on the hot path.

# Whitespace anywhere inside an address part is ignored (formats.md §2: "whatever the spacing").
# Literal characters, so the class means the same to pyarrow's RE2 and to Python's re.
_WHITESPACE_RUN = (
    "[" + " \t\n\r\f\v\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff" + "]+"
)
_TEXT_CONTROL = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"


@dataclass
class _Checked:
    values: pd.Series  # normalised, NaN/NaT/<NA> where missing or invalid
    failures: list[tuple[np.ndarray, str]]
    valid: np.ndarray  # present and valid
    key_part: pd.Series | None = None  # address parts: the string used in the address key
    warnings: list[tuple[np.ndarray, str]] = field(default_factory=list)  # kept, but pointed out


Checker = Callable[[pd.Series, np.ndarray, ColumnSpec], _Checked]


def _match(values: pd.Series, pattern: str) -> np.ndarray:
    # A writable copy: pyarrow-backed results may be read-only views.
    return np.array(values.str.fullmatch(pattern).to_numpy(dtype=bool, na_value=False))


def _starts_with(values: pd.Series, prefixes: tuple[str, ...]) -> np.ndarray:
    return np.array(values.str.startswith(prefixes).to_numpy(dtype=bool, na_value=False))


def _typed(
    values: pd.Series,
    present: np.ndarray,
    ok: np.ndarray,
    reason: str,
    normalised: pd.Series,
    extra: Sequence[tuple[np.ndarray, str]] = (),
) -> _Checked:
    """Common tail of the typed checks: formula first, then shape, then `extra` range checks."""
    formula = present & _starts_with(values, ("=",))
    failures = [(formula, FORMULE_IN_CEL), (present & ~ok, reason)]
    failures.extend((present & ok & mask, message) for mask, message in extra)
    valid = present.copy()
    for mask, _ in failures:
        valid &= ~mask
    return _Checked(values=normalised.where(valid), failures=failures, valid=valid)


def _check_bsn(values: pd.Series, present: np.ndarray, spec: ColumnSpec) -> _Checked:
    shape = _match(values, r"[0-9]{8,9}")
    padded = values.str.pad(9, side="left", fillchar="0")
    zeros = np.zeros(len(values), dtype=bool)
    elfproef = np.zeros(len(values), dtype=bool)
    positions = np.flatnonzero(shape)
    if len(positions):
        digits = _digit_matrix(padded.iloc[positions], 9)
        zeros[positions] = ~digits.any(axis=1)
        elfproef[positions] = (digits @ BSN_WEIGHTS) % 11 == 0
    return _typed(
        values,
        present,
        shape,
        BSN_GEEN_9_CIJFERS,
        padded,
        extra=[(zeros, BSN_NULLEN), (~elfproef, BSN_ELFPROEF)],
    )


def _digit_matrix(values: pd.Series, width: int) -> np.ndarray:
    """Rows of ASCII digit strings of exactly `width` characters as an (n, width) int matrix."""
    buffer = "".join(values.tolist()).encode("ascii")
    return np.frombuffer(buffer, dtype=np.uint8).reshape(-1, width).astype(np.int64) - ord("0")


def _compact_match(
    values: pd.Series, present: np.ndarray, pattern: str
) -> tuple[pd.Series, np.ndarray]:
    """Values with inner whitespace removed where that makes them match `pattern`.

    Only the cells that do not match as given are compacted (most cells are already clean).
    """
    ok = _match(values, pattern)
    retry = np.flatnonzero(present & ~ok)
    if len(retry):
        compact = values.iloc[retry].str.replace(_WHITESPACE_RUN, "", regex=True)
        fixed = _match(compact, pattern)
        if fixed.any():
            values = values.copy()
            values.iloc[retry[fixed]] = compact.iloc[np.flatnonzero(fixed)].to_numpy()
            ok[retry[fixed]] = True
    return values, ok


def _address_part_upper(
    values: pd.Series, present: np.ndarray, pattern: str, reason: str
) -> _Checked:
    """An address part matched with inner spaces removed, stored upper case; it is also the
    value's part of the address key."""
    compact, ok = _compact_match(values, present, pattern)
    checked = _typed(values, present, ok, reason, compact.str.upper())
    checked.key_part = checked.values
    return checked


def _check_postcode(values: pd.Series, present: np.ndarray, spec: ColumnSpec) -> _Checked:
    return _address_part_upper(values, present, r"[1-9][0-9]{3}[A-Za-z]{2}", POSTCODE_ONGELDIG)


def _check_huisnummer(values: pd.Series, present: np.ndarray, spec: ColumnSpec) -> _Checked:
    ok = _match(values, r"0*[1-9][0-9]{0,4}")
    digits = values.str.lstrip("0")
    checked = _typed(values, present, ok, HUISNUMMER_ONGELDIG, digits)
    checked.key_part = checked.values
    checked.values = checked.values.astype("Int64")
    return checked


def _check_huisletter(values: pd.Series, present: np.ndarray, spec: ColumnSpec) -> _Checked:
    return _address_part_upper(values, present, r"[A-Za-z]", HUISLETTER_ONGELDIG)


def _check_toevoeging(values: pd.Series, present: np.ndarray, spec: ColumnSpec) -> _Checked:
    return _address_part_upper(values, present, r"[A-Za-z0-9]{1,4}", TOEVOEGING_ONGELDIG)


def _check_digits(length: int, reason: str) -> Checker:
    def check(values: pd.Series, present: np.ndarray, spec: ColumnSpec) -> _Checked:
        return _typed(values, present, _match(values, f"[0-9]{{{length}}}"), reason, values)

    return check


def _check_date(values: pd.Series, present: np.ndarray, spec: ColumnSpec) -> _Checked:
    iso = _match(values, r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
    dutch = _match(values, r"[0-9]{2}-[0-9]{2}-[0-9]{4}")
    parsed = np.full(len(values), np.datetime64("NaT"), dtype="datetime64[D]")
    # Character positions of year, month and day in YYYY-MM-DD and in DD-MM-YYYY.
    for shape, year_at, month_at, day_at in ((iso, 0, 5, 8), (dutch, 6, 3, 0)):
        positions = np.flatnonzero(shape)
        if len(positions):
            digits = _digit_matrix(values.iloc[positions], 10)
            parsed[positions] = _calendar_dates(
                _number(digits, year_at, 4),
                _number(digits, month_at, 2),
                _number(digits, day_at, 2),
            )
    exists = ~np.isnat(parsed)
    years = parsed.astype("datetime64[Y]").astype(np.int64) + 1970
    in_range = exists & (years >= DATE_YEAR_MIN) & (years <= DATE_YEAR_MAX)
    normalised = pd.Series(
        np.where(in_range, parsed, np.datetime64("NaT")).astype("datetime64[ns]"),
        index=values.index,
    )
    return _typed(
        values,
        present,
        iso | dutch,
        DATUM_VORM,
        normalised,
        extra=[(~exists, DATUM_BESTAAT_NIET), (exists & ~in_range, DATUM_BUITEN_BEREIK)],
    )


def _number(digits: np.ndarray, start: int, width: int) -> np.ndarray:
    """The number written by `width` digit columns of a digit matrix, from column `start`."""
    result = np.zeros(len(digits), dtype=np.int64)
    for column in range(start, start + width):
        result = result * 10 + digits[:, column]
    return result


def _calendar_dates(year: np.ndarray, month: np.ndarray, day: np.ndarray) -> np.ndarray:
    """datetime64[D] of real calendar dates; NaT where the day or month does not exist.

    Vectorised instead of strptime: 30-02-2020 must be refused, not rolled over to 1 March.
    """
    real_month = (month >= 1) & (month <= 12)
    months = ((year - 1970) * 12 + np.clip(month, 1, 12) - 1).astype("datetime64[M]")
    first = months.astype("datetime64[D]")
    length = ((months + 1).astype("datetime64[D]") - first).astype(np.int64)
    real = real_month & (day >= 1) & (day <= length)
    return np.where(real, first + np.clip(day - 1, 0, 30), np.datetime64("NaT", "D"))


def _integers(values: pd.Series, ok: np.ndarray) -> np.ndarray:
    """int64 of the cells where `ok` (at most 10 ASCII digits, so no overflow); 0 elsewhere."""
    result = np.zeros(len(values), dtype=np.int64)
    positions = np.flatnonzero(ok)
    if len(positions):
        result[positions] = values.iloc[positions].astype("int64").to_numpy()
    return result


def _check_int(minimum: int, reason: str) -> Checker:
    def check(values: pd.Series, present: np.ndarray, spec: ColumnSpec) -> _Checked:
        ok = _match(values, r"[0-9]{1,10}")
        numbers = _integers(values, ok)
        normalised = pd.Series(numbers, index=values.index).astype("Int64")
        return _typed(
            values,
            present,
            ok,
            reason,
            normalised,
            extra=[(numbers < minimum, reason), (numbers > INTEGER_MAX, GETAL_TE_GROOT)],
        )

    return check


def _check_year(values: pd.Series, present: np.ndarray, spec: ColumnSpec) -> _Checked:
    ok = _match(values, r"[0-9]{4}")
    numbers = _integers(values, ok)
    normalised = pd.Series(numbers, index=values.index).astype("Int64")
    out_of_range = (numbers < YEAR_MIN) | (numbers > YEAR_MAX)
    return _typed(
        values, present, ok, JAAR_ONGELDIG, normalised, extra=[(out_of_range, JAAR_ONGELDIG)]
    )


def _check_coordinate(values: pd.Series, present: np.ndarray, spec: ColumnSpec) -> _Checked:
    # Decimal point or (Dutch) decimal comma; stored rounded to whole metres.
    ok = _match(values, r"-?[0-9]{1,7}([.,][0-9]{1,6})?")
    numbers = np.zeros(len(values), dtype=float)
    positions = np.flatnonzero(ok)
    if len(positions):
        decimal = values.iloc[positions].str.replace(",", ".", regex=False)
        numbers[positions] = decimal.astype("float64").to_numpy()
    normalised = pd.Series(np.round(numbers), index=values.index).astype("Int64")
    return _typed(values, present, ok, COORDINAAT_ONGELDIG, normalised)


def _check_buurtcode(values: pd.Series, present: np.ndarray, spec: ColumnSpec) -> _Checked:
    compact, ok = _compact_match(values, present, r"[Bb][Uu][0-9]{8}")
    return _typed(values, present, ok, BUURTCODE_ONGELDIG, compact.str.upper())


def _enum_lookup(spec: ColumnSpec) -> dict[str, str]:
    return {value.casefold(): value for value in spec.allowed}


def _enum_reason(spec: ColumnSpec) -> str:
    return WAARDE_NIET_TOEGESTAAN.format(toegestaan=", ".join(spec.allowed))


def _check_enum(values: pd.Series, present: np.ndarray, spec: ColumnSpec) -> _Checked:
    canonical = values.str.casefold().map(_enum_lookup(spec)).astype("str")
    ok = canonical.notna().to_numpy()
    return _typed(values, present, ok, _enum_reason(spec), canonical)


def _check_multi_enum(values: pd.Series, present: np.ndarray, spec: ColumnSpec) -> _Checked:
    """Several values separated by ','; stored canonical, de-duplicated, in the given order.

    Empty items (a trailing comma) are ignored; at least one item must be given.
    """
    lookup = _enum_lookup(spec)
    canonical = values.str.casefold().map(lookup).astype(object)
    several = values.str.contains(GEBRUIKSDOEL_SEPARATOR, regex=False).to_numpy(
        dtype=bool, na_value=False
    )
    for position in np.flatnonzero(several):  # rare: only the cells that hold a list
        cell = values.iloc[position].split(GEBRUIKSDOEL_SEPARATOR)
        items = [item.strip().casefold() for item in cell]
        items = [item for item in items if item]
        known = [lookup.get(item) for item in items]
        if items and all(known):
            canonical.iloc[position] = GEBRUIKSDOEL_SEPARATOR.join(dict.fromkeys(known))  # type: ignore[arg-type]
    canonical = canonical.astype("str")
    ok = canonical.notna().to_numpy()
    return _typed(values, present, ok, _enum_reason(spec), canonical)


def _check_text(values: pd.Series, present: np.ndarray, spec: ColumnSpec) -> _Checked:
    maximum = spec.max_length or TEXT_MAX_LENGTH
    too_long = present & (values.str.len().to_numpy(dtype=float, na_value=0) > maximum)
    control = present & values.str.contains(_TEXT_CONTROL, regex=True).to_numpy(
        dtype=bool, na_value=False
    )
    failures = [
        (too_long, TEKST_TE_LANG.format(maximum=maximum)),
        (control & ~too_long, TEKST_BESTURINGSTEKENS),
    ]
    valid = present & ~too_long & ~control
    redacted_values, redacted = _redact_column(values, present)
    return _Checked(
        values=redacted_values.where(valid),
        failures=failures,
        valid=valid,
        warnings=[(redacted & valid, BSN_IN_TEKST)],
    )


def _redact_column(values: pd.Series, present: np.ndarray) -> tuple[pd.Series, np.ndarray]:
    """Free-text BSNs removed (`redact_bsns`), and which cells changed. Vectorised: only cells
    holding at least 9 digits (one pyarrow count over the column) are looked at one by one."""
    digits = values.str.count("[0-9]").to_numpy(dtype=float, na_value=0)
    positions = np.flatnonzero(present & (digits >= BSN_DIGITS))
    changed = np.zeros(len(values), dtype=bool)
    if not len(positions):
        return values, changed
    originals = values.iloc[positions].tolist()
    cleaned = [redact_bsns(text) for text in originals]
    differs = np.array([a != b for a, b in zip(originals, cleaned, strict=True)], dtype=bool)
    if differs.any():
        values = values.copy()
        values.iloc[positions[differs]] = [c for c, d in zip(cleaned, differs, strict=True) if d]
        changed[positions[differs]] = True
    return values, changed


def _check_owner_id(
    values: pd.Series, present: np.ndarray, spec: ColumnSpec, kinds: pd.Series
) -> _Checked:
    """eigenaar_id: a BSN where the row's eigenaar_soort is 'natuurlijk persoon', a kvk_nummer
    where it is 'rechtspersoon'. A row whose soort is missing or invalid fails on that column;
    its eigenaar_id gets no reason of its own (one clear reason per row)."""
    person = (kinds == NATUURLIJK_PERSOON).to_numpy(dtype=bool, na_value=False)
    company = (kinds == RECHTSPERSOON).to_numpy(dtype=bool, na_value=False)
    as_bsn = _check_bsn(values, present & person, spec)
    as_kvk = _check_digits(8, KVK_ONGELDIG)(values, present & company, spec)
    valid = as_bsn.valid | as_kvk.valid
    normalised = as_bsn.values.where(as_bsn.valid, as_kvk.values)
    return _Checked(
        values=normalised.where(valid),
        failures=[*as_bsn.failures, *as_kvk.failures],
        valid=valid,
    )


def _pad_numeric(values: pd.Series, numeric: np.ndarray, width: int) -> pd.Series:
    """Numeric .xlsx cells of an identifier column padded with the leading zeros the number lost
    (formats.md §2); text cells are left as given."""
    short = numeric & _match(values, f"[0-9]{{1,{width - 1}}}")
    if not short.any():
        return values
    return values.where(~short, values.str.pad(width, side="left", fillchar="0"))


_CHECKERS: dict[ColumnType, Checker] = {
    ColumnType.BSN: _check_bsn,
    ColumnType.POSTCODE: _check_postcode,
    ColumnType.HUISNUMMER: _check_huisnummer,
    ColumnType.HUISLETTER: _check_huisletter,
    ColumnType.TOEVOEGING: _check_toevoeging,
    ColumnType.NUMMERAANDUIDING: _check_digits(16, NUMMERAANDUIDING_ONGELDIG),
    ColumnType.KVK: _check_digits(8, KVK_ONGELDIG),
    ColumnType.DATE: _check_date,
    ColumnType.INT_POSITIVE: _check_int(1, GETAL_GROTER_DAN_NUL),
    ColumnType.INT_NON_NEGATIVE: _check_int(0, GETAL_NUL_OF_GROTER),
    ColumnType.YEAR: _check_year,
    ColumnType.COORDINATE: _check_coordinate,
    ColumnType.BUURTCODE: _check_buurtcode,
    ColumnType.ENUM: _check_enum,
    ColumnType.MULTI_ENUM: _check_multi_enum,
    ColumnType.TEXT: _check_text,
}
_PLAIN_SPECS = {ctype: ColumnSpec(str(ctype), ctype, False) for ctype in ColumnType}


# --- validation ---------------------------------------------------------------------------------


@dataclass
class _Header:
    mapping: dict[str, int]  # canonical name → position in the table
    names: list[str]  # header names as in the file
    fatal_errors: list[str]
    unknown_columns: list[str]
    unknown_positions: list[int]
    overflow_position: int | None
    fatal_columns: list[str] = field(default_factory=list)  # per fatal error, its column

    def fatal(self, message: str, column: str = "") -> None:
        self.fatal_errors.append(message)
        self.fatal_columns.append(column)


def validate_delivery(
    source: str,
    table: pd.DataFrame,
    *,
    address_by_nummeraanduiding_allowed: bool,
    area: Area | None = None,
) -> ValidationResult:
    """Validate one delivery of `source` (a table from `read_table`) against formats.md.

    `address_by_nummeraanduiding_allowed` is True when the project has a bag delivery: then, for the
    sources whose address is "address R", `nummeraanduiding_id` may name the address instead of
    postcode + huisnummer, per row. `area`: the project's area, to count the rows outside it
    (module docstring). Raises ValueError only for an unknown source code.
    """
    spec = get_source(source)
    header = _analyse_header(spec, table, address_by_nummeraanduiding_allowed)
    row_numbers = _row_numbers(table)

    if header.fatal_errors:
        return ValidationResult(
            source=spec.code,
            accepted=False,
            fatal_errors=header.fatal_errors,
            unknown_columns=header.unknown_columns,
            issues=[],
            rows=_empty_rows(spec),
            total_rows=len(table.index),
            valid_rows=0,
            invalid_rows=0,
            fatal_columns=header.fatal_columns,
        )

    texts = {name: _as_text(table.iloc[:, position]) for name, position in header.mapping.items()}
    numeric = {name: numeric_cells(table, position) for name, position in header.mapping.items()}
    others = [_as_text(table.iloc[:, position]) for position in header.unknown_positions]
    overflow = (
        _as_text(table.iloc[:, header.overflow_position])
        if header.overflow_position is not None
        else None
    )
    empty = np.ones(len(table.index), dtype=bool)
    for values in [*texts.values(), *others, *([overflow] if overflow is not None else [])]:
        empty &= (values == "").to_numpy()
    if empty.any():  # whitespace-only rows are not records either
        keep = ~empty
        texts = {name: values[keep].reset_index(drop=True) for name, values in texts.items()}
        numeric = {name: mask[keep] for name, mask in numeric.items()}
        overflow = overflow[keep].reset_index(drop=True) if overflow is not None else None
        row_numbers = row_numbers[keep]

    total = len(row_numbers)
    if total == 0:
        return ValidationResult(
            source=spec.code,
            accepted=False,
            fatal_errors=[GEEN_GEGEVENSRIJEN],
            unknown_columns=header.unknown_columns,
            issues=[],
            rows=_empty_rows(spec),
            total_rows=0,
            valid_rows=0,
            invalid_rows=0,
            fatal_columns=[""],
        )

    checked: dict[str, _Checked] = {}
    failures: list[tuple[str, np.ndarray, str]] = []  # (column key, mask, reason)
    # Owner ids last: their check reads the checked value of their identifier-kind column.
    for column in sorted(spec.columns, key=lambda c: c.type is ColumnType.OWNER_ID):
        if column.name not in texts:
            continue
        values = texts[column.name]
        present = (values != "").to_numpy()
        if column.type is ColumnType.OWNER_ID:
            result = _owner_id_checked(column, values, present, numeric[column.name], checked)
        else:
            width = NUMERIC_CELL_WIDTHS.get(column.type)
            if width is not None:
                values = _pad_numeric(values, numeric[column.name], width)
            result = _CHECKERS[column.type](values, present, column)
        checked[column.name] = result
        if column.required and not _replaceable(spec, column.name):
            failures.append((column.name, ~present, WAARDE_ONTBREEKT))
        failures.extend((column.name, mask, reason) for mask, reason in result.failures)
    failures.extend(_address_failures(spec, texts, total, address_by_nummeraanduiding_allowed))
    if overflow is not None:
        failures.append((OVERFLOW_COLUMN, (overflow != "").to_numpy(), TE_VEEL_WAARDEN))

    invalid = np.zeros(total, dtype=bool)
    for _, mask, _ in failures:
        invalid |= mask
    invalid_count = int(invalid.sum())
    fatal_errors: list[str] = []
    if invalid_count * 100 > total * MAX_INVALID_PERCENTAGE:
        fatal_errors.append(
            TE_VEEL_ONGELDIGE_RIJEN.format(
                ongeldig=invalid_count,
                totaal=total,
                percentage=_percentage(invalid_count, total),
                grens=MAX_INVALID_PERCENTAGE,
            )
        )
    accepted = not fatal_errors
    limit = None if accepted else MAX_REPORTED_ISSUES_WHEN_REJECTED
    issues, truncated = _issues(spec, header, failures, texts, overflow, row_numbers, limit)
    kept = ~invalid if accepted else np.zeros(total, dtype=bool)
    cell_warnings = _text_warnings(spec, texts) + [
        (name, mask & kept, reason)
        for name, result in checked.items()
        for mask, reason in result.warnings
    ]
    warnings, _ = _issues(
        spec, header, cell_warnings, texts, overflow, row_numbers, MAX_REPORTED_WARNINGS
    )
    rows = _build_rows(spec, checked, kept, row_numbers)
    outside, area_postcodes = _area_check(spec, checked, kept, area) if accepted else (None, [])
    return ValidationResult(
        source=spec.code,
        accepted=accepted,
        fatal_errors=fatal_errors,
        unknown_columns=header.unknown_columns,
        issues=issues,
        rows=rows,
        total_rows=total,
        valid_rows=total - invalid_count,
        invalid_rows=invalid_count,
        warnings=warnings,
        issues_truncated=truncated,
        fatal_columns=[""] * len(fatal_errors),
        outside_area_rows=outside,
        area_postcodes=area_postcodes,
    )


def _owner_id_checked(
    column: ColumnSpec,
    values: pd.Series,
    present: np.ndarray,
    numeric: np.ndarray,
    checked: dict[str, _Checked],
) -> _Checked:
    """An OWNER_ID column, read as the identifier its kind column names (numeric cells padded to
    that identifier's width)."""
    kind = checked.get(column.identifier_kind_column or "")
    kinds = kind.values if kind is not None else pd.Series(np.nan, index=values.index, dtype="str")
    if numeric.any():
        person = (kinds == NATUURLIJK_PERSOON).to_numpy(dtype=bool, na_value=False)
        company = (kinds == RECHTSPERSOON).to_numpy(dtype=bool, na_value=False)
        values = _pad_numeric(values, numeric & person, NUMERIC_CELL_WIDTHS[ColumnType.BSN])
        values = _pad_numeric(values, numeric & company, NUMERIC_CELL_WIDTHS[ColumnType.KVK])
    return _check_owner_id(values, present, column, kinds)


def _area_check(
    spec: SourceSpec, checked: dict[str, _Checked], kept: np.ndarray, area: Area | None
) -> tuple[int | None, list[str]]:
    """(stored rows with an address outside `area`, the postcodes of the stored rows inside it);
    (None, []) when there is no area or the source has no postcode. Vectorised (pyarrow is_in)."""
    if area is None or POSTCODE not in checked:
        return None, []
    postcodes = checked[POSTCODE].values[kept].reset_index(drop=True)
    given = postcodes.notna().to_numpy(dtype=bool)
    inside = np.array(postcodes.isin(area.postcodes).to_numpy(dtype=bool))  # a writable copy
    if "buurtcode" in checked and area.buurtcodes:
        buurten = checked["buurtcode"].values[kept].reset_index(drop=True)
        inside |= buurten.isin(area.buurtcodes).to_numpy(dtype=bool)
    outside = int((given & ~inside).sum())
    return outside, sorted(postcodes[given & inside].unique().tolist())


def _replaceable(spec: SourceSpec, name: str) -> bool:
    """Is this a column that nummeraanduiding_id may stand in for ("address R")?"""
    return spec.nummeraanduiding_replaces_address and name in (POSTCODE, HUISNUMMER)


def _analyse_header(spec: SourceSpec, table: pd.DataFrame, allowed: bool) -> _Header:
    names = [str(name) for name in table.columns]
    header = _Header(
        mapping={},
        names=names,
        fatal_errors=[],
        unknown_columns=[],
        unknown_positions=[],
        overflow_position=None,
    )
    duplicates: list[str] = []
    for position, name in enumerate(names):
        if name == OVERFLOW_COLUMN:
            header.overflow_position = position
            continue
        normalised = normalise_column_name(name)
        if normalised in spec.column_names:
            if normalised in header.mapping:
                if normalised not in duplicates:
                    duplicates.append(normalised)
            else:
                header.mapping[normalised] = position
            continue
        category = forbidden_category(name)
        if category is not None:
            shown = display_column_name(name)
            header.fatal(VERBODEN_KOLOM.format(kolom=shown, categorie=category), shown)
            continue
        header.unknown_positions.append(position)
        if normalised:
            header.unknown_columns.append(display_column_name(name))
        elif _any_filled(table.iloc[:, position]):
            header.unknown_columns.append(KOLOM_ZONDER_NAAM.format(nummer=position + 1))
    for normalised in duplicates:
        header.fatal(DUBBELE_KOLOM.format(kolom=normalised), normalised)
    for name in spec.required_columns:
        if name in header.mapping:
            continue
        if _replaceable(spec, name) and NUMMERAANDUIDING_ID in header.mapping:
            if allowed:
                continue
            header.fatal(ONTBREKENDE_ADRESKOLOM.format(kolom=name), name)
        else:
            header.fatal(ONTBREKENDE_KOLOM.format(kolom=name), name)
    return header


def _any_filled(series: pd.Series) -> bool:
    return bool((_as_text(series) != "").any())


def _row_numbers(table: pd.DataFrame) -> np.ndarray:
    """Spreadsheet row numbers: from `read_table`'s index, else by position (header = row 1)."""
    index = table.index
    if index.name == ROW_NUMBER_INDEX and pd.api.types.is_integer_dtype(index.dtype):
        return index.to_numpy(dtype=np.int64)
    return np.arange(HEADER_ROW_NUMBER + 1, HEADER_ROW_NUMBER + 1 + len(index), dtype=np.int64)


def _as_text(series: pd.Series) -> pd.Series:
    """Trimmed strings with '' for empty cells, positionally indexed.

    Tables from `read_table` are already strings; other callers may pass numbers or None, which
    are converted as a spreadsheet cell would be.
    """
    if not isinstance(series.dtype, pd.StringDtype):
        series = pd.Series(
            [cell_text(None if _is_missing(value) else value) for value in series.tolist()],
            dtype="str",
        )
    return series.fillna("").str.strip().reset_index(drop=True)


def _is_missing(value: object) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _address_failures(
    spec: SourceSpec, texts: dict[str, pd.Series], total: int, allowed: bool
) -> list[tuple[str, np.ndarray, str]]:
    """Per row: a complete address (postcode + huisnummer) or, when allowed, a nummeraanduiding."""
    if not spec.nummeraanduiding_replaces_address:
        return []

    def present(name: str) -> np.ndarray:
        if name not in texts:
            return np.zeros(total, dtype=bool)
        return (texts[name] != "").to_numpy()

    parts = [name for name in (POSTCODE, HUISNUMMER) if name in texts]
    if not allowed:
        return [(name, ~present(name), WAARDE_ONTBREEKT) for name in parts]
    lacking = ~(present(POSTCODE) & present(HUISNUMMER)) & ~present(NUMMERAANDUIDING_ID)
    if not parts:
        return [(NUMMERAANDUIDING_ID, lacking, ADRES_ONTBREEKT)]
    return [(name, lacking & ~present(name), ADRES_ONTBREEKT) for name in parts]


def _text_warnings(
    spec: SourceSpec, texts: dict[str, pd.Series]
) -> list[tuple[str, np.ndarray, str]]:
    """Formula-like text is kept verbatim (it is data, never evaluated) but pointed out."""
    warnings = []
    for column in spec.columns:
        if column.type is not ColumnType.TEXT or column.name not in texts:
            continue
        values = texts[column.name]
        for trigger in ("=", "+", "-", "@"):
            mask = _starts_with(values, (trigger,))
            if mask.any():
                warnings.append((column.name, mask, FORMULE_ALS_TEKST.format(teken=trigger)))
    return warnings


def _issues(
    spec: SourceSpec,
    header: _Header,
    failures: list[tuple[str, np.ndarray, str]],
    texts: dict[str, pd.Series],
    overflow: pd.Series | None,
    row_numbers: np.ndarray,
    limit: int | None,
) -> tuple[list[RowIssue], bool]:
    """RowIssues for every (row, column) failure, one per cell (the first reason), in file order."""
    order = {name: position for name, position in header.mapping.items()}
    if header.overflow_position is not None:
        order[OVERFLOW_COLUMN] = header.overflow_position
    taken: dict[str, np.ndarray] = {}
    positions_parts, columns_parts, reasons_parts = [], [], []
    for number, (name, mask, _) in enumerate(failures):
        already = taken.setdefault(name, np.zeros(len(mask), dtype=bool))
        fresh = mask & ~already
        already |= fresh
        rows = np.flatnonzero(fresh)
        positions_parts.append(rows)
        columns_parts.append(np.full(len(rows), order.get(name, -1), dtype=np.int64))
        reasons_parts.append(np.full(len(rows), number, dtype=np.int64))
    if not positions_parts:
        return [], False
    positions = np.concatenate(positions_parts)
    columns = np.concatenate(columns_parts)
    reasons = np.concatenate(reasons_parts)
    sort = np.lexsort((columns, positions))
    truncated = limit is not None and len(sort) > limit
    if truncated:
        sort = sort[:limit]

    issues = []
    for index in sort.tolist():
        name, _, reason = failures[reasons[index]]
        row = int(positions[index])
        if name == OVERFLOW_COLUMN:
            shown_column = KOLOM_BUITEN_KOPREGEL
            value = mask_value(None, overflow.iloc[row] if overflow is not None else "")
        else:
            shown_column = display_column_name(header.names[order[name]])
            value = mask_value(spec.column(name).type, texts[name].iloc[row])
        issues.append(RowIssue(int(row_numbers[row]), shown_column, value, reason))
    return issues, truncated


def _percentage(part: int, total: int) -> str:
    return f"{100 * part / total:.1f}".replace(".", ",")


# --- normalised rows ----------------------------------------------------------------------------


def _always_present(spec: SourceSpec, column: ColumnSpec) -> bool:
    return column.required and not _replaceable(spec, column.name)


def _build_rows(
    spec: SourceSpec, checked: dict[str, _Checked], keep: np.ndarray, row_numbers: np.ndarray
) -> pd.DataFrame:
    """The kept rows under canonical names; absent optional columns are all-missing."""
    count = int(keep.sum())
    data: dict[str, pd.Series] = {}
    for column in spec.columns:
        if column.name in checked:
            values = checked[column.name].values[keep].reset_index(drop=True)
        else:
            values = _missing_column(column, count)
        data[column.name] = _final_dtype(spec, column, values)
    if spec.has_address:
        data[ADDRESS_KEY_COLUMN] = _address_keys(checked, keep, count)
    data[ROW_NUMBER_COLUMN] = pd.Series(row_numbers[keep], dtype="int64")
    return pd.DataFrame(data)


def _missing_column(column: ColumnSpec, count: int) -> pd.Series:
    if column.type is ColumnType.DATE:
        return pd.Series(pd.NaT, index=range(count), dtype="datetime64[ns]")
    if column.type in _INTEGER_TYPES:
        return pd.Series(pd.NA, index=range(count), dtype="Int64")
    return pd.Series(np.nan, index=range(count), dtype="str")


_INTEGER_TYPES = frozenset(
    {
        ColumnType.HUISNUMMER,
        ColumnType.INT_POSITIVE,
        ColumnType.INT_NON_NEGATIVE,
        ColumnType.YEAR,
        ColumnType.COORDINATE,
    }
)


def _final_dtype(spec: SourceSpec, column: ColumnSpec, values: pd.Series) -> pd.Series:
    if column.type in _INTEGER_TYPES:
        return values.astype("int64" if _always_present(spec, column) else "Int64")
    if column.type is ColumnType.DATE:
        return values.astype("datetime64[ns]")
    return values.astype("str")


def _address_keys(checked: dict[str, _Checked], keep: np.ndarray, count: int) -> pd.Series:
    """'POSTCODE|HUISNUMMER|HUISLETTER|TOEVOEGING' where postcode and huisnummer are given."""
    if POSTCODE not in checked or HUISNUMMER not in checked:
        return pd.Series(np.nan, index=range(count), dtype="str")

    def part(name: str) -> pd.Series:
        key_part = checked[name].key_part if name in checked else None
        if key_part is None:
            return pd.Series("", index=range(count), dtype="str")
        return key_part[keep].reset_index(drop=True).astype("str")

    postcode, huisnummer = part(POSTCODE), part(HUISNUMMER)
    sep = ADDRESS_KEY_SEPARATOR
    # Element-wise '+' stays in pyarrow; Series.str.cat would go through Python objects.
    key = (
        postcode
        + sep
        + huisnummer
        + sep
        + part(HUISLETTER).fillna("")
        + sep
        + part(TOEVOEGING).fillna("")
    )
    return key.where(postcode.notna() & huisnummer.notna()).astype("str")


def _empty_rows(spec: SourceSpec) -> pd.DataFrame:
    return _build_rows(spec, {}, np.zeros(0, dtype=bool), np.zeros(0, dtype=np.int64))


# --- report -------------------------------------------------------------------------------------


def _unknown_column_reason(spec: SourceSpec, name: str) -> str:
    compact = compact_column_name(name)
    for column in spec.column_names:
        if compact and compact == compact_column_name(column):
            return ONBEKENDE_KOLOM_BEDOELD.format(kolom=name, bedoeld=column)
    return ONBEKENDE_KOLOM.format(kolom=name)


def report_entries(result: ValidationResult) -> list[tuple[str, str, str, str, str]]:
    """The report as (severity, rij, kolom, waarde, reden) lines: why the delivery was rejected
    (if so, with the column when known), the columns that were not stored, the rows outside the
    project's area, then every invalid cell and every warning by row. Severity is ERROR or
    WARNING."""
    spec = get_source(result.source)
    columns = result.fatal_columns or [""] * len(result.fatal_errors)
    lines: list[tuple[str, str, str, str, str]] = [
        (ERROR, "", column, "", message)
        for message, column in zip(result.fatal_errors, columns, strict=True)
    ]
    lines.extend(
        (WARNING, "", name, "", _unknown_column_reason(spec, name))
        for name in result.unknown_columns
    )
    if result.outside_area_rows:
        message = BUITEN_PROJECTGEBIED.format(
            aantal=result.outside_area_rows, totaal=result.valid_rows
        )
        lines.append((WARNING, "", "", "", message))
    cells = sorted(
        [*((ERROR, issue) for issue in result.issues), *((WARNING, w) for w in result.warnings)],
        key=lambda item: item[1].row_number,
    )  # stable: issues before warnings of the same row, columns in file order
    lines.extend(
        (severity, str(issue.row_number), issue.column, issue.value, issue.reason)
        for severity, issue in cells
    )
    if result.issues_truncated:
        lines.append((ERROR, "", "", "", MELDINGEN_AFGEKAPT.format(aantal=len(result.issues))))
    return lines


def report_lines(result: ValidationResult) -> list[tuple[str, str, str, str]]:
    """The report as (rij, kolom, waarde, reden) lines: `report_entries` without severity."""
    return [line[1:] for line in report_entries(result)]


def report_csv(result: ValidationResult) -> bytes:
    """The downloadable validation report: UTF-8 with BOM, ';'-separated, RFC 4180 quoting.

    Every cell is passed through `neutralise_cell`, so no cell starts with a formula trigger (R15).
    """
    return csv_document(REPORT_HEADER, report_lines(result), delimiter=REPORT_DELIMITER)


def report_data(result: ValidationResult) -> dict[str, object]:
    """The report as JSON-serialisable data (e.g. for `Delivery.report`); values already masked."""

    def cells(items: list[RowIssue]) -> list[dict[str, object]]:
        return [
            {
                "row": item.row_number,
                "column": item.column,
                "value": item.value,
                "reason": item.reason,
            }
            for item in items
        ]

    return {
        "source": result.source,
        "accepted": result.accepted,
        "fatal_errors": list(result.fatal_errors),
        "unknown_columns": list(result.unknown_columns),
        "total_rows": result.total_rows,
        "valid_rows": result.valid_rows,
        "invalid_rows": result.invalid_rows,
        "issues": cells(result.issues),
        "warnings": cells(result.warnings),
        "issues_truncated": result.issues_truncated,
        "fatal_columns": list(result.fatal_columns),
        "outside_area_rows": result.outside_area_rows,
    }
