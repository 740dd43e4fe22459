"""The inspector's tablet (issue 11 items 3–6): tonight's evenings, the route of one evening
with every visit's whole address, and the two forms per visit that work without JavaScript
(POST, then back to the route) and, through the outbox (static/js/tablet.js), offline.

Who sees what is the selectors' rule (controls.selectors.evenings): an inspector the visits of
their own teams on evenings they take part in, the projectleider every visit; anyone else 404.
Showing addresses writes one processing-log record per address first (R21). Only tonight's
route of an inspector is marked for the service worker (`route_cacheable`, R26); every other
answer is no-store.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views.decorators.gzip import gzip_page
from django.views.generic import TemplateView, View

from datasharing.selectors import objections_for_addresses
from projects.constants import ProjectPerm
from projects.views.base import ProjectScopedMixin
from wijkaanpak.core.exceptions import ApplicationError
from wijkaanpak.core.offline import offline_mark
from wijkaanpak.core.views import form_add_service_error

from ..constants import VisitResult
from ..models import Controleavond, Visit
from ..selectors.evenings import (
    evening_get_for_user,
    evenings_tonight_for_inspector,
    visit_addresses_for_user,
    visit_get_for_user,
    visit_list_for_user,
)
from ..selectors.field import (
    evening_is_tonight,
    evening_recording_open,
    finding_categories_active,
    finding_category_by_code,
    findings_of_visits,
    route_cacheable,
)
from ..services.recording import VersionConflict, finding_record, visit_result_record
from .field_forms import FindingForm, VisitResultForm, finding_values, form_errors, result_values

ROUTE_PURPOSE = "route van een controleavond inzien (tablet)"
VISIT_PURPOSE = "bezoek vastleggen (tablet)"
RECORDED = "Het resultaat is opgeslagen."
FINDING_RECORDED = "De bevinding is opgeslagen."
ALREADY_RECORDED = "Dit was al opgeslagen; er is niets dubbel vastgelegd."
UNKNOWN_CATEGORY = "Kies een categorie uit de lijst."
CONFLICT = (
    "Iemand anders heeft dit bezoek intussen gewijzigd. Hieronder staan beide versies: kies "
    "welke blijft."
)


class TonightView(ProjectScopedMixin, TemplateView):
    """The evenings of tonight on which the inspector is in a team, in this project."""

    project_perm = ProjectPerm.RECORD_VISITS
    template_name = "controls/tablet/tonight.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        evenings = [
            evening
            for evening in evenings_tonight_for_inspector(
                user=self.person, day=timezone.localdate()
            )
            if evening.project_id == self.project.pk
        ]
        return {**super().get_context_data(**kwargs), "evenings": evenings}


# Compressed: 30 visits with their forms are ~150 kB of HTML that gzip makes ~10 times smaller,
# which is what decides the time to a usable page on a slow link (bench/tablet_speed.py).
# Django's gzip pads the body with random bytes against BREACH; the CSRF token is masked per
# response as well.
@method_decorator(gzip_page, name="dispatch")
class RouteView(ProjectScopedMixin, TemplateView):
    """One evening's route: the person's visits in walking order with their addresses, results,
    findings and forms. Tonight's route of an inspector is kept on the device (offline)."""

    project_perm = ProjectPerm.VIEW_ADDRESSES
    template_name = "controls/tablet/route.html"
    evening: Controleavond

    def project_loaded(self, **kwargs: Any) -> None:
        self.evening = evening_get_for_user(
            user=self.person, project=self.project, pk=kwargs["pk"], perms=self.project_perms
        )

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = super().get(request, *args, **kwargs)
        if route_cacheable(user=self.person, evening=self.evening, perms=self.project_perms):
            offline_mark(response)
        return response

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        visits = list(
            visit_list_for_user(user=self.person, evening=self.evening, perms=self.project_perms)
        )
        for visit in visits:  # the evening and project loaded already: no query per visit
            visit.evening, visit.project = self.evening, self.project
        addresses = visit_addresses_for_user(
            user=self.person, visits=visits, purpose=ROUTE_PURPOSE, perms=self.project_perms
        )
        findings = findings_of_visits(visits=visits)
        objections = objections_for_addresses(self.project, [visit.address_key for visit in visits])
        categories = list(finding_categories_active(project=self.project))
        may_record = evening_recording_open(evening=self.evening) and (
            self.can(ProjectPerm.RECORD_VISITS) or self.can(ProjectPerm.PLAN_CONTROLS)
        )
        page_key = uuid.uuid4()  # every form's idempotency key derives from it (field_forms)
        teams: list[dict[str, Any]] = []
        for visit in visits:
            if not teams or teams[-1]["team"] != visit.team:
                teams.append({"team": visit.team, "rows": []})
            teams[-1]["rows"].append(
                {
                    "visit": visit,
                    "address": addresses.get(visit.pk),
                    "findings": findings[visit.pk],
                    "objections": objections.get(visit.address_key, []),
                    "result_values": (
                        result_values(visit, page_key=page_key) if may_record else None
                    ),
                    "finding_values": finding_values(page_key=page_key) if may_record else None,
                }
            )
        done = sum(1 for visit in visits if visit.result)
        return {
            **super().get_context_data(**kwargs),
            "evening": self.evening,
            "teams": teams,
            "visit_count": len(visits),
            "done_count": done,
            "may_record": may_record,
            "tonight": evening_is_tonight(evening=self.evening),
            "result_choices": VisitResult.choices,
            "categories": categories,
        }


class VisitFormView(ProjectScopedMixin, View):
    """A POST of one of a visit's forms without JavaScript: stored, then back to the route;
    invalid input or a conflict shows the visit's form page with the message beside the field."""

    project_perm = ProjectPerm.VIEW_ADDRESSES
    http_method_names = ["post"]
    which = ""
    template_name = "controls/tablet/visit_form.html"
    visit: Visit

    def project_loaded(self, **kwargs: Any) -> None:
        self.visit = visit_get_for_user(
            user=self.person, project=self.project, pk=kwargs["pk"], perms=self.project_perms
        )

    def route_url(self) -> str:
        url = reverse(
            "controls:route", kwargs={"slug": self.project.slug, "pk": self.visit.evening_id}
        )
        return f"{url}#bezoek-{self.visit.pk}"

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        categories = list(finding_categories_active(project=self.project))
        form: VisitResultForm | FindingForm = (
            VisitResultForm(request.POST, visit_pk=self.visit.pk)
            if self.which == "result"
            else FindingForm(request.POST, categories=categories, visit_pk=self.visit.pk)
        )
        conflict = None
        if form.is_valid():
            try:
                replayed = self.perform(form)
            except VersionConflict as error:
                conflict = getattr(error, "current", None) or self.visit
                form.add_error(None, CONFLICT)
            except ApplicationError as error:
                form_add_service_error(form, error)
            else:
                message = ALREADY_RECORDED if replayed else self.success_message
                messages.success(request, message)
                return redirect(self.route_url())
        return self.invalid(form, categories, conflict)

    success_message = RECORDED

    def perform(self, form: Any) -> bool:  # pragma: no cover - subclasses implement it
        raise NotImplementedError

    def invalid(self, form: Any, categories: list[Any], conflict: Visit | None) -> HttpResponse:
        addresses = visit_addresses_for_user(
            user=self.person, visits=[self.visit], purpose=VISIT_PURPOSE, perms=self.project_perms
        )
        values = {name: form.data.get(name, "") for name in form.fields}
        # The form page carries the key the refused form had, so that sending it again once
        # corrected is still one submission; after a conflict, a new key for mine.
        given = getattr(form, "cleaned_data", {}).get("client_id")
        values["client_id"], values["page_key"] = given or uuid.uuid4(), ""
        if conflict is not None:  # the stored version as the new base
            values["version"] = conflict.version
            values["client_id"] = uuid.uuid4()
        context = {
            "project": self.project,
            "project_perms": self.project_perms,
            "visit": self.visit,
            "address": addresses.get(self.visit.pk),
            "values": values,
            "errors": form_errors(form),
            "which": self.which,
            "conflict": conflict,
            "route_url": self.route_url(),
            "result_choices": VisitResult.choices,
            "categories": categories,
        }
        status = 409 if conflict is not None else 400
        return TemplateResponse(self.request, self.template_name, context, status=status)


class VisitResultView(VisitFormView):
    which = "result"

    def perform(self, form: Any) -> bool:
        data = form.cleaned_data
        outcome = visit_result_record(
            actor=self.person,
            visit=self.visit,
            result=data["result"],
            residents_found=data["residents_found"],
            notes=data["notes"],
            client_id=data["client_id"],
            expected_version=data["version"],
        )
        return bool(outcome.replayed)


class VisitFindingView(VisitFormView):
    which = "finding"
    success_message = FINDING_RECORDED

    def perform(self, form: Any) -> bool:
        data = form.cleaned_data
        category = finding_category_by_code(project=self.project, code=data["category"])
        if category is None:
            raise ApplicationError(UNKNOWN_CATEGORY, {"field": "category"})
        outcome = finding_record(
            actor=self.person,
            visit=self.visit,
            category=category,
            description=data["description"],
            client_id=data["client_id"],
        )
        return bool(outcome.replayed)
