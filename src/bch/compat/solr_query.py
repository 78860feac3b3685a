"""A parser for the subset of the Solr/Lucene standard query syntax that CBD API clients use.

Supported: ``*:*``; ``field:value``; ``field:"a phrase"``; ``field:(a OR b)``; AND, OR, NOT,
``&&``, ``||``, ``!``, ``+``/``-`` prefixes and parentheses (Lucene occur semantics: MUST,
SHOULD, MUST_NOT); ranges ``[a TO b]`` / ``{a TO b}`` with ``*`` ends; ``field:*`` (field exists)
and a trailing ``*`` (prefix); a leading ``{!tag=...}`` local param. Anything else (boosts,
fuzzy/proximity, inner wildcards, functions, other local params, unbalanced parentheses)
raises :class:`SolrSyntaxError` naming the problem: never a silently different query.

A query is at most MAX_QUERY_CHARS long, nests parentheses at most MAX_DEPTH deep and has at most
MAX_CLAUSES field tests (Solr's own maxBooleanClauses): parsing and evaluating it stay bounded."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

MUST, SHOULD, MUST_NOT = "must", "should", "must_not"
MAX_QUERY_CHARS = 8192
MAX_DEPTH = 32
MAX_CLAUSES = 1024
_LOCAL = re.compile(r"^\s*\{!([^}]*)\}")
_SPECIAL = set('()[]{}":^~!+-&|\\/ \t\r\n')


class SolrSyntaxError(ValueError):
    """The query uses syntax this server does not support or cannot parse."""


@dataclass(frozen=True)
class MatchAll:
    pass


@dataclass(frozen=True)
class Clause:
    """One field test. kind: term | phrase | prefix | exists | range."""

    field: str
    kind: str
    value: str = ""
    upper: str | None = None  # ranges: value is the lower end; None = open (*)
    include_lower: bool = True
    include_upper: bool = True


@dataclass(frozen=True)
class Boolean:
    clauses: tuple[tuple[str, Node], ...] = field(default_factory=tuple)  # (occur, node)


Node = MatchAll | Clause | Boolean


def clause_count(node: Node) -> int:
    if isinstance(node, Clause):
        return 1
    if isinstance(node, Boolean):
        return sum(clause_count(child) for _occur, child in node.clauses)
    return 0


def local_params(text: str, allowed: set[str]) -> tuple[dict[str, str], str]:
    """Split a leading ``{!k=v ...}`` off `text`; keys outside `allowed` are an error."""
    check_length(text)
    m = _LOCAL.match(text)
    if not m:
        return {}, text
    params: dict[str, str] = {}
    for part in m.group(1).split():
        key, sep, value = part.partition("=")
        if not sep or key not in allowed:
            raise SolrSyntaxError(
                f"local parameter {{!{m.group(1)}}} is not supported here "
                f"(supported: {', '.join(sorted(allowed))})"
            )
        params[key] = value.strip("'\"")
    return params, text[m.end() :]


def check_length(text: str) -> None:
    if len(text) > MAX_QUERY_CHARS:
        raise SolrSyntaxError(
            f"the query is longer than {MAX_QUERY_CHARS:,} characters ({len(text):,})"
        )


def parse(text: str, default_field: str = "text", default_operator: str = "OR") -> Node:
    """Parse a q/fq string into a query tree (`default_operator` is Solr's q.op)."""
    if text is None or not text.strip():
        raise SolrSyntaxError("the query is empty")
    check_length(text)
    if default_operator not in ("OR", "AND"):
        raise SolrSyntaxError(f"q.op must be AND or OR, got {default_operator!r}")
    parser = _Parser(text, default_field, MUST if default_operator == "AND" else SHOULD)
    node = parser.query(top=True)
    return node


class _Parser:
    def __init__(self, text: str, default_field: str, default_occur: str = SHOULD):
        self.text = text
        self.pos = 0
        self.default_field = default_field
        self.default_occur = default_occur
        self.depth = 0  # open parentheses
        self.clauses = 0  # field tests so far

    # -- helpers --------------------------------------------------------------------------------
    def error(self, message: str) -> SolrSyntaxError:
        shown = self.text if len(self.text) <= 200 else self.text[:200] + "..."
        return SolrSyntaxError(f"{message} at character {self.pos + 1} of {shown!r}")

    def group(self, field_name: str | None) -> Node:
        """A parenthesised sub-query, at most MAX_DEPTH deep."""
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.error(f"parentheses nest deeper than {MAX_DEPTH}")
        self.pos += 1  # the '('
        node = self.query(field_name=field_name)
        self.pos += 1  # the ')'
        self.depth -= 1
        self.suffix_check()
        return node

    def counted(self, node: Clause) -> Clause:
        self.clauses += 1
        if self.clauses > MAX_CLAUSES:
            raise self.error(f"more than {MAX_CLAUSES:,} clauses")
        return node

    def skip_space(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos].isspace():
            self.pos += 1

    def peek(self, s: str) -> bool:
        return self.text.startswith(s, self.pos)

    def peek_word(self, word: str) -> bool:
        end = self.pos + len(word)
        return self.text.startswith(word, self.pos) and (
            end >= len(self.text) or self.text[end].isspace() or self.text[end] in "()"
        )

    # -- grammar --------------------------------------------------------------------------------
    def query(self, top: bool = False, field_name: str | None = None) -> Node:
        items: list[tuple[str, Node]] = []
        conj: str | None = None
        while True:
            self.skip_space()
            if self.pos >= len(self.text):
                if not top:
                    raise self.error("a '(' is never closed")
                break
            if self.peek(")"):
                if top:
                    raise self.error("unbalanced ')'")
                break
            if self.peek_word("AND") or self.peek("&&"):
                if not items:
                    raise self.error("AND needs a clause before it")
                self.pos += 3 if self.peek("AND") else 2
                conj = MUST
                continue
            if self.peek_word("OR") or self.peek("||"):
                if not items:
                    raise self.error("OR needs a clause before it")
                self.pos += 2
                conj = SHOULD
                continue
            occur = SHOULD if conj == SHOULD else self.default_occur
            if self.peek_word("NOT") or self.peek("!"):
                self.pos += 3 if self.peek("NOT") else 1
                occur = MUST_NOT
            elif self.peek("+"):
                self.pos += 1
                occur = MUST
            elif self.peek("-"):
                self.pos += 1
                occur = MUST_NOT
            node = self.clause(field_name)
            if conj == SHOULD and self.default_occur == MUST and items[-1][0] == MUST:
                items[-1] = (SHOULD, items[-1][1])  # q.op=AND: "a OR b" makes both optional
            if conj == MUST:
                prev_occur, prev = items[-1]
                if prev_occur == SHOULD:
                    items[-1] = (MUST, prev)
                if occur == SHOULD:
                    occur = MUST
            items.append((occur, node))
            conj = None
        if conj is not None:
            raise self.error("the query ends with an operator")
        if not items:
            raise self.error("empty group '()'")
        if len(items) == 1 and items[0][0] in (SHOULD, MUST):
            return items[0][1]
        return Boolean(tuple(items))

    def clause(self, field_name: str | None) -> Node:
        self.skip_space()
        if self.peek("("):
            return self.group(field_name)
        if self.peek("{!") or self.peek("_val_:") or self.peek("_query_:"):
            raise self.error("functions, nested queries and local parameters are not supported")
        if field_name is None:
            start = self.pos
            name = self.bare(allow_star=True)
            if self.peek(":"):
                self.pos += 1
                if name == "*":
                    self.skip_space()
                    if not self.peek("*"):
                        raise self.error("'*:' must be followed by '*' (match all)")
                    self.pos += 1
                    self.suffix_check()
                    return MatchAll()
                if not re.match(r"^[A-Za-z_][A-Za-z0-9_.]*$", name):
                    raise self.error(f"{name!r} is not a field name")
                if self.pos < len(self.text) and self.text[self.pos].isspace():
                    raise self.error(f"no value after {name}:")
                return self.value(name)
            self.pos = start
            return self.value(self.default_field)
        return self.value(field_name)

    def value(self, field_name: str) -> Node:
        if self.pos >= len(self.text):
            raise self.error(f"no value for field {field_name}")
        if self.peek("("):
            return self.group(field_name)
        if self.peek('"'):
            end = self.pos + 1
            buf = []
            while end < len(self.text) and self.text[end] != '"':
                if self.text[end] == "\\" and end + 1 < len(self.text):
                    end += 1
                buf.append(self.text[end])
                end += 1
            if end >= len(self.text):
                raise self.error("a phrase is never closed (missing '\"')")
            self.pos = end + 1
            self.suffix_check()
            return self.counted(Clause(field_name, "phrase", "".join(buf)))
        if self.peek("[") or self.peek("{"):
            return self.range(field_name)
        word = self.bare(allow_star=True)
        if word == "":
            raise self.error(f"no value for field {field_name}")
        self.suffix_check()
        if word == "*":
            return self.counted(Clause(field_name, "exists"))
        if "?" in word or "*" in word[:-1]:
            raise self.error(
                f"wildcard {word!r} is not supported (only field:* and a trailing * prefix)"
            )
        if word.endswith("*"):
            return self.counted(Clause(field_name, "prefix", word[:-1]))
        return self.counted(Clause(field_name, "term", word))

    def range(self, field_name: str) -> Node:
        include_lower = self.text[self.pos] == "["
        self.pos += 1
        self.skip_space()
        lower = self.range_end()
        self.skip_space()
        if not self.peek_word("TO"):
            raise self.error("a range needs the form [a TO b]")
        self.pos += 2
        self.skip_space()
        upper = self.range_end()
        self.skip_space()
        if self.pos >= len(self.text) or self.text[self.pos] not in "]}":
            raise self.error("a range is never closed (missing ']' or '}')")
        include_upper = self.text[self.pos] == "]"
        self.pos += 1
        self.suffix_check()
        end = "" if lower is None else lower
        return self.counted(Clause(field_name, "range", end, upper, include_lower, include_upper))

    def range_end(self) -> str | None:
        if self.peek('"'):
            end = self.text.find('"', self.pos + 1)
            if end < 0:
                raise self.error("a quoted range end is never closed")
            value = self.text[self.pos + 1 : end]
            self.pos = end + 1
            return value
        start = self.pos
        while self.pos < len(self.text) and not self.text[self.pos].isspace():
            if self.text[self.pos] in "]}":
                break
            self.pos += 1
        value = self.text[start : self.pos]
        if not value:
            raise self.error("a range end is missing")
        return None if value == "*" else value

    def bare(self, allow_star: bool) -> str:
        buf = []
        while self.pos < len(self.text):
            ch = self.text[self.pos]
            if ch == "\\" and self.pos + 1 < len(self.text):
                buf.append(self.text[self.pos + 1])
                self.pos += 2
                continue
            if ch in _SPECIAL and not (ch == "-" and buf) and not (ch == "/" and buf):
                break
            if ch in "^~":
                break
            buf.append(ch)
            self.pos += 1
        return "".join(buf)

    def suffix_check(self) -> None:
        if self.peek("^"):
            raise self.error("boosts (^) are not supported")
        if self.peek("~"):
            raise self.error("fuzzy and proximity searches (~) are not supported")
        if self.pos < len(self.text) and self.text[self.pos] in '[{"':
            raise self.error("unexpected character")
