"""The LMO page, in the order a person reads it: identity, who decided what where (matrix, map,
decisions; a stack without decisions of its own shows its components'), detection methods and
reference materials, related LMOs, then the external databases (loaded on request), each once."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from bch.api.fast_reads import lmo_page_key
from bch.records.identifiers import split_pinned
from bch.records.oecd_uid import parse_uid, try_parse_uid
from bch.services.errors import NotFound
from bch.services.read_cache import ANY, note
from bch.web import i18n, quicklink, worldmap
from bch.web.common import principal_of, services, web_page
from bch.web.display import Value
from bch.web.i18n import _
from bch.web.labels import method_labels, source_name, status_labels
from bch.web.page_cache import cached_page
from bch.web.pages import organism_label, record_context

router = APIRouter(include_in_schema=False)
RA_SCHEMAS = ("nationalRiskAssessment", "independentRiskAssessment")
IDENTITY_FIELDS = (
    "transformationEvent",
    "recipientOrganisms",
    "developers",
    "traits",
    "techniqueUsed",
    "genes",
)
#: shown in their own sections above: not repeated under "Record details"
SHOWN_ABOVE = (
    *IDENTITY_FIELDS,
    "hasUniqueIdentification",
    "uniqueIdentification",
    "identity",
    "linkedModifiedOrganisms",
    "detectionMethod",
    "detectionMethods",
    "detectionMethodLinks",
)
_RANK = {"prohibited": 4, "approvedWithConditions": 3, "approved": 2, "pending": 1, "unknown": 0}


def _canonical_redirect(lang: str, uid: str, canonical: str, suffix: str = "") -> Response | None:
    if uid == canonical:
        return None
    return RedirectResponse(f"/{lang}/lmos/{quote(canonical, safe='')}{suffix}", status_code=301)


def _by_name(svc, lang: str, name: str) -> Response:
    """An event or trade name (MON810) resolves as GET /api/v1/resolve does: one LMO redirects
    to its page, an ambiguous name to the search for it, an unknown one is a 404."""
    canonical, ambiguous = svc.lmos.resolve_name(name)
    if canonical:
        return RedirectResponse(f"/{lang}/lmos/{quote(canonical, safe='')}", status_code=302)
    if ambiguous:
        query = urlencode({"q": name, "schema": "modifiedOrganism"})
        return RedirectResponse(f"/{lang}/search?{query}", status_code=302)
    raise NotFound(f"no LMO is named {name!r}")


@router.get("/{lang:lang}/lmos/{uid}")
@web_page
def lmo_page(request: Request, lang: str, uid: str) -> Response:
    """The page (or the redirect to the canonical UID's); an anonymous reader's is made once per
    change of the database and kept in the page cache (api/fast_reads.py answers the next ones
    before routing)."""
    svc, principal = services(request), principal_of(request)
    if not principal.is_anonymous or request.app.state.node_mode:
        return _lmo_page(request, lang, uid, svc, principal)
    auto = request.cookies.get("bch_external") == "auto"
    key = lmo_page_key(lang, uid, auto, request.url.query)

    return cached_page(
        request,
        svc.page_cache,
        key,
        lambda: _lmo_page(request, lang, uid, svc, principal, keep=True),
    )


def _lmo_page(request: Request, lang: str, uid: str, svc, principal, keep=False) -> Response:
    """The page; with `keep` (an anonymous reader's page, kept in the page cache), the parts
    many pages share are taken from the read cache (a common event's decisions are shown on
    the pages of the hundreds of stacks made of it)."""
    if try_parse_uid(uid) is None:
        note(ANY)  # the names index follows the records: any change may move a name
        return _by_name(svc, lang, uid)
    found = svc.lmos.find(uid, principal)
    redirect = _canonical_redirect(lang, uid, found.canonical_uid)
    if redirect:
        return redirect
    svc.matches  # noqa: B018  (first use starts building the external snapshots in the
    # background: the reader's click on "look in external databases" is then answered fast)
    view = found.record
    ctx, displayer = record_context(svc, lang, view)
    matrix = _matrix(svc, found, principal, keep)
    labels = status_labels()
    rt = svc.registry.record_type("modifiedOrganism")
    body = view.document
    identity = [row for row in ctx["fields"] if row.name in IDENTITY_FIELDS]
    for row in identity:
        if row.name == "recipientOrganisms":
            refs = [split_pinned(str(r.get("identifier", "")))[0] for r in body[row.name]]
            missing = set(refs) - displayer.refs.keys()  # read with the record's references
            organisms = {**displayer.refs, **svc.records.documents(missing)}
            row.values = [
                Value(organism_label(svc, organisms.get(ident)) or v.text, href=v.href)
                for ident, v in zip(refs, row.values, strict=False)
            ]
    components = [
        v
        for ref in body.get("linkedModifiedOrganisms") or []
        for v in displayer.values(rt.fields["linkedModifiedOrganisms"], ref)
    ]
    stacks, ras, seen = [], [], set()
    for field, doc in view.referenced_by:
        item = Value(i18n.text(doc.title) or doc.uid_base, href=f"/{lang}/records/{doc.uid_base}")
        if doc.schema == "modifiedOrganism" and field == "linkedModifiedOrganisms":
            if doc.id not in seen:
                seen.add(doc.id)
                stacks.append(item)
        elif doc.schema in RA_SCHEMAS and doc.id not in seen:
            seen.add(doc.id)
            ras.append(item)
    component_views = (
        [] if matrix["countries"] else _component_matrices(svc, found, principal, keep)
    )
    for m in [matrix, *(c["matrix"] for c in component_views)]:
        for row in m["countries"]:
            for ra in row["riskAssessments"]:
                base = split_pinned(ra["id"])[0].rsplit("-", 1)[0]
                if not any(v.href and v.href.endswith(base) for v in ras):
                    ras.append(Value(i18n.text(ra["title"]), href=f"/{lang}/records/{base}"))
    decisions = _decisions(matrix)
    map_matrix = matrix if matrix["countries"] else _merged(c["matrix"] for c in component_views)
    if matrix["countries"] or not component_views:
        map_title = _(
            "World map: status of decisions on %(uid)s by country", uid=found.canonical_uid
        )
    else:
        map_title = _(
            "World map: status of the decisions on the components of %(uid)s by country",
            uid=found.canonical_uid,
        )
    shown = _shown_above(view)
    ctx["incoming"] = [
        {**g, "items": [i for i in g["items"] if (i.href or "").rsplit("/", 1)[-1] not in shown]}
        for g in ctx["incoming"]
    ]
    ctx["incoming"] = [g for g in ctx["incoming"] if g["items"]]
    ctx["fields"] = [row for row in ctx["fields"] if row.name not in SHOWN_ABOVE]
    return page_lmo(
        request,
        lang,
        ctx,
        canonical=found.canonical_uid,
        trade_names=i18n.text(body.get("identity")),
        identity=identity,
        matrix=matrix,
        scopes=_scopes(matrix, component_views),
        status_labels=labels,
        map_svg=worldmap.svg(map_matrix, map_title, labels),
        map_from_components=not matrix["countries"] and bool(component_views),
        decisions=decisions,
        component_views=component_views,
        risk_assessments=ras,
        methods=_unique_methods(found.detection_methods),
        materials=_materials(found.canonical_uid, svc.settings.data_dir),
        components=components,
        stacks=stacks,
        auto_external=request.cookies.get("bch_external") == "auto",
        source_name=source_name,
        method_type=lambda t: method_labels().get(t or "", t or ""),
        method_scope=lambda t: method_labels().get(t or "", t or ""),
        reported=found.reported_approvals,
        provenance=found.provenance,
        field_titles={name: i18n.text(f.title) or name for name, f in rt.fields.items()},
        principal=principal,
        actions=svc.workflow.actions_on(principal, view.doc),  # Edit / Delete, as record pages
    )


def _shown_above(view) -> set[str]:
    """uid_bases of the records the sections above already list (decisions, RAs, stacks)."""
    return {
        doc.uid_base
        for field, doc in view.referenced_by
        if doc.schema in ("biosafetyDecision", *RA_SCHEMAS)
        or (doc.schema == "modifiedOrganism" and field == "linkedModifiedOrganisms")
    }


def _decisions(matrix: dict[str, Any]) -> list[dict[str, Any]]:
    return sorted(
        ({**d, "country": row["country"]} for row in matrix["countries"] for d in row["decisions"]),
        key=lambda d: (d.get("date") or "", d["id"]),
        reverse=True,
    )


def _matrix(svc, found, principal, keep: bool) -> dict[str, Any]:
    """The LMO's decision matrix: with `keep`, the one the read cache holds if another page
    needed it (it is a component of a stack), else made from what `find` read."""
    if keep:
        kept = svc.read_cache.peek(_component_key(parse_uid(found.canonical_uid).key))
        if kept is not None:
            return kept[2]
    return svc.lmos.matrix_of(found, principal)


def _component_key(key: str) -> tuple[str, str]:
    return ("lmo-page-component", key)


def _component(svc, key: str, principal, keep: bool) -> tuple[str, Any, dict] | None:
    """(canonical UID, record, matrix) of a stack's component with decisions, else None
    (kept in the read cache with `keep`: read-only, the pages build their own lists)."""

    def component() -> tuple[str, Any, dict] | None:
        try:
            m = svc.lmos.decision_matrix(key, principal)
            if not m["countries"]:
                return None
            canonical, doc = svc.lmos.named(key, principal)
        except NotFound:
            return None
        return canonical, doc, m

    if not keep:
        return component()
    return svc.read_cache.get(_component_key(key), component)


def _component_matrices(svc, found, principal, keep: bool) -> list[dict[str, Any]]:
    """For a stack without decisions of its own: each component's matrix and decisions."""
    parsed = parse_uid(found.canonical_uid)
    if not parsed.is_stack:
        return []
    out = []
    for key in parsed.component_keys:
        got = _component(svc, key, principal, keep)
        if got is None:
            continue
        canonical, doc, m = got
        out.append(
            {
                "uid": canonical,
                "title": _without_uid(i18n.text(doc.title), canonical),
                "matrix": m,
                "decisions": _decisions(m),
            }
        )
    return out


def _without_uid(title: str, uid: str) -> str:
    """ "MON-ØØ81Ø-6 – MON810 – YieldGard™" -> "MON810 – YieldGard™" (the UID is shown apart)."""
    return title[len(uid) :].lstrip(" –") or title if title.startswith(uid) else title


def _merged(matrices) -> dict[str, Any]:
    """One matrix of several (the map of a stack's components): the strongest status per
    country and scope."""
    rows: dict[str, dict[str, Any]] = {}
    for m in matrices:
        for row in m["countries"]:
            into = rows.setdefault(row["country"], {**row, "cells": {}, "decisions": []})
            into["decisions"] = [*into["decisions"], *row["decisions"]]
            for scope, cell in row["cells"].items():
                old = into["cells"].get(scope)
                if old is None or _RANK.get(cell["status"], 0) > _RANK.get(old["status"], 0):
                    into["cells"][scope] = cell
    return {"countries": [rows[c] for c in sorted(rows)]}


def _scopes(matrix: dict[str, Any], component_views: list[dict[str, Any]]) -> list[dict]:
    rows = [r for m in [matrix, *(c["matrix"] for c in component_views)] for r in m["countries"]]
    used = [
        {"code": s["code"], "title": i18n.text(s["title"])}
        for s in matrix["scopes"]
        if any(s["code"] in row["cells"] for row in rows)
    ]
    return used or [
        {"code": s["code"], "title": i18n.text(s["title"])} for s in matrix["scopes"][:5]
    ]


def _unique_methods(methods: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per method code: the sources that list it are joined (EURL-GMFF and EUginius
    both list QL-EVE-ZM-001)."""
    out: dict[str, dict[str, Any]] = {}
    for m in methods:
        key = m["code"]
        if key in out:
            if m["source"] not in out[key]["sources"]:
                out[key]["sources"].append(m["source"])
            for k in ("type", "scope", "target", "url"):
                out[key][k] = out[key].get(k) or m.get(k)
            continue
        parsed = try_parse_uid(m.get("appliesTo") or "")
        out[key] = {
            **m,
            "sources": [m["source"]],
            "appliesTo": parsed.canonical if parsed else m.get("appliesTo"),
        }
    return list(out.values())


def _materials(uid: str, data_dir: Path) -> list[dict]:
    """Reference materials named on captured source pages, for the LMO and its components, once
    each."""
    from bch.services.matches import captured_reference_materials

    parsed = parse_uid(uid)
    found = captured_reference_materials(data_dir)
    out: dict[tuple[str, str], dict] = {}
    for key in dict.fromkeys((parsed.key, *parsed.component_keys)):
        for row in found.get(key, []):
            out.setdefault(
                (row["code"], key),
                {
                    **row,
                    "appliesTo": parse_uid(key).canonical,
                    "forComponent": key != parsed.key,
                },
            )
    return list(out.values())


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
    url = f"{svc.settings.public_url}/{lang}/lmos/{quote(found.canonical_uid, safe='')}"
    name = i18n.text(found.record.document.get("identity")) or str(
        found.record.document.get("transformationEvent") or ""
    )
    return Response(
        quicklink.image(url, found.canonical_uid, name),
        media_type="image/svg+xml",
        headers={"Cache-Control": "public, max-age=3600"},
    )
