"""No import cycles in src/bch (issue 10, item 5). The graph counts every import, lazy ones inside
functions included, and leaves out `if TYPE_CHECKING:` imports (tests/import_graph.py).

KNOWN holds the cycles that existed when this test was written; they are being removed. A new
cycle fails the test; so does a known cycle that no longer exists, so that KNOWN only shrinks:
when you break one, delete its entry."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from tests.import_graph import Edge, cycles, describe, edges, modules

SRC = Path(__file__).resolve().parents[1] / "src"

KNOWN: dict[tuple[str, ...], str] = {}


@cache
def _graph() -> tuple[list[Edge], dict[str, Path]]:
    return edges(SRC, "bch"), modules(SRC, "bch")


def test_no_new_import_cycle():
    edge_list, files = _graph()
    new = sorted(cycles(edge_list) - KNOWN.keys())
    assert not new, "new import cycle(s) in src/bch:\n" + "\n".join(
        describe(c, edge_list, files, SRC) for c in new
    )


def test_known_cycles_still_exist_so_the_list_shrinks():
    gone = sorted(KNOWN.keys() - cycles(_graph()[0]))
    assert not gone, (
        "these import cycles are gone (well done): remove them from KNOWN in "
        "tests/test_import_cycles.py:\n" + "\n".join(KNOWN[c] for c in gone)
    )


def test_the_graph_is_the_real_one():
    """The graph is not empty and sees imports at any depth: a lazy import in a function."""
    edge_list, files = _graph()
    assert len(files) > 50 and len(edge_list) > 200
    pairs = {(e.source, e.target) for e in edge_list}
    assert ("bch.services.records", "bch.services.facets") in pairs  # at module level
    assert ("bch.services.facets", "bch.services.matrix") in pairs  # inside a function


def _package(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def test_lazy_imports_count_and_type_checking_imports_do_not(tmp_path):
    root = _package(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/a.py": "from pkg import b\n",
            "pkg/b.py": "def f():\n    from pkg.a import x  # lazy\n",
            "pkg/c.py": (
                "from typing import TYPE_CHECKING\n"
                "import pkg.d\n"
                "if TYPE_CHECKING:\n    from pkg import e\n"
            ),
            "pkg/d.py": "from . import c\n",  # relative
            "pkg/e.py": "import pkg.c\n",  # c imports e only for type checking: no cycle
            "pkg/sub/__init__.py": "from pkg.f import g\n",
            "pkg/f.py": "def h():\n    import pkg.sub.leaf\n",  # runs pkg/sub/__init__ first
            "pkg/sub/leaf.py": "",
        },
    )
    edge_list = edges(root, "pkg")
    found = cycles(edge_list)
    assert found == {("pkg.a", "pkg.b"), ("pkg.c", "pkg.d"), ("pkg.f", "pkg.sub")}
    text = describe(("pkg.a", "pkg.b"), edge_list, modules(root, "pkg"), root)
    assert text.splitlines() == [
        "pkg.a -> pkg.b -> pkg.a",
        "    pkg/a.py:1 imports pkg.b",
        "    pkg/b.py:2 imports pkg.a",
    ]


def test_every_cycle_of_a_tangle_is_listed_once():
    pairs = ["ab", "ba", "bc", "cb", "ca", "ac", "da"]  # d only leads into the tangle
    found = cycles([Edge(s, t, 1) for s, t in pairs])
    assert found == {("a", "b"), ("b", "c"), ("a", "c"), ("a", "b", "c"), ("a", "c", "b")}
