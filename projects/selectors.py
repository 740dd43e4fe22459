"""Reads of projects, scoped to what a user may see (style rules 12–14, security R2/R5).

A person sees a project only through a role in it (a guardian object permission granted by
projects.services.roles) *and* an active participation of their own organisation. Permissions that
reach personal data also need the organisation's convenant to be valid today.
"""

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet
from django.db.models.fields.files import FieldFile
from django.http import Http404
from django.utils import timezone

from guardian.shortcuts import get_objects_for_user
from guardian.utils import get_user_obj_perms_model

from partners.models import Convenant, Organisation, User
from partners.selectors import convenants_valid_on
from wijkaanpak.core.exceptions import NotPermitted

from .constants import ProjectPerm, Role
from .models import (
    Collegebesluit,
    Dpia,
    PhaseTransition,
    PlanAcknowledgement,
    Project,
    ProjectPartner,
    ProjectplanVersion,
    ProjectRole,
    Projectvoorstel,
)

# Permissions that reach personal data and therefore need a valid convenant (design.md §4).
PERSONAL_DATA_PERMS = frozenset(
    {
        ProjectPerm.DELIVER,
        ProjectPerm.VIEW_PSEUDONYMISED,
        ProjectPerm.RUN_MATCHING,
        ProjectPerm.PROPOSE_SELECTION,
        ProjectPerm.APPROVE_SELECTION,
        ProjectPerm.VIEW_ADDRESSES,
        ProjectPerm.PLAN_CONTROLS,
        ProjectPerm.RECORD_VISITS,
        ProjectPerm.HANDLE_REFERRALS,
        # The privacy officer reads what the project holds on a person and the processing log.
        ProjectPerm.HANDLE_PRIVACY_REQUESTS,
    }
)


Person = User | AnonymousUser


def _member(user: Person) -> tuple[User, int] | None:
    """(user, organisation id) of a possible project member: signed in, active, of an
    organisation; None for anyone else."""
    if not isinstance(user, User) or not user.is_active or user.organisation_id is None:
        return None
    return user, user.organisation_id


# The access rule in its three parts, shared by the list, the set of one project's permissions
# and the single check below (one rule, R2/R5): a role's object permission (guardian; never
# superuser status, a group or a global permission, rule 16), while the person's organisation
# takes part, and for personal data while that organisation's convenant is valid today.


def _taking_part(*, organisation_id: int, project: Project | OuterRef) -> Exists:
    return Exists(
        ProjectPartner.objects.active().filter(project=project, organisation_id=organisation_id)
    )


def _convenant_valid(*, organisation_id: int, project: Project | OuterRef) -> Exists:
    return Exists(
        convenants_valid_on(day=timezone.localdate(), project=project).filter(
            organisation_id=organisation_id
        )
    )


def _object_perms(*, person: User, organisation_id: int, project: Project) -> QuerySet[Any]:
    """The person's own object permissions on `project`, while their organisation takes part."""
    return get_user_obj_perms_model(project)._default_manager.filter(
        _taking_part(organisation_id=organisation_id, project=project),
        user=person,
        content_type=ContentType.objects.get_for_model(Project),  # cached per process
        object_pk=str(project.pk),
    )


def project_list_for_user(
    *, user: Person, perm: ProjectPerm = ProjectPerm.VIEW
) -> QuerySet[Project]:
    """Projects where `user` holds `perm` through a role and their organisation takes part;
    for a permission that reaches personal data, also with a convenant valid today (R5).

    Never through superuser status, a group or a global permission (style rules 12 and 16).
    """
    member = _member(user)
    if member is None:
        return Project.objects.none()
    person, organisation_id = member
    projects = get_objects_for_user(
        person,
        f"projects.{perm.value}",
        klass=Project,
        use_groups=False,
        accept_global_perms=False,
        with_superuser=False,
    )
    scoped: QuerySet[Project] = projects.filter(
        _taking_part(organisation_id=organisation_id, project=OuterRef("pk"))
    )
    if perm in PERSONAL_DATA_PERMS:
        scoped = scoped.filter(
            _convenant_valid(organisation_id=organisation_id, project=OuterRef("pk"))
        )
    return scoped.select_related("municipality")


def project_perms_for_user(*, user: Person, project: Project) -> frozenset[ProjectPerm]:
    """Every ProjectPerm `user` holds on `project` now: the access rule for one project, all
    permissions at once (ProjectScopedMixin resolves them once per request).

    One query, and a second one for the convenant when personal-data permissions are held.
    """
    member = _member(user)
    if member is None:
        return frozenset()
    person, organisation_id = member
    codenames = set(
        _object_perms(person=person, organisation_id=organisation_id, project=project).values_list(
            "permission__codename", flat=True
        )
    )
    perms = {perm for perm in ProjectPerm if perm.value in codenames}
    if perms & PERSONAL_DATA_PERMS and not (
        convenants_valid_on(day=timezone.localdate(), project=project)
        .filter(organisation_id=organisation_id)
        .exists()
    ):
        perms -= PERSONAL_DATA_PERMS
    return frozenset(perms)


def user_has_project_perm(*, user: Person, project: Project, perm: ProjectPerm) -> bool:
    """Whether `user` holds `perm` on `project` (the same rule): one query, the role's
    permission, the participation and, for personal data, the convenant in one."""
    member = _member(user)
    if member is None:
        return False
    person, organisation_id = member
    held = _object_perms(person=person, organisation_id=organisation_id, project=project).filter(
        permission__codename=perm.value
    )
    if perm in PERSONAL_DATA_PERMS:
        held = held.filter(_convenant_valid(organisation_id=organisation_id, project=project))
    return held.exists()


def user_project_roles(*, user: Person) -> list[tuple[Role, int, bool]]:
    """(role, project id, whether the person works for the project's municipality) for each
    active role of the person in a project they may see; the start page is chosen from these."""
    member = _member(user)
    if member is None:
        return []
    person, organisation_id = member
    rows = (
        ProjectRole.objects.active()
        .filter(person=person, project__in=project_list_for_user(user=person))
        .values_list("role", "project_id", "project__municipality_id")
    )
    return [
        (Role(role), project_id, municipality_id == organisation_id)
        for role, project_id, municipality_id in rows
    ]


PROJECTLEIDER_ONLY = "Alleen de projectleider van dit project mag dit doen."


def project_perm_require(
    *, actor: Person, project: Project, perm: ProjectPerm, message: str = PROJECTLEIDER_ONLY
) -> None:
    """Raise NotPermitted (with the Dutch `message`) unless `actor` holds `perm` on `project`.

    The one permission check of the services; the same rule as `user_has_project_perm`.
    """
    if not user_has_project_perm(user=actor, project=project, perm=perm):
        raise NotPermitted(message)


def project_access_for_user(
    *, user: Person, slug: str, perm: ProjectPerm = ProjectPerm.VIEW
) -> tuple[Project, frozenset[ProjectPerm]]:
    """The project and every permission `user` holds on it, resolved once (for a request).

    Raises Http404 for both 'absent' and 'lacks `perm`' (no enumeration, R2).
    """
    # The voorstel and the DPIA come along: the gates and the project page ask for both.
    project = (
        Project.objects.select_related("municipality", "projectvoorstel", "dpia")
        .filter(slug=slug)
        .first()
    )
    if project is None:
        raise Http404
    perms = project_perms_for_user(user=user, project=project)
    if perm not in perms:
        raise Http404
    return project, perms


def project_get_for_user(
    *, user: Person, slug: str, perm: ProjectPerm = ProjectPerm.VIEW
) -> Project:
    """The project, or Http404 for both 'absent' and 'not yours' (no enumeration)."""
    return project_access_for_user(user=user, slug=slug, perm=perm)[0]


def project_partner_organisation_ids(*, project: Project) -> set[int]:
    """Ids of the organisations actively taking part in `project`."""
    return set(
        ProjectPartner.objects.active()
        .filter(project=project)
        .values_list("organisation_id", flat=True)
    )


# --- Reads for the project pages. The caller has already passed project_get_for_user. ---

DOCUMENT_KINDS = ("collegebesluit", "projectvoorstel", "projectplan", "dpia", "convenant")


def project_transitions(*, project: Project) -> QuerySet[PhaseTransition]:
    """The phase history of a project, oldest first, with who moved it."""
    return (
        PhaseTransition.objects.filter(project=project).select_related("actor").order_by("at", "id")
    )


def project_partners_overview(*, project: Project) -> list[dict[str, Any]]:
    """Active partners with whether their convenant is valid today (for this project)."""
    valid: dict[int, Convenant] = {}
    for convenant in convenants_valid_on(day=timezone.localdate(), project=project).order_by(
        "valid_from"
    ):
        valid.setdefault(convenant.organisation_id, convenant)
    partners = (
        ProjectPartner.objects.active().filter(project=project).select_related("organisation")
    )
    return [
        {
            "partner": partner,
            "organisation": partner.organisation,
            "convenant": valid.get(partner.organisation_id),
        }
        for partner in partners
    ]


def project_plan_versions(*, project: Project) -> QuerySet[ProjectplanVersion]:
    """Every plan version, newest first, with its acknowledgements."""
    return (
        ProjectplanVersion.objects.filter(project=project)
        .select_related("adopted_by", "created_by")
        .prefetch_related(
            Prefetch(
                "acknowledgements",
                queryset=PlanAcknowledgement.objects.select_related("organisation").order_by(
                    "organisation__name"
                ),
            )
        )
        .order_by("-version")
    )


def project_plan_get(*, project: Project, version: int) -> ProjectplanVersion:
    """One plan version of a project that the caller may see, or Http404."""
    plan = ProjectplanVersion.objects.filter(project=project, version=version).first()
    if plan is None:
        raise Http404
    return plan


def project_documents(*, project: Project) -> list[dict[str, Any]]:
    """The uploaded documents of a project, as (kind, pk, title, date); never a file path."""
    documents: list[dict[str, Any]] = []
    for besluit in Collegebesluit.objects.filter(project=project).exclude(document=""):
        documents.append(
            {
                "kind": "collegebesluit",
                "pk": besluit.pk,
                "title": f"Collegebesluit {besluit.reference}",
                "date": besluit.date,
            }
        )
    voorstel: Projectvoorstel | None = getattr(project, "projectvoorstel", None)
    if voorstel is not None and voorstel.document:
        documents.append(
            {
                "kind": "projectvoorstel",
                "pk": voorstel.pk,
                "title": "Projectvoorstel",
                "date": voorstel.submitted_on,
            }
        )
    for plan in ProjectplanVersion.objects.filter(project=project).exclude(document=""):
        documents.append(
            {
                "kind": "projectplan",
                "pk": plan.pk,
                "title": f"Projectplan versie {plan.version}",
                "date": plan.created_at.date(),
            }
        )
    dpia: Dpia | None = getattr(project, "dpia", None)
    if dpia is not None and dpia.document:
        documents.append({"kind": "dpia", "pk": dpia.pk, "title": "DPIA", "date": dpia.date})
    for convenant in (
        _project_convenants(project=project).exclude(document="").select_related("organisation")
    ):
        documents.append(
            {
                "kind": "convenant",
                "pk": convenant.pk,
                "title": str(convenant),
                "date": convenant.valid_from,
            }
        )
    return documents


def _project_convenants(*, project: Project) -> QuerySet[Convenant]:
    """Convenants of the project's active partners: general ones and those bound to this project."""
    organisations = _active_organisation_ids(project=project)
    return Convenant.objects.filter(
        Q(project__isnull=True) | Q(project=project), organisation_id__in=organisations
    )


def project_document_get_for_user(
    *, user: Person, slug: str, kind: str, pk: int
) -> tuple[Project, models.Model, FieldFile]:
    """The stored file of one project document, or Http404 (absent, not yours, other project)."""
    project = project_get_for_user(user=user, slug=slug, perm=ProjectPerm.VIEW)
    querysets: dict[str, QuerySet[Any]] = {
        "collegebesluit": Collegebesluit.objects.filter(project=project),
        "projectvoorstel": Projectvoorstel.objects.filter(project=project),
        "projectplan": ProjectplanVersion.objects.filter(project=project),
        "dpia": Dpia.objects.filter(project=project),
        "convenant": _project_convenants(project=project),
    }
    if kind not in querysets:
        raise Http404
    obj = querysets[kind].filter(pk=pk).first()
    if obj is None or not obj.document:
        raise Http404
    return project, obj, obj.document


# --- Reads for the partner and role pages of one project (caller passed project_get_for_user). ---


def _active_organisation_ids(*, project: Project) -> QuerySet[ProjectPartner, int]:
    """The ids of the organisations taking part, as a subquery."""
    return (
        ProjectPartner.objects.active()
        .filter(project=project)
        .values_list("organisation_id", flat=True)
    )


def project_roles(*, project: Project, active_only: bool = False) -> QuerySet[ProjectRole]:
    """The roles in a project with their people and organisations, active ones first."""
    roles = ProjectRole.objects.filter(project=project).select_related(
        "person__organisation", "granted_by"
    )
    if active_only:
        roles = roles.active()
    return roles.order_by(
        F("ended_at").desc(nulls_first=True), "person__last_name", "person__first_name", "role"
    )


def project_role_get(*, project: Project, pk: int) -> ProjectRole:
    """An active role of this project, or Http404 (also for another project's role)."""
    role = (
        ProjectRole.objects.active().select_related("person").filter(project=project, pk=pk).first()
    )
    if role is None:
        raise Http404
    return role


def people_for_project(*, project: Project) -> QuerySet[User]:
    """Active people of the organisations taking part in a project (candidates for a role)."""
    return (
        User.objects.filter(
            is_active=True, organisation_id__in=_active_organisation_ids(project=project)
        )
        .select_related("organisation")
        .order_by("organisation__name", "last_name", "first_name", "username")
    )


def organisations_not_in_project(*, project: Project) -> QuerySet[Organisation]:
    """Organisations that could still join a project."""
    return Organisation.objects.exclude(pk__in=_active_organisation_ids(project=project)).order_by(
        "name"
    )


def project_partner_get(*, project: Project, pk: int) -> ProjectPartner:
    """An active partner of this project, or Http404."""
    partner = (
        ProjectPartner.objects.active()
        .select_related("organisation", "project")
        .filter(project=project, pk=pk)
        .first()
    )
    if partner is None:
        raise Http404
    return partner


def project_partner_organisations(*, project: Project) -> QuerySet[Organisation]:
    """Organisations actively taking part in a project."""
    return Organisation.objects.filter(pk__in=_active_organisation_ids(project=project)).order_by(
        "name"
    )
