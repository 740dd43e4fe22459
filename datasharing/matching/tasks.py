"""Celery tasks of a matching run. They take ids only and call the services (style rule 8).

A run is a chord: one task per chunk in parallel on any number of workers, then the finalise
callback. Chunks are idempotent (see services), so late acks and redelivery after a worker crash
(R27) are safe. Transient database errors are retried with backoff; anything else fails the run
visibly and leaves the current run in place (R30). Every chunk holds a lease with a heartbeat;
the watchdog task (Celery beat) sends a chunk whose worker is gone again within minutes, and
finalises a run whose chord callback waits for the dead worker (services.watchdog, issue 16.1).
"""

from __future__ import annotations

from django.db import InterfaceError, OperationalError

import structlog
from celery import chord, shared_task
from celery.exceptions import SoftTimeLimitExceeded

from . import services
from .models import MatchingRun

logger = structlog.get_logger(__name__)

# A chunk takes seconds to a few minutes (bench/README.md: a city's 125 000-address chunk about
# a minute); the hard limit bounds a stuck one, well below the broker's visibility timeout
# (settings.base: the longest task limit plus a margin), so a running task is never delivered
# twice. A killed worker is noticed sooner, through the lease's heartbeat (services.watchdog).
CHUNK_SOFT_TIME_LIMIT = 20 * 60
# A database that restarts mid-task (issue 16.2): the first query fails with OperationalError,
# a later one on the same dead connection with InterfaceError. Both are retried with backoff.
DATABASE_GONE = (OperationalError, InterfaceError)
CHUNK_TIME_LIMIT = 25 * 60


@shared_task(
    bind=True,
    acks_late=True,
    autoretry_for=DATABASE_GONE,
    retry_backoff=5,
    max_retries=3,
    soft_time_limit=60,
    time_limit=120,
    ignore_result=True,  # sent by the web process: broker only (see delivery_process_task)
)
def matching_run_dispatch_task(self, run_id: int) -> None:
    """queued → running, then fan the chunks out as a chord."""
    if not services.matching_run_begin(run_id=run_id):
        return
    run = MatchingRun.objects.get(pk=run_id)
    callback = matching_run_finalise_task.si(run_id).on_error(matching_run_error_task.s(run_id))
    chord(matching_chunk_task.si(run_id, index) for index in range(run.chunk_count))(callback)


@shared_task(
    bind=True,
    acks_late=True,
    autoretry_for=DATABASE_GONE,
    retry_backoff=5,
    max_retries=3,
    soft_time_limit=CHUNK_SOFT_TIME_LIMIT,
    time_limit=CHUNK_TIME_LIMIT,
)
def matching_chunk_task(self, run_id: int, index: int) -> dict:
    return _chunk_run(self, run_id, index)


def _chunk_run(task, run_id: int, index: int) -> dict:
    """One chunk under its lease (heartbeat for the watchdog); errors fail the run visibly."""
    try:
        with services.chunk_lease(
            run_id=run_id, index=index, worker=str(task.request.hostname or "")
        ):
            return services.matching_chunk_process(run_id=run_id, index=index)
    except DATABASE_GONE:
        if task.request.retries >= task.max_retries:
            services.matching_run_fail(
                run_id=run_id, error="Databasefout bij het verwerken van een deel."
            )
        raise
    except SoftTimeLimitExceeded:
        services.matching_run_fail(
            run_id=run_id, error="Een deel van de matchingrun duurde te lang."
        )
        return {"index": index, "failed": True}
    except Exception as error:  # noqa: BLE001 - recorded on the run, visible on the page
        logger.exception("matching_chunk_failed", run_id=run_id, index=index)
        services.matching_run_fail(run_id=run_id, error=f"{type(error).__name__}: {error}")
        return {"index": index, "failed": True}


@shared_task(
    bind=True,
    acks_late=True,
    autoretry_for=DATABASE_GONE,
    retry_backoff=5,
    max_retries=3,
    soft_time_limit=CHUNK_SOFT_TIME_LIMIT,
    time_limit=CHUNK_TIME_LIMIT,
    ignore_result=True,
)
def matching_chunk_recover_task(self, run_id: int, index: int) -> dict:
    """A chunk sent again by the watchdog, outside the chord: it finalises the run itself when
    it is the last chunk (the chord's callback waits for the dead worker's part)."""
    outcome = _chunk_run(self, run_id, index)
    services.matching_chunk_recovered(run_id=run_id)
    return outcome


@shared_task(acks_late=True, soft_time_limit=60, time_limit=120, ignore_result=True)
def matching_watchdog_task() -> dict:
    """Celery beat (settings.CELERY_BEAT_SCHEDULE): re-dispatch chunks whose worker is gone."""
    outcome = services.matching_watchdog()
    return {
        "finalised": outcome.finalised,
        "redispatched": outcome.redispatched,
        "failed": outcome.failed,
    }


@shared_task(
    bind=True,
    acks_late=True,
    autoretry_for=DATABASE_GONE,
    retry_backoff=5,
    max_retries=3,
    soft_time_limit=5 * 60,
    time_limit=6 * 60,
)
def matching_run_finalise_task(self, run_id: int) -> str:
    return services.matching_run_finalise(run_id=run_id).status


@shared_task(acks_late=True, soft_time_limit=60, time_limit=120)
def matching_run_error_task(request, exc, traceback, run_id: int) -> None:
    """Errback of the chord: a chunk that failed for good (or a lost chord) fails the run."""
    services.matching_run_fail(run_id=run_id, error=f"Taak mislukt: {type(exc).__name__}")
