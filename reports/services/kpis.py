"""The prestatieafspraken of a plan version (issue 13.2)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from django.db import transaction

from partners.models import User
from projects.constants import ProjectPerm
from projects.models import ProjectplanVersion
from projects.selectors import project_perm_require
from wijkaanpak.core.events import event_record
from wijkaanpak.core.exceptions import ApplicationError

from ..constants import KPI_PLAN_SUPERSEDED, KPI_TARGET_NEGATIVE, KpiMeasure
from ..models import KpiTarget


@transaction.atomic
def kpi_targets_save(
    *, actor: User, plan: ProjectplanVersion, targets: Mapping[str, Decimal | None]
) -> list[KpiTarget]:
    """Set the targets of the newest plan version: a value per measure, None removes it.

    Caller must be the projectleider (MANAGE). Raises NotPermitted, or ApplicationError for an
    older version or a negative target. One Event with the targets before and after.
    """
    project_perm_require(actor=actor, project=plan.project, perm=ProjectPerm.MANAGE)
    plan = ProjectplanVersion.objects.select_for_update().get(pk=plan.pk)
    newest = (
        ProjectplanVersion.objects.filter(project_id=plan.project_id)
        .order_by("-version")
        .values_list("pk", flat=True)
        .first()
    )
    if newest != plan.pk:
        raise ApplicationError(KPI_PLAN_SUPERSEDED)
    before = {t.measure: str(t.target) for t in KpiTarget.objects.filter(plan_version=plan)}
    for measure, value in targets.items():
        KpiMeasure(measure)  # only the fixed list (ValueError otherwise)
        if value is None:
            KpiTarget.objects.filter(plan_version=plan, measure=measure).delete()
            continue
        if value < 0:
            raise ApplicationError(KPI_TARGET_NEGATIVE, extra={"field": f"target_{measure}"})
        target, _created = KpiTarget.objects.get_or_create(
            plan_version=plan, measure=measure, defaults={"target": value, "updated_by": actor}
        )
        target.target, target.updated_by = value, actor
        target.full_clean()
        target.save()
    saved = list(KpiTarget.objects.filter(plan_version=plan).order_by("measure"))
    event_record(
        actor=actor,
        kind="kpi_targets_saved",
        project=plan.project,
        obj=plan,
        data={"before": before, "after": {t.measure: str(t.target) for t in saved}},
    )
    return saved
