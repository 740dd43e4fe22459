"""The privacy demo (issue 15 items 2 and 4): the `privacy` login with real work — an answered
inzageverzoek about a resident of a visited address, its letter, and an open objection shown on
the risk list and on the visit of that address; a second load changes nothing."""

from __future__ import annotations

import io
from io import StringIO

from django.core.management import call_command
from django.urls import reverse

import pytest
from pypdf import PdfReader

from controls.models import Visit
from datasharing.constants import ObjectionStatus
from datasharing.matching.models import RiskAddress
from datasharing.models import Objection
from partners.models import User
from privacy.demo import OBJECTION_TEXT, USERNAME
from privacy.models import InzageRequest
from projects.constants import Phase, Role
from projects.demo import DEMO_PASSWORD, DEMO_PROJECT_SLUGS
from projects.models import Project, ProjectRole
from tests.factories import login_verified, otp_device_for

pytestmark = pytest.mark.django_db


def test_the_privacy_officer_has_an_answered_request_and_an_open_objection(client):
    out = StringIO()
    call_command("load_demo", stdout=out)
    assert USERNAME in out.getvalue()
    project = Project.objects.get(slug=DEMO_PROJECT_SLUGS[Phase.DATA_UITVRAAG])
    officer = User.objects.get(username=USERNAME)
    assert officer.check_password(DEMO_PASSWORD)
    assert set(
        ProjectRole.objects.active().filter(person=officer).values_list("role", flat=True)
    ) == {Role.PRIVACY_OFFICER}

    [inzage] = InzageRequest.objects.filter(project=project)
    assert inzage.subject == "bsn" and inzage.answer["linked"]
    assert inzage.answer["records"] and inzage.answer["visits"] and inzage.answer["findings"]
    [objection] = Objection.objects.filter(project=project)
    assert objection.status == ObjectionStatus.OPEN and objection.description == OBJECTION_TEXT
    assert objection.subject_key in inzage.address_keys
    visit = Visit.objects.filter(project=project, address_key=objection.subject_key).first()
    assert visit is not None and visit.result
    risk = RiskAddress.objects.get(
        run__project=project, run__is_current=True, address_key=objection.subject_key
    )
    assert risk.is_risk

    otp_device_for(officer)
    login_verified(client, officer)
    letter = client.get(reverse("privacy:inzage-letter", args=[project.slug, inzage.pk]))
    assert letter.status_code == 200
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(letter.content)).pages)
    assert "Antwoord op uw inzageverzoek" in " ".join(text.split())

    analist = User.objects.get(username="analist")
    otp_device_for(analist)
    login_verified(client, analist)
    risks = client.get(
        reverse("matching:risks", args=[project.slug]),
        {"buurt": risk.buurtcode, "min_score": risk.score},
    ).content.decode()
    assert risk.pseudonym in risks and OBJECTION_TEXT in risks
    leader = User.objects.get(username="projectleider")
    otp_device_for(leader)
    login_verified(client, leader)
    body = client.get(reverse("controls:visit", args=[project.slug, visit.pk])).content.decode()
    assert OBJECTION_TEXT in body

    counts = (InzageRequest.objects.count(), Objection.objects.count())
    call_command("load_demo", stdout=StringIO())
    assert (InzageRequest.objects.count(), Objection.objects.count()) == counts
