"""GET /api/v1/thesaurus/... (domains, terms with broader/narrower) and /api/v1/countries."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from bch.api.deps import Svc
from bch.api.responses import errors
from bch.records.countries import countries, country
from bch.records.thesaurus import Term
from bch.services.container import Services
from bch.services.errors import NotFound
from bch.services.facets import un_regions

router = APIRouter(prefix="/api/v1", tags=["thesaurus and countries"])


def _term(svc: Services, t: Term, expand: bool = False) -> dict[str, Any]:
    out = {**t.to_api(), "code": t.code, "url": f"/api/v1/thesaurus/terms/{t.identifier}"}
    if expand:
        for key, ids in (("broader", t.broader), ("narrower", t.narrower)):
            found = [svc.thesaurus.term(i) for i in ids]
            out[key] = [
                {"identifier": x.identifier, "code": x.code, "title": dict(x.title)}
                for x in found
                if x is not None
            ]
    return out


@router.get("/thesaurus/domains", summary="Thesaurus domains (vocabularies)")
def list_domains(svc: Svc):
    return {
        "items": [
            {
                "name": d.name,
                "identifier": d.identifier,
                "title": dict(d.title),
                "terms": len(d.terms),
                "url": f"/api/v1/thesaurus/domains/{d.name}/terms",
            }
            for d in svc.thesaurus.domains()
        ]
    }


@router.get(
    "/thesaurus/domains/{domain}/terms",
    summary="Terms of a domain, with hierarchy",
    responses=errors(404),
)
def domain_terms(domain: str, svc: Svc):
    d = svc.thesaurus.domain(domain)
    if d is None:
        raise NotFound(f"no thesaurus domain {domain!r}")
    return {"domain": d.name, "items": [_term(svc, t) for t in d.terms]}


@router.get(
    "/thesaurus/terms/{identifier}",
    summary="A term with its broader and narrower terms",
    responses=errors(404),
)
def get_term(identifier: str, svc: Svc):
    t = svc.thesaurus.term(identifier)
    if t is None:
        raise NotFound(f"no thesaurus term {identifier!r}")
    return _term(svc, t, expand=True)


def _country(code: str) -> dict[str, Any]:
    c = country(code)
    if c is None:
        raise NotFound(f"no country {code!r} (ISO 3166-1 alpha-2, or EU)")
    region = un_regions().get(c.code) or {}
    return {
        "code": c.code,
        "name": dict(c.name),
        "region": region.get("region"),
        "subregion": region.get("subregion"),
        "isRegionalEconomicIntegrationOrganization": c.is_region_of_integration,
        # Party status to the Cartagena Protocol: no authoritative list is shipped yet.
        "treaty": None,
        "url": f"/api/v1/countries/{c.code}",
    }


@router.get(
    "/countries",
    summary="Countries (ISO 3166-1 and the EU) with names in the six languages and UN region",
    description="`treaty` (Cartagena Protocol party status) is null: no source data is shipped.",
)
def list_countries():
    return {"items": [_country(c.code) for c in countries()]}


@router.get("/countries/{code}", summary="One country", responses=errors(404))
def get_country(code: str):
    return _country(code)
