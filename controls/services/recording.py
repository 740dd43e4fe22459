"""Results and findings of visits, as the tablet and the projectleider record them.

Exactly once (R28): every submission carries a client-generated UUID (the Idempotency-Key),
held by a unique constraint; a replay of the same id answers the stored row and changes
nothing, also when two replays race (the row lock for results, a savepoint around the insert
for findings). Never silently overwritten (R29): a change names the version it started from,
and a different one raises VersionConflict with the current row, so the second writer sees
both and chooses.

Who may record: an inspector (RECORD_VISITS) who is a member of the visit's team, or the
projectleider (PLAN_CONTROLS); only while the evening is in EVENING_RECORDING_OPEN.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.db import IntegrityError, transaction
from django.utils import timezone

import structlog

from partners.models import User
from projects.constants import ProjectPerm
from projects.selectors import project_perms_for_user
from wijkaanpak.core.events import event_record
from wijkaanpak.core.exceptions import ApplicationError, InvalidTransition, NotPermitted
from wijkaanpak.core.models import Event
from wijkaanpak.core.processing_log import processing_log_write

from ..constants import EVENING_RECORDING_OPEN, VisitResult
from ..models import Finding, FindingCategory, TeamMember, Visit

logger = structlog.get_logger(__name__)

NOT_ALLOWED_RECORD = "U mag bij dit bezoek niets vastleggen: u zit niet in het team van dit adres."
RECORDING_CLOSED = (
    "Bij deze controleavond kan nu niets worden vastgelegd: dat kan alleen als de avond "
    "voorbereid of uitgevoerd is."
)
RECORDING_CLOSED_AFGEROND = "Deze controleavond is afgerond: er kan niets meer veranderen."
VERSION_CONFLICT_VISIT = (
    "Iemand anders heeft dit bezoek intussen gewijzigd. Bekijk beide versies en kies welke blijft."
)
VERSION_CONFLICT_FINDING = (
    "Iemand anders heeft deze bevinding intussen gewijzigd. Bekijk beide versies en kies welke "
    "blijft."
)
RESULT_UNKNOWN = "Kies een resultaat."
RESIDENTS_INVALID = "Vul een aantal van 0 of meer in."
RESIDENTS_TOO_MANY = "Dat zijn meer bewoners dan op één adres kunnen wonen; controleer het aantal."
CATEGORY_INVALID = "Kies een categorie van dit project die in gebruik is."
DESCRIPTION_REQUIRED = "Beschrijf de bevinding."
CLIENT_ID_OTHER_VISIT = "Deze verzending hoort bij een ander bezoek."

RESIDENTS_MAX = 99

EVENT_RESULT = "visit_result_recorded"
EVENT_FINDING = "finding_recorded"
EVENT_FINDING_UPDATE = "finding_updated"


class VersionConflict(InvalidTransition):
    """A change based on a version that is no longer the current one (HTTP 409).

    `current` is the row as it is now, so the second writer can see both and choose.
    """

    def __init__(self, message: str, *, current: Any) -> None:
        super().__init__(message, {"current_version": getattr(current, "version", None)})
        self.current = current


@dataclass(frozen=True)
class RecordOutcome:
    """What a recording call answers: the visit (and the finding, for findings) as stored,
    and whether the call was a replay of a submission already stored (nothing changed)."""

    visit: Visit
    replayed: bool
    finding: Finding | None = None


def _may_record(*, actor: User, visit: Visit) -> None:
    """Raise NotPermitted unless `actor` is the projectleider or an inspector of its team."""
    perms = project_perms_for_user(user=actor, project=visit.project)
    if ProjectPerm.PLAN_CONTROLS not in perms:
        if ProjectPerm.RECORD_VISITS not in perms or not (
            visit.team_id is not None
            and TeamMember.objects.filter(team_id=visit.team_id, person=actor).exists()
        ):
            raise NotPermitted(NOT_ALLOWED_RECORD)


def _recording_open(*, visit: Visit) -> None:
    """Raise InvalidTransition unless the visit's evening is open for recording."""
    status = visit.evening.status
    if status not in EVENING_RECORDING_OPEN:
        raise InvalidTransition(
            RECORDING_CLOSED_AFGEROND if status == "afgerond" else RECORDING_CLOSED
        )


def _log(*, actor: User, visit: Visit, action: str, name: str, obj: Any) -> None:
    processing_log_write(
        actor=actor,
        action=action,
        name=name,
        ground="control",
        project=visit.project,
        obj=obj,
        data_subject_ids=[visit.address_key],
        data_subject_id_type="adrespseudoniem",
    )


def _locked_visit(visit: Visit) -> Visit:
    return (
        Visit.objects.select_for_update(of=("self",))
        .select_related("evening", "project", "team")
        .get(pk=visit.pk)
    )


def _result_replayed(*, visit: Visit, client_id: UUID) -> bool:
    """Whether this result submission was stored before (now or as an earlier version)."""
    if visit.result_client_id == client_id:
        return True
    return Event.objects.filter(
        kind=EVENT_RESULT,
        object_type=Visit._meta.label_lower,
        object_id=str(visit.pk),
        data__client_id=str(client_id),
    ).exists()


def _residents_clean(residents_found: int | None) -> int | None:
    if residents_found is None:
        return None
    if residents_found < 0:
        raise ApplicationError(RESIDENTS_INVALID, {"field": "residents_found"})
    if residents_found > RESIDENTS_MAX:
        raise ApplicationError(RESIDENTS_TOO_MANY, {"field": "residents_found"})
    return residents_found


@transaction.atomic
def visit_result_record(
    *,
    actor: User,
    visit: Visit,
    result: str,
    residents_found: int | None,
    notes: str,
    client_id: UUID,
    expected_version: int,
) -> RecordOutcome:
    """Record (or change) a visit's result, exactly once per `client_id`.

    A replay answers the stored visit unchanged (`replayed=True`). Otherwise the actor must
    be allowed to record (module docstring) and `expected_version` must be the visit's
    current version, or VersionConflict carries the current visit. Writes one Event and one
    processing-log record.
    """
    visit = _locked_visit(visit)
    _may_record(actor=actor, visit=visit)
    # A replay answers what is stored, also once the evening has closed (a late sync).
    if _result_replayed(visit=visit, client_id=client_id):
        return RecordOutcome(visit=visit, replayed=True)
    _recording_open(visit=visit)
    if Visit.objects.filter(result_client_id=client_id).exclude(pk=visit.pk).exists():
        raise ApplicationError(CLIENT_ID_OTHER_VISIT)
    if expected_version != visit.version:
        raise VersionConflict(VERSION_CONFLICT_VISIT, current=visit)
    if result not in VisitResult.values:
        raise ApplicationError(RESULT_UNKNOWN, {"field": "result"})
    previous = visit.result
    visit.result = result
    visit.residents_found = _residents_clean(residents_found)
    visit.notes = (notes or "").strip()
    visit.visited_at = visit.visited_at or timezone.now()
    visit.recorded_by = actor
    visit.result_client_id = client_id
    visit.version += 1
    visit.save(
        update_fields=[
            "result",
            "residents_found",
            "notes",
            "visited_at",
            "recorded_by",
            "result_client_id",
            "version",
            "updated_at",
        ]
    )
    _log(actor=actor, visit=visit, action="update", name="resultaat van een bezoek", obj=visit)
    event_record(
        actor=actor,
        kind=EVENT_RESULT,
        project=visit.project,
        obj=visit,
        from_state=previous,
        to_state=result,
        data={"client_id": str(client_id), "version": visit.version},
    )
    logger.info("visit_result_recorded", visit_id=visit.pk, version=visit.version)
    return RecordOutcome(visit=visit, replayed=False)


def _category_require(*, visit: Visit, category: FindingCategory) -> None:
    if category.project_id != visit.project_id or not category.is_active:
        raise ApplicationError(CATEGORY_INVALID, {"field": "category"})


def _description_clean(description: str) -> str:
    description = (description or "").strip()
    if not description:
        raise ApplicationError(DESCRIPTION_REQUIRED, {"field": "description"})
    return description


def _finding_replay(*, visit: Visit, finding: Finding) -> RecordOutcome:
    if finding.visit_id != visit.pk:
        raise ApplicationError(CLIENT_ID_OTHER_VISIT)
    return RecordOutcome(visit=visit, replayed=True, finding=finding)


def _stored_finding(client_id: UUID) -> Finding | None:
    return Finding.objects.select_related("category").filter(client_id=client_id).first()


@transaction.atomic
def finding_record(
    *,
    actor: User,
    visit: Visit,
    category: FindingCategory,
    description: str,
    client_id: UUID,
) -> RecordOutcome:
    """Record a finding at a visit, exactly once per `client_id` (also when replays race: the
    losing insert is caught in a savepoint and the stored finding answered, `replayed=True`).

    A replay is answered also after the evening closed, but only to who may record there.
    The actor must be allowed to record (module docstring); the category must be an active
    one of the visit's project. Writes one Event and one processing-log record.
    """
    # The visit's row lock first, as visit_result_record takes it: PostgreSQL checks Django's
    # (deferred) foreign keys at COMMIT, after the processing log's advisory lock, so a finding
    # that did not hold the row would wait for a result holding the row and waiting for the
    # log's lock (deadlock; TABLET's concurrent sync test, tests/controls/test_tablet_sync.py).
    visit = _locked_visit(visit)
    _may_record(actor=actor, visit=visit)
    # A replay answers what is stored, also once the evening has closed (a late sync).
    stored = _stored_finding(client_id)
    if stored is not None:
        return _finding_replay(visit=visit, finding=stored)
    _recording_open(visit=visit)
    _category_require(visit=visit, category=category)
    description = _description_clean(description)
    try:
        with transaction.atomic():
            finding = Finding.objects.create(
                visit=visit,
                category=category,
                description=description,
                client_id=client_id,
                recorded_by=actor,
            )
    except IntegrityError:
        stored = _stored_finding(client_id)
        if stored is None:  # not the client id's constraint: let it surface
            raise
        return _finding_replay(visit=visit, finding=stored)
    _log(actor=actor, visit=visit, action="create", name="bevinding vastleggen", obj=finding)
    event_record(
        actor=actor,
        kind=EVENT_FINDING,
        project=visit.project,
        obj=finding,
        data={"client_id": str(client_id), "visit": visit.pk, "category": category.code},
    )
    logger.info("finding_recorded", finding_id=finding.pk, visit_id=visit.pk)
    return RecordOutcome(visit=visit, replayed=False, finding=finding)


@transaction.atomic
def finding_update(
    *,
    actor: User,
    finding: Finding,
    category: FindingCategory,
    description: str,
    expected_version: int,
) -> Finding:
    """Change a finding's category and description.

    The actor must be allowed to record on its visit; `expected_version` must be the current
    version, or VersionConflict carries the current finding. Writes one Event and one
    processing-log record.
    """
    finding = (
        Finding.objects.select_for_update(of=("self",))
        .select_related("category", "visit", "visit__evening", "visit__project", "visit__team")
        .get(pk=finding.pk)
    )
    visit = finding.visit
    _may_record(actor=actor, visit=visit)
    _recording_open(visit=visit)
    if expected_version != finding.version:
        raise VersionConflict(VERSION_CONFLICT_FINDING, current=finding)
    _category_require(visit=visit, category=category)
    description = _description_clean(description)
    previous = finding.category.code
    finding.category = category
    finding.description = description
    finding.version += 1
    finding.save(update_fields=["category", "description", "version", "updated_at"])
    _log(actor=actor, visit=visit, action="update", name="bevinding wijzigen", obj=finding)
    event_record(
        actor=actor,
        kind=EVENT_FINDING_UPDATE,
        project=visit.project,
        obj=finding,
        from_state=previous,
        to_state=category.code,
        data={"version": finding.version},
    )
    return finding
