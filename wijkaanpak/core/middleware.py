"""Request-wide rules: trace context, second factor, session lifetime, no caching."""

import time

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import JsonResponse
from django.shortcuts import redirect
from django.utils.cache import add_never_cache_headers

from .access import has_confirmed_device
from .offline import OFFLINE_CACHE_CONTROL, is_offline_page
from .tracing import trace_activate, trace_from_traceparent, trace_reset

SESSION_STARTED_KEY = "wijkaanpak_session_started"


def _client_ip(request) -> str:
    return request.META.get("REMOTE_ADDR", "")


class TraceMiddleware:
    """Give every request a trace (LDV), keeping a partner's W3C `traceparent` as foreign."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        trace = trace_from_traceparent(
            request.headers.get("traceparent"), origin=_client_ip(request)
        )
        request.trace = trace
        token = trace_activate(trace)
        try:
            response = self.get_response(request)
        finally:
            trace_reset(token)
        response["X-Trace-Id"] = trace.trace_id
        return response


class SessionLifetimeMiddleware:
    """End a session after its absolute lifetime (one shift), whatever the activity."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            started = request.session.setdefault(SESSION_STARTED_KEY, int(time.time()))
            if time.time() - started > settings.SESSION_ABSOLUTE_LIFETIME:
                logout(request)
        return self.get_response(request)


def is_public_view(view_func) -> bool:
    """Views marked with `wijkaanpak.core.access.public` (login, OTP step, health)."""
    return getattr(view_func, "wijkaanpak_public", False)


def is_otp_step_view(view_func) -> bool:
    return getattr(view_func, "wijkaanpak_otp_step", False)


class LoginRequiredMiddleware:
    """Deny by default (security R1): every view needs login and a verified second factor.

    Only views marked public are exempt; the OTP step itself needs a password login only. A
    password-only session goes to the OTP step, or, without a device, to the page that says
    to ask for an enrolment link.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        view = getattr(view_func, "view_class", None) or view_func
        if is_public_view(view_func) or is_public_view(view):
            return None
        if getattr(view, "wijkaanpak_token_api", False):
            # The REST API v1 authenticates by client token in the view (DRF): 401 without
            # one. A session is no credential there, so its user is not looked at here.
            return None
        if request.path.startswith(settings.STATIC_URL):
            return None
        is_api = request.path.startswith("/api/")
        if getattr(request.user, "is_api_client", False):
            # A REST client's account never uses the pages (issue 14), whatever its session.
            logout(request)
        if not request.user.is_authenticated:
            if is_api:
                return JsonResponse(
                    {"code": "niet_geauthenticeerd", "detail": "Niet ingelogd."}, status=401
                )
            return redirect_to_login(request.get_full_path())
        if is_otp_step_view(view_func) or is_otp_step_view(view):
            return None
        if settings.OTP_REQUIRED and not request.user.is_verified():
            if is_api:
                return JsonResponse(
                    {"code": "tweede_factor_vereist", "detail": "Tweede factor vereist."},
                    status=403,
                )
            # Without a device a password never leads to a set-up page (R8): only to the page
            # that says to ask for an enrolment link.
            if not has_confirmed_device(request.user):
                return redirect("otp-enrolment-needed")
            return redirect("otp-verify")
        return None


class NoStoreMiddleware:
    """Responses may hold personal data: never cache them (security R26).

    Except the pages a view marks with `wijkaanpak.core.offline.offline_page` (tonight's
    route): those say `private, no-cache`, and the tablet's service worker keeps them.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.path.startswith(settings.STATIC_URL):
            return response
        if is_offline_page(response):
            response["Cache-Control"] = OFFLINE_CACHE_CONTROL
        else:
            add_never_cache_headers(response)
            response["Cache-Control"] = "no-store, no-cache, must-revalidate, private"
        return response
