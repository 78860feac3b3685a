"""Registers the web pages and their static files on the application."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

from bch.api.routing import include

STATIC = Path(__file__).with_name("static")


def install(app: FastAPI) -> None:
    from bch.web import (
        account,
        alerts,
        countries,
        customs,
        learning,
        lmo_page,
        node,
        pages,
        participation,
        record_edit,
        registers,
        registries,
        signup,
        submit,
    )

    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> FileResponse:  # browsers ask for it at the root whatever the page says
        return FileResponse(
            STATIC / "favicon.ico",
            media_type="image/vnd.microsoft.icon",
            headers={"Cache-Control": "public, max-age=86400"},
        )

    for module in (
        alerts,
        lmo_page,
        registries,
        countries,
        submit,
        account,
        signup,
        record_edit,
        customs,
        learning,
        registers,
        participation,
        node,
        pages,
    ):
        include(app, module.router)
