"""Matching runs, indicator settings, four-eyes selection and re-identification.

A run is started by `matching_run_start`, which records exactly what it will use and queues it.
The work is split into chunks (`matching_chunk_process`), each idempotent: it writes its
results in one transaction and a chunk that was already written is skipped, so a redelivered
task (acks_late, R27) never duplicates. `matching_run_finalise` switches the run in as the
project's current run atomically (R30); until then the previous list stays visible. Celery tasks,
the `run_matching` command and the tests all call these same functions.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import json
import time
from collections.abc import Iterable
from datetime import date
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Q
from django.utils import timezone

import structlog

from datasharing.constants import MATCHED_SOURCES, Source
from datasharing.selectors import accepted_deliveries
from partners.constants import ProjectPerm
from projects.constants import Phase, phase_reached
from projects.models import Project
from projects.selectors import project_perm_require
from wijkaanpak.core.bulk import copy_csv
from wijkaanpak.core.events import event_record
from wijkaanpak.core.exceptions import ApplicationError, InvalidTransition, NotPermitted
from wijkaanpak.core.processing_log import processing_log_write

from .constants import (
    ACTIVE_RUN_STATUSES,
    PROPOSAL_TRANSITIONS,
    ProposalStatus,
    ResultStatus,
    RunStatus,
)
from .indicators.engine import evaluate
from .indicators.registry import ALL_CODES, INDICATORS, IndicatorSettings
from .loading import DeliverySet, chunk_range, frames_load_chunk
from .models import (
    IndicatorResult,
    IndicatorSettingsRecord,
    MatchingChunk,
    MatchingRun,
    Reidentification,
    RiskAddress,
    SelectionClosure,
    SelectionProposal,
)

logger = structlog.get_logger(__name__)

NOT_ALLOWED_RUN = "U mag voor dit project geen matching starten."
NOT_ALLOWED_SETTINGS = "Alleen de projectleider mag de indicatorinstellingen wijzigen."
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
NOT_ALLOWED_PROPOSE = "U mag voor dit project geen adressen voordragen."
NOT_ALLOWED_DECIDE = "Alleen de projectleider mag een voordracht goedkeuren of afwijzen."
NOT_ALLOWED_REIDENTIFY = "U mag de adressen van dit project niet inzien."
NOT_ALLOWED_CLOSE = "Alleen de projectleider mag de selectie sluiten."
REASON_REQUIRED = "Geef een reden op."
NOT_CURRENT_RUN = "Dit adres hoort niet bij de huidige matchingrun."
NOT_A_RISK_ADDRESS = "Alleen risicoadressen kunnen worden voorgedragen."
ALREADY_PROPOSED = "Dit adres is al voorgedragen of geselecteerd."
OWN_PROPOSAL = (
    "U kunt uw eigen voordracht niet beoordelen: daarvoor is een tweede persoon nodig (vier ogen)."
)
ALREADY_DECIDED = "Over deze voordracht is al besloten."
NOT_APPROVED = "Alleen goedgekeurde adressen kunnen worden herleid."
SELECTION_CLOSED = "De selectie van dit project is gesloten."
SELECTION_ALREADY_CLOSED = "De selectie is al gesloten."
NOTHING_APPROVED = "Er is nog geen goedgekeurd adres; de selectie kan niet worden gesloten."
ADDRESS_NOT_IN_VAULT = "Het adres kan niet worden herleid: het staat niet (meer) in de adreskluis."

_PSEUDONYM_LABEL = b"wijkaanpak/weergavepseudoniem/v1"


# --------------------------------------------------------------------------------------------
# Settings and provenance


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
    *, actor, project: Project, values: dict, weights: dict[str, int], enabled: list[str]
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
    for path in sorted((Path(__file__).parent / "indicators").glob("*.py")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return f"wijkaanpak {settings.WIJKAANPAK_VERSION}; indicatoren {digest.hexdigest()[:12]}"


def delivery_set_for(run: MatchingRun) -> DeliverySet:
    by_source: dict[str, list[int]] = {}
    organisation_of: dict[int, int] = {}
    for used in run.deliveries_used:
        by_source.setdefault(used["source"], []).append(used["id"])
        organisation_of[used["id"]] = used["organisation_id"]
    return DeliverySet(by_source=by_source, organisation_of=organisation_of)


def display_pseudonym(address_key: str) -> str:
    """Short, stable display name of an address pseudonym; reveals nothing of the address."""
    mac = hmac.digest(_PSEUDONYM_LABEL, address_key.encode(), "sha256")[:5].hex().upper()
    return f"{mac[:5]}-{mac[5:]}"


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


# --------------------------------------------------------------------------------------------
# Starting, cancelling, failing


@transaction.atomic
def matching_run_create(*, actor, project: Project, chunk_count: int | None = None) -> MatchingRun:
    """Record a new queued run with everything it will use. Caller queues it (see start)."""
    project_perm_require(
        actor=actor, project=project, perm=ProjectPerm.RUN_MATCHING, message=NOT_ALLOWED_RUN
    )
    project = Project.objects.select_for_update().get(pk=project.pk)
    if project.phase == Phase.AFGESLOTEN:
        raise InvalidTransition(PROJECT_CLOSED)
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


def matching_run_start(*, actor, project: Project, chunk_count: int | None = None) -> MatchingRun:
    """Create a run and queue it on commit. Raises NotPermitted / InvalidTransition (Dutch)."""
    from .tasks import matching_run_dispatch_task

    with transaction.atomic():
        run = matching_run_create(actor=actor, project=project, chunk_count=chunk_count)

        def enqueue() -> None:
            try:
                matching_run_dispatch_task.delay(run.pk)
            except Exception as error:  # broker down: fail visibly instead of hanging queued (R30)
                if settings.CELERY_TASK_ALWAYS_EAGER:
                    raise
                logger.warning(
                    "matching_run_enqueue_failed", run_id=run.pk, error=type(error).__name__
                )
                matching_run_fail(run_id=run.pk, error=QUEUE_UNAVAILABLE)

        transaction.on_commit(enqueue)
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
    """queued → running. False when the run is no longer queued (cancelled, or already begun)."""
    _analyze_records()
    updated = MatchingRun.objects.filter(pk=run_id, status=RunStatus.QUEUED).update(
        status=RunStatus.RUNNING, started_at=timezone.now(), progress=0
    )
    return bool(updated) or MatchingRun.objects.filter(pk=run_id, status=RunStatus.RUNNING).exists()


def _results_delete(run_id: int) -> None:
    IndicatorResult.objects.filter(run_id=run_id).delete()
    RiskAddress.objects.filter(run_id=run_id, proposals__isnull=True).delete()
    MatchingChunk.objects.filter(run_id=run_id).delete()


@transaction.atomic
def matching_run_fail(*, run_id: int, error: str) -> bool:
    """Mark an active run failed and drop its partial results; the current run is untouched."""
    run = MatchingRun.objects.select_for_update().filter(pk=run_id).first()
    if run is None or run.status not in ACTIVE_RUN_STATUSES:
        return False
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
        to_state=RunStatus.FAILED,
    )
    logger.warning("matching_run_failed", run_id=run_id)
    return True


@transaction.atomic
def matching_run_cancel(*, actor, run: MatchingRun) -> MatchingRun:
    """Cancel a queued or running run.

    Chunks check the status and stop writing (revoke is best effort).
    """
    project_perm_require(
        actor=actor, project=run.project, perm=ProjectPerm.RUN_MATCHING, message=NOT_ALLOWED_RUN
    )
    run = MatchingRun.objects.select_for_update().get(pk=run.pk)
    if run.status not in ACTIVE_RUN_STATUSES:
        raise InvalidTransition(RUN_NOT_ACTIVE)
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


# --------------------------------------------------------------------------------------------
# Chunks and the final switch


def _chunk_checkpoint(run: MatchingRun, index: int) -> None:
    """Hook between evaluation and writing; tests inject failures here, and the crash test
    slows chunks down through MATCHING_CHUNK_DELAY_SECONDS (test settings only; 0 elsewhere)."""
    delay = float(getattr(settings, "MATCHING_CHUNK_DELAY_SECONDS", 0) or 0)
    if delay:
        time.sleep(delay)


def _run_status_shared(run_id: int) -> str | None:
    """The run's status, with a shared row lock so a cancel cannot slip in during a chunk write."""
    with connection.cursor() as cursor:
        lock = " FOR SHARE" if connection.vendor == "postgresql" else ""
        cursor.execute(
            f"SELECT status FROM {MatchingRun._meta.db_table} WHERE id = %s{lock}",  # noqa: S608  # nosec B608
            [run_id],
        )
        row = cursor.fetchone()
    return row[0] if row else None


# Rows per block when streaming a chunk's results into COPY: PostgreSQL parses and indexes one
# block while this process renders the next, so client and server work overlap.
_BLOCK_ROWS = 10_000

ADDRESS_COLUMNS = [
    "run_id",
    "chunk",
    "address_key",
    "pseudonym",
    "buurtcode",
    "score",
    "is_risk",
    "fired",
    "results",
]
RESULT_COLUMNS = ["run_id", "chunk", "address_key", "indicator", "status", "figures", "explanation"]


def _copy_rows(model, columns: list[str], blocks: Iterable[list[tuple]]) -> int:
    """Insert blocks of rows whose JSON columns are already rendered; returns the row count.

    PostgreSQL: one COPY; each block is rendered by the C csv writer and sent while the next
    block is made. Elsewhere (the SQLite demo): bulk_create.
    """
    count = 0
    if connection.vendor == "postgresql":

        def rendered():
            nonlocal count
            for rows in blocks:
                buffer = io.StringIO()
                csv.writer(buffer, lineterminator="\n").writerows(rows)
                count += len(rows)
                yield buffer.getvalue()

        copy_csv(model, columns, rendered())
        return count
    fields = columns  # attnames such as "run_id": model kwargs accept them as they are
    json_fields = {
        f
        for f in fields
        if model._meta.get_field(f.removesuffix("_id")).get_internal_type() == "JSONField"
    }
    for rows in blocks:
        model.objects.bulk_create(
            [
                model(
                    **{
                        f: json.loads(v) if f in json_fields else v
                        for f, v in zip(fields, row, strict=True)
                    }
                )
                for row in rows
            ],
            batch_size=2000,
        )
        count += len(rows)
    return count


_ENCODER = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"))
_json = _ENCODER.encode


def _chunk_write(run_id: int, index: int, outcome, run_level: set[str]) -> int:
    """Write the chunk's IndicatorResult and RiskAddress rows; no ORM object per address.

    Only fired and not-evaluated results are kept (an absent row means "not fired");
    indicators not evaluated for the whole run are recorded once on the run. Each address's
    `results` JSON is assembled from the already rendered figures. Returns the address count.
    """
    results = outcome.results
    kept = results[
        (results["status"] != ResultStatus.NOT_FIRED) & ~results["indicator"].isin(run_level)
    ]
    pieces: dict[str, list[str]] = {}

    def result_blocks():
        rows = []
        for key, code, status, figures, explanation in zip(
            kept["address_key"].tolist(),
            kept["indicator"].tolist(),
            kept["status"].tolist(),
            kept["figures"].tolist(),
            kept["explanation"].tolist(),
            strict=True,
        ):
            figures_json = _json(figures)
            rows.append((run_id, index, key, code, status, figures_json, explanation or ""))
            pieces.setdefault(key, []).append(
                f'"{code}":{{"explanation":{_json(explanation)},"figures":{figures_json},'
                f'"status":{_json(status)}}}'
            )
            if len(rows) == _BLOCK_ROWS:
                yield rows
                rows = []
        if rows:
            yield rows

    summary = outcome.summary
    columns = [
        summary[name].tolist() for name in ("address_key", "buurtcode", "score", "is_risk", "fired")
    ]
    fired_json: dict[tuple, str] = {}

    def address_blocks():
        for start in range(0, len(summary), _BLOCK_ROWS):
            rows = []
            for key, buurt, score, is_risk, fired in zip(
                *(column[start : start + _BLOCK_ROWS] for column in columns), strict=True
            ):
                rendered = fired_json.get(fired)
                if rendered is None:
                    rendered = fired_json[fired] = _json(list(fired))
                own = pieces.get(key)
                rows.append(
                    (
                        run_id,
                        index,
                        key,
                        display_pseudonym(key),
                        buurt or "",
                        score,
                        is_risk,
                        rendered,
                        "{" + ",".join(own) + "}" if own else "{}",
                    )
                )
            yield rows

    # Results first: they fill `pieces`, which the address rows use.
    _copy_rows(IndicatorResult, RESULT_COLUMNS, result_blocks())
    return _copy_rows(RiskAddress, ADDRESS_COLUMNS, address_blocks())


def _chunk_filter(index: int, chunk_count: int) -> Q:
    lo, hi = chunk_range(index, chunk_count)
    condition = Q()
    if lo is not None:
        condition &= Q(address_key__gte=lo)
    if hi is not None:
        condition &= Q(address_key__lt=hi)
    return condition


def matching_chunk_process(*, run_id: int, index: int) -> dict:
    """Evaluate one chunk and write its results idempotently. Returns a small summary.

    Skips (without writing) when the run is not running or the chunk was already written.
    """
    run = MatchingRun.objects.select_related("project").get(pk=run_id)
    if run.status != RunStatus.RUNNING:
        return {"index": index, "skipped": run.status}
    if MatchingChunk.objects.filter(run_id=run_id, index=index).exists():
        return {"index": index, "skipped": "done"}
    started = time.monotonic()
    engine_settings = IndicatorSettings(
        peildatum=run.peildatum,
        **{
            k: v
            for k, v in run.settings_snapshot.items()
            if k not in ("peildatum", "enabled", "weights")
        },
        weights=run.settings_snapshot["weights"],
        enabled=frozenset(run.settings_snapshot["enabled"]),
    )
    frames, keys = frames_load_chunk(
        delivery_set_for(run), index=index, chunk_count=run.chunk_count
    )
    loaded = time.monotonic()
    outcome = evaluate(frames, engine_settings, address_keys=keys)
    evaluated = time.monotonic()
    _chunk_checkpoint(run, index)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_advisory_xact_lock(%s, %s)", [int(run_id) % 2_000_000_000, index]
                )
        if _run_status_shared(run_id) != RunStatus.RUNNING:
            return {"index": index, "skipped": "not running"}
        if MatchingChunk.objects.filter(run_id=run_id, index=index).exists():
            return {"index": index, "skipped": "done"}
        # Delete-then-insert: whatever a crashed attempt might have left is replaced whole.
        # A chunk is a range of address keys: the unique (run, address_key…) indexes serve it.
        in_chunk = _chunk_filter(index, run.chunk_count)
        IndicatorResult.objects.filter(in_chunk, run_id=run_id).delete()
        RiskAddress.objects.filter(in_chunk, run_id=run_id).delete()
        address_count = _chunk_write(run_id, index, outcome, set(run.not_evaluated))
        MatchingChunk.objects.create(
            run_id=run_id,
            index=index,
            address_count=address_count,
            seconds=time.monotonic() - started,
        )
    # Progress is written after commit: chunks share a FOR SHARE lock on the run row while they
    # write, so updating the row inside that transaction would deadlock two parallel chunks.
    done = MatchingChunk.objects.filter(run_id=run_id).count()
    MatchingRun.objects.filter(pk=run_id, status=RunStatus.RUNNING).update(
        progress=min(99, int(100 * done / run.chunk_count))
    )
    logger.info(
        "matching_chunk_done",
        run_id=run_id,
        index=index,
        addresses=address_count,
        load_s=round(loaded - started, 2),
        evaluate_s=round(evaluated - loaded, 2),
        write_s=round(time.monotonic() - evaluated, 2),
    )
    return {"index": index, "addresses": address_count}


@transaction.atomic
def matching_run_finalise(*, run_id: int) -> MatchingRun:
    """Count, then switch the run in as current in one transaction (R30). No-op unless running."""
    run = MatchingRun.objects.select_for_update().select_related("project").get(pk=run_id)
    if run.status != RunStatus.RUNNING:
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


# --------------------------------------------------------------------------------------------
# Selection (four eyes)


def _selection_open(project: Project) -> None:
    if SelectionClosure.objects.filter(project=project).exists():
        raise InvalidTransition(SELECTION_CLOSED)


def _reason(reason: str, field: str = "reason") -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(REASON_REQUIRED, {"field": field})
    return reason


@transaction.atomic
def selection_propose(*, actor, risk_address: RiskAddress, reason: str) -> SelectionProposal:
    """An analyst proposes a risk address of the current run, with a reason."""
    run = risk_address.run
    project = run.project
    project_perm_require(
        actor=actor,
        project=project,
        perm=ProjectPerm.PROPOSE_SELECTION,
        message=NOT_ALLOWED_PROPOSE,
    )
    reason = _reason(reason)
    Project.objects.select_for_update().filter(pk=project.pk).first()
    # Read again under the lock: a key rotation may have re-keyed the address meanwhile.
    risk_address = RiskAddress.objects.get(pk=risk_address.pk)
    _selection_open(project)
    if not MatchingRun.objects.filter(pk=run.pk, is_current=True).exists():
        raise InvalidTransition(NOT_CURRENT_RUN)
    if not risk_address.is_risk:
        raise InvalidTransition(NOT_A_RISK_ADDRESS)
    if SelectionProposal.objects.filter(
        project=project,
        address_key=risk_address.address_key,
        status__in=[ProposalStatus.PROPOSED, ProposalStatus.APPROVED],
    ).exists():
        raise InvalidTransition(ALREADY_PROPOSED)
    snapshot = {
        "run": run.pk,
        "score": risk_address.score,
        "risk_threshold": run.settings_snapshot.get("risk_threshold"),
        "fired": [
            {
                "code": code,
                "name": INDICATORS[code].name,
                "figures": risk_address.results.get(code, {}).get("figures", {}),
                "explanation": risk_address.results.get(code, {}).get("explanation", ""),
                "weight": run.settings_snapshot.get("weights", {}).get(code),
            }
            for code in risk_address.fired
        ],
        "not_evaluated": sorted(
            set(run.not_evaluated)
            | {
                c
                for c, r in risk_address.results.items()
                if r.get("status") == ResultStatus.NOT_EVALUATED
            }
        ),
        "settings": run.settings_snapshot,
        "deliveries": [
            {k: d[k] for k in ("id", "source", "organisation", "content_hash")}
            for d in run.deliveries_used
        ],
        "software_version": run.software_version,
        "peildatum": run.peildatum.isoformat(),
    }
    try:
        with transaction.atomic():
            proposal = SelectionProposal.objects.create(
                project=project,
                run=run,
                risk_address=risk_address,
                address_key=risk_address.address_key,
                pseudonym=risk_address.pseudonym,
                buurtcode=risk_address.buurtcode,
                snapshot=snapshot,
                proposed_by=actor,
                reason=reason,
            )
    except IntegrityError as error:
        raise InvalidTransition(ALREADY_PROPOSED) from error
    event_record(
        actor=actor,
        kind="selection_proposed",
        project=project,
        obj=proposal,
        to_state=ProposalStatus.PROPOSED,
        reason=reason,
    )
    return proposal


@transaction.atomic
def selection_decide(
    *, actor, proposal: SelectionProposal, approve: bool, reason: str
) -> SelectionProposal:
    """The projectleider, another person than the proposer, approves or rejects (R6, R29)."""
    project = proposal.project
    project_perm_require(
        actor=actor, project=project, perm=ProjectPerm.APPROVE_SELECTION, message=NOT_ALLOWED_DECIDE
    )
    reason = _reason(reason, "decision_reason")
    proposal = SelectionProposal.objects.select_for_update().get(pk=proposal.pk)
    target = ProposalStatus.APPROVED if approve else ProposalStatus.REJECTED
    if target not in PROPOSAL_TRANSITIONS[ProposalStatus(proposal.status)]:
        raise InvalidTransition(ALREADY_DECIDED)
    if proposal.proposed_by_id == actor.pk:
        raise NotPermitted(OWN_PROPOSAL)
    _selection_open(project)
    before = proposal.status
    proposal.status = target
    proposal.decided_by = actor
    proposal.decided_at = timezone.now()
    proposal.decision_reason = reason
    proposal.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
    event_record(
        actor=actor,
        kind=f"selection_{target}",
        project=project,
        obj=proposal,
        from_state=before,
        to_state=target,
        reason=reason,
    )
    return proposal


def selection_approve(*, actor, proposal: SelectionProposal, reason: str) -> SelectionProposal:
    return selection_decide(actor=actor, proposal=proposal, approve=True, reason=reason)


def selection_reject(*, actor, proposal: SelectionProposal, reason: str) -> SelectionProposal:
    return selection_decide(actor=actor, proposal=proposal, approve=False, reason=reason)


@transaction.atomic
def selection_close(*, actor, project: Project) -> SelectionClosure:
    """Close the selection; from then the retention periods of non-selected addresses run."""
    project_perm_require(
        actor=actor, project=project, perm=ProjectPerm.APPROVE_SELECTION, message=NOT_ALLOWED_CLOSE
    )
    Project.objects.select_for_update().filter(pk=project.pk).first()
    if SelectionClosure.objects.filter(project=project).exists():
        raise InvalidTransition(SELECTION_ALREADY_CLOSED)
    approved = SelectionProposal.objects.filter(
        project=project, status=ProposalStatus.APPROVED
    ).count()
    if not approved:
        raise InvalidTransition(NOTHING_APPROVED)
    closure = SelectionClosure.objects.create(
        project=project, closed_by=actor, approved_count=approved
    )
    event_record(
        actor=actor,
        kind="selection_closed",
        project=project,
        obj=closure,
        data={"approved": approved},
    )
    return closure


def address_format(parts: dict) -> str:
    """'Kerkstraat 12 A-BIS, 1234 AB Venlo' (or '1234 AB 12 A-BIS') from the vault's parts."""
    from datasharing.pseudonymisation import RealAddress

    return str(RealAddress.from_vault(parts))


@transaction.atomic
def address_reidentify(*, actor, proposal: SelectionProposal, reason: str):
    """Decrypt the real address of an approved address: a RealAddress (postcode, huisnummer,
    huisletter, toevoeging, straatnaam, woonplaats).

    Logged first, with who, why and when (R20/R21).
    """
    from datasharing.pseudonymisation import RealAddress, vault_lookup

    project = proposal.project
    project_perm_require(
        actor=actor,
        project=project,
        perm=ProjectPerm.VIEW_ADDRESSES,
        message=NOT_ALLOWED_REIDENTIFY,
    )
    reason = _reason(reason)
    proposal = SelectionProposal.objects.select_for_update().get(pk=proposal.pk)
    if proposal.status != ProposalStatus.APPROVED:
        raise InvalidTransition(NOT_APPROVED)
    entries = processing_log_write(
        actor=actor,
        action="reidentify",
        name="adres herleiden (vier ogen goedgekeurd)",
        ground="reidentification",
        project=project,
        obj=proposal,
        data_subject_ids=[proposal.address_key],
        data_subject_id_type="adrespseudoniem",
    )
    parts = vault_lookup(project=project, address_key=proposal.address_key)
    if not parts:
        raise ApplicationError(ADDRESS_NOT_IN_VAULT)
    address = RealAddress.from_vault(parts)
    Reidentification.objects.create(
        project=project,
        proposal=proposal,
        address_key=proposal.address_key,
        actor=actor,
        reason=reason,
        processing_log_operation_id=entries[0].operation_id,
    )
    return address
