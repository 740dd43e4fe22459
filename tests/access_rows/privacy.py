"""Access rows of the privacy officer's pages (issue 15 items 2 and 4, issue 16 item 4): every
page and action is the privacy officer's alone (handle_privacy_requests); everyone else, the
projectleider included, and every role on the other project gets 404. Each project gets an
answered inzageverzoek about its approved address and an open objection against it, so the
object rows are tried across projects too (IDOR: project A's slug with project B's ids)."""

from __future__ import annotations

from django.utils import timezone

from tests.access_matrix import SETUP_HOOKS, Row, everyone, object_kwargs, only
from tests.access_setup import MatrixProject

PRIVACY = "privacy_officer"
# A valid BSN (elfproef) that no sample file holds.
UNKNOWN_BSN = "123456782"


def privacy_officer_of(mp: MatrixProject):
    """The project's privacy officer: project A's of the matrix cast, project B's made here."""
    from projects.constants import Role
    from projects.models import ProjectRole
    from tests.factories import member

    role = (
        ProjectRole.objects.active()
        .filter(project=mp.project, role=Role.PRIVACY_OFFICER)
        .select_related("person")
        .first()
    )
    if role is not None:
        return role.person
    cast = mp.extra["cast"]
    return member(mp.project, f"fg_{mp.project.pk}", cast["municipality"], Role.PRIVACY_OFFICER)


def approved_address(mp: MatrixProject):
    """The real address of the project's approved proposal (from the vault: test setup only)."""
    from datasharing.pseudonymisation import RealAddress, vault_lookup

    parts = vault_lookup(project=mp.project, address_key=mp.extra["approved"].address_key)
    return RealAddress.from_vault(parts)


def _privacy_setup(mp: MatrixProject) -> None:
    from datasharing.constants import ObjectionKind, ObjectionSubject
    from datasharing.services import objection_record
    from privacy.services import AddressInput, inzage_request_answer

    officer = privacy_officer_of(mp)
    address = approved_address(mp)
    today = timezone.localdate()
    mp.extra["inzage"] = inzage_request_answer(
        actor=officer,
        project=mp.project,
        received_on=today,
        address=AddressInput(
            postcode=address.postcode,
            huisnummer=address.huisnummer,
            huisletter=address.huisletter,
            toevoeging=address.toevoeging,
        ),
    )
    mp.extra["objection"] = objection_record(
        actor=officer,
        project=mp.project,
        subject=ObjectionSubject.ADDRESS,
        subject_key=mp.extra["approved"].address_key,
        kind=ObjectionKind.BEZWAAR,
        description="De bewoner maakt bezwaar tegen het huisbezoek.",
        received_on=today,
    )


SETUP_HOOKS.append(_privacy_setup)
object_kwargs("inzage")
object_kwargs("objection")


def _inzage_data(mp: MatrixProject) -> dict:
    return {
        "subject": "bsn",
        "bsn": UNKNOWN_BSN,
        "received_on": timezone.localdate().isoformat(),
    }


def _objection_data(mp: MatrixProject) -> dict:
    return {
        "kind": "correctie",
        "subject_key": mp.extra["approved"].address_key,
        "description": "BRP-inschrijving gecorrigeerd na het huisbezoek.",
        "received_on": timezone.localdate().isoformat(),
    }


ROWS: list[Row] = [
    Row("privacy:inzage", only(200, PRIVACY), personal_data=True),
    Row("privacy:inzage", only(302, PRIVACY), method="post", data=_inzage_data),
    Row("privacy:inzage-detail", only(200, PRIVACY), kwargs="inzage", personal_data=True),
    Row("privacy:inzage-detail", everyone(404), kwargs="inzage@twin"),
    Row("privacy:inzage-letter", only(200, PRIVACY), kwargs="inzage", personal_data=True),
    Row("privacy:inzage-letter", everyone(404), kwargs="inzage@twin"),
    Row(
        "privacy:objection-create",
        only(302, PRIVACY),
        method="post",
        kwargs="inzage",
        data=_objection_data,
    ),
    Row("privacy:objection-create", only(405, PRIVACY), kwargs="inzage"),
    Row(
        "privacy:objection-create",
        everyone(404),
        method="post",
        kwargs="inzage@twin",
        data=_objection_data,
    ),
    Row(
        "privacy:objection-resolve",
        only(302, PRIVACY),
        method="post",
        kwargs="objection",
        data={"outcome": "Bezwaar gegrond: het adres is uit de selectie gehaald."},
    ),
    Row(
        "privacy:objection-resolve",
        everyone(404),
        method="post",
        kwargs="objection@twin",
        data={"outcome": "x"},
    ),
    Row("privacy:log", only(200, PRIVACY), personal_data=True),
    Row("privacy:log-export", only(200, PRIVACY), personal_data=True),
]

# R21: a request's page and its letter show what the project holds on its pseudonyms: one
# record per pseudonym (here the address of the request).
SUBJECT_ROWS = {
    "privacy:inzage-detail": lambda mp: list(mp.extra["inzage"].subject_keys),
    "privacy:inzage-letter": lambda mp: list(mp.extra["inzage"].subject_keys),
}
