"""Organisations taking part in a project, and the convenants registered from a project."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.files import File
from django.db import transaction
from django.utils import timezone

from partners.constants import ConvenantKind
from partners.models import Convenant, Organisation, User
from partners.services import convenant_end, convenant_register
from wijkaanpak.core.events import event_record
from wijkaanpak.core.exceptions import ApplicationError

from ..constants import ProjectPerm
from ..models import Project, ProjectPartner
from ..selectors import project_partner_organisation_ids, project_perm_require
from .roles import roles_end_for_organisation

PARTNER_ALREADY_IN_PROJECT = "{organisatie} neemt al deel aan dit project."
PARTNER_MUNICIPALITY_STAYS = "De gemeente voert de regie en kan het project niet verlaten."
CONVENANT_ORGANISATION_NOT_PARTNER = "{organisatie} neemt niet deel aan dit project."


@transaction.atomic
def project_partner_add(
    *, actor: User, project: Project, organisation: Organisation
) -> ProjectPartner:
    """Let an organisation take part. Its data access still waits for a valid convenant.

    Caller must hold MANAGE; an organisation already taking part is refused.
    """
    project_perm_require(actor=actor, project=project, perm=ProjectPerm.MANAGE)
    if ProjectPartner.objects.active().filter(project=project, organisation=organisation).exists():
        raise ApplicationError(
            PARTNER_ALREADY_IN_PROJECT.format(organisatie=organisation), {"field": "organisation"}
        )
    partner = ProjectPartner.objects.create(
        project=project, organisation=organisation, added_by=actor
    )
    event_record(
        actor=actor,
        kind="partner_added",
        project=project,
        obj=partner,
        data={"organisation": organisation.pk},
    )
    return partner


@transaction.atomic
def project_partner_remove(
    *, actor: User, partner: ProjectPartner, reason: str = ""
) -> ProjectPartner:
    """An organisation leaves: its people's roles end and their permissions go at once (R5).

    Caller must hold MANAGE; the municipality cannot leave. Leaving twice changes nothing.
    """
    partner = ProjectPartner.objects.select_for_update().get(pk=partner.pk)
    project_perm_require(actor=actor, project=partner.project, perm=ProjectPerm.MANAGE)
    if partner.organisation_id == partner.project.municipality_id:
        raise ApplicationError(PARTNER_MUNICIPALITY_STAYS)
    if partner.left_at is None:
        partner.left_at = timezone.now()
        partner.save(update_fields=["left_at"])
        roles_end_for_organisation(
            actor=actor, project=partner.project, organisation=partner.organisation, reason=reason
        )
        event_record(
            actor=actor,
            kind="partner_removed",
            project=partner.project,
            obj=partner,
            reason=reason,
            data={"organisation": partner.organisation_id},
        )
    return partner


@transaction.atomic
def project_convenant_register(
    *,
    actor: User,
    project: Project,
    organisation: Organisation,
    kind: ConvenantKind,
    reference: str,
    valid_from: date,
    valid_until: date | None = None,
    document: File[Any] | None = None,
) -> Convenant:
    """Register, from a project, the convenant of one of its partners.

    Caller must be the project's projectleider and the organisation must take part. An
    aanvullend convenant registered here holds for this project only; an LSI-convenant is the
    organisation's general one. The convenant's own rules are partners.services'.
    """
    project_perm_require(actor=actor, project=project, perm=ProjectPerm.MANAGE)
    if organisation.pk not in project_partner_organisation_ids(project=project):
        raise ApplicationError(
            CONVENANT_ORGANISATION_NOT_PARTNER.format(organisatie=organisation),
            {"field": "organisation"},
        )
    return convenant_register(
        actor=actor,
        organisation=organisation,
        kind=kind,
        reference=reference,
        valid_from=valid_from,
        valid_until=valid_until,
        document=document,
        project=project if kind == ConvenantKind.AANVULLEND else None,
    )


@transaction.atomic
def project_convenant_end(*, actor: User, convenant: Convenant, valid_until: date) -> Convenant:
    """Shorten a convenant's validity from a project (R5: access stops on the next request).

    A convenant bound to one project needs that project's projectleider; a general one is
    ended by partners.services.convenant_end's own rule.
    """
    if convenant.project_id is not None:
        project = Project.objects.get(pk=convenant.project_id)
        project_perm_require(actor=actor, project=project, perm=ProjectPerm.MANAGE)
    return convenant_end(actor=actor, convenant=convenant, valid_until=valid_until)
