"""Reads about organisations and convenants."""

from datetime import date

from django.db.models import F, Q, QuerySet
from django.utils import timezone

from .models import Convenant, Organisation


def convenants_valid_on(*, day: date, project=None) -> QuerySet[Convenant]:
    """Convenants in force on `day`: LSI or general aanvullend ones, or bound to `project`."""
    scope = Q(project__isnull=True)
    if project is not None:
        scope |= Q(project=project)
    return Convenant.objects.filter(scope, valid_from__lte=day).filter(
        Q(valid_until__isnull=True) | Q(valid_until__gte=day)
    )


def organisation_has_valid_convenant(
    *, organisation: Organisation, project=None, day: date | None = None
) -> bool:
    """Whether an organisation may receive or deliver personal data today (R5: no caching)."""
    day = day or timezone.localdate()
    return convenants_valid_on(day=day, project=project).filter(organisation=organisation).exists()


def organisation_ids_with_valid_convenant(*, project=None, day: date | None = None) -> set[int]:
    day = day or timezone.localdate()
    return set(
        convenants_valid_on(day=day, project=project).values_list("organisation_id", flat=True)
    )


# --- Reads for the partner and role pages of one project (caller passed project_get_for_user). ---


def project_roles(*, project, active_only: bool = False) -> QuerySet:
    """The roles in a project with their people and organisations, active ones first."""
    from .models import ProjectRole

    roles = ProjectRole.objects.filter(project=project).select_related(
        "person__organisation", "granted_by"
    )
    if active_only:
        roles = roles.filter(ended_at__isnull=True)
    return roles.order_by(
        F("ended_at").desc(nulls_first=True), "person__last_name", "person__first_name", "role"
    )


def project_role_get(*, project, pk: int):
    """An active role of this project, or Http404 (also for another project's role)."""
    from django.http import Http404

    from .models import ProjectRole

    role = (
        ProjectRole.objects.select_related("person")
        .filter(project=project, pk=pk, ended_at__isnull=True)
        .first()
    )
    if role is None:
        raise Http404
    return role


def people_for_project(*, project) -> QuerySet:
    """Active people of the organisations taking part in a project (candidates for a role)."""
    from projects.models import ProjectPartner

    from .models import User

    organisations = ProjectPartner.objects.filter(project=project, left_at__isnull=True).values(
        "organisation_id"
    )
    return (
        User.objects.filter(is_active=True, organisation_id__in=organisations)
        .select_related("organisation")
        .order_by("organisation__name", "last_name", "first_name", "username")
    )


def organisations_not_in_project(*, project) -> QuerySet[Organisation]:
    """Organisations that could still join a project."""
    from projects.models import ProjectPartner

    active = ProjectPartner.objects.filter(project=project, left_at__isnull=True).values(
        "organisation_id"
    )
    return Organisation.objects.exclude(pk__in=active).order_by("name")


def project_partner_get(*, project, pk: int):
    """An active partner of this project, or Http404."""
    from django.http import Http404

    from projects.models import ProjectPartner

    partner = (
        ProjectPartner.objects.select_related("organisation", "project")
        .filter(project=project, pk=pk, left_at__isnull=True)
        .first()
    )
    if partner is None:
        raise Http404
    return partner


def project_partner_organisations(*, project) -> QuerySet[Organisation]:
    """Organisations actively taking part in a project."""
    from projects.models import ProjectPartner

    active = ProjectPartner.objects.filter(project=project, left_at__isnull=True).values(
        "organisation_id"
    )
    return Organisation.objects.filter(pk__in=active).order_by("name")
