"""Turning validated rows into pseudonymised record rows (formats.md §2–3, R17/R18).

`build_records` returns the column names and row tuples of the source's record model, ready for
COPY or bulk_create. Every BSN, address, BAG id and KvK number becomes an HMAC pseudonym here;
nothing raw leaves this module except, for BAG addresses, the AES-GCM sealed vault entries.
"""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd

from datasharing.constants import Source
from datasharing.intake import formats
from datasharing.models import AddressVaultEntry, Delivery
from datasharing.pseudonymisation import Kind, Pseudonymiser

COMMON = ["delivery_id", "project_id", "row_number", "key_version"]


def _values(frame: pd.DataFrame, column: str) -> list:
    """The column as Python values with every kind of missing as None (absent column: all None)."""
    if column not in frame.columns:
        return [None] * len(frame)
    series = frame[column]
    return [
        None
        if (v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and v != v) or v == "")
        else v
        for v in series.astype(object).tolist()
    ]


def _text(values: list) -> list[str]:
    return ["" if v is None else str(v) for v in values]


def _int(values: list) -> list[int | None]:
    return [None if v is None else int(round(float(v))) for v in values]


def as_date(value) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if hasattr(value, "to_pydatetime"):
        return value.to_pydatetime().date()
    text = str(value).strip()
    if len(text) >= 10 and text[2] == "-":
        return date(int(text[6:10]), int(text[3:5]), int(text[:2]))
    return date.fromisoformat(text[:10])


def _dates(values: list) -> list[date | None]:
    return [as_date(v) for v in values]


def _bsn(value) -> str | None:
    """Defensive normalisation: the intake layer already padded 8-digit BSNs."""
    if value is None:
        return None
    text = str(value).strip()
    return text.zfill(9) if text.isdigit() and len(text) == 8 else text


def _address_keys(frame: pd.DataFrame, pseudonymiser: Pseudonymiser) -> list[str]:
    return pseudonymiser.many(Kind.ADDRESS, _values(frame, formats.ADDRESS_KEY_COLUMN))


def _location(frame, pseudonymiser, nummeraanduiding_map) -> tuple[list[str], list[str]]:
    """address_key and nummeraanduiding_key per row; a row given only by its BAG id gets the
    address_key of that BAG id from the project's accepted BAG delivery (when known)."""
    address_keys = _address_keys(frame, pseudonymiser)
    nad_keys = pseudonymiser.many(
        Kind.NUMMERAANDUIDING, _values(frame, formats.NUMMERAANDUIDING_ID)
    )
    if nummeraanduiding_map:
        address_keys = [
            a or nummeraanduiding_map.get(n, "") if n else a
            for a, n in zip(address_keys, nad_keys, strict=True)
        ]
    return address_keys, nad_keys


def build_records(
    *,
    source: str,
    frame: pd.DataFrame,
    pseudonymiser: Pseudonymiser,
    delivery: Delivery,
    nummeraanduiding_map: dict[str, str] | None = None,
) -> tuple[list[str], list[tuple]]:
    n = len(frame)
    if formats.ROW_NUMBER_COLUMN in frame.columns:
        row_numbers = [int(v) for v in _values(frame, formats.ROW_NUMBER_COLUMN)]
    else:  # the reading layer keeps the spreadsheet row number in the index
        row_numbers = [int(v) for v in frame.index.tolist()]
    common = [
        [delivery.pk] * n,
        [delivery.project_id] * n,
        row_numbers,
        [pseudonymiser.key_version] * n,
    ]
    p = pseudonymiser
    person = lambda column: p.many(Kind.BSN, [_bsn(v) for v in _values(frame, column)])  # noqa: E731
    if source == Source.BAG:
        gebruiksdoel = [
            ",".join(v) if isinstance(v, (list, tuple)) else str(v or "")
            for v in _values(frame, "gebruiksdoel")
        ]
        woon = [
            formats.WOONFUNCTIE
            in [part.strip().lower() for part in g.split(formats.GEBRUIKSDOEL_SEPARATOR)]
            for g in gebruiksdoel
        ]
        names = [
            "address_key",
            "nummeraanduiding_key",
            "gebruiksdoel",
            "woonfunctie",
            "oppervlakte_m2",
            "x",
            "y",
            "buurtcode",
        ]
        data = [
            _address_keys(frame, p),
            p.many(Kind.NUMMERAANDUIDING, _values(frame, formats.NUMMERAANDUIDING_ID)),
            gebruiksdoel,
            woon,
            _int(_values(frame, "oppervlakte_m2")),
            _int(_values(frame, "x")),
            _int(_values(frame, "y")),
            _text(_values(frame, "buurtcode")),
        ]
    elif source == Source.BRP:
        address_keys, nad_keys = _location(frame, p, nummeraanduiding_map)
        names = [
            "person_key",
            "address_key",
            "nummeraanduiding_key",
            "geboortedatum",
            "datum_inschrijving_adres",
        ]
        data = [
            person("bsn"),
            address_keys,
            nad_keys,
            _dates(_values(frame, "geboortedatum")),
            _dates(_values(frame, "datum_inschrijving_adres")),
        ]
    elif source == Source.UITKERING:
        names = ["person_key", "regeling", "leefvorm", "ingangsdatum"]
        data = [
            person("bsn"),
            _text(_values(frame, "regeling")),
            _text(_values(frame, "leefvorm")),
            _dates(_values(frame, "ingangsdatum")),
        ]
    elif source == Source.TOESLAG:
        names = ["person_key", "toeslag", "partner_key"]
        data = [person("bsn"), _text(_values(frame, "toeslag")), person("toeslagpartner_bsn")]
    elif source == Source.HUUR:
        address_keys, nad_keys = _location(frame, p, nummeraanduiding_map)
        sociale = [
            None if v is None else str(v).strip().lower() == "ja"
            for v in _values(frame, "sociale_huur")
        ]
        names = [
            "address_key",
            "nummeraanduiding_key",
            "huurder_key",
            "ingangsdatum_huur",
            "sociale_huur",
        ]
        data = [
            address_keys,
            nad_keys,
            person("huurder_bsn"),
            _dates(_values(frame, "ingangsdatum_huur")),
            sociale,
        ]
    elif source == Source.KVK:
        address_keys, nad_keys = _location(frame, p, nummeraanduiding_map)
        names = ["kvk_key", "address_key", "nummeraanduiding_key", "sbi_code", "datum_inschrijving"]
        data = [
            p.many(Kind.KVK, _values(frame, "kvk_nummer")),
            address_keys,
            nad_keys,
            _text(_values(frame, "sbi_code")),
            _dates(_values(frame, "datum_inschrijving")),
        ]
    elif source == Source.ENERGIE:
        address_keys, nad_keys = _location(frame, p, nummeraanduiding_map)
        names = ["address_key", "nummeraanduiding_key", "jaar", "elektriciteit_kwh", "gas_m3"]
        data = [
            address_keys,
            nad_keys,
            _int(_values(frame, "jaar")),
            _int(_values(frame, "elektriciteit_kwh")),
            _int(_values(frame, "gas_m3")),
        ]
    elif source == Source.SIGNAAL:
        address_keys, nad_keys = _location(frame, p, nummeraanduiding_map)
        names = ["address_key", "nummeraanduiding_key", "signaal", "datum"]
        data = [
            address_keys,
            nad_keys,
            _text(_values(frame, "signaal")),
            _dates(_values(frame, "datum")),
        ]
    else:  # pragma: no cover - Source is closed
        raise ValueError(source)
    return COMMON + names, list(zip(*common, *data, strict=True))


def vault_entries(
    *, source: str, frame: pd.DataFrame, pseudonymiser: Pseudonymiser, delivery: Delivery
) -> list[AddressVaultEntry]:
    """Sealed real addresses of a BAG delivery, one per distinct address."""
    if source != Source.BAG or not len(frame):
        return []
    keys = _address_keys(frame, pseudonymiser)
    parts = {column: _text(_values(frame, column)) for column in formats.ADDRESS_COLUMNS}
    nads = _text(_values(frame, formats.NUMMERAANDUIDING_ID))
    entries: dict[str, AddressVaultEntry] = {}
    for index, key in enumerate(keys):
        if not key or key in entries:
            continue
        address = {column: parts[column][index] for column in formats.ADDRESS_COLUMNS}
        if nads[index]:
            address[formats.NUMMERAANDUIDING_ID] = nads[index]
        entries[key] = AddressVaultEntry(
            project_id=delivery.project_id,
            delivery_id=delivery.pk,
            address_key=key,
            key_version=pseudonymiser.key_version,
            ciphertext=pseudonymiser.seal_address(address_key=key, parts=address),
        )
    return list(entries.values())
