"""Typed service errors; every surface maps them to its own answer (HTTP status, CLI message)."""

from __future__ import annotations

from typing import Any


class ServiceError(Exception):
    status = 400
    code = "badRequest"

    def __init__(self, message: str, *, errors: list[dict[str, Any]] | None = None, **extra: Any):
        super().__init__(message)
        self.message = message
        self.errors = errors or []
        self.extra = extra


class BadRequest(ServiceError):
    status = 400
    code = "badRequest"


class NotFound(ServiceError):
    status = 404
    code = "notFound"


class Gone(ServiceError):
    """A deleted record: the tombstone travels in `extra['tombstone']`."""

    status = 410
    code = "gone"


class ValidationFailed(ServiceError):
    status = 422
    code = "invalidDocument"


class Conflict(ServiceError):
    status = 409
    code = "conflict"
