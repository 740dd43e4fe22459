"""A REAL Celery worker subprocess on the test Redis and the pytest-django test database.

Use with `transactional_db` (the worker only sees committed rows):

    def test_x(transactional_db, celery_worker): ...

The worker runs `.venv/bin/celery -A wijkaanpak worker --pool prefork` with the test settings,
`CELERY_TASK_ALWAYS_EAGER=false`, and the same broker, result backend, master key and private
media folder as this process; DATABASE_URL points at the test database. The test process itself
stops running tasks eagerly for the duration. The worker is stopped at teardown.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

ROOT = Path(__file__).resolve().parent.parent
CELERY = ROOT / ".venv" / "bin" / "celery"


class _CeleryProcess:
    """A `celery -A wijkaanpak <command>` subprocess on the test settings, broker and the
    pytest-django test database, in its own process group, logging to a temporary file."""

    kind = ""  # "worker" or "beat"
    ready_marker = b""  # what its log says once it is ready

    def __init__(self, *, env: dict[str, str] | None = None) -> None:
        from django.db import connection

        url = urlsplit(os.environ["DATABASE_URL"])
        self.database_url = urlunsplit(url._replace(path="/" + connection.settings_dict["NAME"]))
        self.extra_env = dict(env or {})
        self.folder = Path(os.environ.get("WIJKAANPAK_TEST_SERVICES_DIR", "/tmp"))
        self.tag = uuid.uuid4().hex[:8]
        self.log = self.folder / f"{self.kind}-{self.tag}.log"
        self.process: subprocess.Popen | None = None

    def arguments(self) -> list[str]:
        raise NotImplementedError

    def start(self, timeout: float = 60) -> None:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "wijkaanpak.settings.test",
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "DATABASE_URL": self.database_url,
            **self.extra_env,
        }
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(  # noqa: S603 - fixed argv, our own binary
                [str(CELERY), "-A", "wijkaanpak", self.kind, *self.arguments()],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"Celery {self.kind} exited: {self.log.read_text()[-3000:]}")
            if self.ready_marker in self.log.read_bytes():
                return
            time.sleep(0.2)
        raise RuntimeError(f"Celery {self.kind} not ready: {self.log.read_text()[-3000:]}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)


class Worker(_CeleryProcess):
    kind = "worker"
    ready_marker = b"ready."

    def __init__(self, *, concurrency: int = 2, env: dict[str, str] | None = None) -> None:
        super().__init__(env=env)
        self.name = f"test-{uuid.uuid4().hex[:8]}@%h"
        self.concurrency = concurrency

    def arguments(self) -> list[str]:
        return [
            "-c",
            str(self.concurrency),
            "--pool",
            "prefork",
            "-n",
            self.name,
            "--loglevel",
            "INFO",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ]

    def kill(self) -> None:
        """kill -9 the worker and its pool children (its own process group)."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)


class Beat(_CeleryProcess):
    """A REAL `celery beat` subprocess with the settings' schedule (the matching watchdog among
    it), on the same broker and test database as Worker; its schedule file is temporary."""

    kind = "beat"
    ready_marker = b"beat: Starting"

    def __init__(self, *, env: dict[str, str] | None = None) -> None:
        super().__init__(env=env)
        self.schedule = self.folder / f"beat-{self.tag}.schedule"

    def arguments(self) -> list[str]:
        return ["--schedule", str(self.schedule), "--loglevel", "INFO"]


@pytest.fixture
def celery_worker(transactional_db):
    """A started worker (2 prefork processes); tasks from this process go to it, not eagerly."""
    from wijkaanpak.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = False
    worker = Worker(concurrency=2)
    worker.start()
    try:
        yield worker
    finally:
        worker.stop()
        app.conf.task_always_eager = previous
        sys.stdout.flush()


def wait_for(predicate, *, timeout: float = 90, interval: float = 0.3):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError("timed out waiting")
