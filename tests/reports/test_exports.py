"""Exports (issue 13.6): Dutch headers, rows scoped like the pages, formulas neutralised in CSV
and XLSX (R15), the addresses logged (R21)."""

import csv
import io

from django.urls import reverse

import pytest
from openpyxl import load_workbook

from reports.services.exports import FINDINGS_HEADER, PROGRESS_HEADER, REFERRALS_HEADER
from tests.factories import login_verified
from wijkaanpak.core.models import ProcessingLogEntry

pytestmark = pytest.mark.django_db

TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\0")


def url(project, kind, fmt):
    return reverse("reports:export", kwargs={"slug": project.slug, "kind": kind, "fmt": fmt})


def read(response, fmt):
    if fmt == "csv":
        text = response.content.decode("utf-8")
        assert text.startswith("\ufeff")
        return list(csv.reader(io.StringIO(text[1:], newline=""), delimiter=";"))
    sheet = load_workbook(io.BytesIO(response.content)).active
    for row in sheet.iter_rows():
        for cell in row:
            assert cell.data_type != "f", cell.value
    return [["" if v is None else v for v in row] for row in sheet.iter_rows(values_only=True)]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_findings_and_referrals_neutralise_formulas(client, reported, projectleider_a, fmt):
    login_verified(client, projectleider_a)
    before = ProcessingLogEntry.objects.count()
    findings = read(client.get(url(reported, "bevindingen", fmt)), fmt)
    assert tuple(findings[0]) == FINDINGS_HEADER
    assert len(findings) == 1 + 5
    assert {row[5] for row in findings[1:]} == {'\'=HYPERLINK("http://evil.example","klik")'}
    # one record per address shown (R21)
    assert ProcessingLogEntry.objects.count() == before + 5
    referrals = read(client.get(url(reported, "doorverwijzingen", fmt)), fmt)
    assert tuple(referrals[0]) == REFERRALS_HEADER
    assert len(referrals) == 1 + 5
    assert {row[7] for row in referrals[1:]} == {"'+cmd|' /C calc'!A0"}
    for table in (findings, referrals):
        for row in table:
            for cell in row:
                assert not str(cell).startswith(TRIGGERS), cell
    progress = read(client.get(url(reported, "voortgang", fmt)), fmt)
    assert tuple(progress[0]) == PROGRESS_HEADER
    assert [str(row[3]) for row in progress[1:]] == ["4", "3", "0"]


def test_scoped_like_the_pages(client, reported, behandelaar_a, inspecteur_a, adviseur_a):
    login_verified(client, behandelaar_a)
    assert client.get(url(reported, "bevindingen", "csv")).status_code == 404
    rows = read(client.get(url(reported, "doorverwijzingen", "csv")), "csv")
    assert len(rows) == 1 + 5  # all addressed to UWV, the behandelaar's organisation
    client.logout()
    login_verified(client, inspecteur_a)
    assert client.get(url(reported, "doorverwijzingen", "csv")).status_code == 404
    assert client.get(url(reported, "voortgang", "xlsx")).status_code == 200
    assert client.get(url(reported, "voortgang", "pdf")).status_code == 404
    client.logout()
    login_verified(client, adviseur_a)
    for kind in ("bevindingen", "doorverwijzingen", "voortgang"):
        assert client.get(url(reported, kind, "csv")).status_code == 404


def test_behandelaar_of_another_organisation_gets_none(client, reported, project_a, gemeente_a):
    from projects.constants import Role
    from tests.factories import member

    other = member(project_a, "behandelaar_gemeente", gemeente_a, Role.BEHANDELAAR)
    login_verified(client, other)
    rows = read(client.get(url(reported, "doorverwijzingen", "csv")), "csv")
    assert rows == [list(REFERRALS_HEADER)]
