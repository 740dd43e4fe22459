"""The privacy officer's pages (issue 15 items 2 and 4, issue 16 item 4): inzageverzoeken with
their letters, objections and corrections, and the processing log with its export.

Thin views: every page needs handle_privacy_requests (ProjectScopedMixin: 404 for everyone
else, other projects included); selectors read, services write and log. The BSN entered is
posted, pseudonymised by the service and then gone: post/redirect/get to the request's id, and
the form never writes it back into a page (forms.ValueFreeTextInput).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.generic import TemplateView

from datasharing.constants import ObjectionStatus
from datasharing.selectors import objection_get, objections_for_project
from datasharing.services import objection_resolve
from datasharing.services.objections import OBJECTION_NO_OUTCOME
from projects.constants import ProjectPerm
from projects.views import ProjectScopedMixin
from wijkaanpak.core.exports import csv_document
from wijkaanpak.core.processing_log import PROCESSING_ACTIVITIES
from wijkaanpak.core.views import SERVICE_ERRORS, form_add_service_error

from . import pdf, selectors, services
from .constants import INZAGE_PAGE_SIZE, LOG_EXPORT_MAX, LOG_PAGE_SIZE, InzageSubject
from .filters import ProcessingLogFilter
from .forms import InzageForm, ObjectionForm, ObjectionResolveForm

ANSWERED = "Het inzageverzoek is beantwoord. De brief staat hieronder klaar."
OBJECTION_RECORDED = "Het bezwaar of de correctie is vastgelegd; het staat nu bij het adres."
OBJECTION_RESOLVED = "Het bezwaar of de correctie is afgehandeld."
LOG_COLUMNS = [
    "tijdstip",
    "actor",
    "organisatie",
    "actie",
    "naam",
    "object",
    "verwerkingsactiviteit",
    "grondslag",
    "status",
    "soort betrokkene",
    "trace_id",
    "operation_id",
    "oorsprong",
]


class PrivacyView(ProjectScopedMixin, TemplateView):
    """A page of the privacy officer: handle_privacy_requests on the project, else 404."""

    project_perm = ProjectPerm.HANDLE_PRIVACY_REQUESTS

    def back(self, name: str, **kwargs: Any) -> HttpResponse:
        return redirect(reverse(f"privacy:{name}", kwargs={"slug": self.project.slug, **kwargs}))


@method_decorator(
    sensitive_post_parameters("bsn", "postcode", "huisnummer", "huisletter", "toevoeging"),
    name="dispatch",
)
@method_decorator(never_cache, name="dispatch")
class InzageView(PrivacyView):
    """The inzageverzoeken of a project, the form for a new one, and the objections and
    corrections of the project with the form that settles an open one."""

    template_name = "privacy/inzage.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        page = Paginator(selectors.inzage_request_list(project=self.project), INZAGE_PAGE_SIZE)
        objections = list(objections_for_project(project=self.project))
        return {
            **super().get_context_data(**kwargs),
            "form": kwargs.get("form") or InzageForm(),
            "page": page.get_page(self.request.GET.get("pagina")),
            "objections": objections,
            "open_status": ObjectionStatus.OPEN,
        }

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = InzageForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                answered = services.inzage_request_answer(
                    actor=self.person,
                    project=self.project,
                    received_on=data["received_on"],
                    bsn=data["bsn"] if data["subject"] == InzageSubject.BSN else None,
                    address=(
                        services.AddressInput(
                            postcode=data["postcode"],
                            huisnummer=data["huisnummer"],
                            huisletter=data["huisletter"],
                            toevoeging=data["toevoeging"],
                        )
                        if data["subject"] == InzageSubject.ADDRESS
                        else None
                    ),
                )
            except SERVICE_ERRORS as error:
                form_add_service_error(form, error)
            else:
                messages.success(request, ANSWERED)
                return self.back("inzage-detail", pk=answered.pk)
        return self.render_to_response(self.get_context_data(form=form), status=400)


def _subject_choices(request: Any) -> list[tuple[str, str]]:
    choices = []
    if request.person_key:
        choices.append((request.person_key, "De persoon van dit verzoek"))
    for index, key in enumerate(request.address_keys, start=1):
        label = "Het adres van dit verzoek" if not request.person_key else f"Adres {index}"
        choices.append((key, label))
    return choices


@method_decorator(never_cache, name="dispatch")
class InzageDetailView(PrivacyView):
    """One answered inzageverzoek: what the project held, the letter, and the objections and
    corrections against its person or addresses with the form to record one."""

    template_name = "privacy/inzage_detail.html"

    def project_loaded(self, **kwargs: Any) -> None:
        self.inzage = selectors.inzage_request_get(project=self.project, pk=kwargs["pk"])

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        services.inzage_request_shown(actor=self.person, request=self.inzage, letter=False)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        subjects = _subject_choices(self.inzage)
        return {
            **super().get_context_data(**kwargs),
            "inzage": self.inzage,
            "answer": self.inzage.answer,
            "objections": selectors.inzage_objections(request=self.inzage),
            "objection_form": kwargs.get("objection_form")
            or (ObjectionForm(subjects=subjects, auto_id="bezwaar_%s") if subjects else None),
        }


class ObjectionCreateView(InzageDetailView):
    """Record an objection or correction against the request's person or one of its addresses
    (POST; then back to the request)."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        subjects = _subject_choices(self.inzage)
        form = ObjectionForm(request.POST, subjects=subjects, auto_id="bezwaar_%s")
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.inzage_objection_record(
                    actor=self.person,
                    request=self.inzage,
                    subject_key=data["subject_key"],
                    kind=data["kind"],
                    description=data["description"],
                    received_on=data["received_on"],
                )
            except SERVICE_ERRORS as error:
                form_add_service_error(form, error)
            else:
                messages.success(request, OBJECTION_RECORDED)
                return self.back("inzage-detail", pk=self.inzage.pk)
        services.inzage_request_shown(actor=self.person, request=self.inzage, letter=False)
        return self.render_to_response(self.get_context_data(objection_form=form), status=400)


class ObjectionResolveView(PrivacyView):
    """Settle an open objection with its outcome (POST; then back to the privacy page)."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        objection = objection_get(project=self.project, pk=kwargs["pk"])
        form = ObjectionResolveForm(request.POST)
        if not form.is_valid():
            messages.error(request, OBJECTION_NO_OUTCOME)
            return self.back("inzage")
        try:
            objection_resolve(
                actor=self.person, objection=objection, outcome=form.cleaned_data["outcome"]
            )
        except SERVICE_ERRORS as error:
            messages.error(request, getattr(error, "message", str(error)))
        else:
            messages.success(request, OBJECTION_RESOLVED)
        return self.back("inzage")


class InzageLetterView(InzageDetailView):
    """The answer as a Dutch PDF letter (logged before it is made, R21)."""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        services.inzage_request_shown(actor=self.person, request=self.inzage, letter=True)
        content = pdf.letter_pdf(
            {
                "project": self.project,
                "inzage": self.inzage,
                "answer": self.inzage.answer,
                "objections": selectors.inzage_objections(request=self.inzage),
                "today": timezone.localdate(),
            }
        )
        response = HttpResponse(content, content_type="application/pdf")
        response["Content-Disposition"] = (
            f'attachment; filename="inzage-{self.inzage.reference}.pdf"'
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "no-store"
        return response


@method_decorator(never_cache, name="dispatch")
class ProcessingLogView(PrivacyView):
    """The project's processing log, filtered (period, who, organisation, action, processing
    activity) and paginated; reading it is written to the log first."""

    template_name = "privacy/processing_log.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        services.processing_log_read_record(actor=self.person, project=self.project, export=False)
        entries = ProcessingLogFilter(
            self.request.GET or None,
            queryset=selectors.processing_log_for_project(project=self.project),
        )
        page = Paginator(entries.qs, LOG_PAGE_SIZE).get_page(self.request.GET.get("pagina"))
        query = self.request.GET.copy()
        query.pop("pagina", None)
        return {
            **super().get_context_data(**kwargs),
            "filter": entries,
            "page": page,
            "query": query.urlencode(),
            "activities": PROCESSING_ACTIVITIES,
        }


class ProcessingLogExportView(PrivacyView):
    """The filtered processing log as CSV (formula-safe cells, wijkaanpak.core.exports)."""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        services.processing_log_read_record(actor=self.person, project=self.project, export=True)
        entries = ProcessingLogFilter(
            request.GET or None,
            queryset=selectors.processing_log_for_project(project=self.project),
        ).qs[:LOG_EXPORT_MAX]
        rows = (
            [
                timezone.localtime(entry.started_at).isoformat(timespec="milliseconds"),
                entry.actor_label,
                entry.organisation_label,
                entry.action,
                entry.name,
                f"{entry.object_type} {entry.object_id}".strip(),
                entry.processing_activity_id,
                PROCESSING_ACTIVITIES.get(entry.ground, entry.ground),
                entry.get_status_code_display(),
                entry.data_subject_id_type,
                entry.trace_id,
                entry.operation_id,
                entry.origin,
            ]
            for entry in entries
        )
        content = csv_document(LOG_COLUMNS, rows)
        response = HttpResponse(content, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = (
            f'attachment; filename="verwerkingslog-{self.project.slug}.csv"'
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "no-store"
        return response
