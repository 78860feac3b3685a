"""GET /api/v1/lmos/{uid}: an LMO by its OECD unique identifier, in any spelling."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from bch.api.deps import Svc
from bch.api.fast_reads import lmo_key, prepared_json
from bch.api.http import FastJSONResponse
from bch.api.identity import principal_of
from bch.api.responses import errors
from bch.api.serialize import record_json

router = APIRouter(prefix="/api/v1", tags=["lmos"])


@router.get(
    "/lmos/{uid}",
    summary="An LMO by OECD unique identifier (any spelling, stacks in any order)",
    responses=errors(404, 410),
)
def get_lmo(uid: str, request: Request, svc: Svc):
    principal = principal_of(request)  # the caller's read scope
    if not principal.is_anonymous:
        return _lmo_json(svc.lmos.find(uid, principal))
    # a hot read (issue 15 item 2): the anonymous answer is kept until a change touches what
    # it was made of, and answered before routing by api/fast_reads.py
    body, headers = svc.read_cache.get(
        lmo_key(uid), lambda: prepared_json(FastJSONResponse(_lmo_json(svc.lmos.find(uid))).body)
    )
    return Response(body, media_type="application/json")


def _lmo_json(found) -> dict:
    body = record_json(found.record)
    body["uniqueIdentification"] = found.canonical_uid
    body["decisions"] = [
        entry for entry in body["referencedBy"] if entry["schema"] == "biosafetyDecision"
    ]
    body["detectionMethods"] = found.detection_methods
    # issue 16: the source of each field, the other sources' values, ISAAA's reported approvals
    body["provenance"] = found.provenance
    body["reportedApprovals"] = found.reported_approvals
    if found.also_matching:
        body["alsoMatching"] = found.also_matching
    return body


@router.get(
    "/lmos/{uid}/decisions",
    summary="Decision matrix of an LMO: countries x scopes",
    responses=errors(404, 410),
)
def get_lmo_decisions(uid: str, request: Request, svc: Svc):
    return svc.lmos.decision_matrix(uid, principal_of(request))
