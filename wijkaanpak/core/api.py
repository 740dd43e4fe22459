"""What every REST endpoint shares: the one exception handler, keyset pagination for
incremental pulls, and the schema's error responses (issue 14).

Errors are JSON with a Dutch `detail` and a stable `code` (never changed once published; the
API documentation lists them). Domain errors become 400/409/403 — or 404 where a view says
that existence must not leak (`hide_not_permitted`, the REST API v1: not found and not
allowed look the same) — and a model ValidationError from a service's full_clean() a 400
with its messages per field.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.core import signing
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as ModelValidationError
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from drf_spectacular.openapi import AutoSchema
from rest_framework import exceptions, status
from rest_framework.pagination import BasePagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param
from rest_framework.views import exception_handler as drf_exception_handler

from .exceptions import ApplicationError, InvalidTransition, NotPermitted
from .processing_log import processing_log_write

# --- the error codes (stable) and their Dutch messages ---

NOT_FOUND = ("niet_gevonden", "Niet gevonden.")
NOT_AUTHENTICATED = ("niet_geauthenticeerd", "Geen geldig token meegestuurd.")
AUTHENTICATION_FAILED = ("token_ongeldig", "Het token is onbekend, verlopen of ingetrokken.")
NOT_PERMITTED = ("niet_toegestaan", "Dit mag u niet doen.")
INVALID_INPUT = ("ongeldige_invoer", "De invoer is niet geldig.")
PARSE_ERROR = ("ongeldig_verzoek", "Het verzoek kan niet worden gelezen.")
METHOD_NOT_ALLOWED = ("methode_niet_toegestaan", "Deze methode is hier niet toegestaan.")
NOT_ACCEPTABLE = ("niet_aanvaardbaar", "Dit antwoordformaat wordt niet geleverd.")
UNSUPPORTED_MEDIA_TYPE = ("formaat_niet_ondersteund", "Dit formaat wordt niet ondersteund.")
THROTTLED = ("te_veel_verzoeken", "Te veel verzoeken; probeer het over {seconds} seconden opnieuw.")
INVALID_TRANSITION = ("ongeldige_overgang", "")
APPLICATION_ERROR = ("niet_mogelijk", "")
INVALID_CURSOR = "Deze cursor is ongeldig; begin opnieuw zonder cursor."
INVALID_PAGE_SIZE = "Het paginaformaat moet een geheel getal van 1 tot en met {max} zijn."

# Every code the API can answer with, for the documentation page and the schema.
ERROR_CODES: dict[str, str] = {
    code: message
    for code, message in (
        NOT_FOUND,
        NOT_AUTHENTICATED,
        AUTHENTICATION_FAILED,
        NOT_PERMITTED,
        INVALID_INPUT,
        PARSE_ERROR,
        METHOD_NOT_ALLOWED,
        NOT_ACCEPTABLE,
        UNSUPPORTED_MEDIA_TYPE,
        (THROTTLED[0], THROTTLED[1].format(seconds="N")),
        (INVALID_TRANSITION[0], "De overgang mag niet in deze toestand (met de reden)."),
        # 503 with Retry-After while PostgreSQL or Redis restarts (core.views.server_error).
        ("dienst_niet_beschikbaar", "Even niet bereikbaar; probeer het zo opnieuw."),
        (APPLICATION_ERROR[0], "De handeling kan niet (met de reden)."),
    )
}


def _body(code_message: tuple[str, str], detail: str | None = None, **extra: Any) -> dict:
    code, message = code_message
    return {"code": code, "detail": detail or message, **extra}


def _field_errors(detail: Any) -> Any:
    """DRF's ErrorDetail tree as plain strings (lists per field)."""
    if isinstance(detail, dict):
        return {str(key): _field_errors(value) for key, value in detail.items()}
    if isinstance(detail, list):
        return [_field_errors(value) for value in detail]
    return str(detail)


def exception_handler(exc, context):
    view = context.get("view")
    hide = getattr(view, "hide_not_permitted", False)
    if isinstance(exc, InvalidTransition):
        body = _body(INVALID_TRANSITION, exc.message, **exc.extra)
        return Response(body, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, NotPermitted):
        if hide:  # not allowed looks like not found (R2)
            return Response(_body(NOT_FOUND), status=status.HTTP_404_NOT_FOUND)
        return Response(_body(NOT_PERMITTED, exc.message), status=status.HTTP_403_FORBIDDEN)
    if isinstance(exc, ApplicationError):
        body = _body(APPLICATION_ERROR, exc.message, **exc.extra)
        return Response(body, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, ModelValidationError):  # a service's full_clean(): per field, never a 500
        fields = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        message = "; ".join(exc.messages)
        return Response(_body(INVALID_INPUT, message, **fields), status=400)
    if isinstance(exc, Http404 | exceptions.NotFound):
        return Response(_body(NOT_FOUND), status=status.HTTP_404_NOT_FOUND)
    if hide and isinstance(exc, DjangoPermissionDenied | exceptions.PermissionDenied):
        return Response(_body(NOT_FOUND), status=status.HTTP_404_NOT_FOUND)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        response.data = _body(INVALID_INPUT, fields=_field_errors(exc.detail))
    elif isinstance(exc, exceptions.NotAuthenticated):
        response.data = _body(NOT_AUTHENTICATED)
    elif isinstance(exc, exceptions.AuthenticationFailed):
        response.data = _body(AUTHENTICATION_FAILED, str(exc.detail))
    elif isinstance(exc, exceptions.Throttled):
        seconds = int(getattr(exc, "wait", None) or 1)
        response.data = _body(THROTTLED, THROTTLED[1].format(seconds=seconds))
    elif isinstance(exc, exceptions.MethodNotAllowed):
        response.data = _body(METHOD_NOT_ALLOWED)
    elif isinstance(exc, exceptions.NotAcceptable):
        response.data = _body(NOT_ACCEPTABLE)
    elif isinstance(exc, exceptions.UnsupportedMediaType):
        response.data = _body(UNSUPPORTED_MEDIA_TYPE)
    elif isinstance(exc, exceptions.ParseError):
        response.data = _body(PARSE_ERROR)
    elif isinstance(exc, exceptions.PermissionDenied):
        response.data = _body(NOT_PERMITTED)
    return response


# --- keyset pagination: incremental pulls with a stable order ---


class KeysetPagination(BasePagination):
    """Pages in a stable order by `view.keyset_fields` (default `updated_at, id`), each page
    starting after the last row of the one before (a signed cursor), never by offset.

    A pull ordered by `updated_at` is bounded by the moment of its first page (`sync_until`,
    carried in the cursor): a row that changes during the pull moves past that bound and comes
    in the next pull (`updated_since=<sync_until>`), so no row is missed or doubled between
    the pages of one pull, however rows change meanwhile.
    """

    page_size = 50
    max_page_size = 200
    cursor_query_param = "cursor"
    page_size_query_param = "page_size"
    salt = "wijkaanpak.api.cursor"

    def _fields(self, view) -> Sequence[str]:
        return tuple(getattr(view, "keyset_fields", ("updated_at", "id")))

    def _page_size(self, request: Request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if not raw.isdigit() or not 1 <= int(raw) <= self.max_page_size:
            message = INVALID_PAGE_SIZE.format(max=self.max_page_size)
            raise exceptions.ValidationError({self.page_size_query_param: [message]})
        return int(raw)

    def _cursor(self, request: Request, fields: Sequence[str]) -> dict | None:
        raw = request.query_params.get(self.cursor_query_param)
        if raw is None:
            return None
        try:
            cursor = signing.loads(raw, salt=self.salt)
        except signing.BadSignature as error:
            raise exceptions.ValidationError({self.cursor_query_param: [INVALID_CURSOR]}) from error
        if not isinstance(cursor, dict) or len(cursor.get("after") or []) != len(fields):
            raise exceptions.ValidationError({self.cursor_query_param: [INVALID_CURSOR]})
        return cursor

    @staticmethod
    def _value(field: str, raw: Any) -> Any:
        return parse_datetime(raw) if field.endswith("_at") else raw

    def _after(self, fields: Sequence[str], values: Sequence[Any]) -> Q:
        """Rows strictly after `values` in the order of `fields` (a keyset condition)."""
        condition = Q()
        for position in range(len(fields) - 1, -1, -1):
            equal = {field: values[i] for i, field in enumerate(fields[:position])}
            step = Q(**{f"{fields[position]}__gt": values[position]}, **equal)
            condition = step if position == len(fields) - 1 else step | condition
        return condition

    def paginate_queryset(self, queryset: Any, request: Request, view: Any = None) -> list[Any]:
        fields = self._fields(view)
        size = self._page_size(request)
        cursor = self._cursor(request, fields)
        self.request = request
        self.sync_until: datetime | None = None
        if fields[0] == "updated_at":
            until = cursor.get("until") if cursor else None
            self.sync_until = parse_datetime(until) if until else timezone.now()
            queryset = queryset.filter(updated_at__lte=self.sync_until)
        if cursor is not None:
            values = [self._value(f, v) for f, v in zip(fields, cursor["after"], strict=True)]
            if any(value is None for value in values):
                raise exceptions.ValidationError({self.cursor_query_param: [INVALID_CURSOR]})
            queryset = queryset.filter(self._after(fields, values))
        rows = list(queryset.order_by(*fields)[: size + 1])
        self.has_next = len(rows) > size
        rows = rows[:size]
        self.last = rows[-1] if rows else None
        self.fields = fields
        return rows

    def _next_link(self) -> str | None:
        if not self.has_next or self.last is None:
            return None
        after = []
        for field in self.fields:
            value = getattr(self.last, field)
            after.append(value.isoformat() if isinstance(value, datetime) else value)
        cursor: dict[str, Any] = {"after": after}
        if self.sync_until is not None:
            cursor["until"] = self.sync_until.isoformat()
        url = self.request.build_absolute_uri()
        return replace_query_param(
            url, self.cursor_query_param, signing.dumps(cursor, salt=self.salt)
        )

    def get_paginated_response(self, data) -> Response:
        body: dict[str, Any] = {"next": self._next_link()}
        if self.sync_until is not None:
            body["sync_until"] = self.sync_until.isoformat()
        body["results"] = data
        return Response(body)

    def get_paginated_response_schema(self, schema: dict) -> dict:
        return {
            "type": "object",
            "required": ["next", "results"],
            "properties": {
                "next": {
                    "type": "string",
                    "nullable": True,
                    "description": "De volgende pagina (met cursor); leeg op de laatste.",
                },
                "sync_until": {
                    "type": "string",
                    "format": "date-time",
                    "description": (
                        "Bovengrens van deze ophaalronde: gebruik hem als `updated_since` "
                        "van de volgende."
                    ),
                },
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view) -> list[dict]:
        return [
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": "De cursor uit `next` van de vorige pagina.",
                "schema": {"type": "string"},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": f"Aantal per pagina (1 tot en met {self.max_page_size}).",
                "schema": {"type": "integer", "minimum": 1, "maximum": self.max_page_size},
            },
        ]


# --- the schema: every operation documents its error answers ---

ERROR_SCHEMA = {
    "type": "object",
    "required": ["code", "detail"],
    "properties": {
        "code": {"type": "string", "enum": sorted(ERROR_CODES)},
        "detail": {"type": "string"},
        "fields": {"type": "object", "additionalProperties": True},
    },
    "additionalProperties": True,
}

ERROR_DESCRIPTIONS = {
    "400": "Ongeldige invoer (`ongeldige_invoer`), of de handeling kan niet (`niet_mogelijk`).",
    "401": "Geen of een ongeldig token (`niet_geauthenticeerd`, `token_ongeldig`).",
    "404": "Niet gevonden, of niet voor u (`niet_gevonden`): beide zien er hetzelfde uit.",
    "405": "Methode niet toegestaan (`methode_niet_toegestaan`).",
    "406": "Antwoordformaat niet geleverd (`niet_aanvaardbaar`).",
    "409": "De overgang mag niet in deze toestand (`ongeldige_overgang`).",
    "415": "Formaat niet ondersteund (`formaat_niet_ondersteund`).",
    "429": "Te veel verzoeken (`te_veel_verzoeken`).",
}


class ApiAutoSchema(AutoSchema):
    """drf-spectacular's schema, with the JSON error answers every operation can give."""

    write_errors = ("409", "415")

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        codes = ["400", "401", "404", "405", "406", "429"]
        if method.upper() not in ("GET", "HEAD", "OPTIONS"):
            codes += list(self.write_errors)
        responses = operation.setdefault("responses", {})
        for code in codes:
            responses.setdefault(
                code,
                {
                    "description": ERROR_DESCRIPTIONS[code],
                    "content": {"application/json": {"schema": ERROR_SCHEMA}},
                },
            )
        return operation


def api_call_log(
    request: Request,
    *,
    name: str,
    ground: str,
    project: Any = None,
    subjects: Sequence[str] = (),
    subject_type: str = "",
) -> None:
    """The processing-log record(s) of one API call (R21), with the client's account as
    actor: one per data subject the answer shows, else one. Written before the data leaves;
    a failing write fails the call."""
    processing_log_write(
        actor=request.user,
        action="api_read" if request.method in ("GET", "HEAD") else "api_write",
        name=name,
        ground=ground,
        project=project,
        data_subject_ids=subjects,
        data_subject_id_type=subject_type if subjects else "",
    )
