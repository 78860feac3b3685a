"""The world map of an LMO's decisions: an inline SVG from the shipped Natural Earth geometry
(npm world-atlas, projected at build time by scripts/build-world-map.py)."""

from __future__ import annotations

import json
import math
import re
from functools import cache
from pathlib import Path
from typing import Any

from markupsafe import Markup, escape

from bch.web.i18n import current_language
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
    for code, d, label, plain in _countries(current_language.get()):
        st = status.get(code)
        if st:
            tip = f"{label}: {escape(status_labels[st])}"
            parts.append(f'<path class="c st-{st}" d="{d}"><title>{tip}</title></path>')
        else:
            parts.append(plain)
    parts.append("</svg>")
    return Markup("".join(parts))


@cache
def _countries(lang: str) -> tuple[tuple[str, str, str, str], ...]:
    """Each country of the map in `lang`: (code, outline, escaped name, its path without a
    status), made once per language: most countries of an LMO's map have no decision."""
    token = current_language.set(lang)
    try:
        out = []
        for code, d in geometry()["countries"].items():
            label = str(escape(country_name(code)))
            out.append((code, d, label, f'<path class="c" d="{d}"><title>{label}</title></path>'))
        return tuple(out)
    finally:
        current_language.reset(token)


# -- the sites of a decision (a field trial's sites, issue 16 item 4) ------------------------------

# Equal Earth constants (Šavrič, Patterson & Jenny 2018), as scripts/build-world-map.py projects
_A1, _A2, _A3, _A4 = 1.340264, -0.081106, 0.000893, 0.003796
_M = math.sqrt(3) / 2
_NUMBER_PAIR = re.compile(r"(-?\d+(?:\.\d+)?),(-?\d+(?:\.\d+)?)")


def equal_earth(lon: float, lat: float) -> tuple[float, float]:
    lam, phi = math.radians(lon), math.radians(lat)
    theta = math.asin(_M * math.sin(phi))
    t2 = theta * theta
    t6 = t2 * t2 * t2
    x = lam * math.cos(theta) / (_M * (_A1 + 3 * _A2 * t2 + t6 * (7 * _A3 + 9 * _A4 * t2)))
    y = theta * (_A1 + _A2 * t2 + t6 * (_A3 + _A4 * t2))
    return x, y


def project(lon: float, lat: float, width: float) -> tuple[float, float]:
    """(lon, lat) -> the shipped map's SVG coordinates."""
    xmax, ymax = equal_earth(180, 0)[0], equal_earth(0, 90)[1]
    scale = width / (2 * xmax)
    px, py = equal_earth(lon, lat)
    return round((px + xmax) * scale, 2), round((ymax - py) * scale, 2)


def sites_svg(country: str, sites: list[dict[str, Any]], title: str, approx: str) -> Markup | None:
    """The country's outline with a marker per site that has coordinates; None without any.
    A marker whose coordinates are not the site's own (precision "state" or "locality") is
    drawn hollow and its tooltip says so (`approx`)."""
    geo = geometry()
    points = [
        s
        for s in sites
        if isinstance(s.get("latitude"), int | float)
        and isinstance(s.get("longitude"), int | float)
    ]
    outline = geo["countries"].get(country.upper(), "")
    if not points or not outline:
        return None
    xy = [(float(a), float(b)) for a, b in _NUMBER_PAIR.findall(outline)]
    marks = [project(s["longitude"], s["latitude"], geo["width"]) for s in points]
    xs, ys = [p[0] for p in xy + marks], [p[1] for p in xy + marks]
    pad = 2.0
    x0, y0 = min(xs) - pad, min(ys) - pad
    w, h = max(xs) - x0 + pad, max(ys) - y0 + pad
    parts = [
        f'<svg class="worldmap sitemap" viewBox="{x0:g} {y0:g} {w:g} {h:g}" role="img" '
        f'aria-labelledby="sites-title" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="sites-title">{escape(title)}</title>',
        f'<path class="c" d="{outline}"></path>',
    ]
    r = max(w, h) / 80
    # sites sharing a point (a state reference point) are one marker naming them all
    groups: dict[tuple[float, float], list[dict[str, Any]]] = {}
    for site, point in zip(points, marks, strict=True):
        groups.setdefault(point, []).append(site)
    for (x, y), members in groups.items():
        exact = all(m.get("coordinatesPrecision", "site") == "site" for m in members)
        labels = [
            " · ".join(str(m[k]) for k in ("siteNumber", "locality", "status") if m.get(k))
            for m in members
        ]
        tip = "; ".join(labels) + ("" if exact else f" ({approx})")
        cls = "site" if exact else "site approx"
        parts.append(
            f'<circle class="{cls}" cx="{x:g}" cy="{y:g}" r="{r:.2f}" data-sites="{len(members)}">'
            f"<title>{escape(tip)}</title></circle>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))
