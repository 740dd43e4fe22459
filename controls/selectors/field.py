"""Reads of the inspector's tablet (issue 11 items 3–6), on top of controls.selectors.evenings.

Every function takes visits or a project that the caller has already scoped to the person
through `visit_list_for_user` / `visit_get_for_user` (evenings.py); it only adds what the route
page and the sync endpoints need besides them, in one query each.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from partners.models import User
from projects.constants import ProjectPerm
from projects.models import Project
from projects.selectors import Person

from ..constants import EVENING_RECORDING_OPEN
from ..models import Controleavond, Finding, FindingCategory, Visit
from .evenings import EVENING_NOT_TONIGHT, visit_get_for_user


def findings_of_visits(*, visits: Iterable[Visit]) -> dict[int, list[Finding]]:
    """The findings of the given (already scoped) visits, per visit pk, oldest first; one
    query. The caller has written the processing log for these visits' addresses."""
    pks = [visit.pk for visit in visits]
    found: dict[int, list[Finding]] = {pk: [] for pk in pks}
    if not pks:
        return found
    for finding in (
        Finding.objects.filter(visit_id__in=pks)
        .select_related("category")
        .order_by("recorded_at", "id")
    ):
        found[finding.visit_id].append(finding)
    return found


def finding_categories_active(*, project: Project) -> QuerySet[FindingCategory]:
    """The project's finding categories in use, in the projectleider's order."""
    return FindingCategory.objects.filter(project=project, is_active=True).order_by(
        "position", "id"
    )


def finding_category_by_code(*, project: Project, code: str) -> FindingCategory | None:
    """The project's active category with this code, or None."""
    return finding_categories_active(project=project).filter(code=code).first()


def finding_get_for_user(
    *, user: Person, project: Project, pk: int, perms: frozenset[ProjectPerm] | None = None
) -> Finding:
    """One finding of a visit `user` may see (visit_get_for_user's rule), or Http404."""
    visit_id = (
        Finding.objects.filter(pk=pk, visit__project=project)
        .values_list("visit_id", flat=True)
        .first()
    )
    if visit_id is None:
        raise Http404
    visit = visit_get_for_user(user=user, project=project, pk=visit_id, perms=perms)
    finding = Finding.objects.select_related("category").filter(pk=pk).first()
    if finding is None:  # pragma: no cover - deleted in between
        raise Http404
    finding.visit = visit
    return finding


def evening_is_tonight(*, evening: Controleavond, day: date | None = None) -> bool:
    """Whether the evening starts on `day` (default today, local time) and is still on."""
    day = day or timezone.localdate()
    return (
        timezone.localtime(evening.starts_at).date() == day
        and evening.status not in EVENING_NOT_TONIGHT
    )


def evening_recording_open(*, evening: Controleavond) -> bool:
    """Whether results and findings may be recorded now (the services check it again)."""
    return evening.status in EVENING_RECORDING_OPEN


def route_cacheable(*, user: Person, evening: Controleavond, perms: frozenset[ProjectPerm]) -> bool:
    """Whether this route page may be kept on the device (R26): only tonight's route of an
    inspector who records visits on it."""
    return (
        isinstance(user, User)
        and ProjectPerm.RECORD_VISITS in perms
        and evening_is_tonight(evening=evening)
    )
