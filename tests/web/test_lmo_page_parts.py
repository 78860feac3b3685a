"""The parts of the LMO page that many pages share (issue 15, first renders): a stack without
decisions of its own shows its components' decisions, and an anonymous reader's page takes each
component's matrix from the read cache. A page made with a kept part is made of what that part
was made of: a change of a component's decision gives every kept stack page the new text. On
both databases."""

from __future__ import annotations

from urllib.parse import quote

from tests import factories
from tests.accounts.helpers import client_for

COMPONENT = "MON-883Ø2-9"
STACKS = ("ACS-BNØØ1-4 × MON-883Ø2-9", "ACS-BNØØ2-5 × MON-883Ø2-9")


def _page(uid: str) -> str:
    return "/en/lmos/" + quote(uid, safe="")


def test_stack_pages_follow_a_change_of_a_kept_components_decision(loaded_copy):
    svc = loaded_copy
    with client_for(svc) as client:
        first = client.get(_page(STACKS[0]))
        assert first.status_code == 200
        assert "Decisions on the component" in first.text and COMPONENT in first.text
        hits = svc.read_cache.hits
        second = client.get(_page(STACKS[1]))  # its component's matrix: kept by the first
        assert second.status_code == 200 and "Decisions on the component" in second.text
        assert svc.read_cache.hits > hits
        # a new revision of one of the component's decisions
        lmo = svc.lmos.find(COMPONENT).record
        decision = next(d for f, d in lmo.referenced_by if f == "modifiedOrganisms").identifier
        body = svc.records.get(decision).document
        marker = "zqpart" + factories.ident("t").replace("-", "")
        body["title"] = {**body.get("title", {}), "en": f"Decision {marker}"}
        svc.records.publish(body, strict=False)
        for uid in STACKS:  # each kept page, the one made with the kept part too
            page = client.get(_page(uid))
            assert page.status_code == 200 and marker in page.text, uid
        own = client.get(_page(COMPONENT))
        assert marker in own.text


def test_a_stack_page_is_the_same_made_alone_or_with_kept_parts(loaded_copy):
    """The second stack's page made after the first (its component's matrix taken from the
    read cache) is byte for byte the page made in a process that kept nothing."""
    svc = loaded_copy
    with client_for(svc) as client:
        client.get(_page(STACKS[0]))
        with_parts = client.get(_page(STACKS[1])).content
    svc.page_cache.forget(None, svc.page_cache._seq)
    svc.read_cache.forget(None, svc.read_cache._seq)
    with client_for(svc) as client:
        alone = client.get(_page(STACKS[1])).content
    assert with_parts == alone
