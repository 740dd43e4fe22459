"""Turning validated rows into pseudonymised record rows (formats.md §2–3, R17/R18).

`PseudonymisedRows` puts a delivery's rows in address-key order and yields them as pyarrow Tables
of the source's record model (columns named as the model's fields), batch by batch, ready for
COPY or bulk_create; `build_records` builds one such Table. Columns are built vectorised: no
Python per row except one HMAC per *distinct* identifier and one AES-GCM seal per vault address.
Every BSN, address, BAG id and KvK number becomes an HMAC pseudonym here; nothing raw leaves
this module except, for BAG addresses, the AES-GCM sealed vault entries (`vault_entries`), which
also hold the columns the contract keeps only in the vault (straatnaam, woonplaats).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from datasharing.constants import ADDRESSED_SOURCES, Source
from datasharing.intake import formats
from datasharing.models import Delivery, OwnerVaultEntry
from datasharing.pseudonymisation import Kind, Pseudonymiser

COMMON = ["delivery_id", "project_id", "row_number", "key_version"]

NummeraanduidingMap = Mapping[str, str] | Callable[[], Mapping[str, str]]

# Vault plaintexts are built as JSON text vectorised when every address part is plain
# alphanumeric (the validated, normalised parts always are) and the free-text parts hold no
# control character but tab and newlines (validation refuses the others); anything else goes
# through json.dumps.
_PLAIN_PART = r"[0-9A-Za-z]*"
_JSON_ESCAPES = (("\\", "\\\\"), ('"', '\\"'), ("\n", "\\n"), ("\r", "\\r"), ("\t", "\\t"))
_CONTROL = r"[\x00-\x1f]"
# Vault-only columns (formats.md: bag straatnaam, woonplaats) and nummeraanduiding_id are sealed
# only where given.
VAULT_OPTIONAL = (
    formats.NUMMERAANDUIDING_ID,
    *(column.name for column in formats.BAG.columns if column.vault_only),
)


def _values(frame: pd.DataFrame, column: str) -> list[Any]:
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


def as_date(value: object) -> date | None:
    """A date from a reader cell (date, datetime, pandas Timestamp or DD-MM-YYYY text)."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if hasattr(value, "to_pydatetime"):
        stamp: datetime = value.to_pydatetime()
        return stamp.date()
    text = str(value).strip()
    if len(text) >= 10 and text[2] == "-":
        return date(int(text[6:10]), int(text[3:5]), int(text[:2]))
    return date.fromisoformat(text[:10])


# --- columns ------------------------------------------------------------------------------------


def _text(frame: pd.DataFrame, column: str) -> pd.Series:
    """Strings, '' where missing or absent (positionally indexed)."""
    if column not in frame.columns:
        return pd.Series("", index=range(len(frame)), dtype="str")
    series = frame[column].reset_index(drop=True)
    if not isinstance(series.dtype, pd.StringDtype):
        series = pd.Series(
            ["" if v is None else str(v) for v in _values(frame, column)], dtype="str"
        )
    return series.fillna("")


def _string_array(series: pd.Series) -> pa.Array:
    return pa.array(series.fillna("").astype("str"), type=pa.string())


def _int_array(frame: pd.DataFrame, column: str) -> pa.Array:
    if column not in frame.columns:
        return pa.nulls(len(frame), type=pa.int64())
    series = frame[column].reset_index(drop=True)
    if not pd.api.types.is_integer_dtype(series.dtype):
        series = pd.to_numeric(series.replace("", None), errors="raise").round().astype("Int64")
    return pa.array(series.astype("Int64"), type=pa.int64(), from_pandas=True)


def _date_array(frame: pd.DataFrame, column: str) -> pa.Array:
    if column not in frame.columns:
        return pa.nulls(len(frame), type=pa.date32())
    series = frame[column].reset_index(drop=True)
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        return pa.array(series, from_pandas=True).cast(pa.date32())
    return pa.array([as_date(v) for v in _values(frame, column)], type=pa.date32())


def _bsn(series: pd.Series) -> pd.Series:
    """Defensive normalisation: the intake layer already padded 8-digit BSNs."""
    text = series.str.strip()
    eight = text.str.fullmatch(r"[0-9]{8}").fillna(False).to_numpy(dtype=bool)
    if eight.any():
        text = text.where(~eight, text.str.zfill(9))
    return text


def _address_keys(frame: pd.DataFrame, pseudonymiser: Pseudonymiser) -> pd.Series:
    return pseudonymiser.series(Kind.ADDRESS, _text(frame, formats.ADDRESS_KEY_COLUMN))


def _nummeraanduiding_keys(frame: pd.DataFrame, pseudonymiser: Pseudonymiser) -> pd.Series:
    return pseudonymiser.series(Kind.NUMMERAANDUIDING, _text(frame, formats.NUMMERAANDUIDING_ID))


def _resolved_address_keys(
    frame: pd.DataFrame,
    pseudonymiser: Pseudonymiser,
    nummeraanduiding_map: NummeraanduidingMap | None,
) -> pd.Series:
    """address_key per row; a row given only by its BAG id gets the address_key of that BAG id
    from the project's accepted BAG delivery (when known). The map (or the callable that loads
    it) is only consulted when such rows exist."""
    address_keys = _address_keys(frame, pseudonymiser)
    nads = _text(frame, formats.NUMMERAANDUIDING_ID)
    only_nad = ((address_keys == "") & (nads != "")).to_numpy(dtype=bool)
    if nummeraanduiding_map is not None and only_nad.any():
        mapping = nummeraanduiding_map() if callable(nummeraanduiding_map) else nummeraanduiding_map
        if mapping:
            nad_keys = pseudonymiser.series(Kind.NUMMERAANDUIDING, nads[only_nad])
            resolved = nad_keys.map(mapping).fillna("").astype("str")
            address_keys = address_keys.copy()
            address_keys[only_nad] = resolved.to_numpy()
    return address_keys


def _woonfunctie(gebruiksdoel: pd.Series) -> pd.Series:
    """Does the (',' separated) gebruiksdoel list contain woonfunctie (trimmed, any case)?"""
    sep = formats.GEBRUIKSDOEL_SEPARATOR
    padded = (
        sep
        + gebruiksdoel.str.lower().str.replace(r"\s*" + sep + r"\s*", sep, regex=True).str.strip()
        + sep
    )
    return padded.str.contains(sep + formats.WOONFUNCTIE + sep, regex=False).fillna(False)


def address_keys_of(
    *,
    source: str,
    frame: pd.DataFrame,
    pseudonymiser: Pseudonymiser,
    nummeraanduiding_map: NummeraanduidingMap | None = None,
) -> pd.Series:
    """The address_key of every row (positionally indexed); a BAG row is its own address."""
    if source == Source.BAG:
        return _address_keys(frame, pseudonymiser)
    return _resolved_address_keys(frame, pseudonymiser, nummeraanduiding_map)


class PseudonymisedRows:
    """The record rows of one accepted delivery in address-key order, built batch by batch.

    Rows in address-key order make every (…, address_key) index insertion land on the index's
    rightmost page, which PostgreSQL does far faster than random insertions. Building batch by
    batch lets the caller stream one batch into COPY while the next one is pseudonymised: the
    database indexes on one core while this process hashes on the other. The address keys are
    computed once, up front, to find the order; the stable sort keeps the file's order among
    rows of one address (the first row of an address stays first).
    """

    def __init__(
        self,
        *,
        source: str,
        frame: pd.DataFrame,
        pseudonymiser: Pseudonymiser,
        delivery: Delivery,
        nummeraanduiding_map: NummeraanduidingMap | None = None,
    ) -> None:
        self.source = source
        self.pseudonymiser = pseudonymiser
        self.delivery = delivery
        self.address_keys: pd.Series | None = None
        if source in ADDRESSED_SOURCES and len(frame) > 1:
            keys = address_keys_of(
                source=source,
                frame=frame,
                pseudonymiser=pseudonymiser,
                nummeraanduiding_map=nummeraanduiding_map,
            )
            order = pc.sort_indices(pa.array(keys, type=pa.string())).to_numpy()
            frame = frame.iloc[order]
            self.address_keys = keys.iloc[order].reset_index(drop=True)
        self.frame = frame
        self.nummeraanduiding_map = nummeraanduiding_map

    def __len__(self) -> int:
        return len(self.frame)

    def batches(self, rows: int) -> Iterator[pa.Table]:
        for start in range(0, max(len(self.frame), 1), rows):
            part = slice(start, start + rows)
            keys = self.address_keys
            yield build_records(
                source=self.source,
                frame=self.frame.iloc[part],
                pseudonymiser=self.pseudonymiser,
                delivery=self.delivery,
                nummeraanduiding_map=self.nummeraanduiding_map,
                address_keys=None if keys is None else keys.iloc[part].reset_index(drop=True),
            )

    def vault(self) -> pa.Table | None:
        """Sealed real addresses (BAG only), in address-key order."""
        return vault_entries(
            source=self.source,
            frame=self.frame,
            pseudonymiser=self.pseudonymiser,
            delivery=self.delivery,
            address_keys=self.address_keys,
        )


def build_records(
    *,
    source: str,
    frame: pd.DataFrame,
    pseudonymiser: Pseudonymiser,
    delivery: Delivery,
    nummeraanduiding_map: NummeraanduidingMap | None = None,
    address_keys: pd.Series | None = None,
) -> pa.Table:
    """The pseudonymised record rows of (part of) one accepted delivery, as a Table of model
    columns. `address_keys`: the rows' address keys when already computed."""
    n = len(frame)
    if formats.ROW_NUMBER_COLUMN in frame.columns:
        row_numbers = frame[formats.ROW_NUMBER_COLUMN].to_numpy(dtype=np.int64)
    else:  # the reading layer keeps the spreadsheet row number in the index
        row_numbers = frame.index.to_numpy(dtype=np.int64)
    columns: dict[str, pa.Array] = {
        "delivery_id": pa.array(np.full(n, delivery.pk, dtype=np.int64)),
        "project_id": pa.array(np.full(n, delivery.project_id, dtype=np.int64)),
        "row_number": pa.array(row_numbers),
        "key_version": pa.array(np.full(n, pseudonymiser.key_version, dtype=np.int64)),
    }
    p = pseudonymiser

    def person(column: str) -> pa.Array:
        return _string_array(p.series(Kind.BSN, _bsn(_text(frame, column))))

    def text(column: str) -> pa.Array:
        return _string_array(_text(frame, column))

    def add_location() -> None:
        keys = address_keys
        if keys is None:
            keys = address_keys_of(
                source=source,
                frame=frame,
                pseudonymiser=p,
                nummeraanduiding_map=nummeraanduiding_map,
            )
        columns["address_key"] = _string_array(keys)
        columns["nummeraanduiding_key"] = _string_array(_nummeraanduiding_keys(frame, p))

    if source == Source.BAG:
        gebruiksdoel = _text(frame, "gebruiksdoel")
        add_location()
        columns["gebruiksdoel"] = _string_array(gebruiksdoel)
        columns["woonfunctie"] = pa.array(_woonfunctie(gebruiksdoel).to_numpy(dtype=bool))
        columns["oppervlakte_m2"] = _int_array(frame, "oppervlakte_m2")
        columns["x"] = _int_array(frame, "x")
        columns["y"] = _int_array(frame, "y")
        columns["buurtcode"] = text("buurtcode")
    elif source == Source.BRP:
        columns["person_key"] = person("bsn")
        add_location()
        columns["geboortedatum"] = _date_array(frame, "geboortedatum")
        columns["datum_inschrijving_adres"] = _date_array(frame, "datum_inschrijving_adres")
    elif source == Source.UITKERING:
        columns["person_key"] = person("bsn")
        columns["regeling"] = text("regeling")
        columns["leefvorm"] = text("leefvorm")
        columns["ingangsdatum"] = _date_array(frame, "ingangsdatum")
    elif source == Source.TOESLAG:
        columns["person_key"] = person("bsn")
        columns["toeslag"] = text("toeslag")
        columns["partner_key"] = person("toeslagpartner_bsn")
    elif source == Source.HUUR:
        add_location()
        columns["huurder_key"] = person("huurder_bsn")
        columns["ingangsdatum_huur"] = _date_array(frame, "ingangsdatum_huur")
        raw = _text(frame, "sociale_huur")
        sociale = raw.str.strip().str.lower() == "ja"
        columns["sociale_huur"] = pa.array(
            sociale.to_numpy(dtype=bool), mask=(raw == "").to_numpy(dtype=bool)
        )
    elif source == Source.KVK:
        columns["kvk_key"] = _string_array(p.series(Kind.KVK, _text(frame, "kvk_nummer")))
        add_location()
        columns["sbi_code"] = text("sbi_code")
        columns["datum_inschrijving"] = _date_array(frame, "datum_inschrijving")
    elif source == Source.ENERGIE:
        add_location()
        columns["jaar"] = _int_array(frame, "jaar")
        columns["elektriciteit_kwh"] = _int_array(frame, "elektriciteit_kwh")
        columns["gas_m3"] = _int_array(frame, "gas_m3")
    elif source == Source.SIGNAAL:
        add_location()
        columns["signaal"] = text("signaal")
        columns["datum"] = _date_array(frame, "datum")
    elif source == Source.EIGENDOM:
        add_location()
        soort = _text(frame, "eigenaar_soort")
        owner = _text(frame, "eigenaar_id")
        person = (soort == formats.NATUURLIJK_PERSOON).to_numpy(dtype=bool)
        company = (soort == formats.RECHTSPERSOON).to_numpy(dtype=bool)
        columns["person_key"] = _string_array(p.series(Kind.BSN, _bsn(owner.where(person, ""))))
        columns["kvk_key"] = _string_array(p.series(Kind.KVK, owner.where(company, "")))
        columns["eigenaar_soort"] = _string_array(soort)
        columns["datum_eigendom"] = _date_array(frame, "datum_eigendom")
    else:  # pragma: no cover - Source is closed
        raise ValueError(source)
    return pa.table(columns)


def _json_text(series: pd.Series) -> pd.Series:
    """The body of a JSON string for each value (pyarrow string kernels, no Python per row)."""
    for old, new in _JSON_ESCAPES:
        series = series.str.replace(old, new, regex=False)
    return series


def _vault_plaintexts(parts: dict[str, pd.Series], optional: dict[str, pd.Series]) -> list[bytes]:
    """The sealed JSON object per address, keys sorted: every part of `parts`, and each part of
    `optional` only where given. json.loads of each gives the dict json.dumps would have written
    (non-ASCII characters are kept as UTF-8, not escaped)."""
    count = len(next(iter(parts.values())))
    plain = np.ones(count, dtype=bool)
    for series in parts.values():
        plain &= series.str.fullmatch(_PLAIN_PART).fillna(False).to_numpy(dtype=bool)
    escaped = {name: _json_text(series) for name, series in optional.items()}
    for series in escaped.values():
        plain &= ~series.str.contains(_CONTROL, regex=True).fillna(False).to_numpy(dtype=bool)
    if plain.all():
        text = pd.Series("", index=range(count), dtype="str")
        for name in sorted([*parts, *optional]):
            if name in parts:
                text = text + ',"' + name + '":"' + parts[name].reset_index(drop=True) + '"'
                continue
            values = escaped[name].reset_index(drop=True)
            text = text + (',"' + name + '":"' + values + '"').where(values != "", "")
        return [("{" + value[1:] + "}").encode() for value in text.tolist()]
    rows = []
    columns = {name: series.tolist() for name, series in parts.items()}
    extra = {name: series.tolist() for name, series in optional.items()}
    for index in range(count):
        address = {name: values[index] for name, values in columns.items()}
        address.update({name: values[index] for name, values in extra.items() if values[index]})
        rows.append(
            json.dumps(address, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
        )
    return rows


def vault_entries(
    *,
    source: str,
    frame: pd.DataFrame,
    pseudonymiser: Pseudonymiser,
    delivery: Delivery,
    address_keys: pd.Series | None = None,
) -> pa.Table | None:
    """Sealed real addresses of a BAG delivery, one per distinct address (its first row): the
    address parts, and nummeraanduiding_id, straatnaam and woonplaats where given; as a Table of
    AddressVaultEntry columns; None when there is nothing to seal. `address_keys`: the
    rows' keys when already computed (positionally indexed)."""
    if source != Source.BAG or not len(frame):
        return None
    keys = (
        address_keys if address_keys is not None else _address_keys(frame, pseudonymiser)
    ).reset_index(drop=True)
    first = (~keys.duplicated() & (keys != "")).to_numpy(dtype=bool)
    if not first.any():
        return None
    keys = keys[first].reset_index(drop=True)
    parts = {
        column: _text(frame, column)[first].reset_index(drop=True)
        for column in formats.ADDRESS_COLUMNS
    }
    optional = {
        column: _text(frame, column)[first].reset_index(drop=True) for column in VAULT_OPTIONAL
    }
    key_list = keys.tolist()
    sealed = pseudonymiser.seal_many(
        address_keys=key_list, plaintexts=_vault_plaintexts(parts, optional)
    )
    count = len(key_list)
    return pa.table(
        {
            "project_id": pa.array(np.full(count, delivery.project_id, dtype=np.int64)),
            "delivery_id": pa.array(np.full(count, delivery.pk, dtype=np.int64)),
            "address_key": pa.array(key_list, type=pa.string()),
            "key_version": pa.array(np.full(count, pseudonymiser.key_version, dtype=np.int64)),
            "ciphertext": pa.array(sealed, type=pa.binary()),
        }
    )


def owner_vault_entries(
    *, frame: pd.DataFrame, pseudonymiser: Pseudonymiser, delivery: Delivery
) -> list[OwnerVaultEntry]:
    """Sealed owner ids of an eigendom delivery, one per distinct owner (formats.md §3): the
    normalised BSN (padded) of a natuurlijk persoon or the kvk_nummer of a rechtspersoon,
    keyed by the same pseudonym as the record's person_key or kvk_key. The owner view's
    four-eyes re-identification opens them (controls); nothing else does."""
    if delivery.source != Source.EIGENDOM or not len(frame):
        return []
    soort = _text(frame, "eigenaar_soort")
    owner = _text(frame, "eigenaar_id")
    person = soort == formats.NATUURLIJK_PERSOON
    company = soort == formats.RECHTSPERSOON
    entries: dict[str, tuple[str, str]] = {}
    for kind, mask, values in (
        (Kind.BSN, person, _bsn(owner.where(person, ""))),
        (Kind.KVK, company, owner.where(company, "")),
    ):
        ids = values[mask.to_numpy(dtype=bool)].reset_index(drop=True)
        keys = pseudonymiser.series(kind, ids)
        for key, value in zip(keys.tolist(), ids.tolist(), strict=True):
            if key and key not in entries:
                entries[key] = (kind.value, str(value))
    keys = list(entries)
    sealed = pseudonymiser.seal_owners(owner_keys=keys, owner_ids=[entries[key][1] for key in keys])
    return [
        OwnerVaultEntry(
            project_id=delivery.project_id,
            delivery_id=delivery.pk,
            owner_key=key,
            owner_kind=entries[key][0],
            key_version=pseudonymiser.key_version,
            ciphertext=ciphertext,
        )
        for key, ciphertext in zip(keys, sealed, strict=True)
    ]
