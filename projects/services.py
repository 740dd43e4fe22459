"""Project lifecycle operations. Every write of a project goes through here."""

from django.db import transaction
from django.utils.text import slugify

from partners.constants import OrganisationKind, ProjectPerm, Role
from wijkaanpak.core.events import event_record
from wijkaanpak.core.exceptions import ApplicationError, InvalidTransition, NotPermitted

from .constants import PHASE_ORDER, PROJECT_TRANSITIONS, Phase
from .gates import gate_missing
from .models import PhaseTransition, Project, ProjectPartner
from .selectors import user_has_project_perm

TRANSITION_NOT_ALLOWED = "Een project kan niet van fase '{van}' naar fase '{naar}'."
TRANSITION_GATE_CLOSED = "Het project kan nog niet naar fase '{naar}': {ontbreekt}"
NOT_PROJECTLEIDER = "Alleen de projectleider van dit project mag dit doen."
CREATOR_NOT_MUNICIPALITY = "Alleen een medewerker van een gemeente kan een project starten."


def _require(*, actor, project: Project, perm: ProjectPerm, message: str = NOT_PROJECTLEIDER) -> None:
    if not user_has_project_perm(user=actor, project=project, perm=perm):
        raise NotPermitted(message)


def _unique_slug(name: str) -> str:
    base = slugify(name)[:70] or "project"
    slug, counter = base, 2
    while Project.objects.filter(slug=slug).exists():
        slug, counter = f"{base}-{counter}", counter + 1
    return slug


@transaction.atomic
def project_create(*, actor, name: str, **fields) -> Project:
    """Start a project in initiatie for the actor's municipality; the actor becomes projectleider."""
    from partners.services import role_grant

    municipality = actor.organisation
    if municipality is None or municipality.kind != OrganisationKind.GEMEENTE:
        raise NotPermitted(CREATOR_NOT_MUNICIPALITY)
    project = Project(municipality=municipality, name=name, slug=_unique_slug(name), created_by=actor, **fields)
    project.full_clean()
    project.save()
    ProjectPartner.objects.create(project=project, organisation=municipality, added_by=actor)
    event_record(actor=actor, kind="project_created", project=project, obj=project, to_state=project.phase)
    role_grant(actor=None, project=project, person=actor, role=Role.PROJECTLEIDER)
    return project


def project_next_phase(project: Project) -> Phase | None:
    index = PHASE_ORDER.index(Phase(project.phase))
    return PHASE_ORDER[index + 1] if index + 1 < len(PHASE_ORDER) else None


@transaction.atomic
def project_advance(*, actor, project: Project, target: Phase | None = None, note: str = "") -> Project:
    """Move a project to its next phase, if the transition exists and its gate is open.

    Locks the project row, so two concurrent advances cannot both pass (R29).
    Raises InvalidTransition with the Dutch reason, NotPermitted for non-projectleiders.
    """
    project = Project.objects.select_for_update().get(pk=project.pk)
    _require(actor=actor, project=project, perm=ProjectPerm.MANAGE)
    current = Phase(project.phase)
    target = Phase(target) if target else project_next_phase(project)
    if target is None or target not in PROJECT_TRANSITIONS[current]:
        raise InvalidTransition(
            TRANSITION_NOT_ALLOWED.format(van=current.label, naar=target.label if target else "—")
        )
    missing = gate_missing(project, target)
    if missing:
        raise InvalidTransition(
            TRANSITION_GATE_CLOSED.format(naar=target.label, ontbreekt=" ".join(missing)),
            {"missing": missing},
        )
    project.phase = target
    project.save(update_fields=["phase"])
    PhaseTransition.objects.create(project=project, from_phase=current, to_phase=target, actor=actor, note=note)
    event_record(
        actor=actor, kind="phase_changed", project=project, obj=project, from_state=current, to_state=target,
        reason=note,
    )
    return project


def project_missing_for_next_phase(project: Project) -> list[str]:
    """What the project page shows under 'nog nodig om verder te gaan'."""
    target = project_next_phase(project)
    return gate_missing(project, target) if target else []




PARTNER_ALREADY_IN_PROJECT = "{organisatie} neemt al deel aan dit project."
PARTNER_MUNICIPALITY_STAYS = "De gemeente voert de regie en kan het project niet verlaten."


@transaction.atomic
def project_partner_add(*, actor, project: Project, organisation) -> ProjectPartner:
    """Let an organisation take part. Its data access still waits for a valid convenant."""
    _require(actor=actor, project=project, perm=ProjectPerm.MANAGE)
    if ProjectPartner.objects.filter(project=project, organisation=organisation, left_at__isnull=True).exists():
        raise ApplicationError(PARTNER_ALREADY_IN_PROJECT.format(organisatie=organisation), {"field": "organisation"})
    partner = ProjectPartner.objects.create(project=project, organisation=organisation, added_by=actor)
    event_record(actor=actor, kind="partner_added", project=project, obj=partner, data={"organisation": organisation.pk})
    return partner


@transaction.atomic
def project_partner_remove(*, actor, partner: ProjectPartner, reason: str = "") -> ProjectPartner:
    """An organisation leaves: its people's roles end and their permissions go at once (R5)."""
    from django.utils import timezone

    from partners.services import roles_end_for_organisation

    partner = ProjectPartner.objects.select_for_update().get(pk=partner.pk)
    _require(actor=actor, project=partner.project, perm=ProjectPerm.MANAGE)
    if partner.organisation_id == partner.project.municipality_id:
        raise ApplicationError(PARTNER_MUNICIPALITY_STAYS)
    if partner.left_at is None:
        partner.left_at = timezone.now()
        partner.save(update_fields=["left_at"])
        roles_end_for_organisation(actor=actor, project=partner.project, organisation=partner.organisation, reason=reason)
        event_record(
            actor=actor, kind="partner_removed", project=partner.project, obj=partner, reason=reason,
            data={"organisation": partner.organisation_id},
        )
    return partner
