"""The frame of every page (issue 9 items 3 and 8): the header with the organisation and the
application, the footer's public pages, one date format, and the demo's own Dutch error pages."""

import json
import os
import re
from datetime import date, datetime
from pathlib import Path

from django.conf import settings
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

import pytest

from datasharing.matching.indicators.texts import nl_date
from tests.factories import login_verified
from tests.security.test_production_settings import _probe

ROOT = Path(__file__).resolve().parents[2]
FOOTER_PAGES = ("privacy", "accessibility", "contact")


@pytest.mark.django_db
@pytest.mark.parametrize("name", FOOTER_PAGES)
def test_footer_pages_are_public_dutch_and_name_who_runs_the_application(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 200
    body = response.content.decode()
    assert '<html lang="nl"' in body
    assert settings.WIJKAANPAK_ORGANISATION_NAME in body
    # Each names where to turn, and links to the other two (the footer).
    assert f"mailto:{settings.WIJKAANPAK_PRIVACY_EMAIL}" in body or name == "accessibility"
    assert f"mailto:{settings.WIJKAANPAK_CONTACT_EMAIL}" in body or name == "privacy"
    for other in FOOTER_PAGES:
        assert f'href="{reverse(other)}"' in body
    # An anonymous visitor gets no menu and no account.
    assert "Uitloggen" not in body and 'aria-label="Hoofdmenu"' not in body


def test_accessibility_statement_is_dated_in_the_one_format(client):
    body = client.get(reverse("accessibility")).content.decode()
    assert "voor het laatst bijgewerkt op 1 december 2026" in body


@pytest.mark.django_db
def test_every_page_has_the_header_and_footer(client, projectleider_a):
    login_verified(client, projectleider_a)
    body = client.get(reverse("projects:start")).content.decode()
    header = body[body.index("<header") : body.index("</header>")]
    assert settings.WIJKAANPAK_ORGANISATION_NAME in header and "Wijkaanpak" in header
    assert 'aria-label="Hoofdmenu"' in header and "Uitloggen" in header
    footer = body[body.index("<footer") : body.index("</footer>")]
    assert [reverse(name) for name in FOOTER_PAGES] == re.findall(r'href="([^"]+)"', footer)


# --- one date format ------------------------------------------------------------------------------

# `|date` and `|date:"DATETIME_FORMAT"` use the setting; any other argument is a format of its own.
OWN_FORMAT = re.compile(r"\|\s*(?:date|time)\s*:\s*[\"'](?!DATETIME_FORMAT[\"'])")


def _templates():
    yield from sorted((ROOT / "templates").rglob("*.html"))
    for package in (
        "wijkaanpak",
        "partners",
        "projects",
        "datasharing",
        "controls",
        "reports",
        "privacy",
    ):
        yield from sorted((ROOT / package).rglob("templates/**/*.html"))


def test_no_template_writes_a_date_format_of_its_own(tmp_path):
    offenders = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in _templates()
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if OWN_FORMAT.search(line) or "naturalday" in line or "naturaltime" in line
    ]
    assert offenders == []
    # The scan finds each way of writing one.
    for line in ('{{ d|date:"d-m-Y" }}', "{{ d|date:'j F' }}", '{{ t|time:"H:i" }}'):
        assert OWN_FORMAT.search(line), line
    assert not OWN_FORMAT.search('{{ d|date }} {{ t|date:"DATETIME_FORMAT" }}')


def test_the_one_date_format():
    moment = timezone.make_aware(datetime(2026, 3, 5, 14, 5))
    rendered = Template('{{ day|date }}|{{ moment|date:"DATETIME_FORMAT" }}|{{ day }}').render(
        Context({"day": date(2026, 3, 5), "moment": moment})
    )
    assert rendered == "5 maart 2026|5 maart 2026 14:05|5 maart 2026"
    # The indicator engine spells it out without Django: the same text for every month.
    for month in range(1, 13):
        day = date(2026, month, 28)
        assert nl_date(day) == nl_date(day.isoformat()) == date_format(day)


# --- the demo: DEBUG off, the application's own error pages, static files served ------------------

DEMO_PROBE = """
import json
import django
django.setup()
from django.conf import settings
from django.test import Client
import wijkaanpak.core.views
client = Client(raise_request_exception=False)
missing = client.get("/bestaat-niet/")
css = client.get("/static/css/wijkaanpak.css")
def boom(*args, **kwargs):
    raise RuntimeError("kapot")
wijkaanpak.core.views.JsonResponse = boom  # the health view now fails
failed = client.get("/gezondheid/")
print(json.dumps({
    "DEBUG": settings.DEBUG,
    "missing": [missing.status_code, missing.content.decode()],
    "failed": [failed.status_code, failed.content.decode()],
    "css_status": css.status_code,
}))
"""


def test_demo_serves_its_own_dutch_404_and_500_pages_and_its_static_files(tmp_path):
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": str(ROOT),
        "DJANGO_SETTINGS_MODULE": "wijkaanpak.settings.dev",
        # Not the demo's own database and secrets file: nothing of a real demo is touched.
        "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}",
        "DJANGO_SECRET_KEY": "demo-probe-" + "x" * 40,
        "WIJKAANPAK_MASTER_KEY": "not-used-by-this-probe",
        "DJANGO_ALLOWED_HOSTS": "testserver",
    }
    result = _probe(env, DEMO_PROBE)
    assert result.returncode == 0, result.stderr[-2000:]
    values = json.loads(result.stdout.strip().splitlines()[-1])
    assert values["DEBUG"] is False
    status, body = values["missing"]
    assert status == 404 and "Pagina niet gevonden" in body and "Page not found" not in body
    status, body = values["failed"]
    assert status == 500 and "Er ging iets mis" in body
    assert "Traceback" not in body and "kapot" not in body and "RuntimeError" not in body
    for body in (values["missing"][1], values["failed"][1]):  # the whole frame, styled
        assert (
            settings.WIJKAANPAK_ORGANISATION_NAME in body and "/static/css/wijkaanpak.css" in body
        )
    assert values["css_status"] == 200
