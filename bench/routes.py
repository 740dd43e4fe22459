"""Walking-route benchmark (issue 11 item 2): 4 teams x 30 addresses, production vs a long run.

    make bench-routes                 # = .venv/bin/python bench/routes.py
    python bench/routes.py --seeds 1,2,3,4,5 --long 60

For each seed, a neighbourhood is drawn (streets of a few hundred metres in a slightly
rotated grid, addresses along both sides of the street every few metres, blocks of flats
whose addresses share one BAG point, a few streets where the selected addresses cluster),
and the approved addresses are planned twice with `controls.routing.plan_routes`:

* **production**: the defaults the evening page uses (time limit
  `routing.TIME_LIMIT_SECONDS`, deterministic stop after `routing.SOLUTION_LIMIT` moves);
  must take < 2 s;
* **long**: the same model and search, `--long` seconds (default 60) and no move limit.

It prints both times and total distances, the gap of the production total over the long
run's total (target <= 10 %), the longest route and the team sizes, and writes JSON to
bench/out/routes.json. Nothing here needs a database.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from controls import routing  # noqa: E402
from controls.routing import Point, Stop  # noqa: E402

# Around Rotterdam's Oude Westen in RD metres; only the shape matters.
ORIGIN = (91_600.0, 437_300.0)


def neighbourhood(seed: int, addresses: int) -> tuple[Point, list[Stop]]:
    """A seeded neighbourhood of about 900 x 700 m and `addresses` selected addresses."""
    rng = random.Random(seed)
    angle = rng.uniform(-0.4, 0.4)  # the grid is not aligned with the RD axes
    cos, sin = math.cos(angle), math.sin(angle)

    def place(u: float, v: float) -> tuple[float, float]:
        return ORIGIN[0] + u * cos - v * sin, ORIGIN[1] + u * sin + v * cos

    streets = []  # (u0, v0, du, dv, length): a straight street in grid coordinates
    v = 0.0
    while v < 700:  # long streets, 300-900 m, 70-130 m apart
        length = rng.uniform(300, 900)
        streets.append((rng.uniform(0, 900 - length), v, 1.0, 0.0, length))
        v += rng.uniform(70, 130)
    u = 0.0
    while u < 900:  # cross streets, 150-700 m, 90-180 m apart
        length = rng.uniform(150, 700)
        streets.append((u, rng.uniform(0, 700 - length), 0.0, 1.0, length))
        u += rng.uniform(90, 180)

    frontage = []  # (street index, x, y): every door, both sides, flats share a point
    for index, (u0, v0, du, dv, length) in enumerate(streets):
        along = rng.uniform(2, 8)
        while along < length:
            side = rng.choice((-9.0, 9.0))
            x, y = place(u0 + du * along - dv * side, v0 + dv * along + du * side)
            flats = rng.choice((1, 1, 1, 1, 2, 4, 8))  # a portiek: several addresses, one point
            frontage.extend((index, x, y) for _ in range(flats))
            along += rng.uniform(5, 12) * (2 if flats > 1 else 1)
    hot = set(rng.sample(range(len(streets)), k=max(1, len(streets) // 4)))
    weights = [4.0 if street in hot else 1.0 for street, _, _ in frontage]
    chosen: set[int] = set()
    while len(chosen) < addresses:
        chosen.add(rng.choices(range(len(frontage)), weights=weights)[0])
    stops = [
        Stop(id=f"adres-{number}", x=round(frontage[i][1], 1), y=round(frontage[i][2], 1))
        for number, i in enumerate(sorted(chosen))
    ]
    # The meeting point: a wijkbureau on a street corner near the middle.
    meeting = place(rng.uniform(350, 550), rng.uniform(250, 450))
    return Point(round(meeting[0], 1), round(meeting[1], 1)), stops


def run(meeting: Point, stops: list[Stop], teams: int, **options) -> dict:
    started = time.perf_counter()
    plan = routing.plan_routes(meeting_point=meeting, stops=stops, teams=teams, **options)
    seconds = time.perf_counter() - started
    planned = [stop.id for route in plan.routes for stop in route.stops]
    assert sorted(planned) == sorted(s.id for s in stops), "every address in exactly one route"
    return {
        "seconds": round(seconds, 3),
        "total_m": plan.total_distance_m,
        "longest_m": plan.longest_distance_m,
        "sizes": [len(route.stops) for route in plan.routes],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="1,2,3", help="comma-separated (default 1,2,3)")
    parser.add_argument("--teams", type=int, default=4)
    parser.add_argument("--addresses", type=int, default=120)
    parser.add_argument("--long", type=float, default=60.0, help="seconds of the long run")
    args = parser.parse_args()

    rows = []
    print(
        f"{args.teams} teams x {args.addresses // args.teams} addresses; production: "
        f"time limit {routing.TIME_LIMIT_SECONDS} s, {routing.SOLUTION_LIMIT} moves; "
        f"long run: {args.long:g} s"
    )
    header = (
        f"{'seed':>4} | {'prod s':>6} | {'prod m':>7} | {'longest':>7} | "
        f"{'long s':>6} | {'long m':>7} | {'longest':>7} | {'gap':>6} | sizes"
    )
    print(header)
    print("-" * len(header))
    for seed in (int(s) for s in args.seeds.split(",")):
        meeting, stops = neighbourhood(seed, args.addresses)
        production = run(meeting, stops, args.teams)
        long = run(meeting, stops, args.teams, time_limit=args.long, solution_limit=2**62)
        gap = 100.0 * (production["total_m"] / long["total_m"] - 1) if long["total_m"] else 0.0
        rows.append({"seed": seed, "production": production, "long": long, "gap_pct": gap})
        print(
            f"{seed:>4} | {production['seconds']:>6.2f} | {production['total_m']:>7} | "
            f"{production['longest_m']:>7} | {long['seconds']:>6.1f} | {long['total_m']:>7} | "
            f"{long['longest_m']:>7} | {gap:>5.1f}% | {production['sizes']}",
            flush=True,
        )
    worst_time = max(row["production"]["seconds"] for row in rows)
    worst_gap = max(row["gap_pct"] for row in rows)
    print(
        f"production: slowest {worst_time:.2f} s (target < 2 s "
        f"{'ok' if worst_time < 2 else 'MISSED'}); largest gap {worst_gap:.1f} % "
        f"(target <= 10 % {'ok' if worst_gap <= 10 else 'MISSED'})"
    )
    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    (out / "routes.json").write_text(json.dumps({"args": vars(args), "rows": rows}, indent=2))


if __name__ == "__main__":
    main()
