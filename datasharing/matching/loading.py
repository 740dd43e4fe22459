"""Reading a project's pseudonymised records into the indicator engine's frames, fast.

On PostgreSQL every frame is one `COPY (SELECT …) TO STDOUT` in CSV, parsed by pandas: no
model instances, no per-row Python. A chunk reads only the rows it needs (formats.md §4 and
the engine's chunking contract): the whole bag (the project area), the BRP registrations at its
addresses, the benefits and allowances of those persons, the registrations of their toeslag
partners anywhere, and the huur/kvk/energie/signaal rows of its addresses. Rows that name their
address only by nummeraanduiding are resolved through the project's accepted bag deliveries.
On SQLite (the demo) the frames are read whole with plain cursors and cut in pandas.

Addresses are split into chunks by the first 28 bits of their (already keyed, uniform) hex
pseudonym modulo the chunk count, the same rule in SQL and in Python.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from django.db import connection

import pandas as pd

from datasharing.constants import Source
from datasharing.models import RECORD_MODELS

from .indicators.engine import Frames, frames_for_chunk


def chunk_of(address_key: str, chunk_count: int) -> int:
    """The chunk of one address; matches `_chunk_sql`."""
    return int(address_key[:7], 16) % chunk_count


def _chunk_sql(column: str, chunk_count: int) -> str:
    return f"mod(('x' || substr({column}, 1, 7))::bit(28)::int, {int(chunk_count)})"


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
    # Integers from our own database only; rendered inline because COPY takes no parameters.
    return "(" + ",".join(str(int(i)) for i in ids) + ")" if ids else "(NULL)"


# Columns read per source; `address_key` is resolved (see module docstring).
_COLUMNS: dict[str, tuple[str, ...]] = {
    Source.BAG: ("address_key", "gebruiksdoel", "oppervlakte_m2", "buurtcode"),
    Source.BRP: ("id", "person_key", "address_key", "geboortedatum", "datum_inschrijving_adres"),
    Source.UITKERING: ("delivery_id", "person_key", "regeling", "leefvorm"),
    Source.TOESLAG: ("person_key", "toeslag", "partner_key"),
    Source.HUUR: ("address_key", "huurder_key"),
    Source.KVK: ("kvk_key", "address_key"),
    Source.ENERGIE: ("address_key", "jaar", "elektriciteit_kwh"),
    Source.SIGNAAL: ("delivery_id", "address_key", "signaal"),
}
_ADDRESS_SOURCES = (Source.BRP, Source.HUUR, Source.KVK, Source.ENERGIE, Source.SIGNAAL)
_KEY_COLUMNS = {"address_key", "person_key", "partner_key", "huurder_key", "kvk_key", "buurtcode"}


def _select(source: str, deliveries: DeliverySet, chunk: tuple[int, int] | None = None) -> str:
    """SELECT of one source's rows with `address_key` resolved through the bag.

    Two UNION ALL branches: rows that carry their address key, and rows named only by
    nummeraanduiding, joined to the bag. `chunk=(index, count)` filters on the resolved key inside
    each branch, so PostgreSQL never joins rows of other chunks. Rows whose address cannot be
    resolved are left out: they belong to no address of the project area.
    """
    table = _table(source)
    ids = _ids_sql(deliveries.ids(source))
    columns = [c for c in _COLUMNS[source] if c != "address_key"]
    select = "".join(f"r.{c}, " for c in columns)
    if source not in _ADDRESS_SOURCES:
        if source == Source.BAG:
            select = ", ".join(f"r.{c}" for c in _COLUMNS[source])
        else:
            select = select.rstrip(", ")
        return f"SELECT {select} FROM {table} r WHERE r.delivery_id IN {ids}"  # noqa: S608  # nosec B608

    def in_chunk(column: str) -> str:
        return f" AND {_chunk_sql(column, chunk[1])} = {int(chunk[0])}" if chunk else ""

    bag = _table(Source.BAG)
    bag_ids = _ids_sql(deliveries.ids(Source.BAG))
    # One address per nummeraanduiding (the newest bag delivery wins).
    nad = (
        f"(SELECT nummeraanduiding_key, MAX(address_key) AS address_key FROM {bag} "  # noqa: S608  # nosec B608
        f"WHERE delivery_id IN {bag_ids} AND nummeraanduiding_key <> '' GROUP BY nummeraanduiding_key)"
    )
    direct = (
        f"SELECT {select}r.address_key FROM {table} r "  # noqa: S608  # nosec B608
        f"WHERE r.delivery_id IN {ids} AND r.address_key <> ''{in_chunk('r.address_key')}"
    )
    resolved = (
        f"SELECT {select}n.address_key FROM {table} r JOIN {nad} n "  # noqa: S608  # nosec B608
        f"ON n.nummeraanduiding_key = r.nummeraanduiding_key "
        f"WHERE r.delivery_id IN {ids} AND r.address_key = '' AND r.nummeraanduiding_key <> ''"
        f"{in_chunk('n.address_key')}"
    )
    return f"{direct} UNION ALL {resolved}"


def _read(sql: str) -> pd.DataFrame:
    """Run a SELECT and return a DataFrame: COPY … CSV on PostgreSQL, a cursor elsewhere."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            buffer = io.BytesIO()
            with cursor.cursor.copy(
                f"COPY ({sql}) TO STDOUT WITH (FORMAT csv, HEADER true)"
            ) as copy:
                for data in copy:
                    buffer.write(data)
            buffer.seek(0)
            head = buffer.readline().decode().strip().split(",")
            buffer.seek(0)
            dtypes = {
                c: "object" for c in head if c in _KEY_COLUMNS or c in ("gebruiksdoel", "leefvorm")
            }
            return pd.read_csv(
                buffer, dtype=dtypes, keep_default_na=False, na_values=[""], engine="c"
            )
        cursor.execute(sql)
        names = [d[0] for d in cursor.description]
        frame = pd.DataFrame(cursor.fetchall(), columns=names)
        for column in names:
            if column in _KEY_COLUMNS:
                frame[column] = frame[column].replace("", None)
        return frame


def _with_organisation(frame: pd.DataFrame, deliveries: DeliverySet) -> pd.DataFrame:
    organisation = frame["delivery_id"].map(deliveries.organisation_of).astype("int64").astype(str)
    return frame.drop(columns=["delivery_id"]).assign(organisation=organisation)


def _finish(frames: dict[str, pd.DataFrame | None], deliveries: DeliverySet) -> Frames:
    for source in (Source.UITKERING, Source.SIGNAAL):
        if frames.get(source) is not None:
            frames[source] = _with_organisation(frames[source], deliveries)
    if frames.get(Source.BRP) is not None:
        frames[Source.BRP] = frames[Source.BRP].drop(columns=["id"])
    assert frames[Source.BAG] is not None
    return Frames(**frames)


def frames_load_all(deliveries: DeliverySet) -> Frames:
    """Every row of every delivered source (the baseline and single-chunk path)."""
    frames: dict[str, pd.DataFrame | None] = {}
    for source in _COLUMNS:
        frames[source] = _read(_select(source, deliveries)) if deliveries.ids(source) else None
    return _finish(frames, deliveries)


def frames_load_chunk(
    deliveries: DeliverySet, *, index: int, chunk_count: int
) -> tuple[Frames, list[str]]:
    """The rows chunk `index` of `chunk_count` needs, and the address keys it evaluates."""
    if chunk_count == 1 or connection.vendor != "postgresql":
        frames = frames_load_all(deliveries)
        keys = [
            k
            for k in frames.bag["address_key"].dropna().unique()
            if chunk_of(k, chunk_count) == index
        ]
        if chunk_count == 1:
            return frames, keys
        return frames_for_chunk(frames, keys), keys

    loaded: dict[str, pd.DataFrame | None] = {}
    bag = _read(_select(Source.BAG, deliveries))
    loaded[Source.BAG] = bag
    keys = [k for k in bag["address_key"].dropna().unique() if chunk_of(k, chunk_count) == index]
    for source in (Source.HUUR, Source.KVK, Source.ENERGIE, Source.SIGNAAL):
        if deliveries.ids(source):
            loaded[source] = _read(_select(source, deliveries, (index, chunk_count)))
        else:
            loaded[source] = None
    if not deliveries.ids(Source.BRP):
        loaded.update({Source.BRP: None, Source.UITKERING: None, Source.TOESLAG: None})
        if deliveries.ids(Source.UITKERING):
            loaded[Source.UITKERING] = _read(_select(Source.UITKERING, deliveries)).iloc[0:0]
        if deliveries.ids(Source.TOESLAG):
            loaded[Source.TOESLAG] = _read(_select(Source.TOESLAG, deliveries)).iloc[0:0]
        return _finish(loaded, deliveries), keys

    # BRP at the chunk's addresses in one query; the persons' benefits and allowances are small
    # tables, read whole and cut in pandas (cheaper than semi-joins on BRP per source).
    brp = _read(_select(Source.BRP, deliveries, (index, chunk_count)))
    people = pd.Index(brp["person_key"].dropna().unique())
    for source in (Source.UITKERING, Source.TOESLAG):
        if deliveries.ids(source):
            frame = _read(_select(source, deliveries))
            loaded[source] = frame[frame["person_key"].isin(people)]
        else:
            loaded[source] = None
    toeslag = loaded[Source.TOESLAG]
    if toeslag is not None:
        partners = sorted(set(toeslag["partner_key"].dropna()) - set(people))
        if partners:
            # Registrations of toeslag partners anywhere in the project (TOESLAGPARTNER_ELDERS).
            extra = _read_params(
                f"SELECT * FROM ({_select(Source.BRP, deliveries)}) x WHERE x.person_key = ANY(%s)",  # noqa: S608  # nosec B608
                [partners],
            )
            brp = pd.concat([brp, extra], ignore_index=True).drop_duplicates("id")
    loaded[Source.BRP] = brp
    return _finish(loaded, deliveries), keys


def _read_params(sql: str, params: list) -> pd.DataFrame:
    """A parameterised SELECT through a plain cursor (for the few partner rows)."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [d[0] for d in cursor.description]
        frame = pd.DataFrame(cursor.fetchall(), columns=names)
    for column in ("geboortedatum", "datum_inschrijving_adres"):
        if column in frame.columns:
            frame[column] = frame[column].astype(str)
    return frame
