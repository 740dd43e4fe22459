from django.urls import path

from . import views

app_name = "projects"

urlpatterns = [
    path("", views.StartView.as_view(), name="start"),
    path("projecten/", views.ProjectListView.as_view(), name="list"),
    path("projecten/nieuw/", views.ProjectCreateView.as_view(), name="create"),
    path("projecten/<slug:slug>/", views.ProjectDetailView.as_view(), name="detail"),
    path("projecten/<slug:slug>/wijzigen/", views.ProjectUpdateView.as_view(), name="update"),
    path(
        "projecten/<slug:slug>/volgende-fase/", views.ProjectAdvanceView.as_view(), name="advance"
    ),
    path(
        "projecten/<slug:slug>/collegebesluit/",
        views.CollegebesluitView.as_view(),
        name="collegebesluit",
    ),
    path(
        "projecten/<slug:slug>/projectvoorstel/",
        views.ProjectvoorstelView.as_view(),
        name="voorstel",
    ),
    path(
        "projecten/<slug:slug>/projectplan/nieuw/",
        views.ProjectplanCreateView.as_view(),
        name="plan_create",
    ),
    path(
        "projecten/<slug:slug>/projectplan/<int:version>/",
        views.ProjectplanDetailView.as_view(),
        name="plan_detail",
    ),
    path(
        "projecten/<slug:slug>/projectplan/<int:version>/vaststellen/",
        views.ProjectplanAdoptView.as_view(),
        name="plan_adopt",
    ),
    path(
        "projecten/<slug:slug>/projectplan/<int:version>/kennisnemen/",
        views.ProjectplanAcknowledgeView.as_view(),
        name="plan_acknowledge",
    ),
    path("projecten/<slug:slug>/dpia/", views.DpiaView.as_view(), name="dpia"),
    path(
        "projecten/<slug:slug>/documenten/<str:kind>/<int:pk>/",
        views.DocumentDownloadView.as_view(),
        name="document",
    ),
    # The partner, convenant and role pages of a project (their paths predate the move).
    path("partners/<slug:slug>/", views.ProjectPartnersView.as_view(), name="project_partners"),
    path(
        "partners/<slug:slug>/<int:pk>/verwijderen/",
        views.PartnerRemoveView.as_view(),
        name="partner_remove",
    ),
    path(
        "partners/<slug:slug>/convenant/",
        views.ConvenantCreateView.as_view(),
        name="convenant_create",
    ),
    path("partners/<slug:slug>/rollen/", views.ProjectRolesView.as_view(), name="project_roles"),
    path(
        "partners/<slug:slug>/rollen/<int:pk>/beeindigen/",
        views.RoleEndView.as_view(),
        name="role_end",
    ),
]
