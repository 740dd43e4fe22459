"""Second-factor enrolment through a one-time link (security R8).

A functional administrator issues a link for one person (`enrolment_link_issue`); that person
opens it after their password and confirms a first code from their app
(`enrolment_link_redeem`), which replaces every older device of theirs and hands out recovery
codes. A password alone never enrols a factor. Every change writes one audit event (R7); the
link's token is returned once to the issuer and only its SHA-256 is stored.
"""

import hashlib
import secrets
from dataclasses import dataclass

from django.contrib.auth.models import AbstractUser, AnonymousUser
from django.db import transaction
from django.utils import timezone

import structlog
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from .constants import (
    ENROLMENT_LINK_LIFETIME,
    ENROLMENT_LINK_TRANSITIONS,
    RECOVERY_CODE_COUNT,
    EnrolmentLinkState,
)
from .events import event_record
from .exceptions import ApplicationError, InvalidTransition, NotPermitted
from .models import EnrolmentLink

logger = structlog.get_logger(__name__)

# A person as the lowest layer knows them: Django's user contract, which partners.User fulfils
# (core imports no app above it). Rows are therefore written and looked up by the person's id.
Person = AbstractUser

ENROLMENT_NOT_ADMINISTRATOR = "Alleen een functioneel beheerder kan een koppellink uitgeven."
ENROLMENT_PERSON_INACTIVE = "{persoon} is gedeactiveerd; activeer het account eerst."
ENROLMENT_LINK_INVALID = (
    "Deze koppellink is onbekend, verlopen of al gebruikt. "
    "Vraag de functioneel beheerder om een nieuwe koppellink."
)
ENROLMENT_CODE_INVALID = "Deze code klopt niet. Vul de code van zes cijfers in die uw app nu toont."

TOTP_DEVICE_NAME = "Authenticator-app"
RECOVERY_DEVICE_NAME = "Herstelcodes"
# The permission that makes a staff member a functional administrator for enrolment links.
ISSUE_PERMISSION = "core.add_enrolmentlink"


def enrolment_token_hash(token: str) -> str:
    """The stored form of a link's token. The token carries 256 random bits, so an unkeyed
    SHA-256 cannot be inverted by enumeration (unlike a BSN, security R18)."""
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedEnrolmentLink:
    link: EnrolmentLink
    token: str  # for the issuer's eyes only: never stored, never logged


@dataclass(frozen=True)
class Enrolment:
    device: TOTPDevice
    recovery_codes: list[str]  # shown once; django-otp keeps them until each is used


def _transition(link: EnrolmentLink, target: EnrolmentLinkState) -> None:
    if target not in ENROLMENT_LINK_TRANSITIONS[EnrolmentLinkState(link.state)]:
        raise InvalidTransition(ENROLMENT_LINK_INVALID)
    link.state = target


def _fields_save(instance: EnrolmentLink, *fields: str) -> None:
    """Validate the changed fields (their validators and the constraints over them, style
    rule 6) and UPDATE only those: a whitelisted `model_update`."""
    others = [f.name for f in instance._meta.concrete_fields if f.name not in fields]
    instance.full_clean(exclude=others)
    instance.save(update_fields=list(fields))


def can_issue_enrolment_links(user: Person | AnonymousUser) -> bool:
    """A functional administrator: active staff holding `core.add_enrolmentlink`."""
    return bool(user.is_active and user.is_staff and user.has_perm(ISSUE_PERMISSION))


@transaction.atomic
def enrolment_link_issue(
    *, actor: Person | AnonymousUser | None, person: Person
) -> IssuedEnrolmentLink:
    """A new enrolment link for `person`, valid for 24 hours and once; it supersedes (and
    disarms) the person's open link, if any. Their current devices keep working until the
    new link is redeemed.

    `actor` must be a functional administrator; `None` is the operator at the command line
    (`manage.py enrolment_link_issue`). Raises NotPermitted, ApplicationError.
    """
    if actor is not None and not can_issue_enrolment_links(actor):
        raise NotPermitted(ENROLMENT_NOT_ADMINISTRATOR)
    if not person.is_active:
        raise ApplicationError(ENROLMENT_PERSON_INACTIVE.format(persoon=person))
    superseded = list(
        EnrolmentLink.objects.select_for_update().filter(
            person_id=person.pk, state=EnrolmentLinkState.OPEN
        )
    )
    for old in superseded:
        _transition(old, EnrolmentLinkState.SUPERSEDED)
        _fields_save(old, "state")
        # The authenticator prepared for the old link was never confirmed: drop its secret.
        TOTPDevice.objects.filter(pk=old.device_id, confirmed=False).delete()
    # The authenticator to be set up, made now so that every opening of the link shows the
    # same QR code; it is unconfirmed, so the OTP step does not accept it (match_token).
    device = TOTPDevice.objects.create(user=person, name=TOTP_DEVICE_NAME, confirmed=False)
    token = secrets.token_urlsafe(32)
    link = EnrolmentLink(
        person_id=person.pk,
        token_hash=enrolment_token_hash(token),
        issued_by_id=actor.pk if actor is not None else None,
        expires_at=timezone.now() + ENROLMENT_LINK_LIFETIME,
        device=device,
    )
    link.full_clean()
    link.save()
    event_record(
        actor=actor,
        kind="enrolment_link_issued",
        obj=link,
        to_state=EnrolmentLinkState.OPEN,
        data={
            "person": person.pk,
            "issued_by": actor.pk if actor is not None else None,
            "expires_at": link.expires_at.isoformat(),
            "superseded_links": [old.pk for old in superseded],
        },
    )
    logger.info("enrolment_link_issued", link_id=link.pk, person_id=person.pk)
    return IssuedEnrolmentLink(link=link, token=token)


def _usable_link_locked(*, actor: Person, pk: int) -> tuple[EnrolmentLink, TOTPDevice]:
    """The link, locked for this transaction, and the authenticator it sets up, if it is the
    actor's, open and unexpired."""
    link = (
        EnrolmentLink.objects.select_related("device")
        .select_for_update(of=("self",))
        .filter(pk=pk, person_id=actor.pk)
        .first()
    )
    if (
        link is None
        or link.state != EnrolmentLinkState.OPEN
        or link.expires_at <= timezone.now()
        or link.device is None
    ):
        raise ApplicationError(ENROLMENT_LINK_INVALID)
    return link, link.device


def _recovery_codes_replace(*, person: Person) -> list[str]:
    StaticDevice.objects.filter(user=person).delete()
    device = StaticDevice.objects.create(user=person, name=RECOVERY_DEVICE_NAME, confirmed=True)
    codes: set[str] = set()
    while len(codes) < RECOVERY_CODE_COUNT:
        codes.add(StaticToken.random_token())
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return sorted(codes)


def enrolment_link_redeem(*, actor: Person, link: EnrolmentLink, code: str) -> Enrolment:
    """Confirm the authenticator of `link` with a first code from the app: the link is used,
    every other device of the person (old phone, old recovery codes) is removed, and new
    recovery codes are made and returned (to be shown once).

    The link row is locked (select_for_update): of two redeems at once, the second waits and
    then finds the link used. Raises ApplicationError(ENROLMENT_LINK_INVALID) for a link that
    is not the actor's, expired, used or superseded, and ApplicationError(ENROLMENT_CODE_INVALID)
    for a wrong code, raised only after the transaction has committed the device's throttling
    (R9): a rolled-back failure would let a guesser try codes unthrottled.
    """
    with transaction.atomic():
        link, device = _usable_link_locked(actor=actor, pk=link.pk)
        code_accepted = device.verify_token(code.strip())
        if code_accepted:
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            _total, deleted = TOTPDevice.objects.filter(user=actor).exclude(pk=device.pk).delete()
            replaced = deleted.get(TOTPDevice._meta.label, 0)
            recovery_codes = _recovery_codes_replace(person=actor)
            _transition(link, EnrolmentLinkState.USED)
            link.used_at = timezone.now()
            _fields_save(link, "state", "used_at")
            event_record(
                actor=actor,
                kind="enrolment_link_redeemed",
                obj=link,
                from_state=EnrolmentLinkState.OPEN,
                to_state=EnrolmentLinkState.USED,
                data={
                    "person": actor.pk,
                    "device": device.pk,
                    "replaced_totp_devices": replaced,
                    "recovery_codes": RECOVERY_CODE_COUNT,
                },
            )
    if not code_accepted:
        logger.info("enrolment_code_refused", link_id=link.pk, person_id=actor.pk)
        raise ApplicationError(ENROLMENT_CODE_INVALID, extra={"field": "token"})
    logger.info("enrolment_link_redeemed", link_id=link.pk, person_id=actor.pk)
    return Enrolment(device=device, recovery_codes=recovery_codes)
