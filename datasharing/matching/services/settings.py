"""Indicator settings of a project and the provenance a run records (software version)."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

import structlog

from partners.models import User
from projects.constants import ProjectPerm
from projects.models import Project
from projects.selectors import project_perm_require
from wijkaanpak.core.events import event_record
from wijkaanpak.core.exceptions import ApplicationError

from ..indicators.registry import IndicatorSettings
from ..models import (
    IndicatorSettingsRecord,
)

logger = structlog.get_logger(__name__)

NOT_ALLOWED_SETTINGS = "Alleen de projectleider mag de indicatorinstellingen wijzigen."


def indicator_settings_for(*, project: Project, peildatum: date | None = None) -> IndicatorSettings:
    """The project's settings as the engine's IndicatorSettings (defaults from the engine)."""
    record = IndicatorSettingsRecord.objects.filter(project=project).first()
    peildatum = peildatum or project.peildatum or timezone.localdate()
    if record is None:
        return IndicatorSettings(peildatum=peildatum)
    return IndicatorSettings(
        peildatum=peildatum,
        overbewoning_m2_per_person=record.overbewoning_m2_per_person,
        leeg_min_kwh=record.leeg_min_kwh,
        alleenstaand_min_other_adults=record.alleenstaand_min_other_adults,
        bedrijven_min_kvk=record.bedrijven_min_kvk,
        verhuis_min_inschrijvingen=record.verhuis_min_inschrijvingen,
        verhuis_window_days=record.verhuis_window_days,
        samenloop_min_partners=record.samenloop_min_partners,
        weights=dict(record.weights),
        risk_threshold=record.risk_threshold,
        enabled=frozenset(record.enabled),
    )


SETTING_FIELDS = (
    "overbewoning_m2_per_person",
    "leeg_min_kwh",
    "alleenstaand_min_other_adults",
    "bedrijven_min_kvk",
    "verhuis_min_inschrijvingen",
    "verhuis_window_days",
    "samenloop_min_partners",
    "risk_threshold",
)


@transaction.atomic
def indicator_settings_update(
    *,
    actor: User,
    project: Project,
    values: dict[str, Any],
    weights: dict[str, int],
    enabled: list[str],
) -> IndicatorSettingsRecord:
    """Set the project's thresholds and weights. Only the engine's knobs exist (by construction)."""
    project_perm_require(
        actor=actor, project=project, perm=ProjectPerm.MANAGE, message=NOT_ALLOWED_SETTINGS
    )
    clean = {name: values[name] for name in SETTING_FIELDS}
    try:
        # The engine validates (positive numbers, known codes) before anything is stored.
        engine = IndicatorSettings(
            peildatum=timezone.localdate(), weights=weights, enabled=frozenset(enabled), **clean
        )
    except (TypeError, ValueError) as error:
        raise ApplicationError(f"Ongeldige instelling: {error}") from error
    record, _ = IndicatorSettingsRecord.objects.select_for_update().get_or_create(
        project=project,
        defaults={**clean, "weights": dict(engine.weights), "enabled": list(engine.enabled)},
    )
    before = {name: getattr(record, name) for name in SETTING_FIELDS} | {"weights": record.weights}
    for name, value in clean.items():
        setattr(record, name, value)
    record.weights = dict(engine.weights)
    record.enabled = [code.value for code in engine.enabled_codes()]
    record.updated_by = actor
    record.full_clean()
    record.save()
    event_record(
        actor=actor,
        kind="indicator_settings_updated",
        project=project,
        obj=record,
        data={"before": before, "after": engine.as_dict()},
    )
    return record


def software_version() -> str:
    """Application version plus a hash of the indicator engine's source (reproducibility)."""
    digest = hashlib.sha256()
    for path in sorted((Path(__file__).parent.parent / "indicators").glob("*.py")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return f"wijkaanpak {settings.WIJKAANPAK_VERSION}; indicatoren {digest.hexdigest()[:12]}"
