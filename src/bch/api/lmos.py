"""GET /api/v1/lmos/{uid}: an LMO by its OECD unique identifier, in any spelling."""

from __future__ import annotations

from fastapi import APIRouter, Request

from bch.api.deps import Svc
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
    found = svc.lmos.find(uid, principal_of(request))  # the caller's read scope
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
