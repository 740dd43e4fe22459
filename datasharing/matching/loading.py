"""Reading a project's pseudonymised records into the indicator engine's frames, fast.

On PostgreSQL every frame is one `COPY (SELECT …) TO STDOUT` in CSV, parsed by pandas with
explicit dtypes: no model instances, no per-row Python. A chunk reads each table once, and only
the rows it needs (the engine's chunking contract, see `indicators/__init__.py`):

- the bag rows of its addresses, plus those of the addresses where the toeslag partners of its
  residents are registered (that is all of "another project address" the engine ever looks at);
- the BRP registrations at its addresses, and every registration of those toeslag partners;
- the benefits and allowances of its residents (a semi-join on BRP, in the database);
- the huur/kvk/energie/signaal rows at its addresses.

Chunks are contiguous ranges of the (keyed, uniform, lower-case hex) address key, so every
filter is `address_key >= lo AND address_key < hi`, which the (delivery, address_key) index
serves. Rows that name their address only by nummeraanduiding (the intake resolves these when it
can, so they are rare) are read for every chunk and resolved through the project's accepted bag
deliveries: one address per nummeraanduiding, the highest address key, as before.

On SQLite (the demo) the frames are read whole with plain cursors and cut in pandas with the
engine's own `frames_for_chunk`; both paths give the same rows for a chunk.
"""

from __future__ import annotations

import bisect
import io
from dataclasses import dataclass
from functools import lru_cache

from django.db import connection

import pandas as pd

from datasharing.constants import ADDRESSED_SOURCES, Source
from datasharing.models import RECORD_MODELS

from .indicators.engine import Frames, frames_for_chunk
from .indicators.rules import delivery_latest_jaar

# The first 7 hex digits (28 bits) of an address key decide its chunk.
_PREFIX_BITS = 28
_PREFIX_DIGITS = 7


@lru_cache(maxsize=64)
def chunk_bounds(chunk_count: int) -> tuple[str, ...]:
    """The lower bounds of chunks 1 … n-1 as 7-digit hex prefixes (chunk 0 starts at '')."""
    space = 1 << _PREFIX_BITS
    return tuple(
        format(-(-i * space // chunk_count), f"0{_PREFIX_DIGITS}x") for i in range(1, chunk_count)
    )


def chunk_range(index: int, chunk_count: int) -> tuple[str | None, str | None]:
    """[lo, hi) of chunk `index`; None means unbounded."""
    bounds = chunk_bounds(chunk_count)
    lo = bounds[index - 1] if index > 0 else None
    hi = bounds[index] if index < chunk_count - 1 else None
    return lo, hi


def chunk_of(address_key: str, chunk_count: int) -> int:
    """The chunk of one address: the same string comparison as the SQL range filter."""
    return bisect.bisect_right(chunk_bounds(chunk_count), address_key)


@dataclass(frozen=True)
class DeliverySet:
    """The accepted deliveries a run uses: ids per source and the organisation of each."""

    by_source: dict[str, list[int]]
    organisation_of: dict[int, int]

    def ids(self, source: str) -> list[int]:
        return self.by_source.get(source, [])


def _table(source: str) -> str:
    return RECORD_MODELS[source]._meta.db_table


def _ids_sql(ids: list[int]) -> str:
    # Integers from our own database only; rendered inline (they are never user input).
    return "(" + ",".join(str(int(i)) for i in ids) + ")" if ids else "(NULL)"


# Columns read per source (besides address_key, which every address source gets resolved).
_COLUMNS: dict[str, tuple[str, ...]] = {
    Source.BAG: ("id", "gebruiksdoel", "oppervlakte_m2", "buurtcode"),
    Source.BRP: ("id", "person_key", "geboortedatum", "datum_inschrijving_adres"),
    Source.UITKERING: ("delivery_id", "person_key", "regeling", "leefvorm"),
    Source.TOESLAG: ("person_key", "toeslag", "partner_key"),
    Source.HUUR: ("huurder_key",),
    Source.KVK: ("kvk_key",),
    Source.ENERGIE: ("jaar", "elektriciteit_kwh"),
    Source.SIGNAAL: ("delivery_id",),
}
_ADDRESS_SOURCES = ADDRESSED_SOURCES - {Source.BAG}
_PERSON_SOURCES = (Source.UITKERING, Source.TOESLAG)
_BY_ADDRESS = (Source.HUUR, Source.KVK, Source.ENERGIE, Source.SIGNAAL)

# Explicit parse types: every key and text column stays a Python string (never a number).
_DTYPES: dict[str, str] = {
    "id": "int64",
    "delivery_id": "int64",
    "address_key": "object",
    "nummeraanduiding_key": "object",
    "person_key": "object",
    "partner_key": "object",
    "huurder_key": "object",
    "kvk_key": "object",
    "buurtcode": "object",
    "gebruiksdoel": "object",
    "regeling": "object",
    "leefvorm": "object",
    "toeslag": "object",
    "geboortedatum": "object",
    "datum_inschrijving_adres": "object",
    "oppervlakte_m2": "float64",
    "jaar": "float64",
    "elektriciteit_kwh": "float64",
}
_KEY_COLUMNS = {"address_key", "nummeraanduiding_key", "person_key", "partner_key", "huurder_key",
                "kvk_key", "buurtcode"}  # fmt: skip


def _columns(source: str) -> list[str]:
    columns = list(_COLUMNS[source])
    if source in ADDRESSED_SOURCES:
        columns.append("address_key")
    return columns


def _read(sql: str, params: list | None = None) -> pd.DataFrame:
    """Run a SELECT and return a DataFrame: COPY … CSV on PostgreSQL, a cursor elsewhere.

    On PostgreSQL `params` are merged client-side by psycopg (COPY takes no server parameters).
    """
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            buffer = io.BytesIO()
            with cursor.cursor.copy(
                f"COPY ({sql}) TO STDOUT WITH (FORMAT csv, HEADER true)", params or None
            ) as copy:
                for data in copy:
                    buffer.write(data)
            buffer.seek(0)
            head = buffer.readline().decode().strip().split(",")
            buffer.seek(0)
            return pd.read_csv(
                buffer,
                dtype={c: _DTYPES[c] for c in head if c in _DTYPES},
                keep_default_na=False,
                na_values=[""],
                # Multithreaded Arrow parser; same NULL/"" handling and dtypes as the C parser.
                engine="pyarrow",
            )
        cursor.execute(sql, params or None)
        names = [d[0] for d in cursor.description]
        frame = pd.DataFrame(cursor.fetchall(), columns=names)
        for column in names:
            if column in _KEY_COLUMNS:
                frame[column] = frame[column].replace("", None)
            elif column in ("geboortedatum", "datum_inschrijving_adres"):
                frame[column] = frame[column].astype(str)
            elif _DTYPES.get(column) == "float64":
                frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("float64")
        return frame


def _range_sql(column: str, bounds: tuple[str | None, str | None] | None) -> tuple[str, list]:
    """` AND column >= lo AND column < hi` for a chunk; nothing for the whole run."""
    if bounds is None:
        return "", []
    lo, hi = bounds
    sql, params = "", list[str]()
    if lo is not None:
        sql, params = sql + f" AND {column} >= %s", [*params, lo]
    if hi is not None:
        sql, params = sql + f" AND {column} < %s", [*params, hi]
    return sql, params


def _direct(
    source: str, deliveries: DeliverySet, bounds, jaar: int | None = None
) -> tuple[str, list]:
    """SELECT of the rows of a source that carry their address key, within `bounds`
    (energie: only the rows of `jaar`, the only year LEEG_MAAR_VERBRUIK looks at)."""
    select = ", ".join(f"r.{c}" for c in _columns(source))
    where, params = _range_sql("r.address_key", bounds)
    if source == Source.ENERGIE:
        where, params = where + " AND r.jaar = %s", [*params, jaar if jaar is not None else -1]
    return (
        f"SELECT {select} FROM {_table(source)} r "  # noqa: S608  # nosec B608 - our own names
        f"WHERE r.delivery_id IN {_ids_sql(deliveries.ids(source))} AND r.address_key <> ''{where}",
        params,
    )


def _resolve(frame: pd.DataFrame, deliveries: DeliverySet) -> pd.DataFrame:
    """Give rows named only by nummeraanduiding their address key; drop those the bag lacks."""
    if frame.empty:
        return frame.drop(columns=["nummeraanduiding_key"])
    keys = sorted(set(frame["nummeraanduiding_key"].dropna()))
    if connection.vendor == "postgresql":
        among, params = "= ANY(%s)", [keys]
    else:
        among, params = f"IN ({', '.join(['%s'] * len(keys))})", keys
    mapping = _read(
        f"SELECT nummeraanduiding_key, MAX(address_key) AS address_key FROM {_table(Source.BAG)} "  # noqa: S608  # nosec B608
        f"WHERE delivery_id IN {_ids_sql(deliveries.ids(Source.BAG))} "
        f"AND nummeraanduiding_key {among} GROUP BY nummeraanduiding_key",
        params,
    )
    by_nad = dict(zip(mapping["nummeraanduiding_key"], mapping["address_key"], strict=True))
    resolved = frame["nummeraanduiding_key"].map(by_nad)
    frame = frame.assign(address_key=resolved).drop(columns=["nummeraanduiding_key"])
    return frame[resolved.notna().to_numpy()]


def _unresolved(source: str, deliveries: DeliverySet) -> pd.DataFrame:
    """Every row of a source named only by nummeraanduiding, resolved (rare: usually none)."""
    columns = [c for c in _columns(source) if c != "address_key"]
    select = "".join(f"r.{c}, " for c in columns)
    frame = _read(
        f"SELECT {select}r.nummeraanduiding_key FROM {_table(source)} r "  # noqa: S608  # nosec B608
        f"WHERE r.delivery_id IN {_ids_sql(deliveries.ids(source))} AND r.address_key = '' "
        "AND r.nummeraanduiding_key <> ''"
    )
    return _resolve(frame, deliveries)


def _in_range(frame: pd.DataFrame, bounds) -> pd.DataFrame:
    if bounds is None or frame.empty:
        return frame
    lo, hi = bounds
    keys = frame["address_key"]
    keep = pd.Series(True, index=frame.index)
    if lo is not None:
        keep &= keys >= lo
    if hi is not None:
        keep &= keys < hi
    return frame[keep.to_numpy()]


def _address_rows(
    source: str, deliveries: DeliverySet, bounds
) -> tuple[pd.DataFrame, int | None, bool]:
    """The rows of `source` within bounds (resolved ones included); for energie only those of
    the delivery's latest jaar, which is returned too (None for other sources); and whether
    any row named only by nummeraanduiding was resolved into `bounds`."""
    extra = _unresolved(source, deliveries)
    jaar = None
    if source == Source.ENERGIE:
        jaar = _latest_jaar(deliveries, extra)
        extra = extra[(extra["jaar"] == jaar).to_numpy()] if jaar is not None else extra.iloc[0:0]
    direct = _read(*_direct(source, deliveries, bounds, jaar))
    extra = _in_range(extra, bounds)
    if extra.empty:
        return direct, jaar, False
    return pd.concat([direct, extra], ignore_index=True), jaar, True


def _bag_order(bag: pd.DataFrame) -> pd.DataFrame:
    """Database order (by id): the engine keeps the first row of a duplicated address key."""
    return bag.sort_values("id", kind="stable").drop(columns=["id"]).reset_index(drop=True)


def _with_organisation(frame: pd.DataFrame, deliveries: DeliverySet) -> pd.DataFrame:
    organisation = frame["delivery_id"].map(deliveries.organisation_of).astype("int64").astype(str)
    return frame.drop(columns=["delivery_id"]).assign(organisation=organisation)


def _finish(frames: dict, deliveries: DeliverySet, latest_jaar: int | None = None) -> Frames:
    for source in (Source.UITKERING, Source.SIGNAAL):
        if frames.get(source) is not None:
            frames[source] = _with_organisation(frames[source], deliveries)
    if frames.get(Source.BRP) is not None:
        frames[Source.BRP] = frames[Source.BRP].drop(columns=["id"])
    frames[Source.BAG] = _bag_order(frames[Source.BAG])
    return Frames(**frames, energie_latest_jaar=latest_jaar)


def _latest_jaar(deliveries: DeliverySet, extra: pd.DataFrame) -> int | None:
    """The latest jaar of the whole energie delivery, over exactly the rows a whole run reads."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT MAX(jaar) FROM {_table(Source.ENERGIE)} "  # noqa: S608  # nosec B608
            f"WHERE delivery_id IN {_ids_sql(deliveries.ids(Source.ENERGIE))} "
            "AND address_key <> '' AND elektriciteit_kwh IS NOT NULL"
        )
        direct = cursor.fetchone()[0]
    candidates = [int(direct)] if direct is not None else []
    if not extra.empty:
        resolved = delivery_latest_jaar(extra)
        if resolved is not None:
            candidates.append(resolved)
    return max(candidates) if candidates else None


def frames_load_all(deliveries: DeliverySet) -> Frames:
    """Every row of every delivered source (the single-chunk and SQLite path)."""
    frames: dict[str, pd.DataFrame | None] = {}
    latest_jaar = None
    for source in _COLUMNS:
        if not deliveries.ids(source):
            frames[source] = None
        elif source in _ADDRESS_SOURCES:
            frames[source], jaar, _ = _address_rows(source, deliveries, None)
            if source == Source.ENERGIE:
                latest_jaar = jaar
        else:
            select = ", ".join(f"r.{c}" for c in _columns(source))
            frames[source] = _read(
                f"SELECT {select} FROM {_table(source)} r "  # noqa: S608  # nosec B608
                f"WHERE r.delivery_id IN {_ids_sql(deliveries.ids(source))}"
            )
    return _finish(frames, deliveries, latest_jaar)


def _chunk_keys(bag: pd.DataFrame, index: int, chunk_count: int) -> list[str]:
    return [k for k in bag["address_key"].dropna().unique() if chunk_of(k, chunk_count) == index]


def frames_load_chunk(
    deliveries: DeliverySet, *, index: int, chunk_count: int
) -> tuple[Frames, list[str]]:
    """The rows chunk `index` of `chunk_count` needs, and the address keys it evaluates."""
    if chunk_count == 1 or connection.vendor != "postgresql":
        frames = frames_load_all(deliveries)
        keys = _chunk_keys(frames.bag, index, chunk_count)
        if chunk_count == 1:
            return frames, keys
        return frames_for_chunk(frames, keys), keys

    bounds = chunk_range(index, chunk_count)
    bag_ids = _ids_sql(deliveries.ids(Source.BAG))
    bag_select = ", ".join(f"r.{c}" for c in _columns(Source.BAG))
    where, params = _range_sql("r.address_key", bounds)
    bag = _read(
        f"SELECT {bag_select} FROM {_table(Source.BAG)} r "  # noqa: S608  # nosec B608
        f"WHERE r.delivery_id IN {bag_ids} AND r.address_key <> ''{where}",
        params,
    )
    keys = list(bag["address_key"].unique())
    loaded: dict[str, pd.DataFrame | None] = {}
    latest_jaar = None
    for source in _BY_ADDRESS:
        if not deliveries.ids(source):
            loaded[source] = None
            continue
        loaded[source], jaar, _ = _address_rows(source, deliveries, bounds)
        if source == Source.ENERGIE:
            latest_jaar = jaar

    if not deliveries.ids(Source.BRP):
        loaded[Source.BRP] = None
        for source in _PERSON_SOURCES:
            # Nobody is registered anywhere: a delivered source contributes no rows to a chunk.
            loaded[source] = (
                _read(*_persons_sql(source, deliveries, None)) if deliveries.ids(source) else None
            )
        loaded[Source.BAG] = bag
        return _finish(loaded, deliveries, latest_jaar), keys

    # Residents registered by nummeraanduiding only are not in the database semi-join below.
    brp, _, resolved_residents = _address_rows(Source.BRP, deliveries, bounds)
    for source in _PERSON_SOURCES:
        if not deliveries.ids(source):
            loaded[source] = None
        elif not resolved_residents:
            # The residents' rows, selected in the database by a semi-join on the chunk's BRP.
            loaded[source] = _read(*_persons_sql(source, deliveries, bounds))
        else:
            people = pd.Index(brp["person_key"].dropna().unique())
            frame = _read(*_persons_sql(source, deliveries, "all"))
            loaded[source] = frame[frame["person_key"].isin(people).to_numpy()]

    toeslag = loaded[Source.TOESLAG]
    if toeslag is not None and len(toeslag):
        partners = sorted(set(toeslag["partner_key"].dropna()) - set(brp["person_key"].dropna()))
        if partners:
            # Registrations of toeslag partners anywhere in the project (TOESLAGPARTNER_ELDERS),
            # and the bag rows of those addresses ("another project address").
            elsewhere = _partner_registrations(deliveries, partners)
            brp = pd.concat([brp, elsewhere], ignore_index=True).drop_duplicates("id")
            outside = sorted(set(elsewhere["address_key"].dropna()) - set(keys))
            if outside:
                more = _read(
                    f"SELECT {bag_select} FROM {_table(Source.BAG)} r "  # noqa: S608  # nosec B608
                    f"WHERE r.delivery_id IN {bag_ids} AND r.address_key = ANY(%s)",
                    [outside],
                )
                bag = pd.concat([bag, more], ignore_index=True)
    loaded[Source.BRP] = brp
    loaded[Source.BAG] = bag
    return _finish(loaded, deliveries, latest_jaar), keys


def _persons_sql(source: str, deliveries: DeliverySet, bounds) -> tuple[str, list]:
    """Rows of uitkering/toeslag: of the persons registered in `bounds`, none (None) or all."""
    select = ", ".join(f"r.{c}" for c in _columns(source))
    sql = (
        f"SELECT {select} FROM {_table(source)} r "  # noqa: S608  # nosec B608
        f"WHERE r.delivery_id IN {_ids_sql(deliveries.ids(source))}"
    )
    if bounds == "all":
        return sql, []
    if bounds is None:
        return sql + " AND FALSE", []
    where, params = _range_sql("b.address_key", bounds)
    return (
        sql + f" AND r.person_key IN (SELECT b.person_key FROM {_table(Source.BRP)} b "  # noqa: S608  # nosec B608
        f"WHERE b.delivery_id IN {_ids_sql(deliveries.ids(Source.BRP))} AND b.address_key <> ''"
        f"{where})",
        params,
    )


def _partner_registrations(deliveries: DeliverySet, partners: list[str]) -> pd.DataFrame:
    """Every BRP registration of these persons, addresses resolved like everywhere else."""
    brp_ids = _ids_sql(deliveries.ids(Source.BRP))
    columns = [c for c in _columns(Source.BRP) if c != "address_key"]
    select = "".join(f"r.{c}, " for c in columns)
    frame = _read(
        f"SELECT {select}r.address_key, r.nummeraanduiding_key FROM {_table(Source.BRP)} r "  # noqa: S608  # nosec B608
        f"WHERE r.delivery_id IN {brp_ids} AND r.person_key = ANY(%s)",
        [partners],
    )
    named = frame["address_key"].notna().to_numpy()
    direct = frame[named].drop(columns=["nummeraanduiding_key"])
    pending = frame[~named & frame["nummeraanduiding_key"].notna().to_numpy()]
    if pending.empty:
        return direct
    return pd.concat(
        [direct, _resolve(pending.drop(columns=["address_key"]), deliveries)], ignore_index=True
    )
