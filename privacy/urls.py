from django.urls import path

from . import views

app_name = "privacy"

urlpatterns = [
    path("<slug:slug>/inzage/", views.InzageView.as_view(), name="inzage"),
    path("<slug:slug>/inzage/<int:pk>/", views.InzageDetailView.as_view(), name="inzage-detail"),
    path(
        "<slug:slug>/inzage/<int:pk>/brief/",
        views.InzageLetterView.as_view(),
        name="inzage-letter",
    ),
    path(
        "<slug:slug>/inzage/<int:pk>/bezwaar/",
        views.ObjectionCreateView.as_view(),
        name="objection-create",
    ),
    path(
        "<slug:slug>/bezwaren/<int:pk>/afhandelen/",
        views.ObjectionResolveView.as_view(),
        name="objection-resolve",
    ),
    path("<slug:slug>/verwerkingslog/", views.ProcessingLogView.as_view(), name="log"),
    path(
        "<slug:slug>/verwerkingslog/export/",
        views.ProcessingLogExportView.as_view(),
        name="log-export",
    ),
]
