"""`api/deps.parse_json` on the shipped real records' JSON (every record document of the import
plan, as a client would PUT it): the one-parse version of now against the two parses of before
(orjson, then the standard parser with an object_pairs_hook to find repeated keys), measured
side by side in the same run; bodies per second and the ratio."""

from __future__ import annotations

import json
import time

import orjson

from bch.api.deps import parse_json
from bch.importer.plan import build_plan

ROUNDS = 5


def _pairs(pairs: list[tuple[str, object]]) -> dict:
    return dict(pairs)


def two_parses(body: bytes) -> object:
    """What parse_json did before: orjson for the value, the standard parser for the keys."""
    value = orjson.loads(body)
    if isinstance(value, (dict, list)):
        json.loads(body, object_pairs_hook=_pairs)
    return value


def _rate(parse, bodies: list[bytes]) -> float:
    best = float("inf")
    for _ in range(ROUNDS):
        start = time.perf_counter()
        for body in bodies:
            parse(body)
        best = min(best, time.perf_counter() - start)
    return len(bodies) / best


def main() -> None:
    bodies = [orjson.dumps(d) for d in build_plan().documents]
    assert all(parse_json(b) == orjson.loads(b) for b in bodies)
    size = sum(map(len, bodies)) / len(bodies)
    before, now = _rate(two_parses, bodies), _rate(parse_json, bodies)
    print(
        f"{len(bodies):,} real record bodies (mean {size / 1024:.1f} KiB), best of {ROUNDS}: "
        f"two parses (before) {before:,.0f} bodies/s, one parse (now) {now:,.0f} bodies/s, "
        f"ratio {now / before:.2f}x"
    )


if __name__ == "__main__":
    main()
