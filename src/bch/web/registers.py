"""Importing a national register from the browser (issue 12 item 5): upload a register file with
a mapping, see the preview (each row's status and problems), confirm; the import goes through
the publishing workflow for the signed-in national user (services/registers.py)."""

from __future__ import annotations

import base64

from fastapi import APIRouter, Request
from fastapi.responses import Response

from bch.api.registers import run_upload
from bch.services.errors import ServiceError
from bch.web.common import principal_of, services, web_page
from bch.web.i18n import _
from bch.web.render import page
from bch.web.submit import csrf_token, signed_in

router = APIRouter(include_in_schema=False)


def status_labels() -> dict[str, str]:
    return {
        "new": _("New record"),
        "changed": _("Changed"),
        "unchanged": _("Unchanged"),
        "pending": _("Awaiting publication"),
        "invalid": _("Not imported: errors"),
        "skipped": _("Skipped by the mapping"),
        "published": _("Published"),
        "requested": _("Publishing requested"),
        "failed": _("Failed"),
    }


def _page(request: Request, lang: str, status: int = 200, **extra) -> Response:
    svc = services(request)
    return page(
        request,
        lang,
        "registers_import.html",
        status=status,
        mappings=svc.registers.shipped(),
        labels=status_labels(),
        csrf=csrf_token(request),
        principal=principal_of(request),
        **{"report": None, "error": None, "upload": None, **extra},
    )


@router.get("/{lang:lang}/registers/import")
@web_page
def register_form(request: Request, lang: str) -> Response:
    signed_in(request, lang)
    return _page(request, lang)


@router.post("/{lang:lang}/registers/import")
@web_page
async def register_preview_or_import(request: Request, lang: str) -> Response:
    principal = signed_in(request, lang)
    svc = services(request)
    try:
        up, report = await run_upload(request, svc, principal)
    except ServiceError as exc:
        if exc.status in (401, 403):
            raise
        path = (exc.errors[0].get("path") if exc.errors else "") or ""
        error = {"path": path, "message": exc.message}
        return _page(request, lang, status=exc.status, error=error)
    confirm = {
        "mapping": up.mapping,
        "fileName": up.filename,
        "fileData": base64.b64encode(up.data).decode("ascii"),
    }
    return _page(request, lang, report=report.as_json(), upload=confirm)
