"""`{% tablet_styles %}`: the tablet's reduced stylesheet inline (wijkaanpak.core.offline)."""

from __future__ import annotations

from typing import Any

from django import template
from django.templatetags.static import static
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from wijkaanpak.core.offline import (
    OFFLINE_KIT_HEADER,
    SITE_STYLESHEETS,
    TABLET_CSS,
    tablet_css,
    tablet_css_revision,
)

register = template.Library()


@register.simple_tag(takes_context=True)
def tablet_styles(context: template.Context) -> SafeString:
    """One `<style>` with the request's CSP nonce; a link to the same file when the service
    worker that precached it asks (X-Offline-Kit); the site's stylesheets if not built."""
    css = tablet_css()
    request: Any = context.get("request")
    if css is None or request is None:
        return format_html_join(
            "\n  ", '<link rel="stylesheet" href="{}">', ((static(s),) for s in SITE_STYLESHEETS)
        )
    kit = request.headers.get(OFFLINE_KIT_HEADER)
    if kit and kit == tablet_css_revision():
        # Fetched by the service worker, which holds this very file: no bytes over the link.
        return format_html('<link rel="stylesheet" href="{}">', static(TABLET_CSS))
    # The CSS is the build's own output (no user data; tablet_css refuses a closing tag).
    return format_html('<style nonce="{}">{}</style>', request.csp_nonce, mark_safe(css))  # noqa: S308  # nosec B308 B703
