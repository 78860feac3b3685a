"""A kept answer taken while another answer is computed (services/read_cache.py): the outer
answer is made of what the kept one was made of, so a change that forgets the inner one forgets
the outer one too (the LMO page takes its stack components' matrices from the read cache)."""

from __future__ import annotations

from bch.services.read_cache import ChangeFollower, ReadCache, note
from bch.storage.read_deps import tracking


def _cache() -> ReadCache:
    return ReadCache(ChangeFollower(lambda: None, lambda: "anonymous", engine=None))


def test_a_kept_answer_taken_inside_a_computation_notes_its_tags():
    cache = _cache()
    assert cache.get("inner", lambda: note(("doc", "x")) or 1) == 1  # computed: noted
    with tracking() as reads:
        assert cache.get("inner", lambda: 2) == 1  # kept
    assert ("doc", "x") in reads
    with tracking() as reads:
        assert cache.peek("inner") == 1
    assert ("doc", "x") in reads


def test_an_outer_answer_is_forgotten_with_the_kept_inner_one():
    cache = _cache()
    cache.get("inner", lambda: note(("doc", "x")) or "inner")
    outer = cache.get("outer", lambda: cache.get("inner", lambda: "again") + "+outer")
    assert outer == "inner+outer"
    cache.forget(frozenset({("doc", "x")}), cache._seq + 1)
    assert cache.peek("outer") is None and cache.peek("inner") is None
