"""R23 fail securely, R26 no caching of authenticated responses.

The exception is forced inside a real view by patching the selector it calls (no test-only URL);
the test client does not re-raise, so the response is what a browser would get.
"""

import io
import logging
from contextlib import contextmanager

from django.conf import settings
from django.urls import reverse

import pytest

from tests.factories import login_verified

from .test_output_encoding import assert_security_headers

pytestmark = pytest.mark.django_db

LEAKY_MESSAGE = "SELECT bsn FROM datasharing_brprecord WHERE wachtwoord = 'geheim-0xDEADBEEF'"


@contextmanager
def console_log():
    """What the configured log handlers (settings.LOGGING) write, as text: the root's and
    the development server's request lines (`django.server`)."""
    handlers = [
        h
        for logger in (logging.getLogger(), logging.getLogger("django.server"))
        for h in logger.handlers
        if type(h) is logging.StreamHandler
    ]
    assert handlers, "no console handler configured in settings.LOGGING"
    buffer = io.StringIO()
    previous = [handler.setStream(buffer) for handler in handlers]
    try:
        yield buffer
    finally:
        for handler, stream in zip(handlers, previous, strict=True):
            handler.setStream(stream)


def _boom(*args, **kwargs):
    raise RuntimeError(f"{LEAKY_MESSAGE} {settings.SECRET_KEY} {settings.WIJKAANPAK_MASTER_KEY}")


@pytest.mark.parametrize(
    ("target", "page"),
    [
        ("projects.views.project.project_list_for_user", "projectlijst"),
        ("projects.views.project.project_transitions", "projectpagina"),
        ("datasharing.views.selectors.delivery_report", "levering"),
    ],
)
def test_forced_exception_shows_generic_page_with_trace_id_only(
    client, world, monkeypatch, target, page
):
    login_verified(client, world.projectleider)
    client.raise_request_exception = False
    monkeypatch.setattr(target, _boom)

    with console_log() as log:
        response = client.get(world.pages()[page])

    assert response.status_code == 500
    body = response.content.decode()
    trace_id = response["X-Trace-Id"]
    assert len(trace_id) == 32 and trace_id in body
    for leak in (
        "Traceback",
        "RuntimeError",
        "SELECT",
        "datasharing_brprecord",
        'File "',
        ".py",
        "_boom",
        "geheim",
        settings.SECRET_KEY,
        settings.WIJKAANPAK_MASTER_KEY,
        "DJANGO_SETTINGS_MODULE",
        "SECRET_KEY",
        "DATABASE",
        "wijkaanpak.settings",
        "postgres",
        world.project.name,
        str(settings.BASE_DIR),
    ):
        assert leak not in body, leak
    assert "Er ging iets mis" in body
    assert_security_headers(response, "500")
    assert "no-store" in response["Cache-Control"]

    error_lines = [line for line in log.getvalue().splitlines() if " ERROR " in line]
    assert error_lines, log.getvalue()
    assert any(trace_id in line for line in error_lines), error_lines


def test_not_found_page_is_generic(client, world):
    login_verified(client, world.projectleider)
    response = client.get("/projecten/bestaat-niet/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "Pagina niet gevonden" in body
    for leak in ("Traceback", "URLconf", "urlpatterns", "Http404", "wijkaanpak.urls", "DEBUG"):
        assert leak not in body, leak


def test_authenticated_responses_are_never_cached(client, world):
    login_verified(client, world.projectleider)
    urls = dict(world.pages())
    urls["validatierapport (csv)"] = reverse(
        "datasharing:delivery-report-csv", args=[world.delivery.pk]
    )
    urls["voortgang (htmx)"] = reverse("datasharing:delivery-progress", args=[world.delivery.pk])
    urls["projectpaneel (htmx)"] = reverse("datasharing:project-panel", args=[world.project.slug])
    besluit = world.project.collegebesluiten.get()
    urls["document (pdf)"] = reverse(
        "projects:document", args=[world.project.slug, "collegebesluit", besluit.pk]
    )
    for name, url in urls.items():
        response = client.get(url)
        assert response.status_code == 200, (name, response.status_code)
        cache_control = {part.strip() for part in response["Cache-Control"].split(",")}
        assert {"no-store", "private"} <= cache_control, (name, response["Cache-Control"])
        assert "public" not in cache_control and not response.has_header("ETag"), name
    # Redirects and error pages of a logged-in person as well.
    for url in ("/projecten/bestaat-niet/", reverse("projects:create") + "?x=1"):
        response = client.get(url)
        assert "no-store" in response["Cache-Control"], url
