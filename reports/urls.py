from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("<slug:slug>/dashboard/", views.DashboardView.as_view(), name="dashboard"),
    path(
        "<slug:slug>/plan/<int:version>/doelen/",
        views.KpiTargetsView.as_view(),
        name="kpi-targets",
    ),
    path("<slug:slug>/rapportages/", views.ReportListView.as_view(), name="reports"),
    path(
        "<slug:slug>/rapportages/maken/", views.ReportRequestView.as_view(), name="report-request"
    ),
    path(
        "<slug:slug>/rapportages/<int:pk>/status/",
        views.ReportStatusView.as_view(),
        name="report-status",
    ),
    path(
        "<slug:slug>/rapportages/<int:pk>/download/",
        views.ReportDownloadView.as_view(),
        name="report-download",
    ),
    path("<slug:slug>/export/<str:kind>/<str:fmt>/", views.ExportView.as_view(), name="export"),
    path(
        "<slug:slug>/selectiemethode/eerlijkheid/",
        views.FairnessPanelView.as_view(),
        name="fairness-panel",
    ),
    path(
        "<slug:slug>/selectiemethode/trefkans/",
        views.HitRatePanelView.as_view(),
        name="hit-rate-panel",
    ),
    path(
        "<slug:slug>/selectiemethode/trefkans/<str:code>/besluit/",
        views.IndicatorDecideView.as_view(),
        name="indicator-decide",
    ),
]
