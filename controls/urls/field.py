"""The inspector's tablet: tonight's evenings, the route, the visit forms (HTML, without
JavaScript) and the sync endpoints the outbox sends to (controls/api/sync.py)."""

from django.urls import URLPattern, URLResolver, path

from ..api import sync
from ..views import field

urlpatterns: list[URLPattern | URLResolver] = [
    path("projecten/<slug:slug>/vanavond/", field.TonightView.as_view(), name="tonight"),
    path(
        "projecten/<slug:slug>/avonden/<int:pk>/route/",
        field.RouteView.as_view(),
        name="route",
    ),
    path(
        "projecten/<slug:slug>/bezoeken/<int:pk>/resultaat/",
        field.VisitResultView.as_view(),
        name="visit-result",
    ),
    path(
        "projecten/<slug:slug>/bezoeken/<int:pk>/bevindingen/",
        field.VisitFindingView.as_view(),
        name="visit-finding",
    ),
    path(
        "projecten/<slug:slug>/sync/bezoeken/<int:pk>/resultaat/",
        sync.VisitResultSyncApi.as_view(),
        name="sync-visit-result",
    ),
    path(
        "projecten/<slug:slug>/sync/bezoeken/<int:pk>/bevindingen/",
        sync.VisitFindingSyncApi.as_view(),
        name="sync-visit-finding",
    ),
    path(
        "projecten/<slug:slug>/sync/bevindingen/<int:pk>/",
        sync.FindingSyncApi.as_view(),
        name="sync-finding",
    ),
]
