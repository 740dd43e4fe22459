"""The tablet's offline kit, server side: the service worker's URL and the caching rule.

The browser side is static/js/offline-queue.js (the outbox; its docstring is the contract a
page follows) and static/js/sw.js (the service worker).

The caching rule (security R26)
-------------------------------
* Every response that is not a static file says ``Cache-Control: no-store`` (set for all
  views by ``wijkaanpak.core.middleware.NoStoreMiddleware``): neither the browser's cache
  nor the service worker keeps it. Nothing to opt into: that is the default.
* A view decorated with ``@offline_page`` answers ``Cache-Control: private, no-cache`` and
  ``X-Offline-Cache: route`` on a 200 instead. Only the inspector's route of tonight (and
  pages of tonight's visits of their own team, if those are separate pages) may carry it.
  The service worker keeps exactly the marked pages: network first, the kept copy only when
  the network fails or is slower than a few seconds. A page answered without the mark (the
  evening is over, the session has ended) is dropped from the device the next time it is
  fetched; a kept page older than one shift (``SESSION_ABSOLUTE_LIFETIME``) is never served.
  At logout the outbox's ``clearAll()`` removes every cache, the outbox and the worker.
* Logout answers ``Clear-Site-Data: "cache", "storage"`` (``clear_site_data``), so that the
  browser wipes the origin's storage even when the logout came from a page without the kit.
* Static files (``STATIC_URL``) are the tablet's assets: the worker precaches them when it
  installs.

The tablet's stylesheet (issue 11 item 5)
-----------------------------------------
The tablet's pages (templates/controls/tablet/) do not load the design system's ~600 kB of
stylesheets: ``make assets`` reduces the design tokens, the Utrecht component library and
css/wijkaanpak.css to the rules and custom properties those pages use (PurgeCSS with
purgecss.tablet.cjs, then lightningcss) into ``TABLET_CSS``, and ``{% tablet_styles %}``
(wijkaanpak.core.templatetags.tablet) writes it into the page's head as one ``<style>`` with
the request's CSP nonce: no render-blocking request on slow 3G. The worker precaches the same
file, and its navigations carry ``X-Offline-Kit: <the file's revision>``: to such a request
(the re-open on the street) the tag links the precached file instead, so the page's bytes
over the link are the HTML alone. Without the built file (assets from before this rule) the
tag links the three stylesheets as base.html does.

The tablet's script (issue 11 item 5)
-------------------------------------
The route page's three ES modules (js/tablet.js, js/offline-queue.js it imports, and
idb-keyval) would each pay slow 3G's latency after the page's head arrived. ``make assets``
bundles them with esbuild into one minified module, ``TABLET_JS``, and ``{% tablet_script %}``
writes it into the page as one ``<script type="module">`` with the request's CSP nonce (a
module script runs once the page is parsed, as the linked one did). To a navigation of the
worker that precached the kit (``X-Offline-Kit`` = ``tablet_kit_revision()``, one revision
for the stylesheet and the bundle) both tags link the precached files instead. Without the
built bundle the tag loads the source modules side by side (``modulepreload``). The source
modules stay precached: other pages (and the tests' kit page) import js/offline-queue.js.

The service worker's URL
------------------------
``GET /sw.js`` (URL name ``service-worker``) serves static/js/sw.js from the site root, so
that its scope covers the whole application (a worker under /static/ could only control
/static/ without a ``Service-Worker-Allowed`` header, which the static file server would have
to add). It prepends one generated line: the precache manifest (``OFFLINE_ASSETS`` by the URL
``{% static %}`` gives, ``OFFLINE_MODULE_IMPORTS`` by their plain path; a content hash as
revision, so that a changed asset changes the worker's bytes and the browser installs the new
worker) and the Workbox module path. The URL is public: the script holds no personal data,
and the browser's update check must not be redirected to the login page.
"""

from __future__ import annotations

import hashlib
import json
import re
from functools import lru_cache, wraps
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import HttpResponse
from django.templatetags.static import static
from django.views.decorators.http import require_GET

from .access import public

OFFLINE_CACHE_HEADER = "X-Offline-Cache"
OFFLINE_CACHE_ROUTE = "route"
OFFLINE_CACHE_CONTROL = "private, no-cache"
SERVICE_WORKER_SOURCE = "js/sw.js"
WORKBOX_PATH = "vendor/workbox/"
TABLET_CSS = "vendor/tablet/tablet.css"
TABLET_JS = "vendor/tablet/tablet.js"
# The bundle's entry point, loaded as a module when the bundle is not built.
TABLET_SCRIPT_SOURCE = "js/tablet.js"
# Sent by the service worker on the navigations it fetches, with the revision of the tablet's
# kit (stylesheet and script) it precached (see the module docstring).
OFFLINE_KIT_HEADER = "X-Offline-Kit"
# What every other page links (templates/base.html), and the tablet's fallback.
SITE_STYLESHEETS = (
    "vendor/design-tokens/index.css",
    "vendor/component-library-css/index.css",
    "css/wijkaanpak.css",
)
# What the tablet pages load through {% static %}; the worker precaches all of it. Add a
# page's own script here.
# The design system's stylesheets are not among them: the tablet's pages carry their CSS inline.
OFFLINE_ASSETS = (
    "vendor/htmx/htmx.min.js",
    "js/offline-queue.js",
    "js/tablet.js",
    "tablet.webmanifest",
    "img/wijkaanpak-icon.svg",
)
# What those scripts `import` by relative path: precached under the plain (unhashed) path,
# which is what the browser asks for (the manifest storage does not rewrite imports).
OFFLINE_MODULE_IMPORTS = ("vendor/idb-keyval/index.js", "js/offline-queue.js")
# What a logout answer tells the browser to wipe for this origin (security R26): the HTTP
# cache and every kind of storage (IndexedDB, Cache Storage, localStorage, service workers).
# The kit's clearAll() does the same from the page; this header also covers a logout from a
# page that did not load the kit. Cookies are left to the logout itself.
CLEAR_SITE_DATA = '"cache", "storage"'


def offline_page(view):
    """Mark a view's 200 answers as pages the tablet keeps offline (see the module docstring)."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if response.status_code == 200:
            response[OFFLINE_CACHE_HEADER] = OFFLINE_CACHE_ROUTE
        return response

    return wrapped


def offline_mark(response):
    """Mark one 200 answer as a page the tablet keeps offline (for a view that decides per
    request, e.g. only tonight's route of an evening that is still open)."""
    if response.status_code == 200:
        response[OFFLINE_CACHE_HEADER] = OFFLINE_CACHE_ROUTE
    return response


def clear_site_data(view):
    """Answer with `Clear-Site-Data` (see CLEAR_SITE_DATA): for the logout view."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if request.method == "POST":
            response["Clear-Site-Data"] = CLEAR_SITE_DATA
        return response

    return wrapped


def is_offline_page(response) -> bool:
    return response.get(OFFLINE_CACHE_HEADER) == OFFLINE_CACHE_ROUTE


@public
@require_GET
def service_worker(request):
    """The service worker script, with its generated configuration line."""
    response = HttpResponse(_service_worker_source(), content_type="text/javascript")
    response["Service-Worker-Allowed"] = "/"
    return response


def _service_worker_source() -> str:
    if settings.DEBUG:  # assets change while developing; in production they do not
        _service_worker_cached.cache_clear()
    return _service_worker_cached()


@lru_cache(maxsize=1)
def _service_worker_cached() -> str:
    config = {
        "precache": _precache_manifest(),
        "workboxSw": static(WORKBOX_PATH + "workbox-sw.js"),
        "workboxPath": settings.STATIC_URL + WORKBOX_PATH,
        "header": OFFLINE_CACHE_HEADER,
        "mark": OFFLINE_CACHE_ROUTE,
        "maxAgeSeconds": settings.SESSION_ABSOLUTE_LIFETIME,
        "kitHeader": OFFLINE_KIT_HEADER,
        "kit": tablet_kit_revision(),
    }
    source = _static_path(SERVICE_WORKER_SOURCE).read_text(encoding="utf-8")
    return f"self.WIJKAANPAK_OFFLINE = {json.dumps(config)};\n{source}"


def _precache_manifest() -> list[dict[str, str]]:
    urls = [(static(asset), asset) for asset in OFFLINE_ASSETS]
    if tablet_css() is not None:
        urls.append((static(TABLET_CSS), TABLET_CSS))
    if tablet_script() is not None:
        urls.append((static(TABLET_JS), TABLET_JS))
    urls += [(settings.STATIC_URL + asset, asset) for asset in OFFLINE_MODULE_IMPORTS]
    # Once per URL: without hashed names (DEBUG, tests) a page's script and a module import
    # are the same URL, which Workbox refuses twice.
    unique = dict(urls)
    return [{"url": url, "revision": _revision(asset)} for url, asset in unique.items()]


def _revision(asset: str) -> str:
    return hashlib.sha256(_static_path(asset).read_bytes()).hexdigest()[:16]


def tablet_kit_revision() -> str | None:
    """One revision for what the worker precached of the tablet's kit (the stylesheet and,
    when built, the script), or None when the stylesheet is not built. Asked by both tags of
    every route page: hashed once per process, like the files it hashes are read once."""
    if settings.DEBUG:
        _tablet_kit_revision_cached.cache_clear()
    return _tablet_kit_revision_cached()


@lru_cache(maxsize=1)
def _tablet_kit_revision_cached() -> str | None:
    if tablet_css() is None:
        return None
    if tablet_script() is None:
        return _revision(TABLET_CSS)
    both = f"{_revision(TABLET_CSS)}:{_revision(TABLET_JS)}"
    return hashlib.sha256(both.encode()).hexdigest()[:16]


def tablet_css() -> str | None:
    """The tablet's reduced stylesheet (see the module docstring), or None when not built."""
    if settings.DEBUG:
        _tablet_css_cached.cache_clear()
    return _tablet_css_cached()


@lru_cache(maxsize=1)
def _tablet_css_cached() -> str | None:
    try:
        css = _static_path(TABLET_CSS).read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    # Our own build output, never user data; a closing tag inside it would end the element.
    return None if "</" in css else css


def tablet_script() -> str | None:
    """The tablet's bundled script (see the module docstring), or None when not built."""
    if settings.DEBUG:
        _tablet_script_cached.cache_clear()
    return _tablet_script_cached()


# What would end a <script> element early or change how the browser reads its text.
_SCRIPT_BREAKERS = re.compile(r"</script|<!--|<script", re.IGNORECASE)


@lru_cache(maxsize=1)
def _tablet_script_cached() -> str | None:
    try:
        script = _static_path(TABLET_JS).read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    # Our own build output, never user data; refused if it could end the element it sits in.
    return None if _SCRIPT_BREAKERS.search(script) else script


def _static_path(asset: str) -> Path:
    found = finders.find(asset)
    if not found:
        raise FileNotFoundError(f"static asset {asset} is missing (run `make assets`)")
    return Path(found if isinstance(found, str) else found[0])
