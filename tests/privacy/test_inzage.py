"""Inzageverzoeken (issue 15 item 2): a BSN with records, one without, an address with the whole
story (risk address and why, four eyes, visit, finding, referral), and the answer after key
destruction; the PDF letter parses and holds its sections; the BSN entered is nowhere
afterwards — not in any table, not in a session, not in a log line, not in the page — and
the form never writes it back.

The matrix world (tests/access_setup.py): project A with the wijk-300 sample's BAG, signals and
the Belastingdienst's toeslagen, a run, an approved address that was visited, with a finding
and referrals (tests/access_rows/*), and its privacy officer."""

from __future__ import annotations

import csv
import io
import logging
import re
from pathlib import Path

from django.contrib.sessions.models import Session
from django.db import connection
from django.urls import reverse
from django.utils import timezone

import pytest
from pypdf import PdfReader

from datasharing.constants import Source
from datasharing.pseudonymisation import project_key_destroy
from privacy.models import InzageRequest
from privacy.services import (
    INZAGE_BSN_INVALID,
    INZAGE_NOT_PRIVACY_OFFICER,
    AddressInput,
    inzage_request_answer,
)
from tests.access_rows.privacy import UNKNOWN_BSN, approved_address
from tests.access_setup import matrix_world
from tests.datasharing.test_no_raw_identifiers import elfproef_hits
from wijkaanpak.core.exceptions import NotPermitted
from wijkaanpak.core.models import Event, ProcessingLogEntry

pytestmark = pytest.mark.django_db

TOESLAG = Path(__file__).resolve().parents[1] / "fixtures" / "wijk-300" / "toeslag.csv"
BAG_LABEL, SIGNAAL_LABEL = Source.BAG.label, Source.SIGNAAL.label
SECTIONS = (
    "Antwoord op uw inzageverzoek",
    "Gegevens per bron en levering",
    "Risicoadres en waarom",
    "Selectiebesluiten (vier ogen)",
    "Huisbezoeken, bevindingen en doorverwijzingen",
    "Wat al vernietigd is",
    "Bezwaren en correcties",
    "Uw rechten",
)


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with matrix_world(django_db_blocker) as built:
        yield built


def toeslag_bsn() -> str:
    """A BSN the Belastingdienst delivered in project A (the first of the sample's toeslagen)."""
    with TOESLAG.open(encoding="utf-8-sig", newline="") as handle:
        return next(csv.DictReader(handle))["bsn"].zfill(9)


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


def letter(client, world, inzage) -> str:
    world.log_in(client, world.people["privacy_officer"])
    response = client.get(
        reverse("privacy:inzage-letter", args=[world.own.project.slug, inzage.pk])
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "no-store" in response["Cache-Control"]
    return pdf_text(response.content)


def every_table_text() -> str:
    """Every row of every table, as text (the same connection: the world's rows are visible),
    and every session decoded (its stored form is signed base64)."""
    chunks = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 - the database's own names
            chunks.extend(repr(row) for row in cursor.fetchall())
    chunks.extend(repr(session.get_decoded()) for session in Session.objects.all())
    return "\n".join(chunks)


def written_forms(bsn: str) -> list[str]:
    """The BSN as digits, with spaces and with dots (how it may be written)."""
    return [bsn, f"{bsn[:3]} {bsn[3:6]} {bsn[6:]}", f"{bsn[:3]}.{bsn[3:6]}.{bsn[6:]}"]


def test_a_bsn_with_records_answers_per_source_and_delivery(world, client):
    officer, project = world.people["privacy_officer"], world.own.project
    bsn = toeslag_bsn()
    inzage = inzage_request_answer(
        actor=officer, project=project, received_on=timezone.localdate(), bsn=bsn
    )
    answer = inzage.answer
    assert answer["linked"] is True
    toeslagen = [r for r in answer["records"] if r["source"] == Source.TOESLAG.label]
    assert toeslagen and toeslagen[0]["organisation"] == "Belastingdienst"
    assert toeslagen[0]["matched_on"] == "persoon" and toeslagen[0]["rows"] >= 1
    assert "bsn (gepseudonimiseerd)" in toeslagen[0]["columns"]
    assert "toeslag" in toeslagen[0]["columns"]
    # Only the person's own rows: never another person's pseudonym or values in the answer.
    assert not re.search(r"[0-9a-f]{64}", repr(answer))
    assert len(inzage.person_key) == 64 and bsn not in repr(inzage.__dict__)
    # R21: one record for the person; an Event.
    logged = ProcessingLogEntry.objects.filter(object_id=str(inzage.pk), action="read")
    assert [(e.data_subject_id_type, e.ground) for e in logged] == [
        ("persoonspseudoniem", "privacy_rights")
    ]
    assert Event.objects.filter(kind="inzage_request_answered", object_id=str(inzage.pk)).exists()

    text = letter(client, world, inzage)
    for section in SECTIONS:
        assert section in text, section
    assert Source.TOESLAG.label in text and "Belastingdienst" in text
    assert bsn not in text


def test_an_address_answers_risk_four_eyes_visit_finding_and_referral(world, client):
    officer, project = world.people["privacy_officer"], world.own.project
    address = approved_address(world.own)
    inzage = inzage_request_answer(
        actor=officer,
        project=project,
        received_on=timezone.localdate(),
        address=AddressInput(
            postcode=address.postcode.lower(),  # any spacing or case: the same address
            huisnummer=address.huisnummer,
            huisletter=address.huisletter,
            toevoeging=address.toevoeging,
        ),
    )
    answer = inzage.answer
    assert inzage.address_keys == [world.own.extra["approved"].address_key]
    [risk] = answer["risk"]
    assert risk["is_risk"] is True
    assert [i["name"] for i in risk["indicators"]] == ["Signalen van meerdere partners"]
    assert any(s["approved"] and s["decided_by"] for s in answer["selection"])
    assert answer["visits"] and answer["findings"] and answer["referrals"]
    assert answer["vault"] is True
    assert {(r["source"], r["matched_on"]) for r in answer["records"]} >= {
        (BAG_LABEL, "adres"),
        (SIGNAAL_LABEL, "adres"),
    }
    text = letter(client, world, inzage)
    assert "een risicoadres" in text and "Signalen van meerdere partners" in text
    assert "voorgedragen voor een huisbezoek" in text
    assert str(address) not in text  # the letter does not spell out the address either


def test_a_bsn_without_records_says_so(world, client):
    officer, project = world.people["privacy_officer"], world.own.project
    inzage = inzage_request_answer(
        actor=officer, project=project, received_on=timezone.localdate(), bsn=UNKNOWN_BSN
    )
    assert inzage.answer["linked"] is True
    assert inzage.answer["records"] == [] and inzage.address_keys == []
    assert inzage.answer["visits"] == [] and inzage.answer["risk"] == []
    text = letter(client, world, inzage)
    assert "Het project heeft geen gegevens over u" in text
    for section in SECTIONS:
        assert section in text, section


def test_after_key_destruction_nothing_can_be_linked(world, client):
    officer, project = world.people["privacy_officer"], world.own.project
    project_key_destroy(project=project)
    inzage = inzage_request_answer(
        actor=officer, project=project, received_on=timezone.localdate(), bsn=toeslag_bsn()
    )
    assert inzage.key_destroyed is True and inzage.person_key == ""
    assert inzage.answer["linked"] is False and inzage.answer["records"] == []
    text = letter(client, world, inzage)
    assert "Niets meer te koppelen" in text
    assert "Gegevens per bron en levering" not in text
    assert "Wat al vernietigd is" in text


def test_only_the_privacy_officer_answers(world):
    for role in ("projectleider", "analist", "adviseur"):
        with pytest.raises(NotPermitted, match=INZAGE_NOT_PRIVACY_OFFICER):
            inzage_request_answer(
                actor=world.people[role],
                project=world.own.project,
                received_on=timezone.localdate(),
                bsn=UNKNOWN_BSN,
            )


def test_the_bsn_entered_is_nowhere_afterwards(world, client, caplog):
    """Through the page, as the privacy officer works: POST, redirect to the request, its page
    and its letter; then scan every table, the sessions and the log lines."""
    caplog.set_level(logging.DEBUG)
    bsn = toeslag_bsn()
    slug = world.own.project.slug
    world.log_in(client, world.people["privacy_officer"])
    before = InzageRequest.objects.count()
    response = client.post(
        reverse("privacy:inzage", args=[slug]),
        {"subject": "bsn", "bsn": f"{bsn[:3]} {bsn[3:6]} {bsn[6:]}", "received_on": "2026-01-05"},
    )
    assert response.status_code == 302
    inzage = InzageRequest.objects.order_by("-pk").first()
    assert InzageRequest.objects.count() == before + 1
    assert response.url == reverse("privacy:inzage-detail", args=[slug, inzage.pk])
    page = client.get(response.url)
    assert page.status_code == 200
    assert Source.TOESLAG.label in page.content.decode()
    client.get(reverse("privacy:inzage-letter", args=[slug, inzage.pk]))

    text = every_table_text()
    for form in written_forms(bsn):
        assert form not in text, form
    # The privacy tables and the log hold no elfproef-valid nine digits at all.
    for model in (InzageRequest, ProcessingLogEntry, Event):
        assert elfproef_hits(repr(list(model.objects.values()))) == [], model
    for form in written_forms(bsn):
        assert form not in caplog.text
        assert form not in page.content.decode()


@pytest.mark.parametrize(
    ("data", "field_error"),
    [
        ({"subject": "bsn", "bsn": "123456789"}, INZAGE_BSN_INVALID),  # fails the elfproef
        ({"subject": "bsn", "bsn": "TOESLAG", "received_on": "2999-01-01"}, "toekomst"),
        (
            {"subject": "adres", "bsn": "TOESLAG", "postcode": "0000XX", "huisnummer": "1"},
            "geen geldig adres",
        ),
    ],
)
def test_the_form_never_writes_the_bsn_back(world, client, data, field_error):
    bsn = toeslag_bsn()
    data = {"received_on": "2026-01-05", **data}
    data["bsn"] = data["bsn"].replace("TOESLAG", bsn)
    world.log_in(client, world.people["privacy_officer"])
    before = InzageRequest.objects.count()
    response = client.post(reverse("privacy:inzage", args=[world.own.project.slug]), data)
    body = response.content.decode()
    assert response.status_code == 400
    assert field_error in body
    assert data["bsn"] not in body and bsn not in body
    assert InzageRequest.objects.count() == before
