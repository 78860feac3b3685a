"""All HTML is rendered by one Jinja2 environment (issue 10, item 5): bch.web.render builds it
once; the pages, the embeds and the external sources' fragment use it, and their templates live
under src/bch/web/templates."""

from __future__ import annotations

import ast
from pathlib import Path

import bch
from bch.web.render import TEMPLATES, environment
from tests.source_tree import parse

SRC = Path(bch.__file__).parent


def test_only_web_render_builds_a_jinja_environment():
    builders = []
    for path in sorted(SRC.rglob("*.py")):
        if "jinja2" not in path.read_text(encoding="utf-8"):
            continue  # no `from jinja2 import ...` in it: not walked (the walk of every file's
            # every node was most of the test's time)
        for node in ast.walk(parse(path)):
            jinja = isinstance(node, ast.ImportFrom) and node.module == "jinja2"
            if jinja and {a.name for a in node.names} & {"Environment", "FileSystemLoader"}:
                builders.append(str(path.relative_to(SRC)))
    assert builders == ["web/render.py"]


def test_every_template_is_under_web_templates_and_loads():
    outside = [
        p.relative_to(SRC)
        for p in SRC.rglob("*.html")
        if TEMPLATES not in p.parents and "static" not in p.parts
    ]
    assert not outside
    env = environment()
    names = env.list_templates(extensions=["html"])
    assert {"base.html", "embeds/search.html", "embeds/record.html", "sources/matches.html"} <= set(
        names
    )
    for name in names:
        env.get_template(name)  # parses: every extends/include resolves
    assert environment() is env  # built once
