"""Browser pages of the data-uitvraag and intake (Dutch). Thin: selectors and services only.

Access (issue #3 item 5): data requests and deliveries are reached through the selectors, which
raise Http404 for everything a user may not see. Every view of a delivery or its report writes
the processing log (ground "data_intake") before anything is rendered.
"""

from collections.abc import Collection
from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.views import View
from django.views.generic import FormView, TemplateView

from partners.models import User
from projects.constants import ProjectPerm
from projects.views import ProjectScopedMixin, person_of
from wijkaanpak.core.exceptions import ApplicationError
from wijkaanpak.core.exports import csv_document
from wijkaanpak.core.processing_log import processing_log_write
from wijkaanpak.core.views import ApplicationErrorFormMixin

from . import selectors, services
from .constants import DataRequestStatus, DeliveryStatus
from .forms import DataRequestForm, DataRequestWithdrawForm, DeliveryUploadForm

PROCESSING_STATUSES = (DeliveryStatus.ONTVANGEN, DeliveryStatus.VERWERKEN)


# A delivery's report is about the rows of the delivered file: each row one data subject of the
# deliverer's registration, named in the log by delivery and row (never by its values).
DELIVERY_ROW_SUBJECT = "leveringsrij"


def delivery_row_subject(delivery, row_number: int) -> str:
    return f"{delivery.pk}:{row_number}"


def _log_read(request, delivery, name: str, row_numbers=()) -> None:
    """One record per delivery row the answer shows (R21), or one for the delivery when it
    shows none: one bulk insert, whatever the number of rows."""
    subjects = [delivery_row_subject(delivery, n) for n in row_numbers if n is not None]
    processing_log_write(
        actor=request.user,
        action="read",
        name=name,
        ground="data_intake",
        project=delivery.project,
        obj=delivery,
        data_subject_ids=subjects,
        data_subject_id_type=DELIVERY_ROW_SUBJECT if subjects else "",
    )


def data_requests_start_section(*, user: User, project_ids: Collection[int]) -> dict[str, Any]:
    """The deliverer's start section (registered in apps.py with projects.navigation's
    `start_page_set`): the data requests to their organisation, each with its latest delivery."""
    return {
        "data_requests": list(
            selectors.data_requests_to_deliver(user=user, project_ids=project_ids)
        )
    }


class DataRequestListView(ProjectScopedMixin, TemplateView):
    project_perm = ProjectPerm.DELIVER
    template_name = "datasharing/data_request_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["data_requests"] = list(
            selectors.data_request_list_for_user(user=user, project=self.project)
        )
        context["can_manage"] = self.can(ProjectPerm.MANAGE)
        context["blockers"] = (
            services.data_request_blockers(self.project) if context["can_manage"] else []
        )
        return context


class DataRequestCreateView(ProjectScopedMixin, ApplicationErrorFormMixin, FormView):
    project_perm = ProjectPerm.MANAGE
    template_name = "datasharing/data_request_form.html"
    form_class = DataRequestForm

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["organisations"] = selectors.data_request_partner_options(project=self.project)
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["blockers"] = services.data_request_blockers(self.project)
        return context

    def perform(self, form):
        services.data_request_create(actor=self.person, project=self.project, **form.cleaned_data)
        messages.success(self.request, "De uitvraag is vastgelegd.")
        return redirect("datasharing:request-list", slug=self.project.slug)


class DataRequestWithdrawView(ProjectScopedMixin, TemplateView):
    """'Intrekken' asks first, on a page of its own that says what withdrawing means (with an
    optional reason); only the form there (POST with `confirm`) withdraws."""

    project_perm = ProjectPerm.MANAGE
    template_name = "datasharing/data_request_withdraw.html"

    def project_loaded(self, **kwargs):
        self.data_request = selectors.data_request_get_for_user(
            user=self.request.user, project=self.project, pk=kwargs["pk"]
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["data_request"] = self.data_request
        context["form"] = kwargs.get("form") or DataRequestWithdrawForm()
        return context

    def post(self, request, slug, pk):
        form = DataRequestWithdrawForm(request.POST)
        if not form.is_valid() or not form.cleaned_data.get("confirm"):
            return redirect("datasharing:request-withdraw", slug=slug, pk=pk)
        try:
            services.data_request_withdraw(
                actor=self.person,
                data_request=self.data_request,
                reason=form.cleaned_data.get("reason", ""),
            )
            messages.success(
                request,
                WITHDRAWN.format(
                    bron=self.data_request.get_source_display(),
                    partner=self.data_request.organisation.name,
                ),
            )
        except ApplicationError as error:
            messages.error(request, error.message)
        return redirect("datasharing:request-list", slug=slug)


WITHDRAWN = "De uitvraag {bron} aan {partner} is ingetrokken; er kan niet meer op worden geleverd."


class DeliveryUploadView(ProjectScopedMixin, ApplicationErrorFormMixin, FormView):
    project_perm = ProjectPerm.DELIVER
    template_name = "datasharing/delivery_upload.html"
    form_class = DeliveryUploadForm

    def project_loaded(self, **kwargs):
        self.data_request = selectors.data_request_get_for_upload(
            user=self.person, project=self.project, pk=kwargs["pk"]
        )

    def get_context_data(self, **kwargs):
        from .intake.formats import get_source

        context = super().get_context_data(**kwargs)
        context["data_request"] = self.data_request
        spec = get_source(self.data_request.source)
        context["columns"] = [
            c for c in spec.columns if c.name in self.data_request.requested_columns
        ] or spec.columns
        return context

    def perform(self, form):
        delivery = services.delivery_upload(
            actor=self.person, data_request=self.data_request, file=form.cleaned_data["file"]
        )
        # No message here: the delivery's page states its one outcome (received, processing,
        # accepted or rejected), also when processing finished before the redirect.
        return redirect("datasharing:delivery-detail", pk=delivery.pk)


class DeliveryDetailView(TemplateView):
    """A delivery and its report: one outcome, file-level lines, row errors and warnings grouped
    by reason (the full list is the CSV), and 'Nieuw bestand leveren' for its deliverers."""

    template_name = "datasharing/delivery_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        person = person_of(self.request)
        delivery, perms = selectors.delivery_access_for_user(user=person, pk=kwargs["pk"])
        processing = delivery.status in PROCESSING_STATUSES
        report = None if processing else selectors.delivery_report(delivery=delivery)
        shown = (
            [
                issue.row_number
                for group in report.error_groups + report.warning_groups
                for issue in group.examples
            ]
            if report
            else []
        )
        _log_read(self.request, delivery, "delivery_view", shown)
        context.update(
            delivery=delivery,
            project=delivery.project,
            project_perms=perms,  # the project menu's too (base.html): no query of its own
            processing=processing,
            report=report,
            summary=delivery.report or {},
            can_deliver_again=not processing
            and delivery.data_request.status != DataRequestStatus.INGETROKKEN
            and person.organisation_id == delivery.organisation_id
            and ProjectPerm.DELIVER in perms,
        )
        return context


class DeliveryProgressView(TemplateView):
    """The polled status partial. It shows status and percentage only (no report lines, no
    values); when processing ends it asks htmx to reload the full page, which logs the view."""

    template_name = "datasharing/_delivery_progress.html"

    def get(self, request, *args, **kwargs):
        delivery = selectors.delivery_get_for_user(user=request.user, pk=kwargs["pk"])
        response = self.render_to_response(
            {"delivery": delivery, "processing": delivery.status in PROCESSING_STATUSES}
        )
        if delivery.status not in PROCESSING_STATUSES and request.headers.get("HX-Request"):
            response["HX-Refresh"] = "true"
        return response


REPORT_DOWNLOAD_HEADER = ("rij", "kolom", "waarde (gemaskeerd)", "reden")


class DeliveryReportCsvView(View):
    def get(self, request, pk):
        delivery = selectors.delivery_get_for_user(user=request.user, pk=pk)
        _log_read(
            request,
            delivery,
            "delivery_report_download",
            selectors.delivery_issue_rows(delivery=delivery),
        )
        issues = selectors.delivery_issue_list(delivery=delivery).iterator(chunk_size=2000)
        rows = (
            (issue.row_number or "", issue.column, issue.masked_value, issue.reason)
            for issue in issues
        )
        response = HttpResponse(
            csv_document(REPORT_DOWNLOAD_HEADER, rows), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = (
            f'attachment; filename="validatierapport-levering-{delivery.pk}.csv"'
        )
        response["X-Content-Type-Options"] = "nosniff"
        return response


class ProjectPanelView(ProjectScopedMixin, TemplateView):
    """The data-sharing panel of the project page (loaded by htmx from _project_panel.html)."""

    template_name = "datasharing/_project_panel_content.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        destructions = selectors.destruction_list_for_user(user=self.person, project=self.project)
        context.update(
            can_deliver=self.can(ProjectPerm.DELIVER), destructions=list(destructions[:50])
        )
        return context
