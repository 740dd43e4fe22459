"""Objections and corrections (issue 15 item 4): recorded and settled by the privacy officer."""

from datetime import date

from django.db import transaction
from django.utils import timezone

from datasharing.constants import (
    OBJECTION_TRANSITIONS,
    ObjectionKind,
    ObjectionStatus,
    ObjectionSubject,
)
from datasharing.models import KEY_LENGTH, Objection
from partners.models import User
from projects.constants import ProjectPerm
from projects.models import Project
from projects.selectors import project_perm_require
from wijkaanpak.core.events import event_record
from wijkaanpak.core.exceptions import ApplicationError
from wijkaanpak.core.transitions import transition_require

OBJECTION_NOT_PRIVACY_OFFICER = (
    "Alleen de functionaris gegevensbescherming van dit project legt bezwaren en correcties vast."
)
OBJECTION_NO_DESCRIPTION = "Beschrijf het bezwaar of de correctie."
OBJECTION_UNKNOWN_KIND = "Kies bezwaar of correctie."
OBJECTION_NO_SUBJECT = "Er is geen adres of persoon om het bezwaar aan te koppelen."
OBJECTION_FUTURE = "De datum ligt in de toekomst."
OBJECTION_NO_OUTCOME = "Vermeld de uitkomst."
OBJECTION_ALREADY_HANDLED = "Dit bezwaar of deze correctie is al afgehandeld."


@transaction.atomic
def objection_record(
    *,
    actor: User,
    project: Project,
    subject: str,
    subject_key: str,
    kind: str,
    description: str,
    received_on: date,
) -> Objection:
    """Record an objection or correction against an address key or person pseudonym of
    `project`. Caller must hold handle_privacy_requests (NotPermitted otherwise); raises
    ApplicationError (beside its field) for a missing description, kind or date in the future."""
    project_perm_require(
        actor=actor,
        project=project,
        perm=ProjectPerm.HANDLE_PRIVACY_REQUESTS,
        message=OBJECTION_NOT_PRIVACY_OFFICER,
    )
    if subject not in ObjectionSubject.values or len(subject_key) != KEY_LENGTH:
        raise ApplicationError(OBJECTION_NO_SUBJECT)
    if kind not in ObjectionKind.values:
        raise ApplicationError(OBJECTION_UNKNOWN_KIND, {"field": "kind"})
    if not description.strip():
        raise ApplicationError(OBJECTION_NO_DESCRIPTION, {"field": "description"})
    if received_on > timezone.localdate():
        raise ApplicationError(OBJECTION_FUTURE, {"field": "received_on"})
    objection = Objection(
        project=project,
        subject=subject,
        address_key=subject_key if subject == ObjectionSubject.ADDRESS else "",
        person_key=subject_key if subject == ObjectionSubject.PERSON else "",
        kind=kind,
        description=description.strip(),
        received_on=received_on,
        recorded_by=actor,
    )
    objection.full_clean()
    objection.save()
    event_record(
        actor=actor,
        kind="objection_recorded",
        project=project,
        obj=objection,
        to_state=ObjectionStatus.OPEN,
        data={"kind": kind, "subject": subject},
    )
    return objection


@transaction.atomic
def objection_resolve(*, actor: User, objection: Objection, outcome: str) -> Objection:
    """Settle an open objection with its outcome (open → afgehandeld, one Event). Caller must
    hold handle_privacy_requests; raises InvalidTransition when it was settled already."""
    objection = Objection.objects.select_for_update().get(pk=objection.pk)
    project_perm_require(
        actor=actor,
        project=objection.project,
        perm=ProjectPerm.HANDLE_PRIVACY_REQUESTS,
        message=OBJECTION_NOT_PRIVACY_OFFICER,
    )
    transition_require(
        OBJECTION_TRANSITIONS,
        objection.status,
        ObjectionStatus.AFGEHANDELD,
        message=OBJECTION_ALREADY_HANDLED,
    )
    if not outcome.strip():
        raise ApplicationError(OBJECTION_NO_OUTCOME, {"field": "outcome"})
    previous = objection.status
    objection.status = ObjectionStatus.AFGEHANDELD
    objection.outcome = outcome.strip()
    objection.handled_by = actor
    objection.handled_at = timezone.now()
    objection.full_clean()
    objection.save(update_fields=["status", "outcome", "handled_by", "handled_at"])
    event_record(
        actor=actor,
        kind="objection_resolved",
        project=objection.project,
        obj=objection,
        from_state=previous,
        to_state=objection.status,
    )
    return objection
