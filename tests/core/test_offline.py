"""The offline kit's server side (wijkaanpak.core.offline): the service worker's URL and its
generated manifest, and the caching rule (no-store, except pages marked for offline use)."""

import hashlib
import json

from django.contrib.staticfiles import finders
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse

import pytest

from wijkaanpak.core import offline

pytestmark = pytest.mark.django_db


def test_service_worker_is_served_from_the_root_with_its_manifest(client):
    response = client.get(reverse("service-worker"))  # anonymous: the script is public

    assert reverse("service-worker") == "/sw.js"
    assert response.status_code == 200
    assert response["Content-Type"] == "text/javascript"
    assert response["Service-Worker-Allowed"] == "/"
    assert "no-store" in response["Cache-Control"]
    first_line, source = response.content.decode().split("\n", 1)
    assert first_line.startswith("self.WIJKAANPAK_OFFLINE = ") and first_line.endswith(";")
    config = json.loads(first_line.removeprefix("self.WIJKAANPAK_OFFLINE = ").rstrip(";"))
    with open(finders.find("js/sw.js"), encoding="utf-8") as handle:
        assert source == handle.read()

    assert config["workboxSw"] == "/static/vendor/workbox/workbox-sw.js"
    assert config["workboxPath"] == "/static/vendor/workbox/"
    assert (config["header"], config["mark"]) == ("X-Offline-Cache", "route")
    assert config["maxAgeSeconds"] == 12 * 60 * 60
    revisions = {entry["url"]: entry["revision"] for entry in config["precache"]}
    # The tablet's stylesheet too (built by `make assets`), whose revision the worker sends with
    # its navigations (X-Offline-Kit) so that the server links it instead of inlining it.
    assets = offline.OFFLINE_ASSETS + offline.OFFLINE_MODULE_IMPORTS
    assets += (offline.TABLET_CSS, offline.TABLET_JS)
    assert config["kitHeader"] == "X-Offline-Kit"
    assert "vendor/idb-keyval/index.js" in assets and "js/offline-queue.js" in assets
    # Each URL once (a page's script can also be a module's import: js/offline-queue.js).
    assert len(revisions) == len(config["precache"])
    assert sorted(revisions) == sorted({f"/static/{asset}" for asset in assets})
    for asset in assets:
        with open(finders.find(asset), "rb") as handle:
            digest = hashlib.sha256(handle.read()).hexdigest()[:16]
        assert revisions[f"/static/{asset}"] == digest
    # One revision for the kit: it changes when either file does.
    css, js = (revisions[f"/static/{asset}"] for asset in (offline.TABLET_CSS, offline.TABLET_JS))
    both = f"{css}:{js}"
    assert config["kit"] == hashlib.sha256(both.encode()).hexdigest()[:16]
    # Workbox's modules are local: the worker never asks a CDN.
    for module in ("workbox-core", "workbox-routing", "workbox-strategies", "workbox-precaching"):
        assert finders.find(f"vendor/workbox/{module}.prod.js")

    assert client.post(reverse("service-worker")).status_code == 405


@pytest.mark.urls("tests.e2e.offline_urls")
def test_marked_pages_may_be_kept_everything_else_is_no_store(client):
    marked = client.get("/test-offline/route/")
    assert marked.status_code == 200
    assert marked["X-Offline-Cache"] == "route"
    assert marked["Cache-Control"] == "private, no-cache"

    unmarked = client.post("/test-offline/bevindingen/", data="{}", content_type="application/json")
    assert not unmarked.has_header("X-Offline-Cache")
    assert "no-store" in unmarked["Cache-Control"]


def test_only_successful_answers_are_marked():
    request = RequestFactory().get("/")
    found = offline.offline_page(lambda request: HttpResponse("route"))(request)
    missing = offline.offline_page(lambda request: HttpResponse(status=404))(request)
    moved = offline.offline_page(lambda request: HttpResponse(status=302))(request)

    assert offline.is_offline_page(found)
    assert not offline.is_offline_page(missing)
    assert not offline.is_offline_page(moved)


@pytest.mark.parametrize(
    "text", ["a='</script>';", "a='</SCRIPT ';", "a='<!--';", "a='<script>';", "ok();"]
)
def test_a_bundled_script_that_could_end_its_element_is_never_inlined(tmp_path, monkeypatch, text):
    """The route page writes the bundle into a <script> (issue 11 item 5): a text that could
    close the element or change how the browser reads it is refused, so the page links it."""
    bundle = tmp_path / "tablet.js"
    bundle.write_text(text, encoding="utf-8")
    monkeypatch.setattr(offline, "_static_path", lambda asset: bundle)
    offline._tablet_script_cached.cache_clear()
    try:
        assert offline.tablet_script() == (text if text == "ok();" else None)
    finally:
        offline._tablet_script_cached.cache_clear()


def test_without_the_built_bundle_the_route_loads_the_source_modules_side_by_side(monkeypatch):
    from django.template import Context, Template

    monkeypatch.setattr(offline, "tablet_script", lambda: None)
    request = RequestFactory().get("/")
    html = Template("{% load tablet %}{% tablet_script %}").render(Context({"request": request}))
    assert html.count('rel="modulepreload"') == 2
    assert '<link rel="modulepreload" href="/static/js/offline-queue.js">' in html
    assert '<script type="module" src="/static/js/tablet.js" data-service-worker="/sw.js">' in html
    assert "nonce" not in html
