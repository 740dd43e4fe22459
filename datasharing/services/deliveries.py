"""Deliveries: upload, validation, pseudonymisation and storage (formats.md §1–2, R14, R17).

The raw file lives only between upload and processing, in private storage under a server
generated name; it is deleted when processing has ended, whatever the outcome (accepted,
rejected, failed) — and only then. A delivery stores all its valid rows or nothing. Log lines
carry ids and counts only, never values.

A delivery is never stuck `ontvangen` (issue 8 item 5): when its job cannot be queued (the
broker is down; Celery gives up within seconds, settings.CELERY_*), the upload marks it
`mislukt` with a Dutch message and deletes its file; a technical fault while processing does
the same. A `mislukt` delivery holds no rows, does not count as a duplicate (the same file may
be delivered again) and does not block a key rotation.
"""

from __future__ import annotations

import hashlib
import io
import itertools
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any, TypeVar

from django.core.files.base import ContentFile, File
from django.db import connection, models, transaction
from django.db.models import Count
from django.utils import timezone

import pyarrow as pa
import pyarrow.csv as pa_csv
import structlog

from datasharing.constants import (
    DELIVERY_CSV_MAX_BYTES,
    DELIVERY_EXTENSIONS,
    DELIVERY_TRANSITIONS,
    DELIVERY_XLSX_MAX_BYTES,
    JOB_DELIVERY_PROCESS,
    XLSX_MAX_ENTRIES,
    XLSX_MAX_RATIO,
    XLSX_MAX_UNCOMPRESSED_BYTES,
    DataRequestStatus,
    DeliveryStatus,
    IssueSeverity,
    Source,
)
from datasharing.models import (
    DUPLICATE_STATUSES,
    RECORD_MODELS,
    AddressVaultEntry,
    BagRecord,
    DataRequest,
    Delivery,
    DeliveryIssue,
    OwnerVaultEntry,
)
from datasharing.pseudonymisation import Pseudonymiser, project_key_hold, pseudonymiser_for
from datasharing.selectors import project_bag_area_postcodes, project_has_accepted_bag_delivery
from datasharing.services.requests import data_request_delivered
from partners.models import User
from projects.constants import Phase, ProjectPerm, phase_reached
from projects.selectors import user_has_project_perm
from projects.services import project_require_open
from wijkaanpak.core.bulk import bulk_load
from wijkaanpak.core.events import event_record
from wijkaanpak.core.exceptions import ApplicationError, InvalidTransition, NotPermitted
from wijkaanpak.core.jobs import job_enqueue
from wijkaanpak.core.processing_log import processing_log_write
from wijkaanpak.core.transitions import transition_allowed, transition_require

if TYPE_CHECKING:
    from datasharing.intake.validation import Area, ValidationResult

logger = structlog.get_logger(__name__)

# The caps are datasharing.constants' (R14); the largest one bounds any upload before reading.
MAX_DELIVERY_BYTES = max(DELIVERY_CSV_MAX_BYTES, DELIVERY_XLSX_MAX_BYTES)
MAX_BYTES_BY_EXTENSION = {".csv": DELIVERY_CSV_MAX_BYTES, ".xlsx": DELIVERY_XLSX_MAX_BYTES}

DELIVERY_NOT_YOURS = "Alleen de partner aan wie deze uitvraag is gericht kan erop leveren."
DELIVERY_REQUEST_WITHDRAWN = "Deze uitvraag is ingetrokken; er kan niet meer op worden geleverd."
DELIVERY_PROJECT_PHASE = (
    "Er kan alleen worden geleverd in een project in de data-uitvraag of later."
)
DELIVERY_PROJECT_CLOSED = "Het project is afgesloten; er kan niet meer worden geleverd."
DELIVERY_NO_FILE = "Kies een bestand om te leveren."
DELIVERY_EMPTY = "Het bestand is leeg."
DELIVERY_TOO_LARGE = "Het bestand is te groot: ten hoogste {max} MB."
DELIVERY_EXTENSION = (
    "Alleen CSV-bestanden (.csv) en Excel-bestanden (.xlsx) kunnen worden geleverd."
)
DELIVERY_NOT_CSV = (
    "Dit bestand is geen tekstbestand (CSV in UTF-8), ook al eindigt de naam op .csv."
)
DELIVERY_NOT_XLSX = "Dit bestand is geen geldig Excel-bestand (.xlsx)."
DELIVERY_XLSX_BOMB = "Dit Excel-bestand is uitgepakt te groot of bevat te veel onderdelen."
DELIVERY_DUPLICATE = (
    "Dit bestand is al eerder geleverd op deze uitvraag (levering {nummer}, {status}); "
    "het wordt niet nog eens verwerkt."
)
DELIVERY_PROCESSING_FAILED = (
    "Het bestand kon door een technische fout niet worden verwerkt. Er is niets opgeslagen; "
    "lever het bestand opnieuw aan of neem contact op met de projectleider."
)
DELIVERY_QUEUE_FAILED = (
    "Het bestand is ontvangen, maar kon door een storing niet in behandeling worden genomen. "
    "Er is niets opgeslagen en het bestand is verwijderd. Lever het bestand later opnieuw aan; "
    "blijft de storing, neem dan contact op met de projectleider."
)
DELIVERY_KEY_GONE = "De sleutel van dit project is vernietigd; er kan niets meer worden verwerkt."
DELIVERY_TRANSITION_REFUSED = "Een levering kan niet van '{van}' naar '{naar}'."

# The event each move of DELIVERY_TRANSITIONS writes (the upload writes delivery_uploaded).
DELIVERY_EVENTS = {
    DeliveryStatus.ONTVANGEN: "delivery_uploaded",
    DeliveryStatus.VERWERKEN: "delivery_processing",
    DeliveryStatus.GEACCEPTEERD: "delivery_accepted",
    DeliveryStatus.AFGEWEZEN: "delivery_rejected",
    DeliveryStatus.MISLUKT: "delivery_failed",
    DeliveryStatus.VERVANGEN: "delivery_superseded",
    DeliveryStatus.VERNIETIGD: "delivery_destroyed",
}


def delivery_transition(
    *,
    delivery: Delivery,
    target: DeliveryStatus,
    actor: User | None = None,
    values: dict[str, Any] | None = None,
    data: dict[str, Any] | None = None,
) -> Delivery:
    """The one writer of a delivery's status: checks DELIVERY_TRANSITIONS, updates the row only
    if it is still in the state the caller read (R29), and writes the move's Event.

    Raises InvalidTransition when the table forbids the move or the row moved meanwhile.
    `actor=None` is the system (processing, retention).
    """
    current = DeliveryStatus(delivery.status)
    refused = DELIVERY_TRANSITION_REFUSED.format(
        van=current.label, naar=DeliveryStatus(target).label
    )
    transition_require(DELIVERY_TRANSITIONS, current, target, message=refused)
    values = values or {}
    if not Delivery.objects.filter(pk=delivery.pk, status=current).update(status=target, **values):
        raise InvalidTransition(refused)
    event_record(
        actor=actor,
        kind=DELIVERY_EVENTS[target],
        project=delivery.project,
        obj=delivery,
        from_state=current,
        to_state=target,
        data=data,
    )
    delivery.status = target
    for name, value in values.items():
        setattr(delivery, name, value)
    return delivery


def _size_mb(size: int) -> int:
    return size // (1024 * 1024)


def _check_file(*, name: str, content: bytes) -> str:
    """Shape checks before anything is stored (R14). Returns the file format."""
    lower = (name or "").lower()
    extension = next((ext for ext in DELIVERY_EXTENSIONS if lower.endswith(ext)), None)
    if extension is None:
        raise ApplicationError(DELIVERY_EXTENSION, {"field": "file"})
    if not content:
        raise ApplicationError(DELIVERY_EMPTY, {"field": "file"})
    cap = min(MAX_BYTES_BY_EXTENSION[extension], MAX_DELIVERY_BYTES)
    if len(content) > cap:
        raise ApplicationError(DELIVERY_TOO_LARGE.format(max=_size_mb(cap)), {"field": "file"})
    if extension == ".xlsx":
        if not content.startswith(b"PK\x03\x04"):
            raise ApplicationError(DELIVERY_NOT_XLSX, {"field": "file"})
        try:
            with zipfile.ZipFile(io.BytesIO(content)) as archive:
                infos = archive.infolist()
                names = {info.filename for info in infos}
        except zipfile.BadZipFile:
            raise ApplicationError(DELIVERY_NOT_XLSX, {"field": "file"}) from None
        uncompressed = sum(info.file_size for info in infos)
        if (
            len(infos) > XLSX_MAX_ENTRIES
            or uncompressed > XLSX_MAX_UNCOMPRESSED_BYTES
            or uncompressed > XLSX_MAX_RATIO * max(len(content), 1)
        ):
            raise ApplicationError(DELIVERY_XLSX_BOMB, {"field": "file"})
        if "[Content_Types].xml" not in names or not any(n.startswith("xl/") for n in names):
            raise ApplicationError(DELIVERY_NOT_XLSX, {"field": "file"})
        return "xlsx"
    head = content[: 64 * 1024]
    if b"\x00" in head or head.startswith(
        (b"PK\x03\x04", b"%PDF", b"MZ", b"\x7fELF", b"\x89PNG", b"\xff\xd8")
    ):
        raise ApplicationError(DELIVERY_NOT_CSV, {"field": "file"})
    return "csv"


def _read_upload(file: File[Any] | None) -> tuple[str, bytes]:
    if file is None:
        raise ApplicationError(DELIVERY_NO_FILE, {"field": "file"})
    size = getattr(file, "size", None)
    if size is not None and size > MAX_DELIVERY_BYTES:
        raise ApplicationError(
            DELIVERY_TOO_LARGE.format(max=_size_mb(MAX_DELIVERY_BYTES)), {"field": "file"}
        )
    if hasattr(file, "seek"):
        file.seek(0)
    content = file.read()
    return (getattr(file, "name", "") or "").rsplit("/", 1)[-1][:255], content


def _check_request_open(data_request: DataRequest) -> None:
    project = data_request.project
    project_require_open(project=project, message=DELIVERY_PROJECT_CLOSED)
    if not phase_reached(project.phase, Phase.DATA_UITVRAAG):
        raise InvalidTransition(DELIVERY_PROJECT_PHASE)
    if data_request.status == DataRequestStatus.INGETROKKEN:
        raise InvalidTransition(DELIVERY_REQUEST_WITHDRAWN)


def delivery_upload(
    *,
    actor: User,
    data_request: DataRequest,
    file: File[Any] | None,
    queue: bool = True,
) -> Delivery:
    """Receive a file against a data request of the actor's own organisation.

    Checks extension, magic bytes, size and (for XLSX) the zip bomb limits, refuses a file
    already delivered to this request (content hash), stores it in private storage under a
    generated name, and queues `delivery_process_task(delivery_id)` after commit (`queue=False`:
    the caller processes it, as the management command does). Raises NotPermitted,
    InvalidTransition (409) or ApplicationError (beside the file field).
    """
    name, content = _read_upload(file)
    stored_name = None
    try:
        with transaction.atomic():
            delivery = _delivery_create(
                actor=actor, data_request=data_request, name=name, content=content
            )
            stored_name = delivery.raw_file.name
    except Exception:
        if stored_name:  # rolled back: leave no orphan raw file behind (R17)
            Delivery._meta.get_field("raw_file").storage.delete(stored_name)
        raise
    if queue:
        # After the commit (at once here, or when the caller's transaction commits). A broker
        # that refuses the job fails the delivery instead of leaving it `ontvangen` for ever.
        job_enqueue(
            JOB_DELIVERY_PROCESS, delivery.pk, on_failure=_fail_when_not_queued(delivery.pk)
        )
    return delivery


def _fail_when_not_queued(delivery_id: int) -> Callable[[Exception], None]:
    """job_enqueue's `on_failure` for one delivery: `delivery_queue_failed`."""

    def fail(error: Exception) -> None:
        delivery_queue_failed(delivery_id=delivery_id, error=error)

    return fail


# A delivery still `ontvangen` after this long lost its job (the process that received it
# died between its commit and queuing the job, or the broker lost the message).
DELIVERY_STUCK_AFTER = timedelta(minutes=30)


def deliveries_stuck_requeue(*, older_than: timedelta = DELIVERY_STUCK_AFTER) -> list[int]:
    """Queue the job again of every delivery still `ontvangen` after `older_than` (Celery beat,
    settings.CELERY_BEAT_SCHEDULE): processing is idempotent, so a job that was only late does
    no harm; a broker that refuses it fails the delivery as the upload does. Returns the ids."""
    stuck = list(
        Delivery.objects.filter(
            status=DeliveryStatus.ONTVANGEN, uploaded_at__lt=timezone.now() - older_than
        )
        .order_by("id")
        .values_list("id", flat=True)
    )
    for delivery_id in stuck:
        logger.warning("delivery_requeued", delivery_id=delivery_id)
        job_enqueue(
            JOB_DELIVERY_PROCESS, delivery_id, on_failure=_fail_when_not_queued(delivery_id)
        )
    return stuck


def delivery_queue_failed(*, delivery_id: int, error: Exception) -> Delivery:
    """The job of a received delivery could not be queued: `ontvangen → mislukt` with
    DELIVERY_QUEUE_FAILED (shown on its page), and its raw file deleted, since its processing
    has ended before it began. A delivery that moved on meanwhile is left alone."""
    logger.error("delivery_queue_failed", delivery_id=delivery_id, error_type=type(error).__name__)
    if _store_failed(
        delivery=Delivery(pk=delivery_id), message=DELIVERY_QUEUE_FAILED, only_from=ONTVANGEN_ONLY
    ):
        _delete_raw_file(delivery_id)  # after the commit of `mislukt`, never before
    return Delivery.objects.get(pk=delivery_id)


def _delivery_create(
    *, actor: User, data_request: DataRequest, name: str, content: bytes
) -> Delivery:
    data_request = (
        DataRequest.objects.select_for_update()
        .select_related("project", "organisation")
        .get(pk=data_request.pk)
    )
    project = data_request.project
    if actor.organisation_id != data_request.organisation_id or not user_has_project_perm(
        user=actor, project=project, perm=ProjectPerm.DELIVER
    ):
        raise NotPermitted(DELIVERY_NOT_YOURS)
    _check_request_open(data_request)
    file_format = _check_file(name=name, content=content)
    content_hash = hashlib.sha256(content).hexdigest()
    earlier = (
        Delivery.objects.filter(
            data_request=data_request, content_hash=content_hash, status__in=DUPLICATE_STATUSES
        )
        .order_by("-id")
        .first()
    )
    if earlier is not None:
        raise ApplicationError(
            DELIVERY_DUPLICATE.format(
                nummer=earlier.pk, status=earlier.get_status_display().lower()
            ),
            {"field": "file"},
        )
    delivery = Delivery(
        data_request=data_request,
        project=project,
        organisation=data_request.organisation,
        source=data_request.source,
        status=DeliveryStatus.ONTVANGEN,
        original_filename=name or f"levering.{file_format}",
        file_format=file_format,
        size_bytes=len(content),
        content_hash=content_hash,
        uploaded_by=actor,
    )
    delivery.raw_file.save("upload", ContentFile(content), save=False)
    try:
        delivery.save()
        event_record(
            actor=actor,
            kind=DELIVERY_EVENTS[DeliveryStatus.ONTVANGEN],
            project=project,
            obj=delivery,
            to_state=DeliveryStatus.ONTVANGEN,
            data={"data_request": data_request.pk},
        )
        processing_log_write(
            actor=actor,
            action="create",
            name="delivery_upload",
            ground="data_intake",
            project=project,
            obj=delivery,
        )
    except BaseException:
        # The database went away (issue 16.2) or refused a row: the transaction rolls back, so
        # the raw file it would have referred to goes too (R17), before delivery_upload sees it.
        if delivery.raw_file.name:
            delivery.raw_file.storage.delete(delivery.raw_file.name)
        raise
    logger.info(
        "delivery_received", delivery_id=delivery.pk, project_id=project.pk, bytes=len(content)
    )
    return delivery


# --- processing -----------------------------------------------------------------------------------


@dataclass
class IntakeOutcome:
    """What the intake layer said about one file, in the shape this module stores."""

    accepted: bool
    rows: object  # pandas DataFrame of valid, normalised rows
    total_rows: int
    # (row, column, masked value, reason, severity); severity as datasharing.constants.IssueSeverity
    issues: list[tuple[int | None, str, str, str, str]] = field(default_factory=list)
    fatal_errors: list[str] = field(default_factory=list)
    unknown_columns: list[str] = field(default_factory=list)
    invalid_rows: int = 0
    outside_area_rows: int | None = None
    area_postcodes: list[str] = field(default_factory=list)


def _progress(delivery_id: int, percent: int) -> None:
    Delivery.objects.filter(pk=delivery_id).update(progress=percent)


@transaction.atomic
def delivery_process_begin(*, delivery_id: int) -> Delivery:
    """ontvangen → verwerken; a delivery already `verwerken` (a task redelivered after a worker
    crash) resumes. Any other delivery is returned unchanged: there is nothing to process."""
    delivery = (
        Delivery.objects.select_for_update(of=("self",))
        .select_related("project", "data_request")
        .get(pk=delivery_id)
    )
    if delivery.status == DeliveryStatus.VERWERKEN:
        _progress(delivery_id, 5)
    elif transition_allowed(DELIVERY_TRANSITIONS, delivery.status, DeliveryStatus.VERWERKEN):
        delivery_transition(
            delivery=delivery, target=DeliveryStatus.VERWERKEN, values={"progress": 5}
        )
    return delivery


def delivery_process(
    *, delivery_id: int, progress: Callable[[int], None] | None = None
) -> Delivery:
    """Validate, pseudonymise and store one received delivery (the Celery task's one call).

    Idempotent: a delivery that is not `ontvangen`/`verwerken` is returned unchanged. Rejected:
    only the report is stored. Accepted: every valid row, pseudonymised, in one transaction;
    vault entries for BAG addresses; the previous accepted delivery of the same data request
    becomes `vervangen`. The raw file is deleted in every outcome.
    """
    delivery = delivery_process_begin(delivery_id=delivery_id)
    if delivery.status != DeliveryStatus.VERWERKEN:
        return delivery

    def report(percent: int) -> None:
        _progress(delivery_id, percent)
        if progress:
            progress(percent)

    try:
        with delivery.raw_file.open("rb") as handle:
            content = handle.read()
        report(10)
        outcome = _run_intake(delivery=delivery, content=content)
        del content
        report(40)
        if outcome.accepted:
            for attempt in range(2):  # once more if a key rotation committed meanwhile
                pseudonymiser = pseudonymiser_for(project=delivery.project)
                try:
                    _store_accepted(
                        delivery=delivery,
                        outcome=outcome,
                        pseudonymiser=pseudonymiser,
                        report=report,
                    )
                    break
                except _KeyRotated:
                    if attempt:
                        raise
        else:
            _store_rejected(delivery=delivery, outcome=outcome)
    except Exception as error:  # noqa: BLE001 - any failure must leave nothing but a message
        # Only the type is logged: messages of parsing errors can quote cell values (R17).
        logger.error(
            "delivery_processing_failed", delivery_id=delivery_id, error_type=type(error).__name__
        )
        message = (
            DELIVERY_KEY_GONE if isinstance(error, ApplicationError) else DELIVERY_PROCESSING_FAILED
        )
        _store_failed(delivery=delivery, message=message)
    finally:
        _delete_raw_file(delivery_id)
    delivery.refresh_from_db()
    return delivery


def _run_intake(*, delivery: Delivery, content: bytes) -> IntakeOutcome:
    from datasharing.intake import reading, validation

    try:
        frame = reading.read_table(content, delivery.original_filename)
    except Exception as error:  # noqa: BLE001
        message = getattr(error, "message", None) or (
            error.args[0] if error.args and isinstance(error.args[0], str) else ""
        )
        message = message or "Het bestand kan niet worden gelezen."
        return IntakeOutcome(
            accepted=False,
            rows=None,
            total_rows=0,
            fatal_errors=[message],
            issues=[(None, "", "", message, IssueSeverity.FOUT)],
        )
    allow_nad = delivery.source != Source.BAG and project_has_accepted_bag_delivery(
        project=delivery.project
    )
    result = validation.validate_delivery(
        delivery.source,
        frame,
        address_by_nummeraanduiding_allowed=allow_nad,
        area=_area_for(delivery),
    )
    return _outcome_from(result)


def _area_for(delivery: Delivery) -> Area | None:
    """The project's area as the intake checks it (validation.Area), or None when it cannot be
    told: a project without area, or — for a source other than bag, when the area has buurten —
    no accepted bag delivery yet, whose addresses in those buurten give their postcodes."""
    from datasharing.intake.validation import Area

    project = delivery.project
    postcodes, buurten = set(project.postcodes or []), set(project.buurtcodes or [])
    if not postcodes and not buurten:
        return None
    if delivery.source != Source.BAG and buurten:
        from_bag = project_bag_area_postcodes(project=project)
        if from_bag is None:
            return None
        postcodes |= from_bag
    return Area(postcodes=frozenset(postcodes), buurtcodes=frozenset(buurten))


def _outcome_from(result: ValidationResult) -> IntakeOutcome:
    """The intake layer's ValidationResult as stored here; report lines via `report_entries`
    (fatal errors, columns not stored, rows outside the area, invalid cells and warnings, each
    with its severity), values already masked."""
    from datasharing.intake import validation

    lines = [
        (int(row) if str(row).isdigit() else None, column, value, reason, severity)
        for severity, row, column, value, reason in validation.report_entries(result)
    ]
    return IntakeOutcome(
        accepted=bool(result.accepted),
        rows=result.rows,
        total_rows=int(result.total_rows),
        issues=lines,
        fatal_errors=list(result.fatal_errors),
        unknown_columns=list(result.unknown_columns),
        invalid_rows=int(result.invalid_rows),
        outside_area_rows=result.outside_area_rows,
        area_postcodes=list(result.area_postcodes),
    )


def _summary(outcome: IntakeOutcome) -> dict[str, Any]:
    summary: dict[str, Any] = {
        "fatal_errors": outcome.fatal_errors,
        "unknown_columns": outcome.unknown_columns,
        "issue_count": len(outcome.issues),
        "outside_area_rows": outcome.outside_area_rows,
    }
    if outcome.area_postcodes:  # bag: its postcodes inside the area, for the other sources
        summary["area_postcodes"] = outcome.area_postcodes
    return summary


def _issue_rows(delivery: Delivery, outcome: IntakeOutcome) -> list[DeliveryIssue]:
    rows = [
        DeliveryIssue(
            delivery=delivery,
            severity=severity,
            row_number=row,
            column=column[:200],
            masked_value=value[:200],
            reason=reason[:500],
        )
        for row, column, value, reason, severity in outcome.issues
    ]
    return rows


@transaction.atomic
def _store_rejected(*, delivery: Delivery, outcome: IntakeOutcome) -> None:
    DeliveryIssue.objects.bulk_create(_issue_rows(delivery, outcome), batch_size=2000)
    delivery_transition(
        delivery=delivery,
        target=DeliveryStatus.AFGEWEZEN,
        values={
            "progress": 100,
            "total_rows": outcome.total_rows,
            "valid_rows": 0,
            "invalid_rows": outcome.invalid_rows,
            "report": _summary(outcome),
            "error_message": (
                " ".join(outcome.fatal_errors)[:2000] if outcome.fatal_errors else ""
            ),
            "processed_at": timezone.now(),
        },
    )
    logger.info("delivery_rejected", delivery_id=delivery.pk, issues=len(outcome.issues))


ONTVANGEN_ONLY = frozenset({DeliveryStatus.ONTVANGEN})
PROCESSING_ONLY = frozenset({DeliveryStatus.VERWERKEN})


@transaction.atomic
def _store_failed(
    *, delivery: Delivery, message: str, only_from: frozenset[DeliveryStatus] = PROCESSING_ONLY
) -> bool:
    """`→ mislukt` with `message`, nothing stored, from a status in `only_from` only; whether
    it moved."""
    delivery = (
        Delivery.objects.select_for_update(of=("self",))
        .select_related("project")
        .get(pk=delivery.pk)
    )
    if delivery.status not in only_from:
        return False  # accepted (or rejected) already: a late failure must not undo it
    for model in RECORD_MODELS.values():  # defensive: the storing transaction rolled back already
        model._default_manager.filter(delivery=delivery).delete()
    AddressVaultEntry.objects.filter(delivery=delivery).delete()
    DeliveryIssue.objects.filter(delivery=delivery).delete()
    DeliveryIssue.objects.create(delivery=delivery, reason=message)
    delivery_transition(
        delivery=delivery,
        target=DeliveryStatus.MISLUKT,
        values={
            "progress": 100,
            "valid_rows": 0,
            "error_message": message,
            "report": {"fatal_errors": [message], "unknown_columns": [], "issue_count": 0},
            "processed_at": timezone.now(),
        },
    )
    return True


def _delete_raw_file(delivery_id: int) -> None:
    delivery = Delivery.objects.filter(pk=delivery_id).first()
    if delivery is None or not delivery.raw_file:
        return
    name = delivery.raw_file.name
    if name:
        delivery.raw_file.storage.delete(name)
    Delivery.objects.filter(pk=delivery_id).update(raw_file="")


def _area_counts(model: type[Any], delivery: Delivery) -> dict[str, int]:
    """A BAG delivery's rows per buurtcode, counted in SQL from what was just written (so
    exactly what a GROUP BY over the rows would give later); {} for other sources."""
    if delivery.source != Source.BAG:
        return {}
    return dict(
        model.objects.filter(delivery_id=delivery.pk)
        .values("buurtcode")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("buurtcode", "n")
    )


class _KeyRotated(Exception):
    """The project key was rotated while this delivery was being pseudonymised."""


def _store_accepted(
    *,
    delivery: Delivery,
    outcome: IntakeOutcome,
    pseudonymiser: Pseudonymiser,
    report: Callable[[int], None],
) -> None:
    from .records import PseudonymisedRows, owner_vault_entries

    model = RECORD_MODELS[delivery.source]
    rows = PseudonymisedRows(
        source=delivery.source,
        frame=outcome.rows,
        pseudonymiser=pseudonymiser,
        delivery=delivery,
        nummeraanduiding_map=lambda: _bag_nummeraanduiding_map(delivery),
    )
    report(60)
    with transaction.atomic():
        locked = (
            Delivery.objects.select_for_update(of=("self",))
            .select_related("project")
            .get(pk=delivery.pk)
        )
        if locked.status != DeliveryStatus.VERWERKEN:
            return
        if not project_key_hold(project=delivery.project, version=pseudonymiser.key_version):
            raise _KeyRotated
        # Each batch is pseudonymised while PostgreSQL ingests the previous one, and the vault
        # is sealed (AES-GCM) while it ingests the last.
        vault = _bulk_insert(model, rows.batches(COPY_BATCH_ROWS), meanwhile=rows.vault)
        vault_count = 0 if vault is None else vault.num_rows
        if vault is not None:
            _bulk_insert(AddressVaultEntry, [vault])
        # eigendom: the owners' ids, sealed for the owner view's four-eyes re-identification.
        OwnerVaultEntry.objects.bulk_create(
            owner_vault_entries(frame=rows.frame, pseudonymiser=pseudonymiser, delivery=delivery),
            batch_size=2000,
        )
        DeliveryIssue.objects.bulk_create(_issue_rows(delivery, outcome), batch_size=2000)
        previous = (
            Delivery.objects.filter(
                data_request_id=delivery.data_request_id, status=DeliveryStatus.GEACCEPTEERD
            )
            .exclude(pk=delivery.pk)
            .select_related("project")
        )
        for replaced in previous:
            delivery_transition(
                delivery=replaced,
                target=DeliveryStatus.VERVANGEN,
                values={"superseded_by": locked},
                data={"superseded_by": locked.pk},
            )
        delivery_transition(
            delivery=locked,
            target=DeliveryStatus.GEACCEPTEERD,
            values={
                "area_counts": _area_counts(model, locked),
                "progress": 100,
                "key_version": pseudonymiser.key_version,
                "total_rows": outcome.total_rows,
                "valid_rows": len(rows),
                "invalid_rows": outcome.invalid_rows,
                "report": _summary(outcome),
                "error_message": "",
                "processed_at": timezone.now(),
            },
        )
        data_request_delivered(data_request_id=delivery.data_request_id, delivery=locked)
        processing_log_write(
            actor=delivery.uploaded_by,
            action="create",
            name="delivery_pseudonymise",
            ground="data_intake",
            project=delivery.project,
            obj=delivery,
        )
        report(90)
    logger.info(
        "delivery_accepted",
        delivery_id=delivery.pk,
        rows=len(rows),
        issues=len(outcome.issues),
        vault=vault_count,
    )


def _bag_nummeraanduiding_map(delivery: Delivery) -> dict[str, str]:
    """nummeraanduiding_key → address_key from the project's accepted BAG delivery.

    Called (through a lambda) only when a delivery has rows named by nummeraanduiding_id alone.
    """
    if delivery.source == Source.BAG:
        return {}
    query = (
        BagRecord.objects.filter(
            project_id=delivery.project_id, delivery__status=DeliveryStatus.GEACCEPTEERD
        )
        .exclude(nummeraanduiding_key="")
        .values_list("nummeraanduiding_key", "address_key")
    )
    sql, params = query.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return dict(cursor.fetchall())


COPY_BATCH_ROWS = 100_000
T = TypeVar("T")


def _csv_ready(table: pa.Table) -> pa.Table:
    """Binary columns as PostgreSQL bytea hex text ('\\x…'); everything else as is."""
    for position, column in enumerate(table.schema):
        if pa.types.is_binary(column.type):
            values = table.column(position).to_pylist()
            hexed = pa.array(
                [None if v is None else "\\x" + v.hex() for v in values], type=pa.string()
            )
            table = table.set_column(position, column.name, hexed)
    return table


def _bulk_insert(
    model: type[models.Model],
    tables: Iterable[pa.Table],
    *,
    meanwhile: Callable[[], T] | None = None,
) -> T | None:
    """Load pyarrow tables inside the caller's transaction (wijkaanpak.core.bulk.bulk_load).

    Each table is rendered as CSV by pyarrow (C++): every string value is quoted, so '' stays an
    empty string and only a missing (null) value becomes NULL. The tables may be built lazily:
    one is sent while the next is built, and `meanwhile()` (returned) runs at the end.
    """
    options = pa_csv.WriteOptions(include_header=False, quoting_style="needed")
    tables = iter(table for table in tables if table.num_rows)
    first = next(tables, None)
    if first is None:
        return meanwhile() if meanwhile else None

    def to_csv(table: pa.Table) -> memoryview:
        sink = pa.BufferOutputStream()
        pa_csv.write_csv(_csv_ready(table), sink, write_options=options)
        return memoryview(sink.getvalue())  # no copy: psycopg reads the buffer itself

    return bulk_load(
        model,
        first.column_names,
        itertools.chain([first], tables),
        to_csv=to_csv,
        to_rows=lambda table: table.to_pylist(),
        meanwhile=meanwhile,
    )
