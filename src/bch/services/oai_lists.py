"""OAI-PMH list requests: the arguments of ListIdentifiers/ListRecords (format, set, date
window, keyset position), the stateless resumption tokens that carry them, and the records they
select (bch.storage.harvest.Selection). Protocol errors are OaiError."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from bch.services.cursors import decode_cursor
from bch.services.errors import BadRequest
from bch.services.numbers import MAX_ID, number_from_token
from bch.storage.harvest import Selection

SET_KINDS = {
    "realm": "Records by realm",
    "schema": "Records by type",
    "country": "National records by country",
}


class OaiError(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Window:
    """A list request: format, optional set and date bounds, keyset position."""

    prefix: str
    set_spec: str | None
    since: str | None
    until: str | None
    after: int = 0
    sent: int = 0


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def datestamp(value: datetime) -> str:
    return _utc(value).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_date(value: str, name: str) -> tuple[datetime, bool]:
    """A UTC date in day or seconds granularity -> (datetime, is_day)."""
    for pattern, is_day in (("%Y-%m-%d", True), ("%Y-%m-%dT%H:%M:%SZ", False)):
        try:
            return datetime.strptime(value, pattern).replace(tzinfo=UTC), is_day
        except ValueError:
            continue
    raise OaiError(
        "badArgument", f"{name} must be YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ, got {value!r}"
    )


def window_from_token(verb: str, token: str) -> Window:
    """The list request a resumption token carries (badResumptionToken when it is not one)."""
    try:
        data: dict[str, Any] | None = decode_cursor(token)
    except BadRequest:
        data = None
    ok = (
        isinstance(data, dict)
        and data.get("v") == verb
        and isinstance(data.get("p"), str)
        and all(data.get(k) is None or isinstance(data.get(k), str) for k in ("s", "f", "u"))
    )
    try:
        if not ok or data is None:
            raise BadRequest("not a token")
        after = number_from_token(data.get("a"), "resumptionToken", low=0, high=MAX_ID)
        sent = number_from_token(data.get("n"), "resumptionToken", low=0, high=MAX_ID)
    except BadRequest:
        raise OaiError(
            "badResumptionToken", f"{token[:60]!r} is not a resumption token of this {verb}"
        ) from None
    return Window(data["p"], data.get("s"), data.get("f"), data.get("u"), after, sent)


def selection_of(window: Window) -> Selection:
    """The records a list request selects (badArgument for dates or sets it cannot be)."""
    since = until = before = None
    if window.since:
        since, since_day = parse_date(window.since, "from")
    if window.until:
        until, until_day = parse_date(window.until, "until")
        step = timedelta(days=1) if until_day else timedelta(seconds=1)
        if until < datetime.max.replace(tzinfo=UTC) - step:  # 9999-12-31 has no day after
            before = until + step
    if since and until:
        if since_day != until_day:
            raise OaiError("badArgument", "from and until must have the same granularity")
        if since > until:
            raise OaiError("badArgument", "from is later than until")
    selection = Selection(since=since, before=before)
    if window.set_spec:
        selection = _set_selection(window.set_spec, selection)
    return selection


def _set_selection(spec: str, selection: Selection) -> Selection:
    kind, _, value = spec.partition(":")
    if kind not in SET_KINDS or (spec.endswith(":") or ":" in value):
        raise OaiError("badArgument", f"unknown set {spec!r}; see ListSets")
    if not value:
        return replace(selection, national=True) if kind == "country" else selection
    if kind == "realm":
        return replace(selection, realm=value.upper())
    if kind == "schema":
        return replace(selection, schema=value)
    return replace(selection, owner=value.upper())
