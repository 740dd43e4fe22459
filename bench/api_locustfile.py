"""Locust scenario of bench/api_load.py: each user walks every target of the plan (the
dashboard, the first page of every list, every API endpoint) in turn, as the projectleider or
UWV's behandelaar: a verified session for the pages, the REST client's token for the API.

The plan (targets, sessions, tokens) is a JSON file named by BENCH_PLAN, written by
bench/api_load.py for one run; nothing of it is kept.
"""

from __future__ import annotations

import itertools
import json
import os
import random

from locust import HttpUser, between, task

PLAN = json.loads(open(os.environ["BENCH_PLAN"]).read())  # noqa: SIM115


class Client(HttpUser):
    wait_time = between(0.2, 0.8)

    def on_start(self) -> None:
        targets = list(PLAN["targets"])
        random.shuffle(targets)
        self.targets = itertools.cycle(targets)

    @task
    def next_target(self) -> None:
        target = next(self.targets)
        headers, cookies = {}, {}
        if target["auth"] == "token":
            headers["Authorization"] = f"Bearer {PLAN['tokens'][target['who']]}"
        else:
            cookies[PLAN["cookie_name"]] = PLAN["sessions"][target["who"]]
        with self.client.get(
            target["path"],
            name=target["name"],
            headers=headers,
            cookies=cookies,
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code}")
