"""The one tokenizer of search: how a text splits into words, for every engine and surface.

`words` splits (lower-cased runs of Unicode word characters); `cjk_bigrams` rewrites Chinese,
Japanese and Korean runs as overlapping bigrams in the texts a publish stores;
`text_tokens`, `title_tokens` and `query_words` are the entries of the bitmap index and what a
query word matches, which also defines relevance (see bch.storage.search.contract).

Rules of the bitmap entries, the same on SQLite and PostgreSQL:

A text in language L gives: each word lower-cased with its diacritics folded (as FTS5's
unicode61 tokenizer does), and, when L has a Snowball stemmer (Arabic, English, Spanish,
French, Russian: the languages PostgreSQL stems too), the word's stem in L's own namespace
(`"\\x1fen\\x1fmaiz"`), so a French stem never matches an English word. Chinese, Japanese and Korean
runs become their character bigrams. A query word matches every indexed word it is a prefix
of, raw or stemmed in any language. Entries are at most MAX_ENTRY characters (a longer word is
cut, and so is a query word: it still matches as a prefix).

Both engines hold exactly these entries: a publish writes them, space-separated, into the row of
`search_tokens` (`document_entries` of its texts, `title_tokens` of its title: `entry_line`),
which the bitmap index loads and the databases' full-text indexes hold verbatim (FTS5's `ascii`
tokenizer with the separator as a token character; PostgreSQL's `array_to_tsvector`, no parser,
no stemming, no stop words), and a query word is matched as the same prefixes in both.

Exact words (`exact_words`: case fully folded, ß -> ss, nothing else) are what a v2013 text field
matches (bch.compat.evaluate). A publish writes those of the display title per language as facet
rows (`title_word_rows`, and their adjacent pairs with the words held twice or more:
`title_pair_rows`), so a v2013 title word,
phrase or prefix is a filter of the search contract in both
engines: field `~t:en` holds the words of the English display title (`title_t`, `title_EN_t`);
`~t:xx` those of the display title in xx, only when they differ from the English ones, with the
row OWN_WORDS saying so (a record without it shows its English title words in xx: the fallback
of bch.records.languages.display)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

import Stemmer

from bch.records.languages import LANGUAGES, display

STEMMED = {"ar": "arabic", "en": "english", "es": "spanish", "fr": "french", "ru": "russian"}
SEP = "\x1f"
MAX_QUERY_WORDS = 16
MAX_ENTRY = 200  # characters of an index entry (PostgreSQL takes lexemes < 2 KB)
_WORD = re.compile(r"\w+", re.UNICODE)
_CJK = re.compile(r"^[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]+$")
_STEMMERS = {lang: Stemmer.Stemmer(name) for lang, name in STEMMED.items()}


@lru_cache(maxsize=65_536)
def fold(word: str) -> str:
    """Lower-case word without diacritics (é -> e); ASCII words are returned as they are."""
    if word.isascii():
        return word
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@lru_cache(maxsize=65_536)
def stem(lang: str, word: str) -> str:
    return _STEMMERS[lang].stemWord(word)


def words(text: str) -> list[str]:
    """The words of a text, lower-cased, in order (repeats kept)."""
    return _WORD.findall(text.lower())


def exact_words(text: str) -> list[str]:
    """The words of a text as a v2013 text field holds them: case fully folded (ß -> ss)."""
    return words(text.casefold())


TITLE_WORDS = "~t:"  # facet field of a record's display title words in a language: ~t:en
TITLE_PAIRS = "~p:"  # facet field of its adjacent word pairs ("maize event") in a language,
# and of the words its title there holds twice or more (the word alone: "mon", no space)
OWN_WORDS = "*"  # value of ~t:xx / ~p:xx: the title in xx has words / pairs of its own
LONG_WORD = "*"  # before a word too long to be a row: its first MAX_TITLE_WORD - 1 characters
MAX_TITLE_WORD = 200  # longest word kept as a row (record_facets.value); longer: not a row


def title_word_rows(title: Mapping[str, str] | str | None) -> set[tuple[str, str]]:
    """The facet rows of a record's display title words: (~t:en, word) for the English display
    title, (~t:xx, word) and (~t:xx, OWN_WORDS) for a language whose display title has other
    words. Words longer than MAX_TITLE_WORD are rows only as LONG_WORD + their start (what a
    prefix matches; an exact query for one is checked). A publish writes title_pair_rows too."""
    return _title_rows(title, _words_of, TITLE_WORDS)


def title_pair_rows(title: Mapping[str, str] | str | None) -> set[tuple[str, str]]:
    """The rows (~p:xx, "word1 word2") of the display title's adjacent word pairs, (~p:xx,
    word) of each word it holds more than once (a value without a space: repeated_words), the
    OWN_WORDS row of a language whose rows differ from the English ones (a v2013 title phrase
    of n words is the records holding its n - 1 pairs; for n >= 3, exactly so on the records
    whose title holds none of its inner words twice). Pairs and words longer than
    MAX_TITLE_WORD are left out (a phrase with one is checked)."""
    return _title_rows(title, _pairs_of, TITLE_PAIRS)


def title_pairs(words_: list[str]) -> list[str]:
    """The adjacent pairs of a list of words, as the rows hold them ("word1 word2")."""
    return [f"{a} {b}" for a, b in zip(words_, words_[1:], strict=False)]


def _words_of(text: str) -> set[str]:
    out = set()
    for w in exact_words(text):
        out.add(w if len(w) <= MAX_TITLE_WORD else LONG_WORD + w[: MAX_TITLE_WORD - 1])
    return out


def repeated_words(words_: list[str]) -> set[str]:
    """The words a list holds more than once. A title holding its adjacent pairs (a b), (b c),
    ... (y z) holds the phrase "a b ... z" when it holds none of the inner words b ... y twice:
    each inner word's one place chains the pairs into the phrase (title_pair_rows)."""
    seen: set[str] = set()
    out = set()
    for w in words_:
        if w in seen:
            out.add(w)
        seen.add(w)
    return out


def _pairs_of(text: str) -> set[str]:
    found = exact_words(text)
    out = {p for p in title_pairs(found) if len(p) <= MAX_TITLE_WORD}
    return out | {w for w in repeated_words(found) if len(w) <= MAX_TITLE_WORD}


def _title_rows(title, split, field: str) -> set[tuple[str, str]]:
    english = split(display(title, "en"))
    out = {(field + "en", w) for w in english}
    if not isinstance(title, Mapping) or len(title) < 2:  # one text: every display shows it
        return out
    for lang in LANGUAGES:
        found = split(display(title, lang)) if lang != "en" else english
        if found != english:
            out.add((field + lang, OWN_WORDS))
            out.update((field + lang, w) for w in found)
    return out


def is_cjk(word: str) -> bool:
    return bool(_CJK.match(word))


_CJK_RUN = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]+")


def cjk_bigrams(text: str) -> str:
    """Every run of CJK characters rewritten as space-separated overlapping bigrams (how the
    databases' full-text indexes hold Chinese)."""

    if not _CJK_RUN.search(text):  # most texts: no callback, no copy
        return text
    return _CJK_RUN.sub(_grams, text)


def _grams(m: re.Match[str]) -> str:
    return _run_grams(m.group(0))


@lru_cache(maxsize=16_384)
def _run_grams(run: str) -> str:
    if len(run) == 1:
        return f" {run} "
    return " " + " ".join(run[i : i + 2] for i in range(len(run) - 1)) + " "


def _bigrams(word: str) -> list[str]:
    return [word[i : i + 2] for i in range(len(word) - 1)] if len(word) > 1 else [word]


def text_tokens(lang: str, content: str) -> set[str]:
    """Index entries of one text in one language. The entries of each word come from a
    per-language map filled on first sight (set operations instead of a call per word: a
    bootstrap tokenizes millions of texts made of the same few hundred thousand words)."""
    known = _KNOWN.get(lang)
    if known is None or len(known) > MAX_KNOWN:
        known = _KNOWN[lang] = {}
    unique = set(words(content))
    for word in unique.difference(known):
        known[word] = _entries(lang, word)
    return set().union(*map(known.__getitem__, unique))


MAX_KNOWN = 50_000  # words remembered per language (then forgotten and read anew): <= ~15 MB each
_KNOWN: dict[str, dict[str, tuple[str, ...]]] = {}


def title_tokens(title: dict[str, str] | None) -> set[str]:
    """Index entries of a record's title, every language of it (relevance reads these)."""
    out: set[str] = set()
    for lang, text in (title or {}).items():
        out |= text_tokens(lang, str(text))
    return out


def document_entries(texts: Mapping[str, str]) -> set[str]:
    """Index entries of a record's texts ({language: text}, as a publish writes them)."""
    out: set[str] = set()
    for lang, content in texts.items():
        out |= text_tokens(lang, content)
    return out


def entry_line(entries: set[str]) -> str:
    """Entries as stored in `search_tokens`: sorted, one space between two."""
    return " ".join(sorted(entries))


def entries(line: str) -> list[str]:
    """The entries of a stored line (`entry_line`); not str.split(): SEP counts as a space."""
    return line.split(" ") if line else []


@lru_cache(maxsize=131_072)
def _entries(lang: str, word: str) -> tuple[str, ...]:
    if _CJK.match(word):
        return tuple(_bigrams(word))
    if lang in STEMMED:
        return (fold(word)[:MAX_ENTRY], (SEP + lang + SEP + stem(lang, word))[:MAX_ENTRY])
    return (fold(word)[:MAX_ENTRY],)


@dataclass(frozen=True)
class QueryWord:
    """One word of a query: `prefixes` are alternatives (any may match, as a prefix of an indexed
    word); `exact` entries must all be present (the bigrams of a CJK word)."""

    text: str
    prefixes: tuple[str, ...] = ()
    exact: tuple[str, ...] = ()


def query_words(query: str) -> list[QueryWord]:
    """The words of a user's query, each with what it matches (at most MAX_QUERY_WORDS)."""
    out: list[QueryWord] = []
    for word in dict.fromkeys(words(query)):
        if _CJK.match(word):
            out.append(QueryWord(word, exact=tuple(_bigrams(word))))
            continue
        alternatives = {fold(word)[:MAX_ENTRY]}
        alternatives.update((SEP + lang + SEP + stem(lang, word))[:MAX_ENTRY] for lang in STEMMED)
        out.append(QueryWord(word, prefixes=tuple(sorted(alternatives))))
    return out[:MAX_QUERY_WORDS]


def word_in(word: QueryWord, tokens: set[str]) -> bool:
    """Whether a query word matches a set of index entries, exactly as the bitmap index matches
    it against its postings (a prefix of an entry, or every bigram present)."""
    if word.exact:
        return all(t in tokens for t in word.exact)
    return any(t.startswith(p) for t in tokens for p in word.prefixes)


def title_tier(words_: list[QueryWord], tokens: set[str]) -> int:
    """The relevance tier of a record for a query: 0 when its title matches every query word,
    1 when it misses one, ... (lower is more relevant)."""
    return len(words_) - sum(1 for w in words_ if word_in(w, tokens))
