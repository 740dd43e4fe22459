"""The tablet's sync while PostgreSQL restarts (issue 16.2): the outbox's request fails whole
with a JSON 503 (stable code, Retry-After), nothing is half stored, and its replay with the same
Idempotency-Key once the database is back stores the finding exactly once.

static/js/offline-queue.js keeps an item and retries it later on a network error and on 408, 429
and every 5xx (`send`); the check below reads that rule so that it cannot silently change.
"""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path

from django.test import Client
from django.urls import reverse

import pytest

from controls.models import Finding, Visit
from tests.factories import login_verified
from tests.service_restarts import services  # noqa: F401 - the fixture
from wijkaanpak.core.models import Event

pytestmark = [pytest.mark.celery_worker]

QUEUE_JS = Path(__file__).resolve().parents[2] / "static" / "js" / "offline-queue.js"


def _post(client, url, body, key):
    return client.post(
        url,
        json.dumps(body),
        content_type="application/json",
        HTTP_ACCEPT="application/json",
        HTTP_IDEMPOTENCY_KEY=str(key),
    )


def _visit(evening, person) -> Visit:
    return (
        Visit.objects.filter(evening=evening, team__members__person=person)
        .order_by("route_position", "pk")
        .first()
    )


def test_outbox_retries_on_network_errors_and_every_5xx():
    source = QUEUE_JS.read_text()
    send = source[source.index("async function send(") :]
    send = send[: send.index("\n}\n")]
    assert re.search(r"\} catch \{\s*await set\(item\.id, \{ \.\.\.item, attempts", send)
    assert "status === 408 || status === 429 || status >= 500" in send
    retry_branch = send[send.index("status >= 500") :]
    assert retry_branch.index("retryLater()") < retry_branch.index("return false")


def test_a_finding_whose_database_restarts_mid_request_is_stored_once_by_the_replay(
    services,  # noqa: F811
    evening,
    inspectors,
    monkeypatch,
):
    from controls.services import recording

    inspector = inspectors["uwv"]
    visit = _visit(evening, inspector)
    client = Client(raise_request_exception=False)
    login_verified(client, inspector)
    url = reverse(
        "controls:sync-visit-finding", kwargs={"slug": visit.project.slug, "pk": visit.pk}
    )
    key = uuid.uuid4()
    body = {"category": "brandgevaar", "description": "Gasfles in de gang"}
    events_before = Event.objects.count()

    # The finding row and its processing-log record are written; then PostgreSQL goes away
    # before the event and the commit.
    original = recording.event_record

    def database_goes_away(**kwargs):
        services.stop("postgres")
        return original(**kwargs)

    monkeypatch.setattr(recording, "event_record", database_goes_away)
    answer = _post(client, url, body, key)
    assert answer.status_code == 503
    assert answer.json()["code"] == "dienst_niet_beschikbaar"
    assert answer["Retry-After"] == "30"
    assert "Traceback" not in answer.content.decode()

    # The outbox retries while the database is still down: 503 again, at once.
    retry = _post(client, url, body, key)
    assert retry.status_code == 503

    services.start("postgres")
    monkeypatch.setattr(recording, "event_record", original)
    assert not Finding.objects.filter(client_id=key).exists(), "nothing half stored"
    assert Event.objects.count() == events_before

    first, replay = _post(client, url, body, key), _post(client, url, body, key)
    assert (first.status_code, replay.status_code) == (201, 200)
    assert first.json() == replay.json()
    assert Finding.objects.filter(client_id=key).count() == 1
    assert Finding.objects.filter(visit=visit).count() == 1


def test_a_visit_result_while_postgres_is_down_is_a_503_then_stored_once(
    services,  # noqa: F811
    evening,
    inspectors,
):
    inspector = inspectors["gemeente"]
    visit = _visit(evening, inspector)
    client = Client(raise_request_exception=False)
    login_verified(client, inspector)
    url = reverse("controls:sync-visit-result", kwargs={"slug": visit.project.slug, "pk": visit.pk})
    key = uuid.uuid4()
    body = {"result": "aangetroffen", "residents_found": 2, "notes": "", "version": visit.version}

    with services.down("postgres"):
        down = _post(client, url, body, key)
    assert down.status_code == 503 and down.json()["code"] == "dienst_niet_beschikbaar"

    answers = [_post(client, url, body, key) for _ in range(3)]
    assert [a.status_code for a in answers] == [201, 200, 200]
    visit.refresh_from_db()
    assert (visit.result, visit.residents_found, visit.version) == ("aangetroffen", 2, 2)
