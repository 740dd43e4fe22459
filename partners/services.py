"""Organisations' convenants: the legal basis on which they share data.

Roles in a project and the permissions they grant are projects.services.roles (style rule 15).
A convenant bound to one project is registered and ended through
projects.services.project_convenant_register / project_convenant_end, which check that the
actor is that project's projectleider; this module knows nothing of projects (rule 33).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.files import File
from django.db import models, transaction

from wijkaanpak.core.events import event_record
from wijkaanpak.core.exceptions import ApplicationError

from .constants import LSI_PARTIES, ConvenantKind
from .models import Convenant, Organisation, User

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
