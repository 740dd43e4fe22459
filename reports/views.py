"""Pages of reports: the dashboard, KPI targets, report versions, exports, the fairness panel of
the method page and the adviser's overview (a start section). Thin views: selectors to read,
services to change; every page first passes ProjectScopedMixin (404 without its permission).
"""

from __future__ import annotations

from collections.abc import Collection
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.formats import number_format
from django.views.generic import TemplateView

from datasharing.matching.services import indicator_settings_for
from partners.models import User
from projects.constants import ProjectPerm
from projects.models import Project
from projects.selectors import project_plan_get
from projects.views import ProjectScopedMixin
from wijkaanpak.core.views import SERVICE_ERRORS, form_add_service_error

from . import charts, selectors, services
from .constants import (
    HIT_RATE_MIN_VISITS,
    REPORT_ACTIVE_STATUSES,
    IndicatorDecisionKind,
    ReportKind,
)
from .forms import IndicatorDecisionForm, KpiTargetsForm, ReportRequestForm
from .overview import COLUMNS, fairness_context, hit_rates_shown, overview_table
from .services.exports import export_permitted


class DashboardScopedMixin(ProjectScopedMixin):
    """A page for the projectleider and the partners taking part, not the adviser (who sees
    the VNG overview): `perms_permit` narrows the menu's rule, `project_loaded` the page's."""

    perms_permit = staticmethod(selectors.dashboard_permitted)

    def project_loaded(self, **kwargs: Any) -> None:
        if not selectors.dashboard_permitted(self.project_perms):
            raise Http404


class DashboardView(DashboardScopedMixin, TemplateView):
    template_name = "reports/dashboard.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        figures = selectors.project_figures(project=self.project)
        kpis = selectors.kpi_rows(project=self.project, figures=figures)
        return {
            **super().get_context_data(**kwargs),
            **charts.figure_context(figures),
            "kpis": [
                {"row": row, "chart": charts.course_chart(row.course, target=row.target)}
                for row in kpis
            ],
            **fairness_context(
                selectors.fairness_for_project(project=self.project), suppressed=False
            ),
            "can_manage": self.can(ProjectPerm.MANAGE),
            "exports": _exports(self.project_perms),
            **hit_rate_context(self.project, self.project_perms, suppressed=False),
        }


def _exports(perms: frozenset[ProjectPerm]) -> list[dict[str, str]]:
    labels = {
        "bevindingen": "Bevindingen",
        "doorverwijzingen": "Doorverwijzingen",
        "voortgang": "Voortgang",
    }
    return [
        {"kind": kind, "label": label}
        for kind, label in labels.items()
        if export_permitted(kind, perms)
    ]


class KpiTargetsView(ProjectScopedMixin, TemplateView):
    """The prestatieafspraken of a plan version (linked from the plan page)."""

    project_perm = ProjectPerm.MANAGE
    template_name = "reports/kpi_targets.html"

    def project_loaded(self, **kwargs: Any) -> None:
        self.plan = project_plan_get(project=self.project, version=kwargs["version"])

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        form = kwargs.pop("form", None) or KpiTargetsForm(
            initial_targets=selectors.kpi_targets(plan=self.plan)
        )
        return {**super().get_context_data(**kwargs), "plan": self.plan, "form": form}

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = KpiTargetsForm(request.POST)
        if form.is_valid():
            try:
                services.kpi_targets_save(actor=self.person, plan=self.plan, targets=form.targets())
            except SERVICE_ERRORS as error:
                form_add_service_error(form, error)
            else:
                messages.success(request, "De doelen van het projectplan zijn opgeslagen.")
                return redirect(
                    reverse(
                        "projects:plan_detail",
                        kwargs={"slug": self.project.slug, "version": self.plan.version},
                    )
                )
        return self.render_to_response(self.get_context_data(form=form), status=400)


class ReportListView(DashboardScopedMixin, TemplateView):
    template_name = "reports/report_list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        versions = list(selectors.report_version_list(project=self.project))
        return {
            **super().get_context_data(**kwargs),
            "versions": versions,
            "active": next((v for v in versions if v.status in REPORT_ACTIVE_STATUSES), None),
            "can_manage": self.can(ProjectPerm.MANAGE),
            "form": kwargs.get("form") or ReportRequestForm(),
        }


class ReportRequestView(ProjectScopedMixin, TemplateView):
    project_perm = ProjectPerm.MANAGE
    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = ReportRequestForm(request.POST)
        if form.is_valid():
            try:
                services.report_request(
                    actor=self.person,
                    project=self.project,
                    kind=ReportKind(form.cleaned_data["kind"]),
                )
            except SERVICE_ERRORS as error:
                messages.error(request, getattr(error, "message", str(error)))
            else:
                messages.success(request, "De rapportage wordt gemaakt.")
        else:
            messages.error(request, "Kies een soort rapportage.")
        return redirect(reverse("reports:reports", kwargs={"slug": self.project.slug}))


class ReportStatusView(DashboardScopedMixin, TemplateView):
    """The progress fragment that htmx polls while a report is made."""

    template_name = "reports/_report_status.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        version = selectors.report_version_get(project=self.project, pk=kwargs["pk"])
        return {**super().get_context_data(**kwargs), "version": version}


class ReportDownloadView(DashboardScopedMixin, TemplateView):
    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        version = selectors.report_ready_get(project=self.project, pk=kwargs["pk"])
        services.report_download_record(actor=self.person, version=version)
        with version.file.open("rb") as handle:
            content = handle.read()
        response = HttpResponse(content, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{version.filename}"'
        response["X-Content-Type-Options"] = "nosniff"
        return response


class ExportView(ProjectScopedMixin, TemplateView):
    """Findings, referrals or progress as CSV or XLSX (404 for who may not export it)."""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        filename, content_type, content = services.export_document(
            actor=self.person,
            project=self.project,
            kind=kwargs["kind"],
            fmt=kwargs["fmt"],
            perms=self.project_perms,
        )
        response = HttpResponse(content, content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        response["X-Content-Type-Options"] = "nosniff"
        return response


class FairnessPanelView(ProjectScopedMixin, TemplateView):
    """The selection-fairness panel of the method page (loaded by htmx); suppressed for whoever
    does not see the dashboard (the adviser)."""

    template_name = "reports/_fairness.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        fairness = selectors.fairness_for_project(project=self.project)
        suppressed = not selectors.dashboard_permitted(self.project_perms)
        return {
            **super().get_context_data(**kwargs),
            **fairness_context(fairness, suppressed=suppressed),
        }


# --- the adviser's start page -------------------------------------------------------------------


def overview_start_section(*, user: User, project_ids: Collection[int]) -> dict[str, Any]:
    """The VNG Naleving overview: every advised project with its phase, dates and suppressed
    figures (six queries for the figures, whatever the number of projects)."""
    projects = selectors.advised_projects(user=user, project_ids=project_ids)
    figures = selectors.figures_for_projects([p.pk for p in projects])
    since = selectors.phase_since(project_ids=[p.pk for p in projects])
    for project in projects:
        project.phase_since = since.get(project.pk)  # type: ignore[attr-defined]
    rows, total = overview_table(projects, figures)
    headings = [heading for _key, heading in COLUMNS]

    def labelled(cells: list[Any]) -> list[dict[str, str]]:
        return [
            {
                "heading": heading,
                "label": number_format(cell.value, 2, force_grouping=True)
                if isinstance(cell.value, Decimal)
                else cell.label,
            }
            for heading, cell in zip(headings, cells, strict=True)
        ]

    return {
        "rows": [{"project": row.project, "cells": labelled(row.cells)} for row in rows],
        "total": {"cells": labelled(total.cells)},
        # Across the advised projects, suppressed (issue 15 item 3): one query.
        "hit_rows": hit_rates_shown(
            selectors.hit_rates_over_projects([p.pk for p in projects]), suppressed=True
        ),
        "hit_min_visits": HIT_RATE_MIN_VISITS,
    }


# --- indicator hit rates (issue 15 item 3) ------------------------------------------------------


def hit_rate_context(
    project: Project, perms: frozenset[ProjectPerm], *, suppressed: bool
) -> dict[str, Any]:
    """The hit-rate table of a project (and its decisions), as reports/_hit_rates.html shows it."""
    enabled = indicator_settings_for(project=project).enabled
    rows = selectors.hit_rates_for_project(project=project, enabled=enabled)
    return {
        "hit_rows": hit_rates_shown(rows, suppressed=suppressed),
        "hit_suppressed": suppressed,
        "hit_can_decide": ProjectPerm.MANAGE in perms,
        "hit_min_visits": HIT_RATE_MIN_VISITS,
    }


class HitRatePanelView(ProjectScopedMixin, TemplateView):
    """The hit-rate panel of the method page (loaded by htmx): every member; suppressed for
    whoever does not see the dashboard (the adviser). Flags go to the projectleider."""

    template_name = "reports/_hit_rates_panel_body.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        suppressed = not selectors.dashboard_permitted(self.project_perms)
        return {
            **super().get_context_data(**kwargs),
            **hit_rate_context(self.project, self.project_perms, suppressed=suppressed),
            "decisions": list(selectors.indicator_decisions(project=self.project)),
        }


class IndicatorDecideView(ProjectScopedMixin, TemplateView):
    """The projectleider's decision on a flagged indicator: keep (with a reason) or drop."""

    project_perm = ProjectPerm.MANAGE
    template_name = "reports/indicator_decide.html"
    hit_rate: selectors.HitRate

    def project_loaded(self, **kwargs: Any) -> None:
        enabled = indicator_settings_for(project=self.project).enabled
        hit_rate = selectors.hit_rate_get(
            project=self.project, code=kwargs["code"], enabled=enabled
        )
        if hit_rate is None:
            raise Http404
        self.hit_rate = hit_rate

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {
            **super().get_context_data(**kwargs),
            "hit_rate": self.hit_rate,
            "form": kwargs.get("form") or IndicatorDecisionForm(),
        }

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = IndicatorDecisionForm(request.POST)
        if form.is_valid():
            try:
                services.indicator_decision_record(
                    actor=self.person,
                    project=self.project,
                    indicator=self.hit_rate.code,
                    decision=IndicatorDecisionKind(form.cleaned_data["decision"]),
                    reason=form.cleaned_data["reason"],
                )
            except SERVICE_ERRORS as error:
                form_add_service_error(form, error)
            else:
                messages.success(request, "Het besluit over de indicator is vastgelegd.")
                return redirect(reverse("matching:method", kwargs={"slug": self.project.slug}))
        return self.render_to_response(self.get_context_data(form=form), status=400)
