"""The unified API at scale (SQLite): BENCH_RECORDS synthetic records (default 1,000,000) made
from the shipped real ones, then, over HTTP against a real uvicorn server on 127.0.0.1:
search with text + two filters + two facets (p50/p95), record GET throughput against a bare
endpoint of the same server, NDJSON export throughput and the server's peak RSS, and the same
kind of search on Datasette serving the same database file, side by side.

Synthetic records are copies of real records, clearly marked: header identifiers start with
`synthetic-`, display titles with "[synthetic]", and relevantInformation says so. They get every
row a publish writes (revision, change sequence, facets, per-language texts; see
bch.storage.bulk), except record links and LMO UID keys (so UID lookups keep answering with the
real records only). Datasette is installed into a throwaway virtualenv (not a dependency)."""

from __future__ import annotations

import json
import os
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

import httpx
import orjson
from sqlalchemy import select

from bch.importer.run import import_shipped
from bch.services.container import Services
from bch.services.documents import content_hash
from bch.services.facets import TITLE_SORT, sort_key
from bch.storage.bulk import bulk_publish
from bch.storage.rows import NewRevision
from bch.storage.tables import documents, record_facets, revisions, search_texts
from bench.servers import Server, bch_server, datasette_server, throughput, wait_for_index

BATCH = 5000
WORDS = ["maize", "soybean", "cotton", "canola", "potato", "rice", "glyphosate", "insect"]
NOTE = "Synthetic benchmark record copied from the real record {uid}; not real data."


def _templates(svc: Services) -> list[dict]:
    """Every live real record with the derived rows a publish wrote for it."""
    with svc.store.reading() as conn:
        docs = {r.id: dict(r._mapping) for r in conn.execute(select(documents))}
        bodies = {
            r.document_id: r.body
            for r in conn.execute(select(revisions.c.document_id, revisions.c.body))
        }
        facets: dict[int, list] = {}
        for r in conn.execute(select(record_facets)):
            if r.field != TITLE_SORT:
                facets.setdefault(r.document_id, []).append((r.field, r.value))
        texts: dict[int, dict] = {}
        for r in conn.execute(select(search_texts)):
            texts.setdefault(r.document_id, {})[r.lang] = r.content
    out = []
    for doc_id, d in sorted(docs.items()):
        uid = f"{d['realm']}-{d['short_code']}-{d['owner']}-{doc_id}-{d['latest_revision']}"
        out.append(
            {
                **d,
                "uid": uid,
                "body": bodies[doc_id],
                "facets": facets.get(doc_id, []),
                "texts": texts.get(doc_id, {}),
            }
        )
    return out


def _synthetic(t: dict, i: int, fields: set[str]) -> NewRevision:
    body = orjson.loads(orjson.dumps(t["body"]))
    ident = f"synthetic-{i:08d}-{t['identifier'][:20]}"
    body["header"]["identifier"] = ident
    note = NOTE.format(uid=t["uid"])
    if "relevantInformation" in fields and "en" in body["header"].get("languages", []):
        body["relevantInformation"] = {"en": note}
    title = {k: f"[synthetic] {v}" for k, v in t["title"].items()}
    texts = {lang: f"{c}\n{note}" for lang, c in t["texts"].items()}
    return NewRevision(
        identifier=ident,
        realm=t["realm"],
        schema=t["schema"],
        short_code=t["short_code"],
        owner=t["owner"],
        title=title,
        body=body,
        hash=content_hash(body),
        by="bench:synthetic",
        warnings=[],
        links=[],  # no links and no UID keys: lookups by UID answer with the real records only
        lmo_keys=[],
        facets=[
            *t["facets"],
            (TITLE_SORT, sort_key(title.get("en") or next(iter(title.values())))),
        ],
        texts=texts,
    )


def build(path: Path, total: int) -> tuple[Services, float]:
    """A SQLite file with the shipped data and synthetic copies up to `total` records."""
    return populate(Services.open(f"sqlite:///{path}"), total)


def populate(svc: Services, total: int) -> tuple[Services, float]:
    """Import the shipped data into `svc`, then add synthetic copies up to `total` records;
    returns the services and the seconds the copies took."""
    import_shipped(svc)
    return svc, add_synthetic(svc, total)


def add_synthetic(svc: Services, total: int) -> float:
    """Synthetic copies of the real records of `svc` (the shipped data, imported) up to `total`
    records; returns the seconds they took."""
    templates = _templates(svc)
    fields = {t["schema"]: set(svc.registry.record_type(t["schema"]).fields) for t in templates}
    start = time.perf_counter()
    made = len(templates)
    i = 0
    while made < total:
        batch = []
        for _ in range(min(BATCH, total - made)):
            t = templates[i % len(templates)]
            batch.append(_synthetic(t, i, fields[t["schema"]]))
            i += 1
        with svc.store.writing() as conn:
            bulk_publish(conn, batch, datetime.now(UTC))
        made += len(batch)
    with svc.engine.begin() as conn:  # committed: statistics for the planner
        conn.exec_driver_sql("ANALYZE")
        if conn.dialect.name == "sqlite":
            fts = "search_tokens_fts"
            conn.exec_driver_sql(f"INSERT INTO {fts}({fts}) VALUES ('optimize')")
    return time.perf_counter() - start


def sample_ids(svc: Services) -> list[str]:
    """UIDs of every 97th record (at most 5,000), for record GETs."""
    with svc.store.reading() as conn:
        return [
            f"{r.realm}-{r.short_code}-{r.owner}-{r.id}"
            for r in conn.execute(
                select(documents.c.id, documents.c.realm, documents.c.short_code, documents.c.owner)
                .where(documents.c.id % 97 == 0)
                .limit(5000)
            )
        ]


def measure_search(client: httpx.Client, urls: list[str], prefix: str = "search") -> dict:
    """p50/p95 (and mean) of the URLs, after ten of them as a warm-up."""
    _latencies(client, urls[:10])
    lat = _latencies(client, urls)
    return {
        f"{prefix}_p50_ms": round(_pct(lat, 0.5), 1),
        f"{prefix}_p95_ms": round(_pct(lat, 0.95), 1),
        f"{prefix}_mean_ms": round(statistics.mean(lat) * 1000, 1),
    }


def measure_gets(server: Server, ids: list[str]) -> dict:
    """Record GET throughput against the bare endpoint of the same server."""
    bare = throughput(lambda rnd: server.url("/bare"))
    gets = throughput(lambda rnd: server.url(f"/api/v1/records/{rnd.choice(ids)}"))
    return {
        "bare_rps": round(bare),
        "record_get_rps": round(gets),
        "record_get_vs_bare": f"{gets / bare:.0%}",
    }


def measure_export(server: Server) -> dict:
    """The LMO NDJSON dump read as bytes (the client must not be the bottleneck)."""
    start = time.perf_counter()
    lines = 0
    with httpx.stream(
        "GET", server.url("/api/v1/export/modifiedOrganism.ndjson"), timeout=None
    ) as r:
        for chunk in r.iter_raw(1 << 20):
            lines += chunk.count(b"\n")
    records = lines - 1  # the first line is the dump's _meta
    return {
        "export_records": records,
        "export_rps": round(records / (time.perf_counter() - start)),
    }


def _pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(p * len(values)))] * 1000


def _latencies(client: httpx.Client, urls: list[str]) -> list[float]:
    out = []
    for u in urls:
        start = time.perf_counter()
        r = client.get(u)
        out.append(time.perf_counter() - start)
        if r.status_code != 200:
            raise RuntimeError(f"{u} -> {r.status_code}: {r.text[:300]}")
    return out


def bch_queries(n: int) -> list[str]:
    rnd = random.Random(7)
    out = []
    for i in range(n):
        word = rnd.choice(WORDS)
        if i % 2:
            params = [
                ("q", word),
                ("schema", "modifiedOrganism"),
                ("trait", "dnaSequenceTraits.herbicides"),
                ("facet", "country"),
                ("facet", "trait"),
            ]
        else:
            params = [
                ("q", word),
                ("schema", "biosafetyDecision"),
                ("decisionScope", "food"),
                ("facet", "country"),
                ("facet", "decisionResult"),
            ]
        out.append("/api/v1/records?" + urlencode([*params, ("limit", "20")]))
    return out


def harvester_page(start: int, rows: int) -> str:
    """A page a CBD index harvester asks for (tests/compat/test_cbd_harvester.py)."""
    params = [
        ("q", "*:*"),
        ("fq", "schema_s:modifiedOrganism"),
        ("fq", "realm_ss:bch"),
        ("fq", "_state_s:public"),
        ("fq", "NOT version_s:*"),
        ("fl", "identifier_s,uniqueIdentifier_s,title_t,updatedDate_dt"),
        ("sort", "updatedDate_dt asc, identifier_s asc"),
        ("start", str(start)),
        ("rows", str(rows)),
        ("wt", "json"),
    ]
    return "/api/v2013/index/select?" + urlencode(params)


def _harvester_pages(lmos: int, n: int = 20, rows: int = 100) -> list[str]:
    """Harvester pages at offsets spread over all the LMOs."""
    rnd = random.Random(11)
    return [harvester_page(rnd.randrange(max(1, lmos - rows)), rows) for _ in range(n)]


def _datasette_queries(n: int) -> list[str]:
    """The same searches on Datasette: text and the facet-table filter as `_where`, the schema
    as a column filter, facets on two columns of the same rows."""
    rnd = random.Random(7)
    out = []
    for i in range(n):
        word = rnd.choice(WORDS)
        text = (
            "id in (select rowid from search_tokens_fts where search_tokens_fts match "
            f"'{{words}} : \"{word}\"*')"
        )
        if i % 2:
            schema, field, value = "modifiedOrganism", "traits", "dnaSequenceTraits.herbicides"
        else:
            schema, field, value = "biosafetyDecision", "decisionScope", "food"
        facet_filter = (
            "id in (select document_id from record_facets "
            f"where field = '{field}' and value = '{value}')"
        )
        params = [
            ("_where", text),
            ("_where", facet_filter),
            ("schema", schema),
            ("_facet", "owner"),
            ("_facet", "short_code"),
            ("_size", "20"),
            ("_nocount", "1"),
        ]
        out.append("/bench/documents.json?" + urlencode(params))
    return out


def main() -> None:
    total = int(os.environ.get("BENCH_RECORDS", "1000000"))
    queries = int(os.environ.get("BENCH_QUERIES", "200"))
    keep = os.environ.get("BENCH_DIR")
    root = Path(keep or tempfile.mkdtemp(prefix="bch-bench-"))
    root.mkdir(parents=True, exist_ok=True)
    path = root / "bench.db"
    if path.exists() and not keep:
        path.unlink()
    Path(f"{path}.search-index").unlink(missing_ok=True)  # measure a first build
    if path.exists():
        svc = Services.open(f"sqlite:///{path}")
        load = 0.0
    else:
        svc, load = build(path, total)
    with svc.store.reading() as conn:
        size = svc.store.count_documents(conn)
        lmos = svc.store.counts_by_schema(conn).get("modifiedOrganism", 0)
    ids = sample_ids(svc)
    svc.close()
    figures: dict[str, object] = {
        "records": size,
        "load_s": round(load, 1),
        "db_mb": round(path.stat().st_size / 2**20),
    }

    server = bch_server(path)
    try:
        with httpx.Client(timeout=60) as c:
            urls = [server.url(u) for u in bch_queries(queries)]
            figures["search_index_build_s"] = wait_for_index(c, server)
            figures["search_server_peak_rss_mb"] = round(server.peak_rss_mb())
            figures.update(measure_search(c, urls))
            figures.update(measure_search(c, [u + "&sort=id" for u in urls], "search_sort_id"))
            harvest = [server.url(u) for u in _harvester_pages(lmos)]
            figures.update(measure_search(c, harvest, "v2013_harvest_page"))
        figures.update(measure_gets(server, ids))
    finally:
        server.stop()

    server = bch_server(path)  # a restarted server loads the index saved by the first one
    try:
        with httpx.Client(timeout=60) as c:
            figures["search_index_restart_s"] = wait_for_index(c, server)
    finally:
        server.stop()

    server = bch_server(path)  # a fresh process: its peak RSS is the export's
    try:
        figures.update(measure_export(server))
        figures["export_peak_rss_mb"] = round(server.peak_rss_mb())
        figures["export_lmos_expected"] = lmos
    finally:
        server.stop()

    ds = datasette_server(
        root,
        path,
        "--setting",
        "sql_time_limit_ms",
        "60000",
        "--setting",
        "facet_time_limit_ms",
        "60000",
        "--setting",
        "suggest_facets",
        "off",
        immutable=True,
    )
    if ds is not None:
        try:
            with httpx.Client(timeout=120) as c:
                urls = [ds.url(u) for u in _datasette_queries(queries)]
                _latencies(c, urls[:10])
                lat = _latencies(c, urls)
                figures["datasette_p50_ms"] = round(_pct(lat, 0.5), 1)
                figures["datasette_p95_ms"] = round(_pct(lat, 0.95), 1)
        finally:
            ds.stop()
    print(json.dumps(figures, indent=1))


if __name__ == "__main__":
    main()
