"""Input frames and their preparation: addresses, integer key codes, BRP registrations.

All string keys are hashed once, together (`encode`); everything after that is integer work.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from datetime import timedelta

import numpy as np
import pandas as pd

from .registry import ADULT_AGE, IndicatorSettings

# Columns the engine reads; other columns are ignored. Optional: bag.buurtcode,
# toeslag.partner_key (a toeslag without partners can fire nothing).
REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {
    "bag": ("address_key", "gebruiksdoel", "oppervlakte_m2"),
    "brp": ("person_key", "address_key", "geboortedatum", "datum_inschrijving_adres"),
    "uitkering": ("person_key", "leefvorm"),
    "toeslag": ("person_key",),
    "huur": ("address_key", "huurder_key"),
    "kvk": ("kvk_key", "address_key"),
    "energie": ("address_key", "jaar", "elektriciteit_kwh"),
    "signaal": ("address_key", "organisation"),
}
SOURCES: tuple[str, ...] = tuple(REQUIRED_COLUMNS)

WOONFUNCTIE = "woonfunctie"


@dataclass(frozen=True)
class Frames:
    """The pseudonymised deliveries of one project; `None` = source not delivered at all.

    A delivered source without rows is an empty frame (with its columns) and *is* evaluated.
    Several partners' deliveries of one source are concatenated into one frame by the caller.
    """

    bag: pd.DataFrame
    brp: pd.DataFrame | None = None
    uitkering: pd.DataFrame | None = None
    toeslag: pd.DataFrame | None = None
    huur: pd.DataFrame | None = None
    kvk: pd.DataFrame | None = None
    energie: pd.DataFrame | None = None
    signaal: pd.DataFrame | None = None
    # The latest `jaar` of the whole energie delivery. Leave None for a whole run (it is then
    # taken from `energie`); a chunk given only its own energie rows must pass it.
    energie_latest_jaar: int | None = None

    def delivered(self) -> frozenset[str]:
        return frozenset(s for s in SOURCES if getattr(self, s) is not None)


def as_frames(frames: Frames | Mapping[str, pd.DataFrame | None]) -> Frames:
    """Accept a Frames or a {source: frame} mapping; check bag and required columns."""
    if not isinstance(frames, Frames):
        unknown = set(frames) - {f.name for f in fields(Frames)}
        if unknown:
            raise ValueError(f"unknown sources: {sorted(unknown)}")
        if frames.get("bag") is None:
            raise ValueError("the bag delivery is required: it defines the project area")
        frames = Frames(**frames)
    if frames.bag is None:
        raise ValueError("the bag delivery is required: it defines the project area")
    for source in frames.delivered():
        frame = getattr(frames, source)
        missing = [c for c in REQUIRED_COLUMNS[source] if c not in frame.columns]
        if missing:
            raise ValueError(f"{source} frame lacks columns {missing}")
    return frames


# --------------------------------------------------------------------------------------------
# Integer helpers


def sorted_unique(values: np.ndarray) -> np.ndarray:
    """np.unique for int64 via sort (numpy's hash-based unique is far slower here)."""
    values = np.sort(values)
    if len(values) == 0:
        return values
    return values[np.r_[True, values[1:] != values[:-1]]]


def is_member(sorted_set: np.ndarray, values: np.ndarray) -> np.ndarray:
    """values ∈ sorted_set, elementwise."""
    if len(sorted_set) == 0:
        return np.zeros(len(values), dtype=bool)
    at = np.minimum(np.searchsorted(sorted_set, values), len(sorted_set) - 1)
    return sorted_set[at] == values


def distinct_count(pos: np.ndarray, codes: np.ndarray, n: int) -> np.ndarray:
    """Distinct codes per position; rows with pos or code < 0 are ignored."""
    keep = (pos >= 0) & (codes >= 0)
    width = int(codes.max()) + 1 if keep.any() else 1
    pairs = sorted_unique(pos[keep] * width + codes[keep])
    return np.bincount(pairs // width, minlength=n)


def encode(columns: list[pd.Series]) -> tuple[list[np.ndarray], int]:
    """Factorize key columns together: equal keys get equal codes in every column, missing → -1.

    One hash pass over all keys (much cheaper than one lookup table per column). Codes follow
    first appearance, so the distinct values of `columns[0]` get 0, 1, 2, ... in their order.
    """
    lengths = np.array([len(c) for c in columns])
    joined = pd.concat([pd.Series(c) for c in columns], ignore_index=True)
    codes, uniques = pd.factorize(joined)
    return np.split(codes.astype(np.int64), np.cumsum(lengths)[:-1]), len(uniques)


# --------------------------------------------------------------------------------------------
# Addresses and key codes


@dataclass(frozen=True)
class Addresses:
    """Bag addresses sorted by key; arrays are aligned with `keys`."""

    keys: np.ndarray  # object (python str)
    is_woon: np.ndarray
    m2: np.ndarray  # float, NaN = missing
    buurtcode: np.ndarray  # object, None = missing

    def __len__(self) -> int:
        return len(self.keys)

    def take(self, pos: np.ndarray) -> Addresses:
        return Addresses(self.keys[pos], self.is_woon[pos], self.m2[pos], self.buurtcode[pos])


def has_woonfunctie(values: pd.Series) -> np.ndarray:
    """gebruiksdoel is a list or a comma string; residential when 'woonfunctie' is one of them."""

    def one(value: object) -> bool:
        if isinstance(value, str):
            parts: Iterable[object] = value.split(",")
        elif isinstance(value, list | tuple | set | frozenset | np.ndarray):
            parts = value
        else:
            return False
        return any(str(part).strip().lower() == WOONFUNCTIE for part in parts)

    try:  # few distinct values: test each once
        codes, uniques = pd.factorize(values)
    except TypeError:  # unhashable lists
        return np.fromiter(map(one, values), dtype=bool, count=len(values))
    flags = np.array([one(u) for u in uniques] + [False], dtype=bool)
    return flags[codes]  # code -1 (missing) picks the trailing False


def prepare_bag(bag: pd.DataFrame) -> Addresses:
    """Deduplicate on address_key (first row wins) and sort by key (stable output order)."""
    keys = bag["address_key"]
    bag = bag[(keys.notna() & ~keys.duplicated(keep="first")).to_numpy()]
    order = bag["address_key"].argsort(kind="stable").to_numpy()
    bag = bag.iloc[order]
    buurt = bag["buurtcode"] if "buurtcode" in bag.columns else pd.Series(None, index=bag.index)
    buurt = buurt.astype(object)
    return Addresses(
        keys=bag["address_key"].to_numpy(dtype=object),
        is_woon=has_woonfunctie(bag["gebruiksdoel"]),
        m2=pd.to_numeric(bag["oppervlakte_m2"], errors="coerce").to_numpy(float),
        buurtcode=buurt.where(buurt.notna(), None).to_numpy(dtype=object),
    )


# Key columns hashed together: addresses with the bag's keys, persons with the BRP's.
ADDRESS_COLUMNS = tuple((s, "address_key") for s in ("brp", "huur", "kvk", "energie", "signaal"))
PERSON_COLUMNS = (
    ("brp", "person_key"),
    ("uitkering", "person_key"),
    ("toeslag", "person_key"),
    ("toeslag", "partner_key"),
    ("huur", "huurder_key"),
)


@dataclass(frozen=True)
class Scope:
    """The project's addresses, the chunk being evaluated, and every row's keys as integers."""

    project: Addresses
    chunk: Addresses
    project_of_chunk: np.ndarray  # chunk position → project position
    chunk_of_project: np.ndarray  # project position → chunk position or -1; last slot is -1
    address_pos: dict[tuple[str, str], np.ndarray]  # per row: project position or -1
    person: dict[tuple[str, str], np.ndarray]  # per row: person code or -1 (missing key)
    n_people: int  # person codes are < n_people; brp persons get the lowest codes

    def chunk_positions(self, source: str) -> np.ndarray:
        return self.chunk_of_project[self.address_pos[(source, "address_key")]]


def make_scope(frames: Frames, address_keys: Iterable[str] | None) -> Scope:
    project = prepare_bag(frames.bag)
    n_project = len(project)
    address_cols = [(s, c) for s, c in ADDRESS_COLUMNS if getattr(frames, s) is not None]
    codes, _ = encode([pd.Series(project.keys)] + [getattr(frames, s)[c] for s, c in address_cols])
    # Project keys are unique and first, so their codes are their positions; others are larger.
    address_pos = {
        col: np.where(code < n_project, code, -1)
        for col, code in zip(address_cols, codes[1:], strict=True)
    }

    person_cols = [
        (s, c)
        for s, c in PERSON_COLUMNS
        if getattr(frames, s) is not None and c in getattr(frames, s).columns
    ]
    person_codes, n_people = (
        encode([getattr(frames, s)[c] for s, c in person_cols]) if person_cols else ([], 0)
    )

    if address_keys is None:
        pos = np.arange(n_project)
        chunk = project
    else:
        wanted = pd.Series(list(address_keys), dtype=object)
        found = pd.Index(project.keys, dtype=object).get_indexer(wanted)
        if (found < 0).any():
            raise ValueError(f"{int((found < 0).sum())} address_keys are not in the bag delivery")
        pos = sorted_unique(found.astype(np.int64))  # project is sorted, so the chunk is too
        chunk = project.take(pos)
    chunk_of_project = np.full(n_project + 1, -1, dtype=np.int64)
    chunk_of_project[pos] = np.arange(len(pos))
    return Scope(
        project=project,
        chunk=chunk,
        project_of_chunk=pos,
        chunk_of_project=chunk_of_project,
        address_pos=address_pos,
        person=dict(zip(person_cols, person_codes, strict=True)),
        n_people=max(n_people, 1),
    )


# --------------------------------------------------------------------------------------------
# BRP registrations


def date_int(values: pd.Series) -> np.ndarray:
    """Dates as yyyymmdd floats (NaN when missing), for calendar comparisons."""
    d = pd.to_datetime(values, errors="coerce")
    return (d.dt.year * 10000 + d.dt.month * 100 + d.dt.day).to_numpy(dtype=float, na_value=np.nan)


@dataclass(frozen=True)
class Persons:
    """BRP: the distinct (chunk address, person) registrations as sorted keys
    pos * n_people + person, and counts per chunk address."""

    pair_key: np.ndarray
    pair_pos: np.ndarray
    pair_person: np.ndarray
    pair_adult: np.ndarray
    n_persons: np.ndarray
    n_adults: np.ndarray
    n_recent: np.ndarray


def prepare_brp(brp: pd.DataFrame, scope: Scope, settings: IndicatorSettings) -> Persons:
    codes = scope.person[("brp", "person_key")]
    n_people = scope.n_people
    peil = settings.peildatum
    peil_int = peil.year * 10000 + peil.month * 100 + peil.day
    # Adult iff (birth year + 18, month, day) <= peildatum as a calendar tuple: the 18th
    # birthday itself counts; someone born on 29 February becomes adult on 1 March in a
    # non-leap year (the later, conservative date: fewer adults, fewer indicators firing).
    adult = date_int(brp["geboortedatum"]) + ADULT_AGE * 10000 <= peil_int
    inschrijving = pd.to_datetime(brp["datum_inschrijving_adres"], errors="coerce")
    start = pd.Timestamp(peil - timedelta(days=settings.verhuis_window_days))
    recent = ((inschrijving >= start) & (inschrijving <= pd.Timestamp(peil))).to_numpy(bool)

    pos = scope.chunk_positions("brp")
    keep = (pos >= 0) & (codes >= 0)
    key = pos[keep] * n_people + codes[keep]
    order = np.argsort(key, kind="stable")
    key = key[order]
    starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]]) if len(key) else np.zeros(0, int)
    # A person listed twice at one address counts once; any of their rows may make them
    # adult or recent.
    pair_adult = np.maximum.reduceat(adult[keep][order], starts) if len(key) else adult[:0]
    pair_recent = np.maximum.reduceat(recent[keep][order], starts) if len(key) else recent[:0]
    pair_adult, pair_recent = pair_adult.astype(bool), pair_recent.astype(bool)
    pair_key = key[starts]
    pair_pos = pair_key // n_people
    n = len(scope.chunk)
    return Persons(
        pair_key=pair_key,
        pair_pos=pair_pos,
        pair_person=pair_key % n_people,
        pair_adult=pair_adult,
        n_persons=np.bincount(pair_pos, minlength=n),
        n_adults=np.bincount(pair_pos[pair_adult], minlength=n),
        n_recent=np.bincount(pair_pos[pair_recent], minlength=n),
    )
