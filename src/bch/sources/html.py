"""Small HTML helpers shared by the live adapters (BeautifulSoup over the stdlib parser).

BeautifulSoup is imported when a page is first parsed, not with the adapters: every `bch serve`
and CLI command imports the adapters (the source registry), and bs4 with its CSS selector
engine (soupsieve) was ~45 ms of each start's CPU, paid also by every process that never
fetches an external page."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from bch.sources.base import SourceParseError

if TYPE_CHECKING:
    from bs4 import BeautifulSoup, Tag

REFERENCE_MATERIAL = re.compile(
    r"\b(?:ERM|AOCS)\s*®?\s*-?\s*[A-Z]{0,2}\s?\d{3,4}(?:-[A-Z]\d)?[a-z]?\b"
)


def soup(html: str) -> BeautifulSoup:
    from bs4 import BeautifulSoup

    return BeautifulSoup(html or "", "html.parser")


def text(node: Tag | None) -> str:
    """Visible text of a node, whitespace collapsed."""
    return " ".join(node.get_text(" ").split()) if node is not None else ""


def lines(node: Tag) -> list[str]:
    """Non-empty text lines of a node (block boundaries and <br> become line breaks)."""
    return [" ".join(s.split()) for s in node.get_text("\n").split("\n") if s.strip()]


def ids_by_uid(links: list[Tag], pattern: re.Pattern[str], uid_key: str) -> list[str]:
    """Record ids (first group of `pattern` in each href) of the listing links whose text is the
    wanted UID, in any spelling; de-duplicated, in page order."""
    from bch.records.oecd_uid import try_parse_uid

    ids = []
    for a in links:
        parsed = try_parse_uid(text(a))
        if parsed is not None and parsed.key == uid_key:
            ids.append(pattern.search(a["href"]).group(1))
    return list(dict.fromkeys(ids))


def require(ok: object, source: str, what: str) -> None:
    if not ok:
        raise SourceParseError(source, f"unexpected page structure: {what}")


def labelled(rows: list[str], label: str) -> str:
    """Value after `label` in label/value lines: same line (``Label: value``) or the next one."""
    low = label.casefold()
    for i, line in enumerate(rows):
        if line.casefold().startswith(low):
            rest = line[len(label) :].strip(" :")
            if rest:
                return rest
            return rows[i + 1] if i + 1 < len(rows) and not rows[i + 1].endswith(":") else ""
    return ""


def reference_materials(value: str) -> list[str]:
    """``ERM®-BF413`` / ``ERM-BF413k`` / ``AOCS 1108-A5`` codes, normalised (no ® sign)."""
    found = [" ".join(m.replace("®", "").split()) for m in REFERENCE_MATERIAL.findall(value or "")]
    return list(dict.fromkeys(f.replace("ERM -", "ERM-") for f in found))


def table_rows(table: Tag) -> list[list[str]]:
    return [[text(c) for c in tr.find_all(["td", "th"])] for tr in table.find_all("tr")]
