"""GET /api/v1/schemas: the record types of every realm, as JSON Schema."""

from __future__ import annotations

from fastapi import APIRouter

from bch.api.deps import Svc
from bch.api.responses import errors
from bch.records.jsonschema import record_type_schema, schema_summary
from bch.records.realms import UnknownSchema
from bch.services.errors import NotFound

router = APIRouter(prefix="/api/v1", tags=["schemas"])


@router.get("/schemas", summary="Record types of every realm")
def list_schemas(svc: Svc, realm: str | None = None):
    types = svc.registry.all()
    if realm:
        types = [t for t in types if t.realm == realm.upper()]
    return {"items": [schema_summary(t) for t in types]}


@router.get("/schemas/{schema}", summary="A record type as JSON Schema", responses=errors(404))
def get_schema(schema: str, svc: Svc, realm: str | None = None):
    try:
        return record_type_schema(svc.registry.record_type(schema, realm))
    except UnknownSchema as exc:
        raise NotFound(str(exc)) from None
