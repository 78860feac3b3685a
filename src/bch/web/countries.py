"""Country pages: the list of countries and one profile per country (authorities, focal points,
laws, decisions by year as an SVG bar chart)."""

from __future__ import annotations

from collections import Counter

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from markupsafe import Markup, escape

from bch.records.countries import countries, country
from bch.services.errors import NotFound
from bch.web import i18n
from bch.web.common import all_records, latest_bodies, principal_of, services, web_page
from bch.web.i18n import _, fmt_number
from bch.web.labels import type_plural
from bch.web.render import page

router = APIRouter(include_in_schema=False)
PROFILE_SECTIONS = ("authority", "focalPoint", "supplementaryAuthority", "biosafetyLaw")


@router.get("/{lang:lang}/countries")
@web_page
def countries_page(request: Request, lang: str, code: str | None = None) -> Response:
    if code:
        return RedirectResponse(f"/{lang}/countries/{code.upper()}", status_code=303)
    svc, principal = services(request), principal_of(request)
    owners = Counter(d.owner for d in all_records(svc, principal) if d.owner != "SCBD")
    listed = sorted(
        ((c.code, i18n.text(c.name), owners.get(c.code, 0)) for c in countries()),
        key=lambda r: r[1],
    )
    return page(
        request,
        lang,
        "countries.html",
        with_records=[r for r in listed if r[2]],
        all_countries=listed,
        principal=principal,
    )


def year_chart(by_year: dict[str, int], title: str) -> Markup:
    """A small accessible bar chart of decisions per year that reads as well with one year as
    with a thousand: a fixed drawing width (bars share it, 12 slots at least, so one year is one
    bar, not the whole width), values written on the bars when there is room, and at most about
    twenty year labels."""
    if not by_year:
        return Markup("")
    years = list(range(int(min(by_year)), int(max(by_year)) + 1))
    top = max(by_year.values())
    plot, h, left = 600, 160, 34
    slot = plot / max(len(years), 12)
    bar = max(slot * 0.8, 0.5)
    step = max(1, -(-len(years) // 20))  # label every step-th year
    width = left + plot + 6
    out = [
        f'<svg class="chart" viewBox="0 0 {width:.0f} {h + 50}" role="img" aria-labelledby="chart-t" '
        f'xmlns="http://www.w3.org/2000/svg"><title id="chart-t">{escape(title)}</title>',
        f'<line x1="30" y1="{h + 10}" x2="{width}" y2="{h + 10}" class="axis"/>',
        f'<text x="26" y="18" class="lbl" text-anchor="end">{escape(fmt_number(top))}</text>',
    ]
    for i, year in enumerate(years):
        n = by_year.get(str(year), 0)
        bh = round(h * n / top) if top else 0
        x = left + i * slot
        out.append(
            f'<rect x="{x:.2f}" y="{h + 10 - bh}" width="{bar:.2f}" height="{bh}" class="bar">'
            f"<title>{year}: {escape(fmt_number(n))}</title></rect>"
        )
        if n and slot >= 14:
            out.append(
                f'<text x="{x + bar / 2:.2f}" y="{h + 6 - bh}" class="lbl" '
                f'text-anchor="middle">{escape(fmt_number(n))}</text>'
            )
        if i % step == 0:
            cx = x + bar / 2
            out.append(
                f'<text x="{cx:.2f}" y="{h + 24}" class="lbl" text-anchor="end" '
                f'transform="rotate(-60 {cx:.2f} {h + 24})">{year}</text>'
            )
    out.append("</svg>")
    return Markup("".join(out))


@router.get("/{lang:lang}/countries/{code}")
@web_page
def country_page(request: Request, lang: str, code: str) -> Response:
    found = country(code)
    if found is None:
        raise NotFound(f"no country {code!r}")
    if code != found.code:
        return RedirectResponse(f"/{lang}/countries/{found.code}", status_code=301)
    svc, principal = services(request), principal_of(request)
    docs = all_records(svc, principal, country=found.code)
    plural = type_plural(svc.registry)
    sections = []
    for schema in PROFILE_SECTIONS:
        items = [d for d in docs if d.schema == schema]
        sections.append({"schema": schema, "title": plural.get(schema, schema), "items": items})
    decisions = [d for d in docs if d.schema == "biosafetyDecision"]
    bodies = latest_bodies(svc, decisions, principal)
    by_year = Counter(
        str(bodies[d.id].get("date"))[:4] for d in decisions if bodies[d.id].get("date")
    )
    others = Counter(d.schema for d in docs if d.schema not in PROFILE_SECTIONS)
    name = i18n.text(found.name)
    return page(
        request,
        lang,
        "country.html",
        code=found.code,
        name=name,
        sections=sections,
        decisions_total=len(decisions),
        by_year=sorted(by_year.items()),
        chart=year_chart(dict(by_year), _("Decisions by year: %(country)s", country=name)),
        others=[(s, plural.get(s, s), n) for s, n in others.most_common()],
        reported=svc.lmos.reported_in_country(found.code),
        principal=principal,
    )
