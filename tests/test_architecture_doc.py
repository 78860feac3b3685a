"""docs/ARCHITECTURE.md describes the code as it is: every module it names (`storage/tables.py`,
`api/deps.services`, `services/policy.read_scope`, `web/templates/`) exists, and a name after the
module is defined in it; and the README's "Code layout" names every module of src/bch under its
package, and only modules that exist (issue 10: the layout describes the code as it is)."""

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


README = ROOT / "README.md"
SRC = ROOT / "src" / "bch"
# an entry of the layout block: two spaces, then a package (`storage/`, `storage/search/`) or a
# module (`settings.py`) of src/bch; its text runs to the next entry
ENTRY = re.compile(r"^  ([a-z_]+(?:/[a-z_]+)*/|[a-z_]+\.py)(?=\s|$)", re.MULTILINE)
MODULE = re.compile(r"(?<![\w/.])([a-z_0-9]+\.py)\b")


def _layout() -> dict[str, str]:
    """The README's "Code layout" block: entry -> its text."""
    section = README.read_text(encoding="utf-8").split("## Code layout", 1)[1]
    block = section.split("```", 2)[1].split("src/bch/\n", 1)[1]
    block = block.split("\ntests/", 1)[0]  # the repository's folders after src/bch are not modules
    found = list(ENTRY.finditer(block))
    return {
        m.group(1): block[m.start() : found[i + 1].start() if i + 1 < len(found) else len(block)]
        for i, m in enumerate(found)
    }


def _modules() -> list[Path]:
    return sorted(
        p.relative_to(SRC)
        for p in SRC.rglob("*.py")
        if p.name != "__init__.py" and "versions" not in p.relative_to(SRC).parts
    )


def test_every_module_is_named_in_the_readme_layout_under_its_package():
    layout = _layout()
    assert "storage/" in layout and "settings.py" in layout  # the block was really read
    unnamed = []
    for module in _modules():
        package = "/".join(module.parts[:-1])
        if not package:  # settings.py, config.py: entries of their own
            named = module.name in layout
        else:
            named = module.name in MODULE.findall(layout.get(package + "/", ""))
        if not named:
            unnamed.append(str(module))
    assert len(_modules()) > 200
    assert not unnamed, (
        "modules of src/bch the README's Code layout does not name under their package "
        f"(add `name.py` to the package's entry): {unnamed}"
    )


def test_the_readme_layout_names_only_modules_that_exist():
    missing = [
        f"{entry}{name}"
        for entry, text in _layout().items()
        if entry.endswith("/")
        for name in MODULE.findall(text)
        if not (SRC / entry / name).is_file()
    ]
    missing += [entry for entry in _layout() if not (SRC / entry).exists()]
    assert not missing, f"the README's Code layout names what src/bch does not hold: {missing}"
