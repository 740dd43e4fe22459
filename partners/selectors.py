"""Reads about organisations and convenants. `project` is an opaque model here (rule 33)."""

from datetime import date

from django.db import models
from django.db.models import OuterRef, Q, QuerySet
from django.utils import timezone

from .models import Convenant, Organisation


def convenants_valid_on(
    *, day: date, project: models.Model | OuterRef | None = None
) -> QuerySet[Convenant]:
    """Convenants in force on `day`: LSI or general aanvullend ones, or bound to `project` (a
    project, or a reference to the outer query's, `OuterRef("pk")`, inside a subquery)."""
    scope = Q(project__isnull=True)
    if project is not None:
        scope |= Q(project=project)
    return Convenant.objects.filter(scope, valid_from__lte=day).filter(
        Q(valid_until__isnull=True) | Q(valid_until__gte=day)
    )


def organisation_has_valid_convenant(
    *, organisation: Organisation, project: models.Model | None = None, day: date | None = None
) -> bool:
    """Whether an organisation may receive or deliver personal data today (R5: no caching)."""
    day = day or timezone.localdate()
    return convenants_valid_on(day=day, project=project).filter(organisation=organisation).exists()


def organisation_ids_with_valid_convenant(
    *, project: models.Model | None = None, day: date | None = None
) -> set[int]:
    """Ids of the organisations with a convenant in force on `day` (default today)."""
    day = day or timezone.localdate()
    return set(
        convenants_valid_on(day=day, project=project).values_list("organisation_id", flat=True)
    )
