"""Public consultations at scale (issue 14): one consultation with 20,000 comments on SQLite.

The comments are SYNTHETIC, generated from the real comment windows shipped in
data/raw/gmo_map_2026_10/consultations.json (each text quotes a real window's title and says it is
synthetic); the commenters are invented accounts (bench-N@example.org). Measured: sending
comments through the service (one transaction each), the first and a deep page of the API's
keyset-paginated list, the consultation's web page (200 comments), the CSV and the PDF exports."""

from __future__ import annotations

import json
import os
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from fastapi.testclient import TestClient

from bch.api.app import create_app
from bch.config import data_dir
from bch.services.container import Services
from bch.services.policy import Principal
from bch.storage.rows import utcnow

COMMENTS = int(os.environ.get("BENCH_COMMENTS", "20000"))


def _ms(fn) -> tuple[float, object]:
    start = time.perf_counter()
    out = fn()
    return (time.perf_counter() - start) * 1000, out


def main() -> None:
    windows = json.loads(
        (data_dir() / "raw/gmo_map_2026_10/consultations.json").read_text(encoding="utf-8")
    )["consultations"]
    with tempfile.TemporaryDirectory() as tmp:
        svc = Services.open(f"sqlite:///{Path(tmp) / 'bench.db'}")
        svc.accounts.add_user("nfp.ke@example.org", role="nfp", country="KE", by="bench")
        nfp = Principal(user_id=1, email="nfp.ke@example.org", roles=frozenset({("nfp", "KE")}))
        users = [svc.accounts.add_user(f"bench-{i}@example.org", by="bench") for i in range(50)]
        con = svc.consultations.create(
            nfp,
            {
                "country": "KE",
                "title": {"en": "SYNTHETIC consultation for a benchmark"},
                "closesAt": (utcnow() + timedelta(days=30)).date().isoformat(),
                "moderation": "after",
            },
        )
        start = time.perf_counter()
        for i in range(COMMENTS):
            u = users[i % len(users)]
            w = windows[i % len(windows)]
            svc.consultations.comment(
                Principal(user_id=u.id, email=u.email),
                con["id"],
                {
                    "text": f"SYNTHETIC comment {i} on: {w['title']} ({w['ref']})",
                    "language": "en",
                    "consent": True,
                },
                client=None,
            )
        took = time.perf_counter() - start
        print(f"{COMMENTS} comments sent in {took:.1f} s ({COMMENTS / took:.0f}/s)")
        with TestClient(create_app(svc)) as c:
            url = f"/api/v1/consultations/{con['id']}"
            ms, r = _ms(lambda: c.get(f"{url}/comments?limit=100"))
            print(f"API first page (100): {ms:.0f} ms")
            cursor = r.json()["next"]
            pages = min(50, COMMENTS // 100 - 2)
            for _ in range(pages):
                cursor = c.get(f"{url}/comments?limit=100&cursor={cursor}").json()["next"]
            ms, _r = _ms(lambda: c.get(f"{url}/comments?limit=100&cursor={cursor}"))
            print(f"API page {pages + 2} (100): {ms:.0f} ms")
            ms, _r = _ms(lambda: c.get(f"/en/consultations/{con['id']}"))
            print(f"web page (200 comments): {ms:.0f} ms")
            ms, r = _ms(lambda: c.get(f"{url}/comments.csv"))
            print(f"CSV of {COMMENTS} comments: {ms:.0f} ms, {len(r.content) / 1e6:.1f} MB")
            ms, r = _ms(lambda: c.get(f"{url}.pdf"))
            print(f"PDF of {COMMENTS} comments: {ms:.0f} ms, {len(r.content) / 1e6:.1f} MB")
        svc.close()


if __name__ == "__main__":
    main()
