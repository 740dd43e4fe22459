"""The owner view's writes (issue 12.4): re-identifying an owner under four eyes — a request
with a reason by one person, a decision by another, the projectleider — each showing of the
owner's id logged first (R20/R21); and one 'signaal RIEC' referral that bundles the findings
of an owner's addresses, to the RIEC when it takes part.

The owner's id is read from the owner vault (datasharing.pseudonymisation.owner_vault_lookup),
sealed at intake: the eigendom records hold only pseudonyms.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

import structlog

from datasharing.pseudonymisation import owner_vault_lookup
from partners.constants import OrganisationKind
from partners.models import User
from projects.constants import ProjectPerm
from projects.models import Project
from projects.selectors import project_perm_require, user_has_project_perm
from wijkaanpak.core.events import event_record
from wijkaanpak.core.exceptions import ApplicationError, InvalidTransition, NotPermitted
from wijkaanpak.core.processing_log import processing_log_write
from wijkaanpak.core.transitions import transition_require

from ..constants import OWNER_REVEAL_TRANSITIONS, OwnerRevealStatus, ReferralKind
from ..models import OwnerRevealRequest, Referral
from ..selectors.owners import owner_get
from ..selectors.referrals import referral_targets

logger = structlog.get_logger(__name__)

NOT_ALLOWED_REQUEST = "U mag voor dit project niet vragen om een eigenaar te herleiden."
NOT_ALLOWED_DECIDE = "Alleen de projectleider mag een verzoek om herleiding goedkeuren of afwijzen."
NOT_ALLOWED_SHOW = "Alleen de projectleider en wie het verzoek deed mogen de eigenaar zien."
NOT_ALLOWED_SIGNAL = "Alleen de projectleider mag een signaal aan het RIEC sturen."
REASON_REQUIRED = "Geef een reden op."
ALREADY_REQUESTED = "Voor deze eigenaar loopt al een verzoek om herleiding."
OWN_REQUEST = (
    "U kunt uw eigen verzoek niet beoordelen: daarvoor is een tweede persoon nodig (vier ogen)."
)
ALREADY_DECIDED = "Over dit verzoek is al besloten."
NOT_APPROVED = "Alleen na een goedgekeurd verzoek wordt de eigenaar herleid."
OWNER_NOT_IN_VAULT = (
    "De eigenaar kan niet worden herleid: die staat niet (meer) in de eigenaarkluis."
)
NO_RIEC = (
    "Het RIEC neemt niet deel aan dit project met een geldig convenant; voeg het eerst toe als "
    "partner."
)


def _reason(reason: str, field: str = "reason") -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(REASON_REQUIRED, {"field": field})
    return reason


@transaction.atomic
def owner_reveal_request(
    *, actor: User, project: Project, owner_key: str, reason: str
) -> OwnerRevealRequest:
    """Ask to re-identify an owner of the owner view (VIEW_PSEUDONYMISED), with a reason; one
    open request per owner. Raises NotPermitted, Http404 (not in the view), ApplicationError."""
    project_perm_require(
        actor=actor,
        project=project,
        perm=ProjectPerm.VIEW_PSEUDONYMISED,
        message=NOT_ALLOWED_REQUEST,
    )
    reason = _reason(reason)
    owner = owner_get(project=project, owner_key=owner_key)
    try:
        with transaction.atomic():
            request = OwnerRevealRequest.objects.create(
                project=project,
                owner_key=owner.owner_key,
                owner_kind=owner.owner_kind,
                reason=reason,
                requested_by=actor,
            )
    except IntegrityError:
        raise ApplicationError(ALREADY_REQUESTED) from None
    event_record(
        actor=actor,
        kind="owner_reveal_requested",
        project=project,
        obj=request,
        to_state=request.status,
        reason=reason,
    )
    return request


@transaction.atomic
def owner_reveal_decide(
    *, actor: User, request: OwnerRevealRequest, approve: bool, reason: str
) -> OwnerRevealRequest:
    """The projectleider (APPROVE_SELECTION), not the requester, approves or rejects a request
    (OWNER_REVEAL_TRANSITIONS; four eyes, also a CHECK constraint)."""
    project = request.project
    project_perm_require(
        actor=actor, project=project, perm=ProjectPerm.APPROVE_SELECTION, message=NOT_ALLOWED_DECIDE
    )
    reason = _reason(reason, "decision_reason")
    locked = OwnerRevealRequest.objects.select_for_update().get(pk=request.pk)
    if locked.requested_by_id == actor.pk:
        raise NotPermitted(OWN_REQUEST)
    target = OwnerRevealStatus.GOEDGEKEURD if approve else OwnerRevealStatus.AFGEWEZEN
    transition_require(OWNER_REVEAL_TRANSITIONS, locked.status, target, message=ALREADY_DECIDED)
    from_state = locked.status
    locked.status = target
    locked.decided_by = actor
    locked.decided_at = timezone.now()
    locked.decision_reason = reason
    locked.full_clean()
    locked.save()
    event_record(
        actor=actor,
        kind="owner_reveal_decided",
        project=project,
        obj=locked,
        from_state=from_state,
        to_state=target,
        reason=reason,
    )
    return locked


def owner_reveal_may_show(*, actor: User, request: OwnerRevealRequest) -> bool:
    """The projectleider (APPROVE_SELECTION) and the requester (still VIEW_PSEUDONYMISED)."""
    project = request.project
    if user_has_project_perm(user=actor, project=project, perm=ProjectPerm.APPROVE_SELECTION):
        return True
    return request.requested_by_id == actor.pk and user_has_project_perm(
        user=actor, project=project, perm=ProjectPerm.VIEW_PSEUDONYMISED
    )


@transaction.atomic
def owner_reveal_show(*, actor: User, request: OwnerRevealRequest) -> str:
    """The owner's real id (BSN or kvk_nummer) of an approved request, logged first with who
    and why (ground reidentification, R20/R21). Raises NotPermitted, InvalidTransition (not
    approved) or ApplicationError (not in the vault, key destroyed)."""
    if not owner_reveal_may_show(actor=actor, request=request):
        raise NotPermitted(NOT_ALLOWED_SHOW)
    if request.status != OwnerRevealStatus.GOEDGEKEURD:
        raise InvalidTransition(NOT_APPROVED)
    processing_log_write(
        actor=actor,
        action="reidentify",
        name="eigenaar herleiden (vier ogen goedgekeurd)",
        ground="reidentification",
        project=request.project,
        obj=request,
        data_subject_ids=[request.owner_key],
        data_subject_id_type="eigenaarpseudoniem",
    )
    owner_id = owner_vault_lookup(project=request.project, owner_key=request.owner_key)
    if owner_id is None:
        raise ApplicationError(OWNER_NOT_IN_VAULT)
    return owner_id


@transaction.atomic
def owner_signal_riec(*, actor: User, project: Project, owner_key: str, note: str = "") -> Referral:
    """One 'signaal RIEC' referral to the RIEC (taking part with a valid convenant) that bundles
    the findings of every address of the owner (PLAN_CONTROLS). One Event, one log record per
    address."""
    project_perm_require(
        actor=actor, project=project, perm=ProjectPerm.PLAN_CONTROLS, message=NOT_ALLOWED_SIGNAL
    )
    owner = owner_get(project=project, owner_key=owner_key)
    riec = referral_targets(project=project).filter(kind=OrganisationKind.RIEC).first()
    if riec is None:
        raise ApplicationError(NO_RIEC)
    findings = owner.findings
    addresses = sorted({visit.address_key for visit in owner.visits})
    text = (note or "").strip() or (
        f"Eigenaar {owner.pseudonym} ({owner.soort}) heeft {len(addresses)} adressen in het "
        f"project met {len(findings)} bevindingen."
    )
    referral = Referral(
        project=project,
        finding=None,
        kind=ReferralKind.SIGNAAL_RIEC,
        organisation=riec,
        note=text,
        due_on=timezone.localdate() + timedelta(weeks=project.referral_term_weeks),
        created_by=actor,
    )
    referral.full_clean()
    referral.save()
    referral.bundled_findings.set(findings)
    processing_log_write(
        actor=actor,
        action="create",
        name="signaal RIEC versturen (eigenaar met meerdere adressen)",
        ground="control",
        project=project,
        obj=referral,
        data_subject_ids=addresses,
        data_subject_id_type="adrespseudoniem",
    )
    event_record(
        actor=actor,
        kind="referral_sent",
        project=project,
        obj=referral,
        to_state=referral.status,
        data={
            "organisation": riec.pk,
            "kind": ReferralKind.SIGNAAL_RIEC,
            "findings": len(findings),
        },
    )
    logger.info("riec_signal_sent", referral_id=referral.pk, project_id=project.pk)
    return referral
