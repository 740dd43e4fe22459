"""Reads about organisations and convenants. `project` is an opaque model here (rule 33)."""

import hashlib
from datetime import date

from django.db import models
from django.db.models import OuterRef, Q, QuerySet
from django.utils import timezone

from .models import ApiClient, Convenant, Organisation


def convenants_valid_on(
    *, day: date, project: models.Model | OuterRef | None = None
) -> QuerySet[Convenant]:
    """Convenants in force on `day`: LSI or general aanvullend ones, or bound to `project` (a
    project, or a reference to the outer query's, `OuterRef("pk")`, inside a subquery)."""
    scope = Q(project__isnull=True)
    if project is not None:
        scope |= Q(project=project)
    return Convenant.objects.filter(scope, valid_from__lte=day).filter(
        Q(valid_until__isnull=True) | Q(valid_until__gte=day)
    )


def organisation_has_valid_convenant(
    *, organisation: Organisation, project: models.Model | None = None, day: date | None = None
) -> bool:
    """Whether an organisation may receive or deliver personal data today (R5: no caching)."""
    day = day or timezone.localdate()
    return convenants_valid_on(day=day, project=project).filter(organisation=organisation).exists()


def organisation_ids_with_valid_convenant(
    *, project: models.Model | None = None, day: date | None = None
) -> set[int]:
    """Ids of the organisations with a convenant in force on `day` (default today)."""
    day = day or timezone.localdate()
    return set(
        convenants_valid_on(day=day, project=project).values_list("organisation_id", flat=True)
    )


def api_token_hash(token: str) -> str:
    """SHA-256 of a token (hex): what is stored and looked up, never the token itself."""
    return hashlib.sha256(token.encode()).hexdigest()


def api_client_for_token_hash(*, token_hash: str) -> ApiClient | None:
    """The REST client of a token's hash while it is usable: not revoked, not expired, its
    account active (R12); None for any other token. One query, with account and organisation."""
    client = (
        ApiClient.objects.select_related("account__organisation", "organisation")
        .filter(token_hash=token_hash, revoked_at__isnull=True, expires_at__gt=timezone.now())
        .first()
    )
    if client is None or not client.account.is_active:
        return None
    return client
