"""The planner's pages under /controle/<project>/ (controls.views.planning)."""

from django.urls import URLPattern, URLResolver, path

from ..views import planning as views

urlpatterns: list[URLPattern | URLResolver] = [
    path("<slug:slug>/avonden/", views.EveningListView.as_view(), name="evenings"),
    path("<slug:slug>/avonden/nieuw/", views.EveningCreateView.as_view(), name="evening-create"),
    path("<slug:slug>/avonden/<int:pk>/", views.EveningView.as_view(), name="evening"),
    path(
        "<slug:slug>/avonden/<int:pk>/wijzigen/",
        views.EveningUpdateView.as_view(),
        name="evening-update",
    ),
    path(
        "<slug:slug>/avonden/<int:pk>/status/",
        views.EveningTransitionView.as_view(),
        name="evening-transition",
    ),
    path(
        "<slug:slug>/avonden/<int:pk>/adressen/",
        views.EveningAddressesView.as_view(),
        name="evening-addresses",
    ),
    path(
        "<slug:slug>/avonden/<int:pk>/routes/",
        views.RoutesPlanView.as_view(),
        name="routes-plan",
    ),
    path("<slug:slug>/avonden/<int:pk>/teams/", views.TeamCreateView.as_view(), name="team-create"),
    path(
        "<slug:slug>/avonden/<int:pk>/teams/<int:team_pk>/leden/",
        views.TeamMembersView.as_view(),
        name="team-members",
    ),
    path(
        "<slug:slug>/avonden/<int:pk>/bezoeken/<int:visit_pk>/verplaatsen/",
        views.VisitMoveView.as_view(),
        name="visit-move",
    ),
    path("<slug:slug>/bezoeken/<int:pk>/", views.VisitView.as_view(), name="visit"),
    path("<slug:slug>/categorieen/", views.CategoryListView.as_view(), name="categories"),
    path("<slug:slug>/categorieen/<int:pk>/", views.CategoryView.as_view(), name="category"),
]
