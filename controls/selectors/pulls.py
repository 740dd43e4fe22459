"""Project-wide reads for incremental pulls by partner systems (REST API v1, issue 14), built
only from the pages' selectors in controls.selectors.evenings: a visit is in a pull exactly
when `visit_list_for_user` shows it on its evening, a finding when its visit is.

Two queries however many evenings: the evenings the person may see, then one query over the
union of each evening's visit selector (subqueries, not rows).
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from projects.constants import ProjectPerm
from projects.models import Project
from projects.selectors import Person

from ..models import Finding, Visit
from .evenings import evening_list_for_user, visit_list_for_user


def _visible_visits(*, user: Person, project: Project, perms: frozenset[ProjectPerm]) -> Q:
    """Visits of every evening `user` may see, each evening as its own selector scopes it."""
    rule = Q(pk__in=[])
    for evening in evening_list_for_user(user=user, project=project, perms=perms):
        evening.project = project  # the selector reads it; the same row, no query
        rule |= Q(pk__in=visit_list_for_user(user=user, evening=evening, perms=perms).values("pk"))
    return rule


def visit_pull_for_user(
    *, user: Person, project: Project, perms: frozenset[ProjectPerm]
) -> QuerySet[Visit]:
    """The project's visits `user` sees on the evening pages (the projectleider all, an
    inspector those of their own teams), with evening and team; unordered (the caller pages)."""
    return Visit.objects.filter(
        _visible_visits(user=user, project=project, perms=perms), project=project
    ).select_related("evening", "team")


def finding_pull_for_user(
    *, user: Person, project: Project, perms: frozenset[ProjectPerm]
) -> QuerySet[Finding]:
    """The findings of the visits in `visit_pull_for_user`, with category and visit."""
    visits = visit_pull_for_user(user=user, project=project, perms=perms)
    return Finding.objects.filter(visit__in=visits.values("pk")).select_related(
        "category", "visit", "visit__evening"
    )
