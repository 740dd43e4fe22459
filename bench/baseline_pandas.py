"""The plain pandas baseline: the same work as intake + matching, with no database.

Reads every CSV (delimiter detection, BOM, header case), normalises addresses, pads and checks
BSNs (elfproef, vectorised), parses both date forms, replaces every identifier by a keyed HMAC-
SHA-256 (one HMAC per value, like the intake), resolves nummeraanduiding_id through the bag, and
evaluates the indicators with the SAME engine (datasharing.matching.indicators.engine.evaluate),
so the ratio measures the application's overhead (validation, database, chunking), not a
different algorithm. Prints one JSON line: seconds per stage and counts per indicator.

    python bench/baseline_pandas.py <folder> [peildatum]
"""

from __future__ import annotations

import hashlib
import hmac
import json
import resource
import secrets
import sys
import time
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from datasharing.matching.indicators.engine import Frames, evaluate  # noqa: E402
from datasharing.matching.indicators.registry import IndicatorSettings  # noqa: E402

FILES = {
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
WEIGHTS = np.array([9, 8, 7, 6, 5, 4, 3, 2, -1])


def read(path: Path) -> pd.DataFrame:
    with open(path, encoding="utf-8-sig") as handle:
        first = handle.readline()
    sep = ";" if first.count(";") > first.count(",") else ","
    df = pd.read_csv(path, sep=sep, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    df.columns = [c.strip().lower() for c in df.columns]
    return df.apply(lambda s: s.str.strip())


def bsn(series: pd.Series) -> pd.Series:
    s = series.where(series.str.fullmatch(r"\d{8,9}"), "")
    s = s.str.zfill(9).where(s != "", "")
    digits = (
        np.frombuffer(s.where(s != "", "000000000").str.cat().encode(), dtype=np.uint8).reshape(
            -1, 9
        )
        - 48
    )
    ok = (
        ((digits.astype(np.int64) @ WEIGHTS) % 11 == 0)
        & (s != "000000000").to_numpy()
        & (s != "").to_numpy()
    )
    return s.where(ok, "")


def address(df: pd.DataFrame) -> pd.Series:
    pc = df["postcode"].str.replace(" ", "", regex=False).str.upper()
    parts = [pc, df["huisnummer"].str.lstrip("0")]
    for c in ("huisletter", "huisnummertoevoeging"):
        parts.append(df[c].str.upper() if c in df.columns else pd.Series("", index=df.index))
    return parts[0].str.cat(parts[1:], sep="|").where(pc != "", "")


def dates(series: pd.Series) -> pd.Series:
    iso = pd.to_datetime(series, format="%Y-%m-%d", errors="coerce")
    return iso.fillna(pd.to_datetime(series, format="%d-%m-%Y", errors="coerce"))


def keyed(key: bytes, values: pd.Series) -> pd.Series:
    base = hmac.new(key, digestmod=hashlib.sha256)
    out = []
    for v in values.tolist():
        if not v:
            out.append(None)
            continue
        h = base.copy()
        h.update(v.encode())
        out.append(h.hexdigest())
    return pd.Series(out, index=values.index, dtype=object)


def main(folder: Path, peildatum: date) -> dict:
    key = secrets.token_bytes(32)
    times: dict[str, float] = {}
    t = time.monotonic()
    raw = {name: read(folder / name) for name in FILES if (folder / name).exists()}
    times["read"] = time.monotonic() - t

    t = time.monotonic()
    bag_raw = raw["bag.csv"]
    bag_addr = keyed(key, address(bag_raw))
    nad = dict(zip(keyed(key, bag_raw["nummeraanduiding_id"]), bag_addr, strict=True))

    def with_address(df):
        a = (
            keyed(key, address(df))
            if "postcode" in df.columns
            else pd.Series(None, index=df.index, dtype=object)
        )
        if "nummeraanduiding_id" in df.columns:
            a = a.fillna(keyed(key, df["nummeraanduiding_id"]).map(nad))
        return a

    frames: dict[str, list[pd.DataFrame]] = {}
    for name, df in raw.items():
        source, partner = FILES[name]
        if source == "bag":
            frame = pd.DataFrame(
                {
                    "address_key": bag_addr,
                    "gebruiksdoel": df["gebruiksdoel"],
                    "oppervlakte_m2": pd.to_numeric(df["oppervlakte_m2"]),
                    "buurtcode": df["buurtcode"],
                }
            )
        elif source == "brp":
            frame = pd.DataFrame(
                {
                    "person_key": keyed(key, bsn(df["bsn"])),
                    "address_key": with_address(df),
                    "geboortedatum": dates(df["geboortedatum"]),
                    "datum_inschrijving_adres": dates(df["datum_inschrijving_adres"]),
                }
            ).dropna(subset=["person_key"])
        elif source == "uitkering":
            frame = pd.DataFrame(
                {
                    "person_key": keyed(key, bsn(df["bsn"])),
                    "regeling": df["regeling"],
                    "leefvorm": df["leefvorm"].str.lower(),
                    "organisation": partner,
                }
            )
        elif source == "toeslag":
            frame = pd.DataFrame(
                {
                    "person_key": keyed(key, bsn(df["bsn"])),
                    "toeslag": df["toeslag"],
                    "partner_key": keyed(key, bsn(df["toeslagpartner_bsn"])),
                }
            )
        elif source == "huur":
            frame = pd.DataFrame(
                {"address_key": with_address(df), "huurder_key": keyed(key, bsn(df["huurder_bsn"]))}
            )
        elif source == "kvk":
            frame = pd.DataFrame(
                {"kvk_key": keyed(key, df["kvk_nummer"]), "address_key": with_address(df)}
            )
        elif source == "energie":
            frame = pd.DataFrame(
                {
                    "address_key": with_address(df),
                    "jaar": pd.to_numeric(df["jaar"]),
                    "elektriciteit_kwh": pd.to_numeric(df["elektriciteit_kwh"]),
                }
            )
        else:
            frame = pd.DataFrame(
                {"address_key": with_address(df), "organisation": partner, "signaal": df["signaal"]}
            )
        frames.setdefault(source, []).append(frame)
    joined = Frames(**{s: pd.concat(parts, ignore_index=True) for s, parts in frames.items()})
    times["normalise_and_hmac"] = time.monotonic() - t

    t = time.monotonic()
    result = evaluate(joined, IndicatorSettings(peildatum=peildatum))
    times["indicators"] = time.monotonic() - t
    return {
        "seconds": times,
        "total": sum(times.values()),
        "per_indicator": result.per_indicator(),
        "risk_addresses": result.risk_addresses,
        "addresses": len(result.summary),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


if __name__ == "__main__":
    day = date.fromisoformat(sys.argv[2]) if len(sys.argv) > 2 else date(2026, 10, 1)
    print(json.dumps(main(Path(sys.argv[1]), day)))
