"""Writing and verifying the processing log (Logboek Dataverwerkingen, security R21/R22).

Every read or change of personal data calls `processing_log_write` *before* the data leaves
the system. A failing write raises, so the request fails closed.
"""

import hashlib
import json
import secrets
from collections.abc import Iterable
from datetime import datetime

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from .models import ProcessingLogEntry
from .tracing import trace_current

GENESIS_HASH = "0" * 64
_CHAIN_LOCK_ID = 0x5A1B_0001

# The processing activities of the verwerkingsregister, with their legal ground (LDV
# `dpl.core.processing_activity_id`). Keys are used as the `ground` argument.
PROCESSING_ACTIVITIES = {
    "lsi_project": "Art. 64 Wet SUWI; LSI-convenant: uitvoering interventieteamproject",
    "data_intake": "Art. 64 Wet SUWI; LSI-convenant: gegevenslevering voor bestandsvergelijking",
    "risk_selection": "Art. 64 Wet SUWI: risicoselectie op adresniveau",
    "reidentification": "Art. 64 Wet SUWI: herleiding van geselecteerde adressen",
    "control": "Art. 64 Wet SUWI: gezamenlijke controle en opvolging",
    "privacy_rights": "Art. 15–21 AVG: inzage, bezwaar en correctie van betrokkenen",
}


def _entry_hash(previous_hash: str, entry: ProcessingLogEntry) -> str:
    payload = {
        "previous": previous_hash,
        "trace_id": entry.trace_id,
        "operation_id": entry.operation_id,
        "name": entry.name,
        "action": entry.action,
        "status_code": int(entry.status_code),
        "started_at": entry.started_at.isoformat(),
        "ended_at": entry.ended_at.isoformat(),
        "actor": entry.actor_id,
        "project": entry.project_id,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "ground": entry.ground,
        "data_subject_id": entry.data_subject_id,
        "origin": entry.origin,
    }
    encoded = json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()
    return hashlib.sha256(encoded).hexdigest()


def _lock_chain() -> str:
    """Serialise writers on the chain's head and return the last hash."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK_ID])
    last = ProcessingLogEntry.objects.order_by("-id").values_list("entry_hash", flat=True).first()
    return last or GENESIS_HASH


@transaction.atomic
def processing_log_write(
    *,
    actor,
    action: str,
    name: str,
    ground: str,
    project=None,
    obj=None,
    data_subject_ids: Iterable[str] = (),
    data_subject_id_type: str = "",
    started_at: datetime | None = None,
    status: int = ProcessingLogEntry.Status.OK,
) -> list[ProcessingLogEntry]:
    """Append one record per data subject (one record when there is none). Never samples."""
    if ground not in PROCESSING_ACTIVITIES:
        raise ValueError(f"Unknown processing activity {ground!r}.")
    trace = trace_current()
    now = timezone.now()
    subjects = list(dict.fromkeys(data_subject_ids)) or [""]
    organisation = getattr(actor, "organisation", None)
    previous = _lock_chain()
    entries = []
    for subject in subjects:
        entry = ProcessingLogEntry(
            trace_id=trace.trace_id,
            operation_id=secrets.token_hex(8),
            parent_operation_id=trace.operation_id,
            foreign_trace_id=trace.foreign_trace_id,
            foreign_operation_id=trace.foreign_operation_id,
            name=name,
            action=action,
            status_code=status,
            started_at=started_at or now,
            ended_at=now,
            actor=actor if getattr(actor, "pk", None) else None,
            actor_label=getattr(actor, "username", "") or "systeem",
            organisation_label=str(organisation) if organisation else "",
            project=project,
            object_type=obj._meta.label_lower if obj is not None else "",
            object_id=str(obj.pk) if obj is not None else "",
            ground=ground,
            processing_activity_id=f"{settings.WIJKAANPAK_PROCESSING_REGISTER_URI}#{ground}",
            data_subject_id=subject,
            data_subject_id_type=data_subject_id_type if subject else "",
            origin=trace.origin,
            resource=f"wijkaanpak/{settings.WIJKAANPAK_VERSION}",
            previous_hash=previous,
        )
        entry.entry_hash = _entry_hash(previous, entry)
        previous = entry.entry_hash
        entries.append(entry)
    return ProcessingLogEntry.objects.bulk_create(entries)


def processing_log_verify() -> list[int]:
    """Return the ids of records whose hash or link does not match: empty when intact."""
    broken = []
    previous = GENESIS_HASH
    for entry in ProcessingLogEntry.objects.order_by("id").iterator(chunk_size=2000):
        if entry.previous_hash != previous or _entry_hash(previous, entry) != entry.entry_hash:
            broken.append(entry.pk)
        previous = entry.entry_hash
    return broken
