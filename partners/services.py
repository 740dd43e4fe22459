"""Organisations, people, convenants and project roles.

The only place where object permissions are granted or revoked (style rule 15): a role
start grants the role's permissions on the project, a role end revokes those that no other
active role of the same person still needs. Every change writes one audit event (R7).
"""

from datetime import date

from django.db import transaction
from django.utils import timezone

from guardian.shortcuts import assign_perm, remove_perm

from projects.selectors import (
    PROJECTLEIDER_ONLY,
    project_partner_organisation_ids,
    project_perm_require,
)
from wijkaanpak.core.events import event_record
from wijkaanpak.core.exceptions import ApplicationError

from .constants import LSI_PARTIES, ROLE_PERMISSIONS, ConvenantKind, ProjectPerm, Role
from .models import Convenant, Organisation, ProjectRole, User

ROLE_ORGANISATION_NOT_PARTNER = (
    "{persoon} werkt bij {organisatie}, en die organisatie neemt niet deel aan dit project."
)
ROLE_ALREADY_ACTIVE = "{persoon} heeft deze rol in dit project al."
ROLE_PERSON_WITHOUT_ORGANISATION = "{persoon} is niet aan een organisatie gekoppeld."
ROLE_ADVISEUR_ONLY_VNG = "Alleen medewerkers van VNG Naleving kunnen adviseur zijn."
CONVENANT_PROJECT_ONLY_AANVULLEND = "Alleen een aanvullend convenant kan voor één project gelden."
CONVENANT_PERIOD_INVALID = "De einddatum ligt vóór de begindatum."
NOT_PROJECTLEIDER = PROJECTLEIDER_ONLY
CONVENANT_LSI_NOT_PARTY = (
    "{organisatie} is geen partij bij het LSI-convenant; registreer een aanvullend convenant."
)
CONVENANT_ORGANISATION_NOT_PARTNER = "{organisatie} neemt niet deel aan dit project."


@transaction.atomic
def role_grant(*, actor: User | None, project, person: User, role: Role) -> ProjectRole:
    """Give `person` a role in `project` and grant its permissions.

    The person's organisation must take part in the project. `actor=None` is the system
    (demo data, the project's creator becoming its projectleider).
    """
    if actor is not None:
        project_perm_require(actor=actor, project=project, perm=ProjectPerm.MANAGE)
    if person.organisation_id is None:
        raise ApplicationError(ROLE_PERSON_WITHOUT_ORGANISATION.format(persoon=person))
    if person.organisation_id not in project_partner_organisation_ids(project=project):
        raise ApplicationError(
            ROLE_ORGANISATION_NOT_PARTNER.format(persoon=person, organisatie=person.organisation)
        )
    if role == Role.ADVISEUR and person.organisation.kind != "vng_naleving":
        raise ApplicationError(ROLE_ADVISEUR_ONLY_VNG)
    if ProjectRole.objects.filter(
        project=project, person=person, role=role, ended_at__isnull=True
    ).exists():
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
    """End a role at once and revoke the permissions no other active role still gives."""
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


def _revoke_unneeded(*, project, person: User) -> None:
    still_needed: set[ProjectPerm] = set()
    for role in ProjectRole.objects.filter(
        project=project, person=person, ended_at__isnull=True
    ).values_list("role", flat=True):
        still_needed |= ROLE_PERMISSIONS[Role(role)]
    for perm in ProjectPerm:
        if perm not in still_needed:
            remove_perm(f"projects.{perm.value}", person, project)


@transaction.atomic
def roles_end_for_organisation(
    *, actor: User | None, project, organisation: Organisation, reason: str
) -> int:
    """End every active role of an organisation's people in a project (partner leaves)."""
    roles = ProjectRole.objects.filter(
        project=project, person__organisation=organisation, ended_at__isnull=True
    )
    count = 0
    for project_role in roles:
        role_end(actor=actor, project_role=project_role, reason=reason)
        count += 1
    return count


@transaction.atomic
def convenant_register(
    *,
    actor: User,
    organisation: Organisation,
    kind: ConvenantKind,
    reference: str,
    valid_from: date,
    valid_until: date | None = None,
    document=None,
    project=None,
) -> Convenant:
    """Record a signed convenant. A project-bound convenant needs the project's projectleider."""
    if project is not None:
        project_perm_require(actor=actor, project=project, perm=ProjectPerm.MANAGE)
        if kind != ConvenantKind.AANVULLEND:
            raise ApplicationError(CONVENANT_PROJECT_ONLY_AANVULLEND, {"field": "kind"})
    if kind == ConvenantKind.LSI and organisation.kind not in LSI_PARTIES:
        raise ApplicationError(
            CONVENANT_LSI_NOT_PARTY.format(organisatie=organisation), {"field": "kind"}
        )
    if valid_until is not None and valid_until < valid_from:
        raise ApplicationError(CONVENANT_PERIOD_INVALID, {"field": "valid_until"})
    convenant = Convenant(
        organisation=organisation,
        kind=kind,
        reference=reference,
        valid_from=valid_from,
        valid_until=valid_until,
        project=project,
        created_by=actor,
    )
    if document is not None:
        convenant.document = document
    convenant.full_clean()
    convenant.save()
    event_record(
        actor=actor,
        kind="convenant_registered",
        project=project,
        obj=convenant,
        data={"organisation": organisation.pk, "kind": kind, "valid_until": str(valid_until or "")},
    )
    return convenant


@transaction.atomic
def convenant_end(*, actor: User, convenant: Convenant, valid_until: date) -> Convenant:
    """Shorten a convenant's validity; access to personal data stops on the next request (R5)."""
    convenant = Convenant.objects.select_for_update().get(pk=convenant.pk)
    if convenant.project_id is not None:
        project_perm_require(actor=actor, project=convenant.project, perm=ProjectPerm.MANAGE)
    if valid_until < convenant.valid_from:
        raise ApplicationError(CONVENANT_PERIOD_INVALID, {"field": "valid_until"})
    previous = convenant.valid_until
    convenant.valid_until = valid_until
    convenant.save(update_fields=["valid_until"])
    event_record(
        actor=actor,
        kind="convenant_ended",
        project=convenant.project,
        obj=convenant,
        from_state=str(previous or ""),
        to_state=str(valid_until),
    )
    return convenant


@transaction.atomic
def project_convenant_register(
    *,
    actor: User,
    project,
    organisation: Organisation,
    kind: ConvenantKind,
    reference: str,
    valid_from: date,
    valid_until: date | None = None,
    document=None,
) -> Convenant:
    """Register, from a project, the convenant of one of its partners.

    Caller must be the project's projectleider and the organisation must take part. An
    aanvullend convenant registered here holds for this project only; an LSI-convenant is the
    organisation's general one.
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
