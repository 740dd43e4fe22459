"""Finding categories per project, kept by the projectleider from the default list
(DEFAULT_FINDING_CATEGORIES). A category in use is never deleted: it is deactivated, so the
findings that name it keep their meaning."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.text import slugify

from partners.models import User
from projects.constants import ProjectPerm
from projects.models import Project
from projects.selectors import project_perm_require
from wijkaanpak.core.events import event_record
from wijkaanpak.core.exceptions import ApplicationError

from ..constants import DEFAULT_FINDING_CATEGORIES, ReferralKind
from ..models import FindingCategory

NOT_ALLOWED_CATEGORIES = (
    "Alleen de projectleider mag de bevindingcategorieën van dit project beheren."
)
LABEL_REQUIRED = "Geef de categorie een naam."
LABEL_TAKEN = "Er is al een categorie met deze naam in dit project."
REFERRAL_KIND_UNKNOWN = "Kies de gebruikelijke doorverwijzing."
ALREADY_INACTIVE = "Deze categorie is al niet meer in gebruik."
ALREADY_ACTIVE = "Deze categorie is al in gebruik."


@transaction.atomic
def finding_categories_ensure_defaults(*, project: Project) -> list[FindingCategory]:
    """Create the default categories the project does not have yet (by code); idempotent.

    Existing categories (also renamed or deactivated ones) are left as they are. Returns the
    categories created now. A system step (no actor, no permission): the planner's pages and
    the demo call it before showing or recording categories.
    """
    have = set(FindingCategory.objects.filter(project=project).values_list("code", flat=True))
    created = [
        FindingCategory(
            project=project,
            code=default.code,
            label=default.label,
            referral_kind=default.referral_kind,
            target_kinds=[str(kind) for kind in default.target_kinds],
            target_unit=default.target_unit,
            position=(index + 1) * 10,
        )
        for index, default in enumerate(DEFAULT_FINDING_CATEGORIES)
        if default.code not in have
    ]
    if not created:
        return []
    return FindingCategory.objects.bulk_create(created, ignore_conflicts=True)


def _label_clean(*, project: Project, label: str, exclude_pk: int | None = None) -> str:
    label = (label or "").strip()
    if not label:
        raise ApplicationError(LABEL_REQUIRED, {"field": "label"})
    same = FindingCategory.objects.filter(project=project, label__iexact=label)
    if exclude_pk is not None:
        same = same.exclude(pk=exclude_pk)
    if same.exists():
        raise ApplicationError(LABEL_TAKEN, {"field": "label"})
    return label


def _referral_kind_clean(referral_kind: str) -> str:
    if referral_kind not in ReferralKind.values:
        raise ApplicationError(REFERRAL_KIND_UNKNOWN, {"field": "referral_kind"})
    return referral_kind


def _unique_code(*, project: Project, label: str) -> str:
    base = (slugify(label).replace("-", "_") or "categorie")[:32]
    taken = set(
        FindingCategory.objects.filter(project=project, code__startswith=base).values_list(
            "code", flat=True
        )
    )
    code, number = base, 2
    while code in taken:
        code, number = f"{base}_{number}", number + 1
    return code


@transaction.atomic
def finding_category_create(
    *,
    actor: User,
    project: Project,
    label: str,
    referral_kind: str,
    description: str = "",
    target_unit: str = "",
) -> FindingCategory:
    """Add a category of the project's own (last in the list). Caller: the projectleider
    (PLAN_CONTROLS); raises ApplicationError beside the field for an empty or taken label."""
    project_perm_require(
        actor=actor, project=project, perm=ProjectPerm.PLAN_CONTROLS, message=NOT_ALLOWED_CATEGORIES
    )
    label = _label_clean(project=project, label=label)
    referral_kind = _referral_kind_clean(referral_kind)
    last = FindingCategory.objects.filter(project=project).aggregate(last=Max("position"))["last"]
    try:
        with transaction.atomic():
            category = FindingCategory.objects.create(
                project=project,
                code=_unique_code(project=project, label=label),
                label=label,
                description=(description or "").strip(),
                referral_kind=referral_kind,
                target_unit=(target_unit or "").strip(),
                position=(last or 0) + 10,
            )
    except IntegrityError as error:
        raise ApplicationError(LABEL_TAKEN, {"field": "label"}) from error
    event_record(
        actor=actor,
        kind="finding_category_created",
        project=project,
        obj=category,
        data={"code": category.code},
    )
    return category


@transaction.atomic
def finding_category_update(
    *,
    actor: User,
    category: FindingCategory,
    label: str,
    referral_kind: str,
    description: str = "",
    target_unit: str = "",
) -> FindingCategory:
    """Rename a category or change its usual referral; its code (and so the findings that
    name it) stays. Caller: the projectleider (PLAN_CONTROLS)."""
    category = (
        FindingCategory.objects.select_for_update().select_related("project").get(pk=category.pk)
    )
    project = category.project
    project_perm_require(
        actor=actor, project=project, perm=ProjectPerm.PLAN_CONTROLS, message=NOT_ALLOWED_CATEGORIES
    )
    previous = category.label
    category.label = _label_clean(project=project, label=label, exclude_pk=category.pk)
    category.referral_kind = _referral_kind_clean(referral_kind)
    category.description = (description or "").strip()
    category.target_unit = (target_unit or "").strip()
    category.save(update_fields=["label", "referral_kind", "description", "target_unit"])
    event_record(
        actor=actor,
        kind="finding_category_updated",
        project=project,
        obj=category,
        data={"code": category.code, "previous_label": previous},
    )
    return category


@transaction.atomic
def finding_category_set_active(
    *, actor: User, category: FindingCategory, active: bool
) -> FindingCategory:
    """Deactivate a category (no new findings in it; existing ones keep it) or take it back
    into use. Caller: the projectleider (PLAN_CONTROLS)."""
    category = (
        FindingCategory.objects.select_for_update().select_related("project").get(pk=category.pk)
    )
    project_perm_require(
        actor=actor,
        project=category.project,
        perm=ProjectPerm.PLAN_CONTROLS,
        message=NOT_ALLOWED_CATEGORIES,
    )
    if category.is_active == active:
        raise ApplicationError(ALREADY_ACTIVE if active else ALREADY_INACTIVE)
    category.is_active = active
    category.save(update_fields=["is_active"])
    event_record(
        actor=actor,
        kind="finding_category_activated" if active else "finding_category_deactivated",
        project=category.project,
        obj=category,
        data={"code": category.code},
    )
    return category


def finding_category_deactivate(*, actor: User, category: FindingCategory) -> FindingCategory:
    """Deactivate a category (see finding_category_set_active)."""
    return finding_category_set_active(actor=actor, category=category, active=False)
