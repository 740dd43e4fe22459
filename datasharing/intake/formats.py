"""The data contract of partner deliveries (formats.md §1–3), declared once.

Everything that describes *what* a delivery may contain lives here: the sources, their columns,
which are required, the value type of each column, the allowed values of enumerations and the
column names that are forbidden outright (special categories and protected attributes). Reading
(`reading.py`) and validation (`validation.py`) interpret this spec; other apps import it to show
the data request to partners. Pure Python: no Django, no database.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum


class ColumnType(StrEnum):
    """How the values of a column are checked and normalised (formats.md §2–3)."""

    BSN = "bsn"  # 9 digits + elfproef; 8 digits are padded with a leading zero
    POSTCODE = "postcode"  # 1234AB: first digit not 0, stored upper-case without spaces
    HUISNUMMER = "huisnummer"  # 1–99999
    HUISLETTER = "huisletter"  # one letter, upper-cased
    TOEVOEGING = "toevoeging"  # up to 4 alphanumerics, upper-cased
    NUMMERAANDUIDING = "nummeraanduiding"  # BAG id, exactly 16 digits
    KVK = "kvk"  # exactly 8 digits
    DATE = "date"  # YYYY-MM-DD or DD-MM-YYYY, a real calendar date
    INT_POSITIVE = "int>0"
    INT_NON_NEGATIVE = "int>=0"
    YEAR = "year"  # four digits
    COORDINATE = "coordinate"  # Rijksdriehoek metres; a number, stored rounded to whole metres
    BUURTCODE = "buurtcode"  # CBS code: BU + 8 digits
    ENUM = "enum"  # one of `allowed`, matched after trim and case-fold
    MULTI_ENUM = "multi_enum"  # one or more of `allowed`, separated by ','
    TEXT = "text"  # free text up to `max_length` characters
    # A BSN or a kvk_nummer, as the row's `identifier_kind_column` says (eigendom's eigenaar_id).
    OWNER_ID = "owner_id"


BSN_TYPES = frozenset({ColumnType.BSN})
# Columns whose values are shown like a BSN in reports (all but the last 3 characters masked).
MASKED_TYPES = frozenset({ColumnType.BSN, ColumnType.OWNER_ID})
# Identifiers that a numeric spreadsheet cell holds without their leading zeros, and their width
# (formats.md §2 for the BSN; the others are fixed-width digit strings all the same).
NUMERIC_CELL_WIDTHS: dict[ColumnType, int] = {
    ColumnType.BSN: 9,
    ColumnType.KVK: 8,
    ColumnType.NUMMERAANDUIDING: 16,
}
ADDRESS_TYPES = frozenset(
    {ColumnType.POSTCODE, ColumnType.HUISNUMMER, ColumnType.HUISLETTER, ColumnType.TOEVOEGING}
)

# Canonical names of the address columns, and of the columns validation adds to `rows`.
POSTCODE = "postcode"
HUISNUMMER = "huisnummer"
HUISLETTER = "huisletter"
TOEVOEGING = "huisnummertoevoeging"
NUMMERAANDUIDING_ID = "nummeraanduiding_id"
ADDRESS_COLUMNS: tuple[str, ...] = (POSTCODE, HUISNUMMER, HUISLETTER, TOEVOEGING)
ADDRESS_KEY_COLUMN = "address"  # 'POSTCODE|HUISNUMMER|HUISLETTER|TOEVOEGING'
ADDRESS_KEY_SEPARATOR = "|"
ROW_NUMBER_COLUMN = "row_number"  # the row as the partner sees it in a spreadsheet (header = 1)

# Bounds that are not in formats.md but that a value must respect to be stored at all
# (PostgreSQL integer columns, plausible calendar years).
HUISNUMMER_MIN = 1
HUISNUMMER_MAX = 99_999
INTEGER_MAX = 2_147_483_647  # PositiveIntegerField
YEAR_MIN = 1900
YEAR_MAX = 2199
DATE_YEAR_MIN = 1800
DATE_YEAR_MAX = 2199
TEXT_MAX_LENGTH = 500


@dataclass(frozen=True)
class ColumnSpec:
    """One column of a source: its canonical (lower-case) name, type and whether it is required.

    For sources whose address is "address R" the columns `postcode` and `huisnummer` are marked
    required; `SourceSpec.nummeraanduiding_replaces_address` says that `nummeraanduiding_id` may
    stand in for them when the project has a BAG delivery.
    """

    name: str
    type: ColumnType
    required: bool
    allowed: tuple[str, ...] = ()  # canonical values, for ENUM and MULTI_ENUM
    max_length: int | None = None  # for TEXT
    description: str = ""  # Dutch, shown in the data request
    # OWNER_ID: the ENUM column whose value says which identifier the row holds.
    identifier_kind_column: str | None = None
    # Kept only in the address vault (encrypted), never in a record table (bag's street, place).
    vault_only: bool = False

    @property
    def is_bsn(self) -> bool:
        return self.type in BSN_TYPES


@dataclass(frozen=True)
class SourceSpec:
    """One source of formats.md §3."""

    code: str
    label: str  # Dutch display label
    delivered_by: str  # Dutch, informative
    columns: tuple[ColumnSpec, ...]
    # "address R": postcode + huisnummer, or nummeraanduiding_id instead of them when the project
    # has a bag delivery. False for bag itself, where postcode and huisnummer are simply required.
    nummeraanduiding_replaces_address: bool = False

    def column(self, name: str) -> ColumnSpec:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(name)

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns)

    @property
    def required_columns(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns if column.required)

    @property
    def has_address(self) -> bool:
        """True when the rows get a derived `address` key column."""
        return POSTCODE in self.column_names and HUISNUMMER in self.column_names


# --- enumerations -------------------------------------------------------------------------------

GEBRUIKSDOELEN: tuple[str, ...] = (
    "woonfunctie",
    "winkelfunctie",
    "kantoorfunctie",
    "bijeenkomstfunctie",
    "industriefunctie",
    "logiesfunctie",
    "overige gebruiksfunctie",
)
WOONFUNCTIE = "woonfunctie"
GEBRUIKSDOEL_SEPARATOR = ","
REGELINGEN: tuple[str, ...] = (
    "WW",
    "WIA",
    "WAJONG",
    "ZW",
    "IOW",
    "AOW",
    "ANW",
    "PW",  # Participatiewet (bijstand)
    "IOAW",
    "IOAZ",
)
LEEFVORMEN: tuple[str, ...] = ("alleenstaand", "alleenstaande ouder", "samenwonend")
TOESLAGEN: tuple[str, ...] = (
    "huurtoeslag",
    "zorgtoeslag",
    "kinderopvangtoeslag",
    "kindgebonden budget",
)
JA_NEE: tuple[str, ...] = ("ja", "nee")
NATUURLIJK_PERSOON = "natuurlijk persoon"  # eigenaar_id is a BSN
RECHTSPERSOON = "rechtspersoon"  # eigenaar_id is a kvk_nummer
EIGENAAR_SOORTEN: tuple[str, ...] = (NATUURLIJK_PERSOON, RECHTSPERSOON)
# BAG catalogue: the name of an openbare ruimte and of a woonplaats are at most 80 characters.
BAG_NAME_MAX_LENGTH = 80
# Canonical names of the address parts that only the vault keeps (bag).
STRAATNAAM = "straatnaam"
WOONPLAATS = "woonplaats"


# --- column building blocks ---------------------------------------------------------------------


def _address_columns(
    *, required: bool, with_nummeraanduiding: bool = True
) -> tuple[ColumnSpec, ...]:
    columns = (
        ColumnSpec(POSTCODE, ColumnType.POSTCODE, required, description="postcode, bijv. 1234 AB"),
        ColumnSpec(HUISNUMMER, ColumnType.HUISNUMMER, required, description="huisnummer 1–99999"),
        ColumnSpec(HUISLETTER, ColumnType.HUISLETTER, False, description="één letter"),
        ColumnSpec(TOEVOEGING, ColumnType.TOEVOEGING, False, description="tot 4 letters/cijfers"),
    )
    if with_nummeraanduiding:
        nummeraanduiding = ColumnSpec(
            NUMMERAANDUIDING_ID,
            ColumnType.NUMMERAANDUIDING,
            False,
            description="BAG-nummeraanduiding, 16 cijfers",
        )
        return (nummeraanduiding, *columns)
    return columns


def _bsn(name: str, *, required: bool = True) -> ColumnSpec:
    return ColumnSpec(name, ColumnType.BSN, required, description="BSN, 9 cijfers (elfproef)")


def _date(name: str, *, required: bool) -> ColumnSpec:
    return ColumnSpec(name, ColumnType.DATE, required, description="JJJJ-MM-DD of DD-MM-JJJJ")


# --- the sources --------------------------------------------------------------------------------

BAG = SourceSpec(
    code="bag",
    label="BAG – adressen in het projectgebied",
    delivered_by="gemeente",
    columns=(
        *_address_columns(required=True),
        ColumnSpec(
            STRAATNAAM,
            ColumnType.TEXT,
            False,
            max_length=BAG_NAME_MAX_LENGTH,
            description="straatnaam; alleen versleuteld bewaard, voor de bezoeklijst",
            vault_only=True,
        ),
        ColumnSpec(
            WOONPLAATS,
            ColumnType.TEXT,
            False,
            max_length=BAG_NAME_MAX_LENGTH,
            description="woonplaats; alleen versleuteld bewaard, voor de bezoeklijst",
            vault_only=True,
        ),
        ColumnSpec(
            "gebruiksdoel",
            ColumnType.MULTI_ENUM,
            True,
            allowed=GEBRUIKSDOELEN,
            description="een of meer gebruiksdoelen, gescheiden door ','",
        ),
        ColumnSpec("oppervlakte_m2", ColumnType.INT_POSITIVE, True, description="geheel getal > 0"),
        ColumnSpec("x", ColumnType.COORDINATE, False, description="Rijksdriehoek, meters"),
        ColumnSpec("y", ColumnType.COORDINATE, False, description="Rijksdriehoek, meters"),
        ColumnSpec("buurtcode", ColumnType.BUURTCODE, False, description="CBS, bijv. BU09830101"),
    ),
)

BRP = SourceSpec(
    code="brp",
    label="BRP – ingeschreven personen",
    delivered_by="gemeente",
    columns=(
        _bsn("bsn"),
        *_address_columns(required=True),
        _date("geboortedatum", required=True),
        _date("datum_inschrijving_adres", required=True),
    ),
    nummeraanduiding_replaces_address=True,
)

UITKERING = SourceSpec(
    code="uitkering",
    label="Uitkeringen",
    delivered_by="UWV, SVB, gemeente (Participatiewet)",
    columns=(
        _bsn("bsn"),
        ColumnSpec("regeling", ColumnType.ENUM, True, allowed=REGELINGEN),
        ColumnSpec("leefvorm", ColumnType.ENUM, True, allowed=LEEFVORMEN),
        _date("ingangsdatum", required=False),
    ),
)

TOESLAG = SourceSpec(
    code="toeslag",
    label="Toeslagen",
    delivered_by="Belastingdienst",
    columns=(
        _bsn("bsn"),
        ColumnSpec("toeslag", ColumnType.ENUM, True, allowed=TOESLAGEN),
        _bsn("toeslagpartner_bsn", required=False),
    ),
)

HUUR = SourceSpec(
    code="huur",
    label="Huurcontracten",
    delivered_by="woningcorporatie",
    columns=(
        *_address_columns(required=True),
        _bsn("huurder_bsn"),
        _date("ingangsdatum_huur", required=False),
        ColumnSpec("sociale_huur", ColumnType.ENUM, False, allowed=JA_NEE),
    ),
    nummeraanduiding_replaces_address=True,
)

KVK = SourceSpec(
    code="kvk",
    label="KvK-inschrijvingen",
    delivered_by="gemeente (uit het Handelsregister)",
    columns=(
        ColumnSpec("kvk_nummer", ColumnType.KVK, True, description="8 cijfers"),
        *_address_columns(required=True),
        ColumnSpec("sbi_code", ColumnType.TEXT, False, max_length=10),
        _date("datum_inschrijving", required=False),
    ),
    nummeraanduiding_replaces_address=True,
)

ENERGIE = SourceSpec(
    code="energie",
    label="Energieverbruik",
    delivered_by="gemeente (van de netbeheerder)",
    columns=(
        *_address_columns(required=True),
        ColumnSpec("jaar", ColumnType.YEAR, True, description="jaartal, bijv. 2025"),
        ColumnSpec("elektriciteit_kwh", ColumnType.INT_NON_NEGATIVE, True, description="≥ 0"),
        ColumnSpec("gas_m3", ColumnType.INT_NON_NEGATIVE, False, description="≥ 0"),
    ),
    nummeraanduiding_replaces_address=True,
)

SIGNAAL = SourceSpec(
    code="signaal",
    label="Signalen (verwonderadressen)",
    delivered_by="iedere partner",
    columns=(
        *_address_columns(required=True),
        ColumnSpec(
            "signaal",
            ColumnType.TEXT,
            True,
            max_length=TEXT_MAX_LENGTH,
            description="korte tekst, bijv. 'vermoeden onderverhuur'",
        ),
        _date("datum", required=False),
    ),
    nummeraanduiding_replaces_address=True,
)

EIGENDOM = SourceSpec(
    code="eigendom",
    label="Eigendom (Kadaster, BRK)",
    delivered_by="gemeente (uit de Basisregistratie Kadaster)",
    columns=(
        *_address_columns(required=True),
        ColumnSpec(
            "eigenaar_id",
            ColumnType.OWNER_ID,
            True,
            description="BSN (natuurlijk persoon) of KvK-nummer (rechtspersoon)",
            identifier_kind_column="eigenaar_soort",
        ),
        ColumnSpec("eigenaar_soort", ColumnType.ENUM, True, allowed=EIGENAAR_SOORTEN),
        _date("datum_eigendom", required=False),
    ),
    nummeraanduiding_replaces_address=True,
)

SOURCES: dict[str, SourceSpec] = {
    spec.code: spec
    for spec in (BAG, BRP, UITKERING, TOESLAG, HUUR, KVK, ENERGIE, SIGNAAL, EIGENDOM)
}
SOURCE_LABELS: dict[str, str] = {code: spec.label for code, spec in SOURCES.items()}


def get_source(code: str) -> SourceSpec:
    """The spec of a source code; ValueError for an unknown code (a programming error)."""
    try:
        return SOURCES[code]
    except KeyError:
        raise ValueError(f"Unknown source {code!r}; expected one of {sorted(SOURCES)}") from None


# --- forbidden columns --------------------------------------------------------------------------
#
# A column whose name, or whose meaning, is a special category of personal data (AVG art. 9/10) or a
# protected attribute makes the whole delivery rejected (formats.md §1; SyRI ruling). Names are
# compared after `compact_column_name` (accents removed, case-folded, everything but letters and
# digits dropped), so "Nationaliteit ", "geboorte_land", "Land van geboorte" and "ETNISCHE-afkomst"
# are all caught. STEMS match anywhere inside the compact name; TOKENS (too short or too common to
# match as a substring) match only a whole word of the name or the whole compact name.
# Legitimate contract columns must never match: a test checks every column of SOURCES.

FORBIDDEN_CATEGORIES: dict[str, dict[str, tuple[str, ...]]] = {
    "nationaliteit": {
        "stems": (
            "nationalit",  # nationaliteit(en), nationality, nationalite
            "staatsburger",
            "citizenship",
            "burgerschap",
            "paspoortland",
        ),
        "tokens": (),
    },
    "geboorteland": {
        "stems": (
            "geboorteland",
            "gebland",
            "landvangeboorte",
            "landgeboorte",
            "geboorteplaats",
            "plaatsvangeboorte",
            "countryofbirth",
            "birthcountry",
            "birthplace",
            "placeofbirth",
            "herkomstland",
            "landvanherkomst",
            "landherkomst",
            "countryoforigin",
        ),
        "tokens": (),
    },
    "etniciteit": {
        "stems": (
            "etnic",  # etniciteit, etnicity (typo)
            "ethnic",
            "etnisch",
            "afkomst",
            "herkomst",
            "migratieachtergrond",
            "migrantenachtergrond",
            "allochto",
            "autochto",
            "huidskleur",
            "moedertaal",
        ),
        "tokens": ("ras", "race"),
    },
    "religie": {
        "stems": (
            "religi",  # religie, religion, religious
            "godsdienst",
            "geloof",
            "kerkgenootschap",
            "kerkelijk",
            "gezindte",
            "kerklidmaatschap",
            "levensbeschouw",
            "levensovertuiging",
            "belief",
        ),
        "tokens": ("kerk", "faith"),
    },
    "gezondheid": {
        "stems": (
            "gezondheid",
            "health",
            "medisch",
            "medical",
            "diagnose",
            "diagnosis",
            "ziekte",
            "handicap",
            "disabilit",
            "arbeidsongeschikt",
            "zwanger",
            "pregnan",
            "verslaving",
            "ggz",
            "medicatie",
        ),
        "tokens": ("ziek", "beperking"),
    },
    "geslacht": {
        "stems": ("geslacht", "gender", "sekse", "manvrouw"),
        "tokens": ("sex", "mv"),
    },
    "overige bijzondere persoonsgegevens": {
        "stems": (
            "seksueel",
            "seksuele",
            "sexual",
            "geaardheid",
            "politiek",
            "overtuiging",
            "political",
            "vakbond",
            "tradeunion",
            "genetisch",
            "genetic",
            "biometri",
            "strafblad",
            "strafrecht",
            "veroordeling",
            "criminal",
        ),
        "tokens": (),
    },
}

# Harmless words that contain a forbidden stem; removed before matching. 'Geslachtsnaam' is the
# BRP's word for surname (not requested, but not a special category either).
HARMLESS_LOOKALIKES: tuple[str, ...] = ("geslachtsnaam", "afkomstig")

_NON_ALNUM = re.compile(r"[^0-9a-z]+")


def normalise_column_name(name: object) -> str:
    """Header as matched against the contract: trimmed and case-folded (formats.md §1)."""
    return str(name).replace("\ufeff", "").strip().casefold()


def _fold(name: object) -> str:
    decomposed = unicodedata.normalize("NFKD", normalise_column_name(name))
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def compact_column_name(name: object) -> str:
    """Header reduced to its letters and digits, for meaning-based comparisons."""
    return _NON_ALNUM.sub("", _fold(name))


def forbidden_category(name: object) -> str | None:
    """The forbidden category a column name belongs to, or None when it is not forbidden."""
    compact = compact_column_name(name)
    tokens = set(_NON_ALNUM.split(_fold(name))) | {compact}
    for harmless in HARMLESS_LOOKALIKES:
        compact = compact.replace(harmless, "")
    if not compact:
        return None
    for category, words in FORBIDDEN_CATEGORIES.items():
        if any(stem in compact for stem in words["stems"]):
            return category
        if any(token in tokens for token in words["tokens"]):
            return category
    return None
