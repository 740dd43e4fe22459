"""Security events (security R22): login success and failure, second-factor failure, lockout,
every 404 on a protected object, and — written by their services — grants and revocations.

Each is one audit `Event` with a `security_…` kind, the actor when known and, in `data`, the
origin (IP) of the trace and what the event is about. Never a password, token, session id or
key: a failed login keeps only the username as typed, its control characters encoded (CR/LF
cannot forge a line), cut to 150 characters.
"""

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_login_failed

from .models import Event
from .tracing import trace_current

LOGIN_SUCCEEDED = "security_login_succeeded"
LOGIN_FAILED = "security_login_failed"
OTP_FAILED = "security_otp_failed"
LOCKED_OUT = "security_locked_out"
NOT_FOUND = "security_not_found"
# Grants and revocations are the services' own events (projects.services.roles, partners).
GRANT_KINDS = ("role_granted", "role_ended", "convenant_registered", "convenant_ended")


def log_safe(text: str, limit: int = 150) -> str:
    """User input for a log: control characters (CR, LF, ESC …) as \\xNN, at most `limit`."""
    return "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in str(text))[:limit]


def security_event_record(kind: str, *, actor=None, data: dict[str, Any] | None = None) -> Event:
    return Event.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        kind=kind,
        data={"origin": trace_current().origin, **(data or {})},
    )


def _user_of(request):
    try:
        user = getattr(request, "user", None)
    except Exception:  # noqa: BLE001 - DRF authenticates lazily; a refused token is no actor
        return None
    return user if getattr(user, "is_authenticated", False) else None


def not_found_record(request) -> None:
    """A 404 of a resolved URL for a signed-in person: an object that is absent or not theirs
    (the two look the same, R2). Unresolved paths are not about an object and are skipped."""
    match = getattr(request, "resolver_match", None)
    user = _user_of(request)
    if match is None or user is None:
        return
    security_event_record(
        NOT_FOUND,
        actor=user,
        data={"url_name": match.view_name, "path": log_safe(request.path, 300)},
    )


def _logged_in(sender, request, user, **kwargs) -> None:
    security_event_record(LOGIN_SUCCEEDED, actor=user)


def _login_failed(sender, credentials, request=None, **kwargs) -> None:
    security_event_record(
        LOGIN_FAILED, data={"username": log_safe(credentials.get("username", ""))}
    )


def _locked_out(sender, request, username, ip_address, **kwargs) -> None:
    security_event_record(LOCKED_OUT, data={"username": log_safe(username or "")})


def security_events_connect() -> None:
    """Connect the receivers (CoreConfig.ready)."""
    from axes.signals import user_locked_out

    user_logged_in.connect(_logged_in, dispatch_uid="security_login_succeeded")
    user_login_failed.connect(_login_failed, dispatch_uid="security_login_failed")
    user_locked_out.connect(_locked_out, dispatch_uid="security_locked_out")
