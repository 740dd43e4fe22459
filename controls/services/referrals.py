"""Referrals (doorverwijzingen): sending one from a finding, and the addressed partner's moves
through REFERRAL_TRANSITIONS — ontvangen, in behandeling, teruggelegd, afgehandeld with its
outcome — each atomic, on a locked row, with one Event (style rules 9–11, R29).

Who: the projectleider (PLAN_CONTROLS) or an inspector of the visit's team (RECORD_VISITS)
sends; only a behandelaar (HANDLE_REFERRALS) of the organisation the referral is addressed to
moves it on. A referral goes only to an organisation that takes part in the project with a
convenant in force. `referrals_mark_overdue` is the scheduled task's service.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone

import structlog

from partners.models import Organisation, User
from projects.constants import ProjectPerm
from projects.selectors import project_perm_require
from wijkaanpak.core.events import event_record
from wijkaanpak.core.exceptions import ApplicationError, InvalidTransition, NotPermitted
from wijkaanpak.core.processing_log import processing_log_write
from wijkaanpak.core.transitions import transition_require

from ..constants import (
    OUTCOMES_WITH_AMOUNT,
    OUTCOMES_WITH_REASON,
    REFERRAL_OPEN_STATUSES,
    REFERRAL_TRANSITIONS,
    BrpCorrection,
    OutcomeKind,
    ReferralKind,
    ReferralStatus,
)
from ..models import Finding, Referral, ReferralOutcome
from ..selectors.referrals import finding_may_send, referral_open_for, referral_targets

logger = structlog.get_logger(__name__)

NOT_ALLOWED_SEND = (
    "Alleen de projectleider of een inspecteur van het team dat dit adres bezocht mag "
    "doorverwijzen."
)
NOT_A_TARGET = (
    "Deze organisatie neemt niet (meer) deel aan het project of heeft geen geldig convenant; "
    "een doorverwijzing kan alleen naar een deelnemende partner met een geldig convenant."
)
UNKNOWN_KIND = "Kies een soort doorverwijzing."
ALREADY_REFERRED = "Deze bevinding is al naar {organisation} doorverwezen en staat daar nog open."
NOT_ADDRESSED = (
    "Alleen een behandelaar van de organisatie waaraan deze doorverwijzing is gericht mag dit doen."
)
NOT_FROM_STATUS = "Dat kan niet: de doorverwijzing is {status}."
VERSION_CHANGED = (
    "Iemand anders heeft deze doorverwijzing intussen gewijzigd. Bekijk de nieuwe stand en "
    "probeer het opnieuw."
)
RETURN_REASON_REQUIRED = "Geef aan waarom u de doorverwijzing teruglegt."
OUTCOME_REQUIRED = "Kies de uitkomst."
AMOUNT_REQUIRED = "Vul het bedrag in euro's in (groter dan 0) bij een terugvordering of boete."
AMOUNT_INVALID = "Vul een bedrag in euro's in, bijvoorbeeld 1250,00."
BRP_CORRECTION_REQUIRED = "Kies welke BRP-correctie is gedaan."
NOT_ONTVANKELIJK_REASON_REQUIRED = "Geef de reden waarom de doorverwijzing niet-ontvankelijk is."
AMOUNT_MAX = Decimal("9999999999.99")
CENT = Decimal("0.01")


def _due_on(project_term_weeks: int, today: date) -> date:
    return today + timedelta(weeks=project_term_weeks)


@transaction.atomic
def referral_create(
    *,
    actor: User,
    finding: Finding,
    kind: str,
    organisation: Organisation,
    unit: str = "",
    note: str = "",
) -> Referral:
    """Send a referral of `finding` to `organisation` (one that takes part with a convenant in
    force), due the project's referral term from today. Raises NotPermitted (not the
    projectleider nor an inspector of the visit's team) or ApplicationError beside its field."""
    visit = finding.visit
    project = visit.project
    if not finding_may_send(user=actor, finding=finding):
        raise NotPermitted(NOT_ALLOWED_SEND)
    if kind not in ReferralKind.values:
        raise ApplicationError(UNKNOWN_KIND, {"field": "kind"})
    if not referral_targets(project=project).filter(pk=organisation.pk).exists():
        raise ApplicationError(NOT_A_TARGET, {"field": "organisation"})
    # One open referral per finding and organisation; the finding's row lock serialises two
    # senders of the same finding (R29).
    Finding.objects.select_for_update().filter(pk=finding.pk).order_by("pk").first()
    if referral_open_for(finding=finding, organisation=organisation) is not None:
        raise ApplicationError(
            ALREADY_REFERRED.format(organisation=organisation.name), {"field": "organisation"}
        )
    today = timezone.localdate()
    referral = Referral(
        project=project,
        finding=finding,
        kind=kind,
        organisation=organisation,
        unit=unit.strip(),
        note=note.strip(),
        due_on=_due_on(project.referral_term_weeks, today),
        created_by=actor,
    )
    referral.full_clean()
    referral.save()
    processing_log_write(
        actor=actor,
        action="create",
        name="doorverwijzing versturen",
        ground="control",
        project=project,
        obj=referral,
        data_subject_ids=[visit.address_key],
        data_subject_id_type="adrespseudoniem",
    )
    event_record(
        actor=actor,
        kind="referral_sent",
        project=project,
        obj=referral,
        to_state=referral.status,
        data={"finding": finding.pk, "organisation": organisation.pk, "kind": kind},
    )
    logger.info("referral_sent", referral_id=referral.pk, project_id=project.pk)
    return referral


def _locked_for_handler(
    *, actor: User, referral: Referral, target: ReferralStatus, expected_version: int | None
) -> Referral:
    """The referral's row, locked, after the handler and transition checks."""
    project_perm_require(
        actor=actor,
        project=referral.project,
        perm=ProjectPerm.HANDLE_REFERRALS,
        message=NOT_ADDRESSED,
    )
    locked = Referral.objects.select_for_update().get(pk=referral.pk)
    locked.project = referral.project
    if actor.organisation_id != locked.organisation_id:
        raise NotPermitted(NOT_ADDRESSED)
    if expected_version is not None and expected_version != locked.version:
        raise InvalidTransition(VERSION_CHANGED)
    transition_require(
        REFERRAL_TRANSITIONS,
        locked.status,
        target,
        message=NOT_FROM_STATUS.format(status=locked.get_status_display().lower()),
    )
    return locked


def _move(
    *,
    actor: User,
    referral: Referral,
    target: ReferralStatus,
    kind: str,
    reason: str = "",
    data: dict[str, object] | None = None,
    fields: tuple[str, ...] = (),
) -> Referral:
    from_state = referral.status
    referral.status = target
    referral.version += 1
    referral.save(update_fields=["status", "version", "updated_at", *fields])
    event_record(
        actor=actor,
        kind=kind,
        project=referral.project,
        obj=referral,
        from_state=from_state,
        to_state=target,
        reason=reason,
        data=data,
    )
    logger.info(kind, referral_id=referral.pk, project_id=referral.project_id)
    return referral


@transaction.atomic
def referral_receive(
    *, actor: User, referral: Referral, expected_version: int | None = None
) -> Referral:
    """The addressed organisation's behandelaar acknowledges receipt (verzonden → ontvangen)."""
    locked = _locked_for_handler(
        actor=actor,
        referral=referral,
        target=ReferralStatus.ONTVANGEN,
        expected_version=expected_version,
    )
    locked.received_at = timezone.now()
    return _move(
        actor=actor,
        referral=locked,
        target=ReferralStatus.ONTVANGEN,
        kind="referral_received",
        fields=("received_at",),
    )


@transaction.atomic
def referral_start(
    *, actor: User, referral: Referral, expected_version: int | None = None
) -> Referral:
    """A behandelaar takes the referral in behandeling (ontvangen → in behandeling) and
    becomes its handler."""
    locked = _locked_for_handler(
        actor=actor,
        referral=referral,
        target=ReferralStatus.IN_BEHANDELING,
        expected_version=expected_version,
    )
    locked.handled_by = actor
    return _move(
        actor=actor,
        referral=locked,
        target=ReferralStatus.IN_BEHANDELING,
        kind="referral_started",
        fields=("handled_by",),
    )


@transaction.atomic
def referral_return(
    *, actor: User, referral: Referral, reason: str, expected_version: int | None = None
) -> Referral:
    """Hand the referral back to the projectleider with a reason (any open state →
    teruggelegd); the projectleider may then send a new one elsewhere."""
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(RETURN_REASON_REQUIRED, {"field": "reason"})
    locked = _locked_for_handler(
        actor=actor,
        referral=referral,
        target=ReferralStatus.TERUGGELEGD,
        expected_version=expected_version,
    )
    locked.return_reason = reason
    locked.closed_at = timezone.now()
    if locked.handled_by_id is None:
        locked.handled_by = actor
    return _move(
        actor=actor,
        referral=locked,
        target=ReferralStatus.TERUGGELEGD,
        kind="referral_returned",
        reason=reason,
        fields=("return_reason", "closed_at", "handled_by"),
    )


def _amount(value: object) -> Decimal | None:
    """A euro amount from a Decimal, a number or text ('1250,50', '1.250,50' or '1250.50')."""
    if value is None or value == "":
        return None
    if isinstance(value, Decimal):
        amount = value
    else:
        text = str(value).strip()
        if "," in text:
            text = text.replace(".", "").replace(",", ".")
        try:
            amount = Decimal(text)
        except InvalidOperation:
            raise ApplicationError(AMOUNT_INVALID, {"field": "amount"}) from None
    if not amount.is_finite() or amount > AMOUNT_MAX or amount != amount.quantize(CENT):
        raise ApplicationError(AMOUNT_INVALID, {"field": "amount"})
    return amount


def outcome_clean(
    *, outcome: str, amount: object, brp_correction: str, reason: str
) -> tuple[OutcomeKind, Decimal | None, str, str]:
    """The outcome rules: an amount (> 0) for terugvordering and boete, which correction for
    a BRP-correctie, a reason for niet-ontvankelijk. ApplicationError beside the field."""
    if outcome not in OutcomeKind.values:
        raise ApplicationError(OUTCOME_REQUIRED, {"field": "outcome"})
    kind = OutcomeKind(outcome)
    value = _amount(amount) if kind in OUTCOMES_WITH_AMOUNT else None
    if kind in OUTCOMES_WITH_AMOUNT and (value is None or value <= 0):
        raise ApplicationError(AMOUNT_REQUIRED, {"field": "amount"})
    correction = (brp_correction or "").strip() if kind == OutcomeKind.BRP_CORRECTIE else ""
    if kind == OutcomeKind.BRP_CORRECTIE and correction not in BrpCorrection.values:
        raise ApplicationError(BRP_CORRECTION_REQUIRED, {"field": "brp_correction"})
    reason = (reason or "").strip()
    if kind in OUTCOMES_WITH_REASON and not reason:
        raise ApplicationError(NOT_ONTVANKELIJK_REASON_REQUIRED, {"field": "reason"})
    return kind, value, correction, reason


@transaction.atomic
def referral_complete(
    *,
    actor: User,
    referral: Referral,
    outcome: str,
    amount: object = None,
    brp_correction: str = "",
    reason: str = "",
    expected_version: int | None = None,
) -> Referral:
    """Record the outcome and close the referral (in behandeling → afgehandeld). The rules of
    `outcome_clean` apply; only a behandelaar of the addressed organisation may do it."""
    kind, value, correction, reason = outcome_clean(
        outcome=outcome, amount=amount, brp_correction=brp_correction, reason=reason
    )
    locked = _locked_for_handler(
        actor=actor,
        referral=referral,
        target=ReferralStatus.AFGEHANDELD,
        expected_version=expected_version,
    )
    result = ReferralOutcome(
        referral=locked,
        kind=kind,
        amount=value,
        brp_correction=correction,
        reason=reason,
        recorded_by=actor,
    )
    result.full_clean()
    result.save()
    locked.closed_at = timezone.now()
    if locked.handled_by_id is None:
        locked.handled_by = actor
    return _move(
        actor=actor,
        referral=locked,
        target=ReferralStatus.AFGEHANDELD,
        kind="referral_completed",
        reason=reason,
        data={
            "outcome": kind.value,
            "amount": str(value) if value is not None else "",
            "brp_correction": correction,
        },
        fields=("closed_at", "handled_by"),
    )


@transaction.atomic
def referrals_mark_overdue(*, today: date | None = None) -> int:
    """Mark every open referral past its term (due_on before `today`) overdue, once, with one
    Event each (the scheduled task's service; no actor). Returns how many were marked."""
    today = today or timezone.localdate()
    due = list(
        Referral.objects.select_for_update()
        .filter(status__in=list(REFERRAL_OPEN_STATUSES), due_on__lt=today, is_overdue=False)
        .order_by("pk")
    )
    for referral in due:
        referral.is_overdue = True
        referral.save(update_fields=["is_overdue", "updated_at"])
        event_record(
            actor=None,
            kind="referral_overdue",
            project=referral.project,
            obj=referral,
            from_state=referral.status,
            to_state=referral.status,
            data={"due_on": referral.due_on.isoformat()},
        )
    if due:
        logger.info("referrals_marked_overdue", count=len(due))
    return len(due)
