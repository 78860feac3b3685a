"""`bch sources refresh`: live re-read against a local site; failed or empty reads keep data."""

from __future__ import annotations

from typer.testing import CliRunner

from bch.cli import app
from bch.sources.refresh import refresh_source
from tests.sources import pages
from tests.sources.test_matches import _service


def test_refresh_live_reports_changes_and_never_replaces_good_data(services, site):
    routes = {
        "/byTrait.aspx?style=print": pages.BIOTRACK_LISTING,
        "/Product.aspx?id=MON-ØØ81Ø-6&style=print": pages.BIOTRACK_MON810,
        "/Product.aspx?id=MON-ØØ863-5 x MON-ØØ81Ø-6&style=print": pages.BIOTRACK_MON863_MON810,
    }
    s = site(routes)
    ms = _service(services, {"BCH_SOURCE_BIOTRACK_URL": s.url})
    ticks: list[int] = []
    first = refresh_source(ms, "biotrack", live=True, progress=ticks.append)
    assert first.ok and first.origin == "live" and first.read == 2 and ticks == [2, 2]
    assert (
        len(first.removed) == 88
    )  # the shipped 2019 snapshot had 89 products, MON863 x MON810 stays
    snap, taken = ms.snapshot("biotrack")
    assert {r.uid_key for r in snap.records} == {"MON-00810-6", "MON-00810-6+MON-00863-5"}

    routes["/Product.aspx?id=MON-ØØ81Ø-6&style=print"] = pages.BIOTRACK_EMPTY  # record vanished
    second = refresh_source(ms, "biotrack", live=True)
    assert second.ok and second.removed == ["MON-ØØ81Ø-6|MON-00810-6"] and second.read == 1

    routes["/Product.aspx?id=MON-ØØ863-5 x MON-ØØ81Ø-6&style=print"] = pages.BIOTRACK_EMPTY
    empty = refresh_source(ms, "biotrack", live=True)
    assert not empty.ok and "no records" in empty.message
    routes.clear()
    routes["*"] = (500, "down")
    failed = refresh_source(ms, "biotrack", live=True)
    assert not failed.ok and "previous data kept" in failed.message
    ms.forget_snapshots()
    snap, _ = ms.snapshot("biotrack")
    assert [r.uid_key for r in snap.records] == ["MON-00810-6+MON-00863-5"]  # still the good read


def test_refresh_cli_offline_rereads_shipped_data_and_says_no_change(services):
    url = str(services.engine.url.render_as_string(hide_password=False))
    result = CliRunner().invoke(
        app, ["sources", "refresh", "eurl_gmff", "--offline", "--database", url]
    )
    assert result.exit_code == 0, result.output
    assert "eurl_gmff (shipped): no change; read 51" in result.output
    bad = CliRunner().invoke(app, ["sources", "refresh", "nowhere", "--database", url])
    assert bad.exit_code == 2 and "unknown source" in bad.output
