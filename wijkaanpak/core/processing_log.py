"""Writing and verifying the processing log (Logboek Dataverwerkingen, security R21/R22).

Every read or change of personal data calls `processing_log_write` *before* the data leaves
the system. A failing write raises, so the request fails closed.

The data subject's id (`dpl.core.data_subject_id`) is stored encrypted, as the LDV standard
asks: AES-SIV (deterministic authenticated encryption, RFC 5297) under the log's own key, with
the id's type as associated data. Deterministic, so the privacy officer finds every record of
one subject with `processing_log_for_subject(subject_id, subject_type)` (or filters on
`processing_log_subject_token(...)`) without decrypting the log; `processing_log_subject_decrypt`
turns a stored value back into the id. The key is `WIJKAANPAK_LOG_SUBJECT_KEY` (base64, 64
bytes), else derived from the master key with HKDF (its own label: never the pseudonymisation
keys). The hash chain covers the stored, encrypted value, so verifying needs no key.
"""

import hashlib
import json
import secrets
from base64 import b64decode, urlsafe_b64decode, urlsafe_b64encode
from collections.abc import Iterable
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESSIV
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

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


# --- the data subject's id, encrypted (LDV dpl.core.data_subject_id) -----------------------------

SUBJECT_CIPHERTEXT_PREFIX = "v1."
SUBJECT_KEY_BYTES = 64  # AES-SIV with two 256-bit keys
SUBJECT_ID_MAX_LENGTH = 100  # the longest id accepted (pseudonyms are 64 hex characters)
SUBJECT_KEY_INVALID = "WIJKAANPAK_LOG_SUBJECT_KEY must be 64 bytes, base64-encoded."
SUBJECT_KEY_MISSING = (
    "WIJKAANPAK_LOG_SUBJECT_KEY, or the master key it is derived from, must be set."
)


@sensitive_variables()
@lru_cache(maxsize=1)
def _subject_key() -> bytes:
    raw = getattr(settings, "WIJKAANPAK_LOG_SUBJECT_KEY", "") or ""
    if raw:
        try:
            key = b64decode(raw, validate=True)
        except ValueError:
            raise ImproperlyConfigured(SUBJECT_KEY_INVALID) from None
        if len(key) != SUBJECT_KEY_BYTES:
            raise ImproperlyConfigured(SUBJECT_KEY_INVALID)
        return key
    master = getattr(settings, "WIJKAANPAK_MASTER_KEY", "") or ""
    key_file = getattr(settings, "WIJKAANPAK_MASTER_KEY_FILE", "") or ""
    if master:
        material = b64decode(master)
    elif key_file:
        content = Path(key_file).read_bytes()
        material = content if len(content) == 32 else b64decode(content.strip())
    else:
        raise ImproperlyConfigured(SUBJECT_KEY_MISSING)
    return HKDF(
        algorithm=hashes.SHA256(),
        length=SUBJECT_KEY_BYTES,
        salt=None,
        info=b"wijkaanpak processing log: dpl.core.data_subject_id",
    ).derive(material)


def processing_log_subject_token(subject_id: str, subject_type: str) -> str:
    """The stored (encrypted) form of one data subject's id: the same id and type give the same
    token, so `ProcessingLogEntry.objects.filter(data_subject_id=token)` finds its records."""
    if not subject_id:
        return ""
    if len(subject_id) > SUBJECT_ID_MAX_LENGTH:
        raise ValueError("A data subject id is at most 100 characters.")
    sealed = AESSIV(_subject_key()).encrypt(subject_id.encode(), [subject_type.encode()])
    return SUBJECT_CIPHERTEXT_PREFIX + urlsafe_b64encode(sealed).decode().rstrip("=")


def processing_log_subject_decrypt(token: str, subject_type: str) -> str:
    """The data subject's id of a stored token (the record's `data_subject_id_type` is the
    type). Raises ValueError for a token this key did not make."""
    if not token:
        return ""
    if not token.startswith(SUBJECT_CIPHERTEXT_PREFIX):
        raise ValueError("Not an encrypted data subject id.")
    body = token[len(SUBJECT_CIPHERTEXT_PREFIX) :]
    try:
        sealed = urlsafe_b64decode(body + "=" * (-len(body) % 4))
        return AESSIV(_subject_key()).decrypt(sealed, [subject_type.encode()]).decode()
    except (InvalidTag, ValueError) as error:
        raise ValueError("This data subject id cannot be decrypted with this key.") from error


def processing_log_for_subject(subject_id: str, subject_type: str) -> QuerySet[ProcessingLogEntry]:
    """Every record about one data subject (an address pseudonym, an owner pseudonym, a
    delivery row), oldest first: the privacy officer's filter."""
    return ProcessingLogEntry.objects.filter(
        data_subject_id=processing_log_subject_token(subject_id, subject_type),
        data_subject_id_type=subject_type,
    ).order_by("id")


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
    """Append one record per data subject (one record when there is none), in one bulk
    insert whatever their number; the ids are stored encrypted. Never samples."""
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
            data_subject_id=processing_log_subject_token(subject, data_subject_id_type),
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
