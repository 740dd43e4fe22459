"""An upload while the broker is down (issue 8 item 5, security R30).

It once answered 500 after 19 s and left the delivery `ontvangen` for ever with its raw file
deleted, which also blocked key rotation. This test stops the real Redis that `make test`
started (scripts/with-test-services.sh: its pid file and port are in the environment), uploads
through the page, and checks: the page answers within a few seconds; the delivery is `mislukt`
with a clear Dutch message, holds nothing and has no raw file left; the person can deliver the
same file again; the key rotates; the pages that need no queue still work. Then it starts Redis
again (as the script did) and checks that uploads are queued once more, so the rest of the suite
has its broker back.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.urls import reverse

import pytest

from datasharing.constants import DeliveryStatus
from datasharing.models import Delivery, DeliveryIssue
from datasharing.services.deliveries import DELIVERY_QUEUE_FAILED
from wijkaanpak.core.models import Event

from .conftest import bag_csv, csv_file

pytestmark = [pytest.mark.celery_worker]

# The broker gives up within CELERY_BROKER_CONNECTION_TIMEOUT and bounded retries (settings):
# about 2 s measured; the page must answer well within this.
UPLOAD_ANSWERS_WITHIN = 6.0


class RedisService:
    """The Redis of scripts/with-test-services.sh: stopped and started again as it started it."""

    def __init__(self) -> None:
        url = urlsplit(settings.CELERY_BROKER_URL)
        self.host, self.port = url.hostname or "127.0.0.1", url.port or 6379
        folder = os.environ.get("WIJKAANPAK_TEST_SERVICES_DIR", "")
        self.folder = Path(folder) if folder else None
        self.pidfile = self.folder / "redis.pid" if self.folder else None

    @property
    def available(self) -> bool:
        return bool(self.pidfile and self.pidfile.exists())

    def answers(self) -> bool:
        try:
            with socket.create_connection((self.host, self.port), timeout=0.5) as connection:
                connection.sendall(b"PING\r\n")
                return connection.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        pid = int(self.pidfile.read_text().strip())
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 10
        while self.answers() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not self.answers(), "Redis did not stop"

    def start(self) -> None:
        if self.answers():
            return
        server = subprocess.run(  # noqa: S603 - fixed argv, the machine's own binary
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                self.host,
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "yes",
                "--pidfile",
                str(self.pidfile),
                "--dir",
                str(self.folder),
                "--logfile",
                str(self.folder / "redis.log"),
            ],
            check=False,
            capture_output=True,
        )
        assert server.returncode == 0, server.stderr
        deadline = time.monotonic() + 10
        while not self.answers() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert self.answers(), "Redis did not start again"

    def queue_length(self, name: str = "celery") -> int:
        with socket.create_connection((self.host, self.port), timeout=1) as connection:
            db = (urlsplit(settings.CELERY_BROKER_URL).path or "/0").strip("/") or "0"
            connection.sendall(f"SELECT {db}\r\nLLEN {name}\r\n".encode())
            time.sleep(0.2)
            reply = connection.recv(64).decode()
        return int(reply.split(":")[-1].strip())

    def delete(self, name: str = "celery") -> None:
        with socket.create_connection((self.host, self.port), timeout=1) as connection:
            db = (urlsplit(settings.CELERY_BROKER_URL).path or "/0").strip("/") or "0"
            connection.sendall(f"SELECT {db}\r\nDEL {name}\r\n".encode())
            time.sleep(0.2)
            connection.recv(64)


@pytest.fixture
def redis_service():
    redis = RedisService()
    if not redis.available:
        pytest.skip("needs the Redis of scripts/with-test-services.sh (make test)")
    assert redis.answers()
    try:
        yield redis
    finally:
        redis.start()  # whatever happened: the rest of the suite needs its broker


@pytest.fixture
def queued_for_real(settings):
    """Jobs go to the broker, not eagerly (as in production); no worker is started."""
    from wijkaanpak.celery import app

    # Read before the settings change: the first read makes Celery load the Django settings.
    previous = app.conf.task_always_eager
    settings.CELERY_TASK_ALWAYS_EAGER = False
    app.conf.task_always_eager = False
    try:
        yield app
    finally:
        app.conf.task_always_eager = previous


def _upload_url(data_request) -> str:
    return reverse("datasharing:delivery-upload", args=[data_request.project.slug, data_request.pk])


def _raw_files() -> set[Path]:
    folder = Path(settings.STORAGES["default"]["OPTIONS"]["location"]) / "leveringen"
    return set(folder.glob("*")) if folder.exists() else set()


def test_upload_with_the_broker_down_fails_clearly_and_nothing_is_stuck(
    transactional_db,
    redis_service,
    queued_for_real,
    otp_client,
    projectleider_a,
    intake_project,
    request_for,
):
    from datasharing.pseudonymisation import project_key_current, project_key_ensure
    from datasharing.services import delivery_process, project_key_rotate

    project_key_ensure(project=intake_project)  # so that a rotation has a key to replace
    data_request = request_for("bag")
    client = otp_client(projectleider_a)
    content = bag_csv(5)
    files_before = _raw_files()

    redis_service.stop()
    started = time.monotonic()
    response = client.post(_upload_url(data_request), {"file": csv_file(content, "bag.csv")})
    seconds = time.monotonic() - started
    print(f"upload with the broker down answered in {seconds:.1f} s")

    assert response.status_code == 302, response.content.decode()[:2000]
    assert seconds < UPLOAD_ANSWERS_WITHIN, seconds
    delivery = Delivery.objects.get(data_request=data_request)
    assert response.url == reverse("datasharing:delivery-detail", args=[delivery.pk])
    # Failed, with its reason; nothing stored; the raw file gone now that processing has ended.
    assert delivery.status == DeliveryStatus.MISLUKT
    assert delivery.error_message == DELIVERY_QUEUE_FAILED
    assert delivery.valid_rows == 0 and not delivery.raw_file
    assert _raw_files() == files_before
    assert list(
        DeliveryIssue.objects.filter(delivery=delivery).values_list("reason", flat=True)
    ) == [DELIVERY_QUEUE_FAILED]
    assert list(
        Event.objects.filter(object_id=str(delivery.pk), kind__startswith="delivery_")
        .order_by("id")
        .values_list("kind", "from_state", "to_state")
    ) == [("delivery_uploaded", "", "ontvangen"), ("delivery_failed", "ontvangen", "mislukt")]

    # The page says so in Dutch and offers to deliver again; pages that need no queue work (R30).
    page = client.get(response.url)
    assert page.status_code == 200
    body = page.content.decode()
    assert "niet verwerkt door een storing" in body and 'id="nieuw-bestand"' in body
    for url in (
        reverse("projects:start"),
        reverse("projects:list"),
        reverse("projects:detail", args=[intake_project.slug]),
        reverse("datasharing:request-list", args=[intake_project.slug]),
        reverse("datasharing:project-panel", args=[intake_project.slug]),
        reverse("matching:method", args=[intake_project.slug]),
        reverse("matching:runs", args=[intake_project.slug]),
        _upload_url(data_request),
    ):
        assert client.get(url).status_code == 200, url

    # The same file again is no duplicate of a failed delivery: it is taken (and fails again,
    # the broker being still down).
    again = client.post(_upload_url(data_request), {"file": csv_file(content, "bag.csv")})
    assert again.status_code == 302, again.content.decode()[:2000]
    assert list(
        Delivery.objects.filter(data_request=data_request).values_list("status", flat=True)
    ) == [DeliveryStatus.MISLUKT, DeliveryStatus.MISLUKT]

    # Key rotation is not blocked by a delivery stuck `ontvangen`.
    version = project_key_current(project=intake_project).version
    assert project_key_rotate(actor=projectleider_a, project=intake_project).version == version + 1

    # The broker back: an upload is queued again (and processed here, there is no worker).
    # No restart of this process, no reset of its pools: the producer reconnects by itself.
    redis_service.start()
    redis_service.delete()
    response = client.post(_upload_url(data_request), {"file": csv_file(content, "bag.csv")})
    assert response.status_code == 302
    queued = Delivery.objects.filter(data_request=data_request).latest("id")
    assert queued.status == DeliveryStatus.ONTVANGEN and queued.raw_file
    assert redis_service.queue_length() == 1
    redis_service.delete()
    assert delivery_process(delivery_id=queued.pk).status == DeliveryStatus.GEACCEPTEERD
    assert _raw_files() == files_before


@pytest.mark.django_db
def test_a_delivery_left_ontvangen_is_queued_again_by_the_scheduled_task(
    projectleider_a, intake_project, request_for, django_capture_on_commit_callbacks
):
    """The received delivery whose job never reached the broker (the receiving process died in
    between) is picked up by Celery beat's `deliveries_stuck_requeue_task`; a recent one is not
    touched (its job may still be on its way)."""
    from datetime import timedelta

    from datasharing.services import deliveries_stuck_requeue, delivery_upload
    from datasharing.tasks import deliveries_stuck_requeue_task

    assert "datasharing.tasks.deliveries_stuck_requeue_task" in {
        entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()
    }
    files_before = _raw_files()
    stuck = delivery_upload(
        actor=projectleider_a,
        data_request=request_for("bag"),
        file=csv_file(bag_csv(5), "bag.csv"),
        queue=False,  # as if the job was lost
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert deliveries_stuck_requeue_task() == 0  # 30 minutes have not passed
    assert Delivery.objects.get(pk=stuck.pk).status == DeliveryStatus.ONTVANGEN
    with django_capture_on_commit_callbacks(execute=True):
        assert deliveries_stuck_requeue(older_than=timedelta(0)) == [stuck.pk]
    stuck.refresh_from_db()
    assert stuck.status == DeliveryStatus.GEACCEPTEERD and not stuck.raw_file  # eager here
    assert _raw_files() == files_before
