"""Four-eyes selection: an analist proposes, another person (the projectleider) decides
(PROPOSAL_TRANSITIONS, R6); closing the selection starts the retention periods."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

import structlog

from partners.models import User
from projects.constants import ProjectPerm
from projects.models import Project
from projects.selectors import project_perm_require
from wijkaanpak.core.events import event_record
from wijkaanpak.core.exceptions import ApplicationError, InvalidTransition, NotPermitted
from wijkaanpak.core.transitions import transition_require

from ..constants import (
    PROPOSAL_TRANSITIONS,
    ProposalStatus,
    ResultStatus,
)
from ..indicators.registry import INDICATORS
from ..models import (
    MatchingRun,
    RiskAddress,
    SelectionClosure,
    SelectionProposal,
)

logger = structlog.get_logger(__name__)

NOT_ALLOWED_PROPOSE = "U mag voor dit project geen adressen voordragen."

NOT_ALLOWED_DECIDE = "Alleen de projectleider mag een voordracht goedkeuren of afwijzen."

NOT_ALLOWED_CLOSE = "Alleen de projectleider mag de selectie sluiten."

REASON_REQUIRED = "Geef een reden op."

NOT_CURRENT_RUN = "Dit adres hoort niet bij de huidige matchingrun."

NOT_A_RISK_ADDRESS = "Alleen risicoadressen kunnen worden voorgedragen."

ALREADY_PROPOSED = "Dit adres is al voorgedragen of geselecteerd."

WHAT_CHANGED_REQUIRED = (
    "Dit adres is eerder afgewezen. Schrijf op wat er sinds die afwijzing is veranderd."
)

# How the answer to "what changed" is kept: in the proposal's reason, after the reason itself.
WHAT_CHANGED_IN_REASON = "{reason}\n\nWat is er veranderd sinds de afwijzing van {datum}: {wat}"

OWN_PROPOSAL = (
    "U kunt uw eigen voordracht niet beoordelen: daarvoor is een tweede persoon nodig (vier ogen)."
)

ALREADY_DECIDED = "Over deze voordracht is al besloten."

SELECTION_CLOSED = "De selectie van dit project is gesloten."

SELECTION_ALREADY_CLOSED = "De selectie is al gesloten."

NOTHING_APPROVED = "Er is nog geen goedgekeurd adres; de selectie kan niet worden gesloten."


def _selection_open(project: Project) -> None:
    if SelectionClosure.objects.filter(project=project).exists():
        raise InvalidTransition(SELECTION_CLOSED)


def reason_required(reason: str, field: str = "reason") -> str:
    """The stripped reason; ApplicationError(REASON_REQUIRED) beside `field` when empty."""
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(REASON_REQUIRED, {"field": field})
    return reason


@transaction.atomic
def selection_propose(
    *, actor: User, risk_address: RiskAddress, reason: str, what_changed: str = ""
) -> SelectionProposal:
    """An analyst proposes a risk address of the current run, with a reason.

    An address rejected before needs `what_changed` as well (ApplicationError
    WHAT_CHANGED_REQUIRED beside the field otherwise): it is kept in the reason, and the
    snapshot names the rejection it answers.
    """
    run = risk_address.run
    project = run.project
    project_perm_require(
        actor=actor,
        project=project,
        perm=ProjectPerm.PROPOSE_SELECTION,
        message=NOT_ALLOWED_PROPOSE,
    )
    reason = reason_required(reason)
    Project.objects.select_for_update().filter(pk=project.pk).first()
    # Read again under the lock: a key rotation may have re-keyed the address meanwhile.
    risk_address = RiskAddress.objects.get(pk=risk_address.pk)
    _selection_open(project)
    if not MatchingRun.objects.filter(pk=run.pk, is_current=True).exists():
        raise InvalidTransition(NOT_CURRENT_RUN)
    if not risk_address.is_risk:
        raise InvalidTransition(NOT_A_RISK_ADDRESS)
    if SelectionProposal.objects.filter(
        project=project,
        address_key=risk_address.address_key,
        status__in=[ProposalStatus.PROPOSED, ProposalStatus.APPROVED],
    ).exists():
        raise InvalidTransition(ALREADY_PROPOSED)
    rejection = (
        SelectionProposal.objects.filter(
            project=project,
            address_key=risk_address.address_key,
            status=ProposalStatus.REJECTED,
        )
        .select_related("decided_by")
        .order_by("-decided_at", "-id")
        .first()
    )
    if rejection is not None:
        what_changed = (what_changed or "").strip()
        if not what_changed:
            raise ApplicationError(WHAT_CHANGED_REQUIRED, {"field": "what_changed"})
        decided_at = timezone.localtime(rejection.decided_at) if rejection.decided_at else None
        reason = WHAT_CHANGED_IN_REASON.format(
            reason=reason,
            datum=decided_at.strftime("%d-%m-%Y") if decided_at else "eerder",
            wat=what_changed,
        )
    snapshot = {
        "run": run.pk,
        "score": risk_address.score,
        "risk_threshold": run.settings_snapshot.get("risk_threshold"),
        "fired": [
            {
                "code": code,
                "name": INDICATORS[code].name,
                "figures": risk_address.results.get(code, {}).get("figures", {}),
                "explanation": risk_address.results.get(code, {}).get("explanation", ""),
                "weight": run.settings_snapshot.get("weights", {}).get(code),
            }
            for code in risk_address.fired
        ],
        "not_evaluated": sorted(
            set(run.not_evaluated)
            | {
                c
                for c, r in risk_address.results.items()
                if r.get("status") == ResultStatus.NOT_EVALUATED
            }
        ),
        "settings": run.settings_snapshot,
        "deliveries": [
            {k: d[k] for k in ("id", "source", "organisation", "content_hash")}
            for d in run.deliveries_used
        ],
        "software_version": run.software_version,
        "peildatum": run.peildatum.isoformat(),
    }
    if rejection is not None:
        snapshot["previous_rejection"] = {
            "proposal": rejection.pk,
            "decided_by": str(rejection.decided_by),
            "decided_at": rejection.decided_at.isoformat() if rejection.decided_at else None,
            "decision_reason": rejection.decision_reason,
            "what_changed": what_changed,
        }
    try:
        with transaction.atomic():
            proposal = SelectionProposal.objects.create(
                project=project,
                run=run,
                risk_address=risk_address,
                address_key=risk_address.address_key,
                pseudonym=risk_address.pseudonym,
                buurtcode=risk_address.buurtcode,
                snapshot=snapshot,
                proposed_by=actor,
                reason=reason,
            )
    except IntegrityError as error:
        raise InvalidTransition(ALREADY_PROPOSED) from error
    event_record(
        actor=actor,
        kind="selection_proposed",
        project=project,
        obj=proposal,
        to_state=ProposalStatus.PROPOSED,
        reason=reason,
    )
    return proposal


@transaction.atomic
def selection_decide(
    *, actor: User, proposal: SelectionProposal, approve: bool, reason: str
) -> SelectionProposal:
    """The projectleider, another person than the proposer, approves or rejects (R6, R29)."""
    project = proposal.project
    project_perm_require(
        actor=actor, project=project, perm=ProjectPerm.APPROVE_SELECTION, message=NOT_ALLOWED_DECIDE
    )
    reason = reason_required(reason, "decision_reason")
    proposal = SelectionProposal.objects.select_for_update().get(pk=proposal.pk)
    target = ProposalStatus.APPROVED if approve else ProposalStatus.REJECTED
    transition_require(PROPOSAL_TRANSITIONS, proposal.status, target, message=ALREADY_DECIDED)
    if proposal.proposed_by_id == actor.pk:
        raise NotPermitted(OWN_PROPOSAL)
    _selection_open(project)
    before = proposal.status
    proposal.status = target
    proposal.decided_by = actor
    proposal.decided_at = timezone.now()
    proposal.decision_reason = reason
    proposal.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
    event_record(
        actor=actor,
        kind=f"selection_{target}",
        project=project,
        obj=proposal,
        from_state=before,
        to_state=target,
        reason=reason,
    )
    return proposal


def selection_approve(
    *, actor: User, proposal: SelectionProposal, reason: str
) -> SelectionProposal:
    return selection_decide(actor=actor, proposal=proposal, approve=True, reason=reason)


def selection_reject(*, actor: User, proposal: SelectionProposal, reason: str) -> SelectionProposal:
    return selection_decide(actor=actor, proposal=proposal, approve=False, reason=reason)


@transaction.atomic
def selection_close(*, actor: User, project: Project) -> SelectionClosure:
    """Close the selection; from then the retention periods of non-selected addresses run."""
    project_perm_require(
        actor=actor, project=project, perm=ProjectPerm.APPROVE_SELECTION, message=NOT_ALLOWED_CLOSE
    )
    Project.objects.select_for_update().filter(pk=project.pk).first()
    if SelectionClosure.objects.filter(project=project).exists():
        raise InvalidTransition(SELECTION_ALREADY_CLOSED)
    approved = SelectionProposal.objects.filter(
        project=project, status=ProposalStatus.APPROVED
    ).count()
    if not approved:
        raise InvalidTransition(NOTHING_APPROVED)
    closure = SelectionClosure.objects.create(
        project=project, closed_by=actor, approved_count=approved
    )
    event_record(
        actor=actor,
        kind="selection_closed",
        project=project,
        obj=closure,
        data={"approved": approved},
    )
    return closure
