"""REST API v1 of reports (issue 14): a project's progress figures and its exports, by the
dashboard's and the export page's own rules (reports.selectors, reports.services.exports).

Progress: whoever sees the dashboard gets the figures as they are; the adviser (aggregates
only) gets them with small-cell and secondary suppression, as on the VNG overview; anyone else
404. Exports: findings, referrals or progress as CSV or XLSX, 404 for who may not export them.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.http import Http404, HttpResponse
from django.urls import path

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers
from rest_framework.request import Request
from rest_framework.response import Response

from projects.api import ProjectScopedApiMixin
from projects.constants import ProjectPerm
from projects.models import Project
from wijkaanpak.core.api import api_call_log

from . import selectors
from .constants import EXPORT_FORMATS, EXPORT_KINDS
from .overview import COLUMNS, overview_table
from .services.exports import CONTENT_TYPES, export_document


class FigureSerializer(serializers.Serializer[Any]):
    key = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # a field, not Field.label
    value = serializers.CharField(allow_null=True, help_text="Leeg wanneer verborgen.")
    hidden = serializers.CharField(help_text="Waarom verborgen (kleine aantallen), of leeg.")


class EveningProgressSerializer(serializers.Serializer[Any]):
    evening_id = serializers.IntegerField()
    name = serializers.CharField()
    starts_at = serializers.DateTimeField()
    status = serializers.CharField()
    visited = serializers.IntegerField()
    with_findings = serializers.IntegerField()
    referrals = serializers.DictField(child=serializers.IntegerField())
    outcomes = serializers.DictField(child=serializers.IntegerField())


class ProgressSerializer(serializers.Serializer[Any]):
    project = serializers.CharField()
    suppressed = serializers.BooleanField(help_text="Kleine aantallen verborgen (adviseur).")
    figures = FigureSerializer(many=True)
    evenings = EveningProgressSerializer(
        many=True, help_text="Per controleavond; leeg wanneer kleine aantallen verborgen zijn."
    )


def _plain(value: Any) -> str | None:
    if value is None:
        return None
    return str(value.quantize(Decimal("0.01")) if isinstance(value, Decimal) else value)


def _figures(project: Project, *, suppressed: bool) -> tuple[list[dict[str, Any]], list[Any]]:
    figures = selectors.project_figures(project=project)
    if suppressed:
        rows, _total = overview_table([project], {project.pk: figures})
        cells = rows[0].cells
        shown = [
            {"key": key, "label": label, "value": _plain(cell.value), "hidden": cell.hidden}
            for (key, label), cell in zip(COLUMNS, cells, strict=True)
        ]
        return shown, []
    by_status = figures.referrals_per_status()
    values = {
        **{key: count for key, _label, count in figures.funnel()},
        "referrals_open": sum(by_status.get(status, 0) for status in selectors.OPEN_REFERRAL),
        "referrals_done": by_status.get("afgehandeld", 0),
        "referrals_returned": by_status.get("teruggelegd", 0),
        "recovered": figures.recovered,
        "fines": figures.fines,
        "evenings_held": figures.evenings_held,
    }
    shown = [
        {"key": key, "label": label, "value": _plain(values.get(key)), "hidden": ""}
        for key, label in COLUMNS
    ]
    return shown, list(figures.evenings)


@extend_schema(tags=["voortgang"], summary="De voortgangscijfers van een project")
class ProgressApi(ProjectScopedApiMixin, generics.GenericAPIView[Project]):
    serializer_class = ProgressSerializer

    def get(self, request: Request, slug: str) -> Response:
        perms = self.project_perms
        if selectors.dashboard_permitted(perms):
            suppressed = False
        elif ProjectPerm.VIEW_AGGREGATES in perms:
            suppressed = True
        else:
            raise Http404
        api_call_log(request, name="api_v1_progress", ground="lsi_project", project=self.project)
        figures, evenings = _figures(self.project, suppressed=suppressed)
        body = {
            "project": self.project.slug,
            "suppressed": suppressed,
            "figures": figures,
            "evenings": evenings,
        }
        return Response(self.get_serializer(body).data)


@extend_schema(
    tags=["exports"],
    summary="Export van bevindingen, doorverwijzingen of voortgang (CSV of XLSX)",
    parameters=[
        OpenApiParameter("kind", str, OpenApiParameter.PATH, enum=list(EXPORT_KINDS)),
        OpenApiParameter("fmt", str, OpenApiParameter.PATH, enum=list(EXPORT_FORMATS)),
    ],
    responses={
        (200, CONTENT_TYPES[fmt].split(";")[0]): OpenApiTypes.BINARY for fmt in EXPORT_FORMATS
    },
)
class ExportApi(ProjectScopedApiMixin, generics.GenericAPIView[Project]):
    """The export page's document, by its rules (reports.services.exports: the addresses it
    holds are logged there; a progress export is logged here)."""

    def get(self, request: Request, slug: str, kind: str, fmt: str) -> HttpResponse:
        filename, content_type, content = export_document(
            actor=self.account, project=self.project, kind=kind, fmt=fmt, perms=self.project_perms
        )
        if kind == "voortgang":
            api_call_log(request, name="api_v1_export", ground="lsi_project", project=self.project)
        response = HttpResponse(content, content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        response["X-Content-Type-Options"] = "nosniff"
        return response


urlpatterns = [
    path("projects/<slug:slug>/progress/", ProgressApi.as_view(), name="progress"),
    path(
        "projects/<slug:slug>/exports/<str:kind>/<str:fmt>/",
        ExportApi.as_view(),
        name="export",
    ),
]
