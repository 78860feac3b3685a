"""Aliases of LMOs collected from the real sources, each with its provenance.

The LMO universe is ``lmo_events.csv`` (583 LMOs and stacks). Aliases come from its UID, event
and trade-name columns, from the ISAAA 2023 and 2019 scrapes, the BioTrack 2019 scrape and the
CFIA register (names and trade names next to a UID column), from the usual short names of
numeric UIDs (``DAS-Ø15Ø7-1`` -> ``DAS1507``, ``1507``) and from detection-method targets
linked by the importer (EUginius ``MON810``, EURL-GMFF ``MON810 insert (Maize)``).
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from bch.importer import sources as raw
from bch.importer.events import lmo_rows, reliable_uid, uid_aliases

EVENT, TRADE, UID_SHORT, TARGET, TITLE = "event", "trade", "uidShortName", "methodTarget", "title"
_NA = {"", "not available", "n/a", "na", "none"}
_LEADING_EVENT = re.compile(r"^\s*event\s+", re.IGNORECASE)
_NOT_KEPT = re.compile(r"[^0-9a-z/]")
_GLUED_EVENT = re.compile(r"^\s*event\s*(?=\d)", re.IGNORECASE)  # "Event98140"
_CFIA_NAME = re.compile(r"^[^—]+—\s*(.+?)\s*\(([^()]*)\)\s*$")


@dataclass(frozen=True)
class Lmo:
    key: str
    uid: str | None  # canonical UID, None when the LMO has none
    name: str
    components: tuple[str, ...]  # component keys of a stack


@dataclass(frozen=True)
class Alias:
    text: str
    kind: str  # event | trade | uidShortName | methodTarget | title
    provenance: str


class AliasBuilder:
    def __init__(self, lmos: dict[str, Lmo]):
        self.lmos = lmos
        self.aliases: dict[str, dict[str, list[Alias]]] = defaultdict(lambda: defaultdict(list))

    def add(self, text: str, key: str | None, kind: str, provenance: str) -> None:
        text = (text or "").strip()
        if not text or key not in self.lmos or text.casefold() in _NA:
            return
        normed = norm(text)
        if not normed:
            return
        entries = self.aliases[normed][key]
        if not any(a.provenance == provenance and a.kind == kind for a in entries):
            entries.append(Alias(text, kind, provenance))

    def add_names(self, name: str, key: str | None, kind: str, provenance: str) -> None:
        for variant in {name, *_variants(name)}:
            self.add(variant, key, kind, provenance)

    def add_trades(self, trades: str, key: str | None, provenance: str, sep: str) -> None:
        for t in (trades or "").split(sep):
            self.add(t, key, TRADE, provenance)


def norm(text: str) -> str:
    """Comparison form of a name: trade-mark signs dropped (NFKC would make ™ "TM"), then
    bch.importer.events.norm_name (case, spaces, dashes, dots, Ø, a leading "Event")."""
    text = (text or "").replace("™", "").replace("®", "").replace("©", "")
    s = unicodedata.normalize("NFKC", _GLUED_EVENT.sub("", text))
    s = _LEADING_EVENT.sub("", s.replace("Ø", "0").replace("ø", "0"))
    return _NOT_KEPT.sub("", s.casefold())  # = bch.importer.events.norm_name, precompiled


def _variants(name: str) -> set[str]:
    """Raw variants whose normal forms name_variants would give (keep the original text)."""
    out = set()
    bare = re.sub(r"\([^()]*\)", " ", name).strip()
    if bare and bare != name:
        out.add(bare)
    for inner in re.findall(r"\(([^()]*)\)", name):
        out.update(a.strip() for a in inner.split(",") if a.strip())
    return out


def _key(uid_text: str) -> str | None:
    parsed = reliable_uid(uid_text) if uid_text and uid_text.casefold() not in _NA else None
    return parsed.key if parsed else None


def universe(data_dir: Path | None = None) -> tuple[dict[str, Lmo], list]:
    rows = lmo_rows(raw.lmo_events(data_dir))
    lmos = {}
    for r in rows:
        lmos[r.key] = Lmo(
            r.key,
            r.parsed.canonical if r.parsed else None,
            r.event_name or r.uid_text,
            tuple(p.ascii for p in r.parsed.parts) if r.parsed and r.parsed.is_stack else (),
        )
    return lmos, rows


def build_aliases(data_dir: Path | None = None, exclude: frozenset[str] = frozenset()):
    """(LMOs by key, norm name -> key -> aliases). `exclude` drops sources (benchmarks)."""
    lmos, rows = universe(data_dir)
    b = AliasBuilder(lmos)
    d = Path(data_dir) if data_dir is not None else raw.default_data_dir()
    if "lmo_events" not in exclude:
        for r in rows:
            prov = f"lmo_events.csv ({r.row.get('sources', '')})"
            if r.event_name:
                b.add_names(r.event_name, r.key, EVENT, prov)
            b.add_trades(r.row.get("trade_names", ""), r.key, prov, ";")
    for r in rows:
        if r.parsed is not None:
            for short in uid_aliases(r.parsed):
                b.add(short, r.key, UID_SHORT, f"short form of {r.parsed.canonical}")
    if "isaaa2023" not in exclude:
        for row in raw.read_json(d / "raw/isaaa_eventlist_2023_gmo_pwa/scrap.json"):
            name = row.get("eventName", "").split(":", 1)[-1].strip()
            code, _, trade = row.get("eventCode", "").partition("\n")
            key = _key(code.split(":", 1)[-1].strip())
            prov = f"ISAAA 2023 {row.get('url', '').rsplit('?', 1)[-1]}"
            b.add_names(name, key, EVENT, prov)
            b.add_trades(trade.split(":", 1)[-1], key, prov, ",")
    for src, reader in (
        ("ISAAA 2019", raw.isaaa_gene_rows),
        ("BioTrack 2019", raw.biotrack_gene_rows),
    ):
        if src.split()[0].lower() + "2019" in exclude:
            continue
        for g in reader(d):
            key = _key(g.code)
            b.add_names(g.name, key, EVENT, src)
            b.add_trades(g.trade_name, key, src, ",")
    if "cfia" not in exclude:
        for rec in raw.cfia_records(d):
            keys = [_key(u) for u in rec.get("oecd") or []]
            m = _CFIA_NAME.match(rec.get("name", ""))
            for key in keys:
                b.add(rec.get("name", ""), key, TITLE, "CFIA PNT register")
                if m:
                    b.add_names(m.group(1), key, EVENT, "CFIA PNT register")
    if "methods" not in exclude:
        from bch.sources.snapshot import shipped_snapshots  # lazy: avoids an import cycle

        snaps = shipped_snapshots()
        for name in ("euginius", "eurl_gmff"):
            for rec in snaps[name].records:
                prov = f"{'EUginius' if name == 'euginius' else 'EURL-GMFF'} {rec.record_id}"
                b.add(rec.name, rec.uid_key, TARGET, prov)
    return lmos, {n: dict(v) for n, v in b.aliases.items()}
