"""Take the real PostgreSQL or Redis of `make test` away and bring it back (issue 16.2).

scripts/with-test-services.sh exports where its services live (WIJKAANPAK_TEST_PG_DATA, …) and
scripts/test-service.sh stops and starts either one with the same options as at the start. Use:

    from tests.service_restarts import services  # noqa: F401 - the fixture

    def test_x(services):
        with services.down("postgres"):
            ...  # requests now meet a database that is gone
        services.stop("postgres")  # or from inside a request (a monkeypatched service)

The fixture needs `transactional_db` (a test transaction does not survive a restart). Whatever a
test leaves stopped is started again at teardown and every Django connection closed, so the next
query reconnects: the rest of the session keeps its services.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "test-service.sh"
NAMES = ("postgres", "redis")


class Services:
    def __init__(self) -> None:
        self.stopped: set[str] = set()

    def _run(self, name: str, action: str) -> None:
        assert name in NAMES, name
        subprocess.run([str(SCRIPT), name, action], check=True, timeout=60)  # noqa: S603

    def stop(self, name: str) -> None:
        self._run(name, "stop")
        self.stopped.add(name)

    def start(self, name: str) -> None:
        from django.db import connections

        self._run(name, "start")
        self.stopped.discard(name)
        if name == "postgres":
            connections.close_all()

    @contextmanager
    def down(self, name: str) -> Iterator[None]:
        self.stop(name)
        try:
            yield
        finally:
            self.start(name)


@pytest.fixture
def services(transactional_db) -> Iterator[Services]:
    if not os.environ.get("WIJKAANPAK_TEST_PG_DATA"):
        pytest.skip("needs the services of scripts/with-test-services.sh")
    controller = Services()
    try:
        yield controller
    finally:
        for name in list(controller.stopped):
            controller.start(name)
        from django.db import connections

        connections.close_all()
