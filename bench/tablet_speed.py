"""Tablet speed on the street (issue 11 item 5): a 30-visit route page on an emulated slow-3G
link, and saving a finding offline.

    make bench-tablet      # = scripts/with-test-services.sh .venv/bin/python bench/tablet_speed.py

On the throwaway PostgreSQL of scripts/with-test-services.sh: `migrate`, `load_demo`, then,
through the services like real users, 30 risk addresses of the demo project approved under
four eyes and planned as tonight's evening of one team led by the demo `inspecteur` (OR-Tools
route, status voorbereid). The application runs in gunicorn (2 workers, test settings, DEBUG
off) with its static files served as in production (WhiteNoise, hashed names, precompressed;
bench/served_settings.py after a collectstatic into a temporary directory); the browser is
/usr/bin/chromium (headless, --no-sandbox --disable-background-networking) through Playwright
at 768 × 1024.

Slow 3G is CDP `Network.emulateNetworkConditions`: 400 ms latency, 400 kbit/s down and up
(WebPageTest's "3G Slow"; --latency / --kbps change it). The page's target gets it, and so does
the service worker's target (attached through the browser's CDP session), because on the
second open the page's navigation is fetched by the worker (network first) and Playwright's
page-level emulation does not reach it (playwright issue 2311, the same gap as set_offline).

Measured per open, `--runs` times (median and worst are printed):

* **first open** of the evening: empty browser, nothing cached, everything over slow 3G;
* **re-open** (the target: the inspector opened the route at the briefing; on the street the
  page is fetched again, its assets come from the worker's precache): the route page over
  slow 3G;
* FCP is the browser's `first-contentful-paint` entry; "interactive" is the moment the
  result form can be used: the outbox module has run (`[data-outbox-count]` refreshed, the
  form's submit is handled) — `performance.now()` when the page's script saw the first
  `outbox:change`, or the load event if later, whichever is later;
* **saving a finding offline**: with the network cut (set_offline plus an abort of every
  request), the time from the submit event to `outbox:queued` (stored in IndexedDB), for 10
  findings.

Prints a table and writes bench/out/tablet_speed.json.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["DJANGO_SETTINGS_MODULE"] = "wijkaanpak.settings.test"
os.environ.setdefault("LOG_LEVEL", "WARNING")
# One secret key and one vault key for this process and the server it starts.
os.environ.setdefault("DJANGO_SECRET_KEY", "bench-" + secrets.token_urlsafe(40))
os.environ.setdefault("WIJKAANPAK_MASTER_KEY", base64.b64encode(secrets.token_bytes(32)).decode())

VISITS = 30
VIEWPORT = {"width": 768, "height": 1024}
TARGET_MS = 1000

# Installed before any script of the page runs: when the outbox first drew its counter, and
# the submit-to-stored times of findings.
PROBE_JS = """
window.__bench = {ready: null, saves: []};
document.addEventListener('outbox:change', () => {
  if (window.__bench.ready === null) window.__bench.ready = performance.now();
}, {once: true});
let started = null;
document.addEventListener('submit', () => { started = performance.now(); }, true);
document.addEventListener('outbox:queued', () => {
  if (started !== null) window.__bench.saves.push(performance.now() - started);
  started = null;
});
"""
CLEAR_JS = "async () => (await import('/static/js/offline-queue.js')).clearAll()"
TIMINGS_JS = """() => {
  const paint = performance.getEntriesByName('first-contentful-paint')[0];
  const nav = performance.getEntriesByType('navigation')[0];
  return {fcp: paint ? paint.startTime : null, load: nav ? nav.loadEventEnd : null,
          ready: window.__bench.ready, ttfb: nav ? nav.responseStart : null,
          bytes: nav ? nav.transferSize : null, decoded: nav ? nav.decodedBodySize : null,
          resources: performance.getEntriesByType('resource').map((entry) => ({
            name: new URL(entry.name).pathname, bytes: entry.transferSize,
            end: Math.round(entry.responseEnd)}))};
}"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def prepare() -> dict:
    """Demo data plus tonight's 30-visit evening for the demo inspecteur; a verified session."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client
    from django.utils import timezone

    call_command("migrate", verbosity=0, interactive=False)
    call_command("load_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115

    from controls.models import Controleavond
    from controls.services import evenings as ev
    from controls.services.categories import finding_categories_ensure_defaults
    from datasharing.matching import selectors as matching_selectors
    from datasharing.matching import services as matching
    from datasharing.matching.models import RiskAddress, SelectionProposal
    from partners.models import User
    from projects.demo import DEMO_PROJECT_SLUGS
    from projects.models import Project
    from tests.factories import login_verified

    leader = User.objects.get(username="projectleider")
    analist = User.objects.get(username="analist")
    inspecteur = User.objects.get(username="inspecteur")
    project = Project.objects.get(slug=DEMO_PROJECT_SLUGS["data_uitvraag"])
    run = matching_selectors.current_run(project=project)
    approved = list(SelectionProposal.objects.filter(project=project, status="approved"))
    proposed = set(
        SelectionProposal.objects.filter(project=project).values_list("risk_address_id", flat=True)
    )
    for risk in (
        RiskAddress.objects.filter(run=run, is_risk=True)
        .exclude(pk__in=proposed)
        .order_by("-score", "pk")
    ):
        if len(approved) >= VISITS:
            break
        proposal = matching.selection_propose(
            actor=analist, risk_address=risk, reason="Benchmark: signalen van partners"
        )
        approved.append(
            matching.selection_approve(
                actor=leader, proposal=proposal, reason="Akkoord (benchmark)"
            )
        )
    assert len(approved) >= VISITS, f"the demo has {len(approved)} approvable addresses"
    finding_categories_ensure_defaults(project=project)
    evening = Controleavond.objects.filter(project=project, name="Benchmark tablet").first()
    if evening is None:
        evening = ev.evening_create(
            actor=leader,
            project=project,
            name="Benchmark tablet",
            starts_at=timezone.localtime().replace(hour=19, minute=0, second=0, microsecond=0),
            meeting_point="Buurthuis De Ster",
        )
        team = ev.team_create(actor=leader, evening=evening, name="Team 1")
        ev.team_member_add(actor=leader, team=team, person=inspecteur, is_lead=True)
        ev.visits_assign(actor=leader, evening=evening, proposals=approved[:VISITS])
        ev.evening_routes_plan(actor=leader, evening=evening)
        evening = ev.evening_transition(actor=leader, evening=evening, target="voorbereid")
    from django.conf import settings

    client = login_verified(Client(), inspecteur)
    return {
        "path": f"/controle/projecten/{project.slug}/avonden/{evening.pk}/route/",
        "session": client.cookies[settings.SESSION_COOKIE_NAME].value,
        "cookie_name": settings.SESSION_COOKIE_NAME,
        "visits": evening.visits.count(),
    }


def start_server(port: int, static_root: Path) -> subprocess.Popen:
    """gunicorn with 2 workers, static files by WhiteNoise as in production (hashed names,
    precompressed gzip/brotli, long caching of hashed files): bench/served_settings.py after a
    collectstatic into a temporary STATIC_ROOT."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.served_settings",
        "BENCH_STATIC_ROOT": str(static_root),
        "DATABASE_CONN_MAX_AGE": "60",
    }
    subprocess.run(  # noqa: S603 - our own manage.py
        [sys.executable, str(ROOT / "manage.py"), "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    server = subprocess.Popen(  # noqa: S603 - our own gunicorn
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "wijkaanpak.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/gezondheid/", timeout=1)  # noqa: S310
            return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise RuntimeError("gunicorn did not start")


class Throttle:
    """Network.emulateNetworkConditions on the page and on every service worker target."""

    def __init__(self, browser, latency_ms: float, kbps: float) -> None:
        self.browser_session = browser.new_browser_cdp_session()
        rate = kbps * 1000 / 8
        self.conditions = {
            "offline": False,
            "latency": latency_ms,
            "downloadThroughput": rate,
            "uploadThroughput": rate,
        }
        self.attached: dict[str, str] = {}

    def page(self, context, page) -> None:
        session = context.new_cdp_session(page)
        session.send("Network.enable")
        session.send("Network.emulateNetworkConditions", self.conditions)

    def workers(self) -> int:
        """Throttle every service worker target not yet throttled; how many are."""
        targets = self.browser_session.send("Target.getTargets")["targetInfos"]
        for target in targets:
            if target["type"] != "service_worker" or target["targetId"] in self.attached:
                continue
            session_id = self.browser_session.send(
                "Target.attachToTarget", {"targetId": target["targetId"], "flatten": False}
            )["sessionId"]
            for number, (method, params) in enumerate(
                (("Network.enable", {}), ("Network.emulateNetworkConditions", self.conditions)),
                start=1,
            ):
                message = json.dumps({"id": number, "method": method, "params": params})
                self.browser_session.send(
                    "Target.sendMessageToTarget", {"sessionId": session_id, "message": message}
                )
            self.attached[target["targetId"]] = session_id
        return len(self.attached)


def open_route(context, page, url: str) -> dict:
    page.goto(url, wait_until="load", timeout=120_000)
    page.wait_for_function("() => window.__bench.ready !== null", timeout=120_000)
    timings = page.evaluate(TIMINGS_JS)
    timings["interactive"] = max(timings["ready"], timings["load"] or 0)
    return timings


def measure(args, prepared: dict, base: str) -> dict:
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    url = base + prepared["path"]
    first, again, saves, sw_throttled = [], [], [], []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--no-sandbox", "--disable-background-networking", "--disable-gpu"],
        )
        try:
            for _ in range(args.runs):
                context = browser.new_context(viewport=VIEWPORT)
                context.add_cookies(
                    [{"name": prepared["cookie_name"], "value": prepared["session"], "url": base}]
                )
                context.add_init_script(PROBE_JS)
                throttle = Throttle(browser, args.latency, args.kbps)
                page = context.new_page()
                throttle.page(context, page)
                first.append(open_route(context, page, url))
                page.wait_for_function(
                    "() => document.documentElement.dataset.offlineReady === 'true'",
                    timeout=120_000,
                )
                page.close()
                page = context.new_page()
                throttle.page(context, page)
                sw_throttled.append(throttle.workers())
                again.append(open_route(context, page, url))
                # Offline: ten findings, each stored on the device.
                context.set_offline(True)
                context.route("**/*", lambda route: route.abort("internetdisconnected"))
                card = page.locator(".wk-visit").first
                for number in range(10):
                    card.locator("summary", has_text="Bevinding toevoegen").click()
                    card.locator("select[name=category]").select_option(index=1 + number % 5)
                    card.locator("textarea[name=description]").fill(
                        f"Bevinding {number} {uuid.uuid4()}"
                    )
                    card.locator("button", has_text="Bevinding opslaan").click()
                    page.wait_for_function(
                        "(n) => window.__bench.saves.length === n", arg=number + 1
                    )
                saves.extend(page.evaluate("() => window.__bench.saves"))
                page.evaluate(CLEAR_JS)
                context.close()
        finally:
            browser.close()
    return {"first": first, "again": again, "saves_ms": saves, "sw_throttled": sw_throttled}


def summarise(samples: list[dict], key: str) -> tuple[float, float]:
    values = [sample[key] for sample in samples if sample[key] is not None]
    return statistics.median(values), max(values)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--latency", type=float, default=400.0, help="ms added per request")
    parser.add_argument("--kbps", type=float, default=400.0, help="kbit/s down and up")
    args = parser.parse_args()

    started = time.monotonic()
    prepared = prepare()
    port = free_port()
    static_root = Path(tempfile.mkdtemp(prefix="wijkaanpak-bench-static-"))
    server = start_server(port, static_root)
    try:
        result = measure(args, prepared, f"http://127.0.0.1:{port}")
    finally:
        server.terminate()
        server.wait(timeout=10)
        shutil.rmtree(static_root, ignore_errors=True)

    rows = []
    for label, samples in (
        ("first open (nothing cached)", result["first"]),
        ("re-open (assets precached)", result["again"]),
    ):
        fcp = summarise(samples, "fcp")
        interactive = summarise(samples, "interactive")
        rows.append((label, fcp, interactive, samples[0]["bytes"], samples[0]["decoded"]))
    saves = result["saves_ms"]
    print(
        f"\nTablet route page, {prepared['visits']} visits, 768 x 1024, slow 3G "
        f"({args.latency:.0f} ms, {args.kbps:.0f} kbit/s), {args.runs} runs; medians (worst):"
    )
    print(f"{'open':<30} {'FCP ms':>16} {'interactive ms':>18} {'HTML bytes':>18}")
    for label, fcp, interactive, transferred, decoded in rows:
        print(
            f"{label:<30} {fcp[0]:>8.0f} ({fcp[1]:>5.0f}) "
            f"{interactive[0]:>10.0f} ({interactive[1]:>5.0f}) "
            f"{transferred or 0:>8} / {decoded or 0:<8}"
        )
    print(
        f"saving a finding offline: median {statistics.median(saves):.1f} ms, "
        f"worst {max(saves):.1f} ms ({len(saves)} findings)"
    )
    print(f"service worker targets throttled on re-open: {result['sw_throttled']}")
    for label, key in (("first open", "first"), ("re-open", "again")):
        median = max(summarise(result[key], "fcp")[0], summarise(result[key], "interactive")[0])
        print(
            f"target: {label} painted and usable < {TARGET_MS} ms (median): "
            f"{'yes' if median < TARGET_MS else 'NO'}"
        )
    out = ROOT / "bench" / "out"
    out.mkdir(exist_ok=True)
    (out / "tablet_speed.json").write_text(
        json.dumps(
            {
                "args": vars(args),
                "visits": prepared["visits"],
                **result,
                "seconds": round(time.monotonic() - started, 1),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
