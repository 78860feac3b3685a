"""Words of the in-memory search index (bch.storage.bitmap_index), one rule set for indexing and
for queries, the same on SQLite and PostgreSQL.

A text in language L gives: each word lower-cased with its diacritics folded (as FTS5's
unicode61 tokenizer does), and, when L has a Snowball stemmer (Arabic, English, Spanish,
French, Russian: the languages PostgreSQL stems too), the word's stem in L's own namespace
(`"\\x1fen\\x1fmaiz"`), so a French stem never matches an English word. Chinese, Japanese and Korean
runs become their character bigrams. A query word matches every indexed word it is a prefix
of, raw or stemmed in any language, like FTS5's `"word"*` and PostgreSQL's `word:*`."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import Stemmer

STEMMED = {"ar": "arabic", "en": "english", "es": "spanish", "fr": "french", "ru": "russian"}
SEP = "\x1f"
MAX_QUERY_WORDS = 16
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


def _bigrams(word: str) -> list[str]:
    return [word[i : i + 2] for i in range(len(word) - 1)] if len(word) > 1 else [word]


def text_tokens(lang: str, content: str) -> set[str]:
    """Index entries of one text in one language."""
    out: set[str] = set()
    for word in set(_WORD.findall(content.lower())):
        out.update(_entries(lang, word))
    return out


@lru_cache(maxsize=131_072)
def _entries(lang: str, word: str) -> tuple[str, ...]:
    if _CJK.match(word):
        return tuple(_bigrams(word))
    if lang in STEMMED:
        return (fold(word), SEP + lang + SEP + stem(lang, word))
    return (fold(word),)


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
    for word in dict.fromkeys(_WORD.findall(query.lower())):
        if _CJK.match(word):
            out.append(QueryWord(word, exact=tuple(_bigrams(word))))
            continue
        alternatives = {fold(word)}
        alternatives.update(SEP + lang + SEP + stem(lang, word) for lang in STEMMED)
        out.append(QueryWord(word, prefixes=tuple(sorted(alternatives))))
    return out[:MAX_QUERY_WORDS]
