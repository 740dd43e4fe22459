"""Deterministic city-scale deliveries to formats.md (numpy, seeded), with a little dirt.

250 000 addresses, 600 000 persons, the other sources in the proportions of the wijk-300 sample
(about 1.5 million rows in all). Dirt: semicolon files with a BOM and upper-case headers,
`1234 ab` postcodes, BSNs that lost their leading zero, DD-MM-YYYY dates, a few invalid BSNs
(well under the 5 % rejection limit), energy rows keyed by nummeraanduiding_id.
"""

from __future__ import annotations

import string
from pathlib import Path

import numpy as np
import pandas as pd

WEIGHTS = np.array([9, 8, 7, 6, 5, 4, 3, 2])
LETTERS = np.array(list(string.ascii_uppercase))


def bsns(rng: np.random.Generator, n: int) -> np.ndarray:
    """n distinct 9-digit strings passing the elfproef."""
    out: list[np.ndarray] = []
    seen = 0
    while seen < n:
        digits = rng.integers(0, 10, size=(int(n * 1.3) + 100, 8))
        check = (digits @ WEIGHTS) % 11
        ok = check <= 9
        numbers = digits[ok] @ (10 ** np.arange(8, 0, -1)) + check[ok]
        numbers = numbers[numbers > 0]
        out.append(numbers)
        seen = len(np.unique(np.concatenate(out)))
    values = np.unique(np.concatenate(out))
    rng.shuffle(values)
    return np.char.zfill(values[:n].astype(str), 9)


def dates(
    rng: np.random.Generator, n: int, start: str, end: str, dutch_share: float = 0.1
) -> np.ndarray:
    lo, hi = np.datetime64(start), np.datetime64(end)
    days = rng.integers(0, int((hi - lo).astype(int)) + 1, size=n)
    values = (lo + days.astype("timedelta64[D]")).astype(str)
    dutch = rng.random(n) < dutch_share
    if dutch.any():
        parts = np.char.split(values[dutch], "-")
        values[dutch] = [f"{d}-{m}-{y}" for y, m, d in parts]
    return values


def generate(
    folder: Path, *, addresses: int = 250_000, persons: int = 600_000, seed: int = 20261001
) -> dict:
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    n = addresses
    i = np.arange(n)
    block = i // 40
    postcode = np.char.add(
        (1000 + block // 676 % 9000).astype(str),
        np.char.add(LETTERS[block // 26 % 26], LETTERS[block % 26]),
    )
    huisnummer = (i % 40 + 1).astype(str)
    huisletter = np.where(rng.random(n) < 0.1, LETTERS[rng.integers(0, 4, n)], "")
    toevoeging = np.where(
        rng.random(n) < 0.08, np.array(["1", "2", "H", "BIS"])[rng.integers(0, 4, n)], ""
    )
    nummeraanduiding = np.char.add("0363200", np.char.zfill(i.astype(str), 9))
    woon = rng.random(n) < 0.9
    gebruiksdoel = np.where(woon, "woonfunctie", "winkelfunctie").astype(object)
    gebruiksdoel[rng.random(n) < 0.03] = "woonfunctie,winkelfunctie"
    oppervlakte = rng.integers(18, 160, n)
    buurt = np.char.add("BU0363", np.char.zfill(rng.integers(0, 120, n).astype(str), 4))
    shown_postcode = postcode.astype(object)
    dirty = rng.random(n) < 0.05
    shown_postcode[dirty] = [f"{p[:4]} {p[4:].lower()}" for p in postcode[dirty]]
    bag = pd.DataFrame(
        {
            "nummeraanduiding_id": nummeraanduiding,
            "postcode": shown_postcode,
            "huisnummer": huisnummer,
            "huisletter": huisletter,
            "huisnummertoevoeging": toevoeging,
            "gebruiksdoel": gebruiksdoel,
            "oppervlakte_m2": oppervlakte,
            "x": rng.integers(100000, 200000, n),
            "y": rng.integers(400000, 500000, n),
            "buurtcode": buurt,
        }
    )
    bag.to_csv(folder / "bag.csv", index=False)

    def address_cols(pos: np.ndarray) -> dict:
        return {
            "postcode": postcode[pos],
            "huisnummer": huisnummer[pos],
            "huisletter": huisletter[pos],
            "huisnummertoevoeging": toevoeging[pos],
        }

    # BRP: persons spread over the residential addresses (some crowded, many empty).
    people = bsns(rng, persons + 60_000)
    residents, outsiders = people[:persons], people[persons:]
    homes = np.flatnonzero(woon)
    at = homes[
        np.minimum(
            (rng.pareto(1.6, persons) * len(homes) / 12).astype(int) % len(homes), len(homes) - 1
        )
    ]
    at = np.where(rng.random(persons) < 0.7, homes[rng.integers(0, len(homes), persons)], at)
    shown_bsn = residents.copy()
    shown_bsn = np.where(
        np.char.startswith(shown_bsn, "0") & (rng.random(persons) < 0.5),
        np.char.lstrip(shown_bsn, "0"),
        shown_bsn,
    )
    invalid = rng.random(persons) < 0.002
    shown_bsn[invalid] = "123456789"
    brp = pd.DataFrame(
        {
            "BSN": shown_bsn,
            **{k.upper(): v for k, v in address_cols(at).items()},
            "GEBOORTEDATUM": dates(rng, persons, "1935-01-01", "2026-09-30"),
            "DATUM_INSCHRIJVING_ADRES": dates(rng, persons, "1990-01-01", "2026-10-01"),
        }
    )
    with open(folder / "brp.csv", "w", encoding="utf-8-sig") as handle:
        brp.to_csv(handle, index=False, sep=";")

    def some(pool: np.ndarray, k: int) -> np.ndarray:
        return pool[rng.integers(0, len(pool), k)]

    k = int(n * 0.19)
    for name, regelingen in (
        ("uitkering_uwv.csv", ["WW", "WIA", "WAJONG", "ZW"]),
        ("uitkering_svb.csv", ["AOW", "ANW"]),
    ):
        pd.DataFrame(
            {
                "bsn": some(residents, k),
                "regeling": np.array(regelingen)[rng.integers(0, len(regelingen), k)],
                "leefvorm": np.array(["alleenstaand", "alleenstaande ouder", "samenwonend"])[
                    rng.integers(0, 3, k)
                ],
                "ingangsdatum": dates(rng, k, "2010-01-01", "2026-09-01"),
            }
        ).to_csv(folder / name, index=False)
    k = int(n * 0.32)
    partner = np.where(rng.random(k) < 0.3, some(np.concatenate([residents, outsiders]), k), "")
    pd.DataFrame(
        {
            "bsn": some(residents, k),
            "toeslag": np.array(
                ["huurtoeslag", "zorgtoeslag", "kinderopvangtoeslag", "kindgebonden budget"]
            )[rng.integers(0, 4, k)],
            "toeslagpartner_bsn": partner,
        }
    ).to_csv(folder / "toeslag.csv", index=False)
    k = int(n * 0.40)
    tenant = rng.integers(0, persons, k)
    registered = rng.random(k) < 0.97  # most tenants live where they rent
    pos = np.where(registered, at[tenant], some(homes, k))
    pd.DataFrame(
        {
            **address_cols(pos),
            "huurder_bsn": np.where(registered, residents[tenant], some(outsiders, k)),
            "sociale_huur": np.where(rng.random(k) < 0.8, "ja", "nee"),
        }
    ).to_csv(folder / "huur.csv", index=False, sep=";")
    k = int(n * 0.22)
    kvk_pos = np.where(
        rng.random(k) < 0.2, some(homes[: len(homes) // 50], k), rng.integers(0, n, k)
    )
    pd.DataFrame(
        {
            "kvk_nummer": np.char.zfill(rng.integers(10_000_000, 10_000_000 + k, k).astype(str), 8),
            **address_cols(kvk_pos),
            "sbi_code": rng.integers(1000, 9999, k).astype(str),
        }
    ).to_csv(folder / "kvk.csv", index=False, sep=";")
    k = int(n * 1.37)
    pos = rng.integers(0, n, k)
    by_id = rng.random(k) < 0.2
    energie = pd.DataFrame(
        {
            "postcode": np.where(by_id, "", postcode[pos]),
            "huisnummer": np.where(by_id, "", huisnummer[pos]),
            "huisletter": np.where(by_id, "", huisletter[pos]),
            "huisnummertoevoeging": np.where(by_id, "", toevoeging[pos]),
            "nummeraanduiding_id": np.where(by_id, nummeraanduiding[pos], ""),
            "jaar": rng.integers(2023, 2026, k),
            "elektriciteit_kwh": rng.integers(0, 6000, k),
            "gas_m3": rng.integers(0, 2000, k),
        }
    )
    energie.drop_duplicates(
        [
            "postcode",
            "huisnummer",
            "huisletter",
            "huisnummertoevoeging",
            "nummeraanduiding_id",
            "jaar",
        ]
    ).to_csv(folder / "energie.csv", index=False)
    k = int(n * 0.03)
    shared = some(homes, k // 3)
    for name in ("signaal_politie.csv", "signaal_uwv.csv"):
        pos = np.concatenate([shared, some(homes, k - len(shared))])
        pd.DataFrame(
            {
                **address_cols(pos),
                "signaal": np.array(["vermoeden woonfraude", "overlast", "vermoeden onderverhuur"])[
                    rng.integers(0, 3, k)
                ],
                "datum": dates(rng, k, "2025-10-01", "2026-09-30"),
            }
        ).to_csv(folder / name, index=False)
    rows = {
        p.name: sum(1 for _ in open(p, encoding="utf-8-sig")) - 1
        for p in sorted(folder.glob("*.csv"))
    }
    return rows


# File → (source, partner kind).
FILES = [
    ("bag.csv", "bag", "gemeente"),
    ("brp.csv", "brp", "gemeente"),
    ("uitkering_uwv.csv", "uitkering", "uwv"),
    ("uitkering_svb.csv", "uitkering", "svb"),
    ("toeslag.csv", "toeslag", "belastingdienst"),
    ("huur.csv", "huur", "woningcorporatie"),
    ("kvk.csv", "kvk", "gemeente"),
    ("energie.csv", "energie", "gemeente"),
    ("signaal_politie.csv", "signaal", "politie"),
    ("signaal_uwv.csv", "signaal", "uwv"),
]

if __name__ == "__main__":
    import sys
    import time

    start = time.monotonic()
    print(generate(Path(sys.argv[1])), f"{time.monotonic() - start:.1f}s")
