"""Markers for the deny-by-default middleware."""


def public(view):
    """Mark a view reachable without login (login page, health check)."""
    view.wijkaanpak_public = True
    return view


def otp_step(view):
    """Mark a view reachable with a password login that still lacks its second factor."""
    view.wijkaanpak_otp_step = True
    return view
