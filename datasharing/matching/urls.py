from django.urls import path

from . import views

app_name = "matching"

urlpatterns = [
    path("<slug:slug>/runs/", views.RunListView.as_view(), name="runs"),
    path("<slug:slug>/runs/<int:pk>/status/", views.RunStatusView.as_view(), name="run-status"),
    path("<slug:slug>/runs/<int:pk>/annuleren/", views.RunCancelView.as_view(), name="run-cancel"),
    path("<slug:slug>/risicolijst/", views.RiskListView.as_view(), name="risks"),
    path("<slug:slug>/risicolijst/<int:pk>/", views.RiskAddressView.as_view(), name="risk"),
    path("<slug:slug>/voordrachten/", views.ProposalListView.as_view(), name="proposals"),
    path(
        "<slug:slug>/voordrachten/<int:pk>/besluit/",
        views.ProposalDecideView.as_view(),
        name="proposal-decide",
    ),
    path("<slug:slug>/selectie/", views.SelectionView.as_view(), name="selection"),
    path(
        "<slug:slug>/selectie/sluiten/", views.SelectionCloseView.as_view(), name="selection-close"
    ),
    path("<slug:slug>/selectie/<int:pk>/adres/", views.ReidentifyView.as_view(), name="reidentify"),
    path(
        "<slug:slug>/herleidingen/<int:pk>/",
        views.ReidentificationView.as_view(),
        name="reidentification",
    ),
    path(
        "<slug:slug>/selectie/<int:pk>/verantwoording/",
        views.ProposalRecordView.as_view(),
        name="proposal-record",
    ),
    path("<slug:slug>/selectiemethode/", views.MethodView.as_view(), name="method"),
    path("<slug:slug>/instellingen/", views.SettingsView.as_view(), name="settings"),
]
