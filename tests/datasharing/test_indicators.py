"""Pure tests of the risk-indicator engine (no database): each indicator at its boundaries,
not-evaluated behaviour, settings, output shape, determinism and chunked == whole runs.

Keys are readable strings here; the engine treats them as opaque pseudonyms.
"""

import json
from dataclasses import fields
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st

from datasharing.matching.indicators import (
    ALL_CODES,
    INDICATORS,
    RESULT_COLUMNS,
    SUMMARY_COLUMNS,
    Frames,
    IndicatorCode,
    IndicatorSettings,
    Source,
    evaluate,
    frames_for_chunk,
)
from datasharing.matching.indicators.texts import nl_number

PEIL = date(2026, 10, 1)
C = IndicatorCode


# ---------------------------------------------------------------------------------------------
# Builders


def bag(*rows) -> pd.DataFrame:
    """rows: (address_key, gebruiksdoel, oppervlakte_m2[, buurtcode])"""
    rows = [r if len(r) == 4 else (*r, "BU00010001") for r in rows]
    return pd.DataFrame(
        rows, columns=["address_key", "gebruiksdoel", "oppervlakte_m2", "buurtcode"]
    )


def brp(*rows) -> pd.DataFrame:
    """rows: (person_key, address_key[, geboortedatum[, datum_inschrijving_adres]])"""
    full = []
    for r in rows:
        person, address, born, since = (*r, date(1980, 1, 1), date(2010, 1, 1))[:4]
        full.append((person, address, born, since))
    return pd.DataFrame(
        full, columns=["person_key", "address_key", "geboortedatum", "datum_inschrijving_adres"]
    )


def uitkering(*rows) -> pd.DataFrame:
    """rows: (person_key, leefvorm[, organisation])"""
    full = [(r[0], "PW", r[1], r[2] if len(r) > 2 else "gemeente") for r in rows]
    return pd.DataFrame(full, columns=["person_key", "regeling", "leefvorm", "organisation"])


def toeslag(*rows) -> pd.DataFrame:
    """rows: (person_key, partner_key or None)"""
    return pd.DataFrame(
        [(p, "huurtoeslag", q) for p, q in rows], columns=["person_key", "toeslag", "partner_key"]
    )


def huur(*rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["address_key", "huurder_key"])


def kvk(*rows) -> pd.DataFrame:
    """rows: (kvk_key, address_key)"""
    return pd.DataFrame(rows, columns=["kvk_key", "address_key"])


def energie(*rows) -> pd.DataFrame:
    """rows: (address_key, jaar, kwh)"""
    return pd.DataFrame(rows, columns=["address_key", "jaar", "elektriciteit_kwh"])


def signaal(*rows) -> pd.DataFrame:
    """rows: (address_key, organisation)"""
    return pd.DataFrame(
        [(a, o, "melding") for a, o in rows], columns=["address_key", "organisation", "signaal"]
    )


EMPTY = {
    "brp": brp(),
    "uitkering": uitkering(),
    "toeslag": toeslag(),
    "huur": huur(),
    "kvk": kvk(),
    "energie": energie(),
    "signaal": signaal(),
}


def run(peildatum: date = PEIL, address_keys=None, **frames):
    """Evaluate with every source delivered (empty unless given); pass source=None to omit it."""
    settings = frames.pop("settings", None) or IndicatorSettings(peildatum=peildatum)
    return evaluate({**EMPTY, **frames}, settings, address_keys=address_keys)


def row(result, address: str, code: IndicatorCode) -> pd.Series:
    r = result.results
    match = r[(r["address_key"] == address) & (r["indicator"] == code.value)]
    assert len(match) == 1
    return match.iloc[0]


def status(result, address: str, code: IndicatorCode) -> str:
    return row(result, address, code)["status"]


HOME = ("A", "woonfunctie", 100)


# ---------------------------------------------------------------------------------------------
# OVERBEWONING


@pytest.mark.parametrize(("m2", "expected"), [(35, "fired"), (36, "not_fired"), (37, "not_fired")])
def test_overbewoning_is_strictly_below_12_m2_per_person(m2, expected):
    result = run(bag=bag(("A", "woonfunctie", m2)), brp=brp(("p1", "A"), ("p2", "A"), ("p3", "A")))
    assert status(result, "A", C.OVERBEWONING) == expected


def test_overbewoning_figures_and_explanation():
    result = run(bag=bag(("A", "woonfunctie", 28)), brp=brp(("p1", "A"), ("p2", "A"), ("p3", "A")))
    r = row(result, "A", C.OVERBEWONING)
    assert r["figures"] == {
        "personen": 3,
        "oppervlakte_m2": 28,
        "m2_per_persoon": 9.33,
        "drempel": 12,
    }
    assert r["explanation"] == "3 personen op 28 m² (9,3 m² per persoon; drempel 12)"


def test_overbewoning_needs_a_person_and_woonfunctie():
    result = run(
        bag=bag(("empty", "woonfunctie", 5), ("office", "kantoorfunctie", 20)),
        brp=brp(*[(f"p{i}", "office") for i in range(10)]),
    )
    assert status(result, "empty", C.OVERBEWONING) == "not_fired"
    assert status(result, "office", C.OVERBEWONING) == "not_fired"


@pytest.mark.parametrize(
    "doel",
    ["woonfunctie,winkelfunctie", "winkelfunctie, woonfunctie", ["winkelfunctie", "woonfunctie"]],
)
def test_woonfunctie_among_several_gebruiksdoelen(doel):
    frame = pd.DataFrame({"address_key": ["A"], "gebruiksdoel": [doel], "oppervlakte_m2": [10]})
    result = run(bag=frame, brp=brp(("p1", "A")))
    assert status(result, "A", C.OVERBEWONING) == "fired"


def test_person_listed_twice_at_one_address_counts_once():
    # 2 distinct persons on 24 m² is exactly 12: counting the duplicate would make it 8.
    result = run(bag=bag(("A", "woonfunctie", 24)), brp=brp(("p1", "A"), ("p1", "A"), ("p2", "A")))
    assert status(result, "A", C.OVERBEWONING) == "not_fired"


def test_overbewoning_custom_threshold():
    settings = IndicatorSettings(peildatum=PEIL, overbewoning_m2_per_person=12.5)
    result = run(
        settings=settings, bag=bag(("A", "woonfunctie", 24)), brp=brp(("p1", "A"), ("p2", "A"))
    )
    assert status(result, "A", C.OVERBEWONING) == "fired"
    assert row(result, "A", C.OVERBEWONING)["explanation"] == (
        "2 personen op 24 m² (12,0 m² per persoon; drempel 12,5)"
    )


@pytest.mark.parametrize(
    ("value", "decimals", "text"),
    [(12, None, "12"), (12.5, None, "12,5"), (2186, None, "2.186"), (9.333, 1, "9,3"),
     (1234.56, 1, "1.234,6"), (0.25, None, "0,25")],
)  # fmt: skip
def test_dutch_number_notation(value, decimals, text):
    assert nl_number(value, decimals) == text


def test_overbewoning_without_oppervlakte_is_not_evaluated_for_that_address():
    frame = pd.DataFrame(
        {
            "address_key": ["A", "B"],
            "gebruiksdoel": ["woonfunctie"] * 2,
            "oppervlakte_m2": [None, 10],
        }
    )
    result = run(bag=frame, brp=brp(("p1", "A"), ("p2", "B")))
    assert status(result, "A", C.OVERBEWONING) == "not_evaluated"
    assert row(result, "A", C.OVERBEWONING)["explanation"].startswith("Niet beoordeeld")
    assert status(result, "B", C.OVERBEWONING) == "fired"


# ---------------------------------------------------------------------------------------------
# LEEG_MAAR_VERBRUIK


@pytest.mark.parametrize(
    ("kwh", "expected"), [(1499, "not_fired"), (1500, "fired"), (9000, "fired")]
)
def test_leeg_maar_verbruik_is_at_least_1500(kwh, expected):
    result = run(bag=bag(HOME), energie=energie(("A", 2025, kwh)))
    assert status(result, "A", C.LEEG_MAAR_VERBRUIK) == expected


def test_leeg_maar_verbruik_figures_and_explanation():
    result = run(bag=bag(HOME), energie=energie(("A", 2025, 2186)))
    r = row(result, "A", C.LEEG_MAAR_VERBRUIK)
    assert r["figures"] == {"jaar": 2025, "elektriciteit_kwh": 2186, "drempel": 1500}
    assert (
        r["explanation"]
        == "Niemand ingeschreven, wel 2.186 kWh elektriciteit in 2025 (drempel 1.500)"
    )


def test_leeg_maar_verbruik_needs_nobody_registered_and_woonfunctie():
    result = run(
        bag=bag(HOME, ("shop", "winkelfunctie", 100)),
        brp=brp(("p1", "A")),
        energie=energie(("A", 2025, 5000), ("shop", 2025, 5000)),
    )
    assert status(result, "A", C.LEEG_MAAR_VERBRUIK) == "not_fired"
    assert status(result, "shop", C.LEEG_MAAR_VERBRUIK) == "not_fired"


def test_leeg_maar_verbruik_uses_the_deliverys_latest_jaar_only():
    result = run(
        bag=bag(HOME, ("B", "woonfunctie", 80), ("C", "woonfunctie", 80)),
        energie=energie(
            ("A", 2024, 95000),
            ("A", 2025, 370),  # a high earlier year does not count
            ("B", 2024, 5000),  # no row in the delivery's latest year: no known current use
            ("C", 2025, 1600),
        ),
    )
    assert status(result, "A", C.LEEG_MAAR_VERBRUIK) == "not_fired"
    assert status(result, "B", C.LEEG_MAAR_VERBRUIK) == "not_fired"
    assert status(result, "C", C.LEEG_MAAR_VERBRUIK) == "fired"


def test_leeg_maar_verbruik_takes_the_highest_of_several_rows_in_one_year_never_the_sum():
    result = run(
        bag=bag(HOME, ("B", "woonfunctie", 80)),
        energie=energie(("A", 2025, 800), ("A", 2025, 900), ("B", 2025, 100), ("B", 2025, 1500)),
    )
    assert status(result, "A", C.LEEG_MAAR_VERBRUIK) == "not_fired"
    assert status(result, "B", C.LEEG_MAAR_VERBRUIK) == "fired"
    assert row(result, "B", C.LEEG_MAAR_VERBRUIK)["figures"]["elektriciteit_kwh"] == 1500


def test_leeg_maar_verbruik_without_energy_row_is_not_fired():
    result = run(bag=bag(HOME, ("B", "woonfunctie", 80)), energie=energie(("B", 2025, 10)))
    assert status(result, "A", C.LEEG_MAAR_VERBRUIK) == "not_fired"


# ---------------------------------------------------------------------------------------------
# ALLEENSTAAND_MET_VOLWASSENE and the adult test


def test_alleenstaand_with_another_adult_fires():
    result = run(
        bag=bag(HOME),
        brp=brp(("p1", "A"), ("p2", "A")),
        uitkering=uitkering(("p1", "alleenstaand")),
    )
    r = row(result, "A", C.ALLEENSTAAND_MET_VOLWASSENE)
    assert r["status"] == "fired"
    assert r["figures"] == {"personen_alleenstaand": 1, "volwassenen": 2, "drempel": 1}
    assert r["explanation"] == (
        "1 persoon met een uitkering als alleenstaande op een adres met 2 volwassenen "
        "(drempel: 1 andere volwassene)"
    )


@pytest.mark.parametrize(
    ("born", "expected"),
    [
        (date(2008, 10, 1), "fired"),  # 18th birthday on the peildatum: adult
        (date(2008, 10, 2), "not_fired"),  # turns 18 the day after
        (date(2008, 9, 30), "fired"),
    ],
)
def test_adult_is_18_on_the_peildatum(born, expected):
    result = run(
        bag=bag(HOME),
        brp=brp(("p1", "A"), ("child", "A", born)),
        uitkering=uitkering(("p1", "alleenstaand")),
    )
    assert status(result, "A", C.ALLEENSTAAND_MET_VOLWASSENE) == expected


@pytest.mark.parametrize(
    ("peildatum", "expected"),
    [
        (date(2026, 2, 28), "not_fired"),  # born 29-02-2008: no 29 February in 2026
        (date(2026, 3, 1), "fired"),  # adult on 1 March in a non-leap year
    ],
)
def test_born_on_29_february_becomes_adult_on_1_march(peildatum, expected):
    result = run(
        peildatum,
        bag=bag(HOME),
        brp=brp(("p1", "A"), ("leap", "A", date(2008, 2, 29))),
        uitkering=uitkering(("p1", "alleenstaand")),
    )
    assert status(result, "A", C.ALLEENSTAAND_MET_VOLWASSENE) == expected


@pytest.mark.parametrize("leefvorm", ["samenwonend", "alleenstaande ouder"])
def test_only_leefvorm_alleenstaand_counts(leefvorm):
    result = run(
        bag=bag(HOME),
        brp=brp(("p1", "A"), ("p2", "A")),
        uitkering=uitkering(("p1", leefvorm)),
    )
    assert status(result, "A", C.ALLEENSTAAND_MET_VOLWASSENE) == "not_fired"


def test_alleenstaand_recipient_must_be_registered_at_the_address():
    # p1 lives at B alone; the adults at A do not make A (or B) fire.
    result = run(
        bag=bag(HOME, ("B", "woonfunctie", 50)),
        brp=brp(("p1", "B"), ("p2", "A"), ("p3", "A")),
        uitkering=uitkering(("p1", "alleenstaand"), ("nobody", "alleenstaand")),
    )
    assert status(result, "A", C.ALLEENSTAAND_MET_VOLWASSENE) == "not_fired"
    assert status(result, "B", C.ALLEENSTAAND_MET_VOLWASSENE) == "not_fired"


def test_alleenstaand_recipient_listed_twice_is_not_their_own_other_adult():
    result = run(
        bag=bag(HOME),
        brp=brp(("p1", "A"), ("p1", "A"), ("kid", "A", date(2015, 1, 1))),
        uitkering=uitkering(("p1", "alleenstaand"), ("p1", "alleenstaand", "uwv")),
    )
    assert status(result, "A", C.ALLEENSTAAND_MET_VOLWASSENE) == "not_fired"


def test_minor_recipient_with_an_adult_fires_and_two_alleenstaanden_together_fire():
    result = run(
        bag=bag(HOME, ("B", "woonfunctie", 50)),
        brp=brp(("young", "A", date(2010, 1, 1)), ("parent", "A"), ("x", "B"), ("y", "B")),
        uitkering=uitkering(
            ("young", "alleenstaand"), ("x", "alleenstaand"), ("y", "alleenstaand")
        ),
    )
    assert status(result, "A", C.ALLEENSTAAND_MET_VOLWASSENE) == "fired"
    assert row(result, "B", C.ALLEENSTAAND_MET_VOLWASSENE)["figures"]["personen_alleenstaand"] == 2


def test_alleenstaand_threshold_two_other_adults():
    settings = IndicatorSettings(peildatum=PEIL, alleenstaand_min_other_adults=2)
    frames = dict(bag=bag(HOME), uitkering=uitkering(("p1", "alleenstaand")))
    two = run(settings=settings, brp=brp(("p1", "A"), ("p2", "A")), **frames)
    three = run(settings=settings, brp=brp(("p1", "A"), ("p2", "A"), ("p3", "A")), **frames)
    assert status(two, "A", C.ALLEENSTAAND_MET_VOLWASSENE) == "not_fired"
    assert status(three, "A", C.ALLEENSTAAND_MET_VOLWASSENE) == "fired"


# ---------------------------------------------------------------------------------------------
# HUURDER_NIET_INGESCHREVEN


def test_huurder_registered_at_the_address_does_not_fire():
    result = run(bag=bag(HOME), brp=brp(("t", "A")), huur=huur(("A", "t"), ("A", "t")))
    assert status(result, "A", C.HUURDER_NIET_INGESCHREVEN) == "not_fired"


@pytest.mark.parametrize("tenant_lives", ["B", None])
def test_huurder_registered_elsewhere_or_nowhere_fires(tenant_lives):
    registrations = [("t", tenant_lives)] if tenant_lives else []
    result = run(
        bag=bag(HOME, ("B", "woonfunctie", 50)), brp=brp(*registrations), huur=huur(("A", "t"))
    )
    assert status(result, "A", C.HUURDER_NIET_INGESCHREVEN) == "fired"
    assert status(result, "B", C.HUURDER_NIET_INGESCHREVEN) == "not_fired"


def test_huurder_figures_count_distinct_tenants():
    result = run(
        bag=bag(HOME),
        brp=brp(("t1", "A")),
        huur=huur(("A", "t1"), ("A", "t2"), ("A", "t2")),
    )
    r = row(result, "A", C.HUURDER_NIET_INGESCHREVEN)
    assert r["figures"] == {"huurders": 2, "huurders_niet_ingeschreven": 1}
    assert r["explanation"] == "1 van 2 huurders niet op dit adres ingeschreven"


# ---------------------------------------------------------------------------------------------
# BEDRIJVEN_OP_WOONADRES


@pytest.mark.parametrize(
    ("numbers", "expected"),
    [
        (["k1", "k2"], "not_fired"),
        (["k1", "k2", "k3"], "fired"),
        (["k1", "k1", "k2", "k2"], "not_fired"),
    ],
)
def test_bedrijven_counts_distinct_kvk_numbers_at_least_3(numbers, expected):
    result = run(bag=bag(HOME), kvk=kvk(*[(k, "A") for k in numbers]))
    assert status(result, "A", C.BEDRIJVEN_OP_WOONADRES) == expected


def test_bedrijven_never_fires_without_woonfunctie():
    result = run(
        bag=bag(("O", "kantoorfunctie", 500)), kvk=kvk(*[(f"k{i}", "O") for i in range(6)])
    )
    assert status(result, "O", C.BEDRIJVEN_OP_WOONADRES) == "not_fired"


# ---------------------------------------------------------------------------------------------
# VERHUISDYNAMIEK


def _movers(*dates):
    return brp(*[(f"p{i}", "A", date(1990, 1, 1), d) for i, d in enumerate(dates)])


def test_verhuisdynamiek_window_includes_both_ends():
    start = PEIL - timedelta(days=365)  # 2025-10-01
    result = run(bag=bag(HOME), brp=_movers(start, PEIL, date(2026, 1, 1), date(2026, 5, 5)))
    r = row(result, "A", C.VERHUISDYNAMIEK)
    assert r["status"] == "fired"
    assert r["figures"] == {
        "recente_inschrijvingen": 4,
        "vanaf": "2025-10-01",
        "tot_en_met": "2026-10-01",
        "drempel": 4,
    }
    assert r["explanation"] == (
        "4 personen ingeschreven tussen 1 oktober 2025 en 1 oktober 2026 (drempel 4)"
    )


@pytest.mark.parametrize("outside", [date(2025, 9, 30), date(2026, 10, 2)])
def test_verhuisdynamiek_outside_the_window_does_not_count(outside):
    result = run(bag=bag(HOME), brp=_movers(outside, PEIL, date(2026, 1, 1), date(2026, 5, 5)))
    assert status(result, "A", C.VERHUISDYNAMIEK) == "not_fired"


def test_verhuisdynamiek_counts_persons_not_rows():
    frame = brp(*[("same", "A", date(1990, 1, 1), date(2026, m, 1)) for m in range(1, 5)])
    result = run(bag=bag(HOME), brp=frame)
    assert status(result, "A", C.VERHUISDYNAMIEK) == "not_fired"


# ---------------------------------------------------------------------------------------------
# SAMENLOOP_SIGNALEN


def test_two_signals_of_one_partner_are_no_samenloop():
    result = run(bag=bag(HOME), signaal=signaal(("A", "politie"), ("A", "politie")))
    assert status(result, "A", C.SAMENLOOP_SIGNALEN) == "not_fired"


def test_signals_of_two_partners_fire():
    result = run(bag=bag(HOME), signaal=signaal(("A", "politie"), ("A", "politie"), ("A", "uwv")))
    r = row(result, "A", C.SAMENLOOP_SIGNALEN)
    assert r["status"] == "fired"
    assert r["figures"] == {"partners": 2, "drempel": 2}


# ---------------------------------------------------------------------------------------------
# TOESLAGPARTNER_ELDERS


def test_toeslagpartner_registered_at_another_project_address_fires_at_the_recipient_only():
    result = run(
        bag=bag(HOME, ("B", "woonfunctie", 50)),
        brp=brp(("p", "A"), ("q", "B")),
        toeslag=toeslag(("p", "q")),
    )
    assert status(result, "A", C.TOESLAGPARTNER_ELDERS) == "fired"
    assert row(result, "A", C.TOESLAGPARTNER_ELDERS)["figures"] == {"personen": 1}
    assert status(result, "B", C.TOESLAGPARTNER_ELDERS) == "not_fired"


@pytest.mark.parametrize(
    "partner_registrations",
    [
        [("q", "A")],  # living together
        [],  # registered nowhere
        [("q", "OUTSIDE")],  # registered outside the project area
        [("q", "A"), ("q", "B")],  # (data error) also registered here: not "elders"
    ],
)
def test_toeslagpartner_not_elsewhere_in_the_project_does_not_fire(partner_registrations):
    result = run(
        bag=bag(HOME, ("B", "woonfunctie", 50)),
        brp=brp(("p", "A"), *partner_registrations),
        toeslag=toeslag(("p", "q"), ("p", None)),
    )
    assert status(result, "A", C.TOESLAGPARTNER_ELDERS) == "not_fired"


def test_toeslag_without_partner_column_fires_nothing():
    frame = pd.DataFrame({"person_key": ["p"], "toeslag": ["zorgtoeslag"]})
    result = run(
        bag=bag(HOME, ("B", "woonfunctie", 50)), brp=brp(("p", "A"), ("q", "B")), toeslag=frame
    )
    assert status(result, "A", C.TOESLAGPARTNER_ELDERS) == "not_fired"


# ---------------------------------------------------------------------------------------------
# Not evaluated, settings, registry


# The sources the indicators need, bag apart (it is required: it defines the area). A source
# no indicator reads (eigendom, delivered for the controls) is no input of the engine.
NEEDED_SOURCES = sorted(
    {s.value for indicator in INDICATORS.values() for s in indicator.sources} - {Source.BAG.value}
)


@pytest.mark.parametrize("source", NEEDED_SOURCES)
def test_an_indicator_without_its_source_is_not_evaluated(source):
    result = run(bag=bag(HOME), **{source: None})
    for code in ALL_CODES:
        needs = source in {s.value for s in INDICATORS[code].sources}
        r = row(result, "A", code)
        assert r["status"] == ("not_evaluated" if needs else "not_fired"), code
        if needs:
            assert source in r["figures"]["ontbrekende_bronnen"]
            assert f"bron {source} niet aangeleverd" in r["explanation"]


def test_only_bag_delivered_evaluates_nothing_and_scores_zero():
    result = evaluate({"bag": bag(HOME)}, IndicatorSettings(peildatum=PEIL))
    assert set(result.results["status"]) == {"not_evaluated"}
    assert result.summary.iloc[0]["score"] == 0
    assert not result.summary.iloc[0]["is_risk"]


def test_delivered_but_empty_sources_are_evaluated():
    result = run(bag=bag(HOME))
    assert set(result.results["status"]) == {"not_fired"}


def test_weights_threshold_and_disabled_indicators():
    settings = IndicatorSettings(
        peildatum=PEIL,
        weights={"OVERBEWONING": 2, "SAMENLOOP_SIGNALEN": 0},
        risk_threshold=2,
        enabled=frozenset(c.value for c in ALL_CODES) - {"VERHUISDYNAMIEK"},
    )
    result = run(
        settings=settings,
        bag=bag(("A", "woonfunctie", 10), ("B", "woonfunctie", 100)),
        brp=brp(("p", "A")),
        signaal=signaal(("B", "politie"), ("B", "uwv")),
    )
    assert "VERHUISDYNAMIEK" not in set(result.results["indicator"])
    assert len(result.results) == 2 * 7
    summary = result.summary.set_index("address_key")
    assert summary.loc["A", "score"] == 2 and summary.loc["A", "is_risk"]
    assert summary.loc["B", "score"] == 0 and not summary.loc["B", "is_risk"]
    assert summary.loc["B", "fired"] == ("SAMENLOOP_SIGNALEN",)


def test_settings_reject_bad_values_and_have_no_protected_attributes():
    with pytest.raises(ValueError):
        IndicatorSettings(peildatum=PEIL, leeg_min_kwh=0)
    with pytest.raises(ValueError):
        IndicatorSettings(peildatum=PEIL, weights={"NATIONALITEIT": 1})
    with pytest.raises(ValueError):
        IndicatorSettings(peildatum=PEIL, enabled=frozenset({"GEBOORTELAND"}))
    with pytest.raises(TypeError):
        IndicatorSettings(peildatum=PEIL, nationaliteit="NL")  # type: ignore[call-arg]
    names = " ".join(f.name for f in fields(IndicatorSettings))
    for attribute in (
        "nationaliteit",
        "geboorteland",
        "etniciteit",
        "religie",
        "gezondheid",
        "geslacht",
        "leeftijd",
    ):
        assert attribute not in names
    assert IndicatorSettings(peildatum=PEIL).as_dict()["weights"] == {c.value: 1 for c in ALL_CODES}


def test_registry_matches_formats_md():
    assert [c.value for c in ALL_CODES] == [
        "OVERBEWONING", "LEEG_MAAR_VERBRUIK", "ALLEENSTAAND_MET_VOLWASSENE",
        "HUURDER_NIET_INGESCHREVEN", "BEDRIJVEN_OP_WOONADRES", "VERHUISDYNAMIEK",
        "SAMENLOOP_SIGNALEN", "TOESLAGPARTNER_ELDERS",
    ]  # fmt: skip
    needs = {code: {s.value for s in ind.sources} for code, ind in INDICATORS.items()}
    assert needs == {
        C.OVERBEWONING: {"bag", "brp"},
        C.LEEG_MAAR_VERBRUIK: {"bag", "brp", "energie"},
        C.ALLEENSTAAND_MET_VOLWASSENE: {"brp", "uitkering"},
        C.HUURDER_NIET_INGESCHREVEN: {"brp", "huur"},
        C.BEDRIJVEN_OP_WOONADRES: {"bag", "kvk"},
        C.VERHUISDYNAMIEK: {"brp"},
        C.SAMENLOOP_SIGNALEN: {"signaal"},
        C.TOESLAGPARTNER_ELDERS: {"brp", "toeslag"},
    }
    assert all(
        ind.default_weight == 1 and ind.name and ind.description for ind in INDICATORS.values()
    )
    assert "minder dan 12 m²" in INDICATORS[C.OVERBEWONING].describe()
    custom = IndicatorSettings(peildatum=PEIL, overbewoning_m2_per_person=10)
    assert "minder dan 10 m²" in INDICATORS[C.OVERBEWONING].describe(custom)


def test_input_errors():
    settings = IndicatorSettings(peildatum=PEIL)
    with pytest.raises(ValueError, match="bag"):
        evaluate({"brp": brp()}, settings)
    with pytest.raises(ValueError, match="lacks columns"):
        evaluate({"bag": bag(HOME), "kvk": pd.DataFrame({"address_key": []})}, settings)
    with pytest.raises(ValueError, match="not in the bag"):
        evaluate({"bag": bag(HOME)}, settings, address_keys=["A", "nope"])


# ---------------------------------------------------------------------------------------------
# Output shape, determinism, chunking


def _world(seed: int, n_addresses: int = 60) -> Frames:
    """A small random project where every indicator has a fair chance to fire."""
    rng = np.random.default_rng(seed)
    addresses = [f"a{i:03d}" for i in range(n_addresses)]
    people = [f"p{i:03d}" for i in range(n_addresses * 2)]

    def pick(values, size):
        return [values[i] for i in rng.integers(0, len(values), size)]

    doel = pick(
        ["woonfunctie", "woonfunctie", "woonfunctie,winkelfunctie", "kantoorfunctie"], n_addresses
    )
    bag_frame = pd.DataFrame(
        {
            "address_key": addresses,
            "gebruiksdoel": doel,
            "oppervlakte_m2": rng.integers(8, 60, n_addresses),
        }
    )
    day = lambda lo, hi: date(2000, 1, 1) + timedelta(days=int(rng.integers(lo, hi)))  # noqa: E731
    n_reg = len(people) + 10  # some people registered twice (also at a second address)
    brp_frame = pd.DataFrame(
        {
            "person_key": people + pick(people, 10),
            "address_key": pick(addresses[: n_addresses - 10] + ["outside"], n_reg),
            "geboortedatum": [day(-25000, 9800) for _ in range(n_reg)],
            "datum_inschrijving_adres": [day(9200, 9800) for _ in range(n_reg)],
        }
    )
    return Frames(
        bag=bag_frame,
        brp=brp_frame,
        uitkering=uitkering(
            *zip(pick(people, 40), pick(["alleenstaand", "samenwonend"], 40), strict=True)
        ),
        toeslag=toeslag(*zip(pick(people, 40), pick(people + [None] * 20, 40), strict=True)),
        huur=huur(*zip(pick(addresses, 40), pick(people + ["stranger"], 40), strict=True)),
        kvk=kvk(
            *zip(pick([f"k{i}" for i in range(30)], 60), pick(addresses[:15], 60), strict=True)
        ),
        energie=energie(
            *zip(
                pick(addresses, 80), pick([2024, 2025], 80), rng.integers(0, 3000, 80), strict=True
            )
        ),
        signaal=signaal(
            *zip(pick(addresses[:20], 30), pick(["politie", "uwv", "corporatie"], 30), strict=True)
        ),
    )


SETTINGS = IndicatorSettings(peildatum=PEIL)


def test_output_columns_order_and_json_figures():
    result = evaluate(_world(1), SETTINGS)
    assert tuple(result.results.columns) == RESULT_COLUMNS
    assert tuple(result.summary.columns) == SUMMARY_COLUMNS
    keys = list(result.summary["address_key"])
    assert keys == sorted(keys) and len(keys) == 60
    codes = [c.value for c in ALL_CODES]
    assert list(result.results["indicator"]) == codes * 60
    assert list(result.results["address_key"]) == [k for k in keys for _ in codes]
    json.dumps(list(result.results["figures"]))  # JSON-serialisable, no numpy types
    fired = result.results[result.results["status"] == "fired"]
    assert len(fired) > 0 and all(fired["explanation"].str.len() > 0)
    for tup in result.summary["fired"]:
        assert list(tup) == [c for c in codes if c in tup]
    assert (result.summary["score"] == result.summary["fired"].map(len)).all()


def test_every_indicator_fires_somewhere_in_the_random_worlds():
    fired = set()
    for seed in range(5):
        fired |= {c for c, n in evaluate(_world(seed), SETTINGS).per_indicator().items() if n}
    assert fired == {c.value for c in ALL_CODES}


def _shuffled(frames: Frames, seed: int) -> Frames:
    def shuffle(frame):
        return (
            None
            if frame is None
            else frame.sample(frac=1, random_state=seed).reset_index(drop=True)
        )

    return Frames(
        **{
            s: shuffle(getattr(frames, s))
            for s in ("bag", "brp", "uitkering", "toeslag", "huur", "kvk", "energie", "signaal")
        }
    )


def _assert_same(a, b):
    pd.testing.assert_frame_equal(a.results, b.results)
    pd.testing.assert_frame_equal(a.summary, b.summary)


def test_deterministic_and_independent_of_row_order():
    world = _world(2)
    first = evaluate(world, SETTINGS)
    _assert_same(first, evaluate(world, SETTINGS))
    _assert_same(first, evaluate(_shuffled(world, 7), SETTINGS))


@pytest.mark.parametrize("n_chunks", [1, 3, 7, 60])
def test_chunked_evaluation_with_minimal_rows_equals_the_whole_run(n_chunks):
    world = _world(3)
    whole = evaluate(world, SETTINGS)
    keys = list(
        world.bag["address_key"].sample(frac=1, random_state=1)
    )  # chunks need not be sorted
    parts = [
        evaluate(frames_for_chunk(world, chunk), SETTINGS, address_keys=chunk)
        for chunk in np.array_split(np.array(keys, dtype=object), n_chunks)
    ]
    results = (
        pd.concat([p.results for p in parts])
        .sort_values("address_key", kind="stable")
        .reset_index(drop=True)
    )
    summary = (
        pd.concat([p.summary for p in parts])
        .sort_values("address_key", kind="stable")
        .reset_index(drop=True)
    )
    pd.testing.assert_frame_equal(results, whole.results)
    pd.testing.assert_frame_equal(summary, whole.summary)


def test_chunk_with_all_rows_equals_the_whole_run():
    world = _world(4)
    whole = evaluate(world, SETTINGS)
    chunk = sorted(world.bag["address_key"])[10:25]
    part = evaluate(world, SETTINGS, address_keys=chunk)
    expected = whole.results[whole.results["address_key"].isin(chunk)].reset_index(drop=True)
    pd.testing.assert_frame_equal(part.results, expected)


def test_chunk_needs_the_partners_registration_elsewhere_and_the_delivery_year():
    world = Frames(
        bag=bag(HOME, ("B", "woonfunctie", 50), ("C", "woonfunctie", 50)),
        brp=brp(("p", "A"), ("q", "B")),
        toeslag=toeslag(("p", "q")),
        energie=energie(("C", 2024, 4000), ("B", 2025, 10)),
    )
    sub = frames_for_chunk(world, ["A", "C"])
    assert set(sub.brp["person_key"]) == {"p", "q"}  # q lives at B, outside the chunk
    assert sub.energie_latest_jaar == 2025  # C alone would suggest 2024
    whole = evaluate(world, SETTINGS)
    part = evaluate(sub, SETTINGS, address_keys=["A", "C"])
    assert part.summary.set_index("address_key")["fired"].to_dict() == {
        "A": ("TOESLAGPARTNER_ELDERS",),
        "C": (),
    }
    assert whole.summary.set_index("address_key").loc[["A", "C"], "fired"].tolist() == [
        ("TOESLAGPARTNER_ELDERS",),
        (),
    ]


# ---------------------------------------------------------------------------------------------
# Property test against a naive, literal per-address implementation of formats.md §4


def _naive_fired(frames: Frames, peil: date) -> dict[str, set[str]]:
    def adult(born: date) -> bool:
        return (born.year + 18, born.month, born.day) <= (peil.year, peil.month, peil.day)

    woon = {
        r.address_key: "woonfunctie" in [p.strip() for p in r.gebruiksdoel.split(",")]
        for r in frames.bag.itertuples()
    }
    area = dict(zip(frames.bag["address_key"], frames.bag["oppervlakte_m2"], strict=True))
    regs = frames.brp.drop_duplicates(["person_key", "address_key"])
    persons_at = {a: set(regs.loc[regs["address_key"] == a, "person_key"]) for a in woon}
    alleen = set(frames.uitkering.loc[frames.uitkering["leefvorm"] == "alleenstaand", "person_key"])
    latest = frames.energie["jaar"].max()
    fired: dict[str, set[str]] = {a: set() for a in woon}
    for a in woon:
        people = persons_at[a]
        adults = {
            p
            for p in people
            if any(
                adult(d)
                for d in frames.brp.loc[
                    (frames.brp.person_key == p) & (frames.brp.address_key == a), "geboortedatum"
                ]
            )
        }
        if woon[a] and people and area[a] / len(people) < 12:
            fired[a].add("OVERBEWONING")
        use = frames.energie.loc[
            (frames.energie.address_key == a) & (frames.energie.jaar == latest), "elektriciteit_kwh"
        ]
        if woon[a] and not people and len(use) and use.max() >= 1500:
            fired[a].add("LEEG_MAAR_VERBRUIK")
        if any(len(adults - {p}) >= 1 for p in people & alleen):
            fired[a].add("ALLEENSTAAND_MET_VOLWASSENE")
        if set(frames.huur.loc[frames.huur.address_key == a, "huurder_key"]) - people:
            fired[a].add("HUURDER_NIET_INGESCHREVEN")
        if woon[a] and frames.kvk.loc[frames.kvk.address_key == a, "kvk_key"].nunique() >= 3:
            fired[a].add("BEDRIJVEN_OP_WOONADRES")
        window = frames.brp[
            (frames.brp.address_key == a)
            & frames.brp.datum_inschrijving_adres.between(peil - timedelta(days=365), peil)
        ]
        if window["person_key"].nunique() >= 4:
            fired[a].add("VERHUISDYNAMIEK")
        if frames.signaal.loc[frames.signaal.address_key == a, "organisation"].nunique() >= 2:
            fired[a].add("SAMENLOOP_SIGNALEN")
        links = frames.toeslag[
            frames.toeslag.person_key.isin(people) & frames.toeslag.partner_key.notna()
        ]
        for q in links["partner_key"]:
            where = set(regs.loc[regs.person_key == q, "address_key"]) & set(woon)
            if where and a not in where:
                fired[a].add("TOESLAGPARTNER_ELDERS")
    return fired


@hyp_settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), n=st.integers(12, 40))
def test_engine_agrees_with_a_naive_implementation(seed, n):
    world = _world(seed, n)
    result = evaluate(world, SETTINGS)
    got = {r.address_key: set(r.fired) for r in result.summary.itertuples()}
    assert got == _naive_fired(world, PEIL)
