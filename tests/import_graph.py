"""The import graph of a Python package, read with `ast` (nothing is imported): every import
statement of every module, including the ones inside functions (a lazy import hides a cycle, it
does not remove it), except those under `if TYPE_CHECKING:` (never run). Used by
tests/test_import_cycles.py."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tests.source_tree import parse

Cycle = tuple[str, ...]  # module names, rotated to start at the smallest one


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    line: int  # of the import statement in `source`


def modules(root: Path, package: str) -> dict[str, Path]:
    """Module name -> file, for every .py file of `root/package` (a package is its __init__)."""
    found = {}
    for path in sorted((root / package).rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _statements(tree: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    """Every import statement, at any depth, skipping the bodies of `if TYPE_CHECKING:`. An
    import is a statement: only the statement lists of a node (body, orelse, finalbody, the
    handlers' and the match cases' bodies) are walked, never its expressions (most of a tree's
    nodes, which cannot hold one: the walk of every node cost about a second per run)."""
    todo: list[ast.AST] = [tree]
    while todo:
        node = todo.pop()
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
            continue
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            blocks = [node.orelse]
        else:
            blocks = [getattr(node, name, ()) for name in _BLOCKS]
        for block in reversed(blocks):
            todo.extend(reversed(block))


_BLOCKS = ("body", "orelse", "finalbody", "handlers", "cases")


def _imported(node: ast.Import | ast.ImportFrom, name: str, is_package: bool) -> list[str]:
    """The dotted names a statement imports (`from a import b` may import module a.b)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if node.level:  # relative: from the module's own package, one level up per extra dot
        package = name.split(".") if is_package else name.split(".")[:-1]
        base = package[: len(package) - (node.level - 1)]
        module = ".".join(base + ([node.module] if node.module else []))
    else:
        module = node.module or ""
    return [f"{module}.{alias.name}" for alias in node.names] + [module]


def edges(root: Path, package: str) -> list[Edge]:
    """Module -> module imports inside `package` (other packages are left out)."""
    known = modules(root, package)
    out = []
    for name, path in known.items():
        tree = parse(path)
        for node in _statements(tree):
            targets = _imported(node, name, path.name == "__init__.py")
            if isinstance(node, ast.ImportFrom):
                # `from a import b`: module a.b when it is one, else (a name in) module a
                targets = [t for t in targets[:-1] if t in known] or targets[-1:]
            for target in targets:
                while target and target not in known:  # `import a.b.c` of a name: its module
                    target = target.rpartition(".")[0]
                # importing a.b.c runs a/__init__ and a/b/__init__ first (but the importer's
                # own packages are already running)
                for step in _with_packages(target):
                    if step in known and step != name and not name.startswith(step + "."):
                        out.append(Edge(name, step, node.lineno))
    return out


def _with_packages(module: str) -> list[str]:
    parts = module.split(".") if module else []
    return [".".join(parts[: i + 1]) for i in range(len(parts))]


def _components(graph: dict[str, set[str]]) -> list[set[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(component)
    return found


def cycles(edge_list: list[Edge], limit: int = 1000) -> set[Cycle]:
    """Every elementary cycle (each module once), rotated to start at its smallest module. Only
    modules of one strongly connected component can form a cycle, so the search stays small;
    `limit` stops it on a tangle (the test then shows the first `limit` cycles)."""
    graph: dict[str, set[str]] = {}
    for e in edge_list:
        graph.setdefault(e.source, set()).add(e.target)
        graph.setdefault(e.target, set())
    found: set[Cycle] = set()
    for component in _components(graph):
        for start in sorted(component):
            # cycles through `start` whose other modules all sort after it: each cycle once
            path, todo = [start], [iter(sorted(graph[start] & component))]
            while todo and len(found) < limit:
                nxt = next(todo[-1], None)
                if nxt is None:
                    todo.pop()
                    path.pop()
                elif nxt == start:
                    found.add(tuple(path))
                elif nxt > start and nxt not in path:
                    path.append(nxt)
                    todo.append(iter(sorted(graph[nxt] & component)))
    return found


def describe(cycle: Cycle, edge_list: list[Edge], files: dict[str, Path], root: Path) -> str:
    """`a -> b -> a`, with the file and lines of the imports that make each step."""
    lines = [" -> ".join((*cycle, cycle[0]))]
    for source, target in zip(cycle, (*cycle[1:], cycle[0]), strict=True):
        where = sorted({e.line for e in edge_list if e.source == source and e.target == target})
        path = files[source].relative_to(root)
        lines.append(f"    {path}:{','.join(map(str, where))} imports {target}")
    return "\n".join(lines)
