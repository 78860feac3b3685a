"""Registers the web pages and their static files on the application."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

STATIC = Path(__file__).with_name("static")


def install(app: FastAPI) -> None:
    from bch.web import account, countries, customs, learning, lmo_page, pages, registries, submit

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for module in (lmo_page, registries, countries, submit, account, customs, learning, pages):
        app.include_router(module.router)
