"""W3C trace context for the processing log: one trace per request or task."""

import contextvars
import re
import secrets
from dataclasses import dataclass, field

_TRACEPARENT = re.compile(r"^00-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$")


@dataclass(frozen=True)
class TraceContext:
    trace_id: str = field(default_factory=lambda: secrets.token_hex(16))
    operation_id: str = field(default_factory=lambda: secrets.token_hex(8))
    foreign_trace_id: str = ""
    foreign_operation_id: str = ""
    origin: str = ""


_current: contextvars.ContextVar[TraceContext | None] = contextvars.ContextVar(
    "wijkaanpak_trace", default=None
)


def trace_from_traceparent(header: str | None, *, origin: str = "") -> TraceContext:
    """A new local trace; a partner's valid `traceparent` is kept as the foreign operation."""
    match = _TRACEPARENT.match((header or "").strip().lower())
    if match:
        return TraceContext(
            foreign_trace_id=match.group(1), foreign_operation_id=match.group(2), origin=origin
        )
    return TraceContext(origin=origin)


def trace_activate(trace: TraceContext) -> contextvars.Token:
    return _current.set(trace)


def trace_reset(token: contextvars.Token) -> None:
    _current.reset(token)


def trace_current() -> TraceContext:
    trace = _current.get()
    if trace is None:
        trace = TraceContext()
        _current.set(trace)
    return trace
