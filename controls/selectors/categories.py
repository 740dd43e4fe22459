"""Reads of a project's finding categories (no personal data; the caller has resolved the
project through ProjectScopedMixin)."""

from __future__ import annotations

from django.db.models import Count, QuerySet
from django.http import Http404

from projects.models import Project

from ..models import FindingCategory


def finding_category_list(
    *, project: Project, active_only: bool = False
) -> QuerySet[FindingCategory]:
    """The project's categories in their order, each with its number of findings."""
    categories = FindingCategory.objects.filter(project=project)
    if active_only:
        categories = categories.filter(is_active=True)
    return categories.annotate(finding_count=Count("findings")).order_by("position", "id")


def finding_category_get(*, project: Project, pk: int) -> FindingCategory:
    """One category of the project, or Http404."""
    category = FindingCategory.objects.filter(project=project, pk=pk).first()
    if category is None:
        raise Http404
    return category
