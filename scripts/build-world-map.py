"""Build the world map shipped with the web pages from the npm package world-atlas (Natural Earth).

Usage: python scripts/build-world-map.py [path/to/countries-110m.json]
Without a path, `npm pack world-atlas@2.0.2` fetches the package from the npm registry. The
TopoJSON arcs are decoded, projected with the Equal Earth projection and written as SVG path data
per ISO 3166-1 alpha-2 code (numeric ids mapped with CLDR's territory aliases from Babel) to
src/bch/web/static/world-110m.json. No tiles, no request at page time."""

from __future__ import annotations

import json
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

from babel.core import get_global

from bch.web.worldmap import equal_earth  # the same projection places sites on the pages

PACKAGE = "world-atlas@2.0.2"
OUT = Path(__file__).resolve().parents[1] / "src/bch/web/static/world-110m.json"
WIDTH = 1000.0
def load(path: str | None) -> dict:
    if path:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["npm", "pack", PACKAGE, "--silent"], cwd=tmp, check=True)
        tgz = next(Path(tmp).glob("world-atlas-*.tgz"))
        with tarfile.open(tgz) as tar:
            member = tar.extractfile("package/countries-110m.json")
            assert member is not None
            return json.loads(member.read())


def main() -> None:
    topo = load(sys.argv[1] if len(sys.argv) > 1 else None)
    sx, sy = topo["transform"]["scale"]
    tx, ty = topo["transform"]["translate"]
    arcs = []
    for arc in topo["arcs"]:
        x = y = 0
        pts = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            pts.append((x * sx + tx, y * sy + ty))
        arcs.append(pts)
    xmax, ymax = equal_earth(180, 0)[0], equal_earth(0, 90)[1]
    scale = WIDTH / (2 * xmax)
    height = round(2 * ymax * scale, 1)

    def ring(indices: list[int]) -> str:
        pts: list[tuple[float, float]] = []
        for i in indices:
            seg = arcs[i] if i >= 0 else arcs[~i][::-1]
            pts.extend(seg if not pts else seg[1:])
        # a jump of more than 180 degrees crosses the antimeridian: start a new sub-path there
        runs: list[list[tuple[float, float]]] = [[]]
        last, prev_lon = None, None
        for lon, lat in pts:
            if prev_lon is not None and abs(lon - prev_lon) > 180:
                runs.append([])
                last = None
            prev_lon = lon
            px, py = equal_earth(lon, lat)
            p = (round((px + xmax) * scale, 1), round((ymax - py) * scale, 1))
            if p != last:
                runs[-1].append(p)
                last = p
        return "".join(
            "M" + "L".join(f"{a:g},{b:g}" for a, b in run) + "Z" for run in runs if len(run) >= 3
        )

    aliases = get_global("territory_aliases")
    countries: dict[str, str] = {}
    for geom in topo["objects"]["countries"]["geometries"]:
        codes = aliases.get(str(geom.get("id", "")))
        if not codes or codes[0] == "AQ":
            continue  # N. Cyprus, Somaliland, Kosovo: no ISO 3166-1 code; Antarctica: no decisions
        polys = geom["arcs"] if geom["type"] == "MultiPolygon" else [geom["arcs"]]
        d = "".join(ring(r) for poly in polys for r in poly)
        countries[codes[0]] = countries.get(codes[0], "") + d
    OUT.write_text(
        json.dumps(
            {
                "source": f"npm {PACKAGE} countries-110m.json (Natural Earth, public domain)",
                "projection": "Equal Earth",
                "width": WIDTH,
                "height": height,
                "countries": dict(sorted(countries.items())),
            },
            separators=(",", ":"),
        ),
        encoding="utf-8",
    )
    print(f"{len(countries)} countries -> {OUT} ({OUT.stat().st_size // 1024} KB)")


if __name__ == "__main__":
    main()
