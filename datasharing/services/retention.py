"""Retention (formats.md §2, design.md step 9, security R20): destroy personal data on time.

Three rules, each with its period configurable per project:

1. `niet_geselecteerd` — once the selection is closed plus `retention_unselected_weeks` (default
   4 weeks): pseudonymised records and vault entries of addresses that were not selected, and
   person records that do not belong to a selected address;
2. `selectie_verlopen` — once the selection is closed plus `retention_selection_months` (at most
   24): every remaining pseudonymised record and vault entry of the project;
3. `project_afgesloten` — once the project is closed plus `retention_after_close_weeks` (default
   4 weeks): everything personal — records, vault entries, validation reports, raw files — and the
   project's keys (crypto-shredding).

Each destruction writes a DestructionRecord with counts per table and the rule, never personal
data. The rules are idempotent: a second run finds nothing and records nothing.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

import structlog
from dateutil.relativedelta import relativedelta

from datasharing.constants import (
    DELIVERY_TRANSITIONS,
    DeliveryStatus,
    DestructionRule,
    Source,
)
from datasharing.models import (
    RECORD_MODELS,
    AddressVaultEntry,
    BagRecord,
    BrpRecord,
    Delivery,
    DeliveryIssue,
    DestructionRecord,
    EigendomRecord,
    HuurRecord,
    OwnerVaultEntry,
    ProjectKey,
)
from datasharing.pseudonymisation import project_key_destroy
from datasharing.registries import RETENTION_HOOKS, selection_facts
from projects.constants import Phase
from projects.models import PhaseTransition, Project
from wijkaanpak.core.processing_log import processing_log_write
from wijkaanpak.core.transitions import sources_of

from .deliveries import delivery_transition

logger = structlog.get_logger(__name__)

DESCRIPTION_NOT_SELECTED = "Gepseudonimiseerde gegevens van niet-geselecteerde adressen vernietigd"
DESCRIPTION_SELECTION_EXPIRED = (
    "Bewaartermijn van de selectie verstreken: gepseudonimiseerde gegevens vernietigd"
)
DESCRIPTION_PROJECT_CLOSED = (
    "Project afgesloten: leveringen, gepseudonimiseerde gegevens, adreskluis en "
    "projectsleutel vernietigd"
)

# Every delivery that may still be destroyed (DELIVERY_TRANSITIONS).
LIVE_DELIVERY_STATUSES = sources_of(DELIVERY_TRANSITIONS, DeliveryStatus.VERNIETIGD)


# --- when -----------------------------------------------------------------------------------------


def project_closed_at(project: Project) -> datetime | None:
    """When the project was closed (None while Project.is_closed says it is open):
    `closed_at`, else its transition to `afgesloten`."""
    if not project.is_closed:
        return None
    if project.closed_at is not None:
        return project.closed_at
    transition = (
        PhaseTransition.objects.filter(project=project, to_phase=Phase.AFGESLOTEN)
        .order_by("-at")
        .first()
    )
    return transition.at if transition else None


def selection_rule_available() -> bool:
    """Whether an app told retention about the selection (the two selection rules need it)."""
    return selection_facts() is not None


def _selection_closed_at(project: Project) -> datetime | None:
    facts = selection_facts()
    return facts.closed_at(project) if facts else None


def _selected_address_keys(project: Project) -> set[str]:
    facts = selection_facts()
    return set(facts.selected_address_keys(project)) if facts else set()


def _hooks_destroy(rule: DestructionRule, project: Project, now: datetime) -> dict[str, int]:
    """Let the registered apps destroy their own personal data for `rule` (counts only, per
    "<app>:<table>")."""
    counts: dict[str, int] = {}
    for hook in RETENTION_HOOKS:
        if rule in hook.rules:
            for table, count in hook.destroy(project, now).items():
                counts[f"{hook.name}:{table}"] = count
    return counts


# --- rules ----------------------------------------------------------------------------------------


def _record(
    *,
    project: Project,
    rule: DestructionRule,
    description: str,
    counts: dict[str, int],
    now: datetime,
    details: dict[str, Any] | None = None,
) -> DestructionRecord:
    counts = {table: int(count) for table, count in counts.items() if count}
    record = DestructionRecord.objects.create(
        project=project,
        rule=rule,
        description=description,
        rows_destroyed=sum(counts.values()),
        details={"tables": counts, **(details or {})},
        executed_at=now,
    )
    processing_log_write(
        actor=None,
        action="delete",
        name=f"retention_{rule}",
        ground="data_intake",
        project=project,
        obj=record,
    )
    logger.info("retention_destroyed", project_id=project.pk, rule=rule, rows=record.rows_destroyed)
    return record


def _delete_counted(queryset: QuerySet[Any]) -> int:
    _, per_model = queryset.delete()
    return sum(per_model.values())


def _destroy_unselected(project: Project, selected: set[str]) -> dict[str, int]:
    counts: dict[str, int] = {}
    bag_selected = BagRecord.objects.filter(project=project, address_key__in=selected)
    selected_nads = set(
        bag_selected.exclude(nummeraanduiding_key="").values_list("nummeraanduiding_key", flat=True)
    )
    located = Q(address_key__in=selected) | (
        Q(address_key="") & Q(nummeraanduiding_key__in=selected_nads)
    )
    persons = set(
        BrpRecord.objects.filter(located, project=project).values_list("person_key", flat=True)
    )
    persons |= set(
        HuurRecord.objects.filter(located, project=project).values_list("huurder_key", flat=True)
    )
    for source, model in RECORD_MODELS.items():
        queryset = model._default_manager.filter(project=project)
        if source in (Source.UITKERING,):
            queryset = queryset.exclude(Q(person_key__in=persons))
        elif source == Source.TOESLAG:
            queryset = queryset.exclude(Q(person_key__in=persons) | Q(partner_key__in=persons))
        else:
            queryset = queryset.exclude(located)
        counts[model._meta.db_table] = _delete_counted(queryset)
    counts[AddressVaultEntry._meta.db_table] = _delete_counted(
        AddressVaultEntry.objects.filter(project=project).exclude(address_key__in=selected)
    )
    # Owners of no selected address (their eigendom rows went above) leave the owner vault.
    owners = EigendomRecord.objects.filter(project=project)
    counts[OwnerVaultEntry._meta.db_table] = _delete_counted(
        OwnerVaultEntry.objects.filter(project=project)
        .exclude(owner_key__in=owners.exclude(person_key="").values("person_key"))
        .exclude(owner_key__in=owners.exclude(kvk_key="").values("kvk_key"))
    )
    return counts


def _destroy_all_records(project: Project) -> dict[str, int]:
    counts = {
        model._meta.db_table: _delete_counted(model._default_manager.filter(project=project))
        for model in RECORD_MODELS.values()
    }
    counts[AddressVaultEntry._meta.db_table] = _delete_counted(
        AddressVaultEntry.objects.filter(project=project)
    )
    counts[OwnerVaultEntry._meta.db_table] = _delete_counted(
        OwnerVaultEntry.objects.filter(project=project)
    )
    return counts


def _destroy_deliveries(project: Project, now: datetime) -> dict[str, int]:
    """Validation reports and raw files go; the delivery rows stay as metadata (no values)."""
    deliveries = Delivery.objects.filter(project=project)
    counts = {
        DeliveryIssue._meta.db_table: _delete_counted(
            DeliveryIssue.objects.filter(delivery__project=project)
        )
    }
    files = [
        name for name in deliveries.exclude(raw_file="").values_list("raw_file", flat=True) if name
    ]
    storage = Delivery._meta.get_field("raw_file").storage
    for name in files:
        storage.delete(name)
    counts["bestanden"] = len(files)
    live = list(
        deliveries.filter(status__in=LIVE_DELIVERY_STATUSES)
        .select_related("project")
        .order_by("pk")
    )
    for delivery in live:
        delivery_transition(
            delivery=delivery,
            target=DeliveryStatus.VERNIETIGD,
            values={
                "destroyed_at": now,
                "raw_file": "",
                "report": {},
                "error_message": "",
                "area_counts": {},
            },
        )
    counts["leveringen"] = len(live)
    return counts


def _recorded(*, project: Project, counts: dict[str, int], **rule: Any) -> list[DestructionRecord]:
    """The DestructionRecord of a rule that destroyed something; nothing when it found nothing."""
    return [_record(project=project, counts=counts, **rule)] if any(counts.values()) else []


@transaction.atomic
def _enforce_project(project: Project, now: datetime) -> list[DestructionRecord]:
    """The first retention rule that is due, applied; its record (if it destroyed anything)."""
    project = Project.objects.select_for_update().get(pk=project.pk)
    closed_at = project_closed_at(project)
    if closed_at is not None and now >= closed_at + timedelta(
        weeks=project.retention_after_close_weeks
    ):
        counts = _destroy_all_records(project)
        counts.update(_destroy_deliveries(project, now))
        counts.update(_hooks_destroy(DestructionRule.PROJECT_CLOSED, project, now))
        keys = project_key_destroy(project=project)
        counts[ProjectKey._meta.db_table] = keys
        return _recorded(
            project=project,
            counts=counts,
            rule=DestructionRule.PROJECT_CLOSED,
            description=DESCRIPTION_PROJECT_CLOSED,
            now=now,
            details={"keys_destroyed": keys},
        )
    selection_closed = _selection_closed_at(project)
    if selection_closed is None:
        return []
    if now >= selection_closed + relativedelta(months=project.retention_selection_months):
        counts = _destroy_all_records(project)
        counts.update(_hooks_destroy(DestructionRule.SELECTION_EXPIRED, project, now))
        return _recorded(
            project=project,
            counts=counts,
            rule=DestructionRule.SELECTION_EXPIRED,
            description=DESCRIPTION_SELECTION_EXPIRED,
            now=now,
        )
    if now >= selection_closed + timedelta(weeks=project.retention_unselected_weeks):
        counts = _destroy_unselected(project, _selected_address_keys(project))
        return _recorded(
            project=project,
            counts=counts,
            rule=DestructionRule.NOT_SELECTED,
            description=DESCRIPTION_NOT_SELECTED,
            now=now,
        )
    return []


def retention_enforce(
    *, now: datetime | None = None, project: Project | None = None
) -> list[DestructionRecord]:
    """Apply the three retention rules to every project that still holds personal data (or to
    `project`). `now` is injectable for tests. Each project is handled in its own transaction."""
    now = now or timezone.now()
    projects = Project.objects.filter(
        Q(deliveries__status__in=LIVE_DELIVERY_STATUSES) | Q(keys__destroyed_at__isnull=True)
    ).distinct()
    if project is not None:
        projects = projects.filter(pk=project.pk)
    records: list[DestructionRecord] = []
    for candidate in projects.order_by("pk"):
        records += _enforce_project(candidate, now)
    return records
