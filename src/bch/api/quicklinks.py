"""LMO quick-link labels (SVG, PNG), printable PDF sheets of labels, and a saved shipment check
as PDF:

GET /api/v1/lmos/{uid}/quick-link.svg | .png
GET /api/v1/customs/labels.pdf?uids=UID,UID,...
GET /api/v1/customs/checks/{check_id}/labels.pdf  (every LMO a saved check names)
GET /api/v1/customs/checks/{check_id}.pdf         (the saved check, for the file)"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Query
from fastapi.responses import Response

from bch.api.deps import Svc
from bch.api.responses import content, errors
from bch.records.languages import display
from bch.services import quicklinks
from bch.services.container import Services
from bch.services.customs_pdf import check_pdf
from bch.services.errors import BadRequest, NotFound
from bch.services.lmos import LmoView

router = APIRouter(prefix="/api/v1", tags=["customs"])
MAX_LABELS = 300
CACHE = {"Cache-Control": "public, max-age=3600"}


def label_of(found: LmoView, site: str, lang: str = "en") -> quicklinks.Label:
    doc = found.record.document
    name = display(doc.get("identity"), lang) or str(doc.get("transformationEvent") or "")
    url = f"{site}/{lang}/lmos/{quote(found.canonical_uid, safe='')}"
    return quicklinks.Label(url, found.canonical_uid, name)


@router.get(
    "/lmos/{uid}/quick-link.svg",
    summary="Quick-link label of an LMO: QR code to its page, UID and trade name (SVG)",
    responses={200: content("image/svg+xml"), **errors(404, 410)},
    response_class=Response,
)
def quick_link_svg(uid: str, svc: Svc) -> Response:
    svg = quicklinks.svg(label_of(svc.lmos.find(uid), svc.settings.public_url))
    return Response(svg, media_type="image/svg+xml", headers=CACHE)


@router.get(
    "/lmos/{uid}/quick-link.png",
    summary="Quick-link label of an LMO: QR code to its page, UID and trade name (PNG)",
    responses={200: content("image/png"), **errors(404, 410)},
    response_class=Response,
)
def quick_link_png(uid: str, svc: Svc) -> Response:
    png = quicklinks.png(label_of(svc.lmos.find(uid), svc.settings.public_url))
    return Response(png, media_type="image/png", headers=CACHE)


def _sheet(svc: Services, uids: list[str], title: str) -> Response:
    labels, seen = [], set()
    for i, uid in enumerate(uids):
        try:
            found = svc.lmos.find(uid)
        except NotFound as exc:
            raise BadRequest(
                exc.message,
                errors=[{"code": "Error.UnknownLmo", "path": f"uids[{i}]", "message": exc.message}],
            ) from None
        if found.canonical_uid not in seen:
            seen.add(found.canonical_uid)
            labels.append(label_of(found, svc.settings.public_url))
    pdf = quicklinks.pdf_sheet(labels, title)
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": 'inline; filename="lmo-quick-links.pdf"'},
    )


@router.get(
    "/customs/labels.pdf",
    summary="A printable A4 sheet of quick-link labels for the LMOs named (PDF)",
    responses={200: content("application/pdf"), **errors(404)},
    response_class=Response,
)
def labels_pdf(
    svc: Svc,
    uids: Annotated[
        str, Query(min_length=1, description="UIDs, comma-separated (any spelling; stacks with x)")
    ],
) -> Response:
    items = [u.strip() for u in uids.split(",") if u.strip()]
    if not items or len(items) > MAX_LABELS:
        raise BadRequest(
            f"uids: expected 1 to {MAX_LABELS} UIDs",
            errors=[
                {
                    "code": "Error.InvalidParameter",
                    "path": "uids",
                    "message": f"expected 1 to {MAX_LABELS} comma-separated UIDs",
                }
            ],
        )
    return _sheet(svc, items, "LMO quick-links")


@router.get(
    "/customs/checks/{check_id}/labels.pdf",
    summary="Quick-link labels of every LMO a saved shipment check names (PDF)",
    responses={200: content("application/pdf"), **errors(404)},
    response_class=Response,
)
def check_labels_pdf(check_id: str, svc: Svc) -> Response:
    result = svc.customs.saved(check_id)
    uids = [it["uid"] for it in result["items"] if it.get("lmo") and it.get("uid")]
    return _sheet(svc, list(dict.fromkeys(uids)), f"LMO quick-links: shipment check {check_id}")


@router.get(
    "/customs/checks/{check_id}.pdf",
    summary="A saved shipment check as PDF (English)",
    responses={200: content("application/pdf"), **errors(404)},
    response_class=Response,
)
def check_as_pdf(check_id: str, svc: Svc) -> Response:
    result = svc.customs.saved(check_id)
    pdf = check_pdf(result, f"{svc.settings.public_url}/en/customs/checks/{check_id}")
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="shipment-check-{check_id}.pdf"'},
    )
