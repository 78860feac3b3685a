"""Matching free-text labels from external sources (ISAAA, OECD BioTrack, CFIA, EUginius ...) to
thesaurus terms.

No fuzzy matching: a label matches a term when, after normalisation, it equals one of the term's
titles (any of the six languages), altLabels, code or identifier. Normalisation folds case,
accents, punctuation and spacing. Two fallbacks follow, each used only when it is unambiguous
within the domain: a word-bag comparison (word order, English plurals and small function words
ignored), then the same without the generic words "tolerance"/"resistance"/"herbicide".

Strings naming several traits at once ("Glufosinate, 2,4-D and glyphosate tolerance") are split
by :func:`split_compound`; EUginius-style paths ("Herbicide tolerance > Glyphosate") are tried
leaf first.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from functools import lru_cache

__all__ = ["LabelIndex", "label_keys", "normalise", "split_compound", "match_compound"]

_MARKS = str.maketrans({"™": " ", "®": " ", "©": " ", "℠": " "})
_NON_WORD = re.compile(r"[\W_]+")
_STOPWORDS = frozenset(
    {"an", "and", "as", "by", "for", "from", "in", "into", "of", "on", "or", "the", "to", "with"}
    | {"de", "des", "du", "la", "le", "les", "et", "el", "los", "las", "del"}  # French / Spanish
)
_GENERIC = frozenset({"tolerance", "tolerant", "resistance", "resistant", "herbicide"})
_AMBIGUOUS = object()


@lru_cache(maxsize=1 << 15)  # a pure function of the text; the shipped data asks 28,000 times
def normalise(text: str) -> str:
    """Case-, accent-, punctuation- and space-insensitive form of a label."""
    text = unicodedata.normalize("NFKD", text.translate(_MARKS))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    return _NON_WORD.sub(" ", text).strip()


def _stem(word: str) -> str:
    """Crude English singular: rootworms -> rootworm, viruses -> virus, butterflies -> butterfly."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith(("sses", "shes", "ches", "xes", "uses")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


@lru_cache(maxsize=1 << 15)  # the importer looks the same few thousand labels up again and again
def label_keys(label: str) -> tuple[str, str, str]:
    """The exact, word-bag and generic-free keys of a label (empty strings when not usable)."""
    exact = normalise(label)
    words = {_stem(w) for w in exact.split() if w not in _STOPWORDS}
    bag = " ".join(sorted(words))
    specific = " ".join(sorted(w for w in words if w not in _GENERIC))
    return exact, bag, specific


class LabelIndex:
    """Label lookup for one domain. Keys map to a term identifier; duplicated fallback keys that
    point to different terms are marked ambiguous and never match."""

    def __init__(self) -> None:
        self._stages: tuple[dict[str, object], ...] = ({}, {}, {})

    def add(self, identifier: str, labels: Iterable[str]) -> list[str]:
        """Index the labels of one term; returns the exact-key clashes with other terms."""
        clashes = []
        for label in labels:
            for stage, key in enumerate(label_keys(label)):
                if not key:
                    continue
                table = self._stages[stage]
                current = table.get(key)
                if current is None:
                    table[key] = identifier
                elif current != identifier:
                    if stage == 0 and current is not _AMBIGUOUS:
                        clashes.append(f"label {label!r} of {identifier} also labels {current}")
                    table[key] = _AMBIGUOUS
        return clashes

    def lookup(self, text: str) -> str | None:
        for stage, key in enumerate(label_keys(text)):
            if not key:
                continue
            found = self._stages[stage].get(key)
            if found is _AMBIGUOUS:
                return None
            if found is not None:
                return found  # type: ignore[return-value]
        return None

    def lookup_path(self, text: str) -> str | None:
        """Whole label, or for 'A > B > C' paths the deepest segment that matches."""
        found = self.lookup(text)
        if found or ">" not in text:
            return found
        parts = [p.strip() for p in text.split(">") if p.strip()]
        for depth in range(len(parts) - 1, -1, -1):
            leaf = parts[depth]
            found = self.lookup(leaf)
            if found is None and depth:
                found = self.lookup(f"{leaf} {parts[depth - 1]}")
            if found:
                return found
        return None


# Separators between traits in one string. Strong ones (';', ' / ') are tried first so that a
# part such as "Western and Northern corn rootworm resistance" can still match whole; weak ones
# (',', '&', ' and ') apply outside parentheses and not to the comma of "2,4-D".
_STRONG = re.compile(r"\s*(?:;|\s/\s*|/\s+)\s*")
_WEAK = re.compile(r"\s*(?:&|,(?!\d)|\band\b)\s*", re.IGNORECASE)
_PAREN = re.compile(r"\([^()]*\)")
_PREFIX = re.compile(
    r"^\s*((?:tolerance|tolerant|resistance|resistant|protection)\s+(?:to|against))\b",
    re.IGNORECASE,
)
_SUFFIX = re.compile(
    r"\b((?:herbicides?\s+)?(?:tolerance|tolerant|resistance|resistant)|herbicides?)\s*$",
    re.IGNORECASE,
)
_LEADING = re.compile(r"^(?:and|to|the)\s+", re.IGNORECASE)


def _clean(part: str) -> str:
    return _LEADING.sub("", part.strip(" ,.;")).strip()


def _weak_fragments(text: str) -> list[str]:
    held: list[str] = []

    def hold(m: re.Match[str]) -> str:
        held.append(m.group(0))
        return f"\x00{len(held) - 1}\x00"

    parts = _WEAK.split(_PAREN.sub(hold, text))
    restored = (re.sub(r"\x00(\d+)\x00", lambda m: held[int(m.group(1))], p) for p in parts)
    return [f for f in map(_clean, restored) if f]


def split_compound(text: str) -> list[str]:
    """Split a label naming several traits into fragments (parenthesised text kept whole)."""
    return [f for strong in _STRONG.split(text) for f in _weak_fragments(strong)]


def match_compound(
    text: str,
    lookup: Callable[[str], str | None],
    listed: Mapping[str, Iterable[str]] | None = None,
) -> list[str]:
    """Identifiers of all the traits named in `text`, in order, using `lookup` for single labels
    and `listed` (normalised label -> identifiers) for known multi-trait labels.

    The string is cut at ';' and ' / ' first; a part that does not match whole is cut again at
    commas, '&' and 'and'. Fragments borrow the shared frame of their part ("Tolerance to X and
    Y" -> "tolerance to Y"; "X, Y and Z tolerance" -> "X tolerance"); a fragment that still fails
    is tried as two adjacent labels ("glufosinate 2,4-D")."""
    listed = listed or {}

    def whole(part: str) -> list[str]:
        hit = lookup(part)
        return [hit] if hit else list(listed.get(normalise(part), ()))

    found: list[str] = []
    strong_parts = [_clean(p) for p in _STRONG.split(text)]
    for part in filter(None, strong_parts):
        hits = whole(part) if len(strong_parts) > 1 else []
        found.extend(h for h in hits or _match_weak(part, lookup) if h not in found)
    return found


def _match_weak(text: str, lookup: Callable[[str], str | None]) -> list[str]:
    fragments = _weak_fragments(text)
    if len(fragments) < 2:
        return []
    prefix_m = _PREFIX.match(fragments[0])
    suffix_m = _SUFFIX.search(fragments[-1])
    prefix = prefix_m.group(1) if prefix_m else ""
    suffix = suffix_m.group(1) if suffix_m else ""

    def one(fragment: str) -> str | None:
        bare = _PAREN.sub(" ", fragment).strip()
        for variant in (fragment, f"{fragment} {suffix}", f"{prefix} {fragment}", bare):
            if variant.strip():
                hit = lookup(variant.strip())
                if hit:
                    return hit
        return None

    found: list[str] = []
    for fragment in fragments:
        hit = one(fragment)
        hits = [hit] if hit else []
        words = fragment.split()
        for cut in range(1, len(words)) if not hit else ():
            left, right = one(" ".join(words[:cut])), one(" ".join(words[cut:]))
            if left and right:
                hits = [left, right]
                break
        found.extend(h for h in hits if h not in found)
    return found
