"""Matching runs: start, the queued → running → succeeded/failed/cancelled lifecycle
(RUN_TRANSITIONS) and the final switch that makes a run current atomically (R30)."""

from __future__ import annotations

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Count
from django.utils import timezone

import structlog

from datasharing.constants import MATCHED_SOURCES, Source
from datasharing.selectors import accepted_deliveries
from partners.models import User
from projects.constants import Phase, ProjectPerm, phase_reached
from projects.models import Project
from projects.selectors import project_perm_require
from projects.services import project_require_open
from wijkaanpak.core.events import event_record
from wijkaanpak.core.exceptions import InvalidTransition
from wijkaanpak.core.jobs import job_enqueue
from wijkaanpak.core.processing_log import processing_log_write
from wijkaanpak.core.transitions import transition_allowed, transition_require

from ..constants import (
    ACTIVE_RUN_STATUSES,
    JOB_RUN_DISPATCH,
    RUN_TRANSITIONS,
    ResultStatus,
    RunStatus,
)
from ..indicators.registry import ALL_CODES, INDICATORS
from ..models import (
    IndicatorResult,
    MatchingChunk,
    MatchingChunkLease,
    MatchingRun,
    RiskAddress,
)
from .chunks import matching_chunk_process
from .settings import indicator_settings_for, software_version

logger = structlog.get_logger(__name__)

NOT_ALLOWED_RUN = "U mag voor dit project geen matching starten."

PHASE_TOO_EARLY = "Matching kan pas vanaf de fase data-uitvraag en intake."

PROJECT_CLOSED = "Het project is afgesloten."

NO_BAG_DELIVERY = "Er is nog geen geaccepteerde levering van de BAG-adressen (bron bag)."

RUN_ALREADY_ACTIVE = (
    "Er loopt al een matchingrun voor dit project. Wacht tot die klaar is of annuleer hem."
)

RUN_NOT_ACTIVE = "Deze matchingrun loopt niet (meer) en kan niet worden geannuleerd."

QUEUE_UNAVAILABLE = (
    "De taakwachtrij is niet bereikbaar; de matchingrun is niet gestart. Probeer het later opnieuw."
)

CHUNKS_MISSING = "Niet alle delen van de matchingrun zijn verwerkt."

# Addresses per chunk when the settings do not fix the number of chunks. A chunk reads its rows
# with key-range filters, but the record tables are not clustered by key, so every chunk still
# visits most of their pages: fewer, larger chunks are cheaper, as long as two workers can share
# a city (≈ 0.5 GB of worker memory per 125 000 addresses).
CHUNK_ADDRESSES = 125_000


def default_chunk_count(address_count: int = 0) -> int:
    """settings.MATCHING_CHUNKS if set, else one chunk per CHUNK_ADDRESSES bag addresses."""
    fixed = int(getattr(settings, "MATCHING_CHUNKS", 0) or 0)
    if fixed:
        return fixed
    return max(1, min(64, -(-int(address_count) // CHUNK_ADDRESSES)))


@transaction.atomic
def matching_run_create(
    *, actor: User, project: Project, chunk_count: int | None = None
) -> MatchingRun:
    """Record a new queued run with everything it will use. Caller queues it (see start)."""
    project_perm_require(
        actor=actor, project=project, perm=ProjectPerm.RUN_MATCHING, message=NOT_ALLOWED_RUN
    )
    project = Project.objects.select_for_update().get(pk=project.pk)
    project_require_open(project=project, message=PROJECT_CLOSED)
    if not phase_reached(project.phase, Phase.DATA_UITVRAAG):
        raise InvalidTransition(PHASE_TOO_EARLY)
    deliveries = list(
        accepted_deliveries(project=project)
        .filter(source__in=MATCHED_SOURCES)
        .select_related("organisation")
    )
    if not any(d.source == Source.BAG for d in deliveries):
        raise InvalidTransition(NO_BAG_DELIVERY)
    if MatchingRun.objects.filter(project=project, status__in=ACTIVE_RUN_STATUSES).exists():
        raise InvalidTransition(RUN_ALREADY_ACTIVE)
    engine_settings = indicator_settings_for(project=project)
    delivered = {d.source for d in deliveries}
    not_evaluated = [
        code.value
        for code in engine_settings.enabled_codes()
        if any(source.value not in delivered for source in INDICATORS[code].sources)
    ]
    try:
        run = MatchingRun.objects.create(
            project=project,
            status=RunStatus.QUEUED,
            chunk_count=max(
                1,
                int(
                    chunk_count
                    or default_chunk_count(
                        sum(d.valid_rows for d in deliveries if d.source == Source.BAG)
                    )
                ),
            ),
            peildatum=engine_settings.peildatum,
            settings_snapshot=engine_settings.as_dict(),
            deliveries_used=[
                {
                    "id": d.pk,
                    "source": d.source,
                    "organisation_id": d.organisation_id,
                    "organisation": d.organisation.name,
                    "content_hash": d.content_hash,
                    "key_version": d.key_version,
                    "rows": d.valid_rows,
                    "filename": d.original_filename,
                    "processed_at": d.processed_at.isoformat() if d.processed_at else None,
                }
                for d in deliveries
            ],
            software_version=software_version(),
            not_evaluated=not_evaluated,
            created_by=actor,
        )
    except IntegrityError as error:  # the one_active_run constraint, under a race
        raise InvalidTransition(RUN_ALREADY_ACTIVE) from error
    event_record(
        actor=actor,
        kind="matching_run_started",
        project=project,
        obj=run,
        to_state=RunStatus.QUEUED,
    )
    processing_log_write(
        actor=actor,
        action="matching",
        name="matchingrun gestart",
        ground="risk_selection",
        project=project,
        obj=run,
    )
    return run


def matching_run_start(
    *, actor: User, project: Project, chunk_count: int | None = None
) -> MatchingRun:
    """Create a run and queue it on commit. Raises NotPermitted / InvalidTransition (Dutch)."""
    with transaction.atomic():
        run = matching_run_create(actor=actor, project=project, chunk_count=chunk_count)
        run_id = run.pk

        def queue_failed(error: Exception) -> None:
            # Broker down: fail visibly instead of hanging queued (R30).
            logger.warning("matching_run_enqueue_failed", run_id=run_id, error=type(error).__name__)
            matching_run_fail(run_id=run_id, error=QUEUE_UNAVAILABLE)

        job_enqueue(JOB_RUN_DISPATCH, run_id, on_failure=queue_failed)
    return run


def _analyze_records() -> None:
    """Fresh planner statistics: a delivery just bulk-loaded may not be analysed yet by autovacuum,
    and the chunk queries' semi-joins would then be planned as nested loops. Only tables never
    analysed or changed by more than a tenth since their last analysis are analysed again."""
    if connection.vendor != "postgresql":
        return
    from datasharing.models import RECORD_MODELS

    tables = [model._meta.db_table for model in RECORD_MODELS.values()]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname FROM pg_stat_user_tables WHERE relname = ANY(%s) AND ("
            "COALESCE(last_analyze, last_autoanalyze) IS NULL "
            "OR n_mod_since_analyze > 0.1 * GREATEST(n_live_tup, 1000))",
            [tables],
        )
        stale = {row[0] for row in cursor.fetchall()}
        for table in tables:
            if table in stale:
                cursor.execute(f"ANALYZE {table}")


@transaction.atomic
def matching_run_begin(*, run_id: int) -> bool:
    """queued → running. True when the run is running (also when it had begun already: a
    redelivered task); False when it may not run (cancelled, failed, done)."""
    _analyze_records()
    run = MatchingRun.objects.select_for_update().select_related("project").get(pk=run_id)
    if run.status == RunStatus.RUNNING:
        return True
    if not transition_allowed(RUN_TRANSITIONS, run.status, RunStatus.RUNNING):
        return False
    before = run.status
    run.status, run.started_at, run.progress = RunStatus.RUNNING, timezone.now(), 0
    run.save(update_fields=["status", "started_at", "progress"])
    event_record(
        actor=None,
        kind="matching_run_started",
        project=run.project,
        obj=run,
        from_state=before,
        to_state=RunStatus.RUNNING,
    )
    return True


def _results_delete(run_id: int) -> None:
    IndicatorResult.objects.filter(run_id=run_id).delete()
    RiskAddress.objects.filter(run_id=run_id, proposals__isnull=True).delete()
    MatchingChunk.objects.filter(run_id=run_id).delete()
    MatchingChunkLease.objects.filter(run_id=run_id).delete()


@transaction.atomic
def matching_run_fail(*, run_id: int, error: str) -> bool:
    """Mark an active run failed and drop its partial results; the current run is untouched."""
    run = MatchingRun.objects.select_for_update().filter(pk=run_id).first()
    if run is None or not transition_allowed(RUN_TRANSITIONS, run.status, RunStatus.FAILED):
        return False
    before = run.status
    run.status = RunStatus.FAILED
    run.error = error[:2000]
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "error", "finished_at"])
    _results_delete(run_id)
    event_record(
        actor=None,
        kind="matching_run_failed",
        project=run.project,
        obj=run,
        from_state=before,
        to_state=RunStatus.FAILED,
    )
    logger.warning("matching_run_failed", run_id=run_id)
    return True


@transaction.atomic
def matching_run_cancel(*, actor: User, run: MatchingRun) -> MatchingRun:
    """Cancel a queued or running run.

    Chunks check the status and stop writing (revoke is best effort).
    """
    project_perm_require(
        actor=actor, project=run.project, perm=ProjectPerm.RUN_MATCHING, message=NOT_ALLOWED_RUN
    )
    run = MatchingRun.objects.select_for_update().get(pk=run.pk)
    transition_require(RUN_TRANSITIONS, run.status, RunStatus.CANCELLED, message=RUN_NOT_ACTIVE)
    before = run.status
    run.status = RunStatus.CANCELLED
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "finished_at"])
    _results_delete(run.pk)
    event_record(
        actor=actor,
        kind="matching_run_cancelled",
        project=run.project,
        obj=run,
        from_state=before,
        to_state=RunStatus.CANCELLED,
    )
    return run


def _risk_buurten(*, run_id: int) -> list[str]:
    """The sorted buurtcodes of a run's risk addresses (the risk list's buurt filter), read once
    when the run succeeds instead of per view."""
    return list(
        RiskAddress.objects.filter(run_id=run_id, is_risk=True)
        .exclude(buurtcode="")
        .order_by("buurtcode")
        .values_list("buurtcode", flat=True)
        .distinct()
    )


@transaction.atomic
def matching_run_finalise(*, run_id: int) -> MatchingRun:
    """Count, then switch the run in as current in one transaction (R30). No-op unless running."""
    run = MatchingRun.objects.select_for_update().select_related("project").get(pk=run_id)
    if not transition_allowed(RUN_TRANSITIONS, run.status, RunStatus.SUCCEEDED):
        return run
    if MatchingChunk.objects.filter(run=run).count() != run.chunk_count:
        matching_run_fail(run_id=run_id, error=CHUNKS_MISSING)
        run.refresh_from_db()
        return run
    fired_counts = dict(
        IndicatorResult.objects.filter(run=run, status=ResultStatus.FIRED)
        .values_list("indicator")
        .annotate(n=Count("id"))
        .values_list("indicator", "n")
    )
    not_evaluated_counts = dict(
        IndicatorResult.objects.filter(run=run, status=ResultStatus.NOT_EVALUATED)
        .values_list("indicator")
        .annotate(n=Count("id"))
        .values_list("indicator", "n")
    )
    addresses = RiskAddress.objects.filter(run=run).count()
    risk = RiskAddress.objects.filter(run=run, is_risk=True).count()
    enabled = run.settings_snapshot.get("enabled", [c.value for c in ALL_CODES])
    run.counts = {
        code: {
            "fired": fired_counts.get(code, 0),
            "not_evaluated": addresses
            if code in run.not_evaluated
            else not_evaluated_counts.get(code, 0),
        }
        for code in enabled
    }
    run.address_count = addresses
    run.risk_address_count = risk
    run.risk_buurten = _risk_buurten(run_id=run.pk)
    MatchingRun.objects.filter(project=run.project, is_current=True).update(is_current=False)
    run.status = RunStatus.SUCCEEDED
    run.is_current = True
    run.progress = 100
    run.finished_at = timezone.now()
    run.save(
        update_fields=[
            "counts",
            "address_count",
            "risk_address_count",
            "risk_buurten",
            "status",
            "is_current",
            "progress",
            "finished_at",
        ]
    )
    event_record(
        actor=None,
        kind="matching_run_succeeded",
        project=run.project,
        obj=run,
        from_state=RunStatus.RUNNING,
        to_state=RunStatus.SUCCEEDED,
        data={"addresses": addresses, "risk_addresses": risk},
    )
    logger.info("matching_run_succeeded", run_id=run.pk, addresses=addresses, risk_addresses=risk)
    return run


def matching_run_execute_inline(*, run: MatchingRun) -> MatchingRun:
    """Run every chunk in this process (command line, tests): the same functions as the tasks."""
    if not matching_run_begin(run_id=run.pk):
        run.refresh_from_db()
        return run
    try:
        for index in range(run.chunk_count):
            matching_chunk_process(run_id=run.pk, index=index)
    except Exception as error:
        matching_run_fail(run_id=run.pk, error=f"{type(error).__name__}: {error}")
        raise
    return matching_run_finalise(run_id=run.pk)
