"""Writes of the privacy officer (issue 15 items 2 and 4): answering an inzageverzoek, and the
records of reading its letter and the processing log.

The BSN or address entered is checked, pseudonymised under the project's key with
datasharing's own functions and then dropped: it reaches no model, no log line, no session and
no job (security R17). Only the pseudonyms are kept, with the answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

import structlog
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.nl import bsn as stdnum_bsn

from datasharing.constants import ObjectionSubject
from datasharing.intake.validation import address_key
from datasharing.models import Objection
from datasharing.pseudonymisation import Kind, pseudonymiser_for
from datasharing.services import objection_record
from datasharing.services.objections import OBJECTION_NO_SUBJECT
from partners.models import User
from projects.constants import ProjectPerm
from projects.models import Project
from projects.selectors import project_perm_require
from wijkaanpak.core.events import event_record
from wijkaanpak.core.exceptions import ApplicationError
from wijkaanpak.core.processing_log import processing_log_write

from . import selectors
from .constants import GROUND_PRIVACY_RIGHTS, InzageSubject
from .models import InzageRequest

logger = structlog.get_logger(__name__)

INZAGE_NOT_PRIVACY_OFFICER = (
    "Alleen de functionaris gegevensbescherming van dit project beantwoordt inzageverzoeken."
)
INZAGE_BSN_INVALID = "Dit is geen geldig BSN: het moet 9 cijfers zijn en de elfproef doorstaan."
INZAGE_ADDRESS_INVALID = (
    "Dit is geen geldig adres: postcode als 1234 AB, huisnummer 1 tot en met 99999, "
    "huisletter één letter, toevoeging ten hoogste 4 letters of cijfers."
)
INZAGE_NOTHING_ENTERED = "Vul een BSN of een adres in."
INZAGE_RECEIVED_FUTURE = "De datum van ontvangst ligt in de toekomst."
INZAGE_KEY_ROTATED = (
    "Dit verzoek is beantwoord vóór een wissel van de pseudonimiseringssleutel: beantwoord het "
    "verzoek opnieuw om er een bezwaar of correctie bij vast te leggen."
)
LOG_NOT_PRIVACY_OFFICER = "Alleen de functionaris gegevensbescherming leest het verwerkingslog."


@dataclass(frozen=True)
class AddressInput:
    """An address as the privacy officer entered it (never stored)."""

    postcode: str
    huisnummer: str
    huisletter: str = ""
    toevoeging: str = ""


def bsn_normalise(value: str) -> str | None:
    """The 9-digit BSN of `value` (spaces and dots allowed), or None when it fails the
    elfproef (python-stdnum)."""
    try:
        return str(stdnum_bsn.validate(value))
    except StdnumError:
        return None


@sensitive_variables("bsn", "address", "normalised", "key_input")
@transaction.atomic
def inzage_request_answer(
    *,
    actor: User,
    project: Project,
    received_on: date,
    bsn: str | None = None,
    address: AddressInput | None = None,
) -> InzageRequest:
    """Answer an inzageverzoek (art. 15 AVG) for one BSN or one address of `project`.

    Caller must hold handle_privacy_requests (NotPermitted). Raises ApplicationError beside its
    field for an invalid BSN or address. Pseudonymises under the project's current key; after
    the keys were destroyed nothing can be linked and the answer says so. Writes the
    processing log (one record per pseudonym the answer is about) and one Event.
    """
    project_perm_require(
        actor=actor,
        project=project,
        perm=ProjectPerm.HANDLE_PRIVACY_REQUESTS,
        message=INZAGE_NOT_PRIVACY_OFFICER,
    )
    if received_on > timezone.localdate():
        raise ApplicationError(INZAGE_RECEIVED_FUTURE, {"field": "received_on"})
    if bsn:
        subject = InzageSubject.BSN
        normalised = bsn_normalise(bsn)
        if normalised is None:
            raise ApplicationError(INZAGE_BSN_INVALID, {"field": "bsn"})
        key_input = normalised
    elif address is not None:
        subject = InzageSubject.ADDRESS
        normalised = address_key(
            address.postcode, address.huisnummer, address.huisletter, address.toevoeging
        )
        if normalised is None:
            raise ApplicationError(INZAGE_ADDRESS_INVALID, {"field": "postcode"})
        key_input = normalised
    else:
        raise ApplicationError(INZAGE_NOTHING_ENTERED)

    state = selectors.project_key_state(project=project)
    person_key = ""
    address_keys: list[str] = []
    if state.current is not None:
        pseudonymiser = pseudonymiser_for(project=project, version=state.current)
        if subject == InzageSubject.BSN:
            person_key = pseudonymiser.one(Kind.BSN, key_input)
            address_keys = selectors.person_address_keys(project=project, person_key=person_key)
        else:
            address_keys = [pseudonymiser.one(Kind.ADDRESS, key_input)]
    del key_input, normalised, bsn, address  # nothing of the raw value goes further

    answer = selectors.inzage_facts(
        project=project,
        person_key=person_key,
        address_keys=address_keys,
        key_destroyed=state.destroyed,
    )
    request = InzageRequest.objects.create(
        project=project,
        subject=subject,
        person_key=person_key,
        address_keys=address_keys,
        received_on=received_on,
        key_destroyed=state.destroyed,
        key_version=state.current,
        answer=answer,
        requested_by=actor,
    )
    _log(actor=actor, request=request, action="read", name="inzageverzoek beantwoorden")
    event_record(
        actor=actor,
        kind="inzage_request_answered",
        project=project,
        obj=request,
        data={
            "subject": subject,
            "linked": answer["linked"],
            "records": len(answer["records"]),
        },
    )
    logger.info("inzage_request_answered", request_id=request.pk, project_id=project.pk)
    return request


def _log(*, actor: User, request: InzageRequest, action: str, name: str) -> None:
    """One processing-log record per pseudonym of `request` (R21): the person's, then each
    address's, each with its type; one record without a subject when it has none."""
    groups = [
        ([request.person_key], "persoonspseudoniem"),
        (list(request.address_keys), "adrespseudoniem"),
    ]
    written = False
    for subjects, kind in groups:
        subjects = [subject for subject in subjects if subject]
        if subjects:
            processing_log_write(
                actor=actor,
                action=action,
                name=name,
                ground=GROUND_PRIVACY_RIGHTS,
                project=request.project,
                obj=request,
                data_subject_ids=subjects,
                data_subject_id_type=kind,
            )
            written = True
    if not written:
        processing_log_write(
            actor=actor,
            action=action,
            name=name,
            ground=GROUND_PRIVACY_RIGHTS,
            project=request.project,
            obj=request,
        )


def inzage_request_shown(*, actor: User, request: InzageRequest, letter: bool) -> None:
    """Record that the answer of `request` is shown (its page) or downloaded (its letter),
    before it is (R21)."""
    if letter:
        _log(actor=actor, request=request, action="export", name="inzagebrief downloaden")
    else:
        _log(actor=actor, request=request, action="view", name="inzageverzoek inzien")


def processing_log_read_record(*, actor: User, project: Project, export: bool) -> None:
    """Record that the privacy officer reads (or exports) the project's processing log: reading
    the log is a processing itself. Caller must hold handle_privacy_requests."""
    project_perm_require(
        actor=actor,
        project=project,
        perm=ProjectPerm.HANDLE_PRIVACY_REQUESTS,
        message=LOG_NOT_PRIVACY_OFFICER,
    )
    processing_log_write(
        actor=actor,
        action="export" if export else "view",
        name="verwerkingslog exporteren" if export else "verwerkingslog inzien",
        ground=GROUND_PRIVACY_RIGHTS,
        project=project,
        obj=project,
    )


@transaction.atomic
def inzage_objection_record(
    *,
    actor: User,
    request: InzageRequest,
    subject_key: str,
    kind: str,
    description: str,
    received_on: date,
) -> Objection:
    """Record an objection or correction against the person or one address of `request`
    (datasharing.services.objection_record, which checks the permission and the input).
    Raises ApplicationError when `subject_key` is not the request's, or when the project's key
    changed since the request was answered (its address keys would name nothing any more)."""
    if subject_key not in request.subject_keys:
        raise ApplicationError(OBJECTION_NO_SUBJECT, {"field": "subject_key"})
    state = selectors.project_key_state(project=request.project)
    if state.current is None or state.current != request.key_version:
        raise ApplicationError(INZAGE_KEY_ROTATED)
    return objection_record(
        actor=actor,
        project=request.project,
        subject=(
            ObjectionSubject.PERSON
            if subject_key == request.person_key
            else ObjectionSubject.ADDRESS
        ),
        subject_key=subject_key,
        kind=kind,
        description=description,
        received_on=received_on,
    )
