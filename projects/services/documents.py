"""The project's documents: collegebesluit, projectvoorstel, projectplan versions, DPIA."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.files import File
from django.db import transaction
from django.utils import timezone

from partners.models import User
from wijkaanpak.core.events import event_record
from wijkaanpak.core.exceptions import ApplicationError, InvalidTransition, NotPermitted

from ..constants import ProjectPerm
from ..models import (
    Collegebesluit,
    Dpia,
    PlanAcknowledgement,
    Project,
    ProjectPartner,
    ProjectplanVersion,
    Projectvoorstel,
)
from ..selectors import project_perm_require
from .lifecycle import project_require_open

PLAN_NEEDS_INSTEMMING = (
    "Het projectplan kan pas worden vastgesteld als de LSI met het projectvoorstel heeft ingestemd."
)
PLAN_ALREADY_ADOPTED = "Deze versie van het projectplan is al vastgesteld."
PLAN_ACK_NOT_PARTNER = "Uw organisatie neemt niet deel aan dit project."
PLAN_ACK_NOT_ADOPTED = "Alleen een vastgestelde versie van het projectplan kan worden bevestigd."
DPIA_VASTGESTELD_NEEDS_DATE = (
    "Een vastgestelde DPIA heeft een datum van vaststelling en een kenmerk."
)
INSTEMMING_INCOMPLETE = "Vul bij instemming van de LSI zowel de datum als het kenmerk in."


@transaction.atomic
def collegebesluit_register(
    *,
    actor: User,
    project: Project,
    date: dt.date,
    reference: str,
    document: File[Any],
    capacity_settled: bool,
    data_permission: bool,
) -> Collegebesluit:
    """Register the college's decision. A newer besluit replaces the older one in the gates.

    Caller must hold MANAGE on an open project.
    """
    project_perm_require(actor=actor, project=project, perm=ProjectPerm.MANAGE)
    project_require_open(project=project)
    besluit = Collegebesluit(
        project=project,
        date=date,
        reference=reference,
        document=document,
        capacity_settled=capacity_settled,
        data_permission=data_permission,
        registered_by=actor,
    )
    besluit.full_clean()
    besluit.save()
    event_record(
        actor=actor,
        kind="collegebesluit_registered",
        project=project,
        obj=besluit,
        data={"capacity_settled": capacity_settled, "data_permission": data_permission},
    )
    return besluit


@transaction.atomic
def projectvoorstel_save(
    *,
    actor: User,
    project: Project,
    submitted_on: dt.date,
    document: File[Any] | None = None,
    lsi_instemming_date: dt.date | None = None,
    lsi_instemming_reference: str = "",
) -> Projectvoorstel:
    """Record the proposal's submission to the LSI and, once given, the LSI's instemming.

    Caller must hold MANAGE on an open project; the instemming needs both date and reference.
    """
    project_perm_require(actor=actor, project=project, perm=ProjectPerm.MANAGE)
    project_require_open(project=project)
    if bool(lsi_instemming_date) != bool(lsi_instemming_reference.strip()):
        raise ApplicationError(INSTEMMING_INCOMPLETE, {"field": "lsi_instemming_reference"})
    voorstel, _ = Projectvoorstel.objects.select_for_update().get_or_create(
        project=project, defaults={"submitted_on": submitted_on, "updated_by": actor}
    )
    voorstel.submitted_on = submitted_on
    voorstel.lsi_instemming_date = lsi_instemming_date
    voorstel.lsi_instemming_reference = lsi_instemming_reference.strip()
    voorstel.updated_by = actor
    if document is not None:
        voorstel.document = document
    voorstel.full_clean()
    voorstel.save()
    event_record(
        actor=actor,
        kind="projectvoorstel_saved",
        project=project,
        obj=voorstel,
        data={"instemming": voorstel.has_instemming},
    )
    return voorstel


@transaction.atomic
def projectplan_version_create(
    *, actor: User, project: Project, document: File[Any] | None = None, **content: str
) -> ProjectplanVersion:
    """Add a new version of the projectplan (versions are never edited in place).

    Caller must hold MANAGE on an open project; the project row is locked for the numbering.
    """
    project_perm_require(actor=actor, project=project, perm=ProjectPerm.MANAGE)
    project_require_open(project=project)
    Project.objects.select_for_update().filter(pk=project.pk).first()
    last = project.plan_versions.order_by("-version").values_list("version", flat=True).first() or 0
    plan = ProjectplanVersion(project=project, version=last + 1, created_by=actor, **content)
    if document is not None:
        plan.document = document
    plan.full_clean()
    plan.save()
    event_record(
        actor=actor,
        kind="projectplan_version_created",
        project=project,
        obj=plan,
        to_state=str(plan.version),
    )
    return plan


@transaction.atomic
def projectplan_adopt(*, actor: User, plan: ProjectplanVersion) -> ProjectplanVersion:
    """Adopt (vaststellen) a plan version; only after the LSI's instemming with the voorstel.

    Raises InvalidTransition when already adopted or without instemming.
    """
    plan = ProjectplanVersion.objects.select_for_update().select_related("project").get(pk=plan.pk)
    project = plan.project
    project_perm_require(actor=actor, project=project, perm=ProjectPerm.MANAGE)
    project_require_open(project=project)
    if plan.adopted_at is not None:
        raise InvalidTransition(PLAN_ALREADY_ADOPTED)
    voorstel = getattr(project, "projectvoorstel", None)
    if voorstel is None or not voorstel.has_instemming:
        raise InvalidTransition(PLAN_NEEDS_INSTEMMING)
    plan.adopted_by = actor
    plan.adopted_at = timezone.now()
    plan.save(update_fields=["adopted_by", "adopted_at"])
    event_record(
        actor=actor,
        kind="projectplan_adopted",
        project=project,
        obj=plan,
        to_state=str(plan.version),
    )
    return plan


@transaction.atomic
def projectplan_acknowledge(*, actor: User, plan: ProjectplanVersion) -> PlanAcknowledgement:
    """A partner organisation confirms it knows the adopted plan (one per organisation).

    Caller must see the project and work for an organisation taking part in it.
    """
    project = plan.project
    project_perm_require(actor=actor, project=project, perm=ProjectPerm.VIEW)
    if plan.adopted_at is None:
        raise InvalidTransition(PLAN_ACK_NOT_ADOPTED)
    organisation_id = actor.organisation_id
    if organisation_id is None:
        raise NotPermitted(PLAN_ACK_NOT_PARTNER)
    if (
        not ProjectPartner.objects.active()
        .filter(project=project, organisation_id=organisation_id)
        .exists()
    ):
        raise NotPermitted(PLAN_ACK_NOT_PARTNER)
    ack, created = PlanAcknowledgement.objects.get_or_create(
        plan_version=plan,
        organisation_id=organisation_id,
        defaults={"acknowledged_by": actor},
    )
    if created:
        event_record(actor=actor, kind="projectplan_acknowledged", project=project, obj=plan)
    return ack


@transaction.atomic
def dpia_save(
    *,
    actor: User,
    project: Project,
    vastgesteld: bool,
    date: dt.date | None = None,
    reference: str = "",
    document: File[Any] | None = None,
) -> Dpia:
    """Record the DPIA; no data may be requested before it is vastgesteld.

    Caller must hold MANAGE on an open project; a vastgestelde DPIA needs date and reference.
    """
    project_perm_require(actor=actor, project=project, perm=ProjectPerm.MANAGE)
    project_require_open(project=project)
    if vastgesteld and not (date and reference.strip()):
        raise ApplicationError(
            DPIA_VASTGESTELD_NEEDS_DATE, {"field": "date" if not date else "reference"}
        )
    dpia, _ = Dpia.objects.select_for_update().get_or_create(
        project=project, defaults={"updated_by": actor}
    )
    dpia.vastgesteld, dpia.date, dpia.reference, dpia.updated_by = (
        vastgesteld,
        date,
        reference.strip(),
        actor,
    )
    if document is not None:
        dpia.document = document
    dpia.full_clean()
    dpia.save()
    event_record(
        actor=actor,
        kind="dpia_saved",
        project=project,
        obj=dpia,
        to_state="vastgesteld" if vastgesteld else "concept",
    )
    return dpia
