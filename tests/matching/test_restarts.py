"""PostgreSQL restarted in the middle of a matching run (issue 16.2), with a real worker: the
chunk whose queries fail is retried with backoff (OperationalError, or InterfaceError on the dead
connection), the run completes with every chunk once and no duplicate result."""

from __future__ import annotations

import time

from django.db import DatabaseError, connections

import pytest

from datasharing.matching import services
from datasharing.matching.models import MatchingChunk, MatchingRun
from tests.celery_worker import Worker, wait_for
from tests.service_restarts import services as test_services  # noqa: F401 - the fixture

from .conftest import assert_one_result_set, deliver

pytestmark = [pytest.mark.celery_worker]

CHUNKS = 6


def _read(query):
    """A read from this process that survives the outage (None while the database is gone)."""
    try:
        return query()
    except DatabaseError:
        connections.close_all()
        return None


def test_postgres_restart_mid_run_the_run_still_completes_once(
    test_services,  # noqa: F811
    uitvraag_project,
    projectleider_a,
    partner_orgs,
    analist_a,
):
    from wijkaanpak.celery import app

    deliver(
        project=uitvraag_project,
        projectleider=projectleider_a,
        organisations=partner_orgs,
        deliverers=uitvraag_project.deliverers,
    )
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = False
    worker = Worker(concurrency=1, env={"MATCHING_CHUNK_DELAY_SECONDS": "1.5"})
    worker.start(timeout=90)
    try:
        run = services.matching_run_start(
            actor=analist_a, project=uitvraag_project, chunk_count=CHUNKS
        )
        wait_for(
            lambda: MatchingRun.objects.filter(pk=run.pk, progress__gt=0).exists(),
            timeout=120,
            interval=0.05,
        )
        with test_services.down("postgres"):
            time.sleep(3)  # the chunk in progress meets a database that is gone
        started = time.monotonic()

        def finished():
            current = _read(lambda: MatchingRun.objects.get(pk=run.pk))
            return current if current and current.status not in ("queued", "running") else None

        run = wait_for(finished, timeout=240, interval=0.5)
        print(f"\nrun complete {time.monotonic() - started:.0f} s after PostgreSQL was back")
    finally:
        worker.stop()
        app.conf.task_always_eager = previous

    assert run.status == "succeeded", run.error
    assert_one_result_set(run, chunks=CHUNKS)


def test_starting_a_run_while_redis_is_down_says_so_and_leaves_nothing_queued(
    test_services,  # noqa: F811
    sample_project,
    analist_a,
    settings,
):
    """The broker gives up within seconds: the run is failed with a Dutch reason (never stuck
    `queued`), the page says so, and once Redis is back a run starts again."""
    from django.test import Client
    from django.urls import reverse

    from tests.factories import login_verified
    from wijkaanpak.celery import app

    previous = app.conf.task_always_eager
    settings.CELERY_TASK_ALWAYS_EAGER = False
    app.conf.task_always_eager = False
    client = Client(raise_request_exception=False)
    login_verified(client, analist_a)
    url = reverse("matching:runs", args=[sample_project.slug])
    try:
        with test_services.down("redis"):
            started = time.monotonic()
            response = client.post(url, follow=True)
            seconds = time.monotonic() - started
        assert response.status_code == 200
        assert services.QUEUE_UNAVAILABLE in response.content.decode()
        assert seconds < 10, seconds
        failed = MatchingRun.objects.filter(project=sample_project).latest("pk")
        assert (failed.status, failed.error) == ("failed", services.QUEUE_UNAVAILABLE)

        response = client.post(url, follow=True)
        assert "De matchingrun is gestart." in response.content.decode()
        queued = MatchingRun.objects.filter(project=sample_project).latest("pk")
        assert queued.pk != failed.pk and queued.status == "queued"
    finally:
        app.conf.task_always_eager = previous
        # No worker here: empty the broker so no later test's worker meets this job.
        test_services.stop("redis")
        test_services.start("redis")


def test_redis_restart_mid_run_loses_the_queue_and_the_watchdog_finishes_the_run(
    test_services,  # noqa: F811
    uitvraag_project,
    projectleider_a,
    partner_orgs,
    analist_a,
):
    """Redis keeps nothing across a restart (no persistence in `make test`, as after a crash):
    the chunks still queued and the chord's bookkeeping are gone. The worker and beat reconnect;
    the watchdog (production timings) sends the chunks nobody started again once the run has
    stalled, and finalises the run itself since the chord's callback will never come."""
    from tests.celery_worker import Beat
    from wijkaanpak.celery import app

    deliver(
        project=uitvraag_project,
        projectleider=projectleider_a,
        organisations=partner_orgs,
        deliverers=uitvraag_project.deliverers,
    )
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = False
    worker = Worker(concurrency=1, env={"MATCHING_CHUNK_DELAY_SECONDS": "1.5"})
    beat = Beat()
    try:
        worker.start(timeout=90)
        beat.start()
        run = services.matching_run_start(
            actor=analist_a, project=uitvraag_project, chunk_count=CHUNKS
        )
        wait_for(
            lambda: MatchingRun.objects.filter(pk=run.pk, progress__gt=0).exists(),
            timeout=120,
            interval=0.05,
        )
        test_services.stop("redis")
        lost_at = time.monotonic()
        done_then = MatchingChunk.objects.filter(run=run).count()
        test_services.start("redis")

        def finished():
            current = MatchingRun.objects.get(pk=run.pk)
            return current if current.status not in ("queued", "running") else None

        run = wait_for(finished, timeout=300, interval=0.5)
        recovery = time.monotonic() - lost_at
        print(f"\nRedis restart → run complete: {recovery:.0f} s ({done_then}/{CHUNKS} done then)")
    finally:
        beat.stop()
        worker.stop()
        app.conf.task_always_eager = previous

    assert done_then < CHUNKS
    assert run.status == "succeeded", run.error
    assert recovery < 240, recovery
    assert_one_result_set(run, chunks=CHUNKS)
