"""Locust scenario of bench/evening_load.py: an evening under load (issue 16.3).

* 20 inspectors (`Inspector`, fixed_count 20), each with their own visits: per visit they work
  offline a while, then the outbox sends its burst at once — the visit's result and one to three
  findings through the tablet's sync endpoints (static/js/offline-queue.js: JSON, session +
  CSRF, Idempotency-Key) — and, as a tablet whose answers were lost on a bad connection does,
  sends part of the burst again with the same keys (replays: 200 and the stored resource).
  An inspector stops after their last visit (bounded in count as well as in time).
* 3 analysts (`Analyst`, fixed_count 3) page through the risk list.

The plan (sessions, CSRF secret, visits per inspector, the risk list's URL) is a JSON file named
by BENCH_PLAN; every key sent is written to BENCH_KEYS at the end (and the final statistics to
BENCH_STATS), so that the benchmark can
check the database afterwards: as many findings as unique keys, none lost, none doubled.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import uuid

from locust import HttpUser, between, events, task
from locust.exception import StopUser

PLAN = json.loads(open(os.environ["BENCH_PLAN"]).read())  # noqa: SIM115
SENT: dict[str, list[str]] = {"findings": [], "results": [], "replays": []}
_slots = itertools.count()

CATEGORIES = PLAN["categories"]


@events.quitting.add_listener
def _write_keys_and_stats(environment, **_kwargs) -> None:
    """At the very end (after the stop timeout let the last bursts finish): every key sent, and
    the final statistics per request kind."""
    with open(os.environ["BENCH_KEYS"], "w") as handle:
        json.dump(SENT, handle)
    stats = environment.runner.stats
    rows = []
    for entry in [*stats.entries.values(), stats.total]:
        rows.append(
            {
                "name": entry.name,
                "requests": entry.num_requests,
                "failures": entry.num_failures,
                "p50": entry.get_response_time_percentile(0.5) or 0,
                "p95": entry.get_response_time_percentile(0.95) or 0,
                "p99": entry.get_response_time_percentile(0.99) or 0,
                "rps": entry.total_rps,
            }
        )
    with open(os.environ["BENCH_STATS"], "w") as handle:
        json.dump(rows, handle)


def _headers(key: str) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "Accept": "application/json",
        "Idempotency-Key": key,
        "X-CSRFToken": PLAN["csrf"],
    }


class Inspector(HttpUser):
    fixed_count = 20
    # Time at the door between two visits (offline: nothing is sent meanwhile).
    wait_time = between(0.5, 2.0)

    def on_start(self) -> None:
        slot = next(_slots) % len(PLAN["inspectors"])
        me = PLAN["inspectors"][slot]
        self.client.cookies.set(PLAN["cookie_name"], me["session"])
        self.client.cookies.set(PLAN["csrf_cookie_name"], PLAN["csrf"])
        self.visits = list(me["visits"])

    def _send(self, url: str, body: dict, key: str, name: str, kind: str) -> None:
        """POST one outbox item; its key counts as sent once an answer came back (a burst that
        the end of the run cut short was never sent, as a tablet's outbox would still hold it)."""
        expected = (200,) if kind == "replays" else (201, 200)
        with self.client.post(
            url, data=json.dumps(body), headers=_headers(key), name=name, catch_response=True
        ) as response:
            if response.status_code not in expected:
                response.failure(f"{response.status_code}: {response.text[:200]}")
        SENT[kind].append(key)

    @task
    def next_visit(self) -> None:
        if not self.visits:
            raise StopUser()
        visit = self.visits.pop(0)
        burst: list[tuple[str, dict, str, str, str]] = []
        result_key = str(uuid.uuid4())
        body = {"result": "aangetroffen", "residents_found": random.randint(1, 5), "notes": ""}
        burst.append(
            (visit["result_url"], {**body, "version": 1}, result_key, "sync: resultaat", "results")
        )
        for _ in range(random.randint(1, 3)):
            finding = {
                "category": random.choice(CATEGORIES),
                "description": "Vastgesteld tijdens het huisbezoek.",
            }
            burst.append(
                (visit["finding_url"], finding, str(uuid.uuid4()), "sync: bevinding", "findings")
            )
        # Back online: the outbox sends the whole burst, one after the other, without waiting.
        for url, payload, key, name, kind in burst:
            self._send(url, payload, key, name, kind)
        # Lost answers: part of the burst is sent again with the same keys.
        for url, payload, key, name, _kind in random.sample(burst, k=random.randint(0, len(burst))):
            self._send(url, payload, key, name.replace("sync:", "replay:"), "replays")


class Analyst(HttpUser):
    fixed_count = 3
    wait_time = between(1.0, 3.0)

    def on_start(self) -> None:
        slot = random.randrange(len(PLAN["analysts"]))
        self.client.cookies.set(PLAN["cookie_name"], PLAN["analysts"][slot])

    @task
    def risk_page(self) -> None:
        page = random.randint(1, PLAN["risk_pages"])
        with self.client.get(
            f"{PLAN['risks_url']}?pagina={page}",
            name="pagina: risicolijst",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 200:
                response.failure(str(response.status_code))
