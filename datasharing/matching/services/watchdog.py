"""A dead worker costs minutes, not the broker's visibility timeout (issue 16.1, R27).

With late acks a chunk whose worker was killed (kill -9, out of memory, a lost machine) stays
unacknowledged in Redis until the visibility timeout, and only then is it delivered again. So
every chunk task holds a lease (MatchingChunkLease) whose heartbeat a thread refreshes every
MATCHING_CHUNK_HEARTBEAT_SECONDS, and a Celery beat task runs `matching_watchdog` every
MATCHING_WATCHDOG_SECONDS:

* a running run whose chunks are all written is finalised (the chord's callback may never come:
  its killed part is still unacknowledged);
* a chunk whose heartbeat is older than MATCHING_CHUNK_STALE_SECONDS is sent again (job
  JOB_CHUNK_RECOVER), at most MATCHING_CHUNK_MAX_ATTEMPTS times; a chunk that keeps losing its
  worker (one that runs out of memory every time) fails the run visibly instead of looping;
* chunks that no worker started are sent again once the whole run has stalled: no heartbeat,
  no chunk written and nothing sent again for MATCHING_CHUNK_STALE_SECONDS (their messages
  were held by the dead worker before it took the lease, or lost with a restarted Redis). Such
  a chunk is sent again after MATCHING_RUN_IDLE_SECONDS at the earliest, so a run that only
  waits behind other work in a busy queue gets a duplicate message now and then, which skips.

Sending a chunk twice is safe: chunks are idempotent (services.chunks), a duplicate skips at
once, and the message the dead worker held, redelivered after the visibility timeout, skips too.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

import structlog

from wijkaanpak.core.jobs import job_enqueue

from ..constants import JOB_CHUNK_RECOVER, RunStatus
from ..models import MatchingChunk, MatchingChunkLease, MatchingRun
from .runs import matching_run_fail, matching_run_finalise

logger = structlog.get_logger(__name__)

CHUNK_KEEPS_FAILING = (
    "Deel {index} van de matchingrun liet de verwerker {attempts} keer uitvallen (bijvoorbeeld "
    "door te weinig geheugen). Start een nieuwe run of neem contact op met de beheerder."
)


def _seconds(name: str, default: float) -> float:
    return float(getattr(settings, name, default) or default)


def heartbeat_seconds() -> float:
    return _seconds("MATCHING_CHUNK_HEARTBEAT_SECONDS", 10)


def stale_seconds() -> float:
    return _seconds("MATCHING_CHUNK_STALE_SECONDS", 60)


def idle_seconds() -> float:
    return _seconds("MATCHING_RUN_IDLE_SECONDS", 600)


def max_attempts() -> int:
    return int(_seconds("MATCHING_CHUNK_MAX_ATTEMPTS", 3))


def chunk_lease_take(*, run_id: int, index: int, worker: str) -> int:
    """Record that `worker` starts (another attempt at) chunk `index`; returns the attempt."""
    now = timezone.now()
    with transaction.atomic():
        lease, created = MatchingChunkLease.objects.select_for_update().get_or_create(
            run_id=run_id,
            index=index,
            defaults={"attempt": 1, "worker": worker, "started_at": now, "heartbeat_at": now},
        )
        if not created:
            lease.attempt += 1
            lease.worker, lease.started_at, lease.heartbeat_at = worker[:200], now, now
            lease.save(update_fields=["attempt", "worker", "started_at", "heartbeat_at"])
    return lease.attempt


def chunk_heartbeat(*, run_id: int, index: int) -> int:
    return MatchingChunkLease.objects.filter(run_id=run_id, index=index).update(
        heartbeat_at=timezone.now()
    )


@contextmanager
def chunk_lease(*, run_id: int, index: int, worker: str) -> Iterator[int]:
    """Hold the chunk's lease while the body runs, with a heartbeat thread (own connection).

    No lease for a run that is no longer running (a late redelivery: the body skips), 0."""
    if not MatchingRun.objects.filter(pk=run_id, status=RunStatus.RUNNING).exists():
        yield 0
        return
    attempt = chunk_lease_take(run_id=run_id, index=index, worker=worker)
    stop = threading.Event()

    def beat() -> None:
        try:
            while not stop.wait(heartbeat_seconds()):
                try:
                    chunk_heartbeat(run_id=run_id, index=index)
                except DatabaseError:  # the database blinks: the next beat tries again
                    logger.warning("matching_chunk_heartbeat_failed", run_id=run_id, index=index)
                    connection.close()
        finally:
            connection.close()

    thread = threading.Thread(target=beat, name=f"heartbeat-{run_id}-{index}", daemon=True)
    thread.start()
    try:
        yield attempt
    finally:
        stop.set()
        thread.join(timeout=5)


@dataclass(frozen=True)
class WatchdogOutcome:
    finalised: list[int]
    redispatched: list[tuple[int, int]]
    failed: list[int]


def _last_sign_of_life(run: MatchingRun, leases: list[MatchingChunkLease]) -> datetime:
    moments = [run.started_at or run.created_at]
    moments += [lease.heartbeat_at for lease in leases if lease.heartbeat_at]
    moments += [lease.redispatched_at for lease in leases if lease.redispatched_at]
    latest_chunk = (
        MatchingChunk.objects.filter(run=run).order_by("-finished_at").values("finished_at").first()
    )
    if latest_chunk:
        moments.append(latest_chunk["finished_at"])
    return max(moments)


def _run_watch(run: MatchingRun, now: datetime, outcome: WatchdogOutcome) -> None:
    done = set(MatchingChunk.objects.filter(run=run).values_list("index", flat=True))
    if len(done) >= run.chunk_count:
        matching_run_finalise(run_id=run.pk)
        outcome.finalised.append(run.pk)
        return
    leases = {lease.index: lease for lease in MatchingChunkLease.objects.filter(run=run)}
    stale_before = now - timedelta(seconds=stale_seconds())
    idle_before = now - timedelta(seconds=idle_seconds())
    run_stalled = _last_sign_of_life(run, list(leases.values())) < stale_before
    resend: list[int] = []
    for index in range(run.chunk_count):
        if index in done:
            continue
        lease = leases.get(index)
        if lease is None:
            if run_stalled:
                resend.append(index)
            continue
        # Started: a worker took the lease after any re-dispatch, and its heartbeat counts.
        # Otherwise the chunk waits for a worker since it was sent again.
        started = lease.heartbeat_at is not None and (
            lease.redispatched_at is None or lease.heartbeat_at > lease.redispatched_at
        )
        last = (
            lease.heartbeat_at if started else lease.redispatched_at or run.started_at
        ) or run.created_at
        if last >= (stale_before if started else idle_before):
            continue
        if started and lease.attempt >= max_attempts():
            matching_run_fail(
                run_id=run.pk,
                error=CHUNK_KEEPS_FAILING.format(index=index + 1, attempts=lease.attempt),
            )
            outcome.failed.append(run.pk)
            return
        resend.append(index)
    for index in resend:
        lease, _ = MatchingChunkLease.objects.get_or_create(run=run, index=index)
        MatchingChunkLease.objects.filter(pk=lease.pk).update(redispatched_at=now)
        job_enqueue(JOB_CHUNK_RECOVER, run.pk, index)
        outcome.redispatched.append((run.pk, index))
        logger.warning(
            "matching_chunk_redispatched", run_id=run.pk, index=index, attempt=lease.attempt
        )


def matching_watchdog(*, now: datetime | None = None) -> WatchdogOutcome:
    """One round over the running runs (Celery beat, every MATCHING_WATCHDOG_SECONDS)."""
    now = now or timezone.now()
    outcome = WatchdogOutcome(finalised=[], redispatched=[], failed=[])
    for run_id in MatchingRun.objects.filter(status=RunStatus.RUNNING).values_list("pk", flat=True):
        with transaction.atomic():
            # A chunk writing holds the run FOR SHARE: skip the run this round, not wait.
            run = (
                MatchingRun.objects.select_for_update(skip_locked=True)
                .filter(pk=run_id, status=RunStatus.RUNNING)
                .first()
            )
            if run is not None:
                _run_watch(run, now, outcome)
    return outcome


def matching_chunk_recovered(*, run_id: int) -> bool:
    """After a re-dispatched chunk: finalise the run when every chunk is written."""
    run = MatchingRun.objects.filter(pk=run_id, status=RunStatus.RUNNING).first()
    if run is None or MatchingChunk.objects.filter(run=run).count() < run.chunk_count:
        return False
    return matching_run_finalise(run_id=run_id).status == RunStatus.SUCCEEDED


__all__ = [
    "CHUNK_KEEPS_FAILING",
    "WatchdogOutcome",
    "chunk_heartbeat",
    "chunk_lease",
    "chunk_lease_take",
    "matching_chunk_recovered",
    "matching_watchdog",
]
