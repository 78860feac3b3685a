"""A national node's pages in chromium (issue 12): hostile text that reaches them from the
central stays inert, and the node user's conflict resolution (theirs / mine / merge by field)
works end to end.

The node (a real `bch serve` process, its database each backend in turn) mirrors a central on
loopback through a proxy. The central holds a record whose title is the XSS corpus; the proxy
then garbles the change feed (an entry's identifier made of the corpus), so the node's last
error is hostile text; the node's own edits hold the corpus too. The node page, the banner and
the mirrored record's page and search are read in three languages with the
Content-Security-Policy bypassed (only the templates' escaping stands in the way). Then the
user resolves three conflicts with the page's buttons, and the next sync sends the outcome to
the central: merged field by field, theirs kept, mine sent."""

from __future__ import annotations

from contextlib import closing

import orjson
import pytest

from bch.services.container import Services
from bch.services.node_central import CentralError
from tests import factories
from tests.nodes.harness import FaultyProxy, Served
from tests.nodes.test_node_sync import central as central  # the fixture: a central on loopback
from tests.security.test_xss_more_pages_browser import _inert
from tests.security.xss_corpus import LANGS, MARK, MORE, PAYLOADS, hostile_names
from tests.web.browser import require_chromium

require_chromium()
pytestmark = pytest.mark.xdist_group("browser-1")
PASSWORD = "correct horse battery staple"
OFFICER = "officer@ca.example"
HOSTILE = f"{MARK} {PAYLOADS[0]} {PAYLOADS[1]} {PAYLOADS[2]} {MORE[1]} {MORE[3]}"


class GarblingCentral(FaultyProxy):
    """The central, as a broken proxy or a compromised central would give it: while `hostile`,
    each change feed page's first entry names a record by the XSS corpus."""

    hostile = False

    def mangle(self, content: bytes) -> bytes:
        if not self.hostile:
            return content
        page = orjson.loads(content)
        page["items"][0]["identifier"] = HOSTILE
        return orjson.dumps(page)


def _edit(node: Services, identifier: str, n: int) -> None:
    """The node's user edits a mirrored record: a new name and a new field."""
    mine = node.records.get(identifier).document
    mine = {
        **mine,
        "name": {"en": f"mine {n} {HOSTILE}", "fr": f"la mienne {n}"},
        "policyBasisForCompetency": {"en": f"mine basis {n}"},
    }
    node.node.submit(mine, author=OFFICER)


def test_node_pages_stay_inert_and_conflicts_resolve_in_the_browser(
    services, central, browser, tmp_path
):
    node = services
    titled = factories.authority("CA", languages=LANGS)
    titled["name"] = hostile_names()
    plain = [factories.authority("CA") for _ in range(3)]
    central.svc.records.publish_many([titled, *plain], by="t")
    ids = [d["header"]["identifier"] for d in plain]
    proxy = GarblingCentral(central.url)
    node.node.configure(proxy.url, "CA", token=central.token, schemas=["authority"])
    node.node.sync_once()
    node.accounts.add_user(OFFICER, role="nfp", country="CA", password=PASSWORD)
    # three conflicts: each record is edited on the node, then changed on the central
    for n, identifier in enumerate(ids):
        _edit(node, identifier, n)
        theirs = central.svc.records.get(identifier).document
        central.svc.records.publish({**theirs, "name": {"en": f"theirs {n}"}}, by="t")
    assert node.node.sync_once().conflicts == 3
    # a garbled feed: the node's last error holds the corpus
    proxy.hostile = True
    central.svc.records.publish(factories.authority("CA"), by="t")
    with pytest.raises(CentralError):
        node.node.sync_once()
    assert PAYLOADS[0] in (node.node.status()["lastError"] or "")
    served = Served(
        node.engine.url.render_as_string(hide_password=False),
        tmp_path / "node.log",
        BCH_NODE_SYNC="off",  # the test syncs: each step happens when it says
    )
    served.start()
    try:
        with closing(browser.new_context(bypass_csp=True)) as context:
            page = context.new_page()
            page.goto(f"{served.base}/en/sign-in")
            page.fill("#email", OFFICER)
            page.fill("#password", PASSWORD)
            page.click("form.record button[type=submit]")
            page.wait_for_load_state()
            uid = node.records.get(titled["header"]["identifier"]).uid
            for lang in ("en", "ar", "zh"):
                text = _inert(page, f"{served.base}/{lang}/node")
                assert f"the document is not {HOSTILE}" in text  # the last error, as text
                assert text.count("mine 0") >= 1
                for path in (f"/{lang}/records/{uid}", f"/{lang}/search?q={MARK}"):
                    text = _inert(page, served.base + path)
                    assert MARK in text and PAYLOADS[0] in text, path
                    assert page.locator("#node-banner").count() == 1, path
            proxy.hostile = False
            # the conflicts, resolved with the page's buttons
            _inert(page, f"{served.base}/en/node")
            items = {i.identifier: i.id for i in node.node.outbox(("conflict",))}
            merged, kept, sent = (f"#conflict-{items[i]}" for i in ids)
            page.check(f"{merged} input[name='field.policyBasisForCompetency'][value=mine]")
            page.click(f"{merged} button[value=merge]")
            page.wait_for_load_state()
            page.click(f"{kept} button[value=theirs]")
            page.wait_for_load_state()
            page.click(f"{sent} button[value=mine]")
            page.wait_for_load_state()
            assert page.locator(".node-conflict").count() == 0
    finally:
        served.stop()
    statuses = {i.identifier: i.status for i in node.node.outbox()}
    assert [statuses[i] for i in ids] == ["pending", "dropped", "pending"]
    try:
        node.node.sync_once()  # sends the two, then brings them back
        node.node.sync_once()
    finally:
        proxy.close()
    docs = [central.svc.records.get(i).document for i in ids]
    assert docs[0]["name"] == {"en": "theirs 0"}  # merged: their name, my new field
    assert docs[0]["policyBasisForCompetency"] == {"en": "mine basis 0"}
    assert central.svc.records.get(ids[1]).revision.revision == 2  # theirs kept, nothing sent
    assert docs[1]["name"] == {"en": "theirs 1"}
    assert docs[2]["name"]["en"].startswith("mine 2") and "policyBasisForCompetency" in docs[2]
    for identifier in ids:  # and the node holds what the central holds
        assert node.records.get(identifier).document == central.svc.records.get(identifier).document
    assert node.node.status()["lastError"] is None
