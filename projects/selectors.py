"""Reads of projects, scoped to what a user may see (style rules 12–14, security R2/R5).

A person sees a project only through a role in it (a guardian object permission granted by
partners.services) *and* an active participation of their own organisation. Permissions that
reach personal data also need the organisation's convenant to be valid today.
"""

from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404
from django.utils import timezone

from guardian.shortcuts import get_objects_for_user

from partners.constants import ProjectPerm
from partners.selectors import convenants_valid_on
from wijkaanpak.core.exceptions import NotPermitted

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
    """Projects where `user` holds `perm` through a role and their organisation takes part;
    for a permission that reaches personal data, also with a convenant valid today (R5)."""
    if not user.is_authenticated or user.organisation_id is None:
        return Project.objects.none()
    projects = get_objects_for_user(
        user, f"projects.{perm.value}", klass=Project, accept_global_perms=False
    )
    participating = ProjectPartner.objects.filter(
        organisation_id=user.organisation_id, left_at__isnull=True
    ).values("project_id")
    projects = projects.filter(pk__in=participating)
    if perm in PERSONAL_DATA_PERMS:
        valid = convenants_valid_on(day=timezone.localdate(), project=OuterRef("pk"))
        projects = projects.filter(Exists(valid.filter(organisation_id=user.organisation_id)))
    return projects.select_related("municipality")


def user_project_roles(*, user) -> list[tuple[str, int, bool]]:
    """(role, project id, whether the user works for the project's municipality) for each
    active role of the user in a project they may see; the start page is chosen from these."""
    from partners.models import ProjectRole

    rows = ProjectRole.objects.filter(
        person=user, ended_at__isnull=True, project__in=project_list_for_user(user=user)
    ).values_list("role", "project_id", "project__municipality_id")
    return [(role, pid, municipality == user.organisation_id) for role, pid, municipality in rows]


def user_has_project_perm(*, user, project: Project, perm: ProjectPerm) -> bool:
    """The single access check on one project (one query: role, participation and, for
    personal data, the convenant); never short-circuits for superusers (rule 16)."""
    if not user.is_authenticated or user.organisation_id is None or not user.is_active:
        return False
    return project_list_for_user(user=user, perm=perm).filter(pk=project.pk).exists()


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
    return set(
        ProjectPartner.objects.filter(project=project, left_at__isnull=True).values_list(
            "organisation_id", flat=True
        )
    )


# --- Reads for the project pages. The caller has already passed project_get_for_user. ---

DOCUMENT_KINDS = ("collegebesluit", "projectvoorstel", "projectplan", "dpia", "convenant")


def project_transitions(*, project: Project):
    """The phase history of a project, oldest first, with who moved it."""
    from .models import PhaseTransition

    return (
        PhaseTransition.objects.filter(project=project).select_related("actor").order_by("at", "id")
    )


def project_partners_overview(*, project: Project) -> list[dict]:
    """Active partners with whether their convenant is valid today (for this project)."""
    from django.utils import timezone

    from partners.selectors import convenants_valid_on

    valid = {}
    for convenant in convenants_valid_on(day=timezone.localdate(), project=project).order_by(
        "valid_from"
    ):
        valid.setdefault(convenant.organisation_id, convenant)
    partners = ProjectPartner.objects.filter(project=project, left_at__isnull=True).select_related(
        "organisation"
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
    from django.db.models import Prefetch

    from .models import PlanAcknowledgement, ProjectplanVersion

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
    from .models import ProjectplanVersion

    plan = ProjectplanVersion.objects.filter(project=project, version=version).first()
    if plan is None:
        raise Http404
    return plan


def project_documents(*, project: Project) -> list[dict]:
    """The uploaded documents of a project, as (kind, pk, title, date); never a file path."""
    from .models import Collegebesluit, Dpia, ProjectplanVersion, Projectvoorstel

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
    from django.db.models import Q

    from partners.models import Convenant

    organisations = ProjectPartner.objects.filter(project=project, left_at__isnull=True).values(
        "organisation_id"
    )
    return Convenant.objects.filter(
        Q(project__isnull=True) | Q(project=project), organisation_id__in=organisations
    )


def project_document_get_for_user(*, user, slug: str, kind: str, pk: int):
    """The stored file of one project document, or Http404 (absent, not yours, other project)."""
    from .models import Collegebesluit, Dpia, ProjectplanVersion, Projectvoorstel

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
