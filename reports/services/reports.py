"""Tussen- and eindrapportage: asked for by the projectleider, made by a Celery job with visible
progress, kept as numbered versions, every download logged (issue 13.5, R21)."""

from __future__ import annotations

from typing import Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone

import structlog

from datasharing.matching.indicators.registry import ALL_CODES, INDICATORS
from datasharing.matching.services import indicator_settings_for
from partners.models import User
from projects.constants import Phase, ProjectPerm, phase_reached
from projects.models import Project
from projects.selectors import project_partners_overview, project_perm_require
from wijkaanpak.core.events import event_record
from wijkaanpak.core.exceptions import ApplicationError, InvalidTransition
from wijkaanpak.core.jobs import job_enqueue
from wijkaanpak.core.processing_log import processing_log_write
from wijkaanpak.core.transitions import transition_require

from .. import charts, selectors
from ..constants import (
    HIT_RATE_MIN_VISITS,
    JOB_REPORT_GENERATE,
    REPORT_ALREADY_RUNNING,
    REPORT_END_NEEDS_PHASE,
    REPORT_NOT_READY,
    REPORT_TRANSITIONS,
    ReportKind,
    ReportStatus,
)
from ..models import ReportVersion
from ..overview import fairness_context, hit_rates_shown
from ..pdf import report_pdf

logger = structlog.get_logger(__name__)


@transaction.atomic
def report_request(*, actor: User, project: Project, kind: ReportKind) -> ReportVersion:
    """Queue a new version of a tussen- or eindrapportage (the job `report_generate` makes it).

    Caller must be the projectleider (MANAGE). An eindrapportage needs the phase rapportage (or
    a closed project). One report at a time per project (REPORT_ALREADY_RUNNING).
    """
    project_perm_require(actor=actor, project=project, perm=ProjectPerm.MANAGE)
    project = Project.objects.select_for_update().get(pk=project.pk)
    if kind == ReportKind.EINDRAPPORTAGE and not phase_reached(project.phase, Phase.RAPPORTAGE):
        raise InvalidTransition(REPORT_END_NEEDS_PHASE)
    if ReportVersion.objects.filter(project=project, status__in=["queued", "running"]).exists():
        raise InvalidTransition(REPORT_ALREADY_RUNNING)
    try:
        with transaction.atomic():
            version = ReportVersion.objects.create(
                project=project,
                kind=kind,
                number=selectors.next_report_number(project=project, kind=kind),
                requested_by=actor,
            )
    except IntegrityError as error:  # a second request at the same moment
        raise InvalidTransition(REPORT_ALREADY_RUNNING) from error
    event_record(
        actor=actor,
        kind="report_requested",
        project=project,
        obj=version,
        to_state=ReportStatus.QUEUED,
        data={"kind": kind, "number": version.number},
    )
    job_enqueue(JOB_REPORT_GENERATE, version.pk)
    return version


def _move(version: ReportVersion, target: ReportStatus, **fields: Any) -> None:
    transition_require(
        REPORT_TRANSITIONS, version.status, target, message=f"{version.status} → {target}"
    )
    from_state = version.status
    version.status = target
    for name, value in fields.items():
        setattr(version, name, value)
    version.save()
    event_record(
        actor=None,
        kind="report_" + target,
        project=version.project,
        obj=version,
        from_state=from_state,
        to_state=target,
    )


def _progress(version: ReportVersion, percent: int) -> None:
    """Visible at once to the page that polls (outside any transaction of the job)."""
    ReportVersion.objects.filter(pk=version.pk).update(progress=percent)


def report_context(*, project: Project, kind: str) -> dict[str, Any]:
    """Everything a report prints, from aggregates only; the same figures as the dashboard."""
    figures = selectors.project_figures(project=project)
    kpis = selectors.kpi_rows(project=project, figures=figures)
    fairness = selectors.fairness_for_project(project=project)
    engine_settings = indicator_settings_for(project=project)
    return {
        "project": project,
        "kind": kind,
        "kind_label": ReportKind(kind).label,
        "generated_at": timezone.now(),
        **charts.figure_context(figures, for_pdf=True),
        "kpis": [
            {"row": row, "chart": charts.course_chart(row.course, target=row.target, for_pdf=True)}
            for row in kpis
        ],
        **fairness_context(fairness, suppressed=False),
        "phases": selectors.phase_dates(project=project),
        "partners": project_partners_overview(project=project),
        "method": {
            "threshold": engine_settings.risk_threshold,
            "peildatum": engine_settings.peildatum,
            "indicators": [
                {
                    "name": INDICATORS[code].name,
                    "description": INDICATORS[code].describe(engine_settings),
                    "weight": engine_settings.weight(code),
                }
                for code in ALL_CODES
                if code.value in engine_settings.enabled
            ],
        },
        "hit_rows": hit_rates_shown(
            selectors.hit_rates_for_project(project=project, enabled=engine_settings.enabled),
            suppressed=False,
        ),
        "hit_suppressed": False,
        "hit_can_decide": False,
        "hit_min_visits": HIT_RATE_MIN_VISITS,
        "decisions": list(selectors.indicator_decisions(project=project)),
        "destructions": (
            list(selectors.destruction_list(project=project)) if project.is_closed else []
        ),
    }


def report_generate(*, report_id: int) -> ReportVersion:
    """queued → running → ready (or failed, with the error): make the PDF of one version.

    Idempotent: a version that is not queued is returned as it is (a redelivered job).
    """
    with transaction.atomic():
        version = (
            ReportVersion.objects.select_for_update().select_related("project").get(pk=report_id)
        )
        if version.status != ReportStatus.QUEUED:
            return version
        _move(version, ReportStatus.RUNNING, progress=5)
    try:
        context = report_context(project=version.project, kind=version.kind)
        _progress(version, 50)
        pdf = report_pdf(context)
        _progress(version, 90)
        with transaction.atomic():
            version = ReportVersion.objects.select_for_update().get(pk=report_id)
            version.file.save(version.filename, ContentFile(pdf), save=False)
            _move(
                version,
                ReportStatus.READY,
                progress=100,
                size_bytes=len(pdf),
                figures=context["figures"].as_json(),
                finished_at=timezone.now(),
            )
    except Exception as error:  # noqa: BLE001 - recorded on the version, visible on the page
        logger.exception("report_generate_failed", report_id=report_id)
        with transaction.atomic():
            version = ReportVersion.objects.select_for_update().get(pk=report_id)
            if version.status == ReportStatus.RUNNING:
                _move(
                    version,
                    ReportStatus.FAILED,
                    error=f"{type(error).__name__}",
                    finished_at=timezone.now(),
                )
    return version


def report_download_record(*, actor: User, version: ReportVersion) -> None:
    """Log a download of a report version (R21) before the file leaves the system."""
    if version.status != ReportStatus.READY:
        raise ApplicationError(REPORT_NOT_READY)
    processing_log_write(
        actor=actor,
        action="export",
        name="rapportage downloaden",
        ground="lsi_project",
        project=version.project,
        obj=version,
    )
