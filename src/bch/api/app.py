"""The web application: a thin FastAPI adapter over the services."""

from __future__ import annotations

from fastapi import FastAPI

from bch import __version__
from bch.api import lmos, records, schemas
from bch.api.errors import install_error_handlers
from bch.services.container import Services


def create_app(svc: Services) -> FastAPI:
    app = FastAPI(
        title="Biosafety Clearing-House API",
        version=__version__,
        description="Records of the Biosafety Clearing-House and the other realms of the CHM.",
    )
    app.state.services = svc
    install_error_handlers(app)
    for module in (records, schemas, lmos):
        app.include_router(module.router)

    @app.get("/healthz", tags=["health"], summary="Ready when the database answers")
    def healthz():
        with svc.store.reading() as conn:
            count = svc.store.count_documents(conn)
            seq = svc.store.last_sequence(conn)
        return {
            "status": "ok",
            "database": svc.engine.dialect.name,
            "records": count,
            "sequence": seq,
        }

    return app
