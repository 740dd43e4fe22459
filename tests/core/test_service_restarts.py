"""PostgreSQL or Redis restarted during a request (issue 16.2): a clear Dutch 503, never a stack
trace; the page and the API answer again as soon as the service is back, on the same session.

The services are the real ones of `make test`, stopped and started by tests/service_restarts.py.
"""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

import pytest

from tests.factories import login_verified
from tests.service_restarts import services  # noqa: F401 - the fixture

pytestmark = [pytest.mark.celery_worker]

DUTCH_503 = "Wijkaanpak is even niet bereikbaar"


def _no_trace(text: str) -> None:
    for leak in ("Traceback", "OperationalError", "psycopg", 'File "', "connection to server"):
        assert leak not in text, leak


def test_a_page_while_postgres_restarts_is_a_dutch_503_then_works_again(services, analist_a):  # noqa: F811
    client = Client(raise_request_exception=False)
    login_verified(client, analist_a)
    url = reverse("projects:start")
    assert client.get(url).status_code == 200

    with services.down("postgres"):
        response = client.get(url)
        text = response.content.decode()
        assert response.status_code == 503
        assert response["Retry-After"] == "30"
        assert DUTCH_503 in text and "niet (half) opgeslagen" in text
        assert 'lang="nl"' in text
        _no_trace(text)

    # Back: the same session, no restart of the application.
    assert client.get(url).status_code == 200


def test_the_api_while_postgres_restarts_answers_json_with_a_stable_code(services):  # noqa: F811
    client = Client(raise_request_exception=False)
    with services.down("postgres"):
        response = client.get("/api/v1/projects/", HTTP_AUTHORIZATION="Bearer x")
    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["code"] == "dienst_niet_beschikbaar"
    assert "niet bereikbaar" in body["detail"] and body["trace_id"]
    _no_trace(response.content.decode())
    assert client.get("/api/v1/projects/").status_code == 401  # back, and answering as before


def test_an_error_of_the_request_itself_is_still_the_generic_500(services, analist_a, monkeypatch):  # noqa: F811
    """Only a service that is gone becomes a 503; a bug stays the 500 page with a trace id."""
    from projects import views

    client = Client(raise_request_exception=False)
    login_verified(client, analist_a)

    def broken(*args, **kwargs):
        raise ValueError("bug")

    monkeypatch.setattr(views.StartView, "get", broken, raising=False)
    response = client.get(reverse("projects:start"))
    assert response.status_code == 500
    assert DUTCH_503 not in response.content.decode()
