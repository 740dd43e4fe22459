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


def token_api(view_class):
    """Mark a REST API view class that authenticates by client token itself (issue 14): the
    deny-by-default middleware leaves it to the view, which refuses (401) without a valid
    token and never accepts a session."""
    view_class.wijkaanpak_token_api = True
    return view_class


def has_confirmed_device(user) -> bool:
    """An authenticator app or recovery codes, confirmed through an enrolment link (R8)."""
    return any(True for _ in devices_for_user(user, confirmed=True))
