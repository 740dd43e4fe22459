"""Keyed pseudonyms, project keys and the address vault (formats.md §2, security R17–R19).

Key hierarchy:

- the **master key** (256 bits) comes from `settings.WIJKAANPAK_MASTER_KEY` (base64) or the file
  named by `settings.WIJKAANPAK_MASTER_KEY_FILE` (32 raw bytes or base64 text). It never touches
  the database or the repository;
- each project has its own random 256-bit **project key** (`secrets.token_bytes(32)`), stored in
  `ProjectKey.wrapped_key` only wrapped (AES-256-GCM) by the master key, with a version;
- from the project key HKDF derives one HMAC key per identifier kind (bsn, address,
  nummeraanduiding, kvk) and one AES-GCM key for the address vault, so pseudonyms of different
  kinds and of different projects are unlinkable (R18b).

Pseudonyms are lower-case hex HMAC-SHA-256 (64 characters). No raw value and no key is ever
logged: log lines here carry project ids and key versions only.

Re-identification: `vault_lookup(project=..., address_key=...)` decrypts exactly ONE address.
Callers (the re-identification service of datasharing.matching) must only call it for an address
approved under four eyes, and must write the processing log (ground "reidentification") first.
"""

from __future__ import annotations

import hmac
import json
import secrets
from base64 import b64decode
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from hashlib import sha256
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

import numpy as np
import pandas as pd
import structlog
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from wijkaanpak.core.exceptions import ApplicationError

from .models import AddressVaultEntry, ProjectKey

logger = structlog.get_logger(__name__)

KEY_BYTES = 32
NONCE_BYTES = 12

PROJECT_KEY_DESTROYED = (
    "De pseudonimiseringssleutel van dit project is vernietigd; er kan niets meer worden "
    "gepseudonimiseerd of herleid."
)
MASTER_KEY_MISSING = (
    "WIJKAANPAK_MASTER_KEY (base64, 32 bytes) or WIJKAANPAK_MASTER_KEY_FILE must be set."
)
MASTER_KEY_INVALID = (
    "The master key must be exactly 32 bytes (base64-encoded or raw in the key file)."
)


class Kind(StrEnum):
    """Identifier kinds; each gets its own derived HMAC key (domain separation)."""

    BSN = "bsn"
    ADDRESS = "address"
    NUMMERAANDUIDING = "nummeraanduiding"
    KVK = "kvk"


# --- master key and wrapping ---------------------------------------------------------------------


@sensitive_variables()
def _master_key() -> bytes:
    raw = getattr(settings, "WIJKAANPAK_MASTER_KEY", "") or ""
    key_file = getattr(settings, "WIJKAANPAK_MASTER_KEY_FILE", "") or ""
    if raw:
        try:
            key = b64decode(raw, validate=True)
        except ValueError:
            raise ImproperlyConfigured(MASTER_KEY_INVALID) from None
    elif key_file:
        content = Path(key_file).read_bytes()
        if len(content) == KEY_BYTES:
            key = content
        else:
            try:
                key = b64decode(content.strip(), validate=True)
            except ValueError:
                raise ImproperlyConfigured(MASTER_KEY_INVALID) from None
    else:
        raise ImproperlyConfigured(MASTER_KEY_MISSING)
    if len(key) != KEY_BYTES:
        raise ImproperlyConfigured(MASTER_KEY_INVALID)
    return key


def _wrap_aad(project_id: int, version: int) -> bytes:
    # Binding the wrapped key to its project and version: a wrapped key copied to another
    # project's row does not unwrap.
    return f"wijkaanpak/project-key/{project_id}/{version}".encode()


@sensitive_variables()
def _wrap(project_id: int, version: int, key: bytes) -> bytes:
    nonce = secrets.token_bytes(NONCE_BYTES)
    return nonce + AESGCM(_master_key()).encrypt(nonce, key, _wrap_aad(project_id, version))


@sensitive_variables()
def _unwrap(project_key: ProjectKey) -> bytes:
    if project_key.destroyed_at is not None or not project_key.wrapped_key:
        raise ApplicationError(PROJECT_KEY_DESTROYED)
    blob = bytes(project_key.wrapped_key)
    try:
        return AESGCM(_master_key()).decrypt(
            blob[:NONCE_BYTES],
            blob[NONCE_BYTES:],
            _wrap_aad(project_key.project_id, project_key.version),
        )
    except InvalidTag:
        logger.error(
            "project_key_unwrap_failed",
            project_id=project_key.project_id,
            version=project_key.version,
        )
        raise


@sensitive_variables()
def _derive(key: bytes, info: str) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None, info=info.encode()).derive(
        key
    )


# --- project keys --------------------------------------------------------------------------------


def project_key_current(*, project) -> ProjectKey | None:
    """The project's key in use (not retired, not destroyed), or None."""
    return (
        ProjectKey.objects.filter(
            project=project, retired_at__isnull=True, destroyed_at__isnull=True
        )
        .order_by("-version")
        .first()
    )


@sensitive_variables()
@transaction.atomic
def project_key_ensure(*, project) -> ProjectKey:
    """The project's current key, creating version 1 on first use.

    Raises ApplicationError when the project's keys were destroyed (a closed project gets no new
    key: crypto-shredding must stay final).
    """
    from projects.models import Project

    Project.objects.select_for_update().filter(pk=project.pk).first()  # serialise creation
    current = project_key_current(project=project)
    if current is not None:
        return current
    if ProjectKey.objects.filter(project=project, destroyed_at__isnull=False).exists():
        raise ApplicationError(PROJECT_KEY_DESTROYED)
    version = (
        ProjectKey.objects.filter(project=project)
        .order_by("-version")
        .values_list("version", flat=True)
        .first()
        or 0
    ) + 1
    key = secrets.token_bytes(KEY_BYTES)
    project_key = ProjectKey.objects.create(
        project=project, version=version, wrapped_key=_wrap(project.pk, version, key)
    )
    logger.info("project_key_created", project_id=project.pk, version=version)
    return project_key


@transaction.atomic
def project_key_destroy(*, project) -> int:
    """Crypto-shredding: overwrite every wrapped key of the project. Returns how many keys.

    After this no pseudonym of the project can be recomputed and no vault entry decrypted.
    """
    now = timezone.now()
    count = ProjectKey.objects.filter(project=project, destroyed_at__isnull=True).update(
        wrapped_key=b"", destroyed_at=now, retired_at=now
    )
    logger.info("project_key_destroyed", project_id=project.pk, keys=count)
    return count


# --- pseudonymisation -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Pseudonymiser:
    """Pseudonyms of one project key version. Build with `pseudonymiser_for(project=...)`."""

    project_id: int
    key_version: int
    _hmac_keys: dict
    _vault_key: bytes

    def __repr__(self) -> str:  # never show key material, also not in tracebacks
        return f"Pseudonymiser(project_id={self.project_id}, key_version={self.key_version})"

    def one(self, kind: Kind, value: str) -> str:
        """Hex HMAC-SHA-256 of one normalised value (an empty value gives '')."""
        if not value:
            return ""
        return hmac.new(self._hmac_keys[kind], value.encode(), sha256).hexdigest()

    def many(self, kind: Kind, values: Iterable) -> list[str]:
        """Bulk form for a pandas Series or list; missing/empty values give ''."""
        return self.series(kind, values).tolist()

    def series(self, kind: Kind, values: Iterable) -> pd.Series:
        """Pseudonyms of a column as a string Series (positionally indexed), '' where missing.

        Each distinct value is hashed once (addresses repeat many times over a BRP file); the
        result is the same HMAC-SHA-256 of `str(value)` as `one` gives.
        """
        if not isinstance(values, pd.Series):
            values = pd.Series(list(values), dtype=object)
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
        base = hmac.new(self._hmac_keys[kind], digestmod=sha256)
        copy = base.copy
        digests = []
        append = digests.append
        for value in uniques.tolist():
            text = str(value)
            if not text:
                append("")
                continue
            h = copy()
            h.update(text.encode())
            append(h.hexdigest())
        digests.append("")  # position -1: missing values
        table = np.array(digests, dtype=object)
        return pd.Series(table[codes], dtype="str")

    # --- vault ---

    def seal_address(self, *, address_key: str, parts: dict) -> bytes:
        """Encrypt the real address parts; the pseudonym is the associated data."""
        nonce = secrets.token_bytes(NONCE_BYTES)
        plaintext = json.dumps(parts, sort_keys=True, separators=(",", ":")).encode()
        return nonce + AESGCM(self._vault_key).encrypt(nonce, plaintext, address_key.encode())

    def seal_many(self, *, address_keys: Sequence[str], plaintexts: Sequence[bytes]) -> list[bytes]:
        """Bulk form of `seal_address` for already serialised plaintexts (one fresh random nonce
        per entry, drawn from one os.urandom call)."""
        count = len(address_keys)
        nonces = secrets.token_bytes(NONCE_BYTES * count)
        encrypt = AESGCM(self._vault_key).encrypt
        out = []
        append = out.append
        for index, (key, plaintext) in enumerate(zip(address_keys, plaintexts, strict=True)):
            nonce = nonces[index * NONCE_BYTES : (index + 1) * NONCE_BYTES]
            append(nonce + encrypt(nonce, plaintext, key.encode()))
        return out

    def open_address(self, *, address_key: str, ciphertext: bytes) -> dict:
        blob = bytes(ciphertext)
        plaintext = AESGCM(self._vault_key).decrypt(
            blob[:NONCE_BYTES], blob[NONCE_BYTES:], address_key.encode()
        )
        return json.loads(plaintext)


@sensitive_variables()
def _pseudonymiser_from(project_key: ProjectKey) -> Pseudonymiser:
    key = _unwrap(project_key)
    return Pseudonymiser(
        project_id=project_key.project_id,
        key_version=project_key.version,
        _hmac_keys={kind: _derive(key, f"wijkaanpak/pseudonym/{kind.value}/v1") for kind in Kind},
        _vault_key=_derive(key, "wijkaanpak/address-vault/v1"),
    )


@sensitive_variables()
def pseudonymiser_for(*, project, version: int | None = None) -> Pseudonymiser:
    """The pseudonymiser of the project's current key (created on first use) or of `version`."""
    if version is None:
        project_key = project_key_ensure(project=project)
    else:
        project_key = ProjectKey.objects.filter(project=project, version=version).first()
        if project_key is None:
            raise ApplicationError(PROJECT_KEY_DESTROYED)
    return _pseudonymiser_from(project_key)


def pseudonymise(*, project, kind: Kind | str, values: Sequence) -> list[str]:
    """Pseudonyms of normalised values under the project's current key (e.g. for look-ups)."""
    return pseudonymiser_for(project=project).many(Kind(kind), values)


# --- the vault ------------------------------------------------------------------------------------

ADDRESS_PARTS = ("postcode", "huisnummer", "huisletter", "huisnummertoevoeging")


def vault_lookup(*, project, address_key: str) -> dict | None:
    """Decrypt ONE address of the vault: {postcode, huisnummer, huisletter, huisnummertoevoeging}
    (plus nummeraanduiding_id when the BAG delivery had it), or None when the vault has no entry.

    Only for re-identification of an address approved under four eyes; the caller checks that
    approval and writes the processing log (ground "reidentification") before showing it.
    Raises ApplicationError once the project's key is destroyed.
    """
    if (
        project_key_current(project=project) is None
        and ProjectKey.objects.filter(project=project, destroyed_at__isnull=False).exists()
    ):
        raise ApplicationError(PROJECT_KEY_DESTROYED)
    entry = (
        AddressVaultEntry.objects.filter(project=project, address_key=address_key)
        .order_by("-delivery_id")
        .first()
    )
    if entry is None:
        return None
    pseudonymiser = pseudonymiser_for(project=project, version=entry.key_version)
    return pseudonymiser.open_address(address_key=address_key, ciphertext=entry.ciphertext)
