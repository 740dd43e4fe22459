"""Reads of data requests, deliveries and their reports, scoped per user (security R2, issue 8
item 4).

One rule, used by every page: a data request, its deliveries and their validation reports are
seen by the project's projectleider (`manage_project`), the project's *municipal* analysts
(`view_pseudonymised`, working for the project's municipality) — both see every organisation's —
and by the people of the organisation the request is addressed to who deliver or analyse for
the project (`deliver_data` or `view_pseudonymised`): their own organisation's only. Nobody else:
a partner's analist or leverancier never sees another partner's requests, deliveries or
reports, nor counts of them; everyone else gets 404 or an empty list. Both perms reach personal
data, so a partner without a valid convenant sees nothing (projects.selectors checks it on
every call). Superuser or staff status plays no part (style rule 16).
"""

from collections.abc import Collection
from dataclasses import dataclass, field

from django.db.models import Case, Count, F, Min, Prefetch, Q, QuerySet, Value, When, Window
from django.db.models.functions import RowNumber
from django.http import Http404

from partners.models import Organisation, User
from partners.selectors import organisation_ids_with_valid_convenant
from projects.constants import ProjectPerm
from projects.models import Project
from projects.selectors import (
    Person,
    project_list_for_user,
    project_partner_organisation_ids,
    project_perms_for_user,
    user_has_project_perm,
)

from .constants import DataRequestStatus, DeliveryStatus, IssueSeverity, ObjectionSubject, Source
from .models import (
    RECORD_MODELS,
    DataRequest,
    Delivery,
    DeliveryIssue,
    DestructionRecord,
    Objection,
    PseudonymisedRecord,
)


def project_has_accepted_bag_delivery(*, project: Project) -> bool:
    """Whether the project holds an accepted delivery of the BAG addresses."""
    return Delivery.objects.filter(
        project=project, source=Source.BAG, status=DeliveryStatus.GEACCEPTEERD
    ).exists()


def project_bag_area_postcodes(*, project: Project) -> set[str] | None:
    """The postcodes of the addresses inside the project's area of its accepted bag deliveries
    (kept in their reports by the intake), or None when it has no accepted bag delivery."""
    reports = list(
        Delivery.objects.filter(
            project=project, source=Source.BAG, status=DeliveryStatus.GEACCEPTEERD
        ).values_list("report", flat=True)
    )
    if not reports:
        return None
    return {postcode for report in reports for postcode in (report or {}).get("area_postcodes", [])}


@dataclass(frozen=True)
class DeliveryScope:
    """What of a project's data requests and deliveries one person sees (the module's rule):
    every organisation's (`everything`), or only those addressed to `organisation_id`."""

    everything: bool
    organisation_id: int | None

    def sees(self, organisation_id: int) -> bool:
        return self.everything or organisation_id == self.organisation_id


def _scope(*, user: Person, project: Project) -> DeliveryScope | None:
    """The user's scope on the project, or None when the user sees nothing."""
    return delivery_scope_of(
        user=user, project=project, perms=project_perms_for_user(user=user, project=project)
    )


def delivery_scope_of(
    *, user: Person, project: Project, perms: frozenset[ProjectPerm]
) -> DeliveryScope | None:
    """The one rule of this module, from the permissions the user holds on `project` (already
    resolved): projectleider and municipal analysts everything, a partner's deliverers and
    analysts their own organisation's, anyone else nothing (None)."""
    if not isinstance(user, User) or user.organisation_id is None:
        return None
    if ProjectPerm.MANAGE in perms:
        return DeliveryScope(everything=True, organisation_id=user.organisation_id)
    municipal = user.organisation_id == project.municipality_id
    if ProjectPerm.VIEW_PSEUDONYMISED in perms and municipal:
        return DeliveryScope(everything=True, organisation_id=user.organisation_id)
    if perms & {ProjectPerm.DELIVER, ProjectPerm.VIEW_PSEUDONYMISED}:
        return DeliveryScope(everything=False, organisation_id=user.organisation_id)
    return None


def data_request_list_for_user(*, user: Person, project: Project) -> QuerySet[DataRequest]:
    """The project's data requests the user may see (the module's rule): all for the
    projectleider and municipal analysts, those addressed to their own organisation for a
    partner's deliverers and analysts, none otherwise. Counts only over what is seen."""
    scope = _scope(user=user, project=project)
    if scope is None:
        return DataRequest.objects.none()
    queryset = DataRequest.objects.filter(project=project)
    if not scope.everything:
        queryset = queryset.filter(organisation=scope.organisation_id)
    latest = Delivery.objects.only(
        "id", "data_request_id", "status", "progress", "uploaded_at", "valid_rows"
    )
    return (
        queryset.select_related("organisation")
        .annotate(delivery_count=Count("deliveries"))
        .prefetch_related(Prefetch("deliveries", queryset=latest.order_by("-uploaded_at", "-id")))
        .order_by("source", "organisation__name", "-created_at")
    )


def data_requests_to_deliver(*, user: User, project_ids: Collection[int]) -> QuerySet[DataRequest]:
    """The data requests addressed to the user's own organisation in those of `project_ids`
    where the user may deliver (the upload page's rule), not withdrawn; open ones first, each
    with its latest delivery."""
    if user.organisation_id is None:
        return DataRequest.objects.none()
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
    delivery, _ = delivery_access_for_user(user=user, pk=pk)
    return delivery


def delivery_access_for_user(*, user: Person, pk: int) -> tuple[Delivery, frozenset[ProjectPerm]]:
    """A delivery the user may see and every permission they hold on its project, resolved
    once (a page asks after more than the one that let them see it); Http404 otherwise."""
    delivery = (
        Delivery.objects.select_related("project", "organisation", "data_request", "uploaded_by")
        .filter(pk=pk)
        .first()
    )
    if delivery is None:
        raise Http404
    perms = project_perms_for_user(user=user, project=delivery.project)
    scope = delivery_scope_of(user=user, project=delivery.project, perms=perms)
    if scope is None or not scope.sees(delivery.organisation_id):
        raise Http404
    return delivery, perms


def delivery_issue_list(*, delivery: Delivery) -> QuerySet[DeliveryIssue]:
    """The report lines of a delivery the caller already obtained through delivery_get_for_user."""
    return DeliveryIssue.objects.filter(delivery=delivery).order_by("row_number", "id")


def delivery_issue_rows(*, delivery: Delivery) -> list[int]:
    """The distinct row numbers a delivery's report names (its data subjects), in file order."""
    rows = (
        DeliveryIssue.objects.filter(delivery=delivery, row_number__isnull=False)
        .order_by("row_number")
        .values_list("row_number", flat=True)
        .distinct()
    )
    return [row for row in rows if row is not None]


REPORT_EXAMPLES_PER_GROUP = 3


@dataclass
class IssueGroup:
    """The row issues of one (column, reason): how many rows, and the first few as examples."""

    column: str
    reason: str
    count: int
    examples: list[DeliveryIssue] = field(default_factory=list)


@dataclass
class DeliveryReport:
    """A delivery's report as its page shows it: file-level lines apart, row lines grouped."""

    file_errors: list[DeliveryIssue]
    file_warnings: list[DeliveryIssue]
    error_groups: list[IssueGroup]
    warning_groups: list[IssueGroup]

    @property
    def error_rows(self) -> int:
        return sum(group.count for group in self.error_groups)

    @property
    def warning_rows(self) -> int:
        return sum(group.count for group in self.warning_groups)


def delivery_report(*, delivery: Delivery) -> DeliveryReport:
    """The report of a delivery the caller obtained through delivery_get_for_user, in three
    queries: the file-level lines, a count per (severity, column, reason), and the first
    REPORT_EXAMPLES_PER_GROUP rows of each group (a window function). Groups in file order."""
    lines = DeliveryIssue.objects.filter(delivery=delivery)
    file_lines = list(lines.filter(row_number__isnull=True).order_by("id"))
    rows = lines.filter(row_number__isnull=False)
    counts = (
        rows.values("severity", "column", "reason")
        .annotate(count=Count("id"), first_row=Min("row_number"), first_id=Min("id"))
        .order_by("first_row", "first_id")
    )
    groups: dict[tuple[str, str, str], IssueGroup] = {
        (c["severity"], c["column"], c["reason"]): IssueGroup(
            column=c["column"], reason=c["reason"], count=c["count"]
        )
        for c in counts
    }
    examples = rows.annotate(
        rank=Window(
            RowNumber(),
            partition_by=[F("severity"), F("column"), F("reason")],
            order_by=[F("row_number").asc(), F("id").asc()],
        )
    ).filter(rank__lte=REPORT_EXAMPLES_PER_GROUP)
    for issue in examples.order_by("row_number", "id"):
        group = groups.get((issue.severity, issue.column, issue.reason))
        if group is not None:
            group.examples.append(issue)
    return DeliveryReport(
        file_errors=[line for line in file_lines if line.severity == IssueSeverity.FOUT],
        file_warnings=[line for line in file_lines if line.severity != IssueSeverity.FOUT],
        error_groups=[g for (sev, _, _), g in groups.items() if sev == IssueSeverity.FOUT],
        warning_groups=[g for (sev, _, _), g in groups.items() if sev != IssueSeverity.FOUT],
    )


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


# --- objections and corrections (issue 15 item 4) ---


def objections_for_addresses(
    project: Project, address_keys: Collection[str]
) -> dict[str, list[Objection]]:
    """The objections and corrections recorded against each of `address_keys` in `project`,
    newest first, in one query (an empty list of keys costs none). Callers show them beside the
    address to who may already see that address; the caller's page did the scoping."""
    keys = [key for key in dict.fromkeys(address_keys) if key]
    if not keys:
        return {}
    found: dict[str, list[Objection]] = {}
    for objection in Objection.objects.filter(
        project=project, subject=ObjectionSubject.ADDRESS, address_key__in=keys
    ).order_by("-received_on", "-id"):
        found.setdefault(objection.address_key, []).append(objection)
    return found


def objections_for_subjects(
    *, project: Project, subject_keys: Collection[str]
) -> QuerySet[Objection]:
    """Every objection of `project` against any of `subject_keys` (address keys and person
    pseudonyms alike), newest first: the privacy officer's view of one inzageverzoek."""
    keys = [key for key in subject_keys if key]
    return Objection.objects.filter(
        Q(address_key__in=keys) | Q(person_key__in=keys), project=project
    ).order_by("-received_on", "-id")


def objection_get(*, project: Project, pk: int) -> Objection:
    """One objection of `project` (Http404 when absent or another project's)."""
    objection = Objection.objects.filter(project=project, pk=pk).first()
    if objection is None:
        raise Http404
    return objection


def objections_for_project(*, project: Project) -> QuerySet[Objection]:
    """Every objection and correction of `project`: open ones first, then newest first (the
    privacy officer's list)."""
    return (
        Objection.objects.filter(project=project)
        .select_related("recorded_by")
        .order_by(Case(When(status="open", then=Value(0)), default=Value(1)), "-received_on", "-id")
    )
