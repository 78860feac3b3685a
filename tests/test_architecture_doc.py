"""docs/ARCHITECTURE.md describes the code as it is: every module it names (`storage/tables.py`,
`api/deps.services`, `services/policy.read_scope`, `web/templates/`) exists, and a name after the
module is defined in it."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "ARCHITECTURE.md"
# `a/b.py`, `a/b/`, `a/b.name`, `a/b.Name.method` between backticks (paths of the repository or
# of src/bch; "/api/v1/..." URLs start with a slash and are left out)
NAMED = re.compile(r"`((?:[a-z_]+/)+[a-z_]*)(\.[A-Za-z_.]+)?/?`")
SUFFIXES = (".py", ".md", ".yaml", ".html", ".js", ".toml")


def _named() -> list[tuple[str, str]]:
    return [(m.group(1), m.group(2) or "") for m in NAMED.finditer(DOC.read_text())]


def _found(path: str) -> Path | None:
    for base in (ROOT / "src" / "bch", ROOT):
        for candidate in (base / path, base / (path + ".py")):
            if candidate.exists():
                return candidate
    return None


def test_the_modules_the_architecture_names_exist():
    named = _named()
    assert len(named) > 20  # the pattern still finds the doc's names
    missing, undefined = [], []
    for path, tail in named:
        if tail in SUFFIXES:  # a file: `storage/tables.py`
            path, tail = path + tail, ""
        found = _found(path)
        if found is None:
            missing.append(path + tail)
            continue
        name = tail.lstrip(".").split(".")[0]
        if name and found.is_file() and not re.search(rf"\b{re.escape(name)}\b", found.read_text()):
            undefined.append(f"{path}{tail}")
    assert not missing, f"docs/ARCHITECTURE.md names modules that do not exist: {missing}"
    assert not undefined, f"docs/ARCHITECTURE.md names what its module does not hold: {undefined}"
