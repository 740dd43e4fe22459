"""What every project-scoped page of every app builds on (style rules 13–14, security R2).

`ProjectScopedMixin` resolves the project of the URL's slug and every permission the person
holds on it once per request (`project_access_for_user`: a few queries, however many
permissions the page asks after, the project menu included: it reads `project_perms` from the
context); a person without `project_perm` gets 404, never 403.
"""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseBase
from django.urls import reverse
from django.views.generic.base import ContextMixin, View

from django_htmx.middleware import HtmxDetails

from partners.models import User

from ..constants import ProjectPerm
from ..models import Project
from ..selectors import project_access_for_user


def person_of(request: HttpRequest) -> User:
    """The signed-in person of a request past the access middleware (R1 lets no one else in)."""
    user = request.user
    if not isinstance(user, User):
        raise PermissionDenied  # unreachable behind the middleware; never serve anonymously
    return user


def is_htmx(request: HttpRequest) -> bool:
    """Whether htmx sent the request (django-htmx's `request.htmx`)."""
    details: HtmxDetails | None = getattr(request, "htmx", None)
    return bool(details)


class ProjectScopedMixin(ContextMixin, View):
    """Loads `self.project` and `self.project_perms` for the URL's slug (404 without
    `project_perm`); `can(perm)` answers from them without another query."""

    project_perm: ProjectPerm = ProjectPerm.VIEW
    project: Project
    project_perms: frozenset[ProjectPerm]

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        self.project, self.project_perms = project_access_for_user(
            user=request.user, slug=kwargs["slug"], perm=self.project_perm
        )
        self.project_loaded(**kwargs)
        return super().dispatch(request, *args, **kwargs)

    def project_loaded(self, **kwargs: Any) -> None:
        """Load what the page needs beyond the project (raising Http404) before its handler."""

    @property
    def person(self) -> User:
        """The signed-in person (see person_of)."""
        return person_of(self.request)

    def can(self, perm: ProjectPerm) -> bool:
        """Whether the person holds `perm` on this project (resolved at dispatch)."""
        return perm in self.project_perms

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        # The project menu (base.html, projects.navigation) reads `project_perms`: no query.
        return {
            **super().get_context_data(**kwargs),
            "project": self.project,
            "project_perms": self.project_perms,
        }

    def project_url(self) -> str:
        return reverse("projects:detail", kwargs={"slug": self.project.slug})
