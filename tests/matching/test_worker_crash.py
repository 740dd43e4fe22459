"""R27: `kill -9` of the whole worker halfway through a run; a new worker finishes it, once.

The first worker (one process) is killed with SIGKILL on its process group while the run's
progress is strictly between 0 and 100: some chunks are committed, one is being processed
(received, not acknowledged: acks_late), the rest are waiting in Redis. A second worker restores
the unacknowledged task after the (test-short) visibility timeout and finishes the run. The
Redis chord counts a redelivered chunk once (Celery keys the parts by task id), chunks are
idempotent (one MatchingChunk per index, unique results), and finalising switches the run in.
"""

from __future__ import annotations

import time

import pytest

from datasharing.matching import services
from datasharing.matching.models import IndicatorResult, MatchingChunk, MatchingRun, RiskAddress
from tests.celery_worker import Worker, wait_for

from .conftest import assert_one_result_set, deliver, expected_fired

pytestmark = [pytest.mark.celery_worker]

CHUNKS = 6
# Each chunk sleeps this long between evaluating and writing, so the kill lands halfway.
SLOW_CHUNK = {"MATCHING_CHUNK_DELAY_SECONDS": "1.5"}
# The restarted worker restores unacknowledged tasks older than this many seconds.
RESTORE = {"CELERY_TEST_VISIBILITY_TIMEOUT": "3"}


@pytest.fixture
def real_workers(transactional_db):
    """Tasks go to real worker subprocesses; every worker started is stopped at teardown."""
    from wijkaanpak.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = False
    started: list[Worker] = []

    def start(**env) -> Worker:
        worker = Worker(concurrency=1, env={**SLOW_CHUNK, **env})
        started.append(worker)
        worker.start(timeout=90)
        return worker

    try:
        yield start
    finally:
        for worker in started:
            worker.stop()
        app.conf.task_always_eager = previous


def test_kill_9_halfway_then_a_new_worker_finishes_with_one_result_set(
    real_workers, uitvraag_project, projectleider_a, partner_orgs, analist_a
):
    deliver(
        project=uitvraag_project,
        projectleider=projectleider_a,
        organisations=partner_orgs,
        deliverers=uitvraag_project.deliverers,
    )
    first = real_workers()
    run = services.matching_run_start(actor=analist_a, project=uitvraag_project, chunk_count=CHUNKS)

    def halfway():
        current = MatchingRun.objects.get(pk=run.pk)
        return current if 0 < current.progress < 100 and current.status == "running" else None

    at_kill = wait_for(halfway, timeout=120, interval=0.05)
    first.kill()
    killed_at = time.monotonic()
    done_before = MatchingChunk.objects.filter(run=run).count()
    assert 0 < done_before < CHUNKS, done_before
    assert MatchingRun.objects.get(pk=run.pk).status == "running"

    real_workers(**RESTORE)

    def finished():
        current = MatchingRun.objects.get(pk=run.pk)
        return current if current.status not in ("queued", "running") else None

    run = wait_for(finished, timeout=180, interval=0.2)
    assert run.status == "succeeded", run.error
    assert run.is_current and run.progress == 100
    assert time.monotonic() > killed_at and at_kill.progress < 100

    # Exactly one result set: every chunk once, every bag address once, no duplicate result.
    assert MatchingChunk.objects.filter(run=run).count() == CHUNKS
    assert_one_result_set(run, chunks=CHUNKS)
    assert RiskAddress.objects.filter(run=run).values("address_key").distinct().count() == 300
    expected = expected_fired()
    assert run.risk_address_count == len(expected)
    assert IndicatorResult.objects.filter(run=run, status="fired").count() == sum(
        map(len, expected.values())
    )
