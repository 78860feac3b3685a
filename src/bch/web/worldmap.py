"""The world map of an LMO's decisions: an inline SVG from the shipped Natural Earth geometry
(npm world-atlas, projected at build time by scripts/build-world-map.py)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from markupsafe import Markup, escape

from bch.web.render import country_name

GEOMETRY = Path(__file__).with_name("static") / "world-110m.json"
# the EU's decisions colour its member states (when they have none of their own)
EU_MEMBERS = [
    "AT",
    "BE",
    "BG",
    "HR",
    "CY",
    "CZ",
    "DK",
    "EE",
    "FI",
    "FR",
    "DE",
    "GR",
    "HU",
    "IE",
    "IT",
    "LV",
    "LT",
    "LU",
    "MT",
    "NL",
    "PL",
    "PT",
    "RO",
    "SK",
    "SI",
    "ES",
    "SE",
]
_RANK = {"prohibited": 4, "approvedWithConditions": 3, "approved": 2, "pending": 1, "unknown": 0}


@cache
def geometry() -> dict[str, Any]:
    return json.loads(GEOMETRY.read_text(encoding="utf-8"))


def country_status(matrix: dict[str, Any]) -> dict[str, str]:
    """Per country, the strongest status among its matrix cells."""
    out: dict[str, str] = {}
    for row in matrix.get("countries", []):
        statuses = [c["status"] for c in row["cells"].values()] or [
            d["status"] for d in row["decisions"]
        ]
        if statuses:
            out[row["country"]] = max(statuses, key=lambda s: _RANK.get(s, 0))
    if "EU" in out:
        for code in EU_MEMBERS:
            out.setdefault(code, out["EU"])
    # approvals other sources report (ISAAA) colour only countries without decisions of their own
    for row in matrix.get("reported", []):
        if not row.get("forComponent"):
            out.setdefault(row["country"], "reported")
    return out


def svg(matrix: dict[str, Any], title: str, status_labels: dict[str, str]) -> Markup:
    geo = geometry()
    status = country_status(matrix)
    parts = [
        f'<svg class="worldmap" viewBox="0 0 {geo["width"]:g} {geo["height"]:g}" role="img" '
        f'aria-labelledby="map-title" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="map-title">{escape(title)}</title>',
    ]
    for code, d in geo["countries"].items():
        st = status.get(code)
        cls = f"c st-{st}" if st else "c"
        label = escape(country_name(code))
        tip = f"{label}: {escape(status_labels[st])}" if st else label
        parts.append(f'<path class="{cls}" d="{d}"><title>{tip}</title></path>')
    parts.append("</svg>")
    return Markup("".join(parts))
