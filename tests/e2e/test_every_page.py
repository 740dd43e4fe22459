"""Every page of every demo role at 768 × 1024 (issue 9 item 4): no sideways scrolling, every
target at least 44 × 44 px, axe-core finds nothing serious or critical, no link leads to a 404.

The demo is loaded once for the module through `manage.py load_demo` (its builders, in the test
database) and served by one live server. Each role logs in through the login page and its
second factor, then walks the application by its own links from its start page: a crawl of
same-origin GET links (and GET forms with their current values), never logout, downloads or
POST forms, at most `PER_VIEW` pages per view and project, so that 300 risk addresses cost two
visits. New pages are found as later apps link to them; nothing here lists them.

axe-core comes from node_modules (npm, package-lock.json) and is injected into each page, which
the page's CSP forbids: the browser context is made with Playwright's `bypass_csp`.
"""

from __future__ import annotations

import re
import threading
import urllib.error
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from io import StringIO
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from django.core.management import call_command
from django.urls import Resolver404, resolve, reverse

import pytest

from projects.demo import DEMO_PASSWORD
from tests.e2e.conftest import TABLET, TOUCH, system_chromium
from tests.factories import otp_device_for, totp_now

# `django_db` makes pytest-django set up the test database; each test itself only reads through
# the browser (the live server commits nothing that a test rolls back).
pytestmark = [pytest.mark.e2e, pytest.mark.django_db]

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
# One login per kind of work (projects.navigation.Work): the demo's people and a deliverer.
LOGINS = (
    "projectleider",
    "analist",
    "leverancier_uwv",
    "inspecteur",
    "behandelaar",
    "adviseur",
    "privacy",
)
PER_VIEW = 2  # pages per view (URL name), project and role: two risk addresses, deliveries, …
MAX_PAGES = 250  # per role; reaching it fails the test (raise it, do not let pages go unseen)
WALKERS = 2  # logins walking at the same time, each in its own browser
SKIP = ("logout", "admin:")  # view names never visited (logging out; the admin's own pages)
SERIOUS = ("serious", "critical")

# One pass over the loaded page: its problems (short texts; none on a good page) and where it
# leads (its links, marked when they are downloads, and its GET forms as submitted).
PAGE_JS = """(touch) => {
  const problems = [];
  const root = document.documentElement;
  const width = root.clientWidth;
  if (root.scrollWidth > width) problems.push(`page is ${root.scrollWidth} px wide`);
  const label = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
    + (typeof el.className === 'string' && el.className.trim()
       ? '.' + el.className.trim().split(/\\s+/).join('.') : '')
    + ' "' + (el.innerText || el.value || el.getAttribute('aria-label') || '')
      .trim().slice(0, 40) + '"';
  const shown = (el) => {
    const r = el.getBoundingClientRect();
    return r.width > 1 && r.height > 1 && getComputedStyle(el).visibility !== 'hidden';
  };
  for (const el of document.querySelectorAll('body *')) {
    const s = getComputedStyle(el);
    if (['auto', 'scroll'].includes(s.overflowX) && el.scrollWidth > el.clientWidth + 1)
      problems.push(`${label(el)} scrolls sideways (${el.clientWidth} -> ${el.scrollWidth} px)`);
    else if (shown(el) && el.getBoundingClientRect().right > width + 1)
      problems.push(`${label(el)} sticks out to ${el.getBoundingClientRect().right} px`);
  }
  const targets = 'a[href], button, input:not([type=hidden]), select, textarea, summary, '
    + '[role=button], [tabindex]:not([tabindex="-1"])';
  for (const el of document.querySelectorAll(targets)) {
    if (!shown(el)) continue;
    const r = el.getBoundingClientRect();
    if (r.width < touch - 0.5 || r.height < touch - 0.5)
      problems.push(`${label(el)} is ${Math.round(r.width)} x ${Math.round(r.height)} px`);
  }
  const links = Array.from(document.querySelectorAll('a[href]'))
    .map(a => ({href: a.href, download: a.hasAttribute('download')}));
  for (const form of document.querySelectorAll('form')) {
    if ((form.getAttribute('method') || 'get').toLowerCase() !== 'get') continue;
    const url = new URL(form.action || location.href);
    url.search = new URLSearchParams(new FormData(form)).toString();
    links.push({href: url.href, download: false});
  }
  // The kinds of element on the page (tag, classes, role, ARIA attributes): two pages of one
  // view with the same kinds look alike to axe, which then checks only the first.
  const kinds = new Set();
  for (const el of document.querySelectorAll('body *')) {
    const aria = Array.from(el.attributes).map(a => a.name).filter(n => n.startsWith('aria-'));
    kinds.add([el.tagName, el.getAttribute('class') || '', el.getAttribute('role') || '',
               ...aria.sort()].join(' '));
  }
  return {problems, links, kinds: Array.from(kinds).sort().join('|')};
}"""
# htmx requests started and not yet settled (a panel the page loads after itself, hx-trigger=
# "load"): the checks wait for 0, so they see the page as it ends up.
HTMX_PENDING_JS = """window.wkHtmxPending = 0;
document.addEventListener('htmx:beforeRequest', () => { window.wkHtmxPending += 1; });
for (const done of ['htmx:afterSettle', 'htmx:responseError', 'htmx:sendError'])
  document.addEventListener(done, () => { window.wkHtmxPending -= 1; });"""
AXE_JS = """async (impacts) => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations.filter(v => impacts.includes(v.impact)).map(v =>
    `${v.id} (${v.impact}): ` + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', '));
}"""


@dataclass
class Walk:
    """What one role's crawl saw: pages visited and their problems, links checked."""

    login: str
    start: str = ""
    pages: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    links_checked: int = 0
    axe_runs: int = 0


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo in the test database, committed (the live server reads it from other
    threads), each demo login with a TOTP device; emptied again after the module."""
    from partners.models import User

    with django_db_blocker.unblock():
        call_command("load_demo", stdout=StringIO())
        devices = {name: otp_device_for(User.objects.get(username=name)) for name in LOGINS}
        try:
            yield devices
        finally:
            call_command("flush", interactive=False, verbosity=0)


@pytest.fixture(scope="module")
def server(demo, django_db_blocker):
    from pytest_django.live_server_helper import LiveServer

    with django_db_blocker.unblock():
        live = LiveServer("localhost")
        live._live_server_modified_settings.enable()
        try:
            yield live
        finally:
            live._live_server_modified_settings.disable()
            live.stop()


@pytest.fixture(scope="module")
def walks(server, demo) -> dict[str, Walk]:
    """Every login's walk, `WALKERS` at a time (each in its own browser, one live server)."""
    axe_checked: set = set()
    lock = threading.Lock()

    def walk_as(login: str) -> Walk:
        with system_chromium() as chromium:
            context = chromium.new_context(viewport=TABLET, bypass_csp=True, locale="nl-NL")
            try:
                return walk(context, server, login, demo[login], axe_checked, lock)
            finally:
                context.close()

    with ThreadPoolExecutor(max_workers=WALKERS) as pool:
        return dict(zip(LOGINS, pool.map(walk_as, LOGINS), strict=True))


def _view_name(url: str) -> str | None:
    return _view_and_project(url)[0]


def _view_and_project(url: str) -> tuple[str | None, str | None]:
    """The URL's view name and the project (slug) it is about, if any."""
    try:
        match = resolve(urlsplit(url).path)
    except Resolver404:
        return None, None
    return match.view_name, match.kwargs.get("slug")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a redirect is an answer of its own (HTTPError with its 3xx status)


def _check_links(links: list[str], cookies: list[dict]) -> list[tuple[str, int, bool]]:
    """(link, status, is an HTML page) for each link, as the logged-in browser would get it;
    four at a time (the live server is threaded)."""
    header = "; ".join(f"{cookie['name']}={cookie['value']}" for cookie in cookies)
    opener = urllib.request.build_opener(_NoRedirect)

    def get(link: str) -> tuple[str, int, bool]:
        request = urllib.request.Request(link, headers={"Cookie": header})
        try:
            with opener.open(request, timeout=60) as reply:
                status, headers = reply.status, reply.headers
        except urllib.error.HTTPError as error:
            status, headers = error.code, error.headers
        html = headers.get("Content-Type", "").startswith("text/html")
        return link, status, html and "attachment" not in headers.get("Content-Disposition", "")

    with ThreadPoolExecutor(max_workers=4) as pool:
        return list(pool.map(get, links))


def check_page(page, *, view: str, where: str, seen: Walk, axe_checked: set, lock) -> dict:
    """The layout checks on the loaded page, and axe unless a page of this view with the same
    kinds of element was checked already; returns what PAGE_JS found."""
    page.wait_for_function("() => window.wkHtmxPending === 0")  # panels loaded by htmx
    found = page.evaluate(PAGE_JS, TOUCH)
    seen.problems += [f"{where}: {problem}" for problem in found["problems"]]
    with lock:
        first_of_its_kind = (view, found["kinds"]) not in axe_checked
        axe_checked.add((view, found["kinds"]))
    if first_of_its_kind:
        seen.axe_runs += 1
        page.add_script_tag(content=AXE.read_text())
        seen.problems += [f"{where}: axe {v}" for v in page.evaluate(AXE_JS, list(SERIOUS))]
    return found


def walk(context, server, login: str, device, axe_checked: set, lock: threading.Lock) -> Walk:
    """Log in as `login` (checking the login pages too) and visit every page reachable by links
    from the start page.

    Every page gets the layout checks; axe runs on each page whose view and kinds of element
    (`PAGE_JS`) are not in `axe_checked` yet (shared by the roles: axe's verdict depends on
    the page's elements and styles, not on who looks)."""
    context.add_init_script(HTMX_PENDING_JS)
    page = context.new_page()
    page.set_default_timeout(15_000)
    seen = Walk(login=login)
    check = partial(check_page, page, seen=seen, axe_checked=axe_checked, lock=lock)
    page.goto(server.url + reverse("login"))
    check(view="login", where=f"{login} {reverse('login')}")
    page.fill("#id_username", login)
    page.fill("#id_password", DEMO_PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_url(server.url + reverse("otp-verify"))
    check(view="otp-verify", where=f"{login} {reverse('otp-verify')}")
    page.fill("#id_token", totp_now(device))
    page.click("main form.wk-form button[type=submit]")
    page.wait_for_url(server.url + reverse("projects:start"))
    seen.start = page.url
    queue, queued = [page.url], {page.url}
    per_view: Counter[tuple[str, str | None]] = Counter()
    while queue:
        url = queue.pop(0)
        view, slug = _view_and_project(url)
        if view is None or view.startswith(SKIP) or per_view[view, slug] >= PER_VIEW:
            continue
        per_view[view, slug] += 1
        assert len(seen.pages) < MAX_PAGES, f"{login}: more than {MAX_PAGES} pages"
        response = page.goto(url)
        seen.pages.append(url)
        query = urlsplit(url).query
        where = f"{login} {urlsplit(url).path}{'?' + query if query else ''}"
        if response.status != 200:
            seen.problems.append(f"{where}: status {response.status}")
            continue
        found = check(view=view, where=where)
        new, downloads = [], set()
        for found_link in found["links"]:
            link = urljoin(url, found_link["href"]).split("#", 1)[0]
            if urlsplit(link).netloc == urlsplit(server.url).netloc and link not in queued:
                queued.add(link)
                if _view_name(link) != "logout":
                    new.append(link)
                if found_link["download"]:
                    downloads.add(link)
        # Every link is checked, also those the walk will not open (downloads, more pages of a
        # view than PER_VIEW): none may lead to a 404 or an error.
        for link, status, html in _check_links(new, context.cookies()):
            seen.links_checked += 1
            if status >= 400:
                seen.problems.append(f"{where}: link {urlsplit(link).path} answers {status}")
            elif status == 200 and html and link not in downloads:
                queue.append(link)
    page.close()
    return seen


@pytest.mark.parametrize("login", LOGINS)
def test_every_page_fits_768_with_44px_targets_and_no_serious_axe_violation(walks, login):
    seen = walks[login]
    print(f"{login}: {len(seen.pages)} pages, axe on {seen.axe_runs}, {seen.links_checked} links")
    assert seen.problems == []
    # The walk reached the pages of this kind of work from its start page, not just the start.
    views = {_view_name(url) for url in seen.pages}
    assert EXPECTED_VIEWS[login] <= views, sorted(EXPECTED_VIEWS[login] - views)
    assert {"privacy", "accessibility", "contact"} <= views  # the footer, on every page


# What each role must at least reach by following links (a guard against a crawl that stops at
# its start page; the walk finds more than this by itself).
EXPECTED_VIEWS = {
    # The functionaris gegevensbescherming (privacy.demo): inzage, bezwaar, the log.
    "privacy": {
        "projects:start",
        "projects:detail",
        "privacy:inzage",
        "privacy:inzage-detail",
        "privacy:log",
    },
    "projectleider": {
        "projects:start",
        "projects:detail",
        "projects:dpia",
        "datasharing:request-list",
        "datasharing:delivery-detail",
        "matching:risks",
        "matching:risk",
        "matching:proposals",
        "matching:selection",
        "matching:reidentify",
        "matching:reidentification",  # the demo's own re-identification, again (issue 9.2)
        "matching:proposal-record",  # why this address? (issue 11 item 7)
        "matching:selection-close",  # the confirmation steps (issue 9 item 6)
        "datasharing:request-withdraw",
        "matching:settings",
        "projects:project_roles",
        "controls:evenings",
        "controls:evening",
        "controls:evening-create",
        "controls:evening-update",
        "controls:evening-addresses",
        "controls:visit",
        "controls:categories",
        "controls:category",
    },
    "analist": {
        "projects:start",
        "datasharing:request-list",
        "datasharing:delivery-detail",
        "matching:risks",
        "matching:risk",
        "matching:proposals",
    },
    "leverancier_uwv": {"projects:start", "datasharing:delivery-upload"},
    "inspecteur": {
        "projects:start",
        "matching:selection",
        "matching:reidentify",
        "controls:evening",  # a later evening, from the start page
        "controls:route",  # tonight's route (the tablet), from the start page
        "controls:tonight",  # 'Vanavond' in the project menu
    },
    "behandelaar": {"projects:start", "projects:detail"},
    "adviseur": {"projects:start", "projects:detail", "matching:method"},
}


def test_walk_reports_what_a_bad_page_shows(server):
    """The checks can fail: a page made too wide, with a small button and white on light
    green, gives each of the three problems."""
    with system_chromium() as chromium:
        context = chromium.new_context(viewport=TABLET, bypass_csp=True)
        page = context.new_page()
        page.goto(server.url + "/privacyverklaring/")
        page.evaluate(
            """() => { const b = document.createElement('button'); b.textContent = 'x';
                       b.style.cssText = 'width:20px;height:20px;padding:0;'
                                         + 'min-width:0;min-height:0';
                       document.querySelector('main').append(b);
                       const w = document.createElement('p'); w.textContent = 'Geldig';
                       w.style.cssText = 'width:900px;color:#fff;background:#80a659';
                       document.querySelector('main').append(w);
                       const box = document.createElement('div');
                       box.style.cssText = 'overflow-x:auto;width:100px';
                       box.innerHTML = '<div style="width:300px">breed</div>';
                       document.querySelector('main').append(box); }"""
        )
        problems = page.evaluate(PAGE_JS, TOUCH)["problems"]
        page.add_script_tag(content=AXE.read_text())
        violations = page.evaluate(AXE_JS, list(SERIOUS))
    assert any(re.search(r"page is \d+ px wide", problem) for problem in problems)
    assert any("is 20 x 20 px" in problem for problem in problems)
    assert any("scrolls sideways (100 -> 300 px)" in problem for problem in problems)
    assert any(violation.startswith("color-contrast (serious)") for violation in violations)
    assert _check_links([server.url + "/bestaat-niet/"], []) == [
        (server.url + "/bestaat-niet/", 404, True)
    ]
