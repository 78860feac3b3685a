"""Alerts (issue 14 item 3): the Atom feed of a search (GET /api/v1/feeds/records.atom, the
filters of GET /api/v1/records) and e-mail subscriptions (/api/v1/subscriptions: create,
confirm by a plain GET, one-click unsubscribe after RFC 8058, see and delete one's own)."""

from __future__ import annotations

from typing import Annotated, Any
from xml.etree import ElementTree as ET

from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import BaseModel, Field

from bch.api.deps import Svc, json_body, read_body
from bch.api.http import requested_language
from bch.api.identity import client_ip
from bch.api.params import Lang, PageSize
from bch.api.responses import content, errors
from bch.api.responses import json_body as body_doc
from bch.api.search_params import filter_parameters, query_filters
from bch.records.identifiers import REFERENCE_OWNER
from bch.records.languages import LANGUAGES, display
from bch.records.realms import get_registry
from bch.services.oai_formats import clean
from bch.services.search import SearchQuery
from bch.storage.rows import iso_utc, utcnow

router = APIRouter(prefix="/api/v1", tags=["alerts"])
ATOM = "http://www.w3.org/2005/Atom"
ATOM_MEDIA = "application/atom+xml"
FEED_RESERVED = {"q", "lang", "limit", "cursor"}
Token = Annotated[str, Query(min_length=1, max_length=200, description="the code of the mail")]


class NewSubscription(BaseModel):
    email: str = Field(max_length=254, description="where the alerts go")
    filters: dict[str, str | list[str]] = Field(
        default_factory=dict,
        description="names and values of GET /api/v1/records (and q: words)",
    )
    frequency: str = Field(
        "immediate", json_schema_extra={"enum": ["immediate", "daily", "weekly"]}
    )
    lang: str = Field("en", json_schema_extra={"enum": list(LANGUAGES)})


# -- the Atom feed ----------------------------------------------------------------------------------
@router.get(
    "/feeds/records.atom",
    summary="Atom feed of a search: the records it finds, most recently changed first",
    description=(
        "Takes the filters of GET /api/v1/records (any filterable field, repeat for OR; date "
        "ranges) and q. Pages with `cursor` (the feed's rel=next link)."
    ),
    responses={200: content(ATOM_MEDIA), **errors(400)},
    openapi_extra={"parameters": filter_parameters(get_registry())},
)
def records_feed(
    request: Request,
    svc: Svc,
    q: Annotated[str | None, Query(description="full-text query (six languages)")] = None,
    lang: Lang = None,
    cursor: Annotated[str | None, Query(description="the feed's next link")] = None,
    limit: PageSize = 50,
):
    language = requested_language(request, lang)
    filters = query_filters(request, svc.search.filterable_fields(), FEED_RESERVED)
    result = svc.search.search(
        SearchQuery(
            q=q, filters=filters, sort="-updatedAt", cursor=cursor, limit=limit, lang=language
        )
    )
    site = svc.settings.public_url
    feed = ET.Element("feed", {"xmlns": ATOM, "xml:lang": language})
    params = [(k, v) for k, v in request.query_params.multi_items() if k != "cursor"]
    self_url = _url(site, request.url.path, request.query_params.multi_items())
    first_url = _url(site, request.url.path, params)
    ET.SubElement(feed, "id").text = first_url
    what = "; ".join(f"{k}: {', '.join(v)}" for k, v in sorted(filters.items()))
    title = "Biosafety Clearing-House" + (f" - {q}" if q else "") + (f" ({what})" if what else "")
    ET.SubElement(feed, "title").text = title
    newest = max((d.updated_at for d in result.items), default=None)
    ET.SubElement(feed, "updated").text = iso_utc(newest or utcnow())
    author = ET.SubElement(feed, "author")
    ET.SubElement(author, "name").text = "Biosafety Clearing-House"
    ET.SubElement(author, "uri").text = site
    ET.SubElement(feed, "generator", {"uri": site}).text = "bch"
    _link(feed, "self", ATOM_MEDIA, self_url)
    _link(feed, "first", ATOM_MEDIA, first_url)
    page = [(k, v) for k, v in params if k not in ("lang", "limit")]
    _link(feed, "alternate", "text/html", _url(site, f"/{language}/search", page))
    if result.next:
        _link(
            feed,
            "next",
            ATOM_MEDIA,
            _url(site, request.url.path, [*params, ("cursor", result.next)]),
        )
    for doc in result.items:
        uid = f"{doc.uid_base}-{doc.latest_revision}"
        entry = ET.SubElement(feed, "entry")
        ET.SubElement(entry, "id").text = f"{site}/api/v1/records/{uid}"
        ET.SubElement(entry, "title").text = display(doc.title, language) or uid
        ET.SubElement(entry, "updated").text = iso_utc(doc.updated_at)
        ET.SubElement(entry, "published").text = iso_utc(doc.created_at)
        who = ET.SubElement(entry, "author")
        country = None if doc.owner == REFERENCE_OWNER else doc.owner
        ET.SubElement(who, "name").text = country or "Secretariat (reference record)"
        _link(entry, "alternate", "text/html", f"{site}/{language}/records/{uid}")
        _link(entry, "alternate", "application/json", f"{site}/api/v1/records/{uid}")
        ET.SubElement(entry, "category", {"term": doc.schema, "label": doc.schema})
        ET.SubElement(entry, "summary").text = (
            f"{doc.schema} {uid}, revision {doc.latest_revision}"
            + (f", {country}" if country else "")
        )
    for element in feed.iter():  # a query or a name may hold characters XML 1.0 cannot
        element.text = clean(element.text) if element.text is not None else None
        element.attrib = {k: clean(v) for k, v in element.attrib.items()}
    body = ET.tostring(feed, encoding="utf-8", xml_declaration=True)
    return Response(body, media_type=f"{ATOM_MEDIA}; charset=utf-8")


def _url(site: str, path: str, params: list[tuple[str, str]]) -> str:
    from urllib.parse import urlencode

    return f"{site}{path}" + (f"?{urlencode(params)}" if params else "")


def _link(parent: ET.Element, rel: str, media: str, href: str) -> None:
    ET.SubElement(parent, "link", {"rel": rel, "type": media, "href": href})


# -- subscriptions ----------------------------------------------------------------------------------
def _subscription_json(sub: Any) -> dict[str, Any]:
    return {
        "id": sub.id,
        "email": sub.email,
        "filters": sub.filters,
        "frequency": sub.frequency,
        "lang": sub.lang,
        "createdAt": iso_utc(sub.created_at),
        "confirmedAt": iso_utc(sub.confirmed_at) if sub.confirmed_at else None,
    }


@router.post(
    "/subscriptions",
    status_code=202,
    summary="Subscribe an e-mail address to a search; a confirmation mail follows",
    responses=errors(400, 413, 422, 429),
    openapi_extra=body_doc(NewSubscription),
)
async def subscribe(request: Request, svc: Svc):
    body = await json_body(request)
    sub = svc.alerts.subscribe(body, ip=client_ip(request))
    return {
        "status": "check your mail: the alerts start when its link is opened",
        "email": sub.email,
        "filters": sub.filters,
        "frequency": sub.frequency,
    }


@router.get(
    "/subscriptions/confirm",
    summary="Confirm a subscription (the link in the confirmation mail)",
    responses=errors(404),
)
def confirm(token: Token, svc: Svc):
    return {"status": "confirmed", **_subscription_json(svc.alerts.confirm(token))}


@router.post(
    "/subscriptions/unsubscribe",
    summary="One-click unsubscribe (RFC 8058: the List-Unsubscribe URL of every alert mail)",
    responses=errors(404, 413),
    openapi_extra={
        "requestBody": {
            "required": False,
            "content": {
                "application/x-www-form-urlencoded": {
                    "schema": {
                        "type": "object",
                        "properties": {
                            "List-Unsubscribe": {"type": "string", "enum": ["One-Click"]}
                        },
                    }
                }
            },
        }
    },
)
async def unsubscribe(token: Token, request: Request, svc: Svc):
    await read_body(request, 4096)  # List-Unsubscribe=One-Click (or nothing): the URL suffices
    sub = svc.alerts.unsubscribe(token)
    return {"status": "unsubscribed", "id": sub.id}


@router.get(
    "/subscriptions/mine",
    summary="The subscriptions of the address a mail went to (its link's code)",
    responses=errors(404),
)
def mine(token: Token, svc: Svc):
    return {"items": [_subscription_json(s) for s in svc.alerts.mine(token)]}


@router.delete(
    "/subscriptions/mine",
    summary="Delete every subscription of the address a mail went to",
    responses=errors(404),
)
def forget_all(token: Token, svc: Svc):
    return {"deleted": svc.alerts.forget(token)}


@router.delete(
    "/subscriptions/mine/{subscription_id}",
    summary="Delete one subscription of the address a mail went to",
    responses=errors(404),
)
def forget_one(subscription_id: Annotated[int, Path(ge=1, le=2**53)], token: Token, svc: Svc):
    return {"deleted": svc.alerts.forget(token, subscription_id)}
