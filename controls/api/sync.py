"""The tablet's sync endpoints: what the outbox (static/js/offline-queue.js) sends when the
connection returns, exactly once (issue 11 item 4, security R28).

Each POST carries `Idempotency-Key: <client UUID>` (required; a client without headers may
send the form's `client_id` field instead), session auth and CSRF (DRF's
SessionAuthentication), and JSON with the fields of the page's forms. The same selectors and
services as the pages (controls.views.field):

* a first submission is stored and answered with the stored resource, 201;
* a replay (the same key again) stores nothing and answers the stored resource, 200 — the
  unique constraints on Visit.result_client_id and Finding.client_id hold the key, also when
  the replays arrive at the same time (the service catches the IntegrityError);
* a result or finding edit whose `version` is not the row's: 409 with
  {"detail", "current": the stored resource, "yours": what was sent}, so that the page shows
  both and the inspector chooses (resubmit on top of `current.version`, or drop);
* invalid input: 400 with DRF's per-field messages or {"detail"}; a visit or finding the
  person may not see: 404 (never 403).
"""

from __future__ import annotations

import uuid
from typing import Any

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from partners.models import User
from projects.constants import ProjectPerm
from projects.models import Project
from projects.selectors import project_access_for_user
from wijkaanpak.core.exceptions import ApplicationError

from ..constants import VisitResult
from ..models import Finding, Visit
from ..selectors.evenings import visit_get_for_user
from ..selectors.field import finding_category_by_code, finding_get_for_user
from ..services.recording import (
    VersionConflict,
    finding_record,
    finding_update,
    visit_result_record,
)

IDEMPOTENCY_KEY_MISSING = "Elke invoer moet een Idempotency-Key (een UUID) meesturen."
UNKNOWN_CATEGORY = "Kies een categorie uit de lijst."
VISIT_CONFLICT = "Iemand anders heeft dit bezoek intussen gewijzigd. Kies welke versie blijft."
FINDING_CONFLICT = (
    "Iemand anders heeft deze bevinding intussen gewijzigd. Kies welke versie blijft."
)


def idempotency_key(request: Request) -> uuid.UUID:
    """The client UUID of the submission: the Idempotency-Key header (what the outbox sends),
    else the form's own `client_id` field (a plain client); 400 without a valid one."""
    body = request.data if hasattr(request.data, "get") else {}
    given = request.headers.get("Idempotency-Key") or body.get("client_id") or ""
    try:
        return uuid.UUID(str(given))
    except ValueError as error:
        raise ApplicationError(IDEMPOTENCY_KEY_MISSING) from error


def visit_resource(visit: Visit) -> dict[str, Any]:
    return {
        "id": visit.pk,
        "version": visit.version,
        "result": visit.result,
        "result_label": VisitResult(visit.result).label if visit.result else "",
        "residents_found": visit.residents_found,
        "notes": visit.notes,
        "visited_at": visit.visited_at.isoformat() if visit.visited_at else None,
        "client_id": str(visit.result_client_id) if visit.result_client_id else None,
    }


def finding_resource(finding: Finding) -> dict[str, Any]:
    return {
        "id": finding.pk,
        "visit": finding.visit_id,
        "version": finding.version,
        "category": finding.category.code,
        "category_label": finding.category.label,
        "description": finding.description,
        "client_id": str(finding.client_id),
        "recorded_at": finding.recorded_at.isoformat() if finding.recorded_at else None,
    }


class VisitResultInput(serializers.Serializer):
    result = serializers.ChoiceField(choices=VisitResult.choices)
    residents_found = serializers.IntegerField(
        min_value=0, max_value=99, required=False, allow_null=True
    )
    notes = serializers.CharField(required=False, allow_blank=True, max_length=4000, default="")
    version = serializers.IntegerField(min_value=1)

    def to_internal_value(self, data: Any) -> Any:
        # A form sends an empty number field as "".
        if hasattr(data, "get") and data.get("residents_found") == "":
            data = {**data, "residents_found": None}
        return super().to_internal_value(data)


class FindingInput(serializers.Serializer):
    category = serializers.CharField(max_length=40)
    description = serializers.CharField(max_length=4000)


class FindingUpdateInput(FindingInput):
    version = serializers.IntegerField(min_value=1)


class VisitOutput(serializers.Serializer):
    """The stored visit as the sync endpoints answer it (visit_resource)."""

    id = serializers.IntegerField()
    version = serializers.IntegerField()
    result = serializers.CharField()
    result_label = serializers.CharField()
    residents_found = serializers.IntegerField(allow_null=True)
    notes = serializers.CharField()
    visited_at = serializers.DateTimeField(allow_null=True)
    client_id = serializers.UUIDField(allow_null=True)


class FindingOutput(serializers.Serializer):
    """The stored finding as the sync endpoints answer it (finding_resource)."""

    id = serializers.IntegerField()
    visit = serializers.IntegerField()
    version = serializers.IntegerField()
    category = serializers.CharField()
    category_label = serializers.CharField()
    description = serializers.CharField()
    client_id = serializers.UUIDField()
    recorded_at = serializers.DateTimeField(allow_null=True)


KEY_PARAMETER = OpenApiParameter(
    "Idempotency-Key",
    type=str,
    location=OpenApiParameter.HEADER,
    description="The client-generated UUID of this submission (R28).",
)
CONFLICT_RESPONSE = OpenApiResponse(
    description="A version conflict: {detail, current (the stored resource), yours}."
)


def _schema(request: type[serializers.Serializer], output: type[serializers.Serializer]) -> Any:
    return extend_schema(
        request=request,
        parameters=[KEY_PARAMETER],
        responses={201: output, 200: output, 409: CONFLICT_RESPONSE},
    )


class ProjectSyncApi(APIView):
    """Resolves the project of the slug (404 without VIEW_ADDRESSES) like ProjectScopedMixin."""

    project_perm = ProjectPerm.VIEW_ADDRESSES
    project: Project
    project_perms: frozenset[ProjectPerm]

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        self.project, self.project_perms = project_access_for_user(
            user=request.user, slug=kwargs["slug"], perm=self.project_perm
        )

    @property
    def person(self) -> User:
        user = self.request.user
        assert isinstance(user, User)  # IsAuthenticated and the access middleware
        return user

    def visit(self, pk: int) -> Visit:
        return visit_get_for_user(
            user=self.person, project=self.project, pk=pk, perms=self.project_perms
        )

    def category(self, code: str) -> Any:
        category = finding_category_by_code(project=self.project, code=code)
        if category is None:
            raise ValidationError({"category": [UNKNOWN_CATEGORY]})
        return category


def _given(request: Request) -> dict[str, Any]:
    """What was sent, as a flat dict (for the 409's `yours`)."""
    data = request.data
    return {key: data.get(key) for key in data} if hasattr(data, "get") else {}


def _created(replayed: bool) -> int:
    return status.HTTP_200_OK if replayed else status.HTTP_201_CREATED


class VisitResultSyncApi(ProjectSyncApi):
    """POST a visit's result (result, residents_found, notes, version)."""

    @_schema(VisitResultInput, VisitOutput)
    def post(self, request: Request, slug: str, pk: int) -> Response:
        key = idempotency_key(request)
        visit = self.visit(pk)
        given = VisitResultInput(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        try:
            outcome = visit_result_record(
                actor=self.person,
                visit=visit,
                result=data["result"],
                residents_found=data.get("residents_found"),
                notes=data.get("notes", ""),
                client_id=key,
                expected_version=data["version"],
            )
        except VersionConflict as error:
            current = getattr(error, "current", None) or self.visit(pk)
            body = {
                "detail": VISIT_CONFLICT,
                "current": visit_resource(current),
                "yours": {**_given(request), "version": data["version"]},
            }
            return Response(body, status=status.HTTP_409_CONFLICT)
        return Response(visit_resource(outcome.visit), status=_created(outcome.replayed))


class VisitFindingSyncApi(ProjectSyncApi):
    """POST a new finding of a visit (category code, description)."""

    @_schema(FindingInput, FindingOutput)
    def post(self, request: Request, slug: str, pk: int) -> Response:
        key = idempotency_key(request)
        visit = self.visit(pk)
        given = FindingInput(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        outcome = finding_record(
            actor=self.person,
            visit=visit,
            category=self.category(data["category"]),
            description=data["description"],
            client_id=key,
        )
        assert outcome.finding is not None  # finding_record always answers the finding
        return Response(finding_resource(outcome.finding), status=_created(outcome.replayed))


class FindingSyncApi(ProjectSyncApi):
    """POST an edit of a finding (category code, description, version): 200, or 409 with both
    versions. The Idempotency-Key makes a resent edit harmless: its version is stale then, and
    an edit that equals the stored row is answered as the stored row (200)."""

    @_schema(FindingUpdateInput, FindingOutput)
    def post(self, request: Request, slug: str, pk: int) -> Response:
        idempotency_key(request)
        finding = finding_get_for_user(
            user=self.person, project=self.project, pk=pk, perms=self.project_perms
        )
        given = FindingUpdateInput(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        category = self.category(data["category"])
        try:
            updated = finding_update(
                actor=self.person,
                finding=finding,
                category=category,
                description=data["description"],
                expected_version=data["version"],
            )
        except VersionConflict as error:
            current = getattr(error, "current", None) or finding
            if (
                current.category_id == category.pk and current.description == data["description"]
            ):  # my own edit, sent again: it is stored
                return Response(finding_resource(current), status=status.HTTP_200_OK)
            body = {
                "detail": FINDING_CONFLICT,
                "current": finding_resource(current),
                "yours": {**_given(request), "version": data["version"]},
            }
            return Response(body, status=status.HTTP_409_CONFLICT)
        return Response(finding_resource(updated), status=status.HTTP_200_OK)
