"""The privacy officer's processing-log page and export (issue 16 item 4): the project's records
only, filtered by period, who, organisation, action and processing activity, paginated; the
CSV export of the filtered set has formula-safe cells (R15); reading and exporting the log are
each written to the log first."""

from __future__ import annotations

import copy
import csv
import io
from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

import pytest

from privacy.constants import LOG_PAGE_SIZE
from tests.access_setup import matrix_world
from wijkaanpak.core.models import ProcessingLogEntry
from wijkaanpak.core.processing_log import processing_log_write

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with matrix_world(django_db_blocker) as built:
        yield built


def export_rows(response) -> list[list[str]]:
    text = response.content.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text), delimiter=";"))


def test_filters_page_and_export_of_the_project_only(world, client):
    mp, officer = world.own, world.people["privacy_officer"]
    attacker = copy.copy(world.people["analist"])  # the world's own person stays as it is
    attacker.username = "=HYPERLINK(1)"  # the actor label starts with a formula trigger
    processing_log_write(
        actor=attacker,
        action="export",
        name="risicolijst exporteren",
        ground="risk_selection",
        project=mp.project,
    )
    processing_log_write(
        actor=world.other.extra["cast"]["projectleider"],
        action="export",
        name="ander project",
        ground="risk_selection",
        project=world.other.project,
    )
    url = reverse("privacy:log", args=[mp.project.slug])
    world.log_in(client, officer)

    body = client.get(url, {"actie": "export", "grondslag": "risk_selection"}).content.decode()
    assert "risicolijst exporteren" in body
    assert "ander project" not in body
    body = client.get(url, {"actie": "reidentify"}).content.decode()
    assert "risicolijst exporteren" not in body
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    assert "risicolijst exporteren" not in client.get(url, {"van": tomorrow}).content.decode()
    body = client.get(url, {"organisatie": "gemeente aadorp", "wie": "HYPERLINK"}).content.decode()
    assert "risicolijst exporteren" in body

    export = client.get(
        reverse("privacy:log-export", args=[mp.project.slug]),
        {"actie": "export", "grondslag": "risk_selection"},
    )
    assert export["Content-Type"].startswith("text/csv")
    rows = export_rows(export)
    assert rows[0][:3] == ["tijdstip", "actor", "organisatie"]
    names = [row[4] for row in rows[1:]]
    assert "risicolijst exporteren" in names and "ander project" not in names
    assert all(row[3] == "export" for row in rows[1:])
    assert "'=HYPERLINK(1)" in [row[1] for row in rows[1:]]
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)


def test_reading_and_exporting_the_log_are_logged(world, client):
    mp, officer = world.own, world.people["privacy_officer"]
    world.log_in(client, officer)

    def count(name: str) -> int:
        return ProcessingLogEntry.objects.filter(
            project=mp.project, actor=officer, name=name, ground="privacy_rights"
        ).count()

    client.get(reverse("privacy:log", args=[mp.project.slug]))
    assert count("verwerkingslog inzien") == 1
    client.get(reverse("privacy:log-export", args=[mp.project.slug]))
    assert count("verwerkingslog exporteren") == 1


def test_paginated(world, client):
    mp, officer = world.own, world.people["privacy_officer"]
    processing_log_write(
        actor=officer,
        action="view",
        name="veel",
        ground="lsi_project",
        project=mp.project,
        data_subject_ids=[f"{n:064x}" for n in range(LOG_PAGE_SIZE + 5)],
        data_subject_id_type="adrespseudoniem",
    )
    world.log_in(client, officer)
    body = client.get(reverse("privacy:log", args=[mp.project.slug])).content.decode()
    assert "Pagina 1 van" in body and 'rel="next"' in body
    # Newest first: the record of this reading, then a page less one of the 55 records.
    assert body.count(">veel<br>") == LOG_PAGE_SIZE - 1
