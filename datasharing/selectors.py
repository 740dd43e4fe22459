"""Reads of data requests, deliveries and their reports, scoped per user (security R2, item 5).

Who sees a delivery and its validation report: the project's analysts and projectleider
(`view_pseudonymised`), and the members of the delivering organisation who may deliver data
(`deliver_data`). Everyone else gets 404. Both perms reach personal data, so a partner without a
valid convenant sees nothing (projects.selectors.user_has_project_perm checks it on every call).
"""

from django.db.models import Count, Prefetch, QuerySet
from django.http import Http404

from partners.models import Organisation, User
from partners.selectors import organisation_ids_with_valid_convenant
from projects.constants import ProjectPerm
from projects.models import Project
from projects.selectors import (
    Person,
    project_partner_organisation_ids,
    project_perms_for_user,
    user_has_project_perm,
)

from .constants import DeliveryStatus, Source
from .models import (
    RECORD_MODELS,
    DataRequest,
    Delivery,
    DeliveryIssue,
    DestructionRecord,
    PseudonymisedRecord,
)


def project_has_accepted_bag_delivery(*, project: Project) -> bool:
    """Whether the project holds an accepted delivery of the BAG addresses."""
    return Delivery.objects.filter(
        project=project, source=Source.BAG, status=DeliveryStatus.GEACCEPTEERD
    ).exists()


def _scope(*, user: Person, project: Project) -> tuple[bool, int | None] | None:
    """(sees everything, own organisation id) or None when the user sees nothing."""
    perms = project_perms_for_user(user=user, project=project)
    if ProjectPerm.VIEW_PSEUDONYMISED in perms:
        return True, None
    if ProjectPerm.DELIVER in perms and isinstance(user, User):
        return False, user.organisation_id
    return None


def data_request_list_for_user(*, user: Person, project: Project) -> QuerySet[DataRequest]:
    """The project's data requests the user may see: all for analysts and the projectleider,
    those addressed to their own organisation for a delivering partner, none otherwise."""
    scope = _scope(user=user, project=project)
    if scope is None:
        return DataRequest.objects.none()
    everything, organisation_id = scope
    queryset = DataRequest.objects.filter(project=project)
    if not everything:
        queryset = queryset.filter(organisation=organisation_id)
    latest = Delivery.objects.only(
        "id", "data_request_id", "status", "progress", "uploaded_at", "valid_rows"
    )
    return (
        queryset.select_related("organisation")
        .annotate(delivery_count=Count("deliveries"))
        .prefetch_related(Prefetch("deliveries", queryset=latest.order_by("-uploaded_at", "-id")))
        .order_by("source", "organisation__name", "-created_at")
    )


def data_request_get_for_user(*, user: Person, project: Project, pk: int) -> DataRequest:
    """One data request of the project visible to the user; Http404 otherwise."""
    data_request = (
        data_request_list_for_user(user=user, project=project)
        .filter(pk=pk)
        .select_related("project")
        .first()
    )
    if data_request is None:
        raise Http404
    return data_request


def data_request_get_for_upload(*, user: Person, project: Project, pk: int) -> DataRequest:
    """A data request addressed to the user's own organisation, when the user may deliver."""
    if not isinstance(user, User) or not user_has_project_perm(
        user=user, project=project, perm=ProjectPerm.DELIVER
    ):
        raise Http404
    data_request = (
        DataRequest.objects.filter(project=project, pk=pk, organisation=user.organisation_id)
        .select_related("project", "organisation")
        .first()
    )
    if data_request is None:
        raise Http404
    return data_request


def delivery_get_for_user(*, user: Person, pk: int) -> Delivery:
    """A delivery the user may see (see module docstring); Http404 for absent and not-yours."""
    delivery = (
        Delivery.objects.select_related("project", "organisation", "data_request", "uploaded_by")
        .filter(pk=pk)
        .first()
    )
    if delivery is None:
        raise Http404
    scope = _scope(user=user, project=delivery.project)
    if scope is None:
        raise Http404
    everything, organisation_id = scope
    if not everything and delivery.organisation_id != organisation_id:
        raise Http404
    return delivery


def delivery_issue_list(*, delivery: Delivery) -> QuerySet[DeliveryIssue]:
    """The report lines of a delivery the caller already obtained through delivery_get_for_user."""
    return DeliveryIssue.objects.filter(delivery=delivery).order_by("row_number", "id")


def destruction_list_for_user(*, user: Person, project: Project) -> QuerySet[DestructionRecord]:
    """Destruction records (no personal data): visible to every project member."""
    if not user_has_project_perm(user=user, project=project, perm=ProjectPerm.VIEW):
        return DestructionRecord.objects.none()
    return DestructionRecord.objects.filter(project=project).order_by("-executed_at", "-id")


def accepted_deliveries(*, project: Project, source: str | None = None) -> QuerySet[Delivery]:
    """The deliveries matching uses: per data request only the latest accepted one (the others
    are `vervangen`). Not user-scoped: for services and tasks that already checked access."""
    queryset = Delivery.objects.filter(project=project, status=DeliveryStatus.GEACCEPTEERD)
    if source:
        queryset = queryset.filter(source=source)
    return queryset.order_by("source", "id")


def accepted_records(*, project: Project, source: str) -> QuerySet[PseudonymisedRecord]:
    """The pseudonymised records of a source from the accepted deliveries only (not user-scoped)."""
    return RECORD_MODELS[source]._default_manager.filter(
        project=project, delivery__status=DeliveryStatus.GEACCEPTEERD
    )


def data_request_partner_options(*, project: Project) -> QuerySet[Organisation]:
    """Organisations a data request may go to: active partners with a valid convenant."""
    allowed = project_partner_organisation_ids(
        project=project
    ) & organisation_ids_with_valid_convenant(project=project)
    return Organisation.objects.filter(pk__in=allowed).order_by("name")
