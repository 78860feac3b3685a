"""The routers of the API and of the web pages, included once per process and shared by its
applications.

FastAPI (0.163) builds the routes of an included router - their parameters' and answers'
validators, made with pydantic - lazily at the first request that reaches them, and once per
`include_router` call. Every application made in a process built them all again: the suite makes
hundreds of applications (this was ~10 % of its CPU), a process serving a node and its tests
several. Here each module's router is included once, into a router of the process that has the
application's defaults (FastJSONResponse answers), and every application takes the same included
routes: they are built once per process, then shared (FastAPI builds them under a lock).

Nothing of an application is kept in them: the routes reach the services through
`request.app.state` (api/deps.py, web/common.py). What `include_router` would have taken from the
application and these routes do not have: its dependency overrides (no application of ours sets
any) and its lifespan merged with the router's (a module router with start-up or shut-down work
is refused here, so that it cannot be dropped silently)."""

from __future__ import annotations

import threading

from fastapi import APIRouter, FastAPI
from starlette.routing import BaseRoute

from bch.api.http import FastJSONResponse

# id of a module's router (they live as long as the process) -> its routes, included
_included: dict[int, tuple[BaseRoute, ...]] = {}
_lock = threading.Lock()


def included_routes(router: APIRouter) -> tuple[BaseRoute, ...]:
    """`router` included, once per process, as an application includes it."""
    with _lock:
        routes = _included.get(id(router))
        if routes is None:
            if router.on_startup or router.on_shutdown:
                raise ValueError(
                    f"{router!r} has start-up or shut-down handlers: include it per app"
                )
            process = APIRouter(default_response_class=FastJSONResponse)
            process.include_router(router)
            routes = _included[id(router)] = (*process.routes,)
        return routes


def include(app: FastAPI, router: APIRouter) -> None:
    """`app.include_router(router)`, with the routes shared by the process's applications."""
    app.router.routes.extend(included_routes(router))
