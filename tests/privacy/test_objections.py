"""Objections and corrections (issue 15 item 4): recorded by the privacy officer from an
inzageverzoek, settled once (the transition table), and shown wherever the address appears —
the risk list, the visit page, the inspector's route and the referral page — in its own
project only.

On the matrix world (tests/access_setup.py), whose approved address is on the risk list, on
tonight's route (tests/access_rows/controls_field.py), on a planned evening's visit
(controls_planning.py) and in referrals (followup_world.py)."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

import pytest

from datasharing.constants import ObjectionKind, ObjectionStatus, ObjectionSubject
from datasharing.models import Objection
from datasharing.selectors import objections_for_addresses
from datasharing.services import objection_record, objection_resolve
from datasharing.services.objections import (
    OBJECTION_ALREADY_HANDLED,
    OBJECTION_NOT_PRIVACY_OFFICER,
)
from tests import access_matrix as matrix
from tests.access_rows.privacy import privacy_officer_of
from tests.access_setup import matrix_world
from wijkaanpak.core.exceptions import InvalidTransition, NotPermitted
from wijkaanpak.core.models import Event

pytestmark = pytest.mark.django_db

# (url name, KWARGS key, role that sees the address there)
PLACES = [
    ("matching:risks", "project", "analist"),
    ("controls:visit", "visit", "projectleider"),
    ("controls:route", "evening_tonight", "inspecteur"),
    ("controls:referral", "referral", "projectleider"),
]


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with matrix_world(django_db_blocker) as built:
        yield built


def record(mp, text: str, *, key: str | None = None, kind=ObjectionKind.BEZWAAR) -> Objection:
    return objection_record(
        actor=privacy_officer_of(mp),
        project=mp.project,
        subject=ObjectionSubject.ADDRESS,
        subject_key=key or mp.extra["approved"].address_key,
        kind=kind,
        description=text,
        received_on=timezone.localdate(),
    )


def page(client, world, name: str, key: str, role: str) -> str:
    world.log_in(client, world.people[role])
    response = client.get(reverse(name, kwargs=matrix.KWARGS[key](world.own)))
    assert response.status_code == 200, (name, role)
    return response.content.decode()


@pytest.mark.parametrize(("name", "key", "role"), PLACES)
def test_shown_wherever_the_address_appears_and_only_in_its_own_project(
    world, client, name, key, role
):
    own = record(world.own, "Eigen project: BRP-inschrijving gecorrigeerd per 1 maart.")
    # Project B: against its own approved address, and against a key that happens to be the
    # same string as project A's: neither may show in project A.
    record(world.other, "Ander project: bezwaar tegen het huisbezoek.")
    record(
        world.other, "Ander project, zelfde sleutel.", key=world.own.extra["approved"].address_key
    )
    body = page(client, world, name, key, role)
    assert own.description in body
    assert "Ander project" not in body
    assert 'class="wk-objections"' in body


def test_an_address_without_objection_shows_none(world, client):
    Objection.objects.filter(project=world.own.project).delete()
    body = page(client, world, "matching:risks", "project", "analist")
    assert 'class="wk-objections"' not in body


def test_the_selector_answers_per_address_in_one_query(world, django_assert_num_queries):
    approved = world.own.extra["approved"].address_key
    first = record(world.own, "Eerste.")
    second = record(world.own, "Tweede.", kind=ObjectionKind.CORRECTIE)
    with django_assert_num_queries(1):
        found = objections_for_addresses(world.own.project, [approved, "0" * 64])
    assert [o.pk for o in found[approved]][:2] == [second.pk, first.pk]
    assert "0" * 64 not in found
    with django_assert_num_queries(0):
        assert objections_for_addresses(world.own.project, []) == {}


def test_recorded_from_the_inzage_page_then_settled_once(world, client):
    mp = world.own
    officer = world.people["privacy_officer"]
    inzage = mp.extra["inzage"]
    world.log_in(client, officer)
    response = client.post(
        reverse("privacy:objection-create", args=[mp.project.slug, inzage.pk]),
        {
            "kind": "correctie",
            "subject_key": mp.extra["approved"].address_key,
            "description": "BRP-inschrijving gecorrigeerd na het huisbezoek.",
            "received_on": timezone.localdate().isoformat(),
        },
    )
    assert response.status_code == 302
    objection = Objection.objects.filter(project=mp.project).order_by("-pk").first()
    assert objection.kind == ObjectionKind.CORRECTIE and objection.recorded_by == officer
    assert objection.status == ObjectionStatus.OPEN
    assert Event.objects.filter(kind="objection_recorded", object_id=str(objection.pk)).exists()
    detail = client.get(response.url).content.decode()
    assert "BRP-inschrijving gecorrigeerd na het huisbezoek." in detail

    # A key that is not the request's is refused by the form (no objection against others).
    response = client.post(
        reverse("privacy:objection-create", args=[mp.project.slug, inzage.pk]),
        {
            "kind": "bezwaar",
            "subject_key": "f" * 64,
            "description": "x",
            "received_on": timezone.localdate().isoformat(),
        },
    )
    assert response.status_code == 400

    response = client.post(
        reverse("privacy:objection-resolve", args=[mp.project.slug, objection.pk]),
        {"outcome": "Gecorrigeerd; het adres is uit de selectie gehaald."},
    )
    assert response.status_code == 302
    objection.refresh_from_db()
    assert objection.status == ObjectionStatus.AFGEHANDELD and objection.handled_by == officer
    with pytest.raises(InvalidTransition, match=OBJECTION_ALREADY_HANDLED):
        objection_resolve(actor=officer, objection=objection, outcome="Nogmaals")
    assert Event.objects.filter(kind="objection_resolved", object_id=str(objection.pk)).count() == 1


def test_only_the_privacy_officer_records_and_settles(world):
    mp = world.own
    objection = record(mp, "Bezwaar.")
    for role in ("projectleider", "analist", "inspecteur"):
        with pytest.raises(NotPermitted, match=OBJECTION_NOT_PRIVACY_OFFICER):
            objection_record(
                actor=world.people[role],
                project=mp.project,
                subject=ObjectionSubject.ADDRESS,
                subject_key=mp.extra["approved"].address_key,
                kind=ObjectionKind.BEZWAAR,
                description="x",
                received_on=timezone.localdate(),
            )
        with pytest.raises(NotPermitted, match=OBJECTION_NOT_PRIVACY_OFFICER):
            objection_resolve(actor=world.people[role], objection=objection, outcome="x")


def test_a_key_rotation_keeps_the_objection_on_its_address(world, client):
    """The objection's pseudonym is re-keyed with the records (datasharing's pseudonym tables):
    it still shows at the address; a request answered under the old key takes no new one."""
    from datasharing.services import project_key_rotate
    from privacy.services import INZAGE_KEY_ROTATED, inzage_objection_record
    from wijkaanpak.core.exceptions import ApplicationError

    mp = world.own
    old_request = mp.extra["inzage"]
    objection = record(mp, "Bezwaar van voor de sleutelwissel.")
    project_key_rotate(actor=mp.extra["cast"]["projectleider"], project=mp.project)
    objection.refresh_from_db()
    proposal = type(mp.extra["approved"]).objects.get(pk=mp.extra["approved"].pk)
    assert objection.address_key == proposal.address_key != old_request.address_keys[0]
    assert objections_for_addresses(mp.project, [proposal.address_key])[proposal.address_key]
    with pytest.raises(ApplicationError, match=INZAGE_KEY_ROTATED):
        inzage_objection_record(
            actor=privacy_officer_of(mp),
            request=old_request,
            subject_key=old_request.address_keys[0],
            kind=ObjectionKind.BEZWAAR,
            description="x",
            received_on=timezone.localdate(),
        )
