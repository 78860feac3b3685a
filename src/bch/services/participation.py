"""What consultations and forums share (issue 14): the checks of their inputs (language maps,
dates, texts), the mail they send after commit (`ParticipationMail`, an event of the bus whose
subscriber is registered in the container) and the name shown for a person who deleted their
data."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from bch.records.languages import LANGUAGES
from bch.services.events import Event
from bch.services.forms import bad
from bch.services.richtext import clean_html

DELETED_USER = "deleted user"
MAX_TEXT = 20000
MAX_TITLE = 300
_EMAIL = re.compile(r"^[^@\s<>\"']{1,64}@[A-Za-z0-9.-]{1,190}\.[A-Za-z]{2,}$")


@dataclass(frozen=True)
class ParticipationMail(Event):
    """A mail to send once the write that caused it committed (comment verification, a new
    post in a subscribed thread)."""

    to: str
    subject: str
    body: str
    headers: tuple[tuple[str, str], ...] = ()


def language(value: Any, path: str) -> str:
    if value not in LANGUAGES:
        raise bad(path, f"expected one of the languages {', '.join(LANGUAGES)}")
    return value


def lang_map(value: Any, path: str, *, required: bool = True, rich: bool = False) -> dict:
    """{"en": "...", "fr": "..."}: known languages, non-empty texts (rich ones sanitised)."""
    if value is None and not required:
        return {}
    if isinstance(value, str) and value.strip():
        value = {"en": value}
    if not isinstance(value, dict) or (required and not value):
        raise bad(path, 'expected texts by language, e.g. {"en": "...", "fr": "..."}')
    out = {}
    for lang, text in value.items():
        language(lang, f"{path}.{lang}")
        limit = MAX_TEXT if rich else MAX_TITLE
        if not isinstance(text, str) or not text.strip() or len(text) > limit or "\x00" in text:
            raise bad(f"{path}.{lang}", f"expected a text of 1 to {limit} characters")
        out[lang] = clean_html(text.strip()) if rich else " ".join(text.split())
    return out


def body_text(value: Any, path: str) -> str:
    """A comment or a post as sanitised HTML: HTML is cleaned, plain text kept as paragraphs."""
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_TEXT or "\x00" in value:
        raise bad(path, f"expected a text of 1 to {MAX_TEXT} characters")
    text = value.strip().replace("\r\n", "\n")
    if re.search(r"<[a-zA-Z/]", text):
        return clean_html(text)
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]
    return "".join(
        "<p>" + html.escape(p, quote=False).replace("\n", "<br>") + "</p>" for p in paragraphs
    )


def when(value: Any, path: str, *, end_of_day: bool = False) -> datetime | None:
    """An ISO 8601 date or date-time (UTC when no offset); a date is its start (or its end)."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            if len(value) == 10:
                d = date.fromisoformat(value)
                t = time(23, 59, 59) if end_of_day else time(0, 0)
                return datetime.combine(d, t, tzinfo=UTC)
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
        except ValueError:
            pass
    raise bad(path, "expected an ISO 8601 date or date-time, e.g. 2026-10-19 or 2026-10-19T17:00Z")


def email_address(value: Any, path: str) -> str:
    if not isinstance(value, str) or not _EMAIL.match(value.strip()):
        raise bad(path, "expected an e-mail address")
    return value.strip().lower()


def short_text(value: Any, path: str, limit: int = 200, *, required: bool = False) -> str | None:
    if not required and (value is None or (isinstance(value, str) and not value.strip())):
        return None  # (a required text missing is refused below, naming `path`: not a 500)
    if not isinstance(value, str) or not value.strip() or len(value) > limit or "\x00" in value:
        raise bad(path, f"expected a text of 1 to {limit} characters")
    return " ".join(value.split())


def flag(value: Any, path: str, default: bool = False) -> bool:
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("1", "true", "on", "yes"):
        return True
    if isinstance(value, str) and value.lower() in ("0", "false", "off", "no", ""):
        return False
    raise bad(path, "expected true or false")


def reject_unknown(body: Any, allowed: set[str], path: str = "") -> dict:
    if not isinstance(body, dict):
        raise bad(path or "body", "expected a JSON object")
    extra = sorted(set(body) - allowed)
    if extra:
        where = f"{path}.{extra[0]}" if path else extra[0]
        raise bad(where, f"unknown field; expected one of {', '.join(sorted(allowed))}")
    return body
