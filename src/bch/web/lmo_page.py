"""The LMO page: record, decision matrix, world map, cross-links, detection methods, quick-link."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from bch.config import public_url
from bch.records.identifiers import split_pinned
from bch.web import i18n, quicklink, worldmap
from bch.web.common import principal_of, services, web_page
from bch.web.display import Value
from bch.web.i18n import _
from bch.web.labels import status_labels
from bch.web.pages import record_context

router = APIRouter(include_in_schema=False)
RA_SCHEMAS = ("nationalRiskAssessment", "independentRiskAssessment")
SUMMARY_FIELDS = ("recipientOrganisms", "developers", "traits", "techniqueUsed", "genes")


def _canonical_redirect(lang: str, uid: str, canonical: str, suffix: str = "") -> Response | None:
    if uid == canonical:
        return None
    return RedirectResponse(f"/{lang}/lmos/{quote(canonical, safe='')}{suffix}", status_code=301)


@router.get("/{lang:lang}/lmos/{uid}")
@web_page
def lmo_page(request: Request, lang: str, uid: str) -> Response:
    svc, principal = services(request), principal_of(request)
    found = svc.lmos.find(uid, principal)
    redirect = _canonical_redirect(lang, uid, found.canonical_uid)
    if redirect:
        return redirect
    view = found.record
    ctx, displayer = record_context(svc, lang, view)
    matrix = svc.lmos.decision_matrix(found.canonical_uid, principal)
    labels = status_labels()
    rt = svc.registry.record_type("modifiedOrganism")
    body = view.document
    summary = [row for row in ctx["fields"] if row.name in SUMMARY_FIELDS]
    components = [
        v
        for ref in body.get("linkedModifiedOrganisms") or []
        for v in displayer.values(rt.fields["linkedModifiedOrganisms"], ref)
    ]
    stacks, ras, seen = [], [], set()
    for field, doc in view.referenced_by:
        item = Value(i18n.text(doc.title) or doc.uid_base, href=f"/{lang}/records/{doc.uid_base}")
        if doc.schema == "modifiedOrganism" and field == "linkedModifiedOrganisms":
            stacks.append(item)
        elif doc.schema in RA_SCHEMAS and doc.id not in seen:
            seen.add(doc.id)
            ras.append(item)
    for row in matrix["countries"]:
        for ra in row["riskAssessments"]:
            base = split_pinned(ra["id"])[0].rsplit("-", 1)[0]
            if not any(v.href and v.href.endswith(base) for v in ras):
                ras.append(Value(i18n.text(ra["title"]), href=f"/{lang}/records/{base}"))
    decisions = sorted(
        (d for row in matrix["countries"] for d in row["decisions"]),
        key=lambda d: (d.get("date") or "", d["id"]),
        reverse=True,
    )
    scopes = [
        {"code": s["code"], "title": i18n.text(s["title"])}
        for s in matrix["scopes"]
        if any(s["code"] in row["cells"] for row in matrix["countries"])
    ] or [{"code": s["code"], "title": i18n.text(s["title"])} for s in matrix["scopes"][:5]]
    map_title = _("World map: status of decisions on %(uid)s by country", uid=found.canonical_uid)
    return page_lmo(
        request,
        lang,
        ctx,
        canonical=found.canonical_uid,
        trade_names=i18n.text(body.get("identity")),
        summary=summary,
        matrix=matrix,
        scopes=scopes,
        status_labels=labels,
        map_svg=worldmap.svg(matrix, map_title, labels),
        decisions=decisions,
        risk_assessments=ras,
        methods=found.detection_methods,
        materials=_materials(found.canonical_uid),
        components=components,
        stacks=stacks,
        reported=found.reported_approvals,
        provenance=found.provenance,
        field_titles={name: i18n.text(f.title) or name for name, f in rt.fields.items()},
        principal=principal,
    )


def _materials(uid: str) -> list[dict]:
    """Reference materials named on captured source pages, for the LMO and its components."""
    from bch.records.oecd_uid import parse_uid
    from bch.services.matches import captured_reference_materials

    parsed = parse_uid(uid)
    found = captured_reference_materials()
    return [
        {**row, "appliesTo": key, "forComponent": key != parsed.key}
        for key in (parsed.key, *parsed.component_keys)
        for row in found.get(key, [])
    ]


def page_lmo(request: Request, lang: str, ctx: dict, **extra) -> Response:
    from bch.web.render import page

    return page(request, lang, "lmo.html", **ctx, **extra)


@router.get("/{lang:lang}/lmos/{uid}/quicklink.svg")
@web_page
def quicklink_image(request: Request, lang: str, uid: str) -> Response:
    svc = services(request)
    found = svc.lmos.find(uid)
    redirect = _canonical_redirect(lang, uid, found.canonical_uid, "/quicklink.svg")
    if redirect:
        return redirect
    url = f"{public_url()}/{lang}/lmos/{quote(found.canonical_uid, safe='')}"
    name = i18n.text(found.record.document.get("identity")) or str(
        found.record.document.get("transformationEvent") or ""
    )
    return Response(
        quicklink.image(url, found.canonical_uid, name),
        media_type="image/svg+xml",
        headers={"Cache-Control": "public, max-age=3600"},
    )
