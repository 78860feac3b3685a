"""Shipment documents -> numbered lines -> the LMO items they name.

A document is pasted text, a CSV file or a PDF (its text layer, read with pypdf). One item per
list line or table row: the OECD UIDs on a line (any spelling; several on one line are one stack,
in any order, with any separator) govern it, and names beside them only add a warning when they
name another LMO. A line without a UID is read for event names and trade names (the resolver's
aliases, collected from the real sources), several of them joined by stack separators being a
stack written with names."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from functools import lru_cache

from bch.records.oecd_uid import ParsedUid, UidError, parse_uid
from bch.resolve.aliases import EVENT, TARGET, TITLE, TRADE, UID_SHORT
from bch.resolve.aliases import norm as norm_name
from bch.resolve.index import Resolver
from bch.services.errors import BadRequest

MAX_PDF_PAGES = 200


@dataclass(frozen=True)
class Line:
    number: int  # 1-based line of the document (CSV: the row's first line)
    text: str


@dataclass
class Item:
    line: int
    text: str
    kind: str  # uid | uid_stack | event_name | trade_name | name_stack
    parsed: ParsedUid | None = None  # UID items
    keys: list[str] = field(default_factory=list)  # resolved LMO key(s): one, or stack parts
    candidates: list[dict] = field(default_factory=list)
    malformed: str | None = None
    names: list[str] = field(default_factory=list)  # the names read on the line
    warnings: list[str] = field(default_factory=list)
    ambiguous: bool = False


# -- documents ----------------------------------------------------------------------------------
def pdf_text(data: bytes, field_name: str = "file") -> str:
    """The text layer of a PDF, page after page (a page ends a line)."""
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(data))
        pages = reader.pages
        if len(pages) > MAX_PDF_PAGES:
            raise _bad(field_name, f"a PDF of at most {MAX_PDF_PAGES} pages")
        return "\n".join((page.extract_text() or "") for page in pages)
    except BadRequest:
        raise
    except Exception as exc:  # noqa: BLE001 - any unreadable PDF is bad input, never a 500
        raise _bad(field_name, f"a readable PDF ({type(exc).__name__}: {exc})") from None


def decode_text(data: bytes, field_name: str = "file") -> str:
    if b"\x00" in data:
        raise _bad(field_name, "a text document (UTF-8 or Windows-1252), not binary data")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _bad(name: str, expected: str) -> BadRequest:
    return BadRequest(
        f"{name}: expected {expected}",
        errors=[
            {"code": "Error.InvalidParameter", "path": name, "message": f"expected {expected}"}
        ],
    )


def document_lines(text: str, fmt: str) -> list[Line]:
    """Numbered lines of a text, or one line per CSV row (its cells joined by ' | ')."""
    if fmt == "csv":
        return _csv_lines(text)
    return [Line(i, t) for i, t in enumerate(text.splitlines(), 1) if t.strip()]


def _csv_lines(text: str) -> list[Line]:
    sample = text[:4096]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    out, start = [], 1
    try:
        for row in reader:
            cells = [c.strip() for c in row if c.strip()]
            if cells:
                out.append(Line(start, " | ".join(cells)))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise _bad("text", f"a CSV document (line {reader.line_num}: {exc})") from None
    return out


def looks_like_csv(text: str) -> bool:
    """Several lines with the same number (>= 2) of commas or semicolons outside quotes."""
    lines = [t for t in text.splitlines()[:20] if t.strip()]
    if len(lines) < 2:
        return False
    for sep in (",", ";", "\t"):
        counts = {len(next(csv.reader([t], delimiter=sep))) for t in lines}
        if len(counts) == 1 and counts.pop() >= 3:
            return True
    return False


# -- UIDs on a line -------------------------------------------------------------------------------
_DASH = r"[-\u2010-\u2015\u2212]"
_CH = r"[A-Za-z0-9ØøōŌ]"
# applicant (2-4: one too many is reported), event (3-8: wrong lengths are reported), digit(s)
_SEP = rf"(?:\s?{_DASH}\s?|\s)"
_UID_TOKEN = re.compile(
    rf"(?<![\w\-/.]){_CH}{{2,4}}{_SEP}{_CH}{{3,8}}{_SEP}{_CH}{{1,2}}(?![\w\-])"
    rf"|(?<![\w\-/.])[A-Za-z]{{2,3}}[0-9ØøōŌ][A-Za-z0-9ØøōŌ]{{4,5}}\s?\d(?![\w\-])"
    r"|(?<!\S)\S*%(?:C3%98|2D)\S*"
    rf"|(?<![\w\-/.])[A-Za-z]{{2,3}}{_DASH}[A-Za-z0-9ØøōŌ]{{5,6}}(?![\w\-])"  # digit missing
)
_STRICT = re.compile(r"^[A-Z][A-Z0-9Ø]{1,2}-[A-Z0-9Ø]{5,6}-\d$")


def _applicant(token: str) -> str:
    return re.split(rf"\s?{_DASH}\s?", token.strip())[0].upper()


def uid_tokens(text: str, applicants: frozenset[str], known: set[str]) -> list[str]:
    """The UID-like tokens of a line. A token of the exact UID shape always counts; a token of
    a wrong shape counts (to be reported malformed) when its applicant code is one that
    registered UIDs use; an undashed token only when it reads as a registered UID or has Ø."""
    out = []
    for m in _UID_TOKEN.finditer(text):
        tok = m.group(0).strip()
        dashed = re.search(_DASH, tok) is not None
        spaced = not dashed and re.fullmatch(r"\S+\s\S+\s\S+", tok) is not None
        if spaced:  # "MON 87411 9": only with the applicant code of a registered UID
            if _applicant(tok.split()[0]) not in applicants:
                continue
        elif not dashed and "%" not in tok:
            parsed = _try(tok)
            if parsed is None or (parsed.key not in known and "Ø" not in tok.upper()):
                continue
        elif dashed:
            upper = re.sub(rf"\s?{_DASH}\s?", "-", tok.upper())
            if upper.count("-") == 1 and _applicant(tok) not in applicants:
                continue
            if not _STRICT.match(upper.replace("0", "Ø")) and _applicant(tok) not in applicants:
                continue
            if not any(c.isalpha() for c in _applicant(tok)):
                continue
        out.append(tok)
    return out


def _try(text: str) -> ParsedUid | None:
    try:
        return parse_uid(text)
    except UidError:
        return None


# -- names on a line -----------------------------------------------------------------------------
_WORD = re.compile(r"[^\s,;|()\[\]{}:\"]+")
_SEPARATORS = {"x", "X", "×", "+", "/", "&"}
_LEADS = {"event", "line", "evento", "événement"}
MAX_WORDS = 6
NAME_KIND = {EVENT: "event_name", UID_SHORT: "event_name", TITLE: "event_name"}
NAME_KIND |= {TARGET: "event_name", TRADE: "trade_name"}


@dataclass
class NameHit:
    start: int
    end: int
    text: str
    keys: list[str]
    kind: str


def name_hits(text: str, resolver: Resolver) -> list[NameHit]:
    """Longest alias matches of up to MAX_WORDS words, left to right, none overlapping.
    A bare number (``1507``) counts only after a leading word (``Event 1507``) or next to a
    stack separator (``TC1507 x 59122``): quantities and prices are numbers too."""
    words = [(m.start(), m.end(), m.group(0)) for m in _WORD.finditer(text)]
    norms = [_word_norm(w[2]) for w in words]
    aliases, bare = resolver.aliases, _bare_brands(resolver)
    hits: list[NameHit] = []
    i = 0
    while i < len(words):
        found = None
        for j in range(min(len(words), i + MAX_WORDS), i, -1):
            joined = "".join(norms[i:j])
            if not joined or words[i][2] in _SEPARATORS:
                continue
            entries = aliases.get(joined) or bare.get(joined)
            if not entries:
                continue
            if len(joined) < 3 or (joined.isdigit() and not _number_ok(words, i, j)):
                continue
            found = (j, joined, entries)
            break
        if found is None:
            i += 1
            continue
        j, joined, entries = found
        kinds = [a.kind for aliases in entries.values() for a in aliases]
        kind = "trade_name" if kinds and all(k == TRADE for k in kinds) else "event_name"
        span = text[words[i][0] : words[j - 1][1]]
        hits.append(NameHit(words[i][0], words[j - 1][1], span, sorted(entries), kind))
        i = j
    return hits


_CROPS = ("maize", "corn", "soybean", "soybeans", "soya", "canola", "cotton", "rice", "potato")


def _bare_brands(resolver: Resolver) -> dict[str, dict]:
    """Trade names without their crop word (``StarLink™`` for ``Starlink™ Maize``), where the
    shorter name is not an alias of its own."""
    cached = _BARE.get(id(resolver))
    if cached is not None and cached[0] is resolver:
        return cached[1]
    out: dict[str, dict] = {}
    for name, entries in resolver.aliases.items():
        for crop in _CROPS:
            stem = name[: -len(crop)]
            if name.endswith(crop) and len(stem) >= 4 and stem not in resolver.aliases:
                trade = {k: v for k, v in entries.items() if any(a.kind == TRADE for a in v)}
                for key, aliases in trade.items():
                    out.setdefault(stem, {})[key] = aliases
    _BARE[id(resolver)] = (resolver, out)
    return out


_BARE: dict[int, tuple[Resolver, dict]] = {}


@lru_cache(maxsize=65536)
def _word_norm(word: str) -> str:
    return "" if word.casefold() in _LEADS else norm_name(word)


@lru_cache(maxsize=16384)
def _parse(token: str) -> ParsedUid:
    """parse_uid, remembered: invoices repeat their identifiers."""
    return parse_uid(token)


def _number_ok(words: list[tuple[int, int, str]], i: int, j: int) -> bool:
    before = words[i - 1][2] if i > 0 else ""
    after = words[j][2] if j < len(words) else ""
    lead = words[i][2].casefold() in _LEADS
    return lead or before in _SEPARATORS or after in _SEPARATORS


def names_item(line: Line, hits: list[NameHit], resolver: Resolver) -> Item:
    """One item from the names on a line: one LMO, a stack written with names, or ambiguous."""
    texts = [h.text for h in hits]
    if len(hits) == 1 or len({tuple(h.keys) for h in hits}) == 1:
        hit = hits[0]
        res = resolver.resolve(hit.text)
        item = Item(line.number, line.text, hit.kind, names=texts)
        if len(hit.keys) == 1 and not res.candidates:
            item.keys = list(hit.keys)
        elif res.best is not None and not res.ambiguous:
            item.keys = [res.best.key]
        else:
            item.ambiguous = True
            item.candidates = [_cand(c.key, c.uid, c.name) for c in res.candidates[:8]]
        return item
    item = Item(line.number, line.text, "name_stack", names=texts)
    parts: list[str] = []
    for hit in hits:
        res = resolver.resolve(hit.text)
        if res.best is None or res.ambiguous:
            item.ambiguous = True
            item.candidates += [_cand(c.key, c.uid, c.name, hit.text) for c in res.candidates[:8]]
            continue
        comps = list(resolver.lmos[res.best.key].components) or [res.best.key]
        parts += [c for c in comps if c not in parts]
    item.keys = sorted(parts)
    return item


def _cand(key: str, uid: str | None, name: str, named: str | None = None) -> dict:
    out = {"key": key, "uid": uid, "name": name}
    if named:
        out["for"] = named
    return out


# -- items ---------------------------------------------------------------------------------------
class Extractor:
    def __init__(self, resolver: Resolver, registered: set[str]):
        self.resolver = resolver
        self.known = set(resolver.lmos) | registered
        self.applicants = frozenset(
            part.split("-")[0]
            for key in self.known
            for part in key.split("+")
            if part.count("-") == 2
        )

    def items(self, lines: list[Line]) -> list[Item]:
        out = []
        for line in lines:
            item = self.item(line)
            if item is not None:
                out.append(item)
        return out

    def item(self, line: Line) -> Item | None:
        tokens = uid_tokens(line.text, self.applicants, self.known)
        if tokens:
            return self._uid_item(line, tokens)
        hits = name_hits(line.text, self.resolver)
        return names_item(line, hits, self.resolver) if hits else None

    def _uid_item(self, line: Line, tokens: list[str]) -> Item:
        parts: list[ParsedUid] = []
        for n, tok in enumerate(tokens, 1):
            try:
                parts.append(_parse(tok))
            except UidError as exc:
                where = f"component {n} of {len(tokens)}: " if len(tokens) > 1 else ""
                kind = "uid_stack" if len(tokens) > 1 else "uid"
                reason = str(exc).split(": ", 1)[-1] if str(exc).startswith("'") else str(exc)
                return Item(line.number, line.text, kind, malformed=f"{where}{tok!r}: {reason}")
        seen: dict[str, None] = {}
        for p in parts:
            for comp in p.component_keys:
                seen.setdefault(comp)
        joined = " × ".join(c for p in parts for c in [p.canonical])
        parsed = _parse(joined) if len(parts) > 1 else parts[0]
        warnings = [w for p in parts for w in p.warnings]
        parsed = ParsedUid(" ".join(tokens), parsed.parts, tuple(dict.fromkeys(warnings)))
        kind = "uid_stack" if parsed.is_stack else "uid"
        item = Item(line.number, line.text, kind, parsed=parsed, keys=[parsed.key])
        rest = line.text
        for tok in tokens:
            rest = rest.replace(tok, " UID ")
        for hit in name_hits(rest, self.resolver):
            if parsed.key not in hit.keys and not set(hit.keys) & set(parsed.component_keys):
                item.warnings.append(
                    f"the name {hit.text!r} beside the UID names another LMO "
                    f"({', '.join(self._uid_of(k) for k in hit.keys[:3])}); the UID governs"
                )
        return item

    def _uid_of(self, key: str) -> str:
        lmo = self.resolver.lmos.get(key)
        return (lmo.uid if lmo and lmo.uid else None) or key
