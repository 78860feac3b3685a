"""A snapshot refreshed by another process (`bch sources refresh`, another worker) is what this
process's matches read next (issue 15 item 2): each process read the refreshed snapshots once
and kept them for its life; the refresh now moves a data mark (storage/change_mark.bump) and
the snapshots are read again when it moved. On both databases."""

from __future__ import annotations

from bch.services.container import Services
from bch.sources.refresh import SNAPSHOT_KEY


def test_a_snapshot_refreshed_by_another_process_is_read_next(services):
    url = services.engine.url.render_as_string(hide_password=False)
    other = Services.open(url, upgrade=False)  # another process on the same database
    try:
        mine = services.matches
        shipped, _ = mine.snapshot("eurl_gmff")
        assert shipped is not None and len(shipped.records) > 1
        kept = shipped.records[:1]
        other.matches.store.put("eurl_gmff", SNAPSHOT_KEY, kept)
        refreshed, taken = mine.snapshot("eurl_gmff")
        assert [r.to_json() for r in refreshed.records] == [r.to_json() for r in kept]
        again, _ = mine.snapshot("eurl_gmff")
        assert again is refreshed  # read once per move of the marks, not per call
    finally:
        other.close()
