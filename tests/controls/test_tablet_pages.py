"""The inspector's tablet pages (issue 11 items 3, 4 and 6): tonight's evenings, the route
with whole addresses in walking order, the forms without JavaScript, what the device may keep.
"""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

import pytest

from controls.models import Finding, Visit
from tests.factories import log_subject
from wijkaanpak.core.models import ProcessingLogEntry

pytestmark = pytest.mark.django_db


def _route_url(evening):
    return reverse("controls:route", kwargs={"slug": evening.project.slug, "pk": evening.pk})


def _team_visits(evening, person):
    return list(
        Visit.objects.filter(evening=evening, team__members__person=person).order_by(
            "route_position", "pk"
        )
    )


def _last_log_id():
    return ProcessingLogEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0


def test_route_shows_the_own_teams_visits_in_order_with_whole_addresses(
    verified_client, evening, inspectors
):
    from datasharing.pseudonymisation import RealAddress, vault_lookup

    inspector = inspectors["politie"]  # alone in team 2
    own = _team_visits(evening, inspector)
    others = [v for v in Visit.objects.filter(evening=evening) if v not in own]
    assert own and others
    client = verified_client(inspector)
    before = _last_log_id()

    response = client.get(_route_url(evening))

    assert response.status_code == 200
    html = response.content.decode()
    positions = [html.index(f'id="bezoek-{visit.pk}"') for visit in own]
    assert positions == sorted(positions)  # walking order
    for visit in others:
        assert f'id="bezoek-{visit.pk}"' not in html
    for visit in own:
        address = RealAddress.from_vault(
            vault_lookup(project=visit.project, address_key=visit.address_key)
        )
        assert address.postcode_display in html
        assert address.number_display in html
        if address.straatnaam:
            assert address.straatnaam in html
    # One processing-log record per address shown (R21), none for the other team's.
    entries = list(ProcessingLogEntry.objects.filter(id__gt=before))
    assert sorted(log_subject(e) for e in entries) == sorted(v.address_key for v in own)
    assert {e.actor_id for e in entries} == {inspector.pk}
    # Tonight's route of an inspector is kept on the device; its forms go to the outbox.
    assert response["X-Offline-Cache"] == "route"
    assert response["Cache-Control"] == "private, no-cache"
    assert html.count("data-outbox-url=") == 2 * len(own)
    assert 'rel="manifest"' in html and 'data-service-worker="/sw.js"' in html
    # The icon is in the page (no favicon round trip on slow 3G); the manifest links the file.
    assert '<link rel="icon" href="data:image/svg+xml,' in html
    assert "data-outbox-count" in html


def test_only_tonights_route_of_an_inspector_is_kept(
    verified_client, evening, inspectors, projectleider_a, approved
):
    # The projectleider sees every visit but the page is not kept on a device.
    response = verified_client(projectleider_a).get(_route_url(evening))
    assert response.status_code == 200
    assert "X-Offline-Cache" not in response
    assert response["Cache-Control"].startswith("no-store")
    assert (
        response.content.decode().count('class="wk-visit"')
        == Visit.objects.filter(evening=evening).count()
    )
    # Another day's evening of the same inspector: shown, not kept.
    from tests.controls.conftest import plan_evening

    later = plan_evening(
        project=evening.project,
        actor=projectleider_a,
        proposals=approved[:1],
        teams=[[inspectors["uwv"]]],
        starts_at=timezone.now() + timedelta(days=3),
    )
    response = verified_client(inspectors["uwv"]).get(_route_url(later))
    assert response.status_code == 200
    assert "X-Offline-Cache" not in response
    assert "niet van vanavond" in response.content.decode()


def test_an_inspector_outside_the_evening_or_the_team_gets_404(
    verified_client, evening, inspectors
):
    client = verified_client(inspectors["other"])  # inspector of the project, in no team
    assert client.get(_route_url(evening)).status_code == 404
    # An inspector of the other team on the same evening: the visit's forms are 404.
    client = verified_client(inspectors["politie"])
    foreign = _team_visits(evening, inspectors["uwv"])[0]
    url = reverse("controls:visit-finding", kwargs={"slug": foreign.project.slug, "pk": foreign.pk})
    data = {"category": "brandgevaar", "description": "Rook", "client_id": str(uuid.uuid4())}
    assert client.post(url, data).status_code == 404
    assert not Finding.objects.filter(visit=foreign).exists()


def test_forms_work_without_javascript(verified_client, evening, inspectors):
    inspector = inspectors["uwv"]
    visit = _team_visits(evening, inspector)[0]
    client = verified_client(inspector)
    kwargs = {"slug": visit.project.slug, "pk": visit.pk}
    route = _route_url(evening)

    # The page's own form, as drawn: its version, and the page's one key (the same in every
    # form: no random value per form over slow 3G), from which each form's key derives.
    html = client.get(route).content.decode()
    keys = re.findall(r'name="page_key" value="([0-9a-f-]{36})"', html)
    assert len(keys) == 2 * len(_team_visits(evening, inspector)) and len(set(keys)) == 1
    assert 'name="client_id"' not in html
    page_key = keys[0]
    drawn = re.search(
        rf'data-visit="{visit.pk}" data-kind="result">.*?name="version" value="(\d+)"', html, re.S
    )
    assert drawn and drawn.group(1) == str(visit.version)
    data = {
        "result": "toegang_geweigerd",
        "residents_found": "",
        "notes": "Deur niet open gedaan",
        "version": visit.version,
        "page_key": page_key,
    }
    result_url = reverse("controls:visit-result", kwargs=kwargs)
    response = client.post(result_url, data)
    assert response.status_code == 302
    assert response.url == f"{route}#bezoek-{visit.pk}"
    visit.refresh_from_db()
    assert (visit.result, visit.notes) == ("toegang_geweigerd", "Deur niet open gedaan")
    assert visit.result_client_id == uuid.uuid5(uuid.UUID(page_key), f"result:{visit.pk}")
    # The same form sent twice (a double tap): stored once, and said so.
    again = client.post(result_url, data, follow=True)
    assert "al opgeslagen" in again.content.decode()
    visit.refresh_from_db()
    assert visit.version == 2
    # A form without any key (not drawn by this application): refused, nothing stored.
    keyless = {k: v for k, v in data.items() if k != "page_key"}
    refused = client.post(result_url, {**keyless, "version": visit.version})
    assert refused.status_code == 400 and "niet compleet" in refused.content.decode()
    visit.refresh_from_db()
    assert visit.version == 2
    # The finding forms of the same page: one key per visit and kind, so two findings at two
    # visits from one page are two findings.
    other = _team_visits(evening, inspector)[1]
    for target in (visit, other):
        url = reverse(
            "controls:visit-finding", kwargs={"slug": target.project.slug, "pk": target.pk}
        )
        sent = {"category": "brandgevaar", "description": "Rookmelder", "page_key": page_key}
        assert client.post(url, sent).status_code == 302
        assert client.post(url, sent).status_code == 302  # a double tap
    assert Finding.objects.filter(description="Rookmelder").count() == 2
    assert Finding.objects.get(visit=visit, description="Rookmelder").client_id == uuid.uuid5(
        uuid.UUID(page_key), f"finding:{visit.pk}"
    )

    # The stale form of a second writer: 409, both versions shown, a fresh key to choose mine.
    stale = {**data, "result": "aangetroffen", "client_id": str(uuid.uuid4())}
    conflict = client.post(result_url, stale)
    assert conflict.status_code == 409
    page = conflict.content.decode()
    assert "Twee versies" in page and "Toegang geweigerd" in page
    assert f'value="{visit.version}"' in page and stale["client_id"] not in page

    # A finding; an empty description is refused beside its field (400).
    finding_url = reverse("controls:visit-finding", kwargs=kwargs)
    refused = client.post(
        finding_url, {"category": "brandgevaar", "description": "", "client_id": str(uuid.uuid4())}
    )
    assert refused.status_code == 400
    assert "utrecht-form-field-error-message" in refused.content.decode()
    key = uuid.uuid4()
    stored = client.post(
        finding_url, {"category": "brandgevaar", "description": "Gasfles", "client_id": str(key)}
    )
    assert stored.status_code == 302
    assert Finding.objects.get(client_id=key).category.code == "brandgevaar"
    assert "Gasfles" in client.get(route).content.decode()
    # GET of a form endpoint: not a page (405).
    assert client.get(finding_url).status_code == 405


def test_tonight_lists_only_tonights_evenings_of_the_inspector(
    verified_client, evening, inspectors
):
    project = evening.project
    url = reverse("controls:tonight", kwargs={"slug": project.slug})
    html = verified_client(inspectors["uwv"]).get(url).content.decode()
    assert _route_url(evening) in html
    html = verified_client(inspectors["other"]).get(url).content.decode()
    assert _route_url(evening) not in html
    assert "geen controleavond" in html


def test_start_page_and_menu_lead_the_inspector_to_tonights_route(
    verified_client, evening, inspectors
):
    client = verified_client(inspectors["uwv"])
    start = client.get(reverse("projects:start")).content.decode()
    assert _route_url(evening) in start
    detail = client.get(reverse("projects:detail", kwargs={"slug": evening.project.slug}))
    assert reverse("controls:tonight", kwargs={"slug": evening.project.slug}) in (
        detail.content.decode()
    )


def test_logout_tells_the_browser_to_clear_the_site(verified_client, inspectors):
    client = verified_client(inspectors["uwv"])
    response = client.post(reverse("logout"))
    assert response["Clear-Site-Data"] == '"cache", "storage"'


def test_tablet_pages_carry_their_reduced_stylesheet_inline_under_the_csp_nonce(
    verified_client, evening, inspectors, projectleider_a
):
    """Issue 11 item 5: no render-blocking stylesheet on the tablet's pages; the inline
    stylesheet is allowed by this response's nonce only ('unsafe-inline' never)."""
    from wijkaanpak.core.offline import (
        SITE_STYLESHEETS,
        TABLET_CSS,
        TABLET_JS,
        tablet_css,
        tablet_kit_revision,
        tablet_script,
    )

    css = tablet_css()
    assert css, "static/vendor/tablet/tablet.css is missing: run `make assets`"
    assert len(css.encode()) < 80_000  # the full stylesheets are ~600 kB
    assert ".wk-visit" in css and ".utrecht-button--primary-action" in css
    client = verified_client(inspectors["uwv"])
    route, tonight = _route_url(evening), reverse("controls:tonight", args=[evening.project.slug])
    for url in (route, tonight):
        response = client.get(url)
        html = response.content.decode()
        [nonce] = re.findall(r'<style nonce="([^"]+)">', html)
        policy = response["Content-Security-Policy"]
        style_src = next(p for p in policy.split(";") if p.strip().startswith("style-src"))
        assert f"'nonce-{nonce}'" in style_src and "unsafe-inline" not in policy
        assert 'rel="stylesheet"' not in html
        assert not any(sheet in html for sheet in SITE_STYLESHEETS)
        # The route's script is inline too, under the same response's nonce: no request for
        # a module on the first open; tonight's page has no script.
        scripts = re.findall(r"<script\b[^>]*>", html)
        if url == route:
            [tag] = scripts
            script_src = next(p for p in policy.split(";") if p.strip().startswith("script-src"))
            assert f'nonce="{nonce}"' in tag and f"'nonce-{nonce}'" in script_src
            assert 'type="module"' in tag and "src=" not in tag
            assert 'data-service-worker="/sw.js"' in tag
            assert tablet_script() in html and "modulepreload" not in html
        else:
            assert scripts == [] or all("src=" in tag for tag in scripts)
    # Fetched by a worker that precached this very kit: links to its files, nothing inline;
    # a worker with another revision gets both inline.
    revision = tablet_kit_revision()
    response = client.get(route, headers={"X-Offline-Kit": revision})
    html = response.content.decode()
    assert "<style" not in html and "nonce=" not in html
    assert "nonce-" not in response["Content-Security-Policy"]
    assert f'<link rel="stylesheet" href="/static/{TABLET_CSS}">' in html
    assert f'<script type="module" src="/static/{TABLET_JS}" data-service-worker="/sw.js">' in html
    html = client.get(route, headers={"X-Offline-Kit": "0" * 16}).content.decode()
    assert "<style nonce=" in html and TABLET_CSS not in html
    assert '<script type="module" nonce=' in html and TABLET_JS not in html
    # Every other page links the site's stylesheets and gets no nonce.
    response = verified_client(projectleider_a).get(reverse("projects:list"))
    assert "<style" not in response.content.decode()
    assert "nonce-" not in response["Content-Security-Policy"]
    assert all(sheet in response.content.decode() for sheet in SITE_STYLESHEETS)
