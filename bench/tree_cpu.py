"""The CPU time (user + system) of a command and of every process it starts, chromium's included.

`/usr/bin/time` counts only the children that their parents waited for: the browser tests' chromium
(started by playwright's driver, its renderers forked by chromium's zygote) is mostly left out, and
it is most of those tests' CPU. This samples /proc every 0.2 s and keeps each descendant's last
figure, by process name:

    CI=true python -m bench.tree_cpu .venv/bin/pytest -n0 -q tests/web/test_reading_browser.py

(a process living less than 0.2 s may be missed: the figure is a lower bound)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK")


def _processes() -> dict[int, tuple[int, float, str]]:
    """pid -> (parent pid, CPU seconds so far, name) of every process readable now."""
    out = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()
        out[int(entry.name)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / TICK, name)
    return out


def _descendants(root: int, procs: dict[int, tuple[int, float, str]]) -> set[int]:
    tree, grown = {root}, True
    while grown:
        grown = False
        for pid, (parent, _, _) in procs.items():
            if parent in tree and pid not in tree:
                tree.add(pid)
                grown = True
    return tree


def main() -> int:
    command = sys.argv[1:]
    if not command:
        print(__doc__)
        return 2
    start = time.monotonic()
    child = subprocess.Popen(command)
    seen: dict[int, tuple[float, str]] = {}
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            procs = _processes()
            for pid in _descendants(child.pid, procs) & procs.keys():
                seen[pid] = (procs[pid][1], procs[pid][2])
            done.wait(0.2)

    sampler = threading.Thread(target=sample)
    sampler.start()
    code = child.wait()
    done.set()
    sampler.join()
    by_name: dict[str, float] = {}
    for cpu, name in seen.values():
        by_name[name] = by_name.get(name, 0.0) + cpu
    load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    parts = ", ".join(f"{n} {s:.1f}" for n, s in sorted(by_name.items(), key=lambda x: -x[1]))
    print(
        f"CPU {sum(by_name.values()):.1f} s ({parts}), wall {time.monotonic() - start:.1f} s,"
        f" load {load}",
        file=sys.stderr,
    )
    return code


if __name__ == "__main__":
    raise SystemExit(main())
