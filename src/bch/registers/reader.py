"""Rows of a register file: CSV (UTF-8, with or without BOM; comma, semicolon or tab), XLSX (the
first or the named sheet; the first row names the columns) or JSON (a list of objects, or the
list under the mapping's ``records`` key). Each row carries the number a person finds it by:
the line of a CSV file or the row of a sheet (header = 1), the position in a JSON list (1 = first)."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from bch.registers.mapping import FORMATS, Mapping, MappingError


@dataclass(frozen=True)
class Row:
    number: int
    values: dict[str, Any]


class RegisterFileError(ValueError):
    """The file cannot be read as a register (not a row problem): names what was expected."""


def detect_format(mapping: Mapping, filename: str) -> str:
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if ext in FORMATS:
        return ext
    if mapping.format:
        return mapping.format
    raise RegisterFileError(f"{filename!r}: expected a .csv, .xlsx or .json file")


def read_rows(mapping: Mapping, filename: str, data: bytes) -> tuple[list[str], list[Row]]:
    """(columns, rows) of the file; RegisterFileError when it is not readable as such."""
    fmt = detect_format(mapping, filename)
    if fmt == "csv":
        columns, rows = _csv(data)
    elif fmt == "xlsx":
        columns, rows = _xlsx(data, mapping.sheet)
    else:
        columns, rows = _json(data, mapping.records)
    missing = sorted(mapping.columns() - set(columns))
    if missing:
        raise MappingError(
            "columns", f"the file has no column {', '.join(map(repr, missing))} (it has: "
            f"{', '.join(columns[:30])})"
        )  # fmt: skip
    return columns, rows


def _csv(data: bytes) -> tuple[list[str], list[Row]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise RegisterFileError(f"a CSV file must be UTF-8 ({exc})") from None
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    header = next(reader, None)
    if not header:
        raise RegisterFileError("the CSV file is empty: expected a header row naming the columns")
    columns = [h.strip() for h in header]
    rows = []
    for values in reader:
        if not any(v.strip() for v in values):
            continue
        rows.append(Row(reader.line_num, dict(zip(columns, values, strict=False))))
    return columns, rows


def _xlsx(data: bytes, sheet: str | None) -> tuple[list[str], list[Row]]:
    import openpyxl  # only XLSX imports need it

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds for a bad file
        raise RegisterFileError(f"not a readable XLSX workbook ({type(exc).__name__})") from None
    try:
        if sheet is not None and sheet not in book.sheetnames:
            raise RegisterFileError(f"no sheet {sheet!r} (sheets: {', '.join(book.sheetnames)})")
        ws = book[sheet] if sheet else book.worksheets[0]
        it = ws.iter_rows(values_only=True)
        header = next(it, None)
        if not header:
            raise RegisterFileError("the sheet is empty: expected a header row naming the columns")
        columns = [str(h).strip() if h is not None else "" for h in header]
        rows = []
        for number, values in enumerate(it, start=2):
            if all(v is None or str(v).strip() == "" for v in values):
                continue
            cells = {c: _cell(v) for c, v in zip(columns, values, strict=False) if c}
            rows.append(Row(number, cells))
        return columns, rows
    finally:
        book.close()


def _cell(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value
    if isinstance(value, date):
        return value.isoformat()
    return "" if value is None else value


def _json(data: bytes, records: str | None) -> tuple[list[str], list[Row]]:
    try:
        doc = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RegisterFileError(f"not valid JSON ({exc})") from None
    if records is not None:
        if not isinstance(doc, dict) or records not in doc:
            raise RegisterFileError(f"expected a JSON object with the list of rows in {records!r}")
        doc = doc[records]
    if not isinstance(doc, list) or not all(isinstance(r, dict) for r in doc):
        raise RegisterFileError("expected a JSON list of objects (one per row)")
    columns = list(dict.fromkeys(k for r in doc for k in r))
    return columns, [Row(i, r) for i, r in enumerate(doc, start=1)]
