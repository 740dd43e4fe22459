"""The tablet's offline kit in a real browser (768 x 1024, the system Chromium): the service
worker keeps the marked page and its assets, the outbox keeps three submissions made offline
across a reload and sends each exactly once when the connection returns, a conflict and a
rejection end up where the page can show them, and after logout the browser's IndexedDB and
Cache Storage hold nothing of the page's content.

"Offline" is both Playwright's set_offline and an abort of every request, the service
worker's own included (Playwright issue 2311: set_offline alone may not cut those).
"""

import json

import pytest

from tests.e2e import offline_urls as server

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
    pytest.mark.urls("tests.e2e.offline_urls"),
]

ROUTE = "/test-offline/route/"
KIT = "/static/js/offline-queue.js"

EVENTS_JS = """() => {
    window.outboxEvents = [];
    for (const name of ['outbox:sent', 'outbox:conflict', 'outbox:rejected',
                        'outbox:auth-required']) {
        document.addEventListener(name, (event) => window.outboxEvents.push(
            {name, detail: JSON.parse(JSON.stringify(event.detail))}));
    }
}"""

# Everything the origin keeps in IndexedDB and Cache Storage, as text.
STORAGE_JS = """async () => {
    const found = {databases: [], records: [], caches: [], cached: []};
    for (const {name} of await indexedDB.databases()) {
        found.databases.push(name);
        const db = await new Promise((resolve, reject) => {
            const request = indexedDB.open(name);
            request.onsuccess = () => resolve(request.result);
            request.onerror = () => reject(request.error);
        });
        for (const storeName of db.objectStoreNames) {
            const rows = await new Promise((resolve) => {
                const request = db.transaction(storeName).objectStore(storeName).getAll();
                request.onsuccess = () => resolve(request.result);
            });
            found.records.push(...rows.map((row) => JSON.stringify(row)));
        }
        db.close();
    }
    for (const name of await caches.keys()) {
        found.caches.push(name);
        const cache = await caches.open(name);
        for (const request of await cache.keys()) {
            const response = await cache.match(request);
            found.cached.push(request.url + '\\n' + await response.text());
        }
    }
    return found;
}"""


def _go_offline(context):
    context.set_offline(True)
    context.route("**/*", lambda route: route.abort("internetdisconnected"))


def _go_online(context):
    context.unroute("**/*")
    context.set_offline(False)


def _submit(page, description):
    page.fill("#id_description", description)
    page.click("#bevinding button[type=submit]")


def _wait_offline_ready(page):
    page.wait_for_function("() => document.documentElement.dataset.offlineReady === 'true'")


def test_offline_outbox_sends_once_and_logout_leaves_nothing(live_server, browser_page):
    server.reset()
    page = browser_page
    context = page.context
    url = live_server.url + ROUTE

    # Online: the page loads, the worker installs, precaches the assets and keeps the page
    # (the server marked it). Its headers say so: private, no-cache plus the offline mark.
    response = page.goto(url)
    assert response.headers["x-offline-cache"] == "route"
    assert response.headers["cache-control"] == "private, no-cache"
    _wait_offline_ready(page)
    assert page.locator("#teller").is_hidden()

    # Offline: three findings, each stored at once; nothing reaches the server.
    _go_offline(context)
    for number in (1, 2, 3):
        _submit(page, f"Bevinding {number}")
        # The form is reset once the item is in IndexedDB: the next one is typed after that
        # (as a person would), so that the reset never clears the next description.
        page.wait_for_function(
            "n => document.querySelector('#teller').textContent === `nog niet verzonden (${n})`",
            arg=number,
        )
    page.wait_for_function(
        "() => document.querySelector('#teller').textContent === 'nog niet verzonden (3)'"
    )
    assert page.locator("#teller").is_visible()
    assert page.input_value("#id_description") == ""  # the form was handed over and reset

    # Reload while still offline: the page comes from the worker, the three are still there.
    views_before = len(server.page_views)
    page.reload()
    assert page.locator("#adres").inner_text() == server.ADDRESS
    page.wait_for_function(
        "() => document.querySelector('#teller').textContent === 'nog niet verzonden (3)'"
    )
    assert len(server.page_views) == views_before  # served from the device, not the server
    assert server.posts == {}

    # Online again: each is sent exactly once, the counter disappears.
    page.evaluate(EVENTS_JS)
    _go_online(context)
    page.wait_for_function("() => document.querySelector('#teller').hidden", timeout=20_000)
    assert sorted(resource["description"] for _, resource in server.stored.values()) == [
        "Bevinding 1",
        "Bevinding 2",
        "Bevinding 3",
    ]
    assert len(server.posts) == 3 and set(server.posts.values()) == {1}
    sent = page.evaluate("() => window.outboxEvents.filter((e) => e.name === 'outbox:sent')")
    assert sorted(event["detail"]["resource"]["key"] for event in sent) == sorted(server.stored)
    assert {event["detail"]["status"] for event in sent} == {201}

    # A stale version (409) and an invalid one (400) are kept aside where the page can show
    # them, with the server's answer; an ended session (a redirect) keeps the item pending.
    page.evaluate(
        """async (kit) => {
            const outbox = await import(kit);
            await outbox.enqueue({url: '/test-offline/bevindingen/',
                                  body: {description: 'Mijn versie', version: 1}});
            await outbox.enqueue({url: '/test-offline/bevindingen/',
                                  body: {description: '', version: 2}});
        }""",
        KIT,
    )
    page.wait_for_function("() => window.outboxEvents.length === 5")
    events = {
        event["name"]: event["detail"] for event in page.evaluate("() => window.outboxEvents")
    }
    conflict, rejected = events["outbox:conflict"], events["outbox:rejected"]
    assert conflict["status"] == 409
    assert conflict["answer"]["detail"] == server.VERSION_CONFLICT
    assert conflict["answer"]["current"]["version"] == server.VERSION
    assert conflict["item"]["body"] == {"description": "Mijn versie", "version": 1}
    assert rejected["status"] == 400
    assert rejected["message"] == server.MISSING_DESCRIPTION
    kept = page.evaluate(
        "async (kit) => { const o = await import(kit);"
        " return {conflict: await o.list('conflict'), rejected: await o.list('rejected')}; }",
        KIT,
    )
    assert [item["id"] for item in kept["conflict"]] == [conflict["item"]["id"]]
    assert [item["message"] for item in kept["rejected"]] == [server.MISSING_DESCRIPTION]
    assert page.locator("#teller").is_hidden()  # nothing pending: both wait for the person

    # The person chooses their own text on top of the current version: sent, stored once.
    page.evaluate(
        """async ([kit, id, version]) => {
            const outbox = await import(kit);
            await outbox.resubmit(id, {description: 'Mijn versie', version});
        }""",
        [KIT, conflict["item"]["id"], conflict["answer"]["current"]["version"]],
    )
    page.wait_for_function("() => window.outboxEvents.length === 6")
    assert "Mijn versie" in [resource["description"] for _, resource in server.stored.values()]
    assert len(server.stored) == 4 and set(server.posts.values()) == {1}

    page.evaluate(
        """async (kit) => {
            const outbox = await import(kit);
            await outbox.enqueue({url: '/test-offline/verlopen/', body: {description: 'x'}});
        }""",
        KIT,
    )
    page.wait_for_function("() => window.outboxEvents.length === 7")
    assert page.evaluate("() => window.outboxEvents[6].name") == "outbox:auth-required"
    assert page.locator("#teller").inner_text() == "nog niet verzonden (1)"

    # Logout: the kit asks before it wipes what is unsent, then clears and logs out.
    questions = []
    page.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.accept()))
    page.click("#uitloggen")
    page.wait_for_url("**/inloggen/**")
    assert questions == [
        "Er zijn nog 2 invoeren niet verzonden. Bij uitloggen worden ze van dit apparaat "
        "gewist. Toch uitloggen?"
    ]
    storage = page.evaluate(STORAGE_JS)
    assert storage["caches"] == [] and storage["cached"] == []
    assert storage["records"] == []
    dump = json.dumps(storage)
    for content in (server.ADDRESS, "Kontrolestraat", "Bevinding", "Mijn versie"):
        assert content not in dump
    workers = "() => navigator.serviceWorker.getRegistrations().then((r) => r.length)"
    assert page.evaluate(workers) == 0

    # The next evening: opening the route online makes it available offline again.
    page.goto(url)
    _wait_offline_ready(page)
    _go_offline(context)
    page.reload()
    assert page.locator("#adres").inner_text() == server.ADDRESS
