"""Dutch explanation texts for result rows ("3 personen op 28 m² ...").

Each `explain_*` takes the figures dict of one fired row and returns the sentence shown to
reviewers. Numbers use Dutch notation (decimal comma, thousands dot).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from .registry import IndicatorCode

NOT_EVALUATED_SOURCES = "Niet beoordeeld: {bronnen} niet aangeleverd."
NOT_EVALUATED_NO_AREA = "Niet beoordeeld: oppervlakte ontbreekt in de BAG."


def nl_number(value: float, decimals: int | None = None) -> str:
    """Dutch notation: 2186 → '2.186'; 12.5 → '12,5'; with `decimals`, fixed: (9.33, 1) → '9,3'."""
    if decimals is None:
        if float(value).is_integer():
            return f"{int(value):,}".replace(",", ".")
        text = f"{value:,.2f}".rstrip("0")
    else:
        text = f"{value:,.{decimals}f}"
    return text.replace(",", "_").replace(".", ",").replace("_", ".")


MONTHS = (
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
)


def nl_date(value: str | date) -> str:
    """'1 oktober 2026': the application's one date format (settings DATE_FORMAT "j F Y"),
    spelled out here because the engine runs without Django; a test holds the two equal."""
    day = date.fromisoformat(value) if isinstance(value, str) else value
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def _plural(n: int, one: str, many: str) -> str:
    return f"{nl_number(n)} {one if n == 1 else many}"


def not_evaluated_sources(missing: list[str]) -> str:
    return NOT_EVALUATED_SOURCES.format(bronnen=" en ".join(f"bron {s}" for s in missing))


def explain_overbewoning(f: dict[str, Any]) -> str:
    return (
        f"{_plural(f['personen'], 'persoon', 'personen')} op {nl_number(f['oppervlakte_m2'])} m² "
        f"({nl_number(f['m2_per_persoon'], 1)} m² per persoon; drempel {nl_number(f['drempel'])})"
    )


def explain_leeg_maar_verbruik(f: dict[str, Any]) -> str:
    return (
        f"Niemand ingeschreven, wel {nl_number(f['elektriciteit_kwh'])} kWh elektriciteit in "
        f"{f['jaar']} (drempel {nl_number(f['drempel'])})"
    )


def explain_alleenstaand(f: dict[str, Any]) -> str:
    return (
        f"{_plural(f['personen_alleenstaand'], 'persoon', 'personen')} met een uitkering als "
        f"alleenstaande op een adres met {_plural(f['volwassenen'], 'volwassene', 'volwassenen')} "
        f"(drempel: {_plural(f['drempel'], 'andere volwassene', 'andere volwassenen')})"
    )


def explain_huurder(f: dict[str, Any]) -> str:
    return (
        f"{nl_number(f['huurders_niet_ingeschreven'])} van "
        f"{_plural(f['huurders'], 'huurder', 'huurders')} niet op dit adres ingeschreven"
    )


def explain_bedrijven(f: dict[str, Any]) -> str:
    return (
        f"{_plural(f['kvk_nummers'], 'bedrijf', 'bedrijven')} (KvK-nummers) ingeschreven op een "
        f"woonadres (drempel {nl_number(f['drempel'])})"
    )


def explain_verhuisdynamiek(f: dict[str, Any]) -> str:
    return (
        f"{_plural(f['recente_inschrijvingen'], 'persoon', 'personen')} ingeschreven tussen "
        f"{nl_date(f['vanaf'])} en {nl_date(f['tot_en_met'])} (drempel {nl_number(f['drempel'])})"
    )


def explain_samenloop(f: dict[str, Any]) -> str:
    return (
        f"Signalen van {nl_number(f['partners'])} verschillende partners "
        f"(drempel {nl_number(f['drempel'])})"
    )


def explain_toeslagpartner(f: dict[str, Any]) -> str:
    return (
        f"{_plural(f['personen'], 'ingeschreven persoon heeft', 'ingeschreven personen hebben')} "
        "een toeslag met een toeslagpartner die op een ander adres in het projectgebied "
        "ingeschreven staat"
    )


EXPLAIN: dict[IndicatorCode, Callable[[dict[str, Any]], str]] = {
    IndicatorCode.OVERBEWONING: explain_overbewoning,
    IndicatorCode.LEEG_MAAR_VERBRUIK: explain_leeg_maar_verbruik,
    IndicatorCode.ALLEENSTAAND_MET_VOLWASSENE: explain_alleenstaand,
    IndicatorCode.HUURDER_NIET_INGESCHREVEN: explain_huurder,
    IndicatorCode.BEDRIJVEN_OP_WOONADRES: explain_bedrijven,
    IndicatorCode.VERHUISDYNAMIEK: explain_verhuisdynamiek,
    IndicatorCode.SAMENLOOP_SIGNALEN: explain_samenloop,
    IndicatorCode.TOESLAGPARTNER_ELDERS: explain_toeslagpartner,
}
