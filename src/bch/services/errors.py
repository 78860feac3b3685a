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


class Unauthorized(ServiceError):
    """No or bad credentials."""

    status = 401
    code = "unauthorized"


class Forbidden(ServiceError):
    status = 403
    code = "forbidden"


class PreconditionFailed(ServiceError):
    """A stale If-Match (or a missing one on an update): nothing was changed."""

    status = 412
    code = "preconditionFailed"


class TooManyRequests(ServiceError):
    """A rate limit or a login lockout; `headers` carries Retry-After."""

    status = 429
    code = "tooManyRequests"

    def __init__(self, message: str, *, retry_after: int, **extra):
        super().__init__(message, retryAfter=retry_after, **extra)
        self.headers = {"Retry-After": str(max(1, int(retry_after)))}


class PayloadTooLarge(ServiceError):
    """A request body over its limit: refused before it is read in full."""

    status = 413
    code = "payloadTooLarge"


class UnsupportedMedia(ServiceError):
    status = 415
    code = "unsupportedMediaType"
