"""`{% tablet_styles %}` and `{% tablet_script %}`: the tablet's reduced stylesheet and bundled
script inline, or linked when the service worker holds them (wijkaanpak.core.offline)."""

from __future__ import annotations

from typing import Any

from django import template
from django.conf import settings
from django.templatetags.static import static
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from wijkaanpak.core import offline
from wijkaanpak.core.offline import (
    OFFLINE_KIT_HEADER,
    OFFLINE_MODULE_IMPORTS,
    SITE_STYLESHEETS,
    TABLET_CSS,
    TABLET_JS,
    TABLET_SCRIPT_SOURCE,
    tablet_css,
    tablet_kit_revision,
)

register = template.Library()


def _worker_holds_kit(request: Any) -> bool:
    """The navigation was fetched by a service worker that precached this very kit."""
    kit = request.headers.get(OFFLINE_KIT_HEADER)
    return bool(kit) and kit == tablet_kit_revision()


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
    if _worker_holds_kit(request):
        # Fetched by the service worker, which holds this very file: no bytes over the link.
        return format_html('<link rel="stylesheet" href="{}">', static(TABLET_CSS))
    # The CSS is the build's own output (no user data; tablet_css refuses a closing tag).
    return format_html('<style nonce="{}">{}</style>', request.csp_nonce, mark_safe(css))  # noqa: S308  # nosec B308 B703


@register.simple_tag(takes_context=True)
def tablet_script(context: template.Context) -> SafeString:
    """The route page's script: the bundle inline under the request's CSP nonce; a link to
    it when the service worker that precached it asks; the source modules if not built."""
    script = offline.tablet_script()
    request: Any = context.get("request")
    worker = reverse("service-worker")
    if script is None or request is None:
        # The modules it imports, fetched at once instead of one after the other, by the plain
        # path the import asks for (the manifest storage does not rewrite imports).
        preloads = format_html_join(
            "\n  ",
            '<link rel="modulepreload" href="{}">',
            ((settings.STATIC_URL + m,) for m in OFFLINE_MODULE_IMPORTS),
        )
        return format_html(
            '{}\n  <script type="module" src="{}" data-service-worker="{}"></script>',
            preloads,
            static(TABLET_SCRIPT_SOURCE),
            worker,
        )
    if _worker_holds_kit(request):
        return format_html(
            '<script type="module" src="{}" data-service-worker="{}"></script>',
            static(TABLET_JS),
            worker,
        )
    # The build's own output (esbuild over our scripts and idb-keyval from the lockfile, no
    # user data; tablet_script refuses anything that could end the element early).
    return format_html(
        '<script type="module" nonce="{}" data-service-worker="{}">{}</script>',
        request.csp_nonce,
        worker,
        mark_safe(script),  # noqa: S308  # nosec B308 B703
    )
