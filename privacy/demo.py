"""Demo data of the privacy officer (issue 15 items 2 and 4), on the demo project after the
controls and the follow-up (their builders run first), through the services:

* the login `privacy` (Noor Hendriks, functionaris gegevensbescherming of the municipality),
  privacy officer in "Wijkaanpak Oude Westen";
* one answered inzageverzoek: a resident registered (BRP) at a visited address with a finding
  asks what the project holds on them; its letter is a real PDF on the request's page;
* an open objection of that resident against the visit, shown on the risk list, the visit
  page, the tablet route and the referral page of that address.

The BSN is read from the demo's own synthetic BRP file and given to the service as the
privacy officer would type it; it is stored nowhere. Idempotent: nothing is made when the
project already has an inzageverzoek.
"""

from __future__ import annotations

import csv
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.utils import timezone

from controls.models import Finding
from datasharing.constants import ObjectionKind, ObjectionSubject
from datasharing.intake.validation import address_key, normalise_bsn
from datasharing.pseudonymisation import Kind
from datasharing.services import objection_record
from partners.models import Organisation, User
from projects.constants import Phase, Role
from projects.models import Project

from . import selectors, services
from .models import InzageRequest

USERNAME = "privacy"
PERSON = ("Noor", "Hendriks")
BRP_FILE = Path(__file__).resolve().parent.parent / "datasharing" / "demo_data" / "brp.csv"
OBJECTION_TEXT = (
    "De bewoner maakt bezwaar tegen het huisbezoek: volgens haar stond zij al sinds vorig jaar "
    "op dit adres ingeschreven en is de selectie op verouderde gegevens gebaseerd."
)


def _say(stdout: Any, text: str) -> None:
    if stdout is not None:
        stdout.write(text)


def _demo_project() -> Project | None:
    from projects.demo import DEMO_PROJECT_SLUGS

    return Project.objects.filter(slug=DEMO_PROJECT_SLUGS[Phase.DATA_UITVRAAG]).first()


def _resident_of_a_visited_address(project: Project) -> tuple[str, str] | None:
    """(BSN, address key) of a resident of the demo BRP file registered at a visited address
    with a finding, or None."""
    from datasharing.pseudonymisation import pseudonymiser_for

    state = selectors.project_key_state(project=project)
    if state.current is None:
        return None
    visited = set(
        Finding.objects.filter(visit__project=project).values_list("visit__address_key", flat=True)
    )
    pseudonymiser = pseudonymiser_for(project=project, version=state.current)
    with BRP_FILE.open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle, delimiter=";"):
            bsn = normalise_bsn(row["bsn"])
            key = address_key(
                row["postcode"], row["huisnummer"], row["huisletter"], row["huisnummertoevoeging"]
            )
            if bsn is None or key is None:
                continue
            pseudonym = pseudonymiser.one(Kind.ADDRESS, key)
            if pseudonym in visited:
                return bsn, pseudonym
    return None


def build(*, stdout: Any = None) -> None:
    from projects.demo import MUNICIPALITY, demo_person, demo_role_ensure

    project = _demo_project()
    leader = User.objects.filter(username="projectleider").first()
    if project is None or leader is None:
        _say(stdout, "  geen demoproject voor privacy; overgeslagen")
        return
    officer, _made = demo_person(USERNAME, *PERSON, Organisation.objects.get(name=MUNICIPALITY))
    demo_role_ensure(project=project, person=officer, role=Role.PRIVACY_OFFICER, actor=leader)
    if InzageRequest.objects.filter(project=project).exists():
        return
    resident = _resident_of_a_visited_address(project)
    if resident is None:
        _say(stdout, "  (privacy: nog geen bezochte adressen met bevindingen)")
        return
    bsn, visited_key = resident
    today = timezone.localdate()
    answered = services.inzage_request_answer(
        actor=officer, project=project, received_on=today - timedelta(days=3), bsn=bsn
    )
    del bsn
    objection_record(
        actor=officer,
        project=project,
        subject=ObjectionSubject.ADDRESS,
        subject_key=visited_key,
        kind=ObjectionKind.BEZWAAR,
        description=OBJECTION_TEXT,
        received_on=today - timedelta(days=1),
    )
    _say(
        stdout,
        f"  inzageverzoek {answered.reference} beantwoord, bezwaar bij het bezochte adres open",
    )


def summary(stdout: Any) -> None:
    if User.objects.filter(username=USERNAME).exists():
        stdout.write(f"  {USERNAME:<20} (Functionaris gegevensbescherming, Gemeente Voorbeeldstad)")
