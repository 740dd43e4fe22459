"""An evening under load (issue 16.3), Locust headless on loopback.

    make bench-evening   # = scripts/with-test-services.sh .venv/bin/python bench/evening_load.py

On the throwaway PostgreSQL and Redis of scripts/with-test-services.sh: a generated city
(bench/generate.py, 20 000 addresses by default) through the real intake and an in-process
matching run; the top risk addresses proposed and approved (four eyes); one evening, voorbereid,
with 10 teams of 2 inspectors and their visits. Then gunicorn on loopback, a real Celery worker
(tests/celery_worker.Worker) and Locust headless for `--seconds` (bench/evening_locustfile.py):
20 inspectors posting results and findings through the tablet's sync endpoints in offline
bursts with replays (the same Idempotency-Key again), 3 analysts paging the risk list; while
they run, one new matching run and one PDF (tussenrapportage) are queued and made by the worker.

Prints p50/p95/p99 per request kind and the error rate, how long the run and the PDF took, and
then checks the database: as many findings and results as unique keys were sent (none lost,
none doubled). Exits non-zero when a check fails or a request failed; JSON to bench/out/.

Options: --addresses N --persons N, --visits N (per team), --seconds N.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from base64 import b64encode
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["DJANGO_SETTINGS_MODULE"] = "wijkaanpak.settings.test"
os.environ.setdefault("LOG_LEVEL", "WARNING")
# Jobs go to the real worker, as in production (the test settings run them eagerly).
os.environ["CELERY_TASK_ALWAYS_EAGER"] = "false"
# The server and the worker share the keys (sessions, the address vault) with this process.
os.environ.setdefault("DJANGO_SECRET_KEY", "bench-" + secrets.token_urlsafe(40))
os.environ.setdefault("WIJKAANPAK_MASTER_KEY", b64encode(secrets.token_bytes(32)).decode())
os.environ.setdefault("WIJKAANPAK_API_THROTTLE_RATE", "1000000/min")

from bench.api_load import free_port, serve  # noqa: E402

TEAMS = 10
INSPECTORS_PER_TEAM = 2
ANALYSTS = 3


def evening_world(project, leader, analist, orgs, *, visits_per_team: int) -> dict:
    """Approved addresses, one evening (voorbereid) with 10 teams of 2 inspectors and their
    visits, 3 analysts; verified sessions for all of them."""
    from django.conf import settings
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    from controls.models import Controleavond, Team, TeamMember, Visit
    from controls.services.categories import finding_categories_ensure_defaults
    from datasharing.matching import services as matching
    from datasharing.matching.models import MatchingRun, RiskAddress
    from projects.constants import Role
    from tests.factories import login_verified, member, otp_device_for

    run = MatchingRun.objects.filter(project=project, status="succeeded").latest("pk")
    risks = list(
        RiskAddress.objects.filter(run=run, is_risk=True).order_by("-score", "pk")[
            : (TEAMS + 1) * visits_per_team
        ]
    )
    proposals = [
        matching.selection_approve(
            actor=leader,
            proposal=matching.selection_propose(
                actor=analist, risk_address=risk, reason="Signalen van twee partners"
            ),
            reason="Akkoord",
        )
        for risk in risks
    ]
    categories = [c.code for c in finding_categories_ensure_defaults(project=project)]
    evening = Controleavond.objects.create(
        project=project,
        name="Controleavond onder belasting",
        starts_at=timezone.now(),
        meeting_point="Wijkcentrum",
        status="voorbereid",
        created_by=leader,
    )

    def session(person) -> str:
        otp_device_for(person)
        client = Client()
        login_verified(client, person)
        return client.cookies[settings.SESSION_COOKIE_NAME].value

    kinds = ["gemeente", "uwv", "politie", "svb", "belastingdienst"]
    inspectors = []
    solo: dict = {}
    for number in range(TEAMS + 1):  # the last team: one person timing requests alone
        team = Team.objects.create(evening=evening, name=f"Team {number + 1}")
        people = [
            member(
                project,
                f"insp_avond_{project.pk}_{number}_{i}",
                orgs[kinds[(number + i) % len(kinds)]],
                Role.INSPECTEUR,
            )
            for i in range(INSPECTORS_PER_TEAM)
        ]
        for i, person in enumerate(people):
            TeamMember.objects.create(team=team, person=person, is_lead=i == 0)
        own = Visit.objects.bulk_create(
            Visit(
                evening=evening,
                team=team,
                proposal=proposal,
                project=project,
                address_key=proposal.address_key,
                pseudonym=proposal.pseudonym,
                buurtcode=proposal.buurtcode,
                route_position=position + 1,
            )
            for position, proposal in enumerate(
                proposals[number * visits_per_team : (number + 1) * visits_per_team]
            )
        )
        urls = [
            {
                "result_url": reverse(
                    "controls:sync-visit-result", kwargs={"slug": project.slug, "pk": v.pk}
                ),
                "finding_url": reverse(
                    "controls:sync-visit-finding", kwargs={"slug": project.slug, "pk": v.pk}
                ),
            }
            for v in own
        ]
        if number == TEAMS:
            solo = {"session": session(people[0]), "visits": urls, "team": team.pk}
            continue
        # The team splits its visits: each inspector records half of them.
        for i, person in enumerate(people):
            inspectors.append({"session": session(person), "visits": urls[i::INSPECTORS_PER_TEAM]})
    analysts = [
        session(member(project, f"analist_avond_{project.pk}_{i}", orgs["gemeente"], Role.ANALIST))
        for i in range(ANALYSTS)
    ]
    risk_count = RiskAddress.objects.filter(run=run, is_risk=True).count()
    return {
        "evening": evening.pk,
        "cookie_name": settings.SESSION_COOKIE_NAME,
        "csrf_cookie_name": settings.CSRF_COOKIE_NAME,
        # An unmasked CSRF secret as cookie and header, as a page's token would be (Django
        # compares the two; the pages' own tokens are tested in the suite).
        "csrf": secrets.token_hex(16),
        "categories": categories,
        "inspectors": inspectors,
        "solo": solo,
        "analysts": analysts,
        "risks_url": reverse("matching:risks", args=[project.slug]),
        "risk_pages": max(1, min(20, -(-risk_count // 50))),
        "risk_addresses": risk_count,
        "visits": sum(len(i["visits"]) for i in inspectors),
    }


def alone(port: int, plan: dict, *, rounds: int = 5) -> dict[str, float]:
    """Each kind of request with nobody else on the server (the solo team's visits, one client,
    after one warm-up round): the median milliseconds, what a request costs without the load."""
    timings: dict[str, list[float]] = {}
    session = f"{plan['cookie_name']}={plan['solo']['session']}"
    cookies = f"{session}; {plan['csrf_cookie_name']}={plan['csrf']}"

    def call(name: str, path: str, body: dict | None = None, key: str = "", cookie: str = cookies):
        headers = {"Cookie": cookie, "Accept": "application/json"}
        data = None
        if body is not None:
            headers |= {
                "Content-Type": "application/json",
                "Idempotency-Key": key,
                "X-CSRFToken": plan["csrf"],
            }
            data = json.dumps(body).encode()
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}{path}", data=data, headers=headers
        )
        start = time.perf_counter()
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 - loopback
            response.read()
        timings.setdefault(name, []).append((time.perf_counter() - start) * 1000)

    analyst = f"{plan['cookie_name']}={plan['analysts'][0]}"
    for visit in plan["solo"]["visits"][: rounds + 1]:
        result = {"result": "aangetroffen", "residents_found": 2, "notes": "", "version": 1}
        finding = {"category": plan["categories"][0], "description": "Vastgesteld."}
        result_key, finding_key = str(uuid.uuid4()), str(uuid.uuid4())
        call("sync: resultaat", visit["result_url"], result, result_key)
        call("sync: bevinding", visit["finding_url"], finding, finding_key)
        call("replay: bevinding", visit["finding_url"], finding, finding_key)
        call("replay: resultaat", visit["result_url"], result, result_key)
        call("pagina: risicolijst", f"{plan['risks_url']}?pagina=2", cookie=analyst)
    # The first round only warms the workers up.
    return {name: sorted(v[1:])[len(v[1:]) // 2] for name, v in timings.items() if len(v) > 1}


def locust(port: int, plan: dict, *, seconds: int, folder: Path) -> subprocess.Popen:
    plan_file = folder / "plan.json"
    plan_file.write_text(json.dumps(plan))
    users = TEAMS * INSPECTORS_PER_TEAM + ANALYSTS
    return subprocess.Popen(  # noqa: S603 - fixed argv, our own tools
        [
            str(Path(sys.executable).parent / "locust"),
            "-f",
            str(ROOT / "bench" / "evening_locustfile.py"),
            "--headless",
            "--users",
            str(users),
            "--spawn-rate",
            str(users),
            "--run-time",
            f"{seconds}s",
            "--stop-timeout",
            "15",
            "--host",
            f"http://127.0.0.1:{port}",
            "--only-summary",
            "--loglevel",
            "WARNING",
        ],
        cwd=ROOT,
        env={
            **os.environ,
            "BENCH_PLAN": str(plan_file),
            "BENCH_KEYS": str(folder / "keys.json"),
            "BENCH_STATS": str(folder / "stats.json"),
        },
    )


def background_jobs(project, leader, analist) -> dict:
    """Queue one matching run and one PDF on the real worker; wait for both."""
    from datasharing.matching import services as matching
    from datasharing.matching.models import MatchingRun
    from reports import services as reports
    from reports.constants import ReportKind
    from reports.models import ReportVersion

    start = time.monotonic()
    run = matching.matching_run_start(actor=analist, project=project)
    version = reports.report_request(
        actor=leader, project=project, kind=ReportKind.TUSSENRAPPORTAGE
    )
    deadline = time.monotonic() + 900
    while time.monotonic() < deadline:
        time.sleep(0.5)
        run = MatchingRun.objects.get(pk=run.pk)
        version = ReportVersion.objects.get(pk=version.pk)
        if run.finished_at and version.finished_at:
            break
    # From the request to the end, by the rows' own timestamps (queue wait included).
    return {
        "run": {
            "status": run.status,
            "seconds": round((run.finished_at - run.created_at).total_seconds(), 1)
            if run.finished_at
            else None,
            "chunks": run.chunk_count,
        },
        "pdf": {
            "status": version.status,
            "seconds": round((version.finished_at - version.requested_at).total_seconds(), 1)
            if version.finished_at
            else None,
        },
        "both_seconds": round(time.monotonic() - start, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--addresses", type=int, default=20_000)
    parser.add_argument("--persons", type=int, default=50_000)
    parser.add_argument("--visits", type=int, default=20, help="visits per team")
    parser.add_argument("--seconds", type=int, default=60)
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from bench.city_scale import intake, setup_project
    from bench.generate import generate
    from controls.models import Finding, Visit
    from datasharing.matching import services as matching
    from tests.celery_worker import Worker
    from wijkaanpak.celery import app

    app.conf.task_always_eager = False
    figures: dict = {
        "addresses": args.addresses,
        "cpus": os.cpu_count(),
        "load_average_before": os.getloadavg(),
        "seconds": args.seconds,
    }
    with tempfile.TemporaryDirectory(prefix="wijkaanpak-bench-evening-") as tmp:
        folder = Path(tmp)
        generate(folder, addresses=args.addresses, persons=args.persons)
        call_command("migrate", verbosity=0)
        project, orgs, people, analist, leader, create_request, tz = setup_project()
        intake(folder, project, orgs, people, leader, create_request, tz)
        run = matching.matching_run_create(actor=analist, project=project, chunk_count=None)
        matching.matching_run_execute_inline(run=run)
        plan = evening_world(project, leader, analist, orgs, visits_per_team=args.visits)
        figures["world"] = {k: plan[k] for k in ("visits", "risk_addresses", "risk_pages")} | {
            "inspectors": len(plan["inspectors"]),
            "analysts": len(plan["analysts"]),
        }
        print(f"wereld: {figures['world']}", flush=True)
        connection.close()  # the worker and the server connect on their own

        port = free_port()
        server = serve(port)
        worker = Worker(concurrency=1)
        worker.start(timeout=120)
        try:
            figures["alone"] = alone(port, plan)
            load = locust(port, plan, seconds=args.seconds, folder=folder)
            time.sleep(min(5, args.seconds / 4))  # the evening is under way
            figures["jobs"] = background_jobs(project, leader, analist)
            load.wait(timeout=args.seconds + 120)
        finally:
            worker.stop()
            server.terminate()
            server.wait(timeout=30)
        rows = json.loads((folder / "stats.json").read_text())
        sent = json.loads((folder / "keys.json").read_text())

    # --- the figures ---
    results, failed = [], 0
    print()
    print(
        f"{'verzoek':<24} {'alleen':>6} {'n':>6} {'fout':>5} {'p50':>6} {'p95':>6} {'p99':>6}"
        "  (ms; alleen: één client, mediaan)"
    )
    for entry in rows:
        if entry["name"] == "Aggregated":
            figures["aggregated"] = entry
            continue
        results.append(entry)
        failed += entry["failures"]
        entry["alone"] = round(figures["alone"].get(entry["name"], 0.0), 1)
        print(
            f"{entry['name']:<24} {entry['alone']:>6.0f} {entry['requests']:>6} "
            f"{entry['failures']:>5} "
            f"{entry['p50']:>6.0f} {entry['p95']:>6.0f} {entry['p99']:>6.0f}"
        )
    agg = figures["aggregated"]
    error_rate = agg["failures"] / agg["requests"] if agg["requests"] else 0.0
    figures["results"] = results
    figures["error_rate"] = error_rate
    print(
        f"{'alles':<24} {'':>6} {agg['requests']:>6} {agg['failures']:>5} {agg['p50']:>6.0f} "
        f"{agg['p95']:>6.0f} {agg['p99']:>6.0f}   {agg['rps']:.1f} verzoeken/s, "
        f"foutpercentage {100 * error_rate:.2f}%"
    )
    jobs = figures.get("jobs", {})
    for name, label in (("run", "matchingrun"), ("pdf", "pdf (tussenrapportage)")):
        job = jobs.get(name, {"status": "niet klaar", "seconds": None})
        print(f"{label:<24} {job['status']} na {job['seconds']} s (aanvraag tot klaar, één worker)")

    # --- nothing lost, nothing doubled ---
    unique_findings = set(sent["findings"])
    unique_results = set(sent["results"])
    # The solo team's rows (timed alone, before the load) are not the load's.
    stored_findings = Finding.objects.filter(visit__evening_id=plan["evening"]).exclude(
        visit__team_id=plan["solo"]["team"]
    )
    stored_keys = set(str(k) for k in stored_findings.values_list("client_id", flat=True))
    stored_results = set(
        str(k)
        for k in Visit.objects.filter(evening_id=plan["evening"], result_client_id__isnull=False)
        .exclude(team_id=plan["solo"]["team"])
        .values_list("result_client_id", flat=True)
    )
    checks = {
        "findings_sent_unique": len(unique_findings),
        "findings_sent_with_replays": len(sent["findings"])
        + sum(1 for k in sent["replays"] if k in unique_findings),
        "findings_stored": stored_findings.count(),
        "findings_lost": len(unique_findings - stored_keys),
        "findings_unknown": len(stored_keys - unique_findings),
        "results_sent_unique": len(unique_results),
        "results_stored": len(stored_results),
        "results_lost": len(unique_results - stored_results),
        "replays": len(sent["replays"]),
    }
    figures["checks"] = checks
    figures["load_average_after"] = os.getloadavg()
    print(
        f"bevindingen: {checks['findings_sent_unique']} unieke sleutels "
        f"({checks['findings_sent_with_replays']} keer verstuurd), "
        f"{checks['findings_stored']} opgeslagen, {checks['findings_lost']} kwijt, "
        f"{checks['findings_stored'] - len(stored_keys & unique_findings)} dubbel; "
        f"resultaten: {checks['results_sent_unique']} verstuurd, {checks['results_stored']} "
        f"opgeslagen; {checks['replays']} herhalingen"
    )
    out = ROOT / "bench" / "out"
    out.mkdir(exist_ok=True)
    path = out / f"evening_load-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps(figures, indent=2, default=str))
    print(f"JSON: {path}")
    problems = []
    if failed:
        problems.append(f"{failed} verzoeken mislukt")
    if checks["findings_stored"] != checks["findings_sent_unique"] or checks["findings_lost"]:
        problems.append("bevindingen kwijt of dubbel")
    if checks["results_stored"] != checks["results_sent_unique"]:
        problems.append("resultaten kwijt of dubbel")
    for name in ("run", "pdf"):
        if jobs.get(name, {}).get("status") not in ("succeeded", "ready"):
            problems.append(f"{name}: {jobs.get(name)}")
    if problems:
        raise SystemExit("; ".join(problems))


if __name__ == "__main__":
    main()
