"""Registries of LMOs, organisms, genetic elements and laboratories: sortable tables with CSV and
XLSX downloads (the same rows as the page, every record, in the page language)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response

from bch.api.params import query_number
from bch.records.identifiers import split_pinned
from bch.services.errors import NotFound
from bch.services.numbers import MAX_INT
from bch.web import i18n
from bch.web.common import (
    all_records,
    documents_by_identifiers,
    latest_bodies,
    principal_of,
    services,
    web_page,
)
from bch.web.display import Displayer, label
from bch.web.i18n import _
from bch.web.render import page

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 100


@dataclass(frozen=True)
class Registry:
    schema: str
    columns: tuple[str, ...]


REGISTRIES = {
    "lmos": Registry(
        "modifiedOrganism",
        (
            "uniqueIdentification",
            "transformationEvent",
            "identity",
            "recipientOrganisms",
            "traits",
            "developers",
        ),
    ),
    "organisms": Registry(
        "organism", ("scientificName", "commonNames", "organismType", "commonUses")
    ),
    "genetic-elements": Registry(
        "dnaSequence", ("name", "abbreviation", "family", "donorOrganisms", "traits")
    ),
    "laboratories": Registry(
        "laboratoryDetection", ("organization", "services", "detectionMethods", "lmoTypes")
    ),
}


def registry_title(kind: str) -> str:
    return {
        "lmos": _("LMO registry"),
        "organisms": _("Organism registry"),
        "genetic-elements": _("Genetic element registry"),
        "laboratories": _("Laboratory registry"),
    }[kind]


def table(request: Request, kind: str, lang: str):
    """Header labels and rows [(href, [cell text...])] of one registry, every record."""
    svc, principal = services(request), principal_of(request)
    reg = REGISTRIES[kind]
    rt = svc.registry.record_type(reg.schema)
    docs = all_records(svc, principal, schema=reg.schema)
    bodies = latest_bodies(svc, docs, principal)
    idents = set()
    for body in bodies.values():
        for col in reg.columns:
            if rt.fields[col].type == "reference":
                vals = body.get(col)
                for v in vals if isinstance(vals, list) else [vals]:
                    if isinstance(v, dict) and v.get("identifier"):
                        idents.add(split_pinned(str(v["identifier"]))[0])
    d = Displayer(svc.thesaurus, documents_by_identifiers(svc, idents))
    headers = [label(rt.fields[c]) for c in reg.columns]
    rows = []
    for doc in docs:
        body = bodies.get(doc.id, {})
        cells = []
        for col in reg.columns:
            f = rt.fields[col]
            vals = body.get(col)
            items = vals if isinstance(vals, list) else ([] if vals in (None, "") else [vals])
            cells.append("; ".join(v.text for x in items for v in d.values(f, x)))
        if not any(cells):
            cells[0] = i18n.text(doc.title)
        rows.append((f"/{lang}/records/{doc.uid_base}", doc.uid_base, cells))
    return headers, rows


ColumnNumber = query_number(0, MAX_INT)  # ?sort=: a column of the table
PageNumber = query_number(1, MAX_INT)  # ?page_no=: past the last page shows the last


@router.get("/{lang:lang}/registries/{kind}")
@web_page
def registry_page(
    request: Request,
    lang: str,
    kind: str,
    sort: ColumnNumber = 0,
    desc: bool = False,
    page_no: PageNumber = 1,
    format: str | None = None,
) -> Response:
    if kind not in REGISTRIES:
        raise NotFound(f"no registry {kind!r}")
    headers, rows = table(request, kind, lang)
    sort = sort if 0 <= sort < len(headers) else 0
    rows.sort(key=lambda r: (r[2][sort] == "", r[2][sort].casefold()), reverse=desc)
    if desc:  # empty cells stay last
        rows.sort(key=lambda r: r[2][sort] == "")
    if format in ("csv", "xlsx"):
        return download(kind, headers, rows, format)
    pages = max(1, (len(rows) + PAGE_SIZE - 1) // PAGE_SIZE)
    page_no = min(max(page_no, 1), pages)

    def href(**change) -> str:
        params = {"sort": sort, "desc": int(desc), "page_no": page_no, **change}
        return f"/{lang}/registries/{kind}?{urlencode(params)}"

    return page(
        request,
        lang,
        "registry.html",
        kind=kind,
        schema=REGISTRIES[kind].schema,
        title=registry_title(kind),
        headers=headers,
        rows=rows[(page_no - 1) * PAGE_SIZE : page_no * PAGE_SIZE],
        total=len(rows),
        sort=sort,
        desc=desc,
        page_no=page_no,
        pages=pages,
        href=href,
        principal=principal_of(request),
    )


def download(kind: str, headers: list[str], rows, fmt: str) -> Response:
    name = f"bch-{kind}"
    header = ["id", *headers]
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf)
        writer.writerow(header)
        writer.writerows([uid, *cells] for _href, uid, cells in rows)
        return Response(
            "\ufeff" + buf.getvalue(),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
        )
    import xlsxwriter

    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_urls": False})
    sheet = book.add_worksheet(kind[:31])
    bold = book.add_format({"bold": True})
    sheet.write_row(0, 0, header, bold)
    for i, (_href, uid, cells) in enumerate(rows, start=1):
        sheet.write_row(i, 0, [uid, *cells])
    sheet.freeze_panes(1, 0)
    book.close()
    return Response(
        out.getvalue(),
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'},
    )
