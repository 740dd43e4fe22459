"""Reads of data requests, deliveries and their reports, scoped per user (security R2, item 5).

Who sees a delivery and its validation report: the project's analysts and projectleider
(`view_pseudonymised`), and the members of the delivering organisation who may deliver data
(`deliver_data`). Everyone else gets 404. Both perms reach personal data, so a partner without a
valid convenant sees nothing (projects.selectors.user_has_project_perm checks it on every call).
"""

from django.db.models import Case, Count, Prefetch, QuerySet, Value, When
from django.http import Http404

from partners.constants import ProjectPerm
from projects.models import Project
from projects.selectors import project_list_for_user, user_has_project_perm

from .constants import DataRequestStatus, DeliveryStatus, Source
from .models import DataRequest, Delivery, DeliveryIssue, DestructionRecord


def project_has_accepted_bag_delivery(*, project) -> bool:
    return Delivery.objects.filter(
        project=project, source=Source.BAG, status=DeliveryStatus.GEACCEPTEERD
    ).exists()


def project_approved_selection_count(*, project) -> int:
    from datasharing.matching.selectors import approved_selection_count

    return approved_selection_count(project=project)


def _scope(*, user, project: Project) -> tuple[bool, int | None] | None:
    """(sees everything, own organisation id) or None when the user sees nothing."""
    if user_has_project_perm(user=user, project=project, perm=ProjectPerm.VIEW_PSEUDONYMISED):
        return True, None
    if user_has_project_perm(user=user, project=project, perm=ProjectPerm.DELIVER):
        return False, user.organisation_id
    return None


def data_request_list_for_user(*, user, project: Project) -> QuerySet[DataRequest]:
    """The project's data requests the user may see: all for analysts and the projectleider,
    those addressed to their own organisation for a delivering partner, none otherwise."""
    scope = _scope(user=user, project=project)
    if scope is None:
        return DataRequest.objects.none()
    everything, organisation_id = scope
    queryset = DataRequest.objects.filter(project=project)
    if not everything:
        queryset = queryset.filter(organisation_id=organisation_id)
    latest = Delivery.objects.only(
        "id", "data_request_id", "status", "progress", "uploaded_at", "valid_rows"
    )
    return (
        queryset.select_related("organisation")
        .annotate(delivery_count=Count("deliveries"))
        .prefetch_related(Prefetch("deliveries", queryset=latest.order_by("-uploaded_at", "-id")))
        .order_by("source", "organisation__name", "-created_at")
    )


def data_requests_to_deliver(*, user, project_ids) -> QuerySet[DataRequest]:
    """The data requests addressed to the user's own organisation in those of `project_ids`
    where the user may deliver (the upload page's rule), not withdrawn; open ones first, each
    with its latest delivery."""
    projects = project_list_for_user(user=user, perm=ProjectPerm.DELIVER).filter(pk__in=project_ids)
    latest = Delivery.objects.only("id", "data_request_id", "status", "uploaded_at")
    return (
        DataRequest.objects.filter(organisation_id=user.organisation_id, project__in=projects)
        .exclude(status=DataRequestStatus.INGETROKKEN)
        .select_related("project")
        .prefetch_related(Prefetch("deliveries", queryset=latest.order_by("-uploaded_at", "-id")))
        .order_by(
            Case(When(status=DataRequestStatus.OPEN, then=Value(0)), default=Value(1)),
            "deadline",
            "project__name",
            "source",
        )
    )


def data_request_get_for_user(*, user, project: Project, pk: int) -> DataRequest:
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


def data_request_get_for_upload(*, user, project: Project, pk: int) -> DataRequest:
    """A data request addressed to the user's own organisation, when the user may deliver."""
    if not user_has_project_perm(user=user, project=project, perm=ProjectPerm.DELIVER):
        raise Http404
    data_request = (
        DataRequest.objects.filter(project=project, pk=pk, organisation_id=user.organisation_id)
        .select_related("project", "organisation")
        .first()
    )
    if data_request is None:
        raise Http404
    return data_request


def delivery_get_for_user(*, user, pk: int) -> Delivery:
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


def destruction_list_for_user(*, user, project: Project) -> QuerySet[DestructionRecord]:
    """Destruction records (no personal data): visible to every project member."""
    if not user_has_project_perm(user=user, project=project, perm=ProjectPerm.VIEW):
        return DestructionRecord.objects.none()
    return DestructionRecord.objects.filter(project=project).order_by("-executed_at", "-id")


def accepted_deliveries(*, project, source: str | None = None) -> QuerySet[Delivery]:
    """The deliveries matching uses: per data request only the latest accepted one (the others
    are `vervangen`). Not user-scoped: for services and tasks that already checked access."""
    queryset = Delivery.objects.filter(project=project, status=DeliveryStatus.GEACCEPTEERD)
    if source:
        queryset = queryset.filter(source=source)
    return queryset.order_by("source", "id")


def accepted_records(*, project, source: str) -> QuerySet:
    """The pseudonymised records of a source from the accepted deliveries only (not user-scoped)."""
    from .models import RECORD_MODELS

    return RECORD_MODELS[source].objects.filter(
        project=project, delivery__status=DeliveryStatus.GEACCEPTEERD
    )


def data_request_partner_options(*, project: Project):
    """Organisations a data request may go to: active partners with a valid convenant."""
    from partners.models import Organisation
    from partners.selectors import organisation_ids_with_valid_convenant
    from projects.selectors import project_partner_organisation_ids

    allowed = project_partner_organisation_ids(
        project=project
    ) & organisation_ids_with_valid_convenant(project=project)
    return Organisation.objects.filter(pk__in=allowed).order_by("name")
