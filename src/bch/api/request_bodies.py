"""The request bodies of the operations that read their body themselves (bounded, with their own
errors: api/deps.py), documented for the OpenAPI document and generated clients."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from bch.records.languages import LANGUAGES
from bch.services.accounts import MAX_TOKEN_DAYS
from bch.services.credentials import MAX_LENGTH, MIN_LENGTH
from bch.services.users import EMAIL_PATTERN

# PostgreSQL stores no NUL character, so a body holding one is refused (api/deps.py): say so
NoNul = r"^[^\x00]*$"
NonBlank = r"^[^\x00]*\S[^\x00]*$"
Password = Field(min_length=MIN_LENGTH, max_length=MAX_LENGTH, pattern=NoNul)

RECORD_DOCUMENT: dict[str, Any] = {
    "title": "RecordDocument",
    "description": "A record document: its header and fields (GET /api/v1/schemas/{schema} "
    "gives the JSON Schema of each record type).",
    "type": "object",
    "required": ["header"],
    "properties": {
        "header": {
            "type": "object",
            "required": ["identifier", "schema"],
            "properties": {
                "identifier": {"type": "string", "minLength": 1},
                "schema": {"type": "string", "minLength": 1},
                "languages": {"type": "array", "items": {"enum": list(LANGUAGES)}},
            },
        }
    },
    "additionalProperties": True,
}


class _Body(BaseModel):
    model_config = ConfigDict(extra="allow")


class Credentials(_Body):
    email: str = Field(pattern=EMAIL_PATTERN, max_length=254)
    password: str = Field(min_length=1, pattern=NoNul)
    name: str | None = Field(None, pattern=NoNul, description="a name for the token")
    scope: Literal["read", "write"] = "write"
    days: int = Field(30, ge=1, le=MAX_TOKEN_DAYS, description="days the token is valid")


class SignIn(_Body):
    email: str = Field(pattern=EMAIL_PATTERN, max_length=254)
    password: str = Field(min_length=1, pattern=NoNul)


class Registration(_Body):
    email: str = Field(pattern=EMAIL_PATTERN, max_length=254)
    password: str = Password
    name: str | None = Field(None, pattern=NoNul)


class MailedCode(_Body):
    token: str = Field(min_length=1, pattern=NoNul, description="the code from the mail")


class EmailOnly(_Body):
    email: str = Field(pattern=EMAIL_PATTERN, max_length=254)


class NewPassword(_Body):
    token: str = Field(min_length=1, pattern=NoNul, description="the code from the mail")
    password: str = Password


class NewToken(_Body):
    name: str | None = Field(None, pattern=NoNul)
    scope: Literal["read", "write"] = "write"
    days: int = Field(30, ge=1, le=MAX_TOKEN_DAYS)


class PublishMessage(_Body):
    message: str | None = Field(None, pattern=NoNul, description="for whoever decides the request")


class Approval(_Body):
    comment: str | None = Field(None, pattern=NoNul)


class Rejection(_Body):
    reason: str = Field(pattern=NonBlank, description="why (mailed to the requester)")


class Deletion(_Body):
    reason: str = Field(pattern=NonBlank, description="why (kept in the tombstone)")
