"""What an operator's probes and scraper read: `GET /healthz` (the process is alive: no
database query), `GET /readyz` (the database answers, every migration is applied, the search
index is built and the start-up warming has ended; 503 with the reasons otherwise) and `GET /metrics` (Prometheus text format,
bch.api.observability)."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, Response

from bch.api.deps import services
from bch.api.observability import Metrics, Recorder, RequestObservation, configure_logging
from bch.services import health

router = APIRouter(tags=["health"])

#: the process's start-up warming (bch.cli.warm): off (BCH_WARM=off), warming, ready, failed
WARM = ["off", "warming", "ready", "failed"]

_READY_SCHEMA = {
    "type": "object",
    "required": ["status", "database", "problems"],
    "properties": {
        "status": {"type": "string", "enum": ["ready", "not ready"]},
        "database": {"type": "string"},
        "records": {"type": "integer"},
        "sequence": {"type": "integer"},
        "migrations": {"type": "array", "items": {"type": "string"}},
        "searchIndex": {"type": "string"},
        "warm": {"type": "string", "enum": WARM},
        "problems": {"type": "array", "items": {"type": "string"}},
    },
}
_LIVE_SCHEMA = {
    "type": "object",
    "required": ["status", "database", "searchIndex"],
    "properties": {
        "status": {"type": "string", "enum": ["ok"]},
        "database": {"type": "string"},
        "searchIndex": {"type": "string", "enum": ["ready", "building", "not built", "off"]},
        "warm": {"type": "string", "enum": WARM},
    },
}


@router.get(
    "/healthz",
    summary="Alive: the process answers (no database query)",
    responses={200: {"content": {"application/json": {"schema": _LIVE_SCHEMA}}}},
)
def healthz(request: Request):
    return health.liveness(services(request))


@router.get(
    "/readyz",
    summary="Ready: database reachable, migrations applied, search index built",
    responses={
        200: {"content": {"application/json": {"schema": _READY_SCHEMA}}},
        503: {
            "description": "Not ready: `problems` says why",
            "content": {"application/json": {"schema": _READY_SCHEMA}},
        },
    },
)
def readyz(request: Request):
    ready, body = health.readiness(services(request))
    return JSONResponse(body, status_code=200 if ready else 503)


@router.get(
    "/metrics",
    summary="Counters and figures in the Prometheus text format",
    response_class=Response,
    responses={
        200: {
            "description": "Prometheus text exposition format 0.0.4",
            "content": {"text/plain": {"schema": {"type": "string"}}},
        }
    },
)
def metrics(request: Request):
    body, media_type = request.app.state.metrics.render(health.operations_state(services(request)))
    return Response(body, media_type=media_type)


def observe(app: FastAPI, log_format: str) -> None:
    """Install the request observation (outermost middleware) and the app's metrics."""
    configure_logging(log_format)
    app.state.metrics = Metrics()
    app.state.recorder = Recorder(app.state.metrics)  # shared with api/fast_reads.py
    app.add_middleware(RequestObservation, recorder=app.state.recorder)
