"""The order `--dist loadgroup` hands the suite's units of work out in (tests/conftest.py,
order_units): the longest first, and the unit that waits behind the longest one a short one."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.conftest import LONGEST_FIRST, order_units


@dataclass
class Item:  # what order_units reads of a pytest.Item
    nodeid: str
    slow: bool = False

    def get_closest_marker(self, name: str):
        return pytest.mark.slow if name == "slow" and self.slow else None


def _units(items: list[Item]) -> list[str]:
    seen: list[str] = []
    for item in items:
        unit = item.nodeid.split("@")[-1] if "@" in item.nodeid else item.nodeid
        if unit not in seen:
            seen.append(unit)
    return seen


ITEMS = [
    Item("tests/accounts/test_a.py::test_one"),
    Item("tests/accounts/test_a.py::test_two"),
    Item("tests/alerts/test_serve.py::test_served", slow=True),
    Item("tests/faults/test_kill_exports.py::test_kill[sqlite]", slow=True),
    Item("tests/faults/test_kill_exports.py::test_kill[postgres]", slow=True),
    Item("tests/nodes/test_node_faults.py::test_nodes_converge", slow=True),
    Item("tests/web/test_browser.py::test_page@browser-2"),
    Item("tests/web/test_pages.py::test_page"),
    Item("tests/web/test_reading_browser.py::test_axe@browser-1"),
    Item("tests/web/test_browser_docs.py::test_docs@browser-2"),
]


def test_the_longest_units_go_first_and_a_short_one_third():
    ordered = order_units(ITEMS)
    assert sorted(i.nodeid for i in ordered) == sorted(i.nodeid for i in ITEMS)  # all, once
    assert _units(ordered) == [
        "tests/nodes/test_node_faults.py::test_nodes_converge",
        "browser-1",
        "tests/accounts/test_a.py::test_one",  # waits behind the node fault test: short
        "browser-2",  # to the worker that runs short of work first
        "tests/faults/test_kill_exports.py::test_kill[sqlite]",
        "tests/faults/test_kill_exports.py::test_kill[postgres]",
        "tests/alerts/test_serve.py::test_served",  # the other slow tests
        "tests/accounts/test_a.py::test_two",  # then the rest in collection order
        "tests/web/test_pages.py::test_page",
    ]
    # the tests of a group stay together, in their order
    group = [i.nodeid for i in ordered if i.nodeid.endswith("@browser-2")]
    assert group == [
        "tests/web/test_browser.py::test_page@browser-2",
        "tests/web/test_browser_docs.py::test_docs@browser-2",
    ]


def test_with_three_workers_the_unit_behind_the_longest_is_short():
    """`make test` runs three workers (Makefile, TEST_WORKERS): xdist hands units 0-2 out
    first, one per worker, then units 3-5, so the first worker's second unit is the fourth."""
    units = _units(order_units(ITEMS, workers=3))
    assert units[:5] == [
        "tests/nodes/test_node_faults.py::test_nodes_converge",
        "browser-1",
        "browser-2",
        "tests/accounts/test_a.py::test_one",  # waits behind the node fault test: short
        "tests/faults/test_kill_exports.py::test_kill[sqlite]",
    ]
    assert sorted(units) == sorted(_units(ITEMS))


def test_the_longest_units_named_exist():
    """A renamed test or group would silently lose its place at the front."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    for name in LONGEST_FIRST:
        if name.startswith("@"):
            marks = [
                p
                for p in root.glob("tests/**/test_*.py")
                if f'xdist_group("{name[1:]}")' in p.read_text()
            ]
            assert marks, f"no xdist_group({name[1:]!r}) left"
        else:
            assert (root / name.split("::")[0]).is_file(), name


def test_every_browser_module_is_in_one_of_the_two_groups():
    """A module that drives the worker's chromium is in browser-1 or browser-2: its module
    fixtures (a server, a database) are built once, on one worker, and the two groups keep the
    split measured in bench/RESULTS.md."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    groups: dict[str, list[str]] = {"browser-1": [], "browser-2": []}
    for path in sorted(root.glob("tests/**/test_*.py")):
        if path == Path(__file__).resolve():
            continue
        text = path.read_text()
        named = [g for g in groups if f'xdist_group("{g}")' in text]
        if "chromium" in text or "Walk(" in text:
            assert len(named) == 1, f"{path.relative_to(root)}: in {named or 'no browser group'}"
        for g in named:
            groups[g].append(path.name)
    assert all(groups.values()), groups
