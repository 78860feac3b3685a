"""Reading pages over the shipped data (in-process, SQLite): the LMO page of MON810 and of a
stack, the search page at page 1 and at a deep page number (walked over keyset cursors), a
download of a search, and the external-databases fragment (first and repeated). Prints the
median of a few runs and the HTML size."""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from fastapi.testclient import TestClient

from bch.api.app import create_app
from bch.importer.run import import_shipped
from bch.services.container import Services

RUNS = 5
PAGES = {
    "LMO page, MON810": "/en/lmos/MON-%C3%98%C3%9881%C3%98-6",
    "LMO page, stack NK603 x MON810": (
        "/en/lmos/MON-%C3%98%C3%986%C3%983-6%20%C3%97%20MON-%C3%98%C3%9881%C3%98-6"
    ),
    "search maize, page 1": "/en/search?q=maize",
    "search decisions, page 10": "/en/search?schema=biosafetyDecision&page_no=10",
    "search maize (fr), crop facet": "/fr/search?q=ma%C3%AFs&schema=biosafetyDecision",
    "download decisions (CSV)": "/en/search?schema=biosafetyDecision&format=csv",
    "download decisions (NDJSON)": "/en/search?schema=biosafetyDecision&format=ndjson",
}


def timed(client: TestClient, path: str, **kw) -> tuple[float, int]:
    start = time.perf_counter()
    r = client.get(path, **kw)
    assert r.status_code == 200, (path, r.status_code)
    return (time.perf_counter() - start) * 1000, len(r.content)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        svc = Services.open(f"sqlite:///{Path(tmp) / 'bench.db'}")
        start = time.perf_counter()
        import_shipped(svc)
        print(f"{'import of the shipped data':40s} {time.perf_counter() - start:8.1f} s")
        client = TestClient(create_app(svc))
        for label, path in PAGES.items():
            timed(client, path)  # warm
            runs = [timed(client, path) for _ in range(RUNS)]
            ms = statistics.median(r[0] for r in runs)
            print(f"{label:40s} {ms:8.1f} ms  {runs[0][1] / 1024:8.1f} KiB")
        fragment = "/en/lmos/MON-%C3%98%C3%9881%C3%98-6/matches?methods=false"
        first = timed(client, fragment, headers={"HX-Request": "true"})[0]
        again = statistics.median(
            timed(client, fragment, headers={"HX-Request": "true"})[0] for _ in range(RUNS)
        )
        print(f"{'external databases, first request':40s} {first:8.1f} ms")
        print(f"{'external databases, repeated':40s} {again:8.1f} ms")
        svc.close()


if __name__ == "__main__":
    main()
