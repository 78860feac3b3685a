"""Detection methods from EUginius (288) and EURL-GMFF GMOMETHODS (85), linked to LMOs.

Only event-specific methods are linked: EUginius names the event (``MON810``, ``GTS 40-3-2``,
``DAS1507``); EURL-GMFF writes ``MON810 insert (Maize)`` or ``123.8.8 (FLO-40685-2, Carnation)``.
A UID among the candidates decides; otherwise the event name must designate exactly one LMO of
``lmo_events.csv`` (ambiguous names are not linked, and reported).
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from bch.importer.events import EventIndex, reliable_uid
from bch.importer.shapes import link

EUGINIUS = "EUginius"
EURL = "EURL-GMFF"
EUGINIUS_URL = "https://www.euginius.eu/euginius/pages/method_detailview.jsf?method={}"
EURL_URL = "https://gmo-crl.jrc.ec.europa.eu/gmomethods/show/{}/"
_TAGS = {EUGINIUS: "EUginius", EURL: "JRC"}
_VALIDATION = re.compile(r"\(([^()]*(?:ISO|EURL|EU-RL|CEN/|GMOMETHODS|validat)[^()]*)\)\s*\.?$")
_PARENS = re.compile(r"\(([^()]*)\)")
_CROP = re.compile(r"^Q[LT]-EVE-([A-Z]{2})-\d+$")  # QT-EVE-ZM-020: ZM = Zea mays


@dataclass
class DetectionMethod:
    source: str  # "EUginius" or "EURL-GMFF"
    code: str
    method_type: str | None  # "qualitative" (QL-...) or "quantitative" (QT-...)
    scope: str  # event-specific, construct-specific, element-specific, taxon-specific
    target: str
    description: str
    validation: str | None
    primers: dict[str, dict[str, str]]  # forward/reverse/probe -> {name, sequence}
    amplicon_size: int | None
    accession: str | None
    url: str
    lmo_keys: list[str] = field(default_factory=list)  # natural keys (OECD UID keys) of LMOs

    def link(self) -> dict[str, Any]:
        summary = self.description.split("\n", 1)[0].strip() if self.description else ""
        if not summary:
            kind = f"{self.method_type} " if self.method_type else ""
            summary = f"{kind}{self.scope} method, target {self.target}"
        name = f"{self.code} ({self.source}): {summary}"
        return link(self.url, name[:500], _TAGS[self.source])


def _type(code: str) -> str | None:
    prefix = code[:2].upper()
    return {"QL": "qualitative", "QT": "quantitative"}.get(prefix)


def _int(text: str) -> int | None:
    text = (text or "").strip()
    return int(text) if text.isdigit() else None


def _validation(description: str) -> str | None:
    first = (description or "").split("\n", 1)[0].strip()
    m = _VALIDATION.search(first)
    return m.group(1).strip() if m else None


def _primers(row: dict[str, str]) -> dict[str, dict[str, str]]:
    out = {}
    for role in ("forward", "reverse", "probe"):
        prefix = role if role == "probe" else f"{role}_primer"
        name, seq = row.get(f"{prefix}_name", "").strip(), row.get(f"{prefix}_seq", "").strip()
        if name or seq:
            out[role] = {"name": name, "sequence": seq}
    return out


def euginius_method(row: dict[str, str]) -> DetectionMethod:
    code = row["method_code"].strip()
    description = row.get("description", "").strip()
    return DetectionMethod(
        source=EUGINIUS,
        code=code,
        method_type=_type(code),
        scope=row.get("target_scope", "").strip(),
        target=row.get("target_name", "").strip(),
        description=description,
        validation=_validation(description),
        primers=_primers(row),
        amplicon_size=_int(row.get("amplicon_size", "")),
        accession=None,
        url=EUGINIUS_URL.format(quote(code, safe="")),
    )


def eurl_method(row: dict[str, str]) -> DetectionMethod:
    code = row["method_id"].strip()
    accession = row.get("accession", "").strip()
    return DetectionMethod(
        source=EURL,
        code=code,
        method_type=_type(code),
        scope=row.get("type", "").strip(),
        target=row.get("target", "").strip(),
        description="",
        validation=None,
        primers={},
        amplicon_size=_int(row.get("length", "")),
        accession=None if accession.casefold() in ("", "none") else accession,
        url=EURL_URL.format(quote(code, safe="")),
    )


def target_candidates(method: DetectionMethod) -> list[str]:
    """Names and UIDs a method's target may designate."""
    if method.source == EUGINIUS:
        return [t.strip() for t in method.target.split(",") if t.strip()]
    inner = [p.strip() for part in _PARENS.findall(method.target) for p in part.split(",")]
    bare = re.sub(r"\s+insert$", "", _PARENS.sub(" ", method.target).strip(), flags=re.I)
    extra = [method.accession] if method.accession else []
    return [c for c in [bare, *inner, *extra] if c]


def _crop_ok(method: DetectionMethod, key: str, crops: dict[str, str]) -> bool:
    """The crop code of ``QT-EVE-ZM-020`` (Zea mays) must fit the LMO's organism, if known."""
    m = _CROP.match(method.code)
    words = crops.get(key, "").split()
    if not m or len(words) != 2 or words[1].endswith("."):
        return True
    return (words[0][0] + words[1][0]).upper() == m.group(1)


def link_method(
    method: DetectionMethod, index: EventIndex, crops: dict[str, str] | None = None
) -> str:
    """Set ``method.lmo_keys``; return linked / ambiguous / unmatched / crop_mismatch.

    `crops` maps LMO keys to scientific names (``Zea mays``): a method whose code names another
    crop is not linked (EURL-GMFF ``Bt10 insert (Maize)`` is not the potato event BT10)."""
    outcome = _link(method, index)
    if outcome == "linked" and not all(_crop_ok(method, k, crops or {}) for k in method.lmo_keys):
        method.lmo_keys = []
        return "crop_mismatch"
    return outcome


def _link(method: DetectionMethod, index: EventIndex) -> str:
    candidates = target_candidates(method)
    uid_keys = set()
    for c in candidates:
        parsed = reliable_uid(c) if "-" in c else None
        if parsed is not None and not parsed.is_stack and index.has_key(parsed.key):
            uid_keys.add(parsed.key)
    if len(uid_keys) == 1:
        method.lmo_keys = sorted(uid_keys)
        return "linked"
    keys: set[str] = set()
    ambiguous = False
    for c in candidates:
        found = index.candidates(c)
        ambiguous |= len(found) > 1
        if len(found) == 1:
            keys |= found
    if len(keys) == 1 and not ambiguous:
        method.lmo_keys = sorted(keys)
        return "linked"
    return "ambiguous" if keys or ambiguous or uid_keys else "unmatched"


@dataclass
class DetectionCatalog:
    methods: list[DetectionMethod]
    links_by_lmo: dict[str, list[dict[str, Any]]]
    report: dict[str, int]
    notes: list[str]


def build_detection(
    euginius_rows: list[dict[str, str]],
    eurl_rows: list[dict[str, str]],
    index: EventIndex,
    crops: dict[str, str] | None = None,
) -> DetectionCatalog:
    methods = [euginius_method(r) for r in euginius_rows if r.get("method_code", "").strip()]
    methods += [eurl_method(r) for r in eurl_rows if r.get("method_id", "").strip()]
    methods.sort(key=lambda m: (m.source, m.code, m.target))
    counts: dict[str, int] = defaultdict(int)
    notes: list[str] = []
    by_lmo: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for m in methods:
        counts[f"detection_methods_{m.source}"] += 1
        if m.scope != "event-specific":
            continue
        counts["detection_event_specific"] += 1
        outcome = link_method(m, index, crops)
        counts[f"detection_event_specific_{outcome}"] += 1
        if outcome != "linked":
            notes.append(f"detection method {m.code} ({m.source}): target {m.target!r} {outcome}")
        for key in m.lmo_keys:
            by_lmo[key].append(m.link())
    return DetectionCatalog(methods, dict(by_lmo), dict(sorted(counts.items())), notes)
