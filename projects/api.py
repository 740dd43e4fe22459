"""REST API v1 of projects (issue 14): the projects a client may see, and the base of every
endpoint under one project.

`ProjectScopedApiMixin` is the API's ProjectScopedMixin: after the token is checked it resolves
the project of the URL's slug and every permission the client's account holds on it, through
the same `project_access_for_user` as the pages (404 without `project_perm`, never 403).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.urls import path

from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.request import Request
from rest_framework.response import Response

from partners.api import ClientApiMixin
from wijkaanpak.core.api import api_call_log

from .constants import ProjectPerm
from .models import Project
from .selectors import project_access_for_user, project_list_for_user


class ProjectScopedApiMixin(ClientApiMixin):
    """Loads `self.project` and `self.project_perms` for the URL's slug once the client is
    authenticated (Http404 without `project_perm`, R2)."""

    project_perm: ProjectPerm = ProjectPerm.VIEW
    # When set: the client needs at least one of these as well (else 404), e.g. a list that
    # the projectleider and the behandelaars read, each their own part (the selector scopes).
    project_perm_any: frozenset[ProjectPerm] = frozenset()
    project: Project
    project_perms: frozenset[ProjectPerm]

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        self.project, self.project_perms = project_access_for_user(
            user=request.user, slug=kwargs["slug"], perm=self.project_perm
        )
        if self.project_perm_any and not self.project_perm_any & self.project_perms:
            raise Http404

    def can(self, perm: ProjectPerm) -> bool:
        return perm in self.project_perms


class ProjectSerializer(serializers.ModelSerializer[Project]):
    municipality = serializers.CharField(source="municipality.name", read_only=True)
    buurtcodes = serializers.ListField(child=serializers.CharField(), read_only=True)
    postcodes = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = Project
        fields = [
            "slug",
            "name",
            "municipality",
            "phase",
            "period_start",
            "period_end",
            "peildatum",
            "buurtcodes",
            "postcodes",
            "created_at",
        ]
        read_only_fields = fields


@extend_schema(tags=["projecten"], summary="De projecten die de client mag zien")
class ProjectListApi(ClientApiMixin, generics.ListAPIView[Project]):
    """Projects where the client's account holds a role while its organisation takes part."""

    serializer_class = ProjectSerializer
    keyset_fields = ("id",)
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[Project]:
        if getattr(self, "swagger_fake_view", False):
            return Project.objects.none()
        return project_list_for_user(user=self.request.user)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.get_queryset()) or []
        api_call_log(request, name="api_v1_projects", ground="lsi_project")
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


@extend_schema(tags=["projecten"], summary="Eén project")
class ProjectDetailApi(ProjectScopedApiMixin, generics.GenericAPIView[Project]):
    serializer_class = ProjectSerializer

    def get(self, request: Request, slug: str) -> Response:
        api_call_log(request, name="api_v1_project", ground="lsi_project", project=self.project)
        return Response(self.get_serializer(self.project).data)


urlpatterns = [
    path("projects/", ProjectListApi.as_view(), name="project-list"),
    path("projects/<slug:slug>/", ProjectDetailApi.as_view(), name="project-detail"),
]
