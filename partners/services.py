"""Organisations' convenants: the legal basis on which they share data.

Roles in a project and the permissions they grant are projects.services.roles (style rule 15).
A convenant bound to one project is registered and ended through
projects.services.project_convenant_register / project_convenant_end, which check that the
actor is that project's projectleider; this module knows nothing of projects (rule 33).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.core.files import File
from django.db import models, transaction
from django.utils import timezone
from django.utils.text import slugify

from wijkaanpak.core.events import event_record
from wijkaanpak.core.exceptions import ApplicationError, NotPermitted

from .constants import API_TOKEN_DAYS_MAX, LSI_PARTIES, ApiScope, ConvenantKind
from .models import ApiClient, Convenant, Organisation, User
from .selectors import api_token_hash

CONVENANT_PROJECT_ONLY_AANVULLEND = "Alleen een aanvullend convenant kan voor één project gelden."
CONVENANT_PERIOD_INVALID = "De einddatum ligt vóór de begindatum."
CONVENANT_LSI_NOT_PARTY = (
    "{organisatie} is geen partij bij het LSI-convenant; registreer een aanvullend convenant."
)


@transaction.atomic
def convenant_register(
    *,
    actor: User | None,
    organisation: Organisation,
    kind: ConvenantKind | str,
    reference: str,
    valid_from: date,
    valid_until: date | None = None,
    document: File[Any] | None = None,
    project: models.Model | None = None,
) -> Convenant:
    """Record a signed convenant; only an aanvullend one may be bound to `project`.

    Raises ApplicationError (with the form field) for an LSI-convenant of a non-party or an
    invalid period. Project-bound: call projects.services.project_convenant_register.
    """
    if project is not None and kind != ConvenantKind.AANVULLEND:
        raise ApplicationError(CONVENANT_PROJECT_ONLY_AANVULLEND, {"field": "kind"})
    if kind == ConvenantKind.LSI and organisation.kind not in LSI_PARTIES:
        raise ApplicationError(
            CONVENANT_LSI_NOT_PARTY.format(organisatie=organisation), {"field": "kind"}
        )
    if valid_until is not None and valid_until < valid_from:
        raise ApplicationError(CONVENANT_PERIOD_INVALID, {"field": "valid_until"})
    convenant = Convenant(
        organisation=organisation,
        kind=kind,
        reference=reference,
        valid_from=valid_from,
        valid_until=valid_until,
        # A string foreign key to projects.Project: partners cannot name the type (rule 33).
        project=project,  # type: ignore[misc]
        created_by=actor,
    )
    if document is not None:
        convenant.document = document
    convenant.full_clean()
    convenant.save()
    event_record(
        actor=actor,
        kind="convenant_registered",
        project=project,
        obj=convenant,
        data={"organisation": organisation.pk, "kind": kind, "valid_until": str(valid_until or "")},
    )
    return convenant


@transaction.atomic
def convenant_end(*, actor: User | None, convenant: Convenant, valid_until: date) -> Convenant:
    """Shorten a convenant's validity; access to personal data stops on the next request (R5).

    Locks the row. Raises ApplicationError when `valid_until` lies before the start.
    Project-bound: call projects.services.project_convenant_end.
    """
    convenant = Convenant.objects.select_for_update().get(pk=convenant.pk)
    if valid_until < convenant.valid_from:
        raise ApplicationError(CONVENANT_PERIOD_INVALID, {"field": "valid_until"})
    previous = convenant.valid_until
    convenant.valid_until = valid_until
    convenant.save(update_fields=["valid_until"])
    event_record(
        actor=actor,
        kind="convenant_ended",
        project=convenant.project,
        obj=convenant,
        from_state=str(previous or ""),
        to_state=str(valid_until),
    )
    return convenant


# --- REST clients of partner systems (issue 14, security R12) ---

API_CLIENT_ISSUE_PERMISSION = "partners.add_apiclient"
API_CLIENT_NOT_ADMINISTRATOR = (
    "Alleen een functioneel beheerder geeft API-clients uit of trekt ze in."
)
API_CLIENT_NAME_TAKEN = "{organisatie} heeft al een API-client met deze naam."
API_CLIENT_EXPIRY_PAST = "De einddatum moet in de toekomst liggen."
API_CLIENT_EXPIRY_TOO_LONG = f"Een token is ten hoogste {API_TOKEN_DAYS_MAX} dagen geldig."
API_CLIENT_NAME_EMPTY = "Geef de API-client een naam."
API_CLIENT_ALREADY_REVOKED = "Deze API-client is al ingetrokken."
# A last_used_at older than this is written again; more often would be a write per call.
API_CLIENT_TOUCH_INTERVAL = timedelta(minutes=1)


@dataclass(frozen=True)
class IssuedApiClient:
    client: ApiClient
    token: str  # shown once to the administrator; only its hash is stored


def can_manage_api_clients(user: User | AnonymousUser) -> bool:
    """A functional administrator: active staff holding `partners.add_apiclient`."""
    return bool(user.is_active and user.is_staff and user.has_perm(API_CLIENT_ISSUE_PERMISSION))


def _require_administrator(actor: User | AnonymousUser | None) -> None:
    if actor is not None and not can_manage_api_clients(actor):
        raise NotPermitted(API_CLIENT_NOT_ADMINISTRATOR)


def _account_username(organisation: Organisation, name: str) -> str:
    base = f"api-{slugify(organisation.name)}-{slugify(name)}"[:140] or "api-client"
    username, n = base, 1
    while User.objects.filter(username=username).exists():
        n += 1
        username = f"{base}-{n}"
    return username


@transaction.atomic
def api_client_issue(
    *,
    actor: User | AnonymousUser | None,
    organisation: Organisation,
    name: str,
    scope: ApiScope | str,
    expires_at: datetime,
) -> IssuedApiClient:
    """Issue a REST client of `organisation` with a new token (returned once, stored hashed).

    Makes its client account: a user of that organisation without a password that cannot sign
    in to the pages; a projectleider gives it project roles like a person. `actor` must be a
    functional administrator (`None`: the operator, `manage.py api_client_issue`). Raises
    NotPermitted, or ApplicationError with the form field.
    """
    _require_administrator(actor)
    name = name.strip()
    if not name:
        raise ApplicationError(API_CLIENT_NAME_EMPTY, {"field": "name"})
    now = timezone.now()
    if expires_at <= now:
        raise ApplicationError(API_CLIENT_EXPIRY_PAST, {"field": "expires_at"})
    if expires_at > now + timedelta(days=API_TOKEN_DAYS_MAX):
        raise ApplicationError(API_CLIENT_EXPIRY_TOO_LONG, {"field": "expires_at"})
    if ApiClient.objects.filter(organisation=organisation, name=name).exists():
        raise ApplicationError(
            API_CLIENT_NAME_TAKEN.format(organisatie=organisation), {"field": "name"}
        )
    account = User(
        username=_account_username(organisation, name),
        first_name="API-client",
        last_name=name[:150],
        organisation=organisation,
        is_api_client=True,
    )
    account.set_unusable_password()
    account.full_clean()
    account.save()
    token = secrets.token_urlsafe(32)
    client = ApiClient(
        organisation=organisation,
        name=name,
        account=account,
        scope=ApiScope(scope),
        token_hash=api_token_hash(token),
        token_prefix=token[:8],
        expires_at=expires_at,
        created_by=actor if isinstance(actor, User) else None,
    )
    client.full_clean()
    client.save()
    event_record(
        actor=actor,
        kind="api_client_issued",
        obj=client,
        to_state=client.scope,
        data={
            "organisation": organisation.pk,
            "account": account.pk,
            "expires_at": expires_at.isoformat(),
        },
    )
    return IssuedApiClient(client=client, token=token)


@transaction.atomic
def api_client_revoke(
    *, actor: User | AnonymousUser | None, client: ApiClient, reason: str = ""
) -> ApiClient:
    """Revoke a client's token at once: its next call is refused (401). Locks the row.

    `actor` must be a functional administrator (`None`: the operator). Raises NotPermitted,
    or ApplicationError when the client was already revoked.
    """
    _require_administrator(actor)
    client = ApiClient.objects.select_for_update().get(pk=client.pk)
    if client.revoked_at is not None:
        raise ApplicationError(API_CLIENT_ALREADY_REVOKED)
    client.revoked_at = timezone.now()
    client.save(update_fields=["revoked_at"])
    event_record(
        actor=actor,
        kind="api_client_revoked",
        obj=client,
        from_state=client.scope,
        reason=reason,
        data={"organisation": client.organisation_id},
    )
    return client


def api_client_touch(*, client: ApiClient) -> None:
    """Record that the client called just now, at most once per minute (no audit event: the
    processing log already records every call)."""
    now = timezone.now()
    if client.last_used_at is not None and now - client.last_used_at < API_CLIENT_TOUCH_INTERVAL:
        return
    ApiClient.objects.filter(pk=client.pk).update(last_used_at=now)
    client.last_used_at = now
