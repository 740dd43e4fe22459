"""Issue 16.1: a dead worker costs minutes. Chunk leases with a heartbeat, the watchdog that sends
a chunk whose worker is gone again, and the run page that says what is happening meanwhile.

The last test kills a real worker with SIGKILL halfway through a run under the PRODUCTION
timings (heartbeat 10 s, stale after 60 s, watchdog every 30 s, visibility timeout of settings
.base: the killed worker's message is not redelivered during the test) with a real `celery beat`,
and measures the time from the kill to the run's completion.
"""

from __future__ import annotations

import time
from datetime import timedelta

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

import pytest
from celery import current_app

from datasharing.matching import selectors, services
from datasharing.matching.models import (
    IndicatorResult,
    MatchingChunk,
    MatchingChunkLease,
    MatchingRun,
    RiskAddress,
)
from tests.celery_worker import Beat, Worker, wait_for

from .conftest import assert_one_result_set, deliver, expected_fired


def _running_run(project, analist, chunk_count=4) -> MatchingRun:
    run = services.matching_run_create(actor=analist, project=project, chunk_count=chunk_count)
    assert services.matching_run_begin(run_id=run.pk)
    run.refresh_from_db()
    return run


def test_visibility_timeout_is_above_every_task_time_limit():
    """No task still running is ever delivered twice: every hard limit below the timeout."""
    import wijkaanpak.celery  # noqa: F401 - the app with every task registered

    timeout = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    assert timeout == settings.VISIBILITY_TIMEOUT_SECONDS
    assert timeout <= 90 * 60, "a dead worker's last resort stays within the hour and a half"
    current_app.loader.import_default_modules()
    for name, task in current_app.tasks.items():
        if name.startswith("celery."):
            continue
        limit = task.time_limit or settings.CELERY_TASK_TIME_LIMIT
        assert limit < timeout, (name, limit, timeout)
        soft = task.soft_time_limit or settings.CELERY_TASK_SOFT_TIME_LIMIT
        assert soft < limit, (name, soft, limit)
    # The watchdog notices a dead chunk worker in minutes, far sooner than the timeout.
    assert settings.MATCHING_CHUNK_STALE_SECONDS + settings.MATCHING_WATCHDOG_SECONDS <= 120
    assert "matching-watchdog" in settings.CELERY_BEAT_SCHEDULE


@pytest.mark.django_db
def test_lease_attempts_and_heartbeat(sample_project, analist_a):
    run = _running_run(sample_project, analist_a)
    with services.chunk_lease(run_id=run.pk, index=0, worker="w1@host") as attempt:
        assert attempt == 1
    with services.chunk_lease(run_id=run.pk, index=0, worker="w2@host") as attempt:
        assert attempt == 2
    lease = MatchingChunkLease.objects.get(run=run, index=0)
    assert (lease.attempt, lease.worker) == (2, "w2@host")
    # A late redelivery after the run ended takes no lease.
    services.matching_run_fail(run_id=run.pk, error="test")
    with services.chunk_lease(run_id=run.pk, index=0, worker="late@host") as attempt:
        assert attempt == 0
    assert not MatchingChunkLease.objects.filter(run=run).exists()


@pytest.mark.django_db
def test_watchdog_resends_a_chunk_whose_heartbeat_is_stale_and_says_so(
    sample_project, analist_a, django_capture_on_commit_callbacks, monkeypatch
):
    sent: list[tuple] = []
    monkeypatch.setattr(
        "datasharing.matching.services.watchdog.job_enqueue",
        lambda name, *ids, **kw: sent.append((name, *ids)),
    )
    run = _running_run(sample_project, analist_a, chunk_count=3)
    now = timezone.now()
    services.matching_chunk_process(run_id=run.pk, index=0)
    services.watchdog.chunk_lease_take(run_id=run.pk, index=1, worker="dead@host")
    MatchingChunkLease.objects.filter(run=run, index=1).update(
        heartbeat_at=now - timedelta(seconds=settings.MATCHING_CHUNK_STALE_SECONDS + 5)
    )
    # Chunk 2 waits in the queue (no lease): not sent again while the run shows life.
    chunks = selectors.run_chunks(run=run)
    assert (chunks.done, chunks.waiting, [c.number for c in chunks.silent]) == (1, 1, [2])

    outcome = services.matching_watchdog(now=now)
    assert outcome.redispatched == [(run.pk, 1)]
    assert sent == [("matching_chunk_recover", run.pk, 1)]
    chunks = selectors.run_chunks(run=run)
    assert [(c.number, c.attempt) for c in chunks.restarting] == [(2, 2)]

    # The next round does not send it again while the new attempt is on its way.
    assert services.matching_watchdog(now=now + timedelta(seconds=30)).redispatched == []


@pytest.mark.django_db
def test_status_fragment_tells_what_is_happening(
    sample_project, analist_a, verified_client, client
):
    run = _running_run(sample_project, analist_a, chunk_count=3)
    services.matching_chunk_process(run_id=run.pk, index=0)
    services.watchdog.chunk_lease_take(run_id=run.pk, index=1, worker="dead@host")
    stale = timezone.now() - timedelta(seconds=settings.MATCHING_CHUNK_STALE_SECONDS + 5)
    MatchingChunkLease.objects.filter(run=run, index=1).update(heartbeat_at=stale)
    verified_client(analist_a)
    url = reverse("matching:run-status", args=[sample_project.slug, run.pk])
    text = client.get(url).content.decode()
    assert "1 van 3 onderdelen klaar" in text
    assert "1 onderdeel wacht op een verwerker sinds" in text
    assert "Onderdeel 2: de verwerker reageert niet meer sinds" in text
    assert "wordt binnen enkele minuten opnieuw gestart" in text

    MatchingChunkLease.objects.filter(run=run, index=1).update(redispatched_at=timezone.now())
    text = client.get(url).content.decode()
    assert "Een onderdeel wordt opnieuw gestart: onderdeel 2, poging 2 van 3" in text


@pytest.mark.django_db
def test_a_chunk_that_keeps_killing_its_worker_fails_the_run_visibly(sample_project, analist_a):
    run = _running_run(sample_project, analist_a, chunk_count=2)
    for _ in range(settings.MATCHING_CHUNK_MAX_ATTEMPTS):
        services.watchdog.chunk_lease_take(run_id=run.pk, index=1, worker="oom@host")
    MatchingChunkLease.objects.filter(run=run).update(
        heartbeat_at=timezone.now() - timedelta(hours=1)
    )
    assert services.matching_watchdog().failed == [run.pk]
    run.refresh_from_db()
    assert run.status == "failed"
    assert "Deel 2 van de matchingrun liet de verwerker 3 keer uitvallen" in run.error
    assert not MatchingChunkLease.objects.filter(run=run).exists()


@pytest.mark.django_db
def test_watchdog_finalises_a_run_whose_chord_callback_never_came(sample_project, analist_a):
    run = _running_run(sample_project, analist_a, chunk_count=2)
    for index in range(2):
        services.matching_chunk_process(run_id=run.pk, index=index)
    assert services.matching_watchdog().finalised == [run.pk]
    run.refresh_from_db()
    assert run.status == "succeeded" and run.is_current


@pytest.mark.django_db
def test_chunks_nobody_started_are_resent_once_the_run_stalled(
    sample_project, analist_a, monkeypatch
):
    """The dead worker held them before taking the lease, or a restarted Redis lost them: sent
    again when the run showed no sign of life for the stale time, then once per idle time."""
    sent: list[tuple] = []
    monkeypatch.setattr(
        "datasharing.matching.services.watchdog.job_enqueue",
        lambda name, *ids, **kw: sent.append(ids),
    )
    run = _running_run(sample_project, analist_a, chunk_count=3)
    services.matching_chunk_process(run_id=run.pk, index=2)
    later = timezone.now() + timedelta(seconds=settings.MATCHING_CHUNK_STALE_SECONDS + 1)
    assert services.matching_watchdog().redispatched == []
    assert services.matching_watchdog(now=later).redispatched == [(run.pk, 0), (run.pk, 1)]
    assert services.matching_watchdog(now=later + timedelta(seconds=30)).redispatched == []
    idle = later + timedelta(seconds=settings.MATCHING_RUN_IDLE_SECONDS + 1)
    assert services.matching_watchdog(now=idle).redispatched == [(run.pk, 0), (run.pk, 1)]


# --- the real thing: kill -9 under production timings -------------------------------------------

CHUNKS = 6
SLOW_CHUNK = {"MATCHING_CHUNK_DELAY_SECONDS": "1.5"}


@pytest.mark.celery_worker
def test_kill_9_recovers_in_minutes_with_production_timings(
    transactional_db, uitvraag_project, projectleider_a, partner_orgs, analist_a, client
):
    from tests.factories import login_verified
    from wijkaanpak.celery import app

    # The production values, not a test shortcut (settings.base).
    assert settings.MATCHING_CHUNK_STALE_SECONDS == 60
    assert settings.MATCHING_WATCHDOG_SECONDS == 30
    assert settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] >= 60 * 60

    deliver(
        project=uitvraag_project,
        projectleider=projectleider_a,
        organisations=partner_orgs,
        deliverers=uitvraag_project.deliverers,
    )
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = False
    started: list[Worker | Beat] = []
    try:
        first = Worker(concurrency=1, env=SLOW_CHUNK)
        started.append(first)
        first.start(timeout=90)
        beat = Beat()
        started.append(beat)
        beat.start()
        run = services.matching_run_start(
            actor=analist_a, project=uitvraag_project, chunk_count=CHUNKS
        )

        def halfway():
            """Some chunks written and one being worked on (its lease taken): kill now."""
            current = MatchingRun.objects.get(pk=run.pk)
            if not (0 < current.progress < 100 and current.status == "running"):
                return None
            done = MatchingChunk.objects.filter(run=run).values_list("index", flat=True)
            return MatchingChunkLease.objects.filter(run=run).exclude(index__in=done).exists()

        wait_for(halfway, timeout=120, interval=0.05)
        first.kill()
        killed_at = time.monotonic()
        done_at_kill = MatchingChunk.objects.filter(run=run).count()
        assert 0 < done_at_kill < CHUNKS
        # The supervisor starts a worker again; the killed one's message stays unacknowledged.
        second = Worker(concurrency=1, env=SLOW_CHUNK)
        started.append(second)
        second.start(timeout=90)

        login_verified(client, analist_a)
        url = reverse("matching:run-status", args=[uitvraag_project.slug, run.pk])
        seen: set[str] = set()

        def finished():
            text = client.get(url).content.decode()
            for phrase in ("reageert niet meer", "wordt opnieuw gestart", "onderdelen klaar"):
                if phrase in text:
                    seen.add(phrase)
            current = MatchingRun.objects.get(pk=run.pk)
            return current if current.status not in ("queued", "running") else None

        run = wait_for(finished, timeout=300, interval=1)
        recovery = time.monotonic() - killed_at
        print(f"\nkill -9 → run complete: {recovery:.0f} s ({done_at_kill}/{CHUNKS} chunks done)")
    finally:
        for process in started:
            process.stop()
        app.conf.task_always_eager = previous

    assert run.status == "succeeded", run.error
    assert run.is_current and run.progress == 100
    # Minutes, not the visibility timeout: stale + one watchdog round + the remaining chunks.
    assert recovery < 180, recovery
    assert "onderdelen klaar" in seen
    assert seen & {"reageert niet meer", "wordt opnieuw gestart"}, seen
    lease = MatchingChunkLease.objects.filter(run=run, attempt__gte=2).first()
    assert lease is not None, "the killed chunk ran a second attempt"

    # Nothing lost or doubled.
    assert_one_result_set(run, chunks=CHUNKS)
    assert RiskAddress.objects.filter(run=run).values("address_key").distinct().count() == 300
    expected = expected_fired()
    assert run.risk_address_count == len(expected)
    assert IndicatorResult.objects.filter(run=run, status="fired").count() == sum(
        map(len, expected.values())
    )
