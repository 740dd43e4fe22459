"""Reads of projects, scoped to what a user may see (style rules 12–14, security R2/R5).

A person sees a project only through a role in it (a guardian object permission granted by
projects.services.roles) *and* an active participation of their own organisation. Permissions that
reach personal data also need the organisation's convenant to be valid today.
"""

from typing import Any

from django.db.models import F, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from guardian.shortcuts import get_objects_for_user

from partners.models import Convenant, Organisation, User
from partners.selectors import convenants_valid_on, organisation_has_valid_convenant
from wijkaanpak.core.exceptions import NotPermitted

from .constants import ProjectPerm
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
    }
)


def project_list_for_user(*, user, perm: ProjectPerm = ProjectPerm.VIEW) -> QuerySet[Project]:
    """Projects where `user` holds `perm` through a role and their organisation takes part."""
    if not user.is_authenticated or user.organisation_id is None:
        return Project.objects.none()
    projects = get_objects_for_user(
        user, f"projects.{perm.value}", klass=Project, accept_global_perms=False
    )
    participating = (
        ProjectPartner.objects.active()
        .filter(organisation_id=user.organisation_id)
        .values("project_id")
    )
    return projects.filter(pk__in=participating).select_related("municipality")


def user_has_project_perm(*, user, project: Project, perm: ProjectPerm) -> bool:
    """The single access check on one project; never short-circuits for superusers (rule 16)."""
    if not user.is_authenticated or user.organisation_id is None or not user.is_active:
        return False
    if not project_list_for_user(user=user, perm=perm).filter(pk=project.pk).exists():
        return False
    if perm in PERSONAL_DATA_PERMS:
        return organisation_has_valid_convenant(organisation=user.organisation, project=project)
    return True


PROJECTLEIDER_ONLY = "Alleen de projectleider van dit project mag dit doen."


def project_perm_require(
    *, actor, project: Project, perm: ProjectPerm, message: str = PROJECTLEIDER_ONLY
) -> None:
    """Raise NotPermitted (with the Dutch `message`) unless `actor` holds `perm` on `project`.

    The one permission check of the services; the same rule as `user_has_project_perm`.
    """
    if not user_has_project_perm(user=actor, project=project, perm=perm):
        raise NotPermitted(message)


def project_get_for_user(*, user, slug: str, perm: ProjectPerm = ProjectPerm.VIEW) -> Project:
    """The project, or Http404 for both 'absent' and 'not yours' (no enumeration)."""
    project = Project.objects.select_related("municipality").filter(slug=slug).first()
    if project is None or not user_has_project_perm(user=user, project=project, perm=perm):
        raise Http404
    return project


def project_partner_organisation_ids(*, project: Project) -> set[int]:
    """Ids of the organisations actively taking part in `project`."""
    return set(
        ProjectPartner.objects.active()
        .filter(project=project)
        .values_list("organisation_id", flat=True)
    )


# --- Reads for the project pages. The caller has already passed project_get_for_user. ---

DOCUMENT_KINDS = ("collegebesluit", "projectvoorstel", "projectplan", "dpia", "convenant")


def project_transitions(*, project: Project):
    """The phase history of a project, oldest first, with who moved it."""
    return (
        PhaseTransition.objects.filter(project=project).select_related("actor").order_by("at", "id")
    )


def project_partners_overview(*, project: Project) -> list[dict]:
    """Active partners with whether their convenant is valid today (for this project)."""
    valid = {}
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


def project_plan_versions(*, project: Project):
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


def project_plan_get(*, project: Project, version: int):
    """One plan version of a project that the caller may see, or Http404."""
    plan = ProjectplanVersion.objects.filter(project=project, version=version).first()
    if plan is None:
        raise Http404
    return plan


def project_documents(*, project: Project) -> list[dict]:
    """The uploaded documents of a project, as (kind, pk, title, date); never a file path."""
    documents: list[dict] = []
    for besluit in Collegebesluit.objects.filter(project=project).exclude(document=""):
        documents.append(
            {
                "kind": "collegebesluit",
                "pk": besluit.pk,
                "title": f"Collegebesluit {besluit.reference}",
                "date": besluit.date,
            }
        )
    for voorstel in Projectvoorstel.objects.filter(project=project).exclude(document=""):
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
    for dpia in Dpia.objects.filter(project=project).exclude(document=""):
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


def _project_convenants(*, project: Project):
    """Convenants of the project's active partners: general ones and those bound to this project."""
    organisations = _active_organisation_ids(project=project)
    return Convenant.objects.filter(
        Q(project__isnull=True) | Q(project=project), organisation_id__in=organisations
    )


def project_document_get_for_user(*, user, slug: str, kind: str, pk: int):
    """The stored file of one project document, or Http404 (absent, not yours, other project)."""
    project = project_get_for_user(user=user, slug=slug, perm=ProjectPerm.VIEW)
    querysets = {
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


def _active_organisation_ids(*, project: Project) -> QuerySet[ProjectPartner, dict[str, Any]]:
    return ProjectPartner.objects.active().filter(project=project).values("organisation_id")


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
