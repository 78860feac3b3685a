"""Name resolution accuracy and speed on REAL name variants, and matches under a deadline.

Labelled set: every name a source writes next to a UID column in the shipped data — ISAAA 2023
event pages (event name, trade names, the event-code cell as written), ISAAA 2019 and BioTrack
2019 scrapes (event, trade name, UID cell), the CFIA register (title, product name, each UID as
written with zeros), lmo_events.csv (event, trade names, UID) and EURL-GMFF targets that carry a
UID (``123.8.8 (FLO-40685-2, Carnation)``). The truth is the UID column's key, never the
resolver. A name that the sources attach to several UIDs is "ambiguous in the sources": the
right answer is to report ambiguity, so answering it counts as a wrong answer, and it is left
out of the recall denominator.
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from bch.importer import sources as raw
from bch.importer.events import reliable_uid
from bch.resolve.aliases import build_aliases
from bch.resolve.index import Resolver

_NA = {"", "not available", "n/a", "na", "none"}


def _key(text: str) -> str | None:
    parsed = reliable_uid(text) if text and text.strip().casefold() not in _NA else None
    return parsed.key if parsed else None


def labelled_set() -> list[tuple[str, str, str]]:
    """(name, truth key, source group), deduplicated."""
    d = raw.default_data_dir()
    out: set[tuple[str, str, str]] = set()

    def add(name: str, key: str | None, group: str) -> None:
        name = (name or "").strip()
        if key and name and name.casefold() not in _NA:
            out.add((name, key, group))

    for row in raw.read_json(d / "raw/isaaa_eventlist_2023_gmo_pwa/scrap.json"):
        code, _, trade = row["eventCode"].partition("\n")
        uid = code.split(":", 1)[-1].strip()
        key = _key(uid)
        add(row["eventName"].split(":", 1)[-1], key, "isaaa2023")
        add(uid, key, "isaaa2023")
        for t in trade.split(":", 1)[-1].split(","):
            add(t, key, "isaaa2023")
    for group, reader in (
        ("isaaa2019", raw.isaaa_gene_rows),
        ("biotrack2019", raw.biotrack_gene_rows),
    ):
        for g in reader(d):
            key = _key(g.code)
            add(g.name, key, group)
            add(g.code, key, group)
            for t in g.trade_name.split(","):
                add(t, key, group)
    for rec in raw.cfia_records(d):
        keys = [_key(u) for u in rec.get("oecd") or []]
        for u, k in zip(rec.get("oecd") or [], keys, strict=True):
            add(u, k, "cfia")
        if len(keys) == 1:
            add(rec["name"], keys[0], "cfia")
            product = rec["name"].split("—", 1)[-1].rsplit("(", 1)[0]
            add(product, keys[0], "cfia")
    for row in raw.lmo_events(d):
        key = _key(row["unique_identifier"])
        add(row["event_name"], key, "lmo_events")
        add(row["unique_identifier"], key, "lmo_events")
        for t in row["trade_names"].split(";"):
            add(t, key, "lmo_events")
    for row in raw.crl_amplicons(d):
        for inner in row["target"].split("(")[1:]:
            for part in inner.rstrip(")").split(","):
                if _key(part.strip()):
                    add(row["target"], _key(part.strip()), "eurl_targets")
    return sorted(out)


def evaluate(resolver: Resolver, items: list[tuple[str, str, str]]) -> dict[str, float]:
    truths: dict[str, set[str]] = defaultdict(set)
    for name, key, _ in items:
        truths[name].add(key)
    names = sorted(truths)
    answered = correct = unique = found = ambiguous_names = ambiguous_reported = 0
    in_universe = 0
    for name in names:
        keys = truths[name] & set(resolver.lmos)
        if not keys:
            continue
        in_universe += 1
        res = resolver.resolve(name)
        best = res.best
        if len(keys) > 1:
            ambiguous_names += 1
            ambiguous_reported += best is None
            answered += best is not None
            continue
        unique += 1
        if best is not None:
            answered += 1
            if best.key in keys:
                correct += 1
                found += 1
    return {
        "names": in_universe,
        "unique": unique,
        "answered": answered,
        "precision": correct / answered if answered else 1.0,
        "recall": found / unique if unique else 1.0,
        "ambiguous_in_sources": ambiguous_names,
        "ambiguity_reported": ambiguous_reported / ambiguous_names if ambiguous_names else 1.0,
    }


def throughput(resolver: Resolver, names: list[str], seconds: float = 2.0) -> float:
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for n in names:
            resolver.resolve(n)
        done += len(names)
    return done / (time.perf_counter() - start)


def bench_resolution() -> None:
    items = labelled_set()
    lmos, aliases = build_aliases()
    full = Resolver(lmos, aliases)
    print(f"labelled set: {len(items)} (name, UID) pairs, {len({n for n, _, _ in items})} names")
    r = evaluate(full, items)
    print(
        f"all sources indexed: precision {r['precision']:.4f}, recall {r['recall']:.4f} "
        f"({r['answered']} answered of {r['names']} names; {r['ambiguous_in_sources']} names "
        f"ambiguous in the sources, ambiguity reported for {r['ambiguity_reported']:.1%})"
    )
    for group in ("isaaa2023", "isaaa2019", "biotrack2019", "cfia", "lmo_events"):
        sub = [i for i in items if i[2] == group]
        lmos_g, aliases_g = build_aliases(exclude=frozenset({group}))
        g = evaluate(Resolver(lmos_g, aliases_g), sub)
        print(
            f"  leave-one-source-out {group:13s}: precision {g['precision']:.4f}, "
            f"recall {g['recall']:.4f} ({g['unique']} unique names)"
        )
    names = sorted({n for n, _, _ in items})
    print(f"throughput: {throughput(full, names):,.0f} names/s ({len(names)} distinct real names)")


def bench_matches() -> None:
    from fastapi.testclient import TestClient

    from bch.api.app import create_app
    from bch.importer.run import import_shipped
    from bch.services.container import Services
    from bch.services.matches import MatchService
    from bch.sources.cache import SourceStore
    from bch.sources.http import SourceHttp
    from bch.sources.registry import SourceRegistry
    from bch.storage.source_cache import SourceCacheRepository
    from tests.sources import pages
    from tests.sources.conftest import HANG, Site

    hang = Site({"*": HANG})
    local = Site(
        {
            "/dyna2/gm-register/details/11": pages.EU_REGISTER_11,
            "/eng/gmo/db/15.docu.html": pages.GMO_COMPASS_15,
            "*": (404, "not found"),
        }
    )
    env = {"BCH_SOURCES_MODE": "offline"}
    for name in ("fao", "eu_register", "cera", "gmo_compass", "biotradestatus", "croplife"):
        env[f"BCH_SOURCE_{name.upper()}_MODE"] = "live"
        env[f"BCH_SOURCE_{name.upper()}_URL"] = local.url
    env["BCH_SOURCE_EU_REGISTER_URL"] = local.url + "dyna2/gm-register/"
    env["BCH_SOURCE_GMO_COMPASS_URL"] = local.url + "eng/gmo/db/"
    env["BCH_SOURCE_ISAAA_MODE"] = "live"  # the hanging one
    env["BCH_SOURCE_ISAAA_URL"] = hang.url
    with tempfile.TemporaryDirectory() as tmp:
        svc = Services.open(f"sqlite:///{Path(tmp) / 'bench.db'}")
        import_shipped(svc)
        ms = MatchService(
            svc.lmos,
            SourceRegistry.from_env(env),
            SourceStore(SourceCacheRepository(svc.db)),
            http=SourceHttp(min_interval=0.0),
            deadline=2.0,
            warm=False,
        )
        ms.warm()
        svc.__dict__["matches"] = ms
        client = TestClient(create_app(svc))
        client.get("/healthz")  # start the in-process client before timing
        uids = [
            "MON-ØØ81Ø-6",
            "DAS-Ø15Ø7-1",
            "MON-Ø4Ø32-6",
            "MON-ØØ863-5 x MON-ØØ81Ø-6",
            "MON-ØØØ21-9",
            "SYN-IR162-4",
            "MON-89Ø34-3",
            "ACS-BNØØ8-2",
        ]
        cold, warm, inner, statuses = [], [], [], defaultdict(int)
        for uid in uids:
            start = time.perf_counter()
            body = client.get(f"/api/v1/lmos/{uid}/matches").json()
            cold.append(time.perf_counter() - start)
            inner.append(body["elapsedMs"] / 1000)
            for s in body["sources"]:
                statuses[f"{s['name']}={s['status']}"] += 1
            for _ in range(5):  # repeats within the cache lifetime
                start = time.perf_counter()
                assert client.get(f"/api/v1/lmos/{uid}/matches").json()["cached"]
                warm.append(time.perf_counter() - start)
        print(
            f"matches, 11 sources enabled (5 snapshots, 6 live on local servers, ISAAA live on a "
            f"hanging server), deadline 2 s: {len(uids)} LMOs, slowest {max(cold):.2f} s, "
            f"median {statistics.median(cold):.2f} s"
        )
        print(
            f"  isaaa statuses: {dict((k, v) for k, v in statuses.items() if k.startswith('isaaa'))}"
        )
        print(
            "  per LMO, client / service seconds: "
            + ", ".join(f"{a:.2f}/{b:.2f}" for a, b in zip(cold, inner, strict=True))
        )
        warm.sort()
        print(
            f"cached answer: median {statistics.median(warm) * 1000:.1f} ms, "
            f"p95 {warm[int(0.95 * len(warm)) - 1] * 1000:.1f} ms, max {warm[-1] * 1000:.1f} ms"
        )
        svc.close()
    hang.close()
    local.close()


def main() -> None:
    bench_resolution()
    asyncio.set_event_loop(asyncio.new_event_loop())
    bench_matches()


if __name__ == "__main__":
    main()
