"""The parsed source files the static tests read (import graph, layers, settings readers, docs):
each file is read and parsed once per test process, whichever test asks first. The trees are
shared: a test walks them, never changes them."""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path


@cache
def parsed(path: Path) -> ast.Module:
    """The syntax tree of a Python file (resolved path: one parse per file)."""
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def parse(path: Path) -> ast.Module:
    return parsed(path.resolve())
