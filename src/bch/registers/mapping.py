"""A register mapping file (TOML): which record type the rows become, the natural key that makes
re-imports idempotent, source column -> record field, value maps to thesaurus terms, constants.

Every problem of the file itself is a MappingError naming the TOML path and the expected form."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MAPPINGS = Path(__file__).parent / "mappings"
FORMATS = ("csv", "xlsx", "json")
LOOKUPS = ("lmo-uid",)  # reference fields whose source value is an OECD UID
_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


class MappingError(ValueError):
    def __init__(self, path: str, message: str):
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message


@dataclass(frozen=True)
class Source:
    """Where one value comes from: a column (optionally a regex group of it, substitutions), a
    template over columns and variables, or nothing (a constant elsewhere)."""

    column: str | None = None
    template: str | None = None
    pattern: re.Pattern[str] | None = None
    replace: tuple[tuple[re.Pattern[str], str], ...] = ()


@dataclass(frozen=True)
class FieldMap:
    field: str
    source: Source
    values: dict[str, Any] = field(default_factory=dict)  # source value -> term code/value
    split: str | None = None  # a text cell holding several values
    lookup: str | None = None  # LOOKUPS
    date_format: str | None = None  # strptime format of a non-ISO date


@dataclass(frozen=True)
class Mapping:
    id: str
    title: str
    country: str
    schema: str
    languages: tuple[str, ...]
    source_note: str
    format: str | None
    records: str | None  # JSON: the key of the list of rows
    sheet: str | None  # XLSX: the sheet (default: the first)
    key: str  # template of the natural key
    skip: dict[str, tuple[Any, ...]]
    variables: dict[str, Source]
    fields: dict[str, FieldMap]
    constants: dict[str, Any]
    path: str = ""

    def columns(self) -> set[str]:
        """Every column the mapping reads (a missing one is a file error, not a row error)."""
        out = set(self.skip)
        for src in [*self.variables.values(), *(f.source for f in self.fields.values())]:
            if src.column:
                out.add(src.column)
        return out


def _str(table: dict[str, Any], key: str, where: str, required: bool = True) -> str | None:
    value = table.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        raise MappingError(f"{where}.{key}", "expected a non-empty string")
    return value.strip()


def _regex(text: Any, where: str) -> re.Pattern[str]:
    if not isinstance(text, str):
        raise MappingError(where, "expected a regular expression (a string)")
    try:
        return re.compile(text)
    except re.error as exc:
        raise MappingError(where, f"not a valid regular expression ({exc})") from None


def _source(spec: Any, where: str, names: set[str]) -> Source:
    if isinstance(spec, str):
        spec = {"column": spec}
    if not isinstance(spec, dict):
        raise MappingError(where, "expected a column name or a table {column|template, ...}")
    unknown = set(spec) - {"column", "template", "pattern", "replace", "values", "split",
                           "lookup", "date_format"}  # fmt: skip
    if unknown:
        raise MappingError(f"{where}.{sorted(unknown)[0]}", "unknown option")
    column, template = spec.get("column"), spec.get("template")
    if (column is None) == (template is None):
        raise MappingError(where, "expected exactly one of 'column' or 'template'")
    if template is not None:
        if not isinstance(template, str):
            raise MappingError(f"{where}.template", "expected a string")
        for name in _PLACEHOLDER.findall(template):
            if name not in names:
                raise MappingError(f"{where}.template", f"{{{name}}} is no column or variable")
    elif not isinstance(column, str) or not column:
        raise MappingError(f"{where}.column", "expected a column name")
    pattern = _regex(spec["pattern"], f"{where}.pattern") if "pattern" in spec else None
    if pattern is not None and pattern.groups < 1:
        raise MappingError(f"{where}.pattern", "expected one capturing group: (...)")
    pairs = spec.get("replace", [])
    if not isinstance(pairs, list) or not all(
        isinstance(p, list) and len(p) == 2 and all(isinstance(x, str) for x in p) for p in pairs
    ):
        raise MappingError(f"{where}.replace", "expected a list of [regex, replacement] pairs")
    replace = tuple((_regex(a, f"{where}.replace"), b) for a, b in pairs)
    return Source(column, template, pattern, replace)


def parse_mapping(data: dict[str, Any], path: str = "") -> Mapping:
    reg = data.get("register")
    if not isinstance(reg, dict):
        raise MappingError("register", "expected a [register] table")
    fmt = _str(reg, "format", "register", required=False)
    if fmt is not None and fmt not in FORMATS:
        raise MappingError("register.format", f"expected one of {', '.join(FORMATS)}")
    country = _str(reg, "country", "register") or ""
    if not re.fullmatch(r"[A-Z]{2}|EU", country):
        raise MappingError("register.country", "expected an ISO 3166 code in capitals, e.g. CA")
    langs = reg.get("languages", ["en"])
    if not isinstance(langs, list) or not langs or not all(isinstance(x, str) for x in langs):
        raise MappingError("register.languages", 'expected a list of language codes, e.g. ["en"]')
    skip = data.get("skip", {})
    if not isinstance(skip, dict) or not all(isinstance(v, list) for v in skip.values()):
        raise MappingError("skip", "expected a table: column = [values that skip the row]")
    variables: dict[str, Source] = {}
    for name, spec in (data.get("variables") or {}).items():
        # templates may name any column: columns are only known with the file, checked then
        variables[name] = _source(spec, f"variables.{name}", _AnyName())
    fields: dict[str, FieldMap] = {}
    raw_fields = data.get("fields") or {}
    if not isinstance(raw_fields, dict) or not raw_fields:
        raise MappingError("fields", "expected a [fields] table: record field = column or {...}")
    for name, spec in raw_fields.items():
        where = f"fields.{name}"
        src = _source(spec, where, _AnyName())
        opts = spec if isinstance(spec, dict) else {}
        values = opts.get("values", {})
        if not isinstance(values, dict):
            raise MappingError(f"{where}.values", "expected a table: source value = term code")
        lookup = opts.get("lookup")
        if lookup is not None and lookup not in LOOKUPS:
            raise MappingError(f"{where}.lookup", f"expected one of {', '.join(LOOKUPS)}")
        fields[name] = FieldMap(
            name, src, values, opts.get("split"), lookup, opts.get("date_format")
        )
    key = _str(data, "key", "") if "key" in data else _str(reg, "key", "register")
    constants = data.get("constants") or {}
    if not isinstance(constants, dict):
        raise MappingError("constants", "expected a table: record field = value")
    both = set(constants) & set(fields)
    if both:
        raise MappingError(f"constants.{sorted(both)[0]}", "also mapped in [fields]")
    return Mapping(
        id=_str(reg, "id", "register") or "",
        title=_str(reg, "title", "register") or "",
        country=country,
        schema=_str(reg, "schema", "register") or "",
        languages=tuple(langs),
        source_note=_str(reg, "source", "register") or "",
        format=fmt,
        records=_str(reg, "records", "register", required=False),
        sheet=_str(reg, "sheet", "register", required=False),
        key=key or "",
        skip={k: tuple(v) for k, v in skip.items()},
        variables=variables,
        fields=fields,
        constants=constants,
        path=path,
    )


class _AnyName(set):
    """Field templates may name any column or variable (columns are checked against the file)."""

    def __contains__(self, item: object) -> bool:
        return True


def load_mapping(text_or_path: str | Path, *, files: bool = True) -> Mapping:
    """A mapping from a shipped mapping's name (``ca_cfia``), TOML text or (with `files`, the
    operator's command line only) a file path."""
    path: Path | None = None
    if isinstance(text_or_path, Path):
        path = text_or_path
    elif "\n" not in text_or_path and (MAPPINGS / f"{text_or_path}.toml").is_file():
        path = MAPPINGS / f"{text_or_path}.toml"
    elif files and "\n" not in text_or_path and Path(text_or_path).is_file():
        path = Path(text_or_path)
    text = path.read_text(encoding="utf-8") if path else str(text_or_path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise MappingError("", f"not valid TOML ({exc})") from None
    return parse_mapping(data, str(path or ""))


def shipped_mappings() -> list[str]:
    return sorted(p.stem for p in MAPPINGS.glob("*.toml"))
