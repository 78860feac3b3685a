"""One register row -> its natural key, record identifier and mapped fields, with the problems
found (row number, source column, record field path, what was expected).

Values are shaped by the record type's field definitions: a language map for ``lstring`` (in the
mapping's first language), ``{"identifier": ...}`` for terms (the mapping's value map gives term
codes; a code, an identifier or a term name of the field's domain is accepted) and references
(``lookup = "lmo-uid"``: an OECD UID names the LMO record registered with it), booleans from
yes/no/true/false/1/0, dates as ISO ``YYYY-MM-DD`` (``date_format`` reads other spellings)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bch.importer.ids import record_id
from bch.records.fields import FieldDef, RecordType
from bch.records.thesaurus import Thesaurus
from bch.registers.mapping import FieldMap, Mapping, Source
from bch.registers.reader import Row

_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
_OPTIONAL = re.compile(r"\[([^\[\]]*)\]")
_TRUE, _FALSE = {"true", "yes", "y", "1", "oui"}, {"false", "no", "n", "0", "non"}

# (lookup kind, source values) -> source value -> header identifier (None: not found)
Lookup = Callable[[str, list[str]], dict[str, str | None]]


@dataclass
class RowProblem:
    row: int
    column: str
    path: str
    code: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "path": self.path, "code": self.code,
                "message": self.message}  # fmt: skip


@dataclass
class BuiltRow:
    row: int
    key: str
    identifier: str | None
    fields: dict[str, Any]
    problems: list[RowProblem] = field(default_factory=list)
    skipped: str | None = None  # why the mapping skips the row
    columns: dict[str, str] = field(default_factory=dict)  # record field -> source column


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list):
        return "; ".join(_text(v) for v in value)
    return str(value).strip()


def render(template: str, values: dict[str, str]) -> str:
    """``{name}`` placeholders; a ``[...]`` segment is dropped when a placeholder in it is empty."""

    def segment(m: re.Match[str]) -> str:
        names = _PLACEHOLDER.findall(m.group(1))
        return m.group(1) if all(values.get(n) for n in names) else ""

    text = _OPTIONAL.sub(segment, template)
    return " ".join(_PLACEHOLDER.sub(lambda m: values.get(m.group(1), ""), text).split())


def _extract(src: Source, raw: dict[str, Any], values: dict[str, str]) -> Any:
    if src.template is not None:
        value: Any = render(src.template, values)
    else:
        value = raw.get(src.column or "")
    if isinstance(value, list) and not src.pattern and not src.replace:
        return [_text(v) for v in value if _text(v)]
    text = _text(value)
    if src.pattern is not None:
        m = src.pattern.search(text)
        text = m.group(1).strip() if m else ""
    for regex, replacement in src.replace:
        text = regex.sub(replacement, text)
    return " ".join(text.split())


class RowBuilder:
    def __init__(self, mapping: Mapping, rt: RecordType, thesaurus: Thesaurus, lookup: Lookup):
        self.m = mapping
        self.rt = rt
        self.th = thesaurus
        self.lookup = lookup
        self.constants = self._constants()

    def _constants(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, value in self.m.constants.items():
            fdef = self._fdef(name, f"constants.{name}")
            problems: list[RowProblem] = []
            shaped = self._shape(fdef, value, FieldMap(name, Source()), 0, problems)
            if problems:
                from bch.registers.mapping import MappingError

                raise MappingError(f"constants.{name}", problems[0].message)
            out[name] = shaped
        return out

    def _fdef(self, name: str, where: str) -> FieldDef:
        fdef = self.rt.fields.get(name)
        if fdef is None:
            from bch.registers.mapping import MappingError

            raise MappingError(where, f"{self.rt.name} has no field {name!r}")
        return fdef

    def check(self) -> None:
        """MappingError when a mapped field is not a field of the record type."""
        for name in self.m.fields:
            self._fdef(name, f"fields.{name}")

    def build(self, row: Row) -> BuiltRow:
        raw = row.values
        for column, skip in self.m.skip.items():
            if raw.get(column) in skip or _text(raw.get(column)) in {_text(s) for s in skip}:
                return BuiltRow(row.number, "", None, {}, skipped=f"{column} = {raw.get(column)}")
        values = {k: _text(v) for k, v in raw.items()}
        for name, src in self.m.variables.items():
            values[name] = _text(_extract(src, raw, values))
        problems: list[RowProblem] = []
        out: dict[str, Any] = dict(self.constants)
        columns: dict[str, str] = {}
        for name, fmap in self.m.fields.items():
            columns[name] = fmap.source.column or fmap.source.template or ""
            value = _extract(fmap.source, raw, values)
            if value in ("", []):
                continue
            shaped = self._shape(self.rt.fields[name], value, fmap, row.number, problems)
            if shaped not in (None, "", []):
                out[name] = shaped
        key = render(self.m.key, values)
        if not key:
            problems.append(RowProblem(row.number, "", "header.identifier", "Error.Mandatory",
                                       f"the key {self.m.key!r} is empty for this row"))  # fmt: skip
        ident = record_id(self.m.schema, key) if key else None
        return BuiltRow(row.number, key, ident, out, problems, None, columns)

    # -- shaping --------------------------------------------------------------------------------
    def _shape(
        self, fdef: FieldDef, value: Any, fmap: FieldMap, row: int, problems: list[RowProblem]
    ) -> Any:
        items = value if isinstance(value, list) else [value]
        if fmap.split and not isinstance(value, list):
            items = [p.strip() for p in _text(value).split(fmap.split) if p.strip()]
        if not fdef.many:
            items = items[:1]
        column = fmap.source.column or fmap.source.template or "(constant)"

        def problem(code: str, message: str, index: int | None = None) -> None:
            path = fdef.name if index is None or not fdef.many else f"{fdef.name}[{index}]"
            problems.append(RowProblem(row, column, path, code, message))

        if fmap.lookup:
            found = self.lookup(fmap.lookup, [_text(i) for i in items])
            shaped = []
            for i, item in enumerate(items):
                ident = found.get(_text(item))
                if ident is None:
                    problem("Error.ReferenceNotFound",
                            f"{_text(item)!r}: expected the OECD UID of an LMO in the "
                            "clearing-house", i)  # fmt: skip
                elif {"identifier": ident} not in shaped:
                    shaped.append({"identifier": ident})
            return shaped if fdef.many else (shaped[0] if shaped else None)
        shaped = []
        for i, item in enumerate(items):
            one = self._one(fdef, item, fmap, lambda c, msg, i=i: problem(c, msg, i))
            if one is not None and one not in shaped:
                shaped.append(one)
        return shaped if fdef.many else (shaped[0] if shaped else None)

    def _one(self, fdef: FieldDef, item: Any, fmap: FieldMap, problem) -> Any:
        if isinstance(item, str | int | float | bool) and _text(item) in fmap.values:
            item = fmap.values[_text(item)]
        kind = fdef.type
        if kind == "lstring":
            if isinstance(item, dict):
                return item
            return {self.m.languages[0]: _text(item)} if _text(item) else None
        if kind == "term":
            return self._term(fdef, item, problem)
        if kind == "reference":
            if isinstance(item, dict):
                return item
            return {"identifier": _text(item)}
        if kind == "boolean":
            if isinstance(item, bool):
                return item
            text = _text(item).lower()
            if text in _TRUE | _FALSE:
                return text in _TRUE
            problem("Error.InvalidType", f"{_text(item)!r}: expected yes/no, true/false or 1/0")
            return None
        if kind == "date":
            return self._date(item, fmap, problem)
        if kind in ("integer", "number") and not isinstance(item, bool):
            try:
                number = float(_text(item))
            except ValueError:
                problem("Error.InvalidType", f"{_text(item)!r}: expected a number")
                return None
            return int(number) if kind == "integer" or number.is_integer() else number
        if kind == "link" and isinstance(item, str):
            return {"url": item.strip()}
        return item if isinstance(item, dict | bool) else _text(item)

    def _term(self, fdef: FieldDef, item: Any, problem) -> Any:
        if isinstance(item, dict):
            return item
        text, domain = _text(item), fdef.domain or ""
        dom = self.th.domain(domain)
        for t in getattr(dom, "terms", None) or []:
            if text in (t.code, t.identifier):
                return {"identifier": t.identifier}
        if self.th.term(text) is not None and self.th.in_domain(text, domain):
            return {"identifier": text}
        found = self.th.match(domain, text)
        if found is not None:
            return {"identifier": found.identifier}
        problem("Error.UnexpectedTerm",
                f"{text!r}: expected a term of {domain} (a code, identifier or name; map source "
                "values to codes with 'values')")  # fmt: skip
        return None

    @staticmethod
    def _date(item: Any, fmap: FieldMap, problem) -> str | None:
        text = _text(item)
        try:
            if fmap.date_format:
                return datetime.strptime(text, fmap.date_format).date().isoformat()
            return datetime.strptime(text[:10], "%Y-%m-%d").date().isoformat()
        except ValueError:
            form = fmap.date_format or "YYYY-MM-DD"
            problem("Error.InvalidDate", f"{text!r}: expected a date as {form}")
            return None
