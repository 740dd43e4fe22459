"""The eight address-level risk indicators of formats.md §4: codes, Dutch texts, settings.

Nothing here touches data; `engine.py` evaluates. The Dutch texts are user-facing (result screens
and the public algoritmeregister page) and are kept as constants here, in one place.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from datasharing.constants import Source


class IndicatorCode(StrEnum):
    OVERBEWONING = "OVERBEWONING"
    LEEG_MAAR_VERBRUIK = "LEEG_MAAR_VERBRUIK"
    ALLEENSTAAND_MET_VOLWASSENE = "ALLEENSTAAND_MET_VOLWASSENE"
    HUURDER_NIET_INGESCHREVEN = "HUURDER_NIET_INGESCHREVEN"
    BEDRIJVEN_OP_WOONADRES = "BEDRIJVEN_OP_WOONADRES"
    VERHUISDYNAMIEK = "VERHUISDYNAMIEK"
    SAMENLOOP_SIGNALEN = "SAMENLOOP_SIGNALEN"
    TOESLAGPARTNER_ELDERS = "TOESLAGPARTNER_ELDERS"


class Status(StrEnum):
    FIRED = "fired"
    NOT_FIRED = "not_fired"
    NOT_EVALUATED = "not_evaluated"


# The sources are datasharing.constants.Source (formats.md §3), defined once.


# An adult is 18 or older on the peildatum (formats.md §4). Fixed by law, hence not a setting.
ADULT_AGE = 18

# Defaults of formats.md §4; IndicatorSettings and the registry both read these.
DEFAULT_OVERBEWONING_M2_PER_PERSON = 12
DEFAULT_LEEG_MIN_KWH = 1500
DEFAULT_ALLEENSTAAND_MIN_OTHER_ADULTS = 1
DEFAULT_BEDRIJVEN_MIN_KVK = 3
DEFAULT_VERHUIS_MIN_INSCHRIJVINGEN = 4
DEFAULT_VERHUIS_WINDOW_DAYS = 365
DEFAULT_SAMENLOOP_MIN_PARTNERS = 2
DEFAULT_WEIGHT = 1
DEFAULT_RISK_THRESHOLD = 1


@dataclass(frozen=True)
class Indicator:
    """One indicator: what the public and the reviewers read about it.

    `description` is plain Dutch with `{setting}` placeholders; `describe()` fills in a project's
    own thresholds (for the algoritmeregister page of that project).
    """

    code: IndicatorCode
    name: str
    description: str
    sources: tuple[Source, ...]
    thresholds: MappingProxyType[str, int | float]
    default_weight: int = DEFAULT_WEIGHT
    woonfunctie_only: bool = False

    def describe(self, settings: IndicatorSettings | None = None) -> str:
        values = {name: getattr(settings, name) for name in self.thresholds} if settings else {}
        return self.description.format(**{**self.thresholds, **values})


def _thresholds(**values: int | float) -> MappingProxyType[str, int | float]:
    return MappingProxyType(values)


_INDICATOR_LIST = (
    Indicator(
        code=IndicatorCode.OVERBEWONING,
        name="Overbewoning",
        description=(
            "Gaat af als er in een woning zoveel mensen ingeschreven staan dat er per persoon "
            "minder dan {overbewoning_m2_per_person} m² is. We delen de oppervlakte van de woning "
            "(uit de BAG) door het aantal ingeschreven personen (uit de BRP). Alleen adressen met "
            "een woonfunctie en met minstens één ingeschreven persoon tellen mee."
        ),
        sources=(Source.BAG, Source.BRP),
        thresholds=_thresholds(overbewoning_m2_per_person=DEFAULT_OVERBEWONING_M2_PER_PERSON),
        woonfunctie_only=True,
    ),
    Indicator(
        code=IndicatorCode.LEEG_MAAR_VERBRUIK,
        name="Onbewoond volgens BRP, wel verbruik",
        description=(
            "Gaat af als er in een woning niemand ingeschreven staat, terwijl er volgens de "
            "netbeheerder in het meest recente jaar van de levering {leeg_min_kwh} kWh stroom of "
            "meer is verbruikt. Oudere jaren tellen niet mee. Alleen adressen met een woonfunctie "
            "tellen mee."
        ),
        sources=(Source.BAG, Source.BRP, Source.ENERGIE),
        thresholds=_thresholds(leeg_min_kwh=DEFAULT_LEEG_MIN_KWH),
        woonfunctie_only=True,
    ),
    Indicator(
        code=IndicatorCode.ALLEENSTAAND_MET_VOLWASSENE,
        name="Leefvorm alleenstaand, toch medebewoner",
        description=(
            "Gaat af als iemand die op het adres ingeschreven staat een uitkering krijgt als "
            "alleenstaande, terwijl er op hetzelfde adres nog minstens "
            "{alleenstaand_min_other_adults} andere volwassene(n) (18 jaar of ouder op de "
            "peildatum) ingeschreven staat."
        ),
        sources=(Source.BRP, Source.UITKERING),
        thresholds=_thresholds(alleenstaand_min_other_adults=DEFAULT_ALLEENSTAAND_MIN_OTHER_ADULTS),
    ),
    Indicator(
        code=IndicatorCode.HUURDER_NIET_INGESCHREVEN,
        name="Huurder niet ingeschreven",
        description=(
            "Gaat af als de woningcorporatie iemand als huurder van het adres opgeeft, maar die "
            "persoon niet op dat adres ingeschreven staat in de BRP."
        ),
        sources=(Source.BRP, Source.HUUR),
        thresholds=_thresholds(),
    ),
    Indicator(
        code=IndicatorCode.BEDRIJVEN_OP_WOONADRES,
        name="Veel bedrijven op woonadres",
        description=(
            "Gaat af als op een adres met een woonfunctie {bedrijven_min_kvk} of meer "
            "verschillende bedrijven (KvK-nummers) ingeschreven staan."
        ),
        sources=(Source.BAG, Source.KVK),
        thresholds=_thresholds(bedrijven_min_kvk=DEFAULT_BEDRIJVEN_MIN_KVK),
        woonfunctie_only=True,
    ),
    Indicator(
        code=IndicatorCode.VERHUISDYNAMIEK,
        name="Veel recente inschrijvingen",
        description=(
            "Gaat af als {verhuis_min_inschrijvingen} of meer personen die op het adres "
            "ingeschreven staan, zich daar hebben ingeschreven in de periode van "
            "{verhuis_window_days} dagen vóór de peildatum tot en met de peildatum."
        ),
        sources=(Source.BRP,),
        thresholds=_thresholds(
            verhuis_min_inschrijvingen=DEFAULT_VERHUIS_MIN_INSCHRIJVINGEN,
            verhuis_window_days=DEFAULT_VERHUIS_WINDOW_DAYS,
        ),
    ),
    Indicator(
        code=IndicatorCode.SAMENLOOP_SIGNALEN,
        name="Signalen van meerdere partners",
        description=(
            "Gaat af als {samenloop_min_partners} of meer verschillende partnerorganisaties een "
            "eigen signaal over het adres hebben aangeleverd. Meerdere signalen van dezelfde "
            "organisatie tellen als één."
        ),
        sources=(Source.SIGNAAL,),
        thresholds=_thresholds(samenloop_min_partners=DEFAULT_SAMENLOOP_MIN_PARTNERS),
    ),
    Indicator(
        code=IndicatorCode.TOESLAGPARTNER_ELDERS,
        name="Toeslagpartner elders ingeschreven",
        description=(
            "Gaat af als iemand die op het adres ingeschreven staat een toeslag krijgt, en de "
            "toeslagpartner die daarbij is opgegeven op een ander adres in het projectgebied "
            "ingeschreven staat."
        ),
        sources=(Source.BRP, Source.TOESLAG),
        thresholds=_thresholds(),
    ),
)

INDICATORS: MappingProxyType[IndicatorCode, Indicator] = MappingProxyType(
    {indicator.code: indicator for indicator in _INDICATOR_LIST}
)
"""Registry in fixed order; result rows and fired-code tuples follow this order."""

ALL_CODES: tuple[IndicatorCode, ...] = tuple(INDICATORS)


def _default_weights() -> dict[str, int]:
    return {code.value: INDICATORS[code].default_weight for code in ALL_CODES}


@dataclass(frozen=True, kw_only=True)
class IndicatorSettings:
    """A project's indicator settings: peildatum, thresholds, weights, enabled indicators.

    These are the *only* knobs. There is deliberately no field through which nationaliteit,
    geboorteland, etniciteit, religie, gezondheid, geslacht or any other protected attribute (or a
    proxy such as name or language) could enter the selection, and age is used solely for the
    fixed adult test (`ADULT_AGE` = 18 on the peildatum), which is not configurable either.
    """

    peildatum: date
    # OVERBEWONING fires when oppervlakte_m2 / persons is strictly below this.
    overbewoning_m2_per_person: int | float = DEFAULT_OVERBEWONING_M2_PER_PERSON
    # LEEG_MAAR_VERBRUIK fires when electricity is at least this.
    leeg_min_kwh: int = DEFAULT_LEEG_MIN_KWH
    alleenstaand_min_other_adults: int = DEFAULT_ALLEENSTAAND_MIN_OTHER_ADULTS
    bedrijven_min_kvk: int = DEFAULT_BEDRIJVEN_MIN_KVK
    verhuis_min_inschrijvingen: int = DEFAULT_VERHUIS_MIN_INSCHRIJVINGEN
    # Window is inclusive at both ends: peildatum - days <= datum_inschrijving_adres <= peildatum.
    verhuis_window_days: int = DEFAULT_VERHUIS_WINDOW_DAYS
    samenloop_min_partners: int = DEFAULT_SAMENLOOP_MIN_PARTNERS
    # Per code; codes left out keep their default weight. Treat as read-only.
    weights: dict[str, int] = field(default_factory=_default_weights)
    risk_threshold: int = DEFAULT_RISK_THRESHOLD
    enabled: frozenset[str] = frozenset(code.value for code in ALL_CODES)

    def __post_init__(self) -> None:
        if not isinstance(self.peildatum, date):
            raise TypeError("peildatum must be a datetime.date")
        positive = {
            "overbewoning_m2_per_person": self.overbewoning_m2_per_person,
            "leeg_min_kwh": self.leeg_min_kwh,
            "alleenstaand_min_other_adults": self.alleenstaand_min_other_adults,
            "bedrijven_min_kvk": self.bedrijven_min_kvk,
            "verhuis_min_inschrijvingen": self.verhuis_min_inschrijvingen,
            "samenloop_min_partners": self.samenloop_min_partners,
            "risk_threshold": self.risk_threshold,
        }
        for name, value in positive.items():
            if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
                raise ValueError(f"{name} must be a positive number, got {value!r}")
        if not isinstance(self.verhuis_window_days, int) or self.verhuis_window_days < 0:
            raise ValueError("verhuis_window_days must be a non-negative int")
        known = {code.value for code in ALL_CODES}
        unknown = (set(self.weights) | set(self.enabled)) - known
        if unknown:
            raise ValueError(f"unknown indicator codes: {sorted(unknown)}")
        weights = {**_default_weights(), **{str(k): v for k, v in self.weights.items()}}
        for code, weight in weights.items():
            if isinstance(weight, bool) or not isinstance(weight, int) or weight < 0:
                raise ValueError(f"weight of {code} must be a non-negative int, got {weight!r}")
        # A complete plain dict (a copy: picklable for Celery, the caller's dict untouched).
        object.__setattr__(self, "weights", weights)
        object.__setattr__(self, "enabled", frozenset(str(code) for code in self.enabled))

    def enabled_codes(self) -> tuple[IndicatorCode, ...]:
        """Enabled indicators in registry order."""
        return tuple(code for code in ALL_CODES if code.value in self.enabled)

    def weight(self, code: str) -> int:
        return self.weights[str(code)]

    def as_dict(self) -> dict[str, Any]:
        """JSON-serialisable form, e.g. to store with a matching run for reproducibility."""
        return {
            "peildatum": self.peildatum.isoformat(),
            "overbewoning_m2_per_person": self.overbewoning_m2_per_person,
            "leeg_min_kwh": self.leeg_min_kwh,
            "alleenstaand_min_other_adults": self.alleenstaand_min_other_adults,
            "bedrijven_min_kvk": self.bedrijven_min_kvk,
            "verhuis_min_inschrijvingen": self.verhuis_min_inschrijvingen,
            "verhuis_window_days": self.verhuis_window_days,
            "samenloop_min_partners": self.samenloop_min_partners,
            "weights": dict(self.weights),
            "risk_threshold": self.risk_threshold,
            "enabled": [code.value for code in self.enabled_codes()],
        }
