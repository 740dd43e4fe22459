"""The demo's public project page (issue 15 item 1), as a resident sees it: without logging in,
in a real browser, and without any personal data of the demo's synthetic deliveries on it.

The demo is loaded once for the module (`manage.py load_demo`: its project is published by the
transparency builder) and served by one live server, as in test_every_page.py.
"""

from __future__ import annotations

import csv
import re
from io import StringIO
from pathlib import Path

from django.core.management import call_command
from django.test import Client
from django.urls import reverse

import pytest

from tests.e2e.conftest import TABLET, assert_touch_targets, system_chromium

pytestmark = [pytest.mark.e2e, pytest.mark.django_db]

DEMO_DATA = Path(__file__).resolve().parents[2] / "datasharing" / "demo_data"


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo in the test database, committed; its public page's path. Emptied after."""
    from projects.constants import Phase
    from projects.demo import DEMO_PROJECT_SLUGS

    with django_db_blocker.unblock():
        call_command("load_demo", stdout=StringIO())
        try:
            slug = DEMO_PROJECT_SLUGS[Phase.DATA_UITVRAAG]
            yield reverse("transparency:public", kwargs={"slug": slug})
        finally:
            call_command("flush", interactive=False, verbosity=0)


def _rows(name: str) -> list[dict[str, str]]:
    text = (DEMO_DATA / name).read_text(encoding="utf-8-sig")
    dialect = csv.Sniffer().sniff(text.splitlines()[0], delimiters=",;")
    return list(csv.DictReader(StringIO(text), dialect=dialect))


def test_demo_public_page_shows_no_personal_data_and_suppresses_small_counts(demo):
    from controls.models import Visit
    from datasharing.matching.models import RiskAddress, SelectionProposal
    from datasharing.models import BagRecord

    response = Client().get(demo)  # anonymous
    assert response.status_code == 200
    body = response.content.decode()
    main = body.split('id="inhoud"', 1)[1]
    # The page has the demo's real content: data requests, the method, results.
    assert "Welke gegevens gebruiken we?" in main and "Wat we nooit gebruiken" in main
    assert 'data-figure="visited"' in main
    # No BSN: no nine-digit number at all, and none of the demo's BSNs.
    assert re.findall(r"(?<!\d)\d{9}(?!\d)", main) == []
    bsns = {
        value
        for name in ("brp.csv", "huur.csv", "toeslag.csv", "uitkering_uwv.csv", "eigendom.csv")
        for row in _rows(name)
        for key, value in row.items()
        if key and ("bsn" in key or key == "eigenaar_id") and value
    }
    assert bsns and not {bsn for bsn in bsns if bsn in main}
    # No pseudonym and no address key of any address in any table.
    pseudonyms = set(RiskAddress.objects.values_list("pseudonym", flat=True))
    pseudonyms |= set(SelectionProposal.objects.values_list("pseudonym", flat=True))
    pseudonyms |= set(Visit.objects.values_list("pseudonym", flat=True))
    keys = set(BagRecord.objects.values_list("address_key", flat=True))
    keys |= set(Visit.objects.values_list("address_key", flat=True))
    assert pseudonyms and keys
    assert [p for p in pseudonyms if p in main] == []
    assert [k for k in keys if k in main] == []
    # No street and number of any address (nor postcode and number).
    for row in _rows("bag.csv"):
        number = row["huisnummer"].strip()
        assert f"{row['straatnaam']} {number}" not in main
        assert f"{row['postcode'].replace(' ', '').strip().upper()} {number}" not in main
    # Every figure about people is 0, 5 or more, or suppressed (the area's addresses and the
    # evenings held are facts about the project, shown as they are, as in the VNG overview).
    figures = dict(re.findall(r'data-figure="(\w+)">([^<]*)<', main))
    assert figures.keys() >= {"approved", "visited", "with_findings", "referrals", "outcomes"}
    assert "&lt;5" in main  # the demo's finished evening has small counts
    for name, shown in figures.items():
        if name in ("addresses", "evenings"):
            continue
        assert shown not in {"1", "2", "3", "4"}, (name, shown)


def test_a_resident_opens_the_public_page_in_a_browser_without_logging_in(demo, live_server):
    with system_chromium() as browser:
        page = browser.new_page(viewport=TABLET)
        page.set_default_timeout(10_000)
        page.goto(live_server.url + demo)
        assert page.url == live_server.url + demo  # not sent to the login page
        assert page.locator("h1").inner_text().strip()
        assert page.get_by_role("heading", name="Hoe kiezen we adressen voor een huisbezoek?")
        assert page.locator("a[href^='mailto:']").count() >= 2
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        assert_touch_targets(page)
        # Printable: the print stylesheet hides the forms and navigation, keeps the content.
        page.emulate_media(media="print")
        assert page.locator("#resultaten-kop").is_visible()
