"""The tablet's sync endpoints (controls/api/sync.py) over HTTP, as the outbox sends to them
(issue 11 item 4, security R28/R29): JSON, session + CSRF, Idempotency-Key.

* the same submission 10 times, one after the other and at the same time: one row, and every
  answer is the same resource (201 the first time, 200 for a replay);
* the edit conflict: a second writer on an old version gets 409 with both versions, and
  chooses by sending again on top of the current one;
* without a key, with a foreign category, or for a visit of another team: 400 / 400 / 404.
"""

from __future__ import annotations

import json
import threading
import uuid

from django.db import connection
from django.test import Client
from django.urls import reverse

import pytest

from controls.models import Finding, Visit
from tests.factories import login_verified

pytestmark = pytest.mark.django_db


def _team_visits(evening, person):
    return list(
        Visit.objects.filter(evening=evening, team__members__person=person).order_by(
            "route_position", "pk"
        )
    )


def _other_team_visit(evening, person):
    return (
        Visit.objects.filter(evening=evening)
        .exclude(team__members__person=person)
        .order_by("pk")
        .first()
    )


def _post(client, url, body, key=None):
    headers = {"HTTP_IDEMPOTENCY_KEY": str(key)} if key else {}
    return client.post(url, json.dumps(body), content_type="application/json", **headers)


def _urls(visit):
    kwargs = {"slug": visit.project.slug, "pk": visit.pk}
    return (
        reverse("controls:sync-visit-result", kwargs=kwargs),
        reverse("controls:sync-visit-finding", kwargs=kwargs),
    )


def test_the_same_finding_ten_times_is_stored_once_with_the_same_answer(
    client, evening, inspectors
):
    inspector = inspectors["uwv"]
    visit = _team_visits(evening, inspector)[0]
    login_verified(client, inspector)
    _, finding_url = _urls(visit)
    key = uuid.uuid4()
    body = {"category": "brandgevaar", "description": "Gasfles in de gang"}

    answers = [_post(client, finding_url, body, key) for _ in range(10)]

    assert [a.status_code for a in answers] == [201] + [200] * 9
    assert len({json.dumps(a.json(), sort_keys=True) for a in answers}) == 1
    stored = Finding.objects.get(client_id=key)
    assert answers[0].json() == {
        "id": stored.pk,
        "visit": visit.pk,
        "version": 1,
        "category": "brandgevaar",
        "category_label": "Brandgevaar",
        "description": "Gasfles in de gang",
        "client_id": str(key),
        "recorded_at": stored.recorded_at.isoformat(),
    }
    assert Finding.objects.filter(visit=visit).count() == 1
    assert answers[0]["Cache-Control"].startswith("no-store")


def test_the_same_result_ten_times_changes_the_visit_once(client, evening, inspectors):
    inspector = inspectors["gemeente"]
    visit = _team_visits(evening, inspector)[0]
    login_verified(client, inspector)
    result_url, _ = _urls(visit)
    key = uuid.uuid4()
    body = {"result": "aangetroffen", "residents_found": 3, "notes": "", "version": visit.version}

    answers = [_post(client, result_url, body, key) for _ in range(10)]

    assert [a.status_code for a in answers] == [201] + [200] * 9
    assert len({json.dumps(a.json(), sort_keys=True) for a in answers}) == 1
    visit.refresh_from_db()
    assert (visit.result, visit.residents_found, visit.version) == ("aangetroffen", 3, 2)
    assert answers[0].json()["result_label"] == "Aangetroffen"
    assert answers[0].json()["client_id"] == str(key)


@pytest.mark.django_db(transaction=True)
def test_ten_concurrent_replays_store_one_finding_and_one_result(evening, inspectors):
    inspector = inspectors["uwv"]
    visit = _team_visits(evening, inspector)[0]
    result_url, finding_url = _urls(visit)
    finding_key, result_key = uuid.uuid4(), uuid.uuid4()
    finding_body = {"category": "overbewoning", "description": "Twaalf matrassen"}
    result_body = {"result": "aangetroffen", "residents_found": 12, "version": visit.version}
    # One logged-in client per thread, made beforehand (the logins are not what is raced).
    clients = [login_verified(Client(), inspector) for _ in range(20)]
    barrier = threading.Barrier(20)
    answers: list[tuple[str, int, str]] = []
    errors: list[str] = []
    lock = threading.Lock()

    def send(index: int) -> None:
        kind = "finding" if index % 2 else "result"
        url, body, key = (
            (finding_url, finding_body, finding_key)
            if kind == "finding"
            else (result_url, result_body, result_key)
        )
        try:
            barrier.wait()
            response = _post(clients[index], url, body, key)
            with lock:
                answers.append((kind, response.status_code, response.content.decode()))
        except Exception as error:  # reported below, not lost in the thread
            with lock:
                errors.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(index,)) for index in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [], "\n".join(errors)

    for kind in ("finding", "result"):
        mine = [(status, body) for k, status, body in answers if k == kind]
        assert sorted(status for status, _ in mine) == [200] * 9 + [201], kind
        assert len({json.dumps(json.loads(body), sort_keys=True) for _, body in mine}) == 1
    assert Finding.objects.filter(client_id=finding_key).count() == 1
    assert Finding.objects.filter(visit=visit).count() == 1
    visit.refresh_from_db()
    assert (visit.result_client_id, visit.version) == (result_key, 2)


def test_edit_conflict_shows_both_versions_and_the_second_writer_chooses(evening, inspectors):
    first, second = inspectors["gemeente"], inspectors["uwv"]  # the same team
    visit = _team_visits(evening, first)[0]
    assert visit in _team_visits(evening, second)
    result_url, finding_url = _urls(visit)
    one, two = login_verified(Client(), first), login_verified(Client(), second)
    base = visit.version

    mine = {"result": "aangetroffen", "residents_found": 2, "notes": "Twee", "version": base}
    theirs = {"result": "niet_aangetroffen", "notes": "Niemand open", "version": base}
    assert _post(one, result_url, mine, uuid.uuid4()).status_code == 201
    conflict = _post(two, result_url, theirs, uuid.uuid4())

    assert conflict.status_code == 409
    answer = conflict.json()
    assert answer["detail"].startswith("Iemand anders heeft dit bezoek intussen gewijzigd")
    assert answer["current"]["result"] == "aangetroffen"
    assert answer["current"]["notes"] == "Twee"
    assert answer["current"]["version"] == base + 1
    assert answer["yours"]["result"] == "niet_aangetroffen"
    assert answer["yours"]["version"] == base
    visit.refresh_from_db()
    assert (visit.result, visit.version) == ("aangetroffen", base + 1)  # not overwritten

    # The second writer chooses their own version, on top of the stored one.
    chosen = _post(
        two, result_url, {**theirs, "version": answer["current"]["version"]}, uuid.uuid4()
    )
    assert chosen.status_code == 201
    visit.refresh_from_db()
    assert (visit.result, visit.notes, visit.version) == (
        "niet_aangetroffen",
        "Niemand open",
        base + 2,
    )

    # The same for a finding: both edit version 1; the second gets 409 with both.
    created = _post(
        one, finding_url, {"category": "onderverhuur", "description": "Bord"}, uuid.uuid4()
    )
    finding_url_edit = reverse(
        "controls:sync-finding", kwargs={"slug": visit.project.slug, "pk": created.json()["id"]}
    )
    edit_one = {"category": "onderverhuur", "description": "Bord met kamers te huur", "version": 1}
    edit_two = {"category": "overbewoning", "description": "Acht namen op de bel", "version": 1}
    assert _post(one, finding_url_edit, edit_one, uuid.uuid4()).status_code == 200
    clash = _post(two, finding_url_edit, edit_two, uuid.uuid4())
    assert clash.status_code == 409
    assert clash.json()["current"]["description"] == "Bord met kamers te huur"
    assert clash.json()["yours"]["description"] == "Acht namen op de bel"
    # The first writer's edit sent again (its answer was lost) is answered as stored.
    again = _post(one, finding_url_edit, edit_one, uuid.uuid4())
    assert again.status_code == 200 and again.json()["version"] == 2


def test_refusals_key_category_and_other_team(client, evening, inspectors, selection_project):
    inspector = inspectors["uwv"]
    visit = _team_visits(evening, inspector)[0]
    login_verified(client, inspector)
    result_url, finding_url = _urls(visit)
    body = {"category": "brandgevaar", "description": "Rook"}

    missing = _post(client, finding_url, body)
    assert missing.status_code == 400
    # The API's one error shape (wijkaanpak.core.api): a stable code and the Dutch message.
    assert missing.json()["detail"] == "Elke invoer moet een Idempotency-Key (een UUID) meesturen."
    foreign = _post(client, finding_url, {**body, "category": "bestaat-niet"}, uuid.uuid4())
    assert foreign.status_code == 400
    assert foreign.json()["fields"] == {"category": ["Kies een categorie uit de lijst."]}
    empty = _post(client, finding_url, {**body, "description": ""}, uuid.uuid4())
    assert empty.status_code == 400 and "description" in empty.json()["fields"]

    # An inspector of the other team on the same evening: 404, nothing stored.
    other = _other_team_visit(evening, inspector)
    _, other_finding_url = _urls(other)
    assert _post(client, other_finding_url, body, uuid.uuid4()).status_code == 404
    other_result_url, _ = _urls(other)
    result = {"result": "aangetroffen", "version": other.version}
    assert _post(client, other_result_url, result, uuid.uuid4()).status_code == 404
    assert not Finding.objects.filter(visit=other).exists()


def test_session_auth_needs_the_csrf_token(evening, inspectors):
    inspector = inspectors["uwv"]
    visit = _team_visits(evening, inspector)[0]
    client = login_verified(Client(enforce_csrf_checks=True), inspector)
    _, finding_url = _urls(visit)
    body = {"category": "brandgevaar", "description": "Rook"}
    assert _post(client, finding_url, body, uuid.uuid4()).status_code == 403
    assert not Finding.objects.filter(visit=visit).exists()
    client.get(reverse("controls:route", kwargs={"slug": visit.project.slug, "pk": evening.pk}))
    token = client.cookies["csrftoken"].value
    response = client.post(
        finding_url,
        json.dumps(body),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
        HTTP_X_CSRFTOKEN=token,
    )
    assert response.status_code == 201
