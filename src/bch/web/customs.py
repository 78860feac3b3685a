"""The shipment check pages: the form (paste or upload an invoice, destination, uses), the
printable result, and saved results shared by their link."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from bch.api.customs import check_input
from bch.records.countries import countries
from bch.services.customs_verdicts import USES
from bch.services.errors import BadRequest
from bch.web import i18n
from bch.web.common import principal_of, services, web_page
from bch.web.i18n import _
from bch.web.render import page
from bch.web.submit import csrf_token

router = APIRouter(include_in_schema=False)


def use_labels() -> dict[str, str]:
    return {
        "food": _("Food"),
        "feed": _("Feed"),
        "processing": _("Processing"),
        "cultivation": _("Cultivation (seed for planting)"),
        "field_trial": _("Field trial"),
        "contained_use": _("Contained use"),
        "transit": _("Transit"),
    }


def verdict_labels() -> dict[str, str]:
    return {
        "approved": _("Approved"),
        "approved_with_conditions": _("Approved with conditions"),
        "prohibited": _("Prohibited"),
        "expired": _("Expired"),
        "no_decision": _("No decision"),
        "unknown_identifier": _("Unknown identifier"),
        "ambiguous": _("Ambiguous"),
        "malformed": _("Malformed identifier"),
    }


def _form(request: Request, lang: str, **extra) -> Response:
    names = sorted(((c.code, i18n.text(c.name)) for c in countries()), key=lambda c: c[1])
    return page(
        request,
        lang,
        "customs.html",
        countries=names,
        uses=USES,
        use_labels=use_labels(),
        verdict_labels=verdict_labels(),
        csrf=csrf_token(request),
        principal=principal_of(request),
        **{"result": None, "error": None, "chosen": {"destination": "CA", "uses": []}, **extra},
    )


@router.get("/{lang:lang}/customs")
@web_page
def customs_page(request: Request, lang: str) -> Response:
    return _form(request, lang)


@router.post("/{lang:lang}/customs")
@web_page
async def customs_check(request: Request, lang: str) -> Response:
    svc = services(request)
    try:
        req, save = await check_input(request)
        result = svc.customs.check(req, principal_of(request))
    except BadRequest as exc:
        path = (exc.errors[0].get("path") if exc.errors else "") or ""
        return _form(request, lang, status=400, error={"path": path, "message": exc.message})
    if save:
        ident = svc.customs.save(result)
        return RedirectResponse(f"/{lang}/customs/checks/{ident}", status_code=303)
    chosen = {"destination": result["destination"], "uses": result["uses"]}
    return _form(request, lang, result=result, chosen=chosen)


@router.get("/{lang:lang}/customs/checks/{check_id}")
@web_page
def saved_check(request: Request, lang: str, check_id: str) -> Response:
    result = services(request).customs.saved(check_id)
    chosen = {"destination": result["destination"], "uses": result["uses"]}
    return _form(request, lang, result=result, chosen=chosen, saved=check_id)
