"""Markers for the deny-by-default middleware, and whether a person has a second factor."""

from django_otp import devices_for_user


def public(view):
    """Mark a view reachable without login (login page, health check)."""
    view.wijkaanpak_public = True
    return view


def otp_step(view):
    """Mark a view reachable with a password login that still lacks its second factor."""
    view.wijkaanpak_otp_step = True
    return view


def has_confirmed_device(user) -> bool:
    """An authenticator app or recovery codes, confirmed through an enrolment link (R8)."""
    return any(True for _ in devices_for_user(user, confirmed=True))
