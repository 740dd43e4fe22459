"""One chunk of a run: evaluate a range of addresses and write its results idempotently, so a
redelivered task (acks_late, R27) never duplicates."""

from __future__ import annotations

import csv
import hmac
import io
import json
import time
from collections.abc import Iterable, Iterator
from typing import Any

from django.conf import settings
from django.db import connection, models, transaction
from django.db.models import Q

import structlog

from wijkaanpak.core.bulk import bulk_load

from ..constants import (
    ResultStatus,
    RunStatus,
)
from ..indicators.engine import IndicatorResult as EngineResult
from ..indicators.engine import evaluate
from ..indicators.registry import IndicatorSettings
from ..loading import DeliverySet, chunk_range, frames_load_chunk
from ..models import (
    IndicatorResult,
    MatchingChunk,
    MatchingRun,
    RiskAddress,
)

logger = structlog.get_logger(__name__)

_PSEUDONYM_LABEL = b"wijkaanpak/weergavepseudoniem/v1"


def delivery_set_for(run: MatchingRun) -> DeliverySet:
    by_source: dict[str, list[int]] = {}
    organisation_of: dict[int, int] = {}
    for used in run.deliveries_used:
        by_source.setdefault(used["source"], []).append(used["id"])
        organisation_of[used["id"]] = used["organisation_id"]
    return DeliverySet(by_source=by_source, organisation_of=organisation_of)


def display_pseudonym(address_key: str) -> str:
    """Short, stable display name of an address pseudonym; reveals nothing of the address."""
    mac = hmac.digest(_PSEUDONYM_LABEL, address_key.encode(), "sha256")[:5].hex().upper()
    return f"{mac[:5]}-{mac[5:]}"


def _chunk_checkpoint(run: MatchingRun, index: int) -> None:
    """Hook between evaluation and writing; tests inject failures here, and the crash test
    slows chunks down through MATCHING_CHUNK_DELAY_SECONDS (test settings only; 0 elsewhere)."""
    delay = float(getattr(settings, "MATCHING_CHUNK_DELAY_SECONDS", 0) or 0)
    if delay:
        time.sleep(delay)


def _run_status_shared(run_id: int) -> str | None:
    """The run's status, with a shared row lock so a cancel cannot slip in during a chunk write."""
    with connection.cursor() as cursor:
        lock = " FOR SHARE" if connection.vendor == "postgresql" else ""
        cursor.execute(
            f"SELECT status FROM {MatchingRun._meta.db_table} WHERE id = %s{lock}",  # noqa: S608  # nosec B608
            [run_id],
        )
        row = cursor.fetchone()
    return row[0] if row else None


# Rows per block when streaming a chunk's results into COPY: PostgreSQL parses and indexes one
# block while this process renders the next, so client and server work overlap.
_BLOCK_ROWS = 10_000

ADDRESS_COLUMNS = [
    "run_id",
    "chunk",
    "address_key",
    "pseudonym",
    "buurtcode",
    "score",
    "is_risk",
    "fired",
    "results",
]

RESULT_COLUMNS = ["run_id", "chunk", "address_key", "indicator", "status", "figures", "explanation"]


Row = tuple[Any, ...]


def _copy_rows(model: type[models.Model], columns: list[str], blocks: Iterable[list[Row]]) -> int:
    """Insert blocks of rows whose JSON columns are already rendered; returns the row count.

    Each block is rendered by the C csv writer and sent while the next block is made
    (wijkaanpak.core.bulk.bulk_load; bulk_create on the SQLite demo).
    """
    json_fields = {
        f
        for f in columns
        if model._meta.get_field(f.removesuffix("_id")).get_internal_type() == "JSONField"
    }
    count = 0

    def counted() -> Iterator[list[Row]]:
        nonlocal count
        for rows in blocks:
            count += len(rows)
            yield rows

    def to_csv(rows: list[Row]) -> str:
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\n").writerows(rows)
        return buffer.getvalue()

    def to_rows(rows: list[Row]) -> Iterator[dict[str, Any]]:
        for row in rows:
            yield {
                f: json.loads(v) if f in json_fields else v
                for f, v in zip(columns, row, strict=True)
            }

    bulk_load(model, columns, counted(), to_csv=to_csv, to_rows=to_rows)
    return count


_ENCODER = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"))

_json = _ENCODER.encode


def _chunk_write(run_id: int, index: int, outcome: EngineResult, run_level: set[str]) -> int:
    """Write the chunk's IndicatorResult and RiskAddress rows; no ORM object per address.

    Only fired and not-evaluated results are kept (an absent row means "not fired");
    indicators not evaluated for the whole run are recorded once on the run. Each address's
    `results` JSON is assembled from the already rendered figures. Returns the address count.
    """
    results = outcome.results
    kept = results[
        (results["status"] != ResultStatus.NOT_FIRED) & ~results["indicator"].isin(run_level)
    ]
    pieces: dict[str, list[str]] = {}

    def result_blocks() -> Iterator[list[Row]]:
        rows: list[Row] = []
        for key, code, status, figures, explanation in zip(
            kept["address_key"].tolist(),
            kept["indicator"].tolist(),
            kept["status"].tolist(),
            kept["figures"].tolist(),
            kept["explanation"].tolist(),
            strict=True,
        ):
            figures_json = _json(figures)
            rows.append((run_id, index, key, code, status, figures_json, explanation or ""))
            pieces.setdefault(key, []).append(
                f'"{code}":{{"explanation":{_json(explanation)},"figures":{figures_json},'
                f'"status":{_json(status)}}}'
            )
            if len(rows) == _BLOCK_ROWS:
                yield rows
                rows = []
        if rows:
            yield rows

    summary = outcome.summary
    columns = [
        summary[name].tolist() for name in ("address_key", "buurtcode", "score", "is_risk", "fired")
    ]
    fired_json: dict[tuple[str, ...], str] = {}

    def address_blocks() -> Iterator[list[Row]]:
        for start in range(0, len(summary), _BLOCK_ROWS):
            rows: list[Row] = []
            for key, buurt, score, is_risk, fired in zip(
                *(column[start : start + _BLOCK_ROWS] for column in columns), strict=True
            ):
                rendered = fired_json.get(fired)
                if rendered is None:
                    rendered = fired_json[fired] = _json(list(fired))
                own = pieces.get(key)
                rows.append(
                    (
                        run_id,
                        index,
                        key,
                        display_pseudonym(key),
                        buurt or "",
                        score,
                        is_risk,
                        rendered,
                        "{" + ",".join(own) + "}" if own else "{}",
                    )
                )
            yield rows

    # Results first: they fill `pieces`, which the address rows use.
    _copy_rows(IndicatorResult, RESULT_COLUMNS, result_blocks())
    return _copy_rows(RiskAddress, ADDRESS_COLUMNS, address_blocks())


def _chunk_filter(index: int, chunk_count: int) -> Q:
    lo, hi = chunk_range(index, chunk_count)
    condition = Q()
    if lo is not None:
        condition &= Q(address_key__gte=lo)
    if hi is not None:
        condition &= Q(address_key__lt=hi)
    return condition


def matching_chunk_process(*, run_id: int, index: int) -> dict[str, Any]:
    """Evaluate one chunk and write its results idempotently. Returns a small summary.

    Skips (without writing) when the run is not running or the chunk was already written.
    """
    run = MatchingRun.objects.select_related("project").get(pk=run_id)
    if run.status != RunStatus.RUNNING:
        return {"index": index, "skipped": run.status}
    if MatchingChunk.objects.filter(run_id=run_id, index=index).exists():
        return {"index": index, "skipped": "done"}
    started = time.monotonic()
    engine_settings = IndicatorSettings(
        peildatum=run.peildatum,
        **{
            k: v
            for k, v in run.settings_snapshot.items()
            if k not in ("peildatum", "enabled", "weights")
        },
        weights=run.settings_snapshot["weights"],
        enabled=frozenset(run.settings_snapshot["enabled"]),
    )
    frames, keys = frames_load_chunk(
        delivery_set_for(run), index=index, chunk_count=run.chunk_count
    )
    loaded = time.monotonic()
    outcome = evaluate(frames, engine_settings, address_keys=keys)
    evaluated = time.monotonic()
    _chunk_checkpoint(run, index)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_advisory_xact_lock(%s, %s)", [int(run_id) % 2_000_000_000, index]
                )
        if _run_status_shared(run_id) != RunStatus.RUNNING:
            return {"index": index, "skipped": "not running"}
        if MatchingChunk.objects.filter(run_id=run_id, index=index).exists():
            return {"index": index, "skipped": "done"}
        # Delete-then-insert: whatever a crashed attempt might have left is replaced whole.
        # A chunk is a range of address keys: the unique (run, address_key…) indexes serve it.
        in_chunk = _chunk_filter(index, run.chunk_count)
        IndicatorResult.objects.filter(in_chunk, run_id=run_id).delete()
        RiskAddress.objects.filter(in_chunk, run_id=run_id).delete()
        address_count = _chunk_write(run_id, index, outcome, set(run.not_evaluated))
        MatchingChunk.objects.create(
            run_id=run_id,
            index=index,
            address_count=address_count,
            seconds=time.monotonic() - started,
        )
    # Progress is written after commit: chunks share a FOR SHARE lock on the run row while they
    # write, so updating the row inside that transaction would deadlock two parallel chunks.
    done = MatchingChunk.objects.filter(run_id=run_id).count()
    MatchingRun.objects.filter(pk=run_id, status=RunStatus.RUNNING).update(
        progress=min(99, int(100 * done / run.chunk_count))
    )
    logger.info(
        "matching_chunk_done",
        run_id=run_id,
        index=index,
        addresses=address_count,
        load_s=round(loaded - started, 2),
        evaluate_s=round(evaluated - loaded, 2),
        write_s=round(time.monotonic() - evaluated, 2),
    )
    return {"index": index, "addresses": address_count}
