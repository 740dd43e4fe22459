"""Re-identification of approved addresses only, each logged with its reason first (R20/R21)."""

from __future__ import annotations

from django.db import transaction

import structlog

from datasharing.pseudonymisation import RealAddress, vault_lookup
from partners.models import User
from projects.constants import ProjectPerm
from projects.selectors import project_perm_require
from wijkaanpak.core.exceptions import ApplicationError, InvalidTransition
from wijkaanpak.core.processing_log import processing_log_write

from ..constants import (
    ProposalStatus,
)
from ..models import (
    Reidentification,
    SelectionProposal,
)
from .selection import reason_required

logger = structlog.get_logger(__name__)

NOT_ALLOWED_REIDENTIFY = "U mag de adressen van dit project niet inzien."

NOT_APPROVED = "Alleen goedgekeurde adressen kunnen worden herleid."

ADDRESS_NOT_IN_VAULT = "Het adres kan niet worden herleid: het staat niet (meer) in de adreskluis."


def address_format(parts: dict[str, str]) -> str:
    """'Kerkstraat 12 A-BIS, 1234 AB Venlo' (or '1234 AB 12 A-BIS') from the vault's parts."""
    return str(RealAddress.from_vault(parts))


def address_reidentify(*, actor: User, proposal: SelectionProposal, reason: str) -> RealAddress:
    """Decrypt the real address of an approved address: a RealAddress (postcode, huisnummer,
    huisletter, toevoeging, straatnaam, woonplaats). See `reidentification_create`."""
    return reidentification_create(actor=actor, proposal=proposal, reason=reason)[1]


@transaction.atomic
def reidentification_create(
    *, actor: User, proposal: SelectionProposal, reason: str
) -> tuple[Reidentification, RealAddress]:
    """Re-identify an approved address: one processing-log record (action "reidentify",
    written first, with who, why and when: R20/R21) and one Reidentification that names it;
    returns both with the address. Caller holds view_addresses (NotPermitted otherwise);
    InvalidTransition when the proposal is not approved, ApplicationError without a reason or
    when the vault has no entry."""
    project = proposal.project
    project_perm_require(
        actor=actor,
        project=project,
        perm=ProjectPerm.VIEW_ADDRESSES,
        message=NOT_ALLOWED_REIDENTIFY,
    )
    reason = reason_required(reason)
    proposal = SelectionProposal.objects.select_for_update().get(pk=proposal.pk)
    if proposal.status != ProposalStatus.APPROVED:
        raise InvalidTransition(NOT_APPROVED)
    entries = processing_log_write(
        actor=actor,
        action="reidentify",
        name="adres herleiden (vier ogen goedgekeurd)",
        ground="reidentification",
        project=project,
        obj=proposal,
        data_subject_ids=[proposal.address_key],
        data_subject_id_type="adrespseudoniem",
    )
    parts = vault_lookup(project=project, address_key=proposal.address_key)
    if not parts:
        raise ApplicationError(ADDRESS_NOT_IN_VAULT)
    address = RealAddress.from_vault(parts)
    reidentification = Reidentification.objects.create(
        project=project,
        proposal=proposal,
        address_key=proposal.address_key,
        actor=actor,
        reason=reason,
        processing_log_operation_id=entries[0].operation_id,
    )
    return reidentification, address


def reidentified_address(*, actor: User, reidentification: Reidentification) -> RealAddress:
    """Show a re-identified address again (the page after the re-identification, reloaded):
    one processing-log record of the read (action "read", ground "reidentification", on the
    Reidentification whose reason it rests on), written before the vault is read (R21).
    Caller holds view_addresses and found `reidentification` through its selector."""
    project = reidentification.project
    project_perm_require(
        actor=actor,
        project=project,
        perm=ProjectPerm.VIEW_ADDRESSES,
        message=NOT_ALLOWED_REIDENTIFY,
    )
    processing_log_write(
        actor=actor,
        action="read",
        name="herleid adres opnieuw inzien",
        ground="reidentification",
        project=project,
        obj=reidentification,
        data_subject_ids=[reidentification.address_key],
        data_subject_id_type="adrespseudoniem",
    )
    return address_from_vault(reidentification)


def address_from_vault(reidentification: Reidentification) -> RealAddress:
    """The address a re-identification showed, read from the vault; the caller has logged the
    read (the re-identification's own record, or `reidentified_address`'s)."""
    parts = vault_lookup(project=reidentification.project, address_key=reidentification.address_key)
    if not parts:
        raise ApplicationError(ADDRESS_NOT_IN_VAULT)
    return RealAddress.from_vault(parts)
