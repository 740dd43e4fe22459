"""Fixtures of the intake tests: project A in data_uitvraag with a data request per source,
people per role on two projects × two partners, small delivery files and an OTP-verified client."""

import io
from datetime import date, timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

import pytest

from projects.constants import Role
from tests.factories import (
    ConvenantFactory,
    OrganisationFactory,
    member,
    project_to_phase,
)

HEADERS = {
    "bag": (
        "nummeraanduiding_id;postcode;huisnummer;huisletter;huisnummertoevoeging;"
        "gebruiksdoel;oppervlakte_m2"
    ),
    "brp": (
        "bsn;postcode;huisnummer;huisletter;huisnummertoevoeging;"
        "geboortedatum;datum_inschrijving_adres"
    ),
}


def bsn_valid(number: str) -> bool:
    weights = [9, 8, 7, 6, 5, 4, 3, 2, -1]
    return (
        len(number) == 9
        and number.isdigit()
        and number != "000000000"
        and (sum(int(d) * w for d, w in zip(number, weights, strict=True)) % 11 == 0)
    )


def make_bsns(count: int, start: int = 100000000, *, leading_zero: bool = False) -> list[str]:
    """Deterministic elfproef-valid BSNs; with `leading_zero` they start with 0."""
    found, n = [], (10000000 if leading_zero else start)
    while len(found) < count:
        candidate = f"{n:09d}"
        if bsn_valid(candidate):
            found.append(candidate)
        n += 1
    return found


def csv_file(text: str, name: str = "levering.csv", *, bom: bool = False) -> SimpleUploadedFile:
    content = ("\ufeff" if bom else "") + text
    return SimpleUploadedFile(name, content.encode("utf-8"), content_type="text/csv")


def xlsx_file(rows: list[list], name: str = "levering.xlsx") -> SimpleUploadedFile:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="application/octet-stream")


def brp_csv(
    bsns: list[str], *, delimiter: str = ";", extra_header: str = "", extra_value: str = ""
) -> str:
    header = HEADERS["brp"].replace(";", delimiter) + (
        delimiter + extra_header if extra_header else ""
    )
    lines = [header]
    for i, bsn in enumerate(bsns):
        date_a = "1980-01-15" if i % 2 else "15-01-1980"
        cells = [
            bsn,
            "5911 ab" if i % 2 else "5911AB",
            str(10 + i % 5),
            "a" if i % 3 == 0 else "",
            "",
            date_a,
            "2024-03-01",
        ]
        if extra_header:
            cells.append(extra_value)
        lines.append(delimiter.join(cells))
    return "\r\n".join(lines) + "\r\n"


def bag_csv(count: int = 10, *, start_nad: int = 983200000000000) -> str:
    lines = [HEADERS["bag"]]
    for i in range(count):
        lines.append(
            f"{start_nad + i:016d};5911 ab;{10 + i};"
            f"{'A' if i % 3 == 0 else ''};;woonfunctie;{40 + i}"
        )
    return "\n".join(lines) + "\n"


@pytest.fixture
def intake_project(project_a):
    return project_to_phase(project_a, "data_uitvraag")


@pytest.fixture
def intake_project_b(project_b):
    return project_to_phase(project_b, "data_uitvraag")


@pytest.fixture
def analyst_uwv(uwv, project_a, projectleider_a):
    return member(project_a, "analist_uwv", uwv, Role.ANALIST, actor=projectleider_a)


@pytest.fixture
def inspecteur_a(gemeente_a, project_a, projectleider_a):
    return member(project_a, "inspecteur_a", gemeente_a, Role.INSPECTEUR, actor=projectleider_a)


@pytest.fixture
def analyst_bd(belastingdienst, project_b, projectleider_b):
    return member(project_b, "analist_bd", belastingdienst, Role.ANALIST, actor=projectleider_b)


@pytest.fixture
def request_for(intake_project, projectleider_a):
    """request_for(source, organisation=None) → an open data request of project A."""
    from datasharing.services import data_request_create

    def make(source: str, organisation=None):
        return data_request_create(
            actor=projectleider_a,
            project=intake_project,
            organisation=organisation or intake_project.municipality,
            source=source,
            legal_ground="Art. 64 Wet SUWI; LSI-convenant",
            deadline=timezone.localdate() + timedelta(days=30),
        )

    return make


@pytest.fixture
def deliver(django_capture_on_commit_callbacks):
    """deliver(actor, data_request, file) → the delivery after upload and (eager) processing."""
    from datasharing.models import Delivery
    from datasharing.services import delivery_upload

    def run(actor, data_request, file):
        with django_capture_on_commit_callbacks(execute=True):
            delivery = delivery_upload(actor=actor, data_request=data_request, file=file)
        return Delivery.objects.get(pk=delivery.pk)

    return run


@pytest.fixture
def otp_client(client):
    """otp_client(user) → the test client logged in with a verified second factor."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    def login(user):
        device = TOTPDevice.objects.create(user=user, name="test", confirmed=True)
        client.force_login(user)
        session = client.session
        session["otp_device_id"] = device.persistent_id
        session.save()
        return client

    return login


@pytest.fixture
def woningcorporatie(db, intake_project, projectleider_a):
    from projects.services import project_partner_add

    organisation = OrganisationFactory(name="Woonstichting", kind="woningcorporatie")
    ConvenantFactory(
        organisation=organisation,
        kind="aanvullend",
        project=intake_project,
        valid_from=date(2024, 1, 1),
    )
    project_partner_add(actor=projectleider_a, project=intake_project, organisation=organisation)
    return organisation
