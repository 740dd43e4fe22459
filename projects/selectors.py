"""Reads of projects, scoped to what a user may see (style rules 12–14, security R2/R5).

A person sees a project only through a role in it (a guardian object permission granted by
partners.services) *and* an active participation of their own organisation. Permissions that
reach personal data also need the organisation's convenant to be valid today.
"""

from django.db.models import QuerySet
from django.http import Http404
from guardian.shortcuts import get_objects_for_user

from partners.constants import ProjectPerm
from partners.selectors import organisation_has_valid_convenant

from .models import Project, ProjectPartner

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
    participating = ProjectPartner.objects.filter(
        organisation_id=user.organisation_id, left_at__isnull=True
    ).values("project_id")
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


def project_get_for_user(*, user, slug: str, perm: ProjectPerm = ProjectPerm.VIEW) -> Project:
    """The project, or Http404 for both 'absent' and 'not yours' (no enumeration)."""
    project = Project.objects.select_related("municipality").filter(slug=slug).first()
    if project is None or not user_has_project_perm(user=user, project=project, perm=perm):
        raise Http404
    return project


def project_partner_organisation_ids(*, project: Project) -> set[int]:
    return set(
        ProjectPartner.objects.filter(project=project, left_at__isnull=True).values_list(
            "organisation_id", flat=True
        )
    )
