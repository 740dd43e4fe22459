from django.urls import path

from . import views

app_name = "partners"

urlpatterns = [
    path("<slug:slug>/", views.ProjectPartnersView.as_view(), name="project_partners"),
    path(
        "<slug:slug>/<int:pk>/verwijderen/",
        views.PartnerRemoveView.as_view(),
        name="partner_remove",
    ),
    path("<slug:slug>/convenant/", views.ConvenantCreateView.as_view(), name="convenant_create"),
    path("<slug:slug>/rollen/", views.ProjectRolesView.as_view(), name="project_roles"),
    path("<slug:slug>/rollen/<int:pk>/beeindigen/", views.RoleEndView.as_view(), name="role_end"),
]
