"""One error shape for every failure: {statusCode, code, message, errors[]}. Never a stack trace."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from bch.api.methods import allowed_methods
from bch.services.errors import ServiceError

log = logging.getLogger("bch.api")


def error_body(status: int, code: str, message: str, errors=None, **extra) -> dict:
    return {"statusCode": status, "code": code, "message": message, "errors": errors or [], **extra}


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ServiceError)
    async def _service(_req: Request, exc: ServiceError):
        return JSONResponse(
            error_body(exc.status, exc.code, exc.message, exc.errors, **exc.extra),
            status_code=exc.status,
            headers=getattr(exc, "headers", None),
        )

    @app.exception_handler(RequestValidationError)
    async def _params(_req: Request, exc: RequestValidationError):
        errors = [
            {
                "code": "Error.InvalidParameter",
                "path": ".".join(str(p) for p in e.get("loc", ()) if p not in ("body",)),
                "message": e.get("msg", "invalid"),
            }
            for e in exc.errors()
        ]
        return JSONResponse(
            error_body(400, "invalidParameter", "the request is not valid", errors), status_code=400
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(req: Request, exc: StarletteHTTPException):
        code = {404: "notFound", 405: "methodNotAllowed", 413: "payloadTooLarge"}.get(
            exc.status_code, "error"
        )
        headers = dict(getattr(exc, "headers", None) or {})
        message = str(exc.detail)
        if exc.status_code == 405:  # every method of the path, not only the first route's
            allowed = allowed_methods(req.app.router.routes, req.scope)
            headers["Allow"] = ", ".join(allowed)
            message = f"{req.method} is not served here; use {', '.join(allowed)}"
        return JSONResponse(
            error_body(exc.status_code, code, message),
            status_code=exc.status_code,
            headers=headers or None,
        )

    @app.exception_handler(Exception)
    async def _unexpected(req: Request, exc: Exception):
        log.exception("unexpected error on %s %s", req.method, req.url.path)
        return JSONResponse(
            error_body(500, "internalError", "the server could not answer; the error was logged"),
            status_code=500,
        )
