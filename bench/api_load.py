"""Load benchmark of the REST API and the pages it mirrors (issue 14.5), Locust headless.

    make bench-api   # = scripts/with-test-services.sh .venv/bin/python bench/api_load.py

On the throwaway PostgreSQL of scripts/with-test-services.sh: the city-scale project of
bench/city_scale.py (bench/generate.py, 250 000 addresses by default; the real intake and an
in-process matching run), then its follow-up: approved addresses (proposed and approved
through the services, four eyes), controleavonden with visits of them, findings, and referrals
to UWV (sent, received, in behandeling and afgehandeld through the follow-up services). Then
gunicorn on loopback and Locust headless (`--users 10`, bounded by `--run-time`), every user
walking the dashboard, the first page of every list and every API endpoint, as the
projectleider and as UWV's behandelaar (a person's verified session for the pages, the REST
clients' tokens for the API). Prints p50/p95/p99 per endpoint and fails when a p95 is above
300 ms or a request failed; writes JSON to bench/out/.

Options: --addresses N --persons N (smaller runs), --approved N, --users N, --seconds N.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from base64 import b64encode
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["DJANGO_SETTINGS_MODULE"] = "wijkaanpak.settings.test"
os.environ.setdefault("LOG_LEVEL", "WARNING")
# The server process must share the keys (sessions, the address vault) with this one.
os.environ.setdefault("DJANGO_SECRET_KEY", "bench-" + secrets.token_urlsafe(40))
os.environ.setdefault("WIJKAANPAK_MASTER_KEY", b64encode(secrets.token_bytes(32)).decode())
# Ten clients share two tokens here; the throttle is tested in the suite, not measured here.
os.environ.setdefault("WIJKAANPAK_API_THROTTLE_RATE", "1000000/min")

P95_LIMIT_MS = 300


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def followup(project, leader, analist, orgs, *, approved: int) -> dict:
    """Approved addresses, evenings with visits of them, findings and referrals to UWV."""
    from django.utils import timezone

    from controls.models import Controleavond, Finding, Team, Visit
    from controls.services import referrals
    from datasharing.matching import services as matching
    from datasharing.matching.models import MatchingRun, RiskAddress
    from projects.constants import Role
    from tests.controls.followup_world import categories_ensure
    from tests.factories import UserFactory, member, otp_device_for

    start = time.monotonic()
    run = MatchingRun.objects.filter(project=project, status="succeeded").latest("pk")
    risks = list(
        RiskAddress.objects.filter(run=run, is_risk=True).order_by("-score", "pk")[:approved]
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
    categories = list(categories_ensure(project).values())
    behandelaar = member(project, f"behandelaar_bench_{project.pk}", orgs["uwv"], Role.BEHANDELAAR)
    otp_device_for(behandelaar)
    inspecteur = UserFactory(username=f"inspecteur_bench_{project.pk}", organisation=orgs["uwv"])
    per_evening = 50
    visits = []
    for number in range(0, len(proposals), per_evening):
        evening = Controleavond.objects.create(
            project=project,
            name=f"Controleavond {number // per_evening + 1}",
            starts_at=timezone.now() - timedelta(days=30 - number // per_evening),
            meeting_point="Wijkcentrum",
            status="uitgevoerd",
            created_by=leader,
        )
        teams = [Team.objects.create(evening=evening, name=f"Team {t}") for t in (1, 2)]
        visits += Visit.objects.bulk_create(
            Visit(
                evening=evening,
                team=teams[i % 2],
                proposal=proposal,
                project=project,
                address_key=proposal.address_key,
                pseudonym=proposal.pseudonym,
                buurtcode=proposal.buurtcode,
                route_position=i // 2 + 1,
                result="aangetroffen",
                residents_found=2,
                visited_at=timezone.now(),
                recorded_by=inspecteur,
            )
            for i, proposal in enumerate(proposals[number : number + per_evening])
        )
    findings = Finding.objects.bulk_create(
        Finding(
            visit=visit,
            category=categories[(i + k) % len(categories)],
            description="Vastgesteld tijdens het huisbezoek.",
            client_id=uuid.uuid4(),
            recorded_by=inspecteur,
        )
        for i, visit in enumerate(visits)
        for k in range(1 + i % 2)
    )
    sent = []
    for i, finding in enumerate(findings[::2]):
        referral = referrals.referral_create(
            actor=leader, finding=finding, kind="handhaving", organisation=orgs["uwv"]
        )
        if i % 3:
            referral = referrals.referral_receive(actor=behandelaar, referral=referral)
            referral = referrals.referral_start(actor=behandelaar, referral=referral)
        if i % 3 == 2:
            referrals.referral_complete(
                actor=behandelaar, referral=referral, outcome="terugvordering", amount="1250.00"
            )
        sent.append(referral.pk)
    return {
        "seconds": round(time.monotonic() - start, 1),
        "approved": len(proposals),
        "evenings": Controleavond.objects.filter(project=project).count(),
        "visits": len(visits),
        "findings": len(findings),
        "referrals": len(sent),
        "behandelaar": behandelaar,
        "visit": visits[0].pk,
        "referral": sent[0],
    }


def credentials(project, leader, behandelaar, orgs) -> dict:
    """Verified sessions for the pages and REST clients (with roles) for the API."""
    from django.conf import settings
    from django.test import Client
    from django.utils import timezone

    from partners.services import api_client_issue
    from projects.services import role_grant
    from tests.factories import login_verified

    def session(person) -> str:
        client = Client()
        login_verified(client, person)
        return client.cookies[settings.SESSION_COOKIE_NAME].value

    def token(organisation, name: str, role: str, scope: str) -> str:
        issued = api_client_issue(
            actor=None,
            organisation=organisation,
            name=name,
            scope=scope,
            expires_at=timezone.now() + timedelta(days=1),
        )
        role_grant(actor=leader, project=project, person=issued.client.account, role=role)
        return issued.token

    return {
        "cookie_name": settings.SESSION_COOKIE_NAME,
        "sessions": {"projectleider": session(leader), "behandelaar": session(behandelaar)},
        "tokens": {
            "projectleider": token(orgs["gemeente"], "Bench gemeente", "projectleider", "read"),
            "behandelaar": token(orgs["uwv"], "Bench UWV", "behandelaar", "read_referral_outcome"),
        },
    }


def targets(project, data: dict) -> list[dict]:
    """(name, who, auth, path): the dashboard, the first page of every list, every endpoint."""
    from django.urls import reverse

    slug = project.slug
    pages = [
        ("pagina: projecten", "projectleider", reverse("projects:list")),
        ("pagina: dashboard", "projectleider", reverse("reports:dashboard", args=[slug])),
        ("pagina: risicolijst", "projectleider", reverse("matching:risks", args=[slug])),
        ("pagina: voordrachten", "projectleider", reverse("matching:proposals", args=[slug])),
        ("pagina: doorverwijzingen", "projectleider", reverse("controls:referrals", args=[slug])),
        ("pagina: inbox", "behandelaar", reverse("controls:inbox")),
    ]
    api = f"/api/v1/projects/{slug}"
    endpoints = [
        ("api: projects", "projectleider", "/api/v1/projects/"),
        ("api: project", "projectleider", f"{api}/"),
        ("api: progress", "projectleider", f"{api}/progress/"),
        ("api: evenings", "projectleider", f"{api}/evenings/"),
        ("api: visits", "projectleider", f"{api}/visits/"),
        ("api: visit", "projectleider", f"{api}/visits/{data['visit']}/"),
        ("api: findings", "projectleider", f"{api}/findings/"),
        ("api: referrals", "projectleider", f"{api}/referrals/"),
        ("api: referrals (UWV)", "behandelaar", f"{api}/referrals/"),
        ("api: referral", "behandelaar", f"{api}/referrals/{data['referral']}/"),
        ("api: export voortgang", "projectleider", f"{api}/exports/voortgang/csv/"),
        ("api: export doorverwijzingen", "behandelaar", f"{api}/exports/doorverwijzingen/csv/"),
    ]
    return [
        {"name": name, "who": who, "auth": "session", "path": path} for name, who, path in pages
    ] + [{"name": name, "who": who, "auth": "token", "path": path} for name, who, path in endpoints]


# gunicorn as docker-compose.yml's web service runs it: three sync workers (bench/README.md,
# "Less work per request"). A request spends about a quarter of its time waiting for
# PostgreSQL, so on two cores a third process keeps both busy while one waits; threads
# (gthread) would add no CPU under the GIL, only interleaving that three processes give too.
GUNICORN_ARGS = ["--workers", "3", "--timeout", "120"]


def serve(port: int) -> subprocess.Popen:
    process = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "wijkaanpak.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            *GUNICORN_ARGS,
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        # Persistent database connections, as docker-compose's web service may use them.
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "wijkaanpak.settings.test",
            "DATABASE_CONN_MAX_AGE": "60",
        },
    )
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/gezondheid/", timeout=1)  # noqa: S310
            return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("gunicorn did not start")


def sequential(port: int, plan: dict, *, rounds: int = 3) -> dict[str, float]:
    """Warm the workers up, then time every target alone (one client, `rounds` times): the
    median milliseconds per target, what a request costs without concurrency."""
    timings: dict[str, list[float]] = {}
    for round_ in range(rounds + 1):
        for target in plan["targets"]:
            headers = {}
            if target["auth"] == "token":
                headers["Authorization"] = f"Bearer {plan['tokens'][target['who']]}"
            else:
                cookie = plan["sessions"][target["who"]]
                headers["Cookie"] = f"{plan['cookie_name']}={cookie}"
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}{target['path']}", headers=headers
            )
            start = time.perf_counter()
            with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
                response.read()
                if response.status != 200:
                    raise SystemExit(f"{target['name']}: {response.status}")
            if round_:  # the first round only warms up
                timings.setdefault(target["name"], []).append((time.perf_counter() - start) * 1000)
    return {name: sorted(values)[len(values) // 2] for name, values in timings.items()}


def load(port: int, plan: dict, *, users: int, seconds: int, folder: Path) -> list[dict]:
    plan_file = folder / "plan.json"
    plan_file.write_text(json.dumps(plan))
    prefix = folder / "stats"
    subprocess.run(
        [
            str(Path(sys.executable).parent / "locust"),
            "-f",
            str(ROOT / "bench" / "api_locustfile.py"),
            "--headless",
            "--users",
            str(users),
            "--spawn-rate",
            str(users),
            "--run-time",
            f"{seconds}s",
            "--stop-timeout",
            "10",
            "--host",
            f"http://127.0.0.1:{port}",
            "--csv",
            str(prefix),
            "--only-summary",
            "--loglevel",
            "WARNING",
        ],
        cwd=ROOT,
        env={**os.environ, "BENCH_PLAN": str(plan_file)},
        check=False,
    )
    with open(f"{prefix}_stats.csv", newline="") as handle:
        return list(csv.DictReader(handle))


def profile(plan: dict, folder: Path) -> dict[str, dict]:
    """Every target once in this process (Django's test client): milliseconds, queries, and for
    a target above 100 ms the cProfile functions of the application that took the most and the
    functions (any code) with the most time of their own."""
    import cProfile
    import io
    import pstats

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    found: dict[str, dict] = {}
    for target in plan["targets"]:
        client = Client()
        headers = {}
        if target["auth"] == "token":
            headers["Authorization"] = f"Bearer {plan['tokens'][target['who']]}"
        else:
            client.cookies[plan["cookie_name"]] = plan["sessions"][target["who"]]
        client.get(target["path"], headers=headers)  # warm-up
        profiler = cProfile.Profile()
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            profiler.enable()
            response = client.get(target["path"], headers=headers)
            profiler.disable()
            ms = (time.perf_counter() - started) * 1000
        slowest = sorted(queries.captured_queries, key=lambda q: -float(q["time"]))[:3]
        found[target["name"]] = {
            "ms": round(ms, 1),
            "status": response.status_code,
            "queries": len(queries.captured_queries),
            "slowest_queries": [(q["time"], q["sql"][:300]) for q in slowest],
        }
        print(f"{target['name']:<34} {ms:>7.0f} ms {len(queries.captured_queries):>3} queries")
        if ms > 100:
            text = io.StringIO()
            stats = pstats.Stats(profiler, stream=text).sort_stats("cumulative")
            stats.print_stats(r"wijkaanpak|projects|datasharing|controls|reports|partners", 15)
            (folder / f"profile-{len(found)}.txt").write_text(text.getvalue())
            found[target["name"]]["profile"] = text.getvalue().splitlines()[-20:]
            # Where the time itself goes, libraries included (template rendering, waiting for
            # PostgreSQL, building model instances): the application's functions above only
            # say which of them called it.
            own = io.StringIO()
            pstats.Stats(profiler, stream=own).sort_stats("tottime").print_stats(12)
            found[target["name"]]["own_time"] = own.getvalue().splitlines()[-15:]
    return found


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--addresses", type=int, default=250_000)
    parser.add_argument("--persons", type=int, default=600_000)
    parser.add_argument("--approved", type=int, default=500)
    parser.add_argument("--users", type=int, default=10)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument(
        "--profile",
        action="store_true",
        help="also time every target in-process once (queries, cProfile) before the load",
    )
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command

    from bench.city_scale import intake, setup_project
    from bench.generate import generate
    from datasharing.matching import services as matching

    figures: dict = {
        "addresses": args.addresses,
        "users": args.users,
        "cpus": os.cpu_count(),
        "load_average_before": os.getloadavg(),
    }
    with tempfile.TemporaryDirectory(prefix="wijkaanpak-bench-api-") as tmp:
        folder = Path(tmp)
        generate(folder, addresses=args.addresses, persons=args.persons)
        call_command("migrate", verbosity=0)
        project, orgs, people, analist, leader, create_request, tz = setup_project()
        start = time.monotonic()
        intake(folder, project, orgs, people, leader, create_request, tz)
        run = matching.matching_run_create(actor=analist, project=project, chunk_count=None)
        matching.matching_run_execute_inline(run=run)
        figures["intake_and_matching_seconds"] = round(time.monotonic() - start, 1)
        data = followup(project, leader, analist, orgs, approved=args.approved)
        behandelaar = data.pop("behandelaar")
        figures["followup"] = {k: v for k, v in data.items() if k not in ("visit", "referral")}
        print(f"gegevens: {figures['followup']}", flush=True)
        plan = {
            **credentials(project, leader, behandelaar, orgs),
            "targets": targets(project, data),
        }
        if args.profile:
            figures["profile"] = profile(plan, folder)
        port = free_port()
        server = serve(port)
        try:
            alone = sequential(port, plan)
            rows = load(port, plan, users=args.users, seconds=args.seconds, folder=folder)
        finally:
            server.terminate()
            server.wait(timeout=30)

    results, too_slow, failed = [], [], 0
    print()
    print(
        f"{'endpoint':<34} {'alleen':>6} {'n':>6} {'fout':>5} {'p50':>6} {'p95':>6} {'p99':>6}"
        "  (ms; alleen: één client, mediaan)"
    )
    for row in rows:
        if row["Name"] == "Aggregated":
            continue
        entry = {
            "name": row["Name"],
            "requests": int(row["Request Count"]),
            "failures": int(row["Failure Count"]),
            "p50": float(row["50%"]),
            "p95": float(row["95%"]),
            "p99": float(row["99%"]),
            "alone": round(alone.get(row["Name"], 0.0), 1),
        }
        results.append(entry)
        failed += entry["failures"]
        if entry["p95"] > P95_LIMIT_MS:
            too_slow.append(entry["name"])
        print(
            f"{entry['name']:<34} {entry['alone']:>6.0f} {entry['requests']:>6} "
            f"{entry['failures']:>5} "
            f"{entry['p50']:>6.0f} {entry['p95']:>6.0f} {entry['p99']:>6.0f}"
        )
    total = next(row for row in rows if row["Name"] == "Aggregated")
    figures["results"] = results
    figures["load_average_after"] = os.getloadavg()
    figures["aggregated"] = {
        "requests": int(total["Request Count"]),
        "failures": int(total["Failure Count"]),
        "rps": float(total["Requests/s"]),
        "p50": float(total["50%"]),
        "p95": float(total["95%"]),
        "p99": float(total["99%"]),
    }
    out = ROOT / "bench" / "out"
    out.mkdir(exist_ok=True)
    path = out / f"api_load-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps(figures, indent=2))
    agg = figures["aggregated"]
    print(
        f"{'alles':<34} {'':>6} {agg['requests']:>6} {agg['failures']:>5} {agg['p50']:>6.0f} "
        f"{agg['p95']:>6.0f} {agg['p99']:>6.0f}   {agg['rps']:.1f} verzoeken/s"
    )
    print(f"doel: p95 ≤ {P95_LIMIT_MS} ms per endpoint, 0 fouten; JSON: {path}")
    if too_slow or failed:
        raise SystemExit(f"te traag: {too_slow}; fouten: {failed}")


if __name__ == "__main__":
    main()
