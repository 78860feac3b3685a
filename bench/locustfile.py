"""The realistic mix of `make load` / `make soak` (bench/load.py runs it with locust, headless):
search, record GET, LMO page, change feed, export, and writes through the publishing workflow
with a test account (a draft of a synthetic, labelled authority record, then its publication).
Paths come from the served database: LOAD_PATHS (a JSON file written by bench/load.py);
LOAD_TOKEN is the test account's API token. LOAD_REQUESTS=N ends the run once N requests were
answered (locust's --run-time is then only its bound): a short run that counts requests, not
seconds, which a loaded machine may spend before the first answer."""

from __future__ import annotations

import json
import os
import random
import uuid

import gevent
from locust import FastHttpUser, between, events, stats, task

with open(os.environ["LOAD_PATHS"], encoding="utf-8") as fh:
    PATHS = json.load(fh)
TOKEN = os.environ.get("LOAD_TOKEN", "")
STOP_AFTER = int(os.environ.get("LOAD_REQUESTS") or 0)  # 0: run for --run-time
WORDS = ["maize", "soybean", "cotton", "canola", "glyphosate", "insect", "potato", "rice"]

_run = {"answered": 0, "environment": None}


@events.init.add_listener
def _keep_environment(environment, **_kw) -> None:
    _run["environment"] = environment


@events.request.add_listener
def _count(**_kw) -> None:
    """Every answered request (failures too); the run ends at the STOP_AFTER-th (in a greenlet
    of its own: never from inside a user's request)."""
    _run["answered"] += 1
    if STOP_AFTER and _run["answered"] == STOP_AFTER:
        gevent.spawn(_end)


def _end() -> None:
    """The users stop; the CSV files, written every CSV_STATS_INTERVAL_SEC (never at the end),
    get the final figures; then locust quits as at the end of its --run-time."""
    runner = _run["environment"].runner
    runner.stop()
    gevent.sleep(stats.CSV_STATS_INTERVAL_SEC + 0.5)
    runner.quit()


class Visitor(FastHttpUser):
    wait_time = between(0.0, 0.2)

    @task(5)
    def record(self):
        self.client.get(random.choice(PATHS["records"]), name="record GET")

    @task(3)
    def search(self):
        word = random.choice(WORDS)
        self.client.get(f"/api/v1/records?q={word}&limit=20", name="search")

    @task(2)
    def lmo_page(self):
        self.client.get(random.choice(PATHS["lmo_pages"]), name="LMO page")

    @task(1)
    def feed(self):
        since = random.randint(0, PATHS["last_sequence"])
        self.client.get(f"/api/v1/changes?since={since}&limit=50", name="change feed")

    @task(1)
    def web_search(self):
        self.client.get(f"/en/search?q={random.choice(WORDS)}", name="web search")

    @task(1)
    def export(self):
        with self.client.get(random.choice(PATHS["exports"]), name="export", stream=True) as r:
            for _ in r.iter_content(65536):
                pass

    @task(1)
    def publish(self):
        if not TOKEN:
            return
        ident = f"load-test-{uuid.uuid4()}"
        auth = {"Authorization": f"Bearer {TOKEN}"}
        doc = {
            "header": {"identifier": ident, "schema": "authority", "languages": ["en"]},
            "government": {"identifier": "KE"},
            "name": {"en": f"Load test authority {ident} (synthetic, not real data)"},
            "cpbOrganismTypes": [{"identifier": "TypeOfOrganisms.plants"}],
        }
        self.client.put(f"/api/v1/drafts/{ident}", json=doc, headers=auth, name="draft PUT")
        self.client.post(f"/api/v1/drafts/{ident}/publish", headers=auth, name="publish")
