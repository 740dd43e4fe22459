"""Bulk loading with PostgreSQL's COPY: the intake's records and matching's results."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TypeVar

from django.db import connection

from psycopg.copy import QueuedLibpqWriter

T = TypeVar("T")


def copy_csv(
    model,
    columns: Sequence[str],
    chunks: Iterable[bytes | str],
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
