"""Key rotation (security R19): a new project key version, and every stored pseudonym re-keyed.

The raw identifiers are gone after intake, so rotation chains (datasharing.pseudonymisation):
a version-v pseudonym is HMAC(K_v[kind], version-(v-1) pseudonym). `project_key_rotate` creates
the next key and, in the same transaction, replaces every pseudonym of the project — in the
record tables, the address vault (re-encrypted too, the address pseudonym being its associated
data) and the tables other apps register (datasharing.registries: matching's) — by its
successor (a column whose kind varies per row, an owner's pseudonym, under the row's kind),
so matching gives the same output and a lookup by a known BSN keeps working, with the new key
only.

At city scale (1.75 M record rows) each distinct old pseudonym is hashed once per identifier
kind; on PostgreSQL the (old, new) pairs are COPYed into temporary tables and every table is
rewritten by one `UPDATE … FROM`; elsewhere (the SQLite demo) `bulk_update` does it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db import connection, models, transaction
from django.db.models import Count, QuerySet
from django.views.decorators.debug import sensitive_variables

import structlog
from psycopg import Cursor

from datasharing.constants import DeliveryStatus
from datasharing.models import (
    RECORD_MODELS,
    AddressVaultEntry,
    Delivery,
    OwnerVaultEntry,
    ProjectKey,
)
from datasharing.pseudonymisation import (
    Kind,
    Pseudonymiser,
    project_key_current,
    project_key_hold,
    project_key_successor_create,
    pseudonymiser_for,
)
from datasharing.registries import KEY_ROTATION_BLOCKERS, PSEUDONYM_TABLES
from partners.models import User
from projects.constants import ProjectPerm
from projects.models import Project
from projects.selectors import project_perm_require
from wijkaanpak.core.events import event_record
from wijkaanpak.core.exceptions import InvalidTransition
from wijkaanpak.core.processing_log import processing_log_write

logger = structlog.get_logger(__name__)
T = TypeVar("T")

KEY_ROTATE_NOT_ALLOWED = (
    "Alleen de projectleider mag de pseudonimiseringssleutel van dit project vervangen."
)
KEY_ROTATE_DESTROYED = (
    "De pseudonimiseringssleutel van dit project is vernietigd; er kan geen nieuwe sleutel "
    "worden gemaakt."
)
KEY_ROTATE_NO_KEY = (
    "Dit project heeft nog geen pseudonimiseringssleutel; er is nog niets om te vervangen."
)
KEY_ROTATE_DELIVERY_BUSY = (
    "Er wordt nog een levering van dit project ontvangen of verwerkt. Wacht tot die verwerkt is "
    "en vervang de sleutel daarna."
)
KEY_ROTATE_MIXED_VERSIONS = (
    "Niet alle gegevens van dit project zijn met de huidige sleutel gepseudonimiseerd; de "
    "sleutel kan niet worden vervangen. Neem contact op met de beheerder."
)

# Every pseudonym column of the record tables and the identifier kind whose key made it.
KEY_COLUMNS: dict[str, Kind] = {
    "person_key": Kind.BSN,
    "partner_key": Kind.BSN,
    "huurder_key": Kind.BSN,
    "address_key": Kind.ADDRESS,
    "nummeraanduiding_key": Kind.NUMMERAANDUIDING,
    "kvk_key": Kind.KVK,
}

# Distinct old pseudonyms hashed, and vault entries re-encrypted, per round trip.
BATCH = 50_000

_PSEUDONYM_TEXT = re.compile(r"[0-9a-f]*")


class RekeyIncomplete(RuntimeError):
    """A table held a row the mapping did not cover; the whole rotation is rolled back."""


@dataclass(frozen=True)
class _Table:
    """A table holding pseudonyms of the project: its key columns, how it reaches the project
    (`project_id` itself, or through the foreign key `via`), whether rows carry a key_version,
    and the column naming each row's identifier kind when the columns' kind varies per row."""

    model: type[models.Model]
    columns: tuple[str, ...]
    via: str = ""
    versioned: bool = False
    kind_column: str = ""

    @property
    def name(self) -> str:
        return self.model._meta.db_table

    def queryset(self, project: Project) -> QuerySet[Any]:
        lookup = f"{self.via}__project" if self.via else "project"
        return self.model._default_manager.filter(**{lookup: project}).order_by()


def _key_columns(model: type[models.Model]) -> tuple[str, ...]:
    """The model's pseudonym columns; a `*_key` column of unknown kind fails loudly, so a new
    column cannot silently keep its old-version pseudonyms."""
    names = [field.attname for field in model._meta.concrete_fields]
    unknown = [n for n in names if n.endswith("_key") and n not in KEY_COLUMNS]
    if unknown:
        raise RuntimeError(f"{model._meta.label}: pseudonym column(s) of unknown kind {unknown}")
    return tuple(n for n in names if n in KEY_COLUMNS)


def _tables() -> list[_Table]:
    records = [
        _Table(model=model, columns=_key_columns(model), versioned=True)
        for model in RECORD_MODELS.values()
    ]
    registered = [
        _Table(
            model=table.model, columns=table.columns, via=table.via, kind_column=table.kind_column
        )
        for table in PSEUDONYM_TABLES
    ]
    return records + registered


def _use_sql() -> bool:
    """COPY + UPDATE … FROM on PostgreSQL; the ORM elsewhere (tests force either path)."""
    return connection.vendor == "postgresql"


# --- the service ----------------------------------------------------------------------------------


@sensitive_variables()
@transaction.atomic
def project_key_rotate(*, actor: User | None, project: Project) -> ProjectKey:
    """Create the project's next key version and re-key every stored pseudonym, atomically.

    `actor` must be able to manage the project; None is the operator (management command).
    Raises NotPermitted, or InvalidTransition (changing nothing) when the key is destroyed or
    absent, a delivery is still being received or processed, or a matching run is queued or
    running. Returns the new key; its `rekeyed_rows` holds the re-keyed row count per table.
    """
    if actor is not None:
        project_perm_require(
            actor=actor, project=project, perm=ProjectPerm.MANAGE, message=KEY_ROTATE_NOT_ALLOWED
        )
    project = Project.objects.select_for_update().get(pk=project.pk)
    if ProjectKey.objects.filter(project=project, destroyed_at__isnull=False).exists():
        raise InvalidTransition(KEY_ROTATE_DESTROYED)
    current = project_key_current(project=project)
    if current is None:
        raise InvalidTransition(KEY_ROTATE_NO_KEY)
    # A delivery storing its rows holds this row (project_key_hold): wait for it, so that its
    # rows are counted and re-keyed below; a delivery arriving later waits for this rotation.
    project_key_hold(project=project, version=current.version)
    if Delivery.objects.filter(
        project=project, status__in=[DeliveryStatus.ONTVANGEN, DeliveryStatus.VERWERKEN]
    ).exists():
        raise InvalidTransition(KEY_ROTATE_DELIVERY_BUSY)
    for blocker in KEY_ROTATION_BLOCKERS:
        if reason := blocker(project):
            raise InvalidTransition(reason)
    tables = _tables()
    expected = _row_counts(project, tables, version=current.version)

    previous = pseudonymiser_for(project=project, version=current.version)
    new_key = project_key_successor_create(project=project)
    pseudonymiser = pseudonymiser_for(project=project, version=new_key.version)
    by_column = [table for table in tables if not table.kind_column]
    if _use_sql():
        counts = _rekey_sql(project, by_column, pseudonymiser, previous)
    else:
        counts = _rekey_orm(project, by_column, pseudonymiser, previous)
    for table in tables:
        if table.kind_column:
            counts[table.name] = _per_row_kind_rekey(project, table, pseudonymiser)
    counts[OwnerVaultEntry._meta.db_table] = _owner_vault_rekey(project, pseudonymiser, previous)
    for name, count in counts.items():
        if name in expected and count != expected[name]:
            raise RekeyIncomplete(f"{name}: {count} of {expected[name]} rows re-keyed")
    counts[Delivery._meta.db_table] = Delivery.objects.filter(
        project=project, key_version__isnull=False
    ).update(key_version=new_key.version)

    processing_log_write(
        actor=actor,
        action="update",
        name="project_key_rotate",
        ground="data_intake",
        project=project,
        obj=new_key,
    )
    event_record(
        actor=actor,
        kind="project_key_rotated",
        project=project,
        obj=new_key,
        data={"from_version": current.version, "to_version": new_key.version, "rows": counts},
    )
    logger.info(
        "project_key_rotated",
        project_id=project.pk,
        from_version=current.version,
        to_version=new_key.version,
    )
    new_key.rekeyed_rows = counts
    return new_key


@sensitive_variables()
def _owner_vault_rekey(project: Project, new: Pseudonymiser, previous: Pseudonymiser) -> int:
    """Every owner-vault entry: its owner pseudonym advanced like the records' person_key and
    kvk_key, and re-encrypted for the new version (few rows: one per owner)."""
    entries = list(OwnerVaultEntry.objects.filter(project=project).order_by("pk"))
    for kind in (Kind.BSN, Kind.KVK):
        batch = [entry for entry in entries if entry.owner_kind == kind.value]
        if not batch:
            continue
        old_keys = [entry.owner_key for entry in batch]
        new_keys = new.advance(kind, old_keys)
        sealed = new.reseal_owners(
            previous=previous,
            old_keys=old_keys,
            new_keys=new_keys,
            ciphertexts=[bytes(entry.ciphertext) for entry in batch],
        )
        for entry, key, ciphertext in zip(batch, new_keys, sealed, strict=True):
            entry.owner_key, entry.ciphertext, entry.key_version = key, ciphertext, new.key_version
    OwnerVaultEntry.objects.bulk_update(
        entries, ["owner_key", "ciphertext", "key_version"], batch_size=1000
    )
    return len(entries)


@sensitive_variables()
def _per_row_kind_rekey(project: Project, table: _Table, new: Pseudonymiser) -> int:
    """A registered table whose rows name their identifier kind (few rows: owner reveal
    requests): each row's pseudonyms advanced under its own kind, on either path."""
    rows = list(table.queryset(project).only("pk", table.kind_column, *table.columns))
    for kind_value in sorted({getattr(row, table.kind_column) for row in rows}):
        kind = Kind(kind_value)  # an unknown kind fails loudly and rolls the rotation back
        batch = [row for row in rows if getattr(row, table.kind_column) == kind_value]
        for column in table.columns:
            successors = new.advance(kind, [getattr(row, column) for row in batch])
            for row, successor in zip(batch, successors, strict=True):
                setattr(row, column, successor)
    if rows:
        table.model._default_manager.bulk_update(rows, list(table.columns), batch_size=1000)
    return len(rows)


def _row_counts(project: Project, tables: list[_Table], *, version: int) -> dict[str, int]:
    """Rows per table (vault included). Raises InvalidTransition when a versioned row is not of
    the current `version`: its pseudonyms could not be advanced by one step."""
    counts: dict[str, int] = {}
    for table in [*tables, _Table(model=AddressVaultEntry, columns=(), versioned=True)]:
        queryset = table.queryset(project)
        if not table.versioned:
            counts[table.name] = queryset.count()
            continue
        per_version = dict(
            queryset.values_list("key_version")
            .annotate(n=Count("pk"))
            .values_list("key_version", "n")
        )
        if set(per_version) - {version}:
            raise InvalidTransition(KEY_ROTATE_MIXED_VERSIONS)
        counts[table.name] = per_version.get(version, 0)
    return counts


# --- PostgreSQL: mapping tables and UPDATE … FROM -------------------------------------------------


def _quote(name: str) -> str:
    return connection.ops.quote_name(name)


def _scope_sql(table: _Table, alias: str) -> tuple[str, str]:
    """(extra FROM item, WHERE condition) restricting `alias` to the project (one %s)."""
    if table.via:
        field = table.model._meta.get_field(table.via)
        assert isinstance(field, models.ForeignKey) and field.related_model is not None
        parent = _quote(field.related_model._meta.db_table)
        column = _quote(field.column)
        return f", {parent} AS r", f"r.id = {alias}.{column} AND r.project_id = %s"
    return "", f"{alias}.project_id = %s"


def _mapping_table(kind: Kind) -> str:
    return f"rekey_{kind.value}"


VAULT_TABLE = "rekey_vault"


@sensitive_variables()
def _rekey_sql(
    project: Project, tables: list[_Table], new: Pseudonymiser, previous: Pseudonymiser
) -> dict[str, int]:
    raw = connection.connection
    kinds = sorted({KEY_COLUMNS[c] for table in tables for c in table.columns}, key=str)
    # The temporary tables go with the transaction (ON COMMIT DROP), and are dropped here as
    # well: a caller's outer transaction may rotate twice (two projects, or a test).
    temporary = ", ".join([*(_mapping_table(kind) for kind in kinds), VAULT_TABLE])
    with raw.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {temporary}")
        for kind in kinds:
            _mapping_build(cursor, project, tables, kind, new)
        counts = {}
        for table in tables:
            counts[table.name] = _table_update_sql(cursor, project, table, new.key_version)
        counts[AddressVaultEntry._meta.db_table] = _vault_rekey_sql(cursor, project, new, previous)
        cursor.execute(f"DROP TABLE {temporary}")
    return counts


def _mapping_build(
    cursor: Cursor, project: Project, tables: list[_Table], kind: Kind, new: Pseudonymiser
) -> None:
    """A temporary (old, new) table of every distinct pseudonym of `kind` in the project: read
    with a server-side cursor, hashed once each, COPYed back batch by batch."""
    selects: list[str] = []
    params: list[int] = []
    for table in tables:
        extra, condition = _scope_sql(table, "t")
        for column in table.columns:
            if KEY_COLUMNS[column] == kind:
                selects.append(
                    f"SELECT t.{_quote(column)} AS old FROM {_quote(table.name)} AS t{extra} "  # noqa: S608  # nosec B608
                    f"WHERE {condition}"
                )
                params.append(project.pk)
    mapping = _mapping_table(kind)
    cursor.execute(
        f"CREATE TEMPORARY TABLE {mapping} (old text NOT NULL, new text NOT NULL) ON COMMIT DROP"
    )
    distinct = f"SELECT DISTINCT old FROM ({' UNION ALL '.join(selects)}) AS s"  # noqa: S608  # nosec B608
    with connection.connection.cursor(name=f"{mapping}_old") as source:
        source.execute(distinct, params)
        while batch := [row[0] for row in source.fetchmany(BATCH)]:
            _check_pseudonyms(batch)
            successors = new.advance(kind, batch)
            block = "".join(f"{old}\t{succ}\n" for old, succ in zip(batch, successors, strict=True))
            with cursor.copy(f"COPY {mapping} (old, new) FROM STDIN") as copy:
                copy.write(block)
    cursor.execute(f"ALTER TABLE {mapping} ADD PRIMARY KEY (old)")
    cursor.execute(f"ANALYZE {mapping}")


def _check_pseudonyms(values: Sequence[str]) -> None:
    """Stored pseudonyms are '' or 64 lower-case hex characters (also safe in COPY text)."""
    if any(len(v) not in (0, 64) for v in values) or not _PSEUDONYM_TEXT.fullmatch("".join(values)):
        raise RekeyIncomplete("a stored pseudonym is not lower-case hex")


def _table_update_sql(cursor: Cursor, project: Project, table: _Table, version: int) -> int:
    """One UPDATE per table, every key column at once (one new row version per row)."""
    if not table.columns:
        return 0
    extra, condition = _scope_sql(table, "t")
    sets, froms, joins = [], [], []
    for index, column in enumerate(table.columns):
        alias = f"m{index}"
        sets.append(f"{_quote(column)} = {alias}.new")
        froms.append(f"{_mapping_table(KEY_COLUMNS[column])} AS {alias}")
        joins.append(f"{alias}.old = t.{_quote(column)}")
    params: list[int] = []
    if table.versioned:
        sets.append("key_version = %s")
        params.append(version)
    params.append(project.pk)
    cursor.execute(
        f"UPDATE {_quote(table.name)} AS t SET {', '.join(sets)} "  # noqa: S608  # nosec B608
        f"FROM {', '.join(froms)}{extra} WHERE {condition} AND {' AND '.join(joins)}",
        params,
    )
    return int(cursor.rowcount)


def _vault_rekey_sql(
    cursor: Cursor, project: Project, new: Pseudonymiser, previous: Pseudonymiser
) -> int:
    """Every vault entry: new address key, re-encrypted, through a temporary table by id."""
    vault = _quote(AddressVaultEntry._meta.db_table)
    cursor.execute(
        f"CREATE TEMPORARY TABLE {VAULT_TABLE} (id bigint PRIMARY KEY, "
        "address_key text NOT NULL, ciphertext bytea NOT NULL) ON COMMIT DROP"
    )
    with connection.connection.cursor(name=f"{VAULT_TABLE}_old") as source:
        source.execute(
            f"SELECT id, address_key, ciphertext FROM {vault} WHERE project_id = %s",  # noqa: S608  # nosec B608
            [project.pk],
        )
        while rows := source.fetchmany(BATCH):
            ids, old_keys, ciphertexts = zip(*rows, strict=True)
            new_keys, sealed = _vault_successors(new, previous, old_keys, ciphertexts)
            copy_sql = f"COPY {VAULT_TABLE} (id, address_key, ciphertext) FROM STDIN"
            with cursor.copy(copy_sql) as copy:
                for row in zip(ids, new_keys, sealed, strict=True):
                    copy.write_row(row)
    cursor.execute(f"ANALYZE {VAULT_TABLE}")
    cursor.execute(
        f"UPDATE {vault} AS t SET address_key = r.address_key, ciphertext = r.ciphertext, "  # noqa: S608  # nosec B608
        f"key_version = %s FROM {VAULT_TABLE} AS r WHERE t.id = r.id AND t.project_id = %s",
        [new.key_version, project.pk],
    )
    return cursor.rowcount


def _vault_successors(
    new: Pseudonymiser,
    previous: Pseudonymiser,
    old_keys: Sequence[str],
    ciphertexts: Sequence[bytes | memoryview],
) -> tuple[list[str], list[bytes]]:
    old_keys = list(old_keys)
    new_keys = new.advance(Kind.ADDRESS, old_keys)
    sealed = new.reseal_many(
        previous=previous,
        old_keys=old_keys,
        new_keys=new_keys,
        ciphertexts=[bytes(c) for c in ciphertexts],
    )
    return new_keys, sealed


# --- elsewhere (the SQLite demo): the ORM ---------------------------------------------------------


@sensitive_variables()
def _rekey_orm(
    project: Project, tables: list[_Table], new: Pseudonymiser, previous: Pseudonymiser
) -> dict[str, int]:
    successors: dict[Kind, dict[str, str]] = {kind: {} for kind in Kind}

    def successor_map(kind: Kind, values: set[str]) -> dict[str, str]:
        known = successors[kind]
        missing = sorted(values - known.keys())
        known.update(zip(missing, new.advance(kind, missing), strict=True))
        return known

    counts: dict[str, int] = {}
    for table in tables:
        rows = list(table.queryset(project).only("pk", *table.columns))
        for column in table.columns:
            mapping = successor_map(KEY_COLUMNS[column], {getattr(row, column) for row in rows})
            for row in rows:
                setattr(row, column, mapping[getattr(row, column)])
        fields = list(table.columns)
        if table.versioned:
            fields.append("key_version")
            for row in rows:
                row.key_version = new.key_version
        if rows and fields:
            table.model._default_manager.bulk_update(rows, fields, batch_size=1000)
        counts[table.name] = len(rows)
    entries = list(AddressVaultEntry.objects.filter(project=project).order_by("pk"))
    for batch in _batches(entries, BATCH):
        new_keys, sealed = _vault_successors(
            new, previous, [e.address_key for e in batch], [e.ciphertext for e in batch]
        )
        for entry, key, ciphertext in zip(batch, new_keys, sealed, strict=True):
            entry.address_key, entry.ciphertext, entry.key_version = (
                key,
                ciphertext,
                new.key_version,
            )
        AddressVaultEntry.objects.bulk_update(
            batch, ["address_key", "ciphertext", "key_version"], batch_size=1000
        )
    counts[AddressVaultEntry._meta.db_table] = len(entries)
    return counts


def _batches(items: list[T], size: int) -> Iterator[list[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
