"""Validation of deliveries against formats.md §1–3 (security R13, R15, R17).

Pure tests: no database and no Django settings. Every refusal is asserted with its exact message.
"""

from __future__ import annotations

import csv
import io
import json
import re
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from stdnum.nl import bsn as stdnum_bsn

from datasharing.intake import formats, validation
from datasharing.intake.formats import (
    FORBIDDEN_CATEGORIES,
    SOURCES,
    ColumnType,
    forbidden_category,
)
from datasharing.intake.reading import read_table
from datasharing.intake.validation import (
    ADRES_ONTBREEKT,
    BSN_ELFPROEF,
    BSN_GEEN_9_CIJFERS,
    BSN_NULLEN,
    BUURTCODE_ONGELDIG,
    COORDINAAT_ONGELDIG,
    DATUM_BESTAAT_NIET,
    DATUM_BUITEN_BEREIK,
    DATUM_VORM,
    DUBBELE_KOLOM,
    FORMULE_ALS_TEKST,
    FORMULE_IN_CEL,
    GEEN_GEGEVENSRIJEN,
    GETAL_GROTER_DAN_NUL,
    GETAL_NUL_OF_GROTER,
    GETAL_TE_GROOT,
    HUISLETTER_ONGELDIG,
    HUISNUMMER_ONGELDIG,
    JAAR_ONGELDIG,
    KOLOM_BUITEN_KOPREGEL,
    KOLOM_ZONDER_NAAM,
    KVK_ONGELDIG,
    NUMMERAANDUIDING_ONGELDIG,
    ONBEKENDE_KOLOM,
    ONBEKENDE_KOLOM_BEDOELD,
    ONTBREKENDE_ADRESKOLOM,
    ONTBREKENDE_KOLOM,
    POSTCODE_ONGELDIG,
    REPORT_HEADER,
    TE_VEEL_ONGELDIGE_RIJEN,
    TE_VEEL_WAARDEN,
    TEKST_BESTURINGSTEKENS,
    TEKST_TE_LANG,
    TOEVOEGING_ONGELDIG,
    VERBODEN_KOLOM,
    WAARDE_NIET_TOEGESTAAN,
    WAARDE_ONTBREEKT,
    RowIssue,
    ValidationResult,
    address_key,
    is_valid_bsn,
    mask_value,
    neutralise_cell,
    normalise_bsn,
    report_csv,
    report_data,
    validate_delivery,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "wijk-300"
# File → source, from samples/README.md.
SAMPLE_SOURCES = {
    "bag.csv": "bag",
    "brp.csv": "brp",
    "uitkering_uwv.csv": "uitkering",
    "uitkering_svb.csv": "uitkering",
    "uitkering_pw.csv": "uitkering",
    "toeslag.csv": "toeslag",
    "huur.csv": "huur",
    "kvk.csv": "kvk",
    "energie.csv": "energie",
    "signaal_politie.csv": "signaal",
    "signaal_corporatie.csv": "signaal",
    "signaal_uwv.csv": "signaal",
}

VALID_BSN = "123456782"
VALID_BSN_8 = "71490504"  # 071490504 with its leading zero dropped by a spreadsheet
OTHER_BSN = "111222333"


def make_bsns(count: int, seed: int = 7) -> list[str]:
    """Distinct valid BSNs (without leading zero, so they survive any spreadsheet)."""
    rng = np.random.default_rng(seed)
    found: dict[str, None] = {}
    weights = np.array([9, 8, 7, 6, 5, 4, 3, 2])
    while len(found) < count:
        digits = rng.integers(0, 10, size=8)
        digits[0] = rng.integers(1, 10)
        check = int(digits @ weights) % 11
        if check < 10:
            found["".join(map(str, digits)) + str(check)] = None
    return list(found)


def csv_bytes(rows: list[list[str]], delimiter: str = ";") -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode("utf-8")


def run(
    source: str, rows: list[list[str]], *, allowed: bool = True, delimiter: str = ";"
) -> ValidationResult:
    table = read_table(csv_bytes(rows, delimiter), f"{source}.csv")
    return validate_delivery(source, table, address_by_nummeraanduiding_allowed=allowed)


def toeslag(*values: str) -> ValidationResult:
    return run("toeslag", [["bsn", "toeslag"], *[[value, "zorgtoeslag"] for value in values]])


def only_issue(result: ValidationResult) -> RowIssue:
    assert len(result.issues) == 1, result.issues
    return result.issues[0]


BRP_HEADER = [
    "bsn",
    "postcode",
    "huisnummer",
    "huisletter",
    "huisnummertoevoeging",
    "geboortedatum",
    "datum_inschrijving_adres",
]


def brp_row(bsn: str = VALID_BSN, **changes: str) -> list[str]:
    row = dict(
        bsn=bsn,
        postcode="5911 MV",
        huisnummer="43",
        huisletter="",
        huisnummertoevoeging="bis",
        geboortedatum="1980-01-01",
        datum_inschrijving_adres="01-02-2020",
    )
    row.update(changes)
    return [row[name] for name in BRP_HEADER]


# --- header -------------------------------------------------------------------------------------


def test_headers_match_case_insensitively_after_trimming_in_any_order() -> None:
    header = [" Datum_Inschrijving_Adres", "GEBOORTEDATUM ", "HuisNummer", " POSTCODE ", "Bsn"]
    result = run("brp", [header, ["2020-02-01", "1980-01-01", "43", "5911 mv", VALID_BSN]])
    assert result.accepted and result.fatal_errors == []
    assert result.rows.loc[0, "bsn"] == VALID_BSN
    assert result.rows.loc[0, "address"] == "5911MV|43||"


@pytest.mark.parametrize(
    "source", ["bag", "brp", "uitkering", "toeslag", "huur", "kvk", "energie", "signaal"]
)
def test_missing_required_column_rejects_the_delivery(source: str) -> None:
    spec = SOURCES[source]
    for missing in spec.required_columns:
        header = [name for name in spec.required_columns if name != missing]
        result = run(source, [header, ["x"] * len(header)], allowed=False)
        assert not result.accepted
        assert ONTBREKENDE_KOLOM.format(kolom=missing) in result.fatal_errors
        assert result.rows.empty


def test_missing_column_message() -> None:
    result = run("toeslag", [["BSN"], [VALID_BSN]])
    assert result.fatal_errors == ["Verplichte kolom 'toeslag' ontbreekt."]
    assert not result.accepted and result.rows.empty and result.issues == []


def test_optional_columns_may_be_absent_and_appear_empty_in_rows() -> None:
    result = run("uitkering", [["bsn", "regeling", "leefvorm"], [VALID_BSN, "ww", "Alleenstaand"]])
    assert result.accepted
    assert result.rows.columns.tolist() == [
        "bsn",
        "regeling",
        "leefvorm",
        "ingangsdatum",
        "row_number",
    ]
    assert pd.isna(result.rows.loc[0, "ingangsdatum"])
    assert result.rows.loc[0, "regeling"] == "WW"
    assert result.rows.loc[0, "leefvorm"] == "alleenstaand"


@pytest.mark.parametrize(
    ("column", "category"),
    [
        ("nationaliteit", "nationaliteit"),
        ("Nationaliteit ", "nationaliteit"),
        ("NATIONALITEITEN", "nationaliteit"),
        ("nationality", "nationaliteit"),
        ("geboorteland", "geboorteland"),
        ("geboorte_land", "geboorteland"),
        ("Land van geboorte", "geboorteland"),
        ("country_of_birth", "geboorteland"),
        ("etniciteit", "etniciteit"),
        ("etnische_afkomst", "etniciteit"),
        ("Ethnicity", "etniciteit"),
        ("migratieachtergrond", "etniciteit"),
        ("religie", "religie"),
        ("Religion", "religie"),
        ("godsdienst", "religie"),
        ("gezondheid", "gezondheid"),
        ("gezondheidssituatie", "gezondheid"),
        ("Health status", "gezondheid"),
        ("geslacht", "geslacht"),
        (" GESLACHT", "geslacht"),
        ("gender", "geslacht"),
        ("sex", "geslacht"),
        ("seksuele geaardheid", "overige bijzondere persoonsgegevens"),
        ("m/v", "geslacht"),
        ("geslacht (m/v)", "geslacht"),
        ("Geb. land", "geboorteland"),
        ("religieuze_overtuiging", "religie"),
    ],
)
def test_forbidden_column_rejects_the_whole_delivery(column: str, category: str) -> None:
    assert forbidden_category(column) == category
    result = run("brp", [[*BRP_HEADER, column], [*brp_row(), "x"]])
    assert not result.accepted
    assert result.fatal_errors == [VERBODEN_KOLOM.format(kolom=column.strip(), categorie=category)]
    assert result.rows.empty  # nothing is stored
    assert column not in result.unknown_columns


def test_forbidden_message_text() -> None:
    result = run(
        "toeslag", [["bsn", "toeslag", "Nationaliteit "], [VALID_BSN, "zorgtoeslag", "NL"]]
    )
    assert result.fatal_errors == [
        "Kolom 'Nationaliteit' is niet toegestaan: dit is een bijzonder persoonsgegeven of "
        "beschermd kenmerk (nationaliteit). De hele levering is geweigerd; er is niets opgeslagen."
    ]


def test_no_contract_column_is_forbidden() -> None:
    for spec in SOURCES.values():
        for name in spec.column_names:
            assert forbidden_category(name) is None, name
    # Values such as 'gezondheidszorgfunctie' are not column names; common extra columns pass.
    harmless_names = (
        "opmerking",
        "peildatum",
        "naam",
        "geslachtsnaam",
        "achternaam",
        "woonplaats",
        "straat",
        "leeftijd",
        "afkomstig_van",
        "politie_registratie",
        "burgerservicenummer",
    )
    for harmless in harmless_names:
        assert forbidden_category(harmless) is None, harmless


def test_forbidden_category_list_names_the_six_of_the_contract() -> None:
    assert {
        "nationaliteit",
        "geboorteland",
        "etniciteit",
        "religie",
        "gezondheid",
        "geslacht",
    } <= set(FORBIDDEN_CATEGORIES)


def test_unknown_columns_are_not_kept_and_are_named() -> None:
    result = run(
        "toeslag",
        [
            ["bsn", " Opmerking ", "toeslag", "toeslag partner bsn"],
            [VALID_BSN, "vrij", "huurtoeslag", OTHER_BSN],
        ],
    )
    assert result.accepted
    assert result.unknown_columns == ["Opmerking", "toeslag partner bsn"]
    assert "Opmerking" not in result.rows.columns
    assert result.rows.columns.tolist() == ["bsn", "toeslag", "toeslagpartner_bsn", "row_number"]
    lines = _report_lines(result)
    assert ["", "Opmerking", "", ONBEKENDE_KOLOM.format(kolom="Opmerking")] in lines
    assert [
        "",
        "toeslag partner bsn",
        "",
        ONBEKENDE_KOLOM_BEDOELD.format(kolom="toeslag partner bsn", bedoeld="toeslagpartner_bsn"),
    ] in lines


def test_nameless_column_with_values_is_named_by_position() -> None:
    result = run("toeslag", [["bsn", "", "toeslag"], [VALID_BSN, "iets", "zorgtoeslag"]])
    assert result.accepted
    assert result.unknown_columns == [KOLOM_ZONDER_NAAM.format(nummer=2)]


def test_duplicate_column_rejects() -> None:
    result = run("toeslag", [["bsn", "toeslag", "BSN "], [VALID_BSN, "zorgtoeslag", VALID_BSN]])
    assert result.fatal_errors == [DUBBELE_KOLOM.format(kolom="bsn")]
    assert not result.accepted


def test_header_without_data_rows_is_rejected() -> None:
    for rows in ([["bsn", "toeslag"]], [["bsn", "toeslag"], ["", ""], ["  ", " "]]):
        result = run("toeslag", rows)
        assert not result.accepted
        assert result.fatal_errors == [GEEN_GEGEVENSRIJEN]
        assert result.total_rows == 0
    assert GEEN_GEGEVENSRIJEN == "Het bestand bevat alleen een kopregel en geen gegevensrijen."


# --- BSN ----------------------------------------------------------------------------------------


def test_bsn_rules() -> None:
    result = toeslag(
        VALID_BSN,  # row 2
        f" {VALID_BSN_8} ",  # 3: 8 digits, padded
        "000000000",  # 4
        "123456789",  # 5: fails the elfproef
        "1234567",  # 6: too short
        "1234567820",  # 7: too long
        "12345678a",  # 8
        "123 456 782",  # 9: spaces are not digits
        "",  # 10: missing
        "=123456782",  # 11: a formula
        "00000000",  # 12: 8 zeros padded to 000000000
    )
    reasons = {issue.row_number: issue.reason for issue in result.issues}
    assert reasons == {
        4: BSN_NULLEN,
        5: BSN_ELFPROEF,
        6: BSN_GEEN_9_CIJFERS,
        7: BSN_GEEN_9_CIJFERS,
        8: BSN_GEEN_9_CIJFERS,
        9: BSN_GEEN_9_CIJFERS,
        10: WAARDE_ONTBREEKT,
        11: FORMULE_IN_CEL,
        12: BSN_NULLEN,
    }
    assert not result.accepted  # 9 of 11 rows invalid
    valid = run(
        "toeslag", [["bsn", "toeslag"], [VALID_BSN, "zorgtoeslag"], [VALID_BSN_8, "huurtoeslag"]]
    )
    assert valid.rows["bsn"].tolist() == [VALID_BSN, "0" + VALID_BSN_8]


def test_invalid_optional_bsn_makes_the_row_invalid() -> None:
    rows = [["bsn", "toeslag", "toeslagpartner_bsn"]]
    rows += [[bsn, "zorgtoeslag", ""] for bsn in make_bsns(25)]
    rows.append([VALID_BSN, "zorgtoeslag", "123456789"])
    result = run("toeslag", rows)
    assert result.accepted and result.invalid_rows == 1
    assert only_issue(result) == RowIssue(27, "toeslagpartner_bsn", "******789", BSN_ELFPROEF)


@settings(max_examples=500, deadline=None, database=None)
@given(st.text(alphabet="0123456789", min_size=9, max_size=9))
def test_elfproef_matches_stdnum_for_nine_digits(digits: str) -> None:
    expected = stdnum_bsn.is_valid(digits) and digits != "000000000"
    assert is_valid_bsn(digits) is expected
    result = toeslag(digits)
    assert (result.invalid_rows == 0) is expected


@settings(max_examples=300, deadline=None, database=None)
@given(st.text(alphabet="0123456789", min_size=8, max_size=8))
def test_eight_digits_are_padded_before_the_elfproef(digits: str) -> None:
    padded = "0" + digits
    expected = stdnum_bsn.is_valid(padded) and padded != "000000000"
    assert normalise_bsn(digits) == (padded if expected else None)


@settings(
    max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(st.lists(st.text(max_size=12), min_size=1, max_size=40))
def test_vectorised_bsn_check_equals_the_scalar_one(values: list[str]) -> None:
    spec = SOURCES["toeslag"].column("bsn")
    series = pd.Series([value.strip() for value in values], dtype="str")
    present = (series != "").to_numpy()
    checked = validation._check_bsn(series, present, spec)
    for position, value in enumerate(values):
        scalar = normalise_bsn(value) if value.strip() else None
        assert bool(checked.valid[position]) is (scalar is not None), value
        if scalar is not None:
            assert checked.values.iloc[position] == scalar


def test_stdnum_agrees_on_the_known_values() -> None:
    assert stdnum_bsn.is_valid(VALID_BSN) and stdnum_bsn.is_valid("0" + VALID_BSN_8)
    assert not stdnum_bsn.is_valid("123456789")


# --- address ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("postcode", "huisnummer", "huisletter", "toevoeging", "key"),
    [
        ("5911MV", "43", "", "BIS", "5911MV|43||BIS"),
        (" 5911 mv ", "043", "", " bis ", "5911MV|43||BIS"),
        ("5911\u00a0MV", "43", " ", "b is", "5911MV|43||BIS"),
        ("5911 m v", "43", "", "BiS", "5911MV|43||BIS"),
        ("1234ab", "1", "a", "", "1234AB|1|A|"),
        ("9999ZZ", "99999", "Z", "1a2B", "9999ZZ|99999|Z|1A2B"),
    ],
)
def test_address_normalisation(
    postcode: str, huisnummer: str, huisletter: str, toevoeging: str, key: str
) -> None:
    result = run(
        "signaal",
        [
            ["postcode", "huisnummer", "huisletter", "huisnummertoevoeging", "signaal"],
            [postcode, huisnummer, huisletter, toevoeging, "overlast"],
        ],
    )
    assert result.accepted, result.issues
    assert result.rows.loc[0, "address"] == key
    assert address_key(postcode, huisnummer, huisletter, toevoeging) == key


@pytest.mark.parametrize(
    ("column", "value", "reason"),
    [
        ("postcode", "0123AB", POSTCODE_ONGELDIG),
        ("postcode", "123AB", POSTCODE_ONGELDIG),
        ("postcode", "1234A", POSTCODE_ONGELDIG),
        ("postcode", "1234ABC", POSTCODE_ONGELDIG),
        ("postcode", "1234ÄB", POSTCODE_ONGELDIG),
        ("postcode", "AB1234", POSTCODE_ONGELDIG),
        ("huisnummer", "0", HUISNUMMER_ONGELDIG),
        ("huisnummer", "100000", HUISNUMMER_ONGELDIG),
        ("huisnummer", "-1", HUISNUMMER_ONGELDIG),
        ("huisnummer", "12a", HUISNUMMER_ONGELDIG),
        ("huisnummer", "4.5", HUISNUMMER_ONGELDIG),
        ("huisnummer", "=1+1", FORMULE_IN_CEL),
        ("huisletter", "ab", HUISLETTER_ONGELDIG),
        ("huisletter", "1", HUISLETTER_ONGELDIG),
        ("huisnummertoevoeging", "ABCDE", TOEVOEGING_ONGELDIG),
        ("huisnummertoevoeging", "-2", TOEVOEGING_ONGELDIG),
        ("huisnummertoevoeging", "2/3", TOEVOEGING_ONGELDIG),
    ],
)
def test_invalid_address_parts(column: str, value: str, reason: str) -> None:
    result = run("brp", [BRP_HEADER, brp_row(**{column: value})])
    assert only_issue(result) == RowIssue(2, column, mask_value(None, value), reason)
    assert not result.accepted  # 1 of 1 rows


def test_huisnummer_bounds_are_accepted() -> None:
    result = run(
        "brp", [BRP_HEADER, brp_row(huisnummer="1"), brp_row(bsn=OTHER_BSN, huisnummer="99999")]
    )
    assert result.accepted
    assert result.rows["huisnummer"].tolist() == [1, 99999]


def test_address_by_nummeraanduiding_when_the_project_has_bag() -> None:
    header = [
        "bsn",
        "nummeraanduiding_id",
        "postcode",
        "huisnummer",
        "geboortedatum",
        "datum_inschrijving_adres",
    ]
    bsns = make_bsns(44)
    rows = [
        header,
        [bsns[0], "0983200000000001", "", "", "1980-01-01", "2020-01-01"],  # by BAG id
        [bsns[1], "", "5911MV", "43", "1980-01-01", "2020-01-01"],  # by address
        [bsns[2], "0983200000000002", "5911 mv", "4", "1980-01-01", "2020-01-01"],  # both
        [bsns[3], "", "5911MV", "", "1980-01-01", "2020-01-01"],  # incomplete, no id
    ]
    # 40 more valid rows keep the single invalid row under 5 %.
    rows += [[bsn, "", "5911MV", "1", "1980-01-01", "2020-01-01"] for bsn in bsns[4:]]
    result = run("brp", rows, allowed=True)
    assert [(issue.row_number, issue.column, issue.reason) for issue in result.issues] == [
        (5, "huisnummer", ADRES_ONTBREEKT)
    ]
    rows_by_number = result.rows.set_index("row_number")
    assert rows_by_number.loc[2, "nummeraanduiding_id"] == "0983200000000001"
    assert pd.isna(rows_by_number.loc[2, "address"])
    assert rows_by_number.loc[3, "address"] == "5911MV|43||"
    assert rows_by_number.loc[4, "address"] == "5911MV|4||"

    without_bag = run("brp", rows, allowed=False)
    assert [(issue.row_number, issue.column, issue.reason) for issue in without_bag.issues] == [
        (2, "postcode", WAARDE_ONTBREEKT),
        (2, "huisnummer", WAARDE_ONTBREEKT),
        (5, "huisnummer", WAARDE_ONTBREEKT),
    ]


def test_only_nummeraanduiding_column() -> None:
    rows = [
        ["nummeraanduiding_id", "jaar", "elektriciteit_kwh"],
        ["0983200000000001", "2025", "0"],
        ["", "2025", "5"],
    ]
    rows += [["0983200000000002", str(year), "10"] for year in range(2000, 2025)]
    result = run("energie", rows, allowed=True)
    assert [(issue.row_number, issue.column, issue.reason) for issue in result.issues] == [
        (3, "nummeraanduiding_id", ADRES_ONTBREEKT)
    ]
    refused = run("energie", rows, allowed=False)
    assert refused.fatal_errors == [
        ONTBREKENDE_ADRESKOLOM.format(kolom="postcode"),
        ONTBREKENDE_ADRESKOLOM.format(kolom="huisnummer"),
    ]


def test_bag_always_needs_postcode_and_huisnummer() -> None:
    result = run(
        "bag",
        [
            ["nummeraanduiding_id", "gebruiksdoel", "oppervlakte_m2"],
            ["0983200000000001", "woonfunctie", "50"],
        ],
    )
    assert result.fatal_errors == [
        ONTBREKENDE_KOLOM.format(kolom="postcode"),
        ONTBREKENDE_KOLOM.format(kolom="huisnummer"),
    ]


@pytest.mark.parametrize("value", ["098320000000001", "09832000000000011", "0983-2000-0000-0001"])
def test_nummeraanduiding_needs_16_digits(value: str) -> None:
    rows = [["nummeraanduiding_id", "signaal"], [value, "overlast"]]
    assert only_issue(run("signaal", rows)).reason == NUMMERAANDUIDING_ONGELDIG


# --- other types --------------------------------------------------------------------------------


def _kvk(value: str) -> ValidationResult:
    return run("kvk", [["kvk_nummer", "postcode", "huisnummer"], [value, "1234AB", "1"]])


def test_kvk_nummer() -> None:
    assert _kvk(" 01234567 ").rows["kvk_nummer"].tolist() == ["01234567"]
    for value in ("1234567", "123456789", "1234 5678", "K1234567"):
        assert only_issue(_kvk(value)).reason == KVK_ONGELDIG


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-02-29", "2024-02-29"),
        ("29-02-2024", "2024-02-29"),
        (" 01-12-1999 ", "1999-12-01"),
        ("1800-01-01", "1800-01-01"),
    ],
)
def test_both_date_forms(value: str, expected: str) -> None:
    result = run("brp", [BRP_HEADER, brp_row(geboortedatum=value)])
    assert result.accepted, result.issues
    assert result.rows.loc[0, "geboortedatum"] == pd.Timestamp(expected)
    assert result.rows["geboortedatum"].dtype == "datetime64[ns]"
    assert result.rows.loc[0, "datum_inschrijving_adres"] == pd.Timestamp("2020-02-01")


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("2023-02-29", DATUM_BESTAAT_NIET),
        ("29-02-2023", DATUM_BESTAAT_NIET),
        ("31-04-2020", DATUM_BESTAAT_NIET),
        ("2020-13-01", DATUM_BESTAAT_NIET),
        ("00-01-2020", DATUM_BESTAAT_NIET),
        ("0000-00-00", DATUM_BESTAAT_NIET),
        ("1799-12-31", DATUM_BUITEN_BEREIK),
        ("9999-12-31", DATUM_BUITEN_BEREIK),
        ("2020/01/01", DATUM_VORM),
        ("01.01.2020", DATUM_VORM),
        ("1-2-2020", DATUM_VORM),
        ("20200101", DATUM_VORM),
        ("2020-01-01 00:00", DATUM_VORM),
        ("1 januari 2020", DATUM_VORM),
    ],
)
def test_invalid_dates(value: str, reason: str) -> None:
    assert only_issue(run("brp", [BRP_HEADER, brp_row(geboortedatum=value)])).reason == reason


@settings(max_examples=300, deadline=None, database=None)
@given(
    year=st.integers(0, 9999),
    month=st.integers(0, 19),
    day=st.integers(0, 39),
    dutch=st.booleans(),
)
def test_dates_match_the_python_calendar(year: int, month: int, day: int, dutch: bool) -> None:
    import datetime as dt

    text = f"{day:02d}-{month:02d}-{year:04d}" if dutch else f"{year:04d}-{month:02d}-{day:02d}"
    try:
        expected: dt.date | None = dt.date(year, month, day)
    except ValueError:
        expected = None
    values = pd.Series([text], dtype="str")
    checked = validation._check_date(
        values, np.array([True]), SOURCES["brp"].column("geboortedatum")
    )
    reasons = [reason for mask, reason in checked.failures if mask[0]]
    if not 1800 <= year <= 2199:
        assert reasons[:1] in ([DATUM_BUITEN_BEREIK], [DATUM_BESTAAT_NIET])
    elif expected is None:
        assert reasons[:1] == [DATUM_BESTAAT_NIET]
    else:
        assert reasons == []
        assert checked.values.iloc[0] == pd.Timestamp(expected)


def test_enumerations_are_case_folded_to_their_canonical_form() -> None:
    rows = [["bsn", "regeling", "leefvorm", "ingangsdatum"]]
    bsns = make_bsns(30)
    rows += [
        [bsns[0], " ww ", "ALLEENSTAANDE OUDER", ""],
        [bsns[1], "Wajong", "Samenwonend", "2020-01-01"],
        [bsns[2], "pw", "alleenstaand", ""],
        [bsns[3], "bijstand", "alleen staand", ""],
    ]
    rows += [[bsn, "AOW", "samenwonend", ""] for bsn in bsns[4:]]
    result = run("uitkering", rows)
    assert result.accepted
    assert result.rows["regeling"].tolist()[:3] == ["WW", "WAJONG", "PW"]
    assert result.rows["leefvorm"].tolist()[:3] == [
        "alleenstaande ouder",
        "samenwonend",
        "alleenstaand",
    ]
    assert [(issue.row_number, issue.column, issue.reason) for issue in result.issues] == [
        (
            5,
            "regeling",
            WAARDE_NIET_TOEGESTAAN.format(
                toegestaan="WW, WIA, WAJONG, ZW, IOW, AOW, ANW, PW, IOAW, IOAZ"
            ),
        ),
        (
            5,
            "leefvorm",
            WAARDE_NIET_TOEGESTAAN.format(
                toegestaan="alleenstaand, alleenstaande ouder, samenwonend"
            ),
        ),
    ]


def _bag(**changes: str) -> ValidationResult:
    row = {
        "postcode": "1234AB",
        "huisnummer": "1",
        "gebruiksdoel": "woonfunctie",
        "oppervlakte_m2": "60",
    }
    row.update(changes)
    return run("bag", [list(row), list(row.values())], delimiter=",")


def test_gebruiksdoel_may_hold_several_values() -> None:
    result = _bag(gebruiksdoel="Woonfunctie, winkelfunctie,woonfunctie,")
    assert result.rows.loc[0, "gebruiksdoel"] == "woonfunctie,winkelfunctie"
    assert (
        _bag(gebruiksdoel="overige gebruiksfunctie").rows.loc[0, "gebruiksdoel"]
        == "overige gebruiksfunctie"
    )
    for bad in ("woonfunctie,garage", "sportfunctie", ",", "woonfunctie;winkelfunctie"):
        assert only_issue(_bag(gebruiksdoel=bad)).reason.startswith("Waarde is niet toegestaan.")


def test_integers() -> None:
    assert _bag(oppervlakte_m2="1").rows.loc[0, "oppervlakte_m2"] == 1
    assert _bag(oppervlakte_m2="1").rows["oppervlakte_m2"].dtype == "int64"
    for bad, reason in (
        ("0", GETAL_GROTER_DAN_NUL),
        ("-5", GETAL_GROTER_DAN_NUL),
        ("12.5", GETAL_GROTER_DAN_NUL),
        ("1e3", GETAL_GROTER_DAN_NUL),
        ("9999999999", GETAL_TE_GROOT),
    ):
        assert only_issue(_bag(oppervlakte_m2=bad)).reason == reason

    def energie(kwh: str, gas: str = "") -> ValidationResult:
        return run(
            "energie",
            [
                ["postcode", "huisnummer", "jaar", "elektriciteit_kwh", "gas_m3"],
                ["1234AB", "1", "2025", kwh, gas],
            ],
        )

    ok = energie("0", "12")
    assert ok.rows.loc[0, "elektriciteit_kwh"] == 0 and ok.rows.loc[0, "gas_m3"] == 12
    assert ok.rows["elektriciteit_kwh"].dtype == "int64" and ok.rows["jaar"].dtype == "int64"
    assert only_issue(energie("-1")).reason == GETAL_NUL_OF_GROTER
    assert only_issue(energie("1,5")).reason == GETAL_NUL_OF_GROTER
    assert only_issue(energie("5", "-3")).reason == GETAL_NUL_OF_GROTER
    bad_year = run(
        "energie",
        [["postcode", "huisnummer", "jaar", "elektriciteit_kwh"], ["1234AB", "1", "25", "5"]],
    )
    assert only_issue(bad_year).reason == JAAR_ONGELDIG


def test_bag_optional_columns() -> None:
    result = _bag(x="209111,6", y="375912.2", buurtcode="bu09830108")
    assert result.rows.loc[0, "x"] == 209112 and result.rows.loc[0, "y"] == 375912
    assert result.rows.loc[0, "buurtcode"] == "BU09830108"
    assert only_issue(_bag(x="noord")).reason == COORDINATE_REASON
    assert only_issue(_bag(buurtcode="0983")).reason == BUURTCODE_ONGELDIG


COORDINATE_REASON = COORDINAAT_ONGELDIG


def test_text_rules_and_formula_like_text() -> None:
    header = ["postcode", "huisnummer", "signaal"]
    rows = [header] + [["1234AB", str(number), "overlast"] for number in range(1, 40)]
    rows += [
        ["1234AB", "40", '=HYPERLINK("http://x")'],  # row 41: kept as text, with a warning
        ["1234AB", "41", "x" * 501],  # row 42
        ["1234AB", "42", "bel\x07"],  # row 43
    ]
    result = run("signaal", rows)
    assert result.accepted
    assert [(issue.row_number, issue.reason) for issue in result.issues] == [
        (42, TEKST_TE_LANG.format(maximum=500)),
        (43, TEKST_BESTURINGSTEKENS),
    ]
    assert result.warnings == [
        RowIssue(41, "signaal", '=HYPERLINK("http://x")', FORMULE_ALS_TEKST.format(teken="="))
    ]
    assert result.rows.set_index("row_number").loc[41, "signaal"] == '=HYPERLINK("http://x")'
    lines = _report_lines(result)
    assert [
        "41",
        "signaal",
        '\'=HYPERLINK("http://x")',
        FORMULE_ALS_TEKST.format(teken="="),
    ] in lines


def test_row_with_more_values_than_columns_is_invalid() -> None:
    data = b"bsn;toeslag\n123456782;zorgtoeslag\n111222333;huur;toeslag\n"
    table = read_table(data, "toeslag.csv")
    result = validate_delivery("toeslag", table, address_by_nummeraanduiding_allowed=False)
    assert [(issue.row_number, issue.column, issue.reason) for issue in result.issues] == [
        (
            3,
            "toeslag",
            WAARDE_NIET_TOEGESTAAN.format(
                toegestaan="huurtoeslag, zorgtoeslag, kinderopvangtoeslag, kindgebonden budget"
            ),
        ),
        (3, KOLOM_BUITEN_KOPREGEL, TE_VEEL_WAARDEN),
    ]


def test_row_numbers_follow_the_spreadsheet_with_quoted_newlines_and_blank_lines() -> None:
    data = (
        b"postcode;huisnummer;signaal\r\n"
        b'1234AB;1;"twee\r\nregels"\r\n'  # one spreadsheet row (2)
        b"\r\n"  # an empty row (3)
        b"1234AB;0;overlast\r\n"  # row 4
    )
    result = validate_delivery(
        "signaal", read_table(data, "s.csv"), address_by_nummeraanduiding_allowed=False
    )
    assert only_issue(result).row_number == 4
    assert result.total_rows == 2


# --- the 5 % rule -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "invalid", "accepted"),
    [(20, 1, True), (19, 1, False), (100, 5, True), (100, 6, False), (1, 0, True)],
)
def test_more_than_five_percent_invalid_rows_rejects(
    total: int, invalid: int, accepted: bool
) -> None:
    rows = [["bsn", "toeslag"]]
    bsns = make_bsns(total)
    rows += [[bsn, "zorgtoeslag"] for bsn in bsns[invalid:]]
    rows += [["123456789", "zorgtoeslag"]] * invalid
    result = run("toeslag", rows)
    assert result.accepted is accepted
    assert (result.total_rows, result.valid_rows, result.invalid_rows) == (
        total,
        total - invalid,
        invalid,
    )
    assert len(result.issues) == invalid
    if accepted:
        assert result.fatal_errors == []
        assert len(result.rows) == total - invalid
        assert result.rows["row_number"].tolist() == list(range(2, 2 + total - invalid))
    else:
        assert result.rows.empty
        assert result.fatal_errors == [
            TE_VEEL_ONGELDIGE_RIJEN.format(
                ongeldig=invalid,
                totaal=total,
                percentage=f"{100 * invalid / total:.1f}".replace(".", ","),
                grens=5,
            )
        ]


def test_rejection_message_text() -> None:
    result = toeslag(VALID_BSN, "1")
    assert result.fatal_errors == [
        "1 van de 2 rijen zijn ongeldig (50,0 %). Bij meer dan 5 % ongeldige rijen wordt de hele "
        "levering geweigerd; er is niets opgeslagen."
    ]


# --- masking and the report ---------------------------------------------------------------------


def test_mask_value() -> None:
    assert mask_value(ColumnType.BSN, "123456789") == "******789"
    assert mask_value("bsn", "12345678901234567890") == "*****************890"
    assert mask_value(ColumnType.BSN, "1234") == "****"
    assert mask_value(ColumnType.BSN, "") == ""
    assert mask_value(ColumnType.DATE, "123456782") == "******782"  # a BSN in the wrong column
    assert mask_value(None, "x" * 100) == "x" * 39 + "…"
    assert mask_value(ColumnType.TEXT, "a\r\nb") == "a  b"
    assert mask_value(ColumnType.POSTCODE, "1234 ab") == "1234 ab"


_ELFPROEF_CANDIDATE = re.compile(r"(?<![0-9])[0-9]{8,9}(?![0-9])")


def _report_lines(result: ValidationResult) -> list[list[str]]:
    data = report_csv(result)
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(data[3:].decode("utf-8"), newline=""), delimiter=";"))


def test_report_csv() -> None:
    rows = [["bsn", "toeslag", "toeslagpartner_bsn", "opmerking"]]
    rows += [[bsn, "zorgtoeslag", "", ""] for bsn in make_bsns(40)]
    rows += [
        ["123456789", "zorgtoeslag", "", "=1+1"],
        [VALID_BSN, 'zorg;toeslag "x"', "987654321", ""],
    ]
    result = run("toeslag", rows)
    assert result.accepted
    lines = _report_lines(result)
    assert lines[0] == list(REPORT_HEADER) == ["rij", "kolom", "waarde", "reden"]
    assert lines[1:] == [
        ["", "opmerking", "", ONBEKENDE_KOLOM.format(kolom="opmerking")],
        ["42", "bsn", "******789", BSN_ELFPROEF],
        [
            "43",
            "toeslag",
            'zorg;toeslag "x"',
            WAARDE_NIET_TOEGESTAAN.format(
                toegestaan="huurtoeslag, zorgtoeslag, kinderopvangtoeslag, kindgebonden budget"
            ),
        ],
        ["43", "toeslagpartner_bsn", "******321", BSN_ELFPROEF],
    ]
    text = report_csv(result).decode("utf-8-sig")
    assert '"zorg;toeslag ""x"""' in text  # RFC 4180 quoting
    assert "\r\n" in text
    assert not _ELFPROEF_CANDIDATE.search(text)


def test_report_data_is_json_and_masked() -> None:
    result = toeslag(*make_bsns(30), "123456789")
    data = report_data(result)
    assert json.loads(json.dumps(data)) == data
    assert data["accepted"] is True and data["invalid_rows"] == 1
    assert data["issues"] == [
        {"row": 32, "column": "bsn", "value": "******789", "reason": BSN_ELFPROEF}
    ]


def test_rejected_report_says_why_and_names_the_column() -> None:
    result = run("toeslag", [["bsn", "Geslacht "], [VALID_BSN, "v"]])
    lines = _report_lines(result)
    assert lines[1:] == [
        ["", "Geslacht", "", VERBODEN_KOLOM.format(kolom="Geslacht", categorie="geslacht")],
        ["", "toeslag", "", ONTBREKENDE_KOLOM.format(kolom="toeslag")],
    ]
    duplicate = run("toeslag", [["bsn", "toeslag", "BSN"], [VALID_BSN, "zorgtoeslag", "x"]])
    assert duplicate.fatal_errors == [DUBBELE_KOLOM.format(kolom="bsn")]
    assert duplicate.fatal_columns == ["bsn"]
    too_many = toeslag(*(["12"] * 3), VALID_BSN)
    assert too_many.fatal_columns == [""]


@settings(
    max_examples=200, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(st.text(min_size=1, max_size=30))
def test_report_never_starts_a_cell_with_a_formula_trigger(value: str) -> None:
    assume("\x00" not in value)
    result = ValidationResult(
        source="signaal",
        accepted=True,
        fatal_errors=[value],
        unknown_columns=[value],
        issues=[RowIssue(2, value, value, value)],
        rows=pd.DataFrame(),
        total_rows=1,
        valid_rows=0,
        invalid_rows=1,
    )
    for line in _report_lines(result):
        for cell in line:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell


def test_neutralise_cell() -> None:
    assert neutralise_cell("=1+1") == "'=1+1"
    assert neutralise_cell("-5") == "'-5"
    assert neutralise_cell("@SUM(A1)") == "'@SUM(A1)"
    assert neutralise_cell("veilig") == "veilig"
    assert neutralise_cell(None) == ""


# --- spreadsheets and plain DataFrames ----------------------------------------------------------


def test_xlsx_delivery_with_number_and_date_cells() -> None:
    import datetime as dt

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["BSN", "Postcode", "Huisnummer", "Geboortedatum", "Datum_inschrijving_adres"])
    sheet.append([71490504, "5911 mv", 43, dt.date(1980, 2, 29), dt.datetime(2020, 1, 2)])
    sheet.append([123456782.0, "5911MV", 43.0, "29-02-1980", "2020-01-02"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    table = read_table(buffer.getvalue(), "brp.xlsx")
    result = validate_delivery("brp", table, address_by_nummeraanduiding_allowed=False)
    assert result.accepted, result.issues
    assert result.rows["bsn"].tolist() == ["071490504", "123456782"]
    assert result.rows["address"].tolist() == ["5911MV|43||", "5911MV|43||"]
    assert result.rows["geboortedatum"].tolist() == [pd.Timestamp("1980-02-29")] * 2
    assert result.rows["row_number"].tolist() == [2, 3]


def test_plain_dataframe_rows_are_numbered_from_two() -> None:
    table = pd.DataFrame(
        {
            "bsn": [VALID_BSN, 123456789, None],
            "toeslag": ["zorgtoeslag", "zorgtoeslag", "huurtoeslag"],
        }
    )
    result = validate_delivery("toeslag", table, address_by_nummeraanduiding_allowed=False)
    assert [(issue.row_number, issue.reason) for issue in result.issues] == [
        (3, BSN_ELFPROEF),
        (4, WAARDE_ONTBREEKT),
    ]


def test_unknown_source_is_a_programming_error() -> None:
    with pytest.raises(ValueError):
        validate_delivery("paspoort", pd.DataFrame(), address_by_nummeraanduiding_allowed=False)


_ROWS_COLUMNS = {
    "eigendom": [
        "nummeraanduiding_id",
        "postcode",
        "huisnummer",
        "huisletter",
        "huisnummertoevoeging",
        "eigenaar_id",
        "eigenaar_soort",
        "datum_eigendom",
        "address",
        "row_number",
    ],
    "bag": [
        "nummeraanduiding_id",
        "postcode",
        "huisnummer",
        "huisletter",
        "huisnummertoevoeging",
        "straatnaam",
        "woonplaats",
        "gebruiksdoel",
        "oppervlakte_m2",
        "x",
        "y",
        "buurtcode",
        "address",
        "row_number",
    ],
    "brp": [
        "bsn",
        "nummeraanduiding_id",
        "postcode",
        "huisnummer",
        "huisletter",
        "huisnummertoevoeging",
        "geboortedatum",
        "datum_inschrijving_adres",
        "address",
        "row_number",
    ],
    "uitkering": ["bsn", "regeling", "leefvorm", "ingangsdatum", "row_number"],
    "toeslag": ["bsn", "toeslag", "toeslagpartner_bsn", "row_number"],
    "huur": [
        "nummeraanduiding_id",
        "postcode",
        "huisnummer",
        "huisletter",
        "huisnummertoevoeging",
        "huurder_bsn",
        "ingangsdatum_huur",
        "sociale_huur",
        "address",
        "row_number",
    ],
    "kvk": [
        "kvk_nummer",
        "nummeraanduiding_id",
        "postcode",
        "huisnummer",
        "huisletter",
        "huisnummertoevoeging",
        "sbi_code",
        "datum_inschrijving",
        "address",
        "row_number",
    ],
    "energie": [
        "nummeraanduiding_id",
        "postcode",
        "huisnummer",
        "huisletter",
        "huisnummertoevoeging",
        "jaar",
        "elektriciteit_kwh",
        "gas_m3",
        "address",
        "row_number",
    ],
    "signaal": [
        "nummeraanduiding_id",
        "postcode",
        "huisnummer",
        "huisletter",
        "huisnummertoevoeging",
        "signaal",
        "datum",
        "address",
        "row_number",
    ],
}


@pytest.mark.parametrize("source", sorted(SOURCES))
def test_rows_have_canonical_columns_even_when_rejected(source: str) -> None:
    result = run(source, [["iets"], ["x"]])
    assert not result.accepted
    assert result.rows.columns.tolist() == _ROWS_COLUMNS[source]
    assert formats.SOURCE_LABELS[source]


# --- the wijk-300 sample ------------------------------------------------------------------------


def _sample(name: str) -> ValidationResult:
    table = read_table((FIXTURES / name).read_bytes(), name)
    return validate_delivery(SAMPLE_SOURCES[name], table, address_by_nummeraanduiding_allowed=True)


def test_every_sample_file_is_accepted_with_the_expected_counts() -> None:
    meta = json.loads((FIXTURES / "expected.json").read_text())["meta"]
    assert set(meta["rows"]) == set(SAMPLE_SOURCES)
    for name in SAMPLE_SOURCES:
        result = _sample(name)
        assert result.accepted, (name, result.fatal_errors)
        assert result.total_rows == meta["rows"][name], name
        assert result.unknown_columns == [], name
        assert len(result.rows) == result.valid_rows
    brp = _sample("brp.csv")
    assert brp.invalid_rows == meta["invalid_brp_rows"] == 3
    assert len(brp.rows) == meta["persons"] == 617
    assert {issue.reason for issue in brp.issues} == {BSN_ELFPROEF}


def test_sample_addresses_match_expected_keys() -> None:
    expected = json.loads((FIXTURES / "expected.json").read_text())
    bag = _sample("bag.csv").rows
    assert bag["address"].nunique() == expected["meta"]["addresses"] == 300
    assert set(expected["fired"]) <= set(bag["address"])
    # Energy rows keyed by BAG id all resolve through the bag delivery.
    energie = _sample("energie.csv").rows
    by_id = energie["address"].isna()
    assert by_id.any()
    assert set(energie.loc[by_id, "nummeraanduiding_id"]) <= set(bag["nummeraanduiding_id"])


def test_sample_bsns_are_padded_and_valid() -> None:
    for name in ("brp.csv", "toeslag.csv", "uitkering_svb.csv", "huur.csv"):
        rows = _sample(name).rows
        for column in ("bsn", "toeslagpartner_bsn", "huurder_bsn"):
            if column in rows:
                values = rows[column].dropna()
                assert values.str.fullmatch(r"[0-9]{9}").all()
                assert all(stdnum_bsn.is_valid(value) for value in values)
    assert "071490504" in set(_sample("toeslag.csv").rows["bsn"])


def test_the_formula_in_the_sample_is_kept_as_text_and_neutralised_in_the_report() -> None:
    result = _sample("kvk.csv")
    assert result.accepted and result.invalid_rows == 0
    assert len(result.warnings) == 15
    assert {warning.column for warning in result.warnings} == {"sbi_code"}
    assert (result.rows["sbi_code"] == "=1+1").sum() == 15
    cells = [cell for line in _report_lines(result) for cell in line]
    assert "'=1+1" in cells
    assert not any(cell.startswith("=") for cell in cells)


# --- robustness and speed -----------------------------------------------------------------------

_cell = st.one_of(
    st.text(max_size=12),
    st.sampled_from(
        [
            "",
            " ",
            VALID_BSN,
            VALID_BSN_8,
            "000000000",
            "1234 ab",
            "43",
            "a",
            "bis",
            "2020-02-30",
            "31-12-2020",
            "WW",
            "ja",
            "woonfunctie,",
            "=1+1",
            "0983200000000001",
            "-1",
            "9" * 12,
        ]
    ),
)


@settings(
    max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(source=st.sampled_from(sorted(SOURCES)), data=st.data(), allowed=st.booleans())
def test_validation_never_crashes_and_keeps_its_invariants(
    source: str, data: st.DataObject, allowed: bool
) -> None:
    spec = SOURCES[source]
    columns = data.draw(
        st.lists(st.sampled_from([*spec.column_names, "extra"]), unique=True, min_size=1)
    )
    height = data.draw(st.integers(0, 8))
    table = pd.DataFrame(
        {
            column: data.draw(st.lists(_cell, min_size=height, max_size=height))
            for column in columns
        },
        dtype="str",
    )
    result = validate_delivery(source, table, address_by_nummeraanduiding_allowed=allowed)
    assert result.valid_rows + result.invalid_rows == result.total_rows or result.fatal_errors
    if result.accepted:
        assert result.invalid_rows * 100 <= result.total_rows * 5
        assert len(result.rows) == result.valid_rows
        for column in spec.columns:
            if column.type is ColumnType.BSN:
                assert all(is_valid_bsn(value) for value in result.rows[column.name].dropna())
    else:
        assert result.rows.empty and result.fatal_errors
    assert {issue.row_number for issue in result.issues} <= set(range(2, height + 2))
    for issue in result.issues:
        assert not _ELFPROEF_CANDIDATE.search(issue.value)
    report_csv(result)


def test_a_large_brp_delivery_validates_quickly() -> None:
    """100 000 rows must take well under a second on a laptop; the bound is generous for CI."""
    count = 100_000
    bsns = np.array(make_bsns(count, seed=3))
    lines = [
        "bsn;postcode;huisnummer;huisletter;huisnummertoevoeging;geboortedatum;datum_inschrijving_adres"
    ]
    numbers = np.arange(count)
    lines += [
        f"{bsn};{1000 + n % 9000} ab;{1 + n % 300};{'a' if n % 4 == 0 else ''};;"
        f"{1930 + n % 80}-0{1 + n % 9}-1{n % 10};1{n % 10}-0{1 + n % 9}-2020"
        for bsn, n in zip(bsns, numbers, strict=True)
    ]
    data = ("\ufeff" + "\r\n".join(lines)).encode()
    started = time.perf_counter()
    result = validate_delivery(
        "brp", read_table(data, "brp.csv"), address_by_nummeraanduiding_allowed=True
    )
    elapsed = time.perf_counter() - started
    assert result.accepted and result.valid_rows == count
    assert elapsed < 10, elapsed


# --- free-text BSNs (formats.md §4, issue #8 item 3) ----------------------------------------------

SIGNAAL_HEADER = ["postcode", "huisnummer", "signaal"]


def signaal(*texts: str) -> ValidationResult:
    return run("signaal", [SIGNAAL_HEADER, *[["5911 AB", "12", text] for text in texts]])


def digits_of(text: str) -> str:
    return re.sub(r"[^0-9]", "", text)


def test_a_bsn_in_free_text_is_replaced_and_the_row_warned_about_masked() -> None:
    texts = [
        "bewoner 111222333 verdacht",
        "bsn 111 222 333",
        "BSN: 111.222.333.",
        "tel 06 123456782",  # 9 digits passing the elfproef after another group
        "bel 0612345678",  # a phone number: 10 digits, not a BSN
        "kenmerk 123456789",  # 9 digits that fail the elfproef: no BSN
        "melding buren",
    ]
    result = signaal(*texts)
    assert result.accepted and result.invalid_rows == 0
    assert result.rows["signaal"].tolist() == [
        f"bewoner {validation.BSN_REDACTED} verdacht",
        f"bsn {validation.BSN_REDACTED}",
        f"BSN: {validation.BSN_REDACTED}.",
        f"tel 06 {validation.BSN_REDACTED}",
        "bel 0612345678",
        "kenmerk 123456789",
        "melding buren",
    ]
    assert [(w.row_number, w.column, w.reason) for w in result.warnings] == [
        (row, "signaal", validation.BSN_IN_TEKST) for row in (2, 3, 4, 5)
    ]
    assert [w.value for w in result.warnings] == [
        "bewoner ******333 verdacht",
        "bsn *** *** 333",
        "BSN: ***.***.333.",
        "tel ** ******782",
    ]
    report = report_csv(result).decode("utf-8-sig")
    assert "111222333" not in digits_of(report) and "123456782" not in digits_of(report)


def test_free_text_bsns_are_removed_in_every_text_column_of_every_source() -> None:
    text_columns = [
        (spec.code, column.name)
        for spec in SOURCES.values()
        for column in spec.columns
        if column.type is ColumnType.TEXT
    ]
    assert text_columns == [
        ("bag", "straatnaam"),
        ("bag", "woonplaats"),
        ("kvk", "sbi_code"),
        ("signaal", "signaal"),
    ]
    for source, name in text_columns:
        result = _valid_rows_with(source, name, ["x111222333"])  # fits sbi_code's 10 characters
        assert result.accepted, (source, result.fatal_errors, result.issues)
        assert result.rows[name].tolist() == [f"x{validation.BSN_REDACTED}"], source
        assert [w.reason for w in result.warnings] == [validation.BSN_IN_TEKST], source


_VALID_CELLS = {
    ColumnType.BSN: VALID_BSN,
    ColumnType.POSTCODE: "5911 AB",
    ColumnType.HUISNUMMER: "12",
    ColumnType.HUISLETTER: "a",
    ColumnType.TOEVOEGING: "bis",
    ColumnType.NUMMERAANDUIDING: "0983200000000001",
    ColumnType.KVK: "12345678",
    ColumnType.DATE: "31-01-2020",
    ColumnType.INT_POSITIVE: "40",
    ColumnType.INT_NON_NEGATIVE: "0",
    ColumnType.YEAR: "2025",
    ColumnType.COORDINATE: "209111",
    ColumnType.BUURTCODE: "BU09830101",
    ColumnType.TEXT: "tekst",
    ColumnType.OWNER_ID: VALID_BSN,  # with eigenaar_soort 'natuurlijk persoon' (allowed[0])
}


def _valid_rows_with(source: str, column: str, values: list[str]) -> ValidationResult:
    """A delivery of `source` with every column valid, and `values` in `column` (one per row)."""
    spec = SOURCES[source]
    header = list(spec.column_names)
    rows = []
    for value in values:
        row = [
            column_spec.allowed[0] if column_spec.allowed else _VALID_CELLS[column_spec.type]
            for column_spec in spec.columns
        ]
        row[header.index(column)] = value
        rows.append(row)
    return run(source, [header, *rows])


_SEPARATORS = ("", " ", ".", "  ", ". ", " . ", "\u00a0", " .")
_WORDS = st.text(alphabet="abcdefghijklmnopqrstuvwxyz :", max_size=12)


@settings(
    max_examples=200, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(
    target=st.sampled_from(
        [
            (spec.code, column.name, column.max_length or formats.TEXT_MAX_LENGTH)
            for spec in SOURCES.values()
            for column in spec.columns
            if column.type is ColumnType.TEXT
        ]
    ),
    bsn=st.sampled_from(make_bsns(200, seed=11) + ["012345672", "001234561"]),
    data=st.data(),
)
def test_hypothesis_separated_bsns_never_reach_the_rows_or_the_report(
    target: tuple[str, str, int], bsn: str, data: st.DataObject
) -> None:
    assume(normalise_bsn(bsn) == bsn)
    source, column, max_length = target
    budget = max_length - len(bsn)
    separators = []
    for _ in range(len(bsn) - 1):
        separator = data.draw(st.sampled_from([s for s in _SEPARATORS if len(s) <= budget]))
        budget -= len(separator)
        separators.append(separator)
    written = bsn[0] + "".join(sep + digit for sep, digit in zip(separators, bsn[1:], strict=True))
    prefix = data.draw(_WORDS.filter(lambda text: len(text) <= budget))
    suffix = data.draw(_WORDS.filter(lambda text: len(text) <= budget - len(prefix)))
    text = f"{prefix}{written}{suffix}"
    result = _valid_rows_with(source, column, [text])
    assert result.accepted, (text, result.issues)
    stored = result.rows[column].iloc[0]
    assert validation.BSN_REDACTED in stored and bsn not in digits_of(stored), (text, stored)
    [warning] = result.warnings
    assert warning.reason == validation.BSN_IN_TEKST and bsn not in digits_of(warning.value)
    assert bsn not in digits_of(report_csv(result).decode("utf-8-sig"))


def test_report_values_mask_digit_runs_also_when_spaced_or_dotted() -> None:
    assert mask_value(ColumnType.ENUM, "111 222 333") == "*** *** 333"
    assert mask_value(ColumnType.TEXT, "bsn 111.222.333 x") == "bsn ***.***.333 x"
    assert mask_value(ColumnType.DATE, "01-02-2020") == "01-02-2020"  # hyphens join nothing
    result = run("uitkering", [["bsn", "regeling", "leefvorm"], [VALID_BSN, "111 222 333", "x"]])
    assert {issue.value for issue in result.issues} == {"*** *** 333", "x"}


# --- bag straatnaam and woonplaats; the eigendom source -------------------------------------------


def test_bag_straatnaam_and_woonplaats_are_optional_text_columns_kept_for_the_vault() -> None:
    spec = SOURCES["bag"]
    for name in (formats.STRAATNAAM, formats.WOONPLAATS):
        column = spec.column(name)
        assert column.type is ColumnType.TEXT and not column.required and column.vault_only
    names = ["'s-Gravenweg", "Burgemeester de Withstraat", "x" * 81, *["Kerkstraat"] * 30]
    result = _valid_rows_with("bag", "straatnaam", names)
    assert result.rows["straatnaam"].tolist() == names[:2] + names[3:]
    assert [(i.row_number, i.reason) for i in result.issues] == [
        (4, TEKST_TE_LANG.format(maximum=80))
    ]
    assert not [c for c in SOURCES["bag"].columns if c.vault_only and c.required]


EIGENDOM_HEADER = ["postcode", "huisnummer", "eigenaar_id", "eigenaar_soort", "datum_eigendom"]


def eigendom(*rows: tuple[str, str]) -> ValidationResult:
    return run(
        "eigendom",
        [
            EIGENDOM_HEADER,
            *[["5911 AB", "12", owner, soort, "2020-01-31"] for owner, soort in rows],
        ],
    )


def test_eigendom_owner_is_a_bsn_or_a_kvk_nummer_as_its_soort_says() -> None:
    person = ("natuurlijk persoon", "Natuurlijk Persoon ", "rechtspersoon")
    rows = [
        (VALID_BSN, person[0]),
        (VALID_BSN_8, person[1]),  # a BSN that lost its leading zero, any case of the soort
        ("30123456", person[2]),
    ] + [(f"{n:08d}", person[2]) for n in range(60)]  # enough rows to stay under 5 % invalid
    ok = eigendom(*rows)
    assert ok.accepted and ok.invalid_rows == 0
    assert ok.rows["eigenaar_id"].tolist()[:3] == [VALID_BSN, "071490504", "30123456"]
    assert ok.rows["eigenaar_soort"].tolist()[:3] == ["natuurlijk persoon"] * 2 + [person[2]]
    bad = eigendom(
        *rows,
        ("123456789", person[0]),  # fails the elfproef
        ("30123456", person[0]),  # a kvk_nummer where a BSN is due
        (VALID_BSN, person[2]),  # a BSN where a kvk_nummer is due
    )
    assert [(i.row_number, i.column, i.value, i.reason) for i in bad.issues] == [
        (65, "eigenaar_id", "******789", BSN_ELFPROEF),
        (66, "eigenaar_id", "*****456", BSN_ELFPROEF),
        (67, "eigenaar_id", "******782", KVK_ONGELDIG),
    ]
    no_soort = eigendom(*rows, (VALID_BSN, ""), (VALID_BSN, "stichting"))
    assert [(i.column, i.reason) for i in no_soort.issues] == [
        ("eigenaar_soort", WAARDE_ONTBREEKT),
        ("eigenaar_soort", WAARDE_NIET_TOEGESTAAN.format(toegestaan=", ".join(person[::2]))),
    ]


def test_the_eigendom_sample_is_accepted() -> None:
    table = read_table((FIXTURES / "eigendom.csv").read_bytes(), "eigendom.csv")
    result = validate_delivery("eigendom", table, address_by_nummeraanduiding_allowed=True)
    assert result.accepted and result.total_rows == result.valid_rows == 300
    counts = result.rows["eigenaar_soort"].value_counts().to_dict()
    assert counts == {"natuurlijk persoon": 168, "rechtspersoon": 132}
    people = result.rows.loc[result.rows["eigenaar_soort"] == "natuurlijk persoon", "eigenaar_id"]
    assert all(stdnum_bsn.is_valid(value) for value in people)


# --- typed .xlsx cells (formats.md §1–2, issue #8 item 8) -----------------------------------------


def xlsx_bytes(rows: list[list[object]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_numeric_xlsx_cells_of_identifiers_are_padded_to_their_width() -> None:
    from datetime import date

    two_zeros = next(n for n in range(1_000_000, 9_999_999) if is_valid_bsn(f"{n:09d}"))
    rows = [
        ["bsn", "toeslag", "toeslagpartner_bsn"],
        [two_zeros, "zorgtoeslag", int(VALID_BSN_8)],
        [str(two_zeros), "zorgtoeslag", None],  # the same digits as text: 7 digits, no BSN
        *[[int(VALID_BSN), "huurtoeslag", None]] * 25,  # under 5 % invalid rows
    ]
    result = validate_delivery(
        "toeslag", read_table(xlsx_bytes(rows), "t.xlsx"), address_by_nummeraanduiding_allowed=True
    )
    assert result.rows["bsn"].tolist() == [f"{two_zeros:09d}", *[VALID_BSN] * 25]
    assert result.rows["toeslagpartner_bsn"].tolist()[0] == "071490504"
    assert [(i.row_number, i.reason) for i in result.issues] == [(3, BSN_GEEN_9_CIJFERS)]

    kvk = validate_delivery(
        "kvk",
        read_table(
            xlsx_bytes(
                [
                    [
                        "kvk_nummer",
                        "nummeraanduiding_id",
                        "postcode",
                        "huisnummer",
                        "datum_inschrijving",
                    ],
                    [1234567, 983200000000001, "5911AB", 12, date(2021, 3, 4)],
                ]
            ),
            "k.xlsx",
        ),
        address_by_nummeraanduiding_allowed=True,
    )
    assert kvk.rows["kvk_nummer"].tolist() == ["01234567"]
    assert kvk.rows["nummeraanduiding_id"].tolist() == ["0983200000000001"]
    assert kvk.rows["datum_inschrijving"].dt.date.tolist() == [date(2021, 3, 4)]

    owners = validate_delivery(
        "eigendom",
        read_table(
            xlsx_bytes(
                [
                    EIGENDOM_HEADER,
                    ["5911AB", 12, two_zeros, "natuurlijk persoon", date(2020, 1, 31)],
                    ["5911AB", 14, 1234567, "rechtspersoon", None],
                ]
            ),
            "e.xlsx",
        ),
        address_by_nummeraanduiding_allowed=True,
    )
    assert owners.rows["eigenaar_id"].tolist() == [f"{two_zeros:09d}", "01234567"]


# --- the project's area (issue #9 item 7) ---------------------------------------------------------


def test_rows_outside_the_projects_area_are_counted_not_refused() -> None:
    area = validation.Area(postcodes=frozenset({"5911AB"}), buurtcodes=frozenset({"BU09830101"}))
    bag_rows = [
        ["postcode", "huisnummer", "gebruiksdoel", "oppervlakte_m2", "buurtcode"],
        ["5911 ab", "1", "woonfunctie", "40", "BU09830199"],  # listed postcode
        ["5912CD", "2", "woonfunctie", "40", "BU09830101"],  # listed buurt
        ["5913EF", "3", "woonfunctie", "40", "BU09830102"],  # neither
        ["5913EF", "4", "woonfunctie", "40", ""],  # no buurt, postcode not listed
    ]
    table = read_table(csv_bytes(bag_rows), "bag.csv")
    bag = validate_delivery("bag", table, address_by_nummeraanduiding_allowed=False, area=area)
    assert bag.accepted and bag.valid_rows == 4 and bag.outside_area_rows == 2
    assert bag.area_postcodes == ["5911AB", "5912CD"]
    assert validation.report_entries(bag)[0] == (
        validation.WARNING,
        "",
        "",
        "",
        validation.BUITEN_PROJECTGEBIED.format(aantal=2, totaal=4),
    )
    unchecked = validate_delivery("bag", table, address_by_nummeraanduiding_allowed=False)
    assert unchecked.outside_area_rows is None and validation.report_entries(unchecked) == []

    brp = [brp_row(), brp_row(make_bsns(2)[1], postcode="5912 cd"), brp_row(make_bsns(3)[2])]
    area_brp = validation.Area(postcodes=frozenset({"5911MV"}))
    result = validate_delivery(
        "brp",
        read_table(csv_bytes([BRP_HEADER, *brp]), "brp.csv"),
        address_by_nummeraanduiding_allowed=True,
        area=area_brp,
    )
    assert result.outside_area_rows == 1
    persons = run("uitkering", [["bsn", "regeling", "leefvorm"], [VALID_BSN, "WW", "samenwonend"]])
    assert persons.outside_area_rows is None  # a source without an address is never counted
