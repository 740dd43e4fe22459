"""The project itself: creation, its own fields and the lifecycle (PROJECT_TRANSITIONS)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from partners.constants import OrganisationKind
from partners.models import User
from wijkaanpak.core.events import event_record
from wijkaanpak.core.exceptions import ApplicationError, InvalidTransition, NotPermitted

from ..constants import PHASE_ORDER, PROJECT_TRANSITIONS, Phase, ProjectPerm, Role
from ..gates import gate_missing
from ..models import PhaseTransition, Project, ProjectPartner
from ..selectors import PROJECTLEIDER_ONLY, project_perm_require
from .roles import role_grant

TRANSITION_NOT_ALLOWED = "Een project kan niet van fase '{van}' naar fase '{naar}'."
TRANSITION_GATE_CLOSED = "Het project kan nog niet naar fase '{naar}': {ontbreekt}"
NOT_PROJECTLEIDER = PROJECTLEIDER_ONLY
CREATOR_NOT_MUNICIPALITY = "Alleen een medewerker van een gemeente kan een project starten."


# Slugs that are path segments of their own under /projecten/ (projects.urls).
RESERVED_SLUGS = frozenset({"nieuw"})


def _unique_slug(name: str) -> str:
    base = slugify(name)[:70] or "project"
    slug, counter = base, 2
    while slug in RESERVED_SLUGS or Project.objects.filter(slug=slug).exists():
        slug, counter = f"{base}-{counter}", counter + 1
    return slug


@transaction.atomic
def project_create(*, actor: User, name: str, **fields: Any) -> Project:
    """Start a project in initiatie for the actor's municipality.

    The actor becomes projectleider. Raises NotPermitted unless the actor works for a
    municipality; `fields` are the project's own fields, checked by full_clean().
    """
    municipality = actor.organisation
    if municipality is None or municipality.kind != OrganisationKind.GEMEENTE:
        raise NotPermitted(CREATOR_NOT_MUNICIPALITY)
    project = Project(
        municipality=municipality, name=name, slug=_unique_slug(name), created_by=actor, **fields
    )
    project.full_clean()
    project.save()
    ProjectPartner.objects.create(project=project, organisation=municipality, added_by=actor)
    event_record(
        actor=actor, kind="project_created", project=project, obj=project, to_state=project.phase
    )
    role_grant(actor=None, project=project, person=actor, role=Role.PROJECTLEIDER)
    return project


def project_next_phase(project: Project) -> Phase | None:
    """The phase after the project's current one (None when closed)."""
    index = PHASE_ORDER.index(Phase(project.phase))
    return PHASE_ORDER[index + 1] if index + 1 < len(PHASE_ORDER) else None


@transaction.atomic
def project_advance(
    *, actor: User, project: Project, target: Phase | None = None, note: str = ""
) -> Project:
    """Move a project to its next phase, if the transition exists and its gate is open.

    Locks the project row, so two concurrent advances cannot both pass (R29).
    Raises InvalidTransition with the Dutch reason, NotPermitted for non-projectleiders.
    """
    project = Project.objects.select_for_update().get(pk=project.pk)
    project_perm_require(actor=actor, project=project, perm=ProjectPerm.MANAGE)
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
    if target == Phase.AFGESLOTEN:
        # Starts the retention period after which all personal data and the key are destroyed.
        project.closed_at = timezone.now()
    project.save(update_fields=["phase", "closed_at"])
    PhaseTransition.objects.create(
        project=project, from_phase=current, to_phase=target, actor=actor, note=note
    )
    event_record(
        actor=actor,
        kind="phase_changed",
        project=project,
        obj=project,
        from_state=current,
        to_state=target,
        reason=note,
    )
    return project


def project_missing_for_next_phase(project: Project) -> list[str]:
    """What the project page shows under 'nog nodig om verder te gaan'."""
    target = project_next_phase(project)
    return gate_missing(project, target) if target else []


PROJECT_EDITABLE_FIELDS = (
    "name",
    "problem_analysis",
    "buurtcodes",
    "postcodes",
    "peildatum",
    "period_start",
    "period_end",
    "retention_unselected_weeks",
    "retention_selection_months",
    "retention_after_close_weeks",
)
PROJECT_CLOSED = "Het project is afgesloten en kan niet meer worden gewijzigd."
PERIOD_INVALID = "De einddatum van de looptijd ligt vóór de begindatum."


def project_require_open(*, project: Project, message: str = PROJECT_CLOSED) -> None:
    """Raise InvalidTransition(`message`) when the project is closed (Project.is_closed)."""
    if project.is_closed:
        raise InvalidTransition(message)


@transaction.atomic
def project_update(*, actor: User, project: Project, data: dict[str, Any]) -> Project:
    """Change the project's own fields (whitelisted), validated with full_clean().

    Caller must hold MANAGE; a closed project is refused (InvalidTransition).
    """
    project = Project.objects.select_for_update().get(pk=project.pk)
    project_perm_require(actor=actor, project=project, perm=ProjectPerm.MANAGE)
    project_require_open(project=project)
    changed = [
        name
        for name in PROJECT_EDITABLE_FIELDS
        if name in data and getattr(project, name) != data[name]
    ]
    for name in changed:
        setattr(project, name, data[name])
    if project.period_start and project.period_end and project.period_end < project.period_start:
        raise ApplicationError(PERIOD_INVALID, {"field": "period_end"})
    project.full_clean()
    project.save(update_fields=changed or None)
    if changed:
        event_record(
            actor=actor,
            kind="project_updated",
            project=project,
            obj=project,
            data={"fields": changed},
        )
    return project
