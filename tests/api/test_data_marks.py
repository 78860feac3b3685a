"""Data written outside record publishes (issue 15 item 2's staleness bug): an import's detection
methods, provenance and reported approvals and a refreshed source snapshot append no entry to the
change sequence, so a cached answer made of them stayed until some record changed (or, within an
import of fewer than MAX_TAGGED changes, until a change touched that LMO). Each such write now
moves a data mark (storage/change_mark.bump) and the next anonymous read is computed again and
shows it. On both databases, through the page cache of the LMO page."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import quote

from bch.importer.reported import SOURCE as REPORTED_SOURCE
from bch.importer.run import IMPORT_USER
from bch.storage.read_deps import note
from tests import factories
from tests.accounts.helpers import client_for

PAGE = "/en/lmos/" + quote("MON-ØØ81Ø-6", safe="")
KEY = "MON-00810-6"


def _read(svc, client) -> tuple[str, str]:
    """The anonymous MON810 page and whether the page cache had it ("hit") or not."""
    hits, misses = svc.page_cache.hits, svc.page_cache.misses
    r = client.get(PAGE)
    assert r.status_code == 200, r.text
    assert (svc.page_cache.hits - hits, svc.page_cache.misses - misses) in ((1, 0), (0, 1))
    return r.text, "hit" if svc.page_cache.hits > hits else "miss"


def _cached(svc, client) -> str:
    first, _ = _read(svc, client)
    again, how = _read(svc, client)
    assert how == "hit" and again == first
    return first


def _marker(prefix: str) -> str:
    return prefix + factories.ident("t").replace("-", "")


def test_new_detection_methods_of_an_import_are_on_the_next_page(loaded_copy):
    """An import that publishes a few records (fewer than MAX_TAGGED, none of them this LMO)
    and adds a detection method of MON810: the page shows the method at once."""
    svc = loaded_copy
    with client_for(svc) as client:
        before = _cached(svc, client)
        code = _marker("QL-ZQ-")
        method = {
            "source": "eurl_gmff",
            "code": code,
            "method_type": "event-specific",
            "scope": "quantitative",
            "target": "MON810 junction",
            "lmo_keys": [KEY],
            "data": {"name": f"method {code}"},
        }
        with svc.records.batch(by=IMPORT_USER) as batch:
            batch.publish(factories.authority("KE"), strict=False)
            assert svc.detection_methods.replace(batch.conn, [method]) == 1
        page, how = _read(svc, client)
        assert how == "miss" and code in page and code not in before
        again, how = _read(svc, client)
        assert how == "hit" and again == page
        # the same methods again: nothing changed, the page stays cached
        with svc.db.writing() as conn:
            assert svc.detection_methods.replace(conn, [method]) == 0
        assert _read(svc, client) == (page, "hit")


def test_changed_provenance_is_on_the_next_page(loaded_copy):
    svc = loaded_copy
    with client_for(svc) as client:
        before = _cached(svc, client)
        ident = svc.lmos.find(KEY).record.doc.identifier
        with svc.db.reading() as conn:
            blocks = svc.provenance.all(conn)
        assert blocks.get(ident, {}).get("fields"), "MON810 has a provenance block"
        name = _marker("zqmerged")
        blocks[ident] = {**blocks[ident], "merged": [name]}
        with svc.db.writing() as conn:
            assert svc.provenance.replace(conn, blocks) == 1
        page, how = _read(svc, client)
        assert how == "miss" and name in page and name not in before


def test_changed_reported_approvals_are_on_the_next_page(loaded_copy):
    svc = loaded_copy
    with client_for(svc) as client:
        before = _cached(svc, client)
        with svc.db.reading() as conn:
            rows = [
                {k: r[k] for k in ("country", "uid_key", "uid", "retrieved")}
                for r in svc.reported_approvals.for_country(conn, "US")
            ]
            own = {r["country"] for r in svc.reported_approvals.for_keys(conn, [KEY])}
            every = svc.reported_approvals.countries(conn)
        country = next(c for c in sorted(every) if c not in own)
        link = f'href="/en/countries/{country}"'
        assert link not in before
        with svc.db.reading() as conn:
            rows = [
                {k: r[k] for k in ("country", "uid_key", "uid", "retrieved")}
                for c in every
                for r in svc.reported_approvals.for_country(conn, c)
            ]
        retrieved = rows[0]["retrieved"]
        rows.append({"country": country, "uid_key": KEY, "uid": KEY, "retrieved": retrieved})
        with svc.db.writing() as conn:
            assert svc.reported_approvals.replace(conn, REPORTED_SOURCE, rows) == 1
        page, how = _read(svc, client)
        assert how == "miss" and link in page


def test_a_refreshed_source_snapshot_forgets_the_cached_answers(loaded_copy):
    """A snapshot stored by `bch sources refresh` (another process) moves the mark: the next
    read is computed again. A live look-up's answer (key uid:...) does not."""
    from bch.storage.source_cache import SourceCacheRepository

    svc = loaded_copy
    repo = SourceCacheRepository(svc.db)
    with client_for(svc) as client:
        page = _cached(svc, client)
        repo.put("eurl_gmff", f"uid:{KEY}", [], datetime.now(UTC))
        assert _read(svc, client) == (page, "hit")
        repo.put("eurl_gmff", "snapshot", [], datetime.now(UTC))
        assert _read(svc, client)[1] == "miss"


def test_an_answer_computed_while_a_mark_moved_is_not_kept(services):
    """The version the caches compare moves with the marks: an answer computed from data a
    mark's write changed meanwhile is given to its caller but not remembered."""
    from bch.storage.change_mark import bump

    services.records.publish(factories.organism("Zea mays"))  # a change to start from
    cache = services.page_cache

    def compute() -> str:
        note(("doc", "nothing-a-change-touches"))
        with services.db.writing() as conn:
            bump(conn, "detection_methods")
        return "old"

    assert cache.get(("k",), compute) == "old"
    assert cache.peek(("k",)) is None
    assert cache.get(("k",), lambda: "new") == "new"
    assert cache.peek(("k",)) == "new"
    with services.db.writing() as conn:  # a mark alone (no change of any record) forgets it
        bump(conn, "source_snapshots")
    assert cache.peek(("k",)) is None


def test_a_stacks_page_shows_a_new_revision_of_a_components_decision(loaded_copy):
    """A stack without decisions of its own shows its components' decisions: a new revision of
    one of them (a publish that does not touch the stack's record) is on its next page."""
    svc = loaded_copy
    stack = "/en/lmos/" + quote("ACS-BNØØ1-4 × ACS-BNØØ4-7", safe="")
    with client_for(svc) as client:
        first = client.get(stack)
        assert first.status_code == 200
        hits = svc.page_cache.hits
        assert client.get(stack).content == first.content and svc.page_cache.hits == hits + 1
        component = svc.lmos.find("ACS-BN001-4").record
        decision = next(
            d for f, d in component.referenced_by if f == "modifiedOrganisms"
        ).identifier
        body = svc.records.get(decision).document
        marker = _marker("zqstack")
        body["title"] = {**body.get("title", {}), "en": f"Decision {marker}"}
        svc.records.publish(body, strict=False)
        misses = svc.page_cache.misses
        page = client.get(stack)
        assert svc.page_cache.misses == misses + 1
        assert marker in page.text and marker not in first.text
