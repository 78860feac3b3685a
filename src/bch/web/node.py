"""A national node's page (issue 12): its sync state, the records waiting for the central, and
the conflicts to resolve (theirs / mine / merge by field), for the node country's signed-in
users and the Secretariat."""

from __future__ import annotations

from typing import Annotated

import orjson
from fastapi import APIRouter, Path, Request
from fastapi.responses import RedirectResponse, Response

from bch.services.errors import Forbidden, NotFound
from bch.web.common import services, web_page
from bch.web.i18n import _
from bch.web.render import page
from bch.web.submit import csrf_token, form_data, signed_in

router = APIRouter(include_in_schema=False)
ItemId = Annotated[int, Path(ge=1, le=2**62)]


def _allowed(request: Request, lang: str):
    svc = services(request)
    principal = signed_in(request, lang)
    state = svc.node.state()
    if state is None:
        raise NotFound(_("This site is not a national node."))
    countries = {c for _role, c in principal.roles}
    if state.country not in countries and not any(r == "secretariat" for r, _c in principal.roles):
        raise Forbidden(_("Only users of this node's country may see its queue."))
    return svc, principal


@router.get("/{lang:lang}/node")
@web_page
def node_page(request: Request, lang: str) -> Response:
    svc, principal = _allowed(request, lang)
    conflicts = []
    for item in svc.node.outbox(("conflict", "refused")):
        info = svc.node.conflict(item.id)
        rows = [
            (
                key,
                orjson.dumps(info["mine"].get(key)).decode(),
                orjson.dumps(info["theirs"].get(key)).decode(),
            )
            for key in info["fields"]
        ]
        conflicts.append((item, info, rows))
    return page(
        request,
        lang,
        "node.html",
        node_state=svc.node.status(),
        outbox=svc.node.outbox(),
        conflicts=conflicts,
        csrf=csrf_token(request),
        principal=principal,
    )


@router.post("/{lang:lang}/node/outbox/{item_id}/resolve")
@web_page
async def resolve(request: Request, lang: str, item_id: ItemId) -> Response:
    svc, _principal = _allowed(request, lang)
    data = await form_data(request)
    choice = (data.get("choice") or [""])[0]
    picks = {
        key[len("field.") :]: values[0]
        for key, values in data.items()
        if key.startswith("field.") and values
    }
    svc.node.resolve(item_id, choice, picks)
    return RedirectResponse(f"/{lang}/node", status_code=303)
