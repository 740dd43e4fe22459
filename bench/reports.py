"""Reports at city scale: the dashboard's figures and one PDF on the project of city_scale.py.

    make bench-reports   # = scripts/with-test-services.sh .venv/bin/python bench/reports.py

Generates the city of bench/generate.py (250 000 addresses, ~1.5 M rows), takes it through the
real intake and one matching run in this process (bench/city_scale.py's steps), then adds the
follow-up in bulk: approved proposals for the highest-scoring risk addresses, evenings with
visits, findings, referrals and outcomes. Times, on that project: `figures_for_projects`
(the six queries), the fairness (three), the KPI rows, the whole dashboard page through the
test client, and one tussenrapportage made by `report_generate` (WeasyPrint). Prints a table
and writes JSON to bench/out/.

Options: --addresses N --persons N (smaller runs), --approved N (default 2 000), --repeat N.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["DJANGO_SETTINGS_MODULE"] = "wijkaanpak.settings.test"
os.environ.setdefault("LOG_LEVEL", "WARNING")


def follow_up(project, leader, analist, partner, *, approved: int) -> dict:
    """Approved proposals, 40 evenings, visits, findings, referrals, outcomes (bulk)."""
    from django.utils import timezone

    from controls.constants import DEFAULT_FINDING_CATEGORIES
    from controls.models import (
        Controleavond,
        Finding,
        FindingCategory,
        Referral,
        ReferralOutcome,
        Team,
        Visit,
    )
    from datasharing.matching.models import MatchingRun, RiskAddress, SelectionProposal

    run = MatchingRun.objects.get(project=project, is_current=True)
    risks = list(
        RiskAddress.objects.filter(run=run, is_risk=True).order_by("-score", "pk")[:approved]
    )
    now = timezone.now()
    proposals = SelectionProposal.objects.bulk_create(
        SelectionProposal(
            project=project,
            run=run,
            risk_address=risk,
            address_key=risk.address_key,
            pseudonym=risk.pseudonym,
            buurtcode=risk.buurtcode,
            snapshot={
                "run": run.pk,
                "score": risk.score,
                "fired": [
                    {
                        "code": c,
                        "name": c,
                        "weight": run.settings_snapshot.get("weights", {}).get(c),
                    }
                    for c in risk.fired
                ],
            },
            status="approved",
            proposed_by=analist,
            reason="bench",
            decided_by=leader,
            decided_at=now,
        )
        for risk in risks
    )
    categories = FindingCategory.objects.bulk_create(
        FindingCategory(
            project=project,
            code=d.code,
            label=d.label,
            referral_kind=d.referral_kind,
            position=n,
        )
        for n, d in enumerate(DEFAULT_FINDING_CATEGORIES)
    )
    evenings = Controleavond.objects.bulk_create(
        Controleavond(
            project=project,
            starts_at=timezone.make_aware(datetime(2026, 1, 8, 19)) + timedelta(weeks=n),
            meeting_point="Buurthuis",
            status="afgerond",
        )
        for n in range(40)
    )
    teams = Team.objects.bulk_create(Team(evening=e, name="Team 1") for e in evenings)
    visits = Visit.objects.bulk_create(
        Visit(
            evening=evenings[n % 40],
            team=teams[n % 40],
            proposal=p,
            project=project,
            address_key=p.address_key,
            pseudonym=p.pseudonym,
            buurtcode=p.buurtcode,
            result="aangetroffen" if n % 7 else "niet_aangetroffen",
            visited_at=now,
            recorded_by=leader,
        )
        for n, p in enumerate(proposals)
    )
    findings = Finding.objects.bulk_create(
        Finding(
            visit=v,
            category=categories[n % len(categories)],
            description="bench",
            client_id=uuid.uuid4(),
            recorded_by=leader,
        )
        for n, v in enumerate(visits)
        if n % 5 < 3
    )
    kinds = ["handhaving", "zorg", "terugmelding_brp", "handhaving", "zorg"]
    referrals = Referral.objects.bulk_create(
        Referral(
            project=project,
            finding=f,
            kind=kinds[n % 5],
            organisation=partner,
            status="afgehandeld" if n % 3 else "in_behandeling",
            due_on=date(2026, 12, 31),
            created_by=leader,
        )
        for n, f in enumerate(findings)
        if n % 6
    )
    outcomes = ReferralOutcome.objects.bulk_create(
        ReferralOutcome(
            referral=r,
            kind=["terugvordering", "boete", "hulpverlening"][n % 3],
            amount=Decimal(1000 + n) if n % 3 < 2 else None,
            recorded_by=leader,
        )
        for n, r in enumerate(referrals)
        if r.status == "afgehandeld"
    )
    return {
        "approved": len(proposals),
        "evenings": len(evenings),
        "visits": len(visits),
        "findings": len(findings),
        "referrals": len(referrals),
        "outcomes": len(outcomes),
    }


def timed(function, repeat: int) -> dict:
    seconds = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        seconds.append(time.perf_counter() - start)
    return {"first": seconds[0], "median": statistics.median(seconds), "all": seconds}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--addresses", type=int, default=250_000)
    parser.add_argument("--persons", type=int, default=600_000)
    parser.add_argument("--approved", type=int, default=2_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from bench.city_scale import intake, setup_project
    from bench.generate import generate
    from datasharing.matching import services as matching
    from reports import selectors, services
    from reports.constants import ReportKind
    from tests.factories import login_verified, otp_device_for
    from wijkaanpak.celery import app

    app.conf.task_always_eager = False  # the report job is run below, in this process
    figures: dict = {"addresses": args.addresses, "persons": args.persons}
    with tempfile.TemporaryDirectory(prefix="wijkaanpak-bench-reports-") as tmp:
        folder = Path(tmp)
        figures["rows"] = generate(folder, addresses=args.addresses, persons=args.persons)
        call_command("migrate", verbosity=0)
        project, orgs, people, analist, leader, create_request, tz = setup_project()
        start = time.monotonic()
        intake(folder, project, orgs, people, leader, create_request, tz)
        run = matching.matching_run_create(actor=analist, project=project, chunk_count=4)
        matching.matching_run_execute_inline(run=run)
        figures["intake_and_matching_seconds"] = time.monotonic() - start
    start = time.monotonic()
    figures["follow_up"] = follow_up(project, leader, analist, orgs["uwv"], approved=args.approved)
    figures["follow_up_seconds"] = time.monotonic() - start
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

    figures["figures_for_projects"] = timed(
        lambda: selectors.figures_for_projects([project.pk]), args.repeat
    )
    with CaptureQueriesContext(connection) as context:
        result = selectors.project_figures(project=project)
    figures["figures_queries"] = len(context.captured_queries)
    figures["funnel"] = {key: value for key, _label, value in result.funnel()}
    figures["fairness"] = timed(
        lambda: selectors.fairness_for_project(project=project), args.repeat
    )
    figures["kpi_rows"] = timed(
        lambda: selectors.kpi_rows(project=project, figures=result), args.repeat
    )
    otp_device_for(leader)
    client = Client()
    login_verified(client, leader)
    url = reverse("reports:dashboard", kwargs={"slug": project.slug})

    def page():
        response = client.get(url)
        assert response.status_code == 200, response.status_code

    figures["dashboard_page"] = timed(page, args.repeat)
    start = time.monotonic()
    version = services.report_request(
        actor=leader, project=project, kind=ReportKind.TUSSENRAPPORTAGE
    )
    version = services.report_generate(report_id=version.pk)
    figures["pdf_seconds"] = time.monotonic() - start
    figures["pdf_status"] = version.status
    figures["pdf_bytes"] = version.size_bytes

    out = ROOT / "bench" / "out"
    out.mkdir(exist_ok=True)
    path = out / f"reports-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps(figures, indent=2, default=str))
    print()
    print(f"funnel: {figures['funnel']}")
    print(f"follow-up: {figures['follow_up']}")
    print(f"{'step':<44} {'first':>8} {'median':>8}")
    for key, label in (
        ("figures_for_projects", f"figures ({figures['figures_queries']} queries)"),
        ("fairness", "fairness (3 queries)"),
        ("kpi_rows", "KPI rows (1 query)"),
        ("dashboard_page", "dashboard page (client, charts included)"),
    ):
        print(f"{label:<44} {figures[key]['first']:>7.3f}s {figures[key]['median']:>7.3f}s")
    print(f"{'tussenrapportage PDF (report_generate)':<44} {figures['pdf_seconds']:>7.2f}s")
    print(f"PDF: {figures['pdf_status']}, {figures['pdf_bytes']} bytes; JSON: {path}")


if __name__ == "__main__":
    main()
