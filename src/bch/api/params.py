"""Parameter types shared by the routes: whole-number path and query parameters, checked with
bch.services.numbers (ASCII digits, within what the database holds) before a route sees them
(used by the API and the web pages), and `Lang`, the `lang` query parameter of the API.

* `path_number(what, high)`: malformed -> 400 naming the parameter and the expected form; a
  well-formed number beyond the range cannot name anything -> 404.
* `query_number(low, high)`: anything but a whole number in [low, high] -> 400 naming it."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query
from pydantic import BeforeValidator, WithJsonSchema
from pydantic_core import PydanticCustomError

from bch.records.languages import LANGUAGES
from bch.services.errors import BadRequest, NotFound
from bch.services.numbers import MAX_ID, MAX_REVISION, OutOfRange, expected, number_from_text


def _schema(low: int, high: int) -> WithJsonSchema:
    return WithJsonSchema({"type": "integer", "minimum": low, "maximum": high})


def path_number(what: str, high: int) -> Any:
    """A path segment numbering a `what` from 1 to `high`."""

    def check(value: Any) -> int:
        try:
            return number_from_text(value, what, low=1, high=high)
        except OutOfRange:
            shown = str(value)[:24]
            raise NotFound(
                f"there is no {what} {shown} ({what}s are numbered 1 to {high:,})"
            ) from None
        except BadRequest:
            raise PydanticCustomError("whole_number", f"expected {expected(1, high)}") from None

    return Annotated[int, BeforeValidator(check), _schema(1, high)]


def query_number(low: int, high: int) -> Any:
    """A whole-number query parameter in [low, high]."""

    def check(value: Any) -> int:
        try:
            return number_from_text(value, "", low=low, high=high)
        except BadRequest:
            raise PydanticCustomError("whole_number", f"expected {expected(low, high)}") from None

    return Annotated[int, BeforeValidator(check), _schema(low, high)]


Revision = path_number("revision", MAX_REVISION)
RequestId = path_number("request", MAX_ID)
TokenId = path_number("token", MAX_ID)
CommentId = path_number("comment", MAX_ID)  # consultations and forums (issue 14)
ThreadId = path_number("thread", MAX_ID)
PostId = path_number("post", MAX_ID)
PageSize = query_number(1, 1000)  # `limit` of the API's lists
RevisionQuery = query_number(1, MAX_REVISION)  # ?revision=, ?from= and ?to= of the web pages
Lang = Annotated[
    str | None,
    Query(description="ar, en, es, fr, ru or zh", json_schema_extra={"enum": list(LANGUAGES)}),
]
