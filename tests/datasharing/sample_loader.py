"""Minimal loader that turns the dirty wijk-300 sample CSVs into indicator-engine frames.

Test-only stand-in for the real intake (datasharing/intake/), which will replace it. It normalises
just enough of formats.md §1–2 for the engine test: BOM, ';'/',' delimiter, header case, spacing and
case of address parts, 8-digit BSNs (padded), invalid BSNs (dropped), two date forms, and
energy rows keyed by nummeraanduiding_id (resolved through bag.csv). Keys are the normalised
strings themselves (no HMAC): address `POSTCODE|HUISNUMMER|HUISLETTER|TOEVOEGING`, person = BSN.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd
from stdnum.nl import bsn as stdnum_bsn

from datasharing.matching.indicators import Frames

# File → (source, partner organisation), from samples/README.md.
SAMPLE_FILES: dict[str, tuple[str, str]] = {
    "bag.csv": ("bag", "gemeente"),
    "brp.csv": ("brp", "gemeente"),
    "uitkering_uwv.csv": ("uitkering", "uwv"),
    "uitkering_svb.csv": ("uitkering", "svb"),
    "uitkering_pw.csv": ("uitkering", "gemeente"),
    "toeslag.csv": ("toeslag", "belastingdienst"),
    "huur.csv": ("huur", "woningcorporatie"),
    "kvk.csv": ("kvk", "gemeente"),
    "energie.csv": ("energie", "gemeente"),
    "signaal_politie.csv": ("signaal", "politie"),
    "signaal_corporatie.csv": ("signaal", "woningcorporatie"),
    "signaal_uwv.csv": ("signaal", "uwv"),
}

ADDRESS_COLUMNS = ["postcode", "huisnummer", "huisletter", "huisnummertoevoeging"]


def read_csv(path: Path) -> pd.DataFrame:
    """Read one CSV as trimmed strings; detect the delimiter; lower-case headers; '' → NA."""
    text = path.read_text(encoding="utf-8-sig")
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    header = [h.strip().lower() for h in rows[0]]
    df = pd.DataFrame([[v.strip() for v in r] for r in rows[1:] if r], columns=header, dtype=object)
    return df.replace("", pd.NA)


def normalise_bsn(series: pd.Series) -> pd.Series:
    """Pad 8-digit values; return NA for anything that fails the elfproef."""

    def one(value: object) -> object:
        if not isinstance(value, str) or not value.isdigit() or len(value) not in (8, 9):
            return pd.NA
        padded = value.zfill(9)
        return padded if stdnum_bsn.is_valid(padded) else pd.NA

    return series.map(one).astype(object)


def address_key(df: pd.DataFrame) -> pd.Series:
    """`POSTCODE|HUISNUMMER|HUISLETTER|TOEVOEGING`, upper-cased, postcode without spaces."""
    postcode = df["postcode"].fillna("").str.replace(" ", "", regex=False).str.upper()
    huisnummer = df["huisnummer"].fillna("").str.lstrip("0")
    parts = [postcode, huisnummer]
    for column in ("huisletter", "huisnummertoevoeging"):
        values = df[column] if column in df.columns else pd.Series("", index=df.index)
        parts.append(values.fillna("").str.upper())
    key = parts[0].str.cat(parts[1:], sep="|")
    return key.where(postcode != "", pd.NA)


def parse_dates(series: pd.Series) -> pd.Series:
    """Accept YYYY-MM-DD and DD-MM-YYYY; return python dates (NaT for unparseable)."""
    iso = pd.to_datetime(series, format="%Y-%m-%d", errors="coerce")
    dutch = pd.to_datetime(series, format="%d-%m-%Y", errors="coerce")
    return iso.fillna(dutch).dt.date


def _with_address(df: pd.DataFrame, nad_to_key: dict[str, str]) -> pd.DataFrame:
    key = address_key(df)
    if "nummeraanduiding_id" in df.columns:
        key = key.fillna(df["nummeraanduiding_id"].map(nad_to_key))
    return df.assign(address_key=key).dropna(subset=["address_key"])


def load_sample(folder: Path) -> Frames:
    """Build the engine's input frames (all sources delivered) from a sample folder."""
    raw = {name: read_csv(folder / name) for name in SAMPLE_FILES}

    bag_raw = raw["bag.csv"]
    bag_keys = address_key(bag_raw)
    nad_to_key = dict(zip(bag_raw["nummeraanduiding_id"], bag_keys, strict=True))
    bag = pd.DataFrame(
        {
            "address_key": bag_keys,
            "gebruiksdoel": bag_raw["gebruiksdoel"],
            "oppervlakte_m2": pd.to_numeric(bag_raw["oppervlakte_m2"]).astype("int64"),
            "buurtcode": bag_raw["buurtcode"],
        }
    )

    brp_raw = _with_address(raw["brp.csv"], nad_to_key)
    brp = pd.DataFrame(
        {
            "person_key": normalise_bsn(brp_raw["bsn"]),
            "address_key": brp_raw["address_key"],
            "geboortedatum": parse_dates(brp_raw["geboortedatum"]),
            "datum_inschrijving_adres": parse_dates(brp_raw["datum_inschrijving_adres"]),
        }
    ).dropna(subset=["person_key"])

    uitkering_parts = []
    for name, (source, partner) in SAMPLE_FILES.items():
        if source != "uitkering":
            continue
        df = raw[name]
        uitkering_parts.append(
            pd.DataFrame(
                {
                    "person_key": normalise_bsn(df["bsn"]),
                    "regeling": df["regeling"],
                    "leefvorm": df["leefvorm"].str.lower(),
                    "organisation": partner,
                }
            ).dropna(subset=["person_key"])
        )
    uitkering = pd.concat(uitkering_parts, ignore_index=True)

    toeslag_raw = raw["toeslag.csv"]
    toeslag = pd.DataFrame(
        {
            "person_key": normalise_bsn(toeslag_raw["bsn"]),
            "toeslag": toeslag_raw["toeslag"],
            "partner_key": normalise_bsn(toeslag_raw["toeslagpartner_bsn"]),
        }
    ).dropna(subset=["person_key"])

    huur_raw = _with_address(raw["huur.csv"], nad_to_key)
    huur = pd.DataFrame(
        {
            "address_key": huur_raw["address_key"],
            "huurder_key": normalise_bsn(huur_raw["huurder_bsn"]),
        }
    ).dropna(subset=["huurder_key"])

    kvk_raw = _with_address(raw["kvk.csv"], nad_to_key)
    kvk = pd.DataFrame({"kvk_key": kvk_raw["kvk_nummer"], "address_key": kvk_raw["address_key"]})

    energie_raw = _with_address(raw["energie.csv"], nad_to_key)
    energie = pd.DataFrame(
        {
            "address_key": energie_raw["address_key"],
            "jaar": pd.to_numeric(energie_raw["jaar"]).astype("int64"),
            "elektriciteit_kwh": pd.to_numeric(energie_raw["elektriciteit_kwh"]).astype("int64"),
        }
    )

    signaal_parts = []
    for name, (source, partner) in SAMPLE_FILES.items():
        if source != "signaal":
            continue
        df = _with_address(raw[name], nad_to_key)
        signaal_parts.append(
            pd.DataFrame(
                {
                    "address_key": df["address_key"],
                    "organisation": partner,
                    "signaal": df["signaal"],
                }
            )
        )
    signaal = pd.concat(signaal_parts, ignore_index=True)

    return Frames(
        bag=bag,
        brp=brp,
        uitkering=uitkering,
        toeslag=toeslag,
        huur=huur,
        kvk=kvk,
        energie=energie,
        signaal=signaal,
    )
