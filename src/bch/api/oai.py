"""OAI-PMH 2.0 at /oai (GET and POST), and the XSD of the native metadata format."""

from __future__ import annotations

from urllib.parse import parse_qsl

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from bch.api.bodies import read_body
from bch.api.deps import Svc
from bch.api.identity import principal_of
from bch.api.responses import content, errors, raw_body
from bch.config import MAX_QUERY_BODY_BYTES
from bch.services.oai_formats import BCH_SCHEMA_PATH, BCH_XSD

router = APIRouter(tags=["oai-pmh"])
XML = "text/xml; charset=utf-8"
OAI_ARGUMENTS = [
    ("verb", {"enum": ["Identify", "ListMetadataFormats", "ListSets", "ListIdentifiers",
                       "ListRecords", "GetRecord"]}),
    ("metadataPrefix", {"type": "string"}),
    ("identifier", {"type": "string"}),
    ("set", {"type": "string"}),
    ("from", {"type": "string"}),
    ("until", {"type": "string"}),
    ("resumptionToken", {"type": "string"}),
]  # fmt: skip
OAI_QUERY = [
    {"name": name, "in": "query", "required": name == "verb", "schema": schema}
    for name, schema in OAI_ARGUMENTS
]
OAI_FORM = {
    "type": "object",
    "required": ["verb"],
    "properties": dict(OAI_ARGUMENTS),
}
OAI_ANSWER = {
    200: content(
        "text/xml", description="An OAI-PMH response; protocol errors are <error> elements in it"
    )
}


@router.get(
    "/oai",
    summary="OAI-PMH 2.0 endpoint (all six verbs)",
    response_class=Response,
    responses=OAI_ANSWER,
    openapi_extra={"parameters": OAI_QUERY},
)
def oai_get(request: Request, svc: Svc) -> Response:
    params = request.query_params.multi_items()
    body = svc.oai.respond(params, principal=principal_of(request))
    return Response(body, media_type=XML)


@router.post(
    "/oai",
    summary="OAI-PMH 2.0 endpoint, form-encoded",
    response_class=Response,
    responses={**OAI_ANSWER, **errors(413)},
    openapi_extra=raw_body("application/x-www-form-urlencoded", schema=OAI_FORM),
)
async def oai_post(request: Request, svc: Svc) -> Response:
    raw = (await read_body(request, MAX_QUERY_BODY_BYTES)).decode("utf-8", errors="replace")
    params = parse_qsl(raw, keep_blank_values=True)
    principal = principal_of(request)
    body = await run_in_threadpool(svc.oai.respond, params, None, principal)
    return Response(body, media_type=XML)


@router.get(
    BCH_SCHEMA_PATH,
    summary="XML Schema of the native OAI-PMH format",
    response_class=Response,
    responses={200: content("application/xml")},
)
def oai_schema() -> Response:
    return Response(BCH_XSD, media_type="application/xml")
