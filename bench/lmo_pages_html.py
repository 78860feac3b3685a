"""Every shipped LMO page rendered in-process, as a new process renders them (each page once, in
the order bench_lmo_pages asks them, an anonymous reader's page with the parts it shares with
other pages taken from the read cache), written to OUT, one file per page, and the server CPU
of a first render printed: run it on two checkouts and compare the directories (`diff -r`) to
prove a change of the LMO page's code left the pages as they were (issue 15, first renders).

PYTHONPATH=<checkout>/src python -m bench.lmo_pages_html OUT [LANGS, default en]
(BENCH_DIR=/tmp/bench-reads: the database of bench_reads, imported once)"""

from __future__ import annotations

import logging
import os
import sys
import time
from pathlib import Path
from urllib.parse import unquote

from bench.bench_reads import _paths, prepared


def _request(app, path: str):
    from starlette.requests import Request

    scope = {
        "type": "http",
        "method": "GET",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"127.0.0.1:8000")],
        "app": app,
        "scheme": "http",
        "server": ("127.0.0.1", 8000),
        "client": ("127.0.0.1", 1),
    }
    return Request(scope)


def main() -> None:
    out = Path(sys.argv[1])
    langs = (sys.argv[2] if len(sys.argv) > 2 else "en").split(",")
    _root, db = prepared()
    os.environ["BCH_DATABASE_URL"] = f"sqlite:///{db}"
    from bch.api.app import create_app
    from bch.cli.common import load_settings
    from bch.cli.warm import warm
    from bch.services.container import Services
    from bch.services.policy import ANONYMOUS
    from bch.web import lmo_page

    logging.disable(logging.INFO)
    settings = load_settings()
    svc = Services.open(settings.database_url, settings=settings)
    app = create_app(svc)
    warm(svc)  # what `bch serve` builds before the first reader
    _records, _ds, pages, _json = _paths(db)
    paths = [p.replace("/en/", f"/{lang}/", 1) for lang in langs for p in pages]
    kwargs = {"keep": True} if "keep" in lmo_page._lmo_page.__code__.co_varnames else {}
    out.mkdir(parents=True, exist_ok=True)
    cpu = time.process_time()
    for i, path in enumerate(paths):
        _, lang, _, uid = path.split("/", 3)
        response = lmo_page._lmo_page(
            _request(app, path), lang, unquote(uid), svc, ANONYMOUS, **kwargs
        )
        (out / f"{i:05d}.html").write_bytes(path.encode() + b"\n" + response.body)
    cpu = (time.process_time() - cpu) * 1000 / max(len(paths), 1)
    print(f"{len(paths)} LMO pages written to {out}: {cpu:.2f} ms of CPU per first render")
    print("load average:", " ".join(f"{x:.1f}" for x in os.getloadavg()))


if __name__ == "__main__":
    main()
