"""City-scale benchmark: intake + matching end to end, against the plain pandas baseline.

    make bench        # = scripts/with-test-services.sh .venv/bin/python bench/city_scale.py

Generates 250 000 addresses / 600 000 persons / ~1.5 M rows (bench/generate.py, seeded) into a
temp dir; migrates the throwaway PostgreSQL; creates a project through the services with every
gate; imports every file through delivery_upload/delivery_process; runs matching through REAL
Celery worker subprocesses, once with `-c 1` and once with `-c 2`; runs bench/baseline_pandas.py
(same reading, keyed hashing, joins, and the same indicator engine, no database) in a
subprocess. Prints a table, and writes JSON to bench/out/. Peak memory is VmHWM of every process
(this one, each worker and its pool children, the baseline), sampled from /proc.

Options: --addresses N --persons N (smaller runs), --chunks N (default settings: 8).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["DJANGO_SETTINGS_MODULE"] = "wijkaanpak.settings.test"
os.environ.setdefault("LOG_LEVEL", "WARNING")


class PeakMemory:
    """Peak RSS (VmHWM, MB) per process of the watched trees, sampled from /proc."""

    def __init__(self) -> None:
        self.roots: set[int] = set()
        self.peaks: dict[int, tuple[str, float]] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def watch(self, pid: int) -> None:
        self.roots.add(pid)

    def _children(self) -> dict[int, list[int]]:
        tree: dict[int, list[int]] = {}
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    with open(f"/proc/{entry}/stat") as handle:
                        ppid = int(handle.read().rsplit(")", 1)[1].split()[1])
                    tree.setdefault(ppid, []).append(int(entry))
                except (OSError, IndexError, ValueError):
                    continue
        return tree

    def _sample(self) -> None:
        tree = self._children()
        stack = list(self.roots)
        while stack:
            pid = stack.pop()
            stack.extend(tree.get(pid, []))
            try:
                with open(f"/proc/{pid}/status") as handle:
                    fields = dict(line.split(":", 1) for line in handle if ":" in line)
                hwm = int(fields["VmHWM"].split()[0]) / 1024
                name = fields["Name"].strip()
            except (OSError, KeyError, ValueError):
                continue
            if hwm > self.peaks.get(pid, ("", 0))[1]:
                self.peaks[pid] = (name, hwm)

    def _run(self) -> None:
        while not self._stop.wait(0.25):
            self._sample()

    def stop(self) -> float:
        self._sample()
        self._stop.set()
        return max((peak for _, peak in self.peaks.values()), default=0.0)


def setup_project():
    """A project in the data-uitvraag through the services, with every partner and a data
    request each."""
    from django.utils import timezone

    from datasharing.services.requests import data_request_create
    from projects.constants import Role
    from projects.services import project_partner_add, role_grant
    from tests.factories import (
        ConvenantFactory,
        OrganisationFactory,
        ProjectFactory,
        UserFactory,
        project_to_phase,
    )

    suffix = str(int(time.time()))
    kinds = ["gemeente", "uwv", "svb", "belastingdienst", "woningcorporatie", "politie"]
    orgs = {k: OrganisationFactory(name=f"{k.title()} bench {suffix}", kind=k) for k in kinds}
    for kind, org in orgs.items():
        ConvenantFactory(
            organisation=org, kind="aanvullend" if kind == "woningcorporatie" else "lsi"
        )
    leader = UserFactory(username=f"pl_bench_{suffix}", organisation=orgs["gemeente"])
    project = ProjectFactory(
        created_by=leader,
        partners=[orgs["uwv"]],
        peildatum=date(2026, 10, 1),
        name=f"Stadsbrede benchmark {suffix}",
    )
    for kind in ("svb", "belastingdienst", "woningcorporatie", "politie"):
        project_partner_add(actor=leader, project=project, organisation=orgs[kind])
    project = project_to_phase(project, "data_uitvraag", actor=leader)
    people = {"gemeente": leader}
    for kind in kinds[1:]:
        people[kind] = UserFactory(username=f"lever_{kind}_{suffix}", organisation=orgs[kind])
        role_grant(actor=leader, project=project, person=people[kind], role=Role.ANALIST)
    analist = UserFactory(username=f"analist_bench_{suffix}", organisation=orgs["gemeente"])
    role_grant(actor=leader, project=project, person=analist, role=Role.ANALIST)
    return project, orgs, people, analist, leader, data_request_create, timezone


def intake(folder: Path, project, orgs, people, leader, data_request_create, timezone) -> dict:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from bench.generate import FILES
    from datasharing.services.deliveries import delivery_process, delivery_upload

    timings = {}
    requests = {}
    for filename, source, kind in FILES:
        start = time.monotonic()
        if (kind, source) not in requests:
            requests[(kind, source)] = data_request_create(
                actor=leader,
                project=project,
                organisation=orgs[kind],
                source=source,
                legal_ground="Art. 64 Wet SUWI",
                deadline=timezone.localdate() + timedelta(days=30),
            )
        upload = SimpleUploadedFile(
            filename, (folder / filename).read_bytes(), content_type="text/csv"
        )
        delivery = delivery_upload(
            actor=people[kind], data_request=requests[(kind, source)], file=upload, queue=False
        )
        delivery = delivery_process(delivery_id=delivery.pk)
        if delivery.status != "geaccepteerd":
            raise SystemExit(f"{filename} not accepted: {delivery.error_message} {delivery.report}")
        timings[filename] = {
            "seconds": time.monotonic() - start,
            "rows": delivery.valid_rows,
            "invalid": delivery.invalid_rows,
        }
        print(
            f"  intake {filename:<22} {timings[filename]['seconds']:6.1f} s  "
            f"{delivery.valid_rows:>8} rijen",
            flush=True,
        )
    return timings


def matching(project, analist, *, concurrency: int, chunks: int | None, memory: PeakMemory) -> dict:
    from datasharing.matching import services
    from datasharing.matching.models import MatchingRun
    from tests.celery_worker import Worker, wait_for

    worker = Worker(concurrency=concurrency)
    worker.start(timeout=120)
    memory.watch(worker.process.pid)
    try:
        start = time.monotonic()
        run = services.matching_run_start(actor=analist, project=project, chunk_count=chunks)

        def done():
            current = MatchingRun.objects.get(pk=run.pk)
            return current if current.status not in ("queued", "running") else None

        run = wait_for(done, timeout=1800, interval=0.2)
        seconds = time.monotonic() - start
    finally:
        worker.stop()
    if run.status != "succeeded":
        raise SystemExit(f"run {run.pk} {run.status}: {run.error}")
    return {
        "seconds": seconds,
        "run": run.pk,
        "chunks": run.chunk_count,
        "addresses": run.address_count,
        "risk_addresses": run.risk_address_count,
        "per_indicator": {code: c["fired"] for code, c in run.counts.items()},
        "chunk_seconds": [
            round(c, 2) for c in run.chunks.order_by("index").values_list("seconds", flat=True)
        ],
    }


def profile_inline(project, analist, *, chunks) -> None:
    """cProfile of one run executed in this process (same chunk functions as the tasks)."""
    import cProfile
    import pstats

    from django.db import connection

    from datasharing.matching import services

    run = services.matching_run_create(actor=analist, project=project, chunk_count=chunks)
    profiler = cProfile.Profile()
    start = time.monotonic()
    profiler.runcall(services.matching_run_execute_inline, run=run)
    print(f"in-process run: {time.monotonic() - start:.1f} s", flush=True)
    stats = pstats.Stats(profiler).sort_stats("cumulative")
    stats.print_stats(35)
    _ = connection


def baseline(folder: Path, memory: PeakMemory) -> dict:
    start = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "bench" / "baseline_pandas.py"), str(folder), "2026-10-01"],
        stdout=subprocess.PIPE,
        cwd=ROOT,
    )
    memory.watch(process.pid)
    out, _ = process.communicate()
    seconds = time.monotonic() - start
    if process.returncode:
        raise SystemExit("baseline failed")
    result = json.loads(out.decode().strip().splitlines()[-1])
    result["wall_seconds"] = seconds
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--addresses", type=int, default=250_000)
    parser.add_argument("--persons", type=int, default=600_000)
    parser.add_argument("--chunks", type=int, default=None)
    parser.add_argument(
        "--profile", action="store_true", help="profile one in-process run (cProfile) and stop"
    )
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command

    from bench.generate import generate
    from wijkaanpak.celery import app

    app.conf.task_always_eager = False
    memory = PeakMemory()
    memory.watch(os.getpid())
    figures: dict = {"addresses": args.addresses, "persons": args.persons, "cpus": os.cpu_count()}
    with tempfile.TemporaryDirectory(prefix="wijkaanpak-bench-") as tmp:
        folder = Path(tmp)
        start = time.monotonic()
        figures["rows"] = generate(folder, addresses=args.addresses, persons=args.persons)
        figures["generate_seconds"] = time.monotonic() - start
        print(
            f"gegenereerd: {sum(figures['rows'].values())} rijen "
            f"in {figures['generate_seconds']:.1f} s",
            flush=True,
        )
        call_command("migrate", verbosity=0)
        project, orgs, people, analist, leader, create_request, tz = setup_project()

        start = time.monotonic()
        figures["intake_files"] = intake(folder, project, orgs, people, leader, create_request, tz)
        figures["intake_seconds"] = time.monotonic() - start
        if args.profile:
            profile_inline(project, analist, chunks=args.chunks)
            return
        for concurrency, key in ((1, "matching_1_worker"), (2, "matching_2_workers")):
            figures[key] = matching(
                project, analist, concurrency=concurrency, chunks=args.chunks, memory=memory
            )
            print(
                f"  {key.replace('_', ' ')}: {figures[key]['seconds']:.1f} s "
                f"(chunks {figures[key]['chunk_seconds']} s)",
                flush=True,
            )
        figures["baseline"] = baseline(folder, memory)

    figures["peak_rss_mb_per_process"] = sorted(
        (
            {"pid": pid, "name": name, "mb": round(mb, 1)}
            for pid, (name, mb) in memory.peaks.items()
        ),
        key=lambda p: -p["mb"],
    )
    figures["peak_rss_mb"] = memory.stop()
    figures["peak_rss_mb_self_getrusage"] = (
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    )
    app_total = figures["intake_seconds"] + figures["matching_2_workers"]["seconds"]
    figures["app_total_seconds"] = app_total
    figures["ratio_vs_baseline"] = app_total / figures["baseline"]["total"]
    same = figures["matching_2_workers"]["per_indicator"] == figures["baseline"]["per_indicator"]
    figures["same_counts_as_baseline"] = same

    out = ROOT / "bench" / "out"
    out.mkdir(exist_ok=True)
    path = out / f"city_scale-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps(figures, indent=2))
    print()
    print(f"{'stap':<40} {'seconden':>10}")
    print(f"{'intake (10 bestanden)':<40} {figures['intake_seconds']:>10.1f}")
    print(f"{'matching, 1 worker (-c 1)':<40} {figures['matching_1_worker']['seconds']:>10.1f}")
    print(f"{'matching, 2 workers (-c 2)':<40} {figures['matching_2_workers']['seconds']:>10.1f}")
    print(f"{'intake + matching (2 workers)':<40} {app_total:>10.1f}   doel < 120")
    print(f"{'pandas-baseline (zelfde engine)':<40} {figures['baseline']['total']:>10.1f}")
    print(f"{'verhouding app / baseline':<40} {figures['ratio_vs_baseline']:>10.2f}   doel < 3")
    print(
        f"{'piekgeheugen grootste proces (MB)':<40} {figures['peak_rss_mb']:>10.0f}   doel < 2048"
    )
    for p in figures["peak_rss_mb_per_process"][:6]:
        print(f"   {p['name']:<20} pid {p['pid']:<8} {p['mb']:>8.0f} MB")
    print(f"zelfde aantallen per indicator als de baseline: {'ja' if same else 'NEE'}")
    print(
        f"risicoadressen: {figures['matching_2_workers']['risk_addresses']} "
        f"van {figures['matching_2_workers']['addresses']}"
    )
    print(f"JSON: {path}")


if __name__ == "__main__":
    main()
