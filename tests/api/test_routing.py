"""The routers are included once per process and their routes shared by every application made
in it (bch.api.routing): a second application builds no route again, and the shared routes
keep nothing of the application that first used them (each answers from its own services)."""

from __future__ import annotations

import pytest
from fastapi import APIRouter
from fastapi.testclient import TestClient

from bch.api import records as records_api
from bch.api.app import create_app
from bch.api.routing import included_routes


def test_two_applications_share_the_included_routes(services):
    first, second = create_app(services), create_app(services)
    shared = set(map(id, included_routes(records_api.router)))
    assert shared and shared <= set(map(id, first.routes))
    assert shared <= set(map(id, second.routes))
    # every route of the API and pages is shared, not only the records': the routes each
    # application makes itself are the few it declares on itself (/docs, /favicon.ico, mounts)
    own = [r for r in first.routes if all(r is not s for s in second.routes)]
    assert len(own) <= 6, [getattr(r, "path", r) for r in own]


def test_shared_routes_answer_from_each_applications_own_services(services, loaded):
    """An empty database and the shipped data, through the same shared routes, in turn and
    after each other: each application counts its own records."""
    with TestClient(create_app(loaded)) as full, TestClient(create_app(services)) as empty:
        for _ in range(2):
            assert full.get("/api/v1/records?total=true&limit=1").json()["total"] > 500
            assert empty.get("/api/v1/records?total=true&limit=1").json()["total"] == 0
            assert full.get("/en/lmos/MON-ØØ81Ø-6").status_code == 200
            assert empty.get("/en/lmos/MON-ØØ81Ø-6").status_code == 404


def test_a_router_with_start_up_work_is_refused():
    """Its start-up handler would be dropped silently by sharing: it must be included per
    application (app.include_router)."""
    router = APIRouter()
    router.add_event_handler("startup", lambda: None)
    with pytest.raises(ValueError, match="start-up or shut-down"):
        included_routes(router)
