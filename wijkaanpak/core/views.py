"""Shared view pieces: the mixin that turns domain errors into form errors, health, errors,
and the public pages of the footer (privacy statement, accessibility statement, contact)."""

import logging
import re
import sys
from datetime import date

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.generic import TemplateView
from django.views.generic.edit import FormMixin

from .access import public
from .exceptions import ApplicationError
from .tracing import _current as _active_trace
from .tracing import trace_current

# What a service called with a form's data may raise that belongs on the form: its own domain
# errors, and the model validation errors of its full_clean().
SERVICE_ERRORS = (ApplicationError, ValidationError)


def form_add_service_error(form: forms.BaseForm, error: ApplicationError | ValidationError) -> None:
    """Put an error raised by a service beside the form field it is about.

    ApplicationError: on `extra["field"]` when the form has that field, else above the form.
    Model ValidationError (full_clean): each message on its field (`error_dict`); messages of
    fields the form lacks, and NON_FIELD_ERRORS, above the form (the former named by field).
    """
    if isinstance(error, ApplicationError):
        field = error.extra.get("field")
        form.add_error(field if field in form.fields else None, error.message)
        return
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    for field, errors in error.error_dict.items():
        if field in form.fields:
            form.add_error(field, errors)
        elif field == NON_FIELD_ERRORS:
            form.add_error(None, errors)
        else:
            form.add_error(None, [f"{field}: {message}" for e in errors for message in e.messages])


class ApplicationErrorFormMixin(FormMixin):
    """Run the service in `form_valid` (`perform`); what it raises (SERVICE_ERRORS) becomes a
    form error beside its field, never a 500."""

    def form_valid(self, form):
        try:
            return self.perform(form)
        except SERVICE_ERRORS as error:
            form_add_service_error(form, error)
            return self.form_invalid(form)

    def perform(self, form):  # pragma: no cover - every subclass implements it
        raise NotImplementedError


# The date the accessibility statement was last reviewed (its own page shows it).
ACCESSIBILITY_REVIEWED_ON = date(2026, 12, 1)

# Public (security R1 allowlist, tests/access_matrix.py): a visitor may read who runs the
# application, what it does with personal data and where to turn, before any login.
privacy_statement = public(TemplateView.as_view(template_name="core/privacy.html"))
accessibility_statement = public(
    TemplateView.as_view(
        template_name="core/accessibility.html",
        extra_context={"reviewed_on": ACCESSIBILITY_REVIEWED_ON},
    )
)
contact = public(TemplateView.as_view(template_name="core/contact.html"))


@public
def health(request):
    return JsonResponse({"status": "ok"})


class TraceIdLogFilter(logging.Filter):
    """Put the request's trace id on every log record (security R23: the generic 500 page
    shows only this id, and the logged error carries the same id).

    Lives here, not in middleware.py, because logging is configured before the app registry
    is ready and this module imports no models. Django's `django.request` records carry the
    request; other records take the trace that is active in this context, if any.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        trace = getattr(getattr(record, "request", None), "trace", None) or _active_trace.get()
        record.trace_id = trace.trace_id if trace is not None else "-"
        return True


# The path of enrolment links (wijkaanpak/urls.py): `ENROLMENT_PATH<token>/` is the link itself.
ENROLMENT_PATH = "inloggen/koppelen/"


class EnrolmentTokenRedactFilter(logging.Filter):
    """Blank the token of an enrolment link in every log line (security R22: no tokens in
    logs). The link's one request carries it in its path, and request lines are logged by the
    development server (`django.server`) and, for 4xx/5xx, by `django.request`."""

    LINK = re.compile(rf"(/{re.escape(ENROLMENT_PATH)})[^/\s\"'?#]+")

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = self.LINK.sub(r"\1[verborgen]", message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


SERVICE_UNAVAILABLE_CODE = "dienst_niet_beschikbaar"
SERVICE_UNAVAILABLE_MESSAGE = (
    "Wijkaanpak is even niet bereikbaar: de database of de taakwachtrij start opnieuw op. "
    "Er is niets half opgeslagen. Probeer het over een halve minuut opnieuw."
)
RETRY_AFTER_SECONDS = 30


def service_unavailable_error(error: BaseException | None) -> bool:
    """Whether `error` (or what caused it) says PostgreSQL or Redis is gone or restarting,
    rather than a fault of the request: such a request failed whole (issue 16.2)."""
    from django.db import InterfaceError, OperationalError

    kinds: list[type[BaseException]] = [OperationalError, InterfaceError]
    try:
        from kombu.exceptions import OperationalError as BrokerError
        from redis.exceptions import ConnectionError as RedisConnectionError
        from redis.exceptions import TimeoutError as RedisTimeoutError

        kinds += [BrokerError, RedisConnectionError, RedisTimeoutError]
    except ImportError:  # pragma: no cover - both come with Celery
        pass
    seen = 0
    while error is not None and seen < 5:
        if isinstance(error, tuple(kinds)):
            return True
        error, seen = error.__cause__ or error.__context__, seen + 1
    return False


def _wants_json(request) -> bool:
    """The REST API, and the tablet's outbox (sync endpoints: it asks for JSON)."""
    return request.path.startswith("/api/") or "application/json" in request.headers.get(
        "Accept", ""
    )


def service_unavailable(request, trace_id: str):
    """503 with Retry-After: a Dutch page, or the API's JSON error with a stable code. Like the
    500 page it reads nothing from the database. The tablet's outbox retries on any 5xx."""
    response: HttpResponse
    if _wants_json(request):
        body = {
            "code": SERVICE_UNAVAILABLE_CODE,
            "detail": SERVICE_UNAVAILABLE_MESSAGE,
            "trace_id": trace_id,
        }
        response = JsonResponse(body, status=503)
    else:
        response = render(request, "503.html", {"trace_id": trace_id}, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def server_error(request, *args, **kwargs):
    """Generic 500 page with only a trace id (security R23); 503 when the database or the
    broker is what failed (the exception being handled, issue 16.2)."""
    trace_id = (
        getattr(getattr(request, "trace", None), "trace_id", None) or trace_current().trace_id
    )
    if service_unavailable_error(sys.exc_info()[1]):
        return service_unavailable(request, trace_id)
    if request.path.startswith("/api/"):  # the API answers in JSON, also here
        body = {"code": "serverfout", "detail": "Er ging iets mis.", "trace_id": trace_id}
        return JsonResponse(body, status=500)
    return render(request, "500.html", {"trace_id": trace_id}, status=500)


def not_found(request, exception=None):
    if request.path.startswith("/api/"):  # a path no API route matches: the API's 404
        return JsonResponse({"code": "niet_gevonden", "detail": "Niet gevonden."}, status=404)
    return render(request, "404.html", status=404)
