"""Data requests (data-uitvraag, formats.md §3): who delivers which source, why and by when."""

from datetime import date

from django.db import transaction
from django.utils import timezone

from datasharing.constants import DATA_REQUEST_TRANSITIONS, DataRequestStatus, Source
from datasharing.intake.formats import get_source
from datasharing.models import DataRequest, Delivery
from partners.models import Organisation, User
from partners.selectors import organisation_has_valid_convenant
from projects.constants import Phase, ProjectPerm, phase_reached
from projects.gates import data_request_missing
from projects.models import Project, ProjectPartner
from projects.selectors import project_perm_require
from wijkaanpak.core.events import event_record
from wijkaanpak.core.exceptions import ApplicationError, InvalidTransition
from wijkaanpak.core.transitions import transition_allowed, transition_require

DATA_REQUEST_NOT_PROJECTLEIDER = "Alleen de projectleider van dit project kan gegevens uitvragen."
DATA_REQUEST_PHASE = (
    "Gegevens kunnen pas worden uitgevraagd als het project in de fase "
    "'Data-uitvraag en intake' is."
)
DATA_REQUEST_PROJECT_CLOSED = (
    "Het project is afgesloten; er kunnen geen gegevens meer worden uitgevraagd."
)
DATA_REQUEST_GATE = "Er kunnen nog geen gegevens worden uitgevraagd: {ontbreekt}"
DATA_REQUEST_NOT_PARTNER = "{organisatie} neemt niet (meer) deel aan dit project."
DATA_REQUEST_NO_CONVENANT = (
    "{organisatie} heeft geen geldig convenant; er kunnen geen gegevens worden uitgevraagd."
)
DATA_REQUEST_UNKNOWN_SOURCE = "Kies een bron uit de lijst."
DATA_REQUEST_UNKNOWN_COLUMNS = "Deze kolommen horen niet bij de bron {bron}: {kolommen}."
DATA_REQUEST_NO_LEGAL_GROUND = "Vermeld de grondslag van de uitvraag."
DATA_REQUEST_DEADLINE_PAST = "De uiterste leverdatum ligt in het verleden."
DATA_REQUEST_DUPLICATE = "Er loopt al een uitvraag van {bron} bij {organisatie}."
DATA_REQUEST_ALREADY_WITHDRAWN = "Deze uitvraag is al ingetrokken."


def data_request_blockers(project: Project) -> list[str]:
    """Why no data may be requested now (Dutch; empty when it may)."""
    if project.is_closed:
        return [DATA_REQUEST_PROJECT_CLOSED]
    if not phase_reached(project.phase, Phase.DATA_UITVRAAG):
        return [DATA_REQUEST_PHASE]
    missing = data_request_missing(project)
    return [DATA_REQUEST_GATE.format(ontbreekt=" ".join(missing))] if missing else []


def _check_gate(project: Project) -> None:
    blockers = data_request_blockers(project)
    if blockers:
        raise InvalidTransition(blockers[0])


@transaction.atomic
def data_request_create(
    *,
    actor: User,
    project: Project,
    organisation: Organisation,
    source: str,
    legal_ground: str,
    deadline: date,
    requested_columns: list[str] | None = None,
) -> DataRequest:
    """Ask one partner organisation for one source.

    Needs: the projectleider (manage_project); the project in data_uitvraag or later and not
    closed, with its data gate open (collegebesluit with data permission, DPIA, convenants);
    the organisation an active partner with a valid convenant. Required columns are always
    requested. Raises NotPermitted, InvalidTransition (409) or ApplicationError (beside a field).
    """
    project = Project.objects.select_for_update().get(pk=project.pk)
    project_perm_require(
        actor=actor,
        project=project,
        perm=ProjectPerm.MANAGE,
        message=DATA_REQUEST_NOT_PROJECTLEIDER,
    )
    _check_gate(project)
    if source not in Source.values:
        raise ApplicationError(DATA_REQUEST_UNKNOWN_SOURCE, {"field": "source"})
    if (
        not ProjectPartner.objects.active()
        .filter(project=project, organisation=organisation)
        .exists()
    ):
        raise ApplicationError(
            DATA_REQUEST_NOT_PARTNER.format(organisatie=organisation), {"field": "organisation"}
        )
    if not organisation_has_valid_convenant(organisation=organisation, project=project):
        raise ApplicationError(
            DATA_REQUEST_NO_CONVENANT.format(organisatie=organisation), {"field": "organisation"}
        )
    if not (legal_ground or "").strip():
        raise ApplicationError(DATA_REQUEST_NO_LEGAL_GROUND, {"field": "legal_ground"})
    if deadline < timezone.localdate():
        raise ApplicationError(DATA_REQUEST_DEADLINE_PAST, {"field": "deadline"})
    spec = get_source(source)
    wanted = [c.strip().lower() for c in (requested_columns or spec.column_names) if c.strip()]
    unknown = [c for c in wanted if c not in spec.column_names]
    if unknown:
        raise ApplicationError(
            DATA_REQUEST_UNKNOWN_COLUMNS.format(
                bron=Source(source).label, kolommen=", ".join(unknown)
            ),
            {"field": "requested_columns"},
        )
    columns = [c for c in spec.column_names if c in wanted or c in spec.required_columns]
    if (
        DataRequest.objects.filter(project=project, organisation=organisation, source=source)
        .exclude(status=DataRequestStatus.INGETROKKEN)
        .exists()
    ):
        raise ApplicationError(
            DATA_REQUEST_DUPLICATE.format(bron=Source(source).label, organisatie=organisation),
            {"field": "source"},
        )
    data_request = DataRequest(
        project=project,
        organisation=organisation,
        source=source,
        legal_ground=legal_ground.strip(),
        requested_columns=columns,
        deadline=deadline,
        created_by=actor,
    )
    data_request.full_clean()
    data_request.save()
    event_record(
        actor=actor,
        kind="data_request_created",
        project=project,
        obj=data_request,
        to_state=data_request.status,
        data={"organisation": organisation.pk, "source": source},
    )
    return data_request


@transaction.atomic
def data_request_withdraw(
    *, actor: User, data_request: DataRequest, reason: str = ""
) -> DataRequest:
    """Withdraw a data request; no new deliveries are accepted against it. Earlier deliveries
    stay (they are destroyed by the retention rules). Projectleider only."""
    data_request = DataRequest.objects.select_for_update().get(pk=data_request.pk)
    project_perm_require(
        actor=actor,
        project=data_request.project,
        perm=ProjectPerm.MANAGE,
        message=DATA_REQUEST_NOT_PROJECTLEIDER,
    )
    transition_require(
        DATA_REQUEST_TRANSITIONS,
        data_request.status,
        DataRequestStatus.INGETROKKEN,
        message=DATA_REQUEST_ALREADY_WITHDRAWN,
    )
    previous = data_request.status
    data_request.status = DataRequestStatus.INGETROKKEN
    data_request.withdrawn_at = timezone.now()
    data_request.withdrawn_reason = reason.strip()
    data_request.save(update_fields=["status", "withdrawn_at", "withdrawn_reason"])
    event_record(
        actor=actor,
        kind="data_request_withdrawn",
        project=data_request.project,
        obj=data_request,
        from_state=previous,
        to_state=data_request.status,
        reason=data_request.withdrawn_reason,
    )
    return data_request


def data_request_delivered(*, data_request_id: int, delivery: Delivery) -> bool:
    """open → geleverd when a delivery on it is accepted (inside the accepting transaction).

    Any other state stays as it is (a request already delivered on, or withdrawn meanwhile).
    """
    data_request = DataRequest.objects.select_for_update().get(pk=data_request_id)
    if not transition_allowed(
        DATA_REQUEST_TRANSITIONS, data_request.status, DataRequestStatus.GELEVERD
    ):
        return False
    DataRequest.objects.filter(pk=data_request.pk).update(status=DataRequestStatus.GELEVERD)
    event_record(
        actor=None,
        kind="data_request_delivered",
        project=delivery.project,
        obj=data_request,
        from_state=data_request.status,
        to_state=DataRequestStatus.GELEVERD,
        data={"delivery": delivery.pk},
    )
    return True
