"""Bulk loading: the intake's records and matching's results, through one helper.

`bulk_load` sends blocks of rows with PostgreSQL's COPY (each block rendered as CSV while the
previous one loads) and falls back to `bulk_create` elsewhere (the SQLite demo). Callers say how
a block becomes CSV text and how it becomes model field values.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, TypeVar

from django.db import connection, models

from psycopg.copy import QueuedLibpqWriter

T = TypeVar("T")
B = TypeVar("B")

BULK_CREATE_BATCH = 2000


def copy_csv(
    model: type[models.Model],
    columns: Sequence[str],
    chunks: Iterable[bytes | str | memoryview],
    *,
    meanwhile: Callable[[], T] | None = None,
) -> T | None:
    """COPY CSV chunks (no header) into the model's table, inside the caller's transaction.

    A queued writer sends each chunk from a worker thread, so the caller's iterator renders the
    next chunk, and at the end `meanwhile()` runs (its result is returned), while PostgreSQL is
    still loading: the database and this process work on two cores at once. PostgreSQL only.
    """
    connection.ensure_connection()
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(column) for column in columns)
    sql = f"COPY {table} ({names}) FROM STDIN WITH (FORMAT csv)"
    with connection.connection.cursor() as cursor:
        with cursor.copy(sql, writer=QueuedLibpqWriter(cursor)) as copy:
            for chunk in chunks:
                copy.write(chunk)
            return meanwhile() if meanwhile else None


def bulk_load(
    model: type[models.Model],
    columns: Sequence[str],
    blocks: Iterable[B],
    *,
    to_csv: Callable[[B], bytes | str | memoryview],
    to_rows: Callable[[B], Iterable[Mapping[str, Any]]],
    meanwhile: Callable[[], T] | None = None,
) -> T | None:
    """Insert `blocks` into the model's table inside the caller's transaction.

    PostgreSQL: one COPY of `to_csv(block)` per block (`columns` in that order, attnames such as
    "run_id"). Elsewhere: `bulk_create` of `model(**row)` for every row of `to_rows(block)`.
    `meanwhile()` runs after the last block has been handed over; its result is returned.
    """
    if connection.vendor == "postgresql":
        return copy_csv(model, columns, (to_csv(block) for block in blocks), meanwhile=meanwhile)
    for block in blocks:
        objects: Iterator[models.Model] = (model(**row) for row in to_rows(block))
        model._default_manager.bulk_create(objects, batch_size=BULK_CREATE_BATCH)
    return meanwhile() if meanwhile else None
