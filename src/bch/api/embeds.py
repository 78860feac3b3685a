"""Embeds for other websites: /widgets.js, the frame pages /embed/search and /embed/records/{id},
the oEmbed endpoint /oembed and an example page /embed/example. The pages load nothing from
other hosts and are frameable anywhere (Content-Security-Policy: frame-ancestors *)."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode, urlsplit

from fastapi import APIRouter, Query, Response
from fastapi.responses import HTMLResponse, JSONResponse
from markupsafe import Markup

from bch.api.deps import Svc
from bch.api.params import query_number
from bch.api.responses import ErrorBody, content, errors, page_errors
from bch.records.countries import countries, country
from bch.records.fields import FieldDef
from bch.records.identifiers import REFERENCE_OWNER
from bch.records.languages import LANGUAGES, display
from bch.records.realms import UnknownSchema, get_registry
from bch.services import richtext
from bch.services.container import Services
from bch.services.errors import BadRequest, NotFound, ServiceError
from bch.services.numbers import MAX_INT
from bch.services.search import SearchQuery
from bch.web.render import STATIC, render

ASSETS = STATIC / "embeds"  # widgets.js and frame.js; the pages are web/templates/embeds/
router = APIRouter(tags=["embeds"])
FRAMEABLE = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors *"
}
KEY_FIELDS = {
    "modifiedOrganism": ["uniqueIdentification", "transformationEvent", "traits", "techniqueUsed"],
    "biosafetyDecision": ["date", "decisionTypes", "decisionResult", "scopes"],
    "organism": ["scientificName", "commonName", "organismType"],
    "dnaSequence": ["traits"],
}
TEXT = {
    "results": {"ar": "نتائج البحث", "en": "Search results", "es": "Resultados de la búsqueda", "fr": "Résultats de la recherche", "ru": "Результаты поиска", "zh": "搜索结果"},
    "none": {"ar": "لا توجد سجلات.", "en": "No records.", "es": "No hay registros.", "fr": "Aucune fiche.", "ru": "Записей нет.", "zh": "没有记录。"},
    "more": {"ar": "المزيد من النتائج", "en": "More results", "es": "Más resultados", "fr": "Plus de résultats", "ru": "Больше результатов", "zh": "更多结果"},
    "full": {"ar": "عرض السجل الكامل", "en": "View the full record", "es": "Ver el registro completo", "fr": "Voir la fiche complète", "ru": "Открыть полную запись", "zh": "查看完整记录"},
    "updated": {"ar": "آخر تحديث", "en": "Last updated", "es": "Última actualización", "fr": "Dernière mise à jour", "ru": "Последнее обновление", "zh": "最后更新"},
    "error": {"ar": "خطأ", "en": "Error", "es": "Error", "fr": "Erreur", "ru": "Ошибка", "zh": "错误"},
    "yes": {"ar": "نعم", "en": "Yes", "es": "Sí", "fr": "Oui", "ru": "Да", "zh": "是"},
    "no": {"ar": "لا", "en": "No", "es": "No", "fr": "Non", "ru": "Нет", "zh": "否"},
}  # fmt: skip
MAX_ITEMS = 50
SUMMARY_CHARS = 400  # a longer description shows as the start of its text
EmbedLimit = query_number(1, MAX_ITEMS)
FrameSize = query_number(50, MAX_INT)  # oEmbed maxwidth/maxheight: pixels, capped below


def _lang(value: str | None) -> str:
    return value if value in LANGUAGES else "en"


def _texts(lang: str) -> dict[str, str]:
    return {key: display(value, lang) for key, value in TEXT.items()}


def _html(template: str, status: int = 200, **context: Any) -> HTMLResponse:
    body = render(f"embeds/{template}", **context)
    return HTMLResponse(body, status_code=status, headers=FRAMEABLE)


def _error(exc: ServiceError, lang: str) -> HTMLResponse:
    return _html("error.html", exc.status, lang=lang, t=_texts(lang), message=exc.message)


def _type_title(svc: Services, schema: str, realm: str, lang: str, plural: bool = False) -> str:
    try:
        rt = svc.registry.record_type(schema, realm)
    except UnknownSchema:
        return schema
    return display((rt.title_plural if plural else {}) or rt.title, lang)


def _country_name(owner: str, lang: str) -> str | None:
    if owner == REFERENCE_OWNER:
        return None
    c = country(owner)
    return display(c.name, lang) if c else owner


@router.get(
    "/widgets.js",
    summary="Script turning <div class=bch-embed> into resizing iframes",
    response_class=Response,
    responses={200: content("application/javascript")},
)
def widgets_js() -> Response:
    return _script("widgets.js")


def _script(name: str) -> Response:
    return Response(
        (ASSETS / name).read_text("utf-8"),
        media_type="application/javascript; charset=utf-8",
        headers={"Cache-Control": "public, max-age=3600"},
    )


@router.get("/embed/frame.js", include_in_schema=False)
def frame_js() -> Response:
    return Response(
        (ASSETS / "frame.js").read_text("utf-8"), media_type="application/javascript; charset=utf-8"
    )


@router.get(
    "/embed/search",
    summary="Embeddable list of records (HTML)",
    response_class=HTMLResponse,
    responses=page_errors(400),
)
def embed_search(
    svc: Svc,
    schema: str | None = None,
    country_code: Annotated[str | None, Query(alias="country")] = None,
    realm: str | None = None,
    q: str | None = None,
    lang: str | None = None,
    limit: EmbedLimit = 10,
) -> HTMLResponse:
    lang = _lang(lang)
    try:
        heading, items, more = _listing(svc, schema, country_code, realm, q, lang, limit)
    except ServiceError as exc:
        return _error(exc, lang)
    return _html(
        "search.html", lang=lang, t=_texts(lang), heading=heading, items=items, more_url=more
    )


def _listing(
    svc: Services,
    schema: str | None,
    country_code: str | None,
    realm: str | None,
    q: str | None,
    lang: str,
    limit: int,
) -> tuple[str, list[dict[str, Any]], str | None]:
    """(heading, items, "more results" path) of a list of records, newest first; the list of
    /embed/search and of /api/v1/embed/records (bch.js). ServiceError for a bad filter."""
    filters = {
        k: [v] for k, v in (("schema", schema), ("country", country_code), ("realm", realm)) if v
    }
    result = svc.search.search(
        SearchQuery(q=q, filters=filters, limit=limit, lang=lang, sort="-updatedAt")
    )
    items = [
        {
            "uid": f"{d.uid_base}-{d.latest_revision}",
            "title": display(d.title, lang),
            "type": _type_title(svc, d.schema, d.realm, lang),
            "country": _country_name(d.owner, lang),
            "url": f"/{lang}/records/{d.uid_base}",
        }
        for d in result.items
    ]
    heading = (
        _type_title(svc, schema, realm or "BCH", lang, plural=True)
        if schema
        else _texts(lang)["results"]
    )
    if country_code and country(country_code):
        heading = f"{heading} – {_country_name(country_code.upper(), lang)}"
    params = {k: v for k, v in (("schema", schema), ("country", country_code), ("q", q)) if v}
    more = f"/{lang}/search?{urlencode(params)}" if result.next else None
    return heading, items, more


# The old BCH Ajax plug-in's GenerateRecords(schema, ...) took short plural names; these are the
# names bch.js accepts besides the schema keys (the plug-in's own list is not in our sources).
LEGACY_SCHEMAS = {
    "decisions": "biosafetyDecision", "lmos": "modifiedOrganism", "organisms": "organism",
    "genes": "dnaSequence", "laws": "biosafetyLaw", "authorities": "authority",
    "cnas": "authority", "nfps": "focalPoint", "focalpoints": "focalPoint",
    "riskassessments": "nationalRiskAssessment", "experts": "biosafetyExpert",
    "laboratories": "laboratoryDetection", "news": "biosafetyNews", "resources": "resource",
}  # fmt: skip


@router.get(
    "/embed/bch.js",
    summary="Script listing central records for a country in a page (GenerateRecords shim)",
    response_class=Response,
    responses={200: content("application/javascript")},
)
def bch_js() -> Response:
    return _script("bch.js")


@router.get(
    "/api/v1/embed/records",
    summary="A country's records for bch.js: localised titles, types and links (CORS)",
    responses=errors(400),
)
def embed_records(
    svc: Svc,
    schema: Annotated[
        str | None,
        Query(
            description="a schema name (any case) or one of the plug-in's short plural names",
            json_schema_extra={
                "enum": sorted({t.name for t in get_registry().all()} | set(LEGACY_SCHEMAS))
            },
        ),
    ] = None,
    country_code: Annotated[
        str | None,
        Query(
            alias="country",
            description="ISO 3166-1 alpha-2 code (or EU), any case",
            json_schema_extra={"enum": [c.code for c in countries()]},
        ),
    ] = None,
    lang: str | None = None,
    limit: EmbedLimit = 10,
) -> JSONResponse:
    lang = _lang(lang)
    if schema is not None:
        schema = LEGACY_SCHEMAS.get(schema.lower().replace("-", ""), schema)
        try:
            svc.registry.record_type(schema)
        except UnknownSchema:
            names = ", ".join(sorted(LEGACY_SCHEMAS))
            raise BadRequest(
                f"unknown record type {schema!r}",
                errors=[{"code": "Error.UnknownSchema", "path": "schema",
                         "message": f"expected a schema (e.g. biosafetyDecision) or {names}"}],
            ) from None  # fmt: skip
    if country_code is not None and not country(country_code):
        raise BadRequest(
            f"unknown country {country_code!r}",
            errors=[{"code": "Error.InvalidValue", "path": "country",
                     "message": "expected an ISO 3166 country code, e.g. CA"}],
        )  # fmt: skip
    heading, items, more = _listing(svc, schema, country_code, None, None, lang, limit)
    t = _texts(lang)
    body = {"lang": lang, "heading": heading, "items": items, "more": more,
            "texts": {"none": t["none"], "more": t["more"]}}  # fmt: skip
    return JSONResponse(body, headers={"Cache-Control": "public, max-age=60"})


def _value(svc: Services, value: Any, lang: str, t: dict[str, str]) -> str:
    items = value if isinstance(value, list) else [value]
    out = []
    for v in items:
        if isinstance(v, bool):
            out.append(t["yes"] if v else t["no"])
        elif isinstance(v, dict) and "identifier" in v:
            term = svc.thesaurus.term(str(v["identifier"]))
            custom = v.get("customValue")
            out.append(display(custom, lang) if custom else (term.label(lang) if term else ""))
        elif isinstance(v, dict):
            out.append(display(v, lang))
        elif v is not None:
            out.append(str(v))
    return "; ".join(x for x in out if x)


@router.get(
    "/embed/records/{record_id}",
    summary="Embeddable record card (HTML)",
    response_class=HTMLResponse,
    responses=page_errors(400, 404, 410),
)
def embed_record(record_id: str, svc: Svc, lang: str | None = None) -> HTMLResponse:
    lang = _lang(lang)
    t = _texts(lang)
    try:
        view = svc.records.get(record_id, with_links=False)
    except ServiceError as exc:
        return _error(exc, lang)
    doc, body = view.doc, view.document
    try:
        rt = svc.registry.record_type(doc.schema, doc.realm)
    except UnknownSchema:
        rt = None
    fields = []
    for name in KEY_FIELDS.get(doc.schema, []):
        if rt is None or name not in rt.fields or body.get(name) in (None, [], {}):
            continue
        f = rt.fields[name]
        text = _value(svc, body[name], lang, t)
        text = richtext.as_text(text) if f.rich else text
        if text:
            domain = svc.thesaurus.domain(f.domain) if f.domain else None
            label = display(f.title, lang) or (display(domain.title, lang) if domain else name)
            fields.append((label, text))
    described = rt.fields.get("description") if rt is not None else None
    return _html(
        "record.html",
        lang=lang,
        t=t,
        title=display(doc.title, lang),
        type=_type_title(svc, doc.schema, doc.realm, lang),
        country=_country_name(doc.owner, lang),
        uid=view.uid,
        fields=fields,
        summary=_summary(described, body.get("description"), lang),
        updated=doc.updated_at.strftime("%Y-%m-%d"),
        url=f"/{lang}/records/{doc.uid_base}",
    )


def _summary(f: FieldDef | None, value: Any, lang: str) -> Markup | str:
    """The record's description: as HTML when it is rich text short enough to show whole, else
    the start of its text (escaped by the template)."""
    if f is None or not isinstance(value, dict):
        return ""
    shown = display(value, lang)
    plain = richtext.as_text(shown) if f.rich else shown
    if len(plain) > SUMMARY_CHARS:
        return plain[:SUMMARY_CHARS].rsplit(" ", 1)[0] + " …"
    return richtext.markup(shown) if f.rich else plain


@router.get(
    "/embed/example",
    summary="Example page embedding a search list and a record",
    response_class=HTMLResponse,
)
def embed_example(svc: Svc, lang: str | None = None) -> HTMLResponse:
    lang = _lang(lang)
    decisions = svc.search.search(SearchQuery(filters={"schema": ["biosafetyDecision"]}, limit=1))
    first = svc.search.search(SearchQuery(filters={"schema": ["modifiedOrganism"]}, limit=1)).items
    search_schema, search_country = "modifiedOrganism", None
    if decisions.items:
        search_schema, search_country = "biosafetyDecision", decisions.items[0].owner
    return _html(
        "example.html",
        lang=lang,
        base=svc.settings.public_url,
        search_schema=search_schema,
        search_country=search_country,
        record_id=first[0].uid_base if first else None,
    )


def _embed_for(path: str, query: str, lang_hint: str | None) -> tuple[str, str]:
    """(embed path with query, kind) for a URL of this site, or NotFound."""
    parts = [p for p in path.split("/") if p]
    lang = lang_hint
    if parts and parts[0] in LANGUAGES:
        lang, parts = parts[0], parts[1:]
    suffix = f"lang={_lang(lang)}"
    if len(parts) == 3 and parts[:2] == ["embed", "records"]:
        return f"/embed/records/{parts[2]}?{suffix}", "record"
    if parts == ["embed", "search"]:
        return f"/embed/search?{query}" if query else f"/embed/search?{suffix}", "search"
    if len(parts) == 2 and parts[0] in ("records", "lmos"):
        return f"/embed/records/{parts[1]}?{suffix}", "record"
    if len(parts) == 4 and parts[:3] == ["api", "v1", "records"]:
        return f"/embed/records/{parts[3]}?{suffix}", "record"
    raise NotFound("the URL is not a record or embed URL of this site")


@router.get(
    "/oembed",
    summary="oEmbed (rich) for record and search URLs of this site",
    responses={
        **errors(404),
        501: {
            "description": "A format other than json (as the oEmbed specification says)",
            "model": ErrorBody,
        },
    },
)
def oembed(
    svc: Svc,
    url: str,
    format: str = "json",
    maxwidth: FrameSize | None = None,
    maxheight: FrameSize | None = None,
) -> JSONResponse:
    if (format or "json").strip().lower() != "json":  # 501 is what the oEmbed spec asks for
        return JSONResponse(
            {
                "statusCode": 501,
                "code": "notImplemented",
                "message": "only format=json is served",
                "errors": [],
            },
            status_code=501,
        )
    site = svc.settings.public_url
    base = urlsplit(site)
    try:
        target = urlsplit(url)
    except ValueError:  # e.g. "http://[x": not a URL at all
        target = urlsplit("")
    if target.scheme not in ("http", "https") or target.netloc.lower() != base.netloc.lower():
        raise NotFound(f"{url[:200]!r} is not a URL of this site ({site})")
    lang_hint = dict(p.split("=", 1) for p in target.query.split("&") if "=" in p).get("lang")
    path = target.path  # below the public URL's own path, if it has one
    if base.path and path.startswith(base.path + "/"):
        path = path[len(base.path) :]
    embed_path, kind = _embed_for(path, target.query, lang_hint)
    title = "Biosafety Clearing-House"
    if kind == "record":
        record_ref = embed_path.split("/")[3].split("?")[0]
        try:
            view = svc.records.get(record_ref, with_links=False)
        except ServiceError:
            raise NotFound(f"no record for {url!r}") from None
        title = display(view.doc.title, _lang(lang_hint))
    width = min(maxwidth or 600, 1200)
    height = min(maxheight or (300 if kind == "record" else 480), 2000)
    src = f"{site}{embed_path}"
    html = (
        f'<iframe src="{_attr(src)}" width="{width}" height="{height}" '
        f'style="border:0" loading="lazy" title="{_attr(title)}"></iframe>'
    )
    return JSONResponse(
        {
            "version": "1.0",
            "type": "rich",
            "provider_name": "Biosafety Clearing-House",
            "provider_url": f"{site}/",
            "title": title,
            "html": html,
            "width": width,
            "height": height,
            "cache_age": 3600,
        }
    )


def _attr(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;").replace(">", "&gt;")
    )
