"""R18(c)/R22: the master key never shows up in a page, an error page, an error report's
settings dump, the captured log of an end-to-end intake, or the database.

The intake runs through the real upload page; Celery is eager in the test settings, so the
processing task runs when the upload's transaction commits.
"""

import logging
import sys
from base64 import b64decode, urlsafe_b64encode

from django.conf import settings
from django.db import connection
from django.test import RequestFactory
from django.urls import reverse
from django.views.debug import ExceptionReporter

import pytest

from datasharing.constants import DeliveryStatus
from datasharing.models import Delivery
from tests.factories import login_verified

from .conftest import BAG_CSV
from .test_errors_and_caching import _boom, console_log

pytestmark = pytest.mark.django_db


def key_forms() -> list[str]:
    """The master key as it could be written down: as configured, and its bytes in hex/base64."""
    configured = settings.WIJKAANPAK_MASTER_KEY
    raw = b64decode(configured)
    assert len(raw) == 32
    return [configured, raw.hex(), raw.hex().upper(), urlsafe_b64encode(raw).decode().rstrip("=")]


def assert_no_key(text: str, where: str) -> None:
    for form in key_forms():
        assert form not in text, f"master key ({form[:6]}…) found in {where}"


def test_master_key_never_in_pages_errors_logs_or_database(
    client, world, caplog, monkeypatch, django_capture_on_commit_callbacks
):
    caplog.set_level(logging.DEBUG)
    login_verified(client, world.projectleider)
    upload_url = reverse(
        "datasharing:delivery-upload", args=[world.project.slug, world.data_request.pk]
    )
    seen: list[tuple[str, str]] = []

    def fetch(name, url, **kwargs):
        response = client.get(url, **kwargs)
        headers = "\n".join(f"{k}: {v}" for k, v in response.items())
        seen.append((name, headers + "\n" + response.content.decode("utf-8", "replace")))
        return response

    with console_log() as log:
        fetch("upload form", upload_url)
        changed = BAG_CSV.replace(";40\n", ";45\n")
        from django.core.files.uploadedfile import SimpleUploadedFile

        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                upload_url, {"file": SimpleUploadedFile("bag.csv", changed.encode(), "text/csv")}
            )
        assert response.status_code == 302, response.content.decode()[:2000]
        delivery = Delivery.objects.latest("id")
        assert delivery.status == DeliveryStatus.GEACCEPTEERD
        assert delivery.valid_rows == 3
        for name, url in world.pages().items():
            assert fetch(name, url).status_code == 200, name
        fetch("new delivery", reverse("datasharing:delivery-detail", args=[delivery.pk]))
        fetch("report csv", reverse("datasharing:delivery-report-csv", args=[delivery.pk]))
        fetch("404", "/gegevens/leveringen/999999/")
        client.raise_request_exception = False
        monkeypatch.setattr("datasharing.views.selectors.delivery_report", _boom_without_secrets)
        assert (
            fetch("500", reverse("datasharing:delivery-detail", args=[delivery.pk])).status_code
            == 500
        )

    for name, text in seen:
        assert_no_key(text, f"page {name}")
    assert_no_key(log.getvalue(), "console log")
    assert_no_key(caplog.text, "captured log records")
    assert "delivery_accepted" in caplog.text  # the intake's log lines were captured

    # The database, every table, every row as text (bytea shows as hex).
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1"
        )
        tables = [row[0] for row in cursor.fetchall()]
        assert "datasharing_projectkey" in tables
        for table in tables:
            quoted = connection.ops.quote_name(table)
            for form in key_forms():
                cursor.execute(
                    f"SELECT count(*) FROM {quoted} t WHERE position(%s in lower(t::text)) > 0",  # noqa: S608
                    [form.lower()],
                )
                assert cursor.fetchone()[0] == 0, f"master key form in table {table}"


def _boom_without_secrets(*args, **kwargs):
    raise RuntimeError("forced failure in a real view")


def test_error_report_settings_dump_hides_the_keys(rf: RequestFactory):
    """What an e-mail/Sentry error report would show (Django's ExceptionReporter)."""
    request = rf.get("/")
    try:
        _boom()
    except RuntimeError:
        exc_info = sys.exc_info()
    reporter = ExceptionReporter(request, *exc_info)
    safe_settings = reporter.filter.get_safe_settings()
    assert safe_settings["WIJKAANPAK_MASTER_KEY"] != settings.WIJKAANPAK_MASTER_KEY
    assert safe_settings["SECRET_KEY"] != settings.SECRET_KEY
    html = reporter.get_traceback_html()
    text = reporter.get_traceback_text()
    # The exception message itself holds the key (see _boom): only the settings dump is at
    # stake here, so check the settings section of the text report.
    settings_section = text.split("Settings:", 1)[1] if "Settings:" in text else text
    assert_no_key(settings_section, "error report settings")
    assert "WIJKAANPAK_MASTER_KEY" in html


def test_error_report_of_a_key_failure_hides_key_material(world, rf, monkeypatch):
    from django.db import IntegrityError

    from datasharing import pseudonymisation
    from datasharing.models import ProjectKey
    from projects.services import project_create

    project = project_create(actor=world.projectleider, name="Sleutelproject")

    def refuse(**kwargs):
        raise IntegrityError("duplicate key value violates unique constraint")

    monkeypatch.setattr(ProjectKey.objects, "create", refuse)
    try:
        pseudonymisation.project_key_ensure(project=project)
    except IntegrityError:
        exc_info = sys.exc_info()
    reporter = ExceptionReporter(rf.get("/"), *exc_info)
    frames = reporter.get_traceback_frames()
    shown = {
        name: value
        for frame in frames
        if frame["filename"].endswith("pseudonymisation.py")
        for name, value in frame["vars"]
    }
    assert "key" in shown  # the frame of project_key_ensure is in the report
    assert shown["key"] == reporter.filter.cleansed_substitute, "raw project key in the report"
