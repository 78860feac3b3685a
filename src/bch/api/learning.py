"""E-learning over the API: the modules, their SCORM 1.2 export, and certificates of completion
(public verification, PDF)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import Response

from bch.api.deps import Svc
from bch.api.responses import content, errors
from bch.learning.scorm import package
from bch.services.learning_pdf import certificate_pdf

router = APIRouter(prefix="/api/v1/learning", tags=["learning"])


@router.get("/modules", summary="Learning modules with their languages and lessons")
def modules(svc: Svc) -> dict[str, Any]:
    return {"items": svc.learning.catalogue()}


@router.get(
    "/modules/{module_id}/scorm.zip",
    summary="A learning module as a SCORM 1.2 package (for Moodle and other platforms)",
    responses={200: content("application/zip"), **errors(404)},
    response_class=Response,
)
def scorm(
    module_id: str,
    svc: Svc,
    lang: Annotated[
        str, Query(pattern=r"^[a-z]{2}$", description="language of the package")
    ] = "en",
) -> Response:
    module = svc.learning.module(module_id)
    lang = lang if lang in module.texts else module.reference_language
    return Response(
        package(module, lang),
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{module.id}-{lang}-scorm12.zip"'},
    )


def certificate_headings(cert: dict[str, Any]) -> dict[str, str]:
    from bch.web import i18n
    from bch.web.i18n import _

    i18n.current_language.set(cert["language"])
    return {
        "title": _("Certificate of completion"),
        "certifies": _("This certifies that"),
        "completed": _("has completed the e-learning module"),
        "score": _("Score: %(score)s%%", score=cert["score"]),
        "issued": _("Issued on %(date)s", date=cert["issuedAt"][:10]),
        "verify": _("Verify this certificate:"),
    }


@router.get(
    "/certificates/{certificate_id}.pdf",
    summary="A certificate of completion as PDF",
    responses={200: content("application/pdf"), **errors(404)},
    response_class=Response,
)
def certificate_as_pdf(certificate_id: str, svc: Svc) -> Response:
    cert = svc.learning.certificate(certificate_id)
    url = f"{svc.settings.public_url}/{cert['language']}/learning/certificates/{certificate_id}"
    pdf = certificate_pdf(cert, url, certificate_headings(cert))
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="certificate-{certificate_id}.pdf"'},
    )


@router.get(
    "/certificates/{certificate_id}",
    summary="Verify a certificate of completion (public)",
    responses=errors(404),
)
def certificate(certificate_id: str, svc: Svc) -> dict[str, Any]:
    return svc.learning.certificate(certificate_id)
