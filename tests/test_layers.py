"""The layers hold (issue 10, item 1): storage is the only place that speaks SQL, and no module
uses another module's private names.

Walks every module of src/bch with `ast` (imports inside functions included: lazy imports hide
dependencies) and fails when a module outside bch/storage/

* imports sqlalchemy (any part of it) or bch.storage.tables;
* imports bch.storage.repository (the former record store, deleted; nothing may bring it back);
* imports a `_private` name from another module (`from x import _name`; gettext's `_` and
  dunders such as `__version__` are public by convention).

KNOWN lists what is left to move, each entry exactly (module, what it imports); an entry that no
longer occurs must be removed from it (the test says so), so the list only shrinks. The search
contract refactor (R2) emptied it of the search engines and the v2013 surface."""

from __future__ import annotations

import ast
from pathlib import Path

import bch
from tests.source_tree import parse

SRC = Path(bch.__file__).parent

KNOWN: set[tuple[str, str]] = set()


def _modules() -> dict[str, Path]:
    out = {}
    for path in sorted(SRC.rglob("*.py")):
        parts = ("bch", *path.relative_to(SRC).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def _imports(path: Path) -> list[tuple[str, list[str]]]:
    """(module, names) of every absolute import in the file, wherever it is."""
    out = []
    for node in ast.walk(parse(path)):
        if isinstance(node, ast.Import):
            out += [(a.name, []) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            out.append((node.module, [a.name for a in node.names]))
    return out


def _violations(module: str, path: Path) -> set[tuple[str, str]]:
    if module == "bch.storage" or module.startswith("bch.storage."):
        return set()
    found = set()
    for imported, names in _imports(path):
        top = imported.split(".")[0]
        if top == "sqlalchemy":
            found.add((module, imported))
        if imported in ("bch.storage.tables", "bch.storage.repository"):
            found.add((module, imported))
        if imported == "bch.storage" and {"tables", "repository"} & set(names):
            found.add((module, "bch.storage.tables"))
        for name in names:
            dunder = name.startswith("__") and name.endswith("__")  # __version__ is public
            if name.startswith("_") and name != "_" and not dunder:
                found.add((module, f"{imported}.{name}"))
    return found


def _all_violations() -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for module, path in _modules().items():
        found |= _violations(module, path)
    return found


def test_only_storage_speaks_sql_and_private_names_stay_private():
    new = sorted(_all_violations() - KNOWN)
    assert not new, (
        "outside bch/storage, these modules import SQLAlchemy, bch.storage.tables or "
        "bch.storage.repository, or another module's private name: move the SQL into a "
        "repository under bch/storage (and make helpers public there):\n"
        + "\n".join(f"  {m}: {what}" for m, what in new)
    )


def test_the_known_list_only_shrinks():
    gone = sorted(KNOWN - _all_violations())
    assert not gone, "fixed (well done): remove these from KNOWN in tests/test_layers.py:\n" + (
        "\n".join(f"  {m}: {what}" for m, what in gone)
    )


def test_the_check_sees_what_it_forbids(tmp_path):
    """The walker is not blind: a lazy import inside a function and a private name count."""
    sample = tmp_path / "sample.py"
    sample.write_text(
        "def f():\n"
        "    from sqlalchemy import select\n"
        "    from bch.storage.rows import _hidden\n"
        "    from bch.web.i18n import _\n"
        "    return select\n"
    )
    assert _violations("bch.services.sample", sample) == {
        ("bch.services.sample", "sqlalchemy"),
        ("bch.services.sample", "bch.storage.rows._hidden"),
    }
    assert _violations("bch.storage.sample", sample) == set()


# -- surfaces call services (issue 10, item 4) -------------------------------------------------
SURFACES = ("bch.api", "bch.web")
# attributes of the services object (or of a service) that are the store, not a service
STORE_ATTRIBUTES = {"store", "db", "database", "engine"}
# services built in bch.services.container only; a surface that builds one has its own copy
# with its own settings and caches
BUILT_IN_THE_CONTAINER = {
    "AccountService",
    "AttachmentStore",
    "AuditLog",
    "ChangeFeed",
    "DraftService",
    "ExportService",
    "LmoService",
    "Mailer",
    "MatchService",
    "OaiRepository",
    "RecordService",
    "SearchService",
    "SourceRegistry",
    "SourceStore",
    "WorkflowService",
    "default_resolver",
}


def _is_surface(module: str) -> bool:
    return any(module == s or module.startswith(s + ".") for s in SURFACES)


def _store_uses(module: str, path: Path) -> set[tuple[str, str]]:
    found = set()
    tree = parse(path)
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in STORE_ATTRIBUTES:
            found.add((module, f".{node.attr}"))
        elif isinstance(node, ast.Attribute) and node.attr == "connect":
            found.add((module, ".connect()"))
        elif isinstance(node, ast.Name | ast.Attribute) and (
            (node.id if isinstance(node, ast.Name) else node.attr) in BUILT_IN_THE_CONTAINER
        ):
            name = node.id if isinstance(node, ast.Name) else node.attr
            found.add((module, f"builds {name}"))
    for imported, names in _imports(path):
        if imported.startswith(("bch.storage", "bch.resolve")) and imported != "bch.storage.rows":
            found.add((module, f"imports {imported}"))  # row types are data, the rest is not
        for name in set(names) & BUILT_IN_THE_CONTAINER:
            found.add((module, f"builds {name}"))
    return found


def _surface_store_uses() -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for module, path in _modules().items():
        if _is_surface(module):
            found |= _store_uses(module, path)
    return found


def test_surfaces_call_services_never_the_store():
    found = sorted(_surface_store_uses())
    assert not found, (
        "api/ and web/ call service methods of the services object (bch.services.container): "
        "no store, database, engine or connection, and no service built outside the "
        "container:\n" + "\n".join(f"  {m}: {what}" for m, what in found)
    )


def test_the_surface_check_sees_what_it_forbids(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        "from bch.services.oai import OaiRepository\n"
        "from bch.storage.rows import iso_utc\n"
        "def view(svc):\n"
        "    from bch.storage.records import RecordRepository\n"
        "    with svc.store.reading() as conn:\n"
        "        return svc.engine.connect(), OaiRepository(conn)\n"
    )
    assert _store_uses("bch.web.sample", sample) == {
        ("bch.web.sample", "builds OaiRepository"),
        ("bch.web.sample", "imports bch.storage.records"),
        ("bch.web.sample", ".store"),
        ("bch.web.sample", ".engine"),
        ("bch.web.sample", ".connect()"),
    }
