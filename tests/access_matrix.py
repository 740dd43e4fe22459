"""The access matrix (security R1, R2): who gets what status on which URL, data-driven.

How to add your URLs
--------------------
1. Add one `Row` per URL name (and method) to `ROWS`: the expected status per role on the
   project the role belongs to (`own`), and `other` for what every role gets on a project it
   has no role in (404 for anything project-scoped; never 403). Use `None` for `other` when
   the URL is not about one project (the list, the login page).
2. If the URL needs more than the project slug, register a kwargs builder with
   `@kwargs_builder("name")`: it gets the `MatrixProject` (project plus the objects made for
   it by `SETUP_HOOKS`) and returns the URL kwargs. Add a setup hook if your objects are not
   there yet: `SETUP_HOOKS.append(fn)`, `fn(mp: MatrixProject) -> None` filling `mp.extra`.
3. tests/core/test_access_matrix.py walks `django.urls.get_resolver()`: a URL pattern without
   a row fails, except the names in the namespaces listed in `PENDING_NAMESPACES`
   (engineers are building them now; move them out of PENDING once rows exist).

The people (tests/conftest.py) each hold one role in project A; project B is someone else's.
Each cell runs in its own transaction, so POST rows may change state.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

ROLES = ("projectleider", "analist", "inspecteur", "behandelaar", "adviseur")

# Reachable without login (security R1 allowlist). Static files are not URL patterns here.
PUBLIC = frozenset({"login", "health"})
# Reachable with a password login that still lacks its second factor.
OTP_STEP = frozenset({"otp-verify", "otp-setup"})
# Namespaces whose rows are still being written by other engineers (see the module docstring).
PENDING_NAMESPACES = frozenset({"datasharing", "matching"})


@dataclass
class MatrixProject:
    """A project in the matrix and the objects its URL kwargs point at."""

    project: object
    extra: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Row:
    name: str  # "namespace:name", or "namespace:*" to cover every pattern of a namespace
    own: dict[str, int]  # role -> expected status on the project the person belongs to
    other: int | None = 404  # every role, on project B; None: the URL is not project-scoped
    method: str = "get"
    kwargs: str = "project"  # key into KWARGS
    data: dict | None = None
    url_name: str | None = None  # the concrete URL to request for a "namespace:*" row


KWARGS: dict[str, Callable[[MatrixProject], dict]] = {}
SETUP_HOOKS: list[Callable[[MatrixProject], None]] = []


def kwargs_builder(name: str):
    def register(function):
        KWARGS[name] = function
        return function

    return register


@kwargs_builder("none")
def _no_kwargs(mp: MatrixProject) -> dict:
    return {}


@kwargs_builder("project")
def _project_kwargs(mp: MatrixProject) -> dict:
    return {"slug": mp.project.slug}


@kwargs_builder("plan")
def _plan_kwargs(mp: MatrixProject) -> dict:
    return {"slug": mp.project.slug, "version": mp.extra["plan"].version}


@kwargs_builder("document")
def _document_kwargs(mp: MatrixProject) -> dict:
    return {"slug": mp.project.slug, "kind": "collegebesluit", "pk": mp.extra["besluit"].pk}


@kwargs_builder("partner")
def _partner_kwargs(mp: MatrixProject) -> dict:
    return {"slug": mp.project.slug, "pk": mp.extra["partner"].pk}


@kwargs_builder("role")
def _role_kwargs(mp: MatrixProject) -> dict:
    return {"slug": mp.project.slug, "pk": mp.extra["role"].pk}


def _projects_setup(mp: MatrixProject) -> None:
    """A collegebesluit (with document), an adopted plan v1, a partner and a role to point at."""
    from partners.models import ProjectRole
    from projects.constants import Phase
    from tests.factories import project_to_phase

    project = project_to_phase(mp.project, Phase.PARTNERS)
    mp.project = project
    mp.extra["besluit"] = project.collegebesluiten.get()
    mp.extra["plan"] = project.plan_versions.get()
    mp.extra["partner"] = (
        project.partners.exclude(organisation=project.municipality).order_by("pk").first()
    )
    mp.extra["role"] = (
        ProjectRole.objects.filter(project=project, ended_at__isnull=True).order_by("pk").first()
    )


SETUP_HOOKS.append(_projects_setup)


def everyone(status: int) -> dict[str, int]:
    return dict.fromkeys(ROLES, status)


def leader_only(status: int) -> dict[str, int]:
    """The projectleider gets `status`; every other role 404 (the project is not theirs to manage)."""
    return {**everyone(404), "projectleider": status}


ROWS: list[Row] = [
    # --- projects ---
    Row("projects:list", everyone(200), other=None, kwargs="none"),
    Row(
        "projects:create",
        {
            "projectleider": 200,
            "analist": 200,
            "inspecteur": 404,
            "behandelaar": 404,
            "adviseur": 404,
        },
        other=None,
        kwargs="none",
    ),
    Row("projects:detail", everyone(200)),
    Row("projects:update", leader_only(200)),
    Row("projects:advance", leader_only(302), method="post"),
    Row("projects:advance", leader_only(405), method="get"),
    Row("projects:collegebesluit", leader_only(200)),
    Row("projects:voorstel", leader_only(200)),
    Row("projects:plan_create", leader_only(200)),
    Row("projects:plan_detail", everyone(200), kwargs="plan"),
    Row("projects:plan_adopt", leader_only(302), method="post", kwargs="plan"),
    Row("projects:plan_acknowledge", everyone(302), method="post", kwargs="plan"),
    Row("projects:dpia", leader_only(200)),
    Row("projects:document", everyone(200), kwargs="document"),
    # --- partners ---
    Row("partners:project_partners", leader_only(200)),
    Row("partners:partner_remove", leader_only(302), method="post", kwargs="partner"),
    Row("partners:partner_remove", leader_only(405), method="get", kwargs="partner"),
    Row("partners:convenant_create", leader_only(200)),
    Row("partners:project_roles", leader_only(200)),
    Row("partners:role_end", leader_only(302), method="post", kwargs="role"),
    # --- login, second factor, logout, health, API schema (a verified session) ---
    Row("login", everyone(302), other=None, kwargs="none"),
    Row("otp-verify", everyone(302), other=None, kwargs="none"),
    Row("otp-setup", everyone(302), other=None, kwargs="none"),
    Row("logout", everyone(405), other=None, kwargs="none"),
    Row("health", everyone(200), other=None, kwargs="none"),
    Row("api-schema", everyone(200), other=None, kwargs="none"),
    # --- admin: functional administrators only (is_staff); no project role is staff ---
    Row("admin:*", everyone(302), other=None, kwargs="none", url_name="admin:index"),
]
