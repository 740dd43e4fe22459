"""Audit events (security R7): every privileged change writes exactly one."""

from .models import Event


def event_record(
    *,
    actor,
    kind: str,
    project=None,
    obj=None,
    from_state: str = "",
    to_state: str = "",
    reason: str = "",
    data: dict | None = None,
) -> Event:
    return Event.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        kind=kind,
        project=project,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        from_state=from_state,
        to_state=to_state,
        reason=reason,
        data=data or {},
    )
