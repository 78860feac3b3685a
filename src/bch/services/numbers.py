"""Whole numbers that come from outside (path, query, headers, form fields, decoded cursors and
tokens), checked once at the edge against what the database can hold.

* `number_from_text(text, name, ...)`: ASCII digits only (``isdigit()`` also accepts ``²`` and
  ``٣``, ``int()`` also accepts ``1_000`` and spaces), within [low, high].
* `number_from_token(value, name, ...)`: a field of a decoded cursor or token: an int (never a
  bool or a float), within [low, high].

Both raise `BadRequest` naming the parameter and the expected form; `OutOfRange` (a BadRequest)
says the number is well formed but beyond the range, so an edge may answer 404 for an id that
cannot exist."""

from __future__ import annotations

from typing import Any

from bch.services.errors import BadRequest

MAX_BIGINT = 2**63 - 1  # ids, change sequence numbers (BIGINT)
MAX_INT = 2**31 - 1  # revisions and other INTEGER columns (PostgreSQL's int4)
MAX_ID = MAX_BIGINT
MAX_REVISION = MAX_INT
_MAX_DIGITS = len(str(MAX_BIGINT))


class OutOfRange(BadRequest):
    """A well-formed whole number outside [low, high]."""


def expected(low: int, high: int, *, text: bool = True) -> str:
    return f"an integer from {low:,} to {high:,}" + (" in ASCII digits" if text else "")


def _problem(
    name: str, low: int, high: int, given: Any, cls=BadRequest, *, text: bool = True
) -> BadRequest:
    shown = given if isinstance(given, str) else repr(given)
    shown = shown if len(shown) <= 24 else shown[:24] + "..."
    message = f"expected {expected(low, high, text=text)}, got {shown!r}"
    return cls(
        f"{name}: {message}",
        errors=[{"code": "Error.InvalidParameter", "path": name, "message": message}],
    )


def is_ascii_number(text: Any) -> bool:
    return isinstance(text, str) and text.isascii() and text.isdigit()


def number_from_text(text: Any, name: str, *, low: int = 0, high: int = MAX_BIGINT) -> int:
    """`text` of ASCII digits as an int in [low, high], else BadRequest (OutOfRange when it is
    a well-formed number beyond the range)."""
    if isinstance(text, int) and not isinstance(text, bool):  # already parsed (internal callers)
        return _in_range(text, name, low, high)
    if not is_ascii_number(text):
        raise _problem(name, low, high, text)
    digits = text.lstrip("0") or "0"
    if len(digits) > _MAX_DIGITS:  # no int() of a megabyte of digits
        raise _problem(name, low, high, text, OutOfRange)
    return _in_range(int(digits), name, low, high)


def number_from_token(value: Any, name: str, *, low: int = 0, high: int = MAX_BIGINT) -> int:
    """A field of a decoded cursor or token: an int (not a bool, float or string) in range."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise _problem(name, low, high, value, text=False)
    return _in_range(value, name, low, high, text=False)


def _in_range(n: int, name: str, low: int, high: int, *, text: bool = True) -> int:
    if not low <= n <= high:
        raise _problem(name, low, high, str(n), OutOfRange, text=text)
    return n
