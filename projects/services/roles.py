"""Roles in a project: the only place where object permissions are granted or revoked.

Style rule 15: a role start grants the role's permissions on the project, a role end revokes
those that no other active role of the same person still needs. Every change writes one audit
event (security R7). `assign_perm`/`remove_perm` are banned elsewhere (ruff TID251).
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from guardian.shortcuts import assign_perm, remove_perm

from partners.constants import OrganisationKind
from partners.models import Organisation, User
from wijkaanpak.core.events import event_record
from wijkaanpak.core.exceptions import ApplicationError

from ..constants import ROLE_PERMISSIONS, ProjectPerm, Role
from ..models import Project, ProjectRole
from ..selectors import project_partner_organisation_ids, project_perm_require

ROLE_ORGANISATION_NOT_PARTNER = (
    "{persoon} werkt bij {organisatie}, en die organisatie neemt niet deel aan dit project."
)
ROLE_ALREADY_ACTIVE = "{persoon} heeft deze rol in dit project al."
ROLE_PERSON_WITHOUT_ORGANISATION = "{persoon} is niet aan een organisatie gekoppeld."
ROLE_ADVISEUR_ONLY_VNG = "Alleen medewerkers van VNG Naleving kunnen adviseur zijn."


@transaction.atomic
def role_grant(*, actor: User | None, project: Project, person: User, role: Role) -> ProjectRole:
    """Give `person` a role in `project` and grant its permissions.

    The person's organisation must take part in the project. `actor=None` is the system
    (demo data, the project's creator becoming its projectleider); any other actor must hold
    MANAGE. Raises NotPermitted or ApplicationError with the Dutch reason.
    """
    if actor is not None:
        project_perm_require(actor=actor, project=project, perm=ProjectPerm.MANAGE)
    organisation = person.organisation
    if organisation is None:
        raise ApplicationError(ROLE_PERSON_WITHOUT_ORGANISATION.format(persoon=person))
    if organisation.pk not in project_partner_organisation_ids(project=project):
        raise ApplicationError(
            ROLE_ORGANISATION_NOT_PARTNER.format(persoon=person, organisatie=organisation)
        )
    if role == Role.ADVISEUR and organisation.kind != OrganisationKind.VNG_NALEVING:
        raise ApplicationError(ROLE_ADVISEUR_ONLY_VNG)
    if ProjectRole.objects.active().filter(project=project, person=person, role=role).exists():
        raise ApplicationError(ROLE_ALREADY_ACTIVE.format(persoon=person))
    project_role = ProjectRole.objects.create(
        project=project, person=person, role=role, granted_by=actor
    )
    for perm in sorted(ROLE_PERMISSIONS[Role(role)]):
        assign_perm(f"projects.{perm.value}", person, project)
    event_record(
        actor=actor,
        kind="role_granted",
        project=project,
        obj=project_role,
        to_state=role,
        data={
            "person": person.pk,
            "permissions": sorted(p.value for p in ROLE_PERMISSIONS[Role(role)]),
        },
    )
    return project_role


@transaction.atomic
def role_end(*, actor: User | None, project_role: ProjectRole, reason: str = "") -> ProjectRole:
    """End a role at once and revoke the permissions no other active role still gives.

    Locks the role row; ending an ended role changes nothing. Caller must hold MANAGE
    (`actor=None` is the system).
    """
    project_role = ProjectRole.objects.select_for_update().get(pk=project_role.pk)
    if actor is not None:
        project_perm_require(actor=actor, project=project_role.project, perm=ProjectPerm.MANAGE)
    if project_role.ended_at is not None:
        return project_role
    project_role.ended_at = timezone.now()
    project_role.save(update_fields=["ended_at"])
    _revoke_unneeded(project=project_role.project, person=project_role.person)
    event_record(
        actor=actor,
        kind="role_ended",
        project=project_role.project,
        obj=project_role,
        from_state=project_role.role,
        reason=reason,
        data={"person": project_role.person_id},
    )
    return project_role


def _revoke_unneeded(*, project: Project, person: User) -> None:
    still_needed: set[ProjectPerm] = set()
    for role in (
        ProjectRole.objects.active()
        .filter(project=project, person=person)
        .values_list("role", flat=True)
    ):
        still_needed |= ROLE_PERMISSIONS[Role(role)]
    for perm in ProjectPerm:
        if perm not in still_needed:
            remove_perm(f"projects.{perm.value}", person, project)


@transaction.atomic
def roles_end_for_organisation(
    *, actor: User | None, project: Project, organisation: Organisation, reason: str
) -> int:
    """End every active role of an organisation's people in a project (partner leaves).

    Returns how many roles ended; each end is checked and audited by `role_end`.
    """
    roles = ProjectRole.objects.active().filter(project=project, person__organisation=organisation)
    count = 0
    for project_role in roles:
        role_end(actor=actor, project_role=project_role, reason=reason)
        count += 1
    return count
