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

Key versions and rotation (R19): the raw identifiers are gone after intake, so a rotation
(datasharing.services.keys.project_key_rotate) chains: the pseudonym of a value under version v is
P_v = HMAC(K_v[kind], P_{v-1}) as hex, with P_1 = HMAC(K_1[kind], value). A Pseudonymiser of
version v therefore holds the HMAC keys of versions 1..v and applies them in order; only its
vault key is of version v alone. Older keys stay (retired) because the chain needs them; only
the newest is current. Destroying the keys (crypto-shredding) destroys every version.

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
from django.db.models import Max
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

from .models import AddressVaultEntry, OwnerVaultEntry, ProjectKey

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


def project_key_hold(*, project, version: int) -> bool:
    """Lock the project's current key row for the caller's transaction, if it is `version`.

    False when `version` is no longer current: a rotation retired it (its UPDATE is waited for
    and the row then no longer matches), so the caller must pseudonymise again. Held, it makes
    a rotation wait until the caller commits; the rotation then re-keys the caller's rows too.
    """
    return (
        ProjectKey.objects.select_for_update()
        .filter(
            project=project, version=version, retired_at__isnull=True, destroyed_at__isnull=True
        )
        .first()
        is not None
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
    return _project_key_create(project=project, version=version)


@sensitive_variables()
def _project_key_create(*, project, version: int) -> ProjectKey:
    key = secrets.token_bytes(KEY_BYTES)
    project_key = ProjectKey.objects.create(
        project=project, version=version, wrapped_key=_wrap(project.pk, version, key)
    )
    logger.info("project_key_created", project_id=project.pk, version=version)
    return project_key


def project_key_successor_create(*, project) -> ProjectKey:
    """Create the next key version and retire the current one (the first step of a rotation).

    Caller (datasharing.services.keys.project_key_rotate) holds the project row lock and, in the
    same transaction, re-keys every stored pseudonym of the project to the new version. Raises
    ApplicationError when the project has no current key (destroyed, or never created).
    """
    current = project_key_current(project=project)
    if current is None:
        raise ApplicationError(PROJECT_KEY_DESTROYED)
    ProjectKey.objects.filter(project=project, retired_at__isnull=True).update(
        retired_at=timezone.now()
    )
    newest = ProjectKey.objects.filter(project=project).aggregate(newest=Max("version"))["newest"]
    return _project_key_create(project=project, version=newest + 1)


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
    """Pseudonyms of one project key version. Build with `pseudonymiser_for(project=...)`.

    `_hmac_keys[kind]` holds the HMAC keys of versions 1..key_version in order: a pseudonym is
    the chain HMAC(K_v, … HMAC(K_2, HMAC(K_1, value))) (module docstring). `_vault_key` is the
    address-vault key of `key_version` alone.
    """

    project_id: int
    key_version: int
    _hmac_keys: dict  # Kind → tuple of per-version HMAC keys, version 1 first
    _vault_key: bytes

    def __repr__(self) -> str:  # never show key material, also not in tracebacks
        return f"Pseudonymiser(project_id={self.project_id}, key_version={self.key_version})"

    def one(self, kind: Kind, value: str) -> str:
        """Hex pseudonym of one normalised value (an empty value gives '')."""
        if not value:
            return ""
        digest = value
        for index in range(len(self._hmac_keys[kind])):
            digest = hmac.new(self._hmac_keys[kind][index], digest.encode(), sha256).hexdigest()
        return digest

    def many(self, kind: Kind, values: Iterable) -> list[str]:
        """Bulk form for a pandas Series or list; missing/empty values give ''."""
        return self.series(kind, values).tolist()

    def series(self, kind: Kind, values: Iterable) -> pd.Series:
        """Pseudonyms of a column as a string Series (positionally indexed), '' where missing.

        Each distinct value is hashed once (addresses repeat many times over a BRP file), through
        the whole chain of versions; the result is what `one` gives for `str(value)`.
        """
        if not isinstance(values, pd.Series):
            values = pd.Series(list(values), dtype=object)
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
        digests = self._chain([str(value) for value in uniques.tolist()], kind, first=0)
        digests.append("")  # position -1: missing values
        table = np.array(digests, dtype=object)
        return pd.Series(table[codes], dtype="str")

    def advance(self, kind: Kind, pseudonyms: Sequence[str]) -> list[str]:
        """The version-`key_version` pseudonyms of version-(`key_version` - 1) pseudonyms: one
        HMAC with this version's key per value ('' stays ''). Used by a rotation only."""
        if self.key_version < 2:
            raise ValueError("Only a rotated key (version 2 or later) advances pseudonyms.")
        return self._chain(list(pseudonyms), kind, first=len(self._hmac_keys[kind]) - 1)

    def _chain(self, texts: list[str], kind: Kind, *, first: int) -> list[str]:
        """Apply the HMAC keys of versions first+1..key_version in order to each text ('' stays
        ''). One precomputed HMAC state per version, copied per value."""
        digests = texts
        for index in range(first, len(self._hmac_keys[kind])):
            copy = hmac.new(self._hmac_keys[kind][index], digestmod=sha256).copy
            out: list[str] = []
            append = out.append
            for text in digests:
                if not text:
                    append("")
                    continue
                h = copy()
                h.update(text.encode())
                append(h.hexdigest())
            digests = out
        return digests

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
        out: list[bytes] = []
        append = out.append
        for index, (key, plaintext) in enumerate(zip(address_keys, plaintexts, strict=True)):
            nonce = nonces[index * NONCE_BYTES : (index + 1) * NONCE_BYTES]
            append(nonce + encrypt(nonce, plaintext, key.encode()))
        return out

    def seal_owners(self, *, owner_keys: Sequence[str], owner_ids: Sequence[str]) -> list[bytes]:
        """Encrypt owner ids (eigendom); 'owner/' + the owner pseudonym is the associated data,
        so an owner entry never opens as an address or under another owner's key."""
        return self.seal_many(
            address_keys=[OWNER_AAD + key for key in owner_keys],
            plaintexts=[owner_id.encode() for owner_id in owner_ids],
        )

    def open_owner(self, *, owner_key: str, ciphertext: bytes) -> str:
        return self._open(OWNER_AAD + owner_key, ciphertext).decode()

    def reseal_owners(
        self,
        *,
        previous: Pseudonymiser,
        old_keys: Sequence[str],
        new_keys: Sequence[str],
        ciphertexts: Sequence[bytes],
    ) -> list[bytes]:
        """Owner entries re-encrypted for this version (rotation), like `reseal_many`."""
        return self.reseal_many(
            previous=previous,
            old_keys=[OWNER_AAD + key for key in old_keys],
            new_keys=[OWNER_AAD + key for key in new_keys],
            ciphertexts=ciphertexts,
        )

    def open_address(self, *, address_key: str, ciphertext: bytes) -> dict:
        return json.loads(self._open(address_key, ciphertext))

    def _open(self, address_key: str, ciphertext: bytes) -> bytes:
        blob = bytes(ciphertext)
        return AESGCM(self._vault_key).decrypt(
            blob[:NONCE_BYTES], blob[NONCE_BYTES:], address_key.encode()
        )

    def reseal_many(
        self,
        *,
        previous: Pseudonymiser,
        old_keys: Sequence[str],
        new_keys: Sequence[str],
        ciphertexts: Sequence[bytes],
    ) -> list[bytes]:
        """Vault entries of `previous`'s version re-encrypted for this version (rotation): open
        each with the previous vault key and its old address key as associated data, seal the
        same plaintext bytes with this vault key and the new address key. Never parsed."""
        plaintexts = [
            previous._open(key, ciphertext)
            for key, ciphertext in zip(old_keys, ciphertexts, strict=True)
        ]
        return self.seal_many(address_keys=new_keys, plaintexts=plaintexts)


@sensitive_variables()
def _pseudonymiser_from(project_keys: Sequence[ProjectKey]) -> Pseudonymiser:
    """The pseudonymiser of the last of `project_keys`, which must be versions 1..v in order."""
    newest = project_keys[-1]
    if [k.version for k in project_keys] != list(range(1, newest.version + 1)):
        raise ApplicationError(PROJECT_KEY_DESTROYED)
    hmac_keys: dict[Kind, list[bytes]] = {kind: [] for kind in Kind}
    for project_key in project_keys:
        key = _unwrap(project_key)
        for kind in Kind:
            hmac_keys[kind].append(_derive(key, f"wijkaanpak/pseudonym/{kind.value}/v1"))
    vault_key = _derive(key, "wijkaanpak/address-vault/v1")  # of the newest version only
    return Pseudonymiser(
        project_id=newest.project_id,
        key_version=newest.version,
        _hmac_keys={kind: tuple(keys) for kind, keys in hmac_keys.items()},
        _vault_key=vault_key,
    )


@sensitive_variables()
def pseudonymiser_for(*, project, version: int | None = None) -> Pseudonymiser:
    """The pseudonymiser of the project's current key (created on first use) or of `version`
    (any version, also a retired one). Raises ApplicationError once the keys are destroyed."""
    if version is None:
        version = project_key_ensure(project=project).version
    project_keys = list(
        ProjectKey.objects.filter(project=project, version__lte=version).order_by("version")
    )
    if not project_keys or project_keys[-1].version != version:
        raise ApplicationError(PROJECT_KEY_DESTROYED)
    return _pseudonymiser_from(project_keys)


def pseudonymise(*, project, kind: Kind | str, values: Sequence) -> list[str]:
    """Pseudonyms of normalised values under the project's current key (e.g. for look-ups)."""
    return pseudonymiser_for(project=project).many(Kind(kind), values)


# --- the vault ------------------------------------------------------------------------------------

ADDRESS_PARTS = ("postcode", "huisnummer", "huisletter", "huisnummertoevoeging")
OWNER_AAD = "owner/"


@dataclass(frozen=True)
class RealAddress:
    """A re-identified address: the parts the vault holds. `str()` is the one-line form,
    'Kerkstraat 12 A-BIS, 5911 AB Venlo', or '5911 AB 12 A-BIS' when the BAG delivery gave no
    street and place."""

    postcode: str
    huisnummer: str
    huisletter: str = ""
    toevoeging: str = ""
    straatnaam: str = ""
    woonplaats: str = ""
    nummeraanduiding_id: str = ""

    @classmethod
    def from_vault(cls, parts: dict) -> RealAddress:
        def part(name: str) -> str:
            return str(parts.get(name) or "")

        return cls(
            postcode=part("postcode"),
            huisnummer=part("huisnummer"),
            huisletter=part("huisletter"),
            toevoeging=part("huisnummertoevoeging"),
            straatnaam=part("straatnaam"),
            woonplaats=part("woonplaats"),
            nummeraanduiding_id=part("nummeraanduiding_id"),
        )

    @property
    def postcode_display(self) -> str:
        """'1234 AB'."""
        code = self.postcode
        return f"{code[:4]} {code[4:]}" if len(code) == 6 else code

    @property
    def number_display(self) -> str:
        """'12 A-BIS': huisnummer, huisletter, toevoeging."""
        number = f"{self.huisnummer}{(' ' + self.huisletter) if self.huisletter else ''}"
        return f"{number}{('-' + self.toevoeging) if self.toevoeging else ''}"

    def __str__(self) -> str:
        if self.straatnaam:
            place = f"{self.postcode_display} {self.woonplaats}".strip()
            return f"{self.straatnaam} {self.number_display}, {place}"
        line = f"{self.postcode_display} {self.number_display}"
        return f"{line}, {self.woonplaats}" if self.woonplaats else line.strip()


def vault_lookup(*, project, address_key: str) -> dict | None:
    """Decrypt ONE address of the vault: {postcode, huisnummer, huisletter, huisnummertoevoeging}
    (plus nummeraanduiding_id, straatnaam and woonplaats when the BAG delivery had them), or None
    when the vault has no entry. `RealAddress.from_vault` gives it its shape.

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
    return pseudonymiser.open_address(address_key=address_key, ciphertext=bytes(entry.ciphertext))


def owner_vault_lookup(*, project, owner_key: str) -> str | None:
    """Decrypt ONE owner's id (a BSN or a kvk_nummer) from the owner vault, or None when it has
    no entry. Only for an owner re-identification approved under four eyes (controls); the
    caller writes the processing log first. Raises ApplicationError once the key is destroyed.
    """
    if (
        project_key_current(project=project) is None
        and ProjectKey.objects.filter(project=project, destroyed_at__isnull=False).exists()
    ):
        raise ApplicationError(PROJECT_KEY_DESTROYED)
    entry = (
        OwnerVaultEntry.objects.filter(project=project, owner_key=owner_key)
        .order_by("-delivery_id")
        .first()
    )
    if entry is None:
        return None
    pseudonymiser = pseudonymiser_for(project=project, version=entry.key_version)
    return pseudonymiser.open_owner(owner_key=owner_key, ciphertext=bytes(entry.ciphertext))
