"""Shared view pieces: the mixin that turns domain errors into form errors, health, errors,
and the public pages of the footer (privacy statement, accessibility statement, contact)."""

import logging
from datetime import date

from django.http import JsonResponse
from django.shortcuts import render
from django.views.generic import TemplateView

from .access import public
from .exceptions import ApplicationError
from .tracing import _current as _active_trace
from .tracing import trace_current


class ApplicationErrorFormMixin:
    """Run the service in `form_valid`; an ApplicationError becomes a non-field form error."""

    def form_valid(self, form):
        try:
            return self.perform(form)
        except ApplicationError as error:
            form.add_error(error.extra.get("field"), error.message)
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


def server_error(request, *args, **kwargs):
    """Generic 500 page with only a trace id (security R23)."""
    trace_id = (
        getattr(getattr(request, "trace", None), "trace_id", None) or trace_current().trace_id
    )
    return render(request, "500.html", {"trace_id": trace_id}, status=500)


def not_found(request, exception=None):
    return render(request, "404.html", status=404)
