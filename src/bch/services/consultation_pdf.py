"""A consultation as PDF (fpdf2, DejaVu Sans, like the customs and learning PDFs): its title,
country, dates, documents, the published comments and the authority's response."""

from __future__ import annotations

from typing import Any

from bch.services.quicklinks import new_pdf
from bch.services.richtext import as_text


def _first(texts: dict[str, str] | None) -> str:
    texts = texts or {}
    return texts.get("en") or next(iter(texts.values()), "")


def consultation_pdf(
    c: dict[str, Any], comments: list[dict[str, Any]], *, more: bool = False
) -> bytes:
    """`more`: there are more published comments than `comments` (the CSV export has all)."""
    pdf = new_pdf()
    title = _first(c["title"])
    pdf.set_title(title)
    pdf.add_page()
    w = pdf.epw
    pdf.set_font("dejavu", "B", 15)
    pdf.multi_cell(w, 8, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("dejavu", "", 10)
    facts = [
        ("Consultation", c["id"]),
        ("Country", c["country"] or c["countryName"] or ""),
        ("LMO", c["lmo"] or ""),
        ("Intended use", c["intendedUse"] or ""),
        ("Opens", (c["opensAt"] or "")[:10]),
        ("Closes", (c["closesAt"] or "")[:10]),
        ("Status", c["status"]),
        ("Decision", c["decision"] or ""),
    ]
    if c["source"]:
        facts.append(("Official page", c["source"]["url"]))
    for label, value in facts:
        if value:
            pdf.multi_cell(w, 5, f"{label}: {value}", new_x="LMARGIN", new_y="NEXT")
    summary = as_text(_first(c["summary"]))
    if summary:
        pdf.ln(2)
        pdf.multi_cell(w, 5, summary, new_x="LMARGIN", new_y="NEXT")
    if c["documents"]:
        pdf.ln(2)
        pdf.set_font("dejavu", "B", 11)
        pdf.cell(w, 7, "Documents", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("dejavu", "", 10)
        for d in c["documents"]:
            pdf.multi_cell(w, 5, f"- {d['name']}", new_x="LMARGIN", new_y="NEXT")
    if c["response"]:
        pdf.ln(2)
        pdf.set_font("dejavu", "B", 11)
        pdf.cell(w, 7, "Response of the authority", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("dejavu", "", 10)
        pdf.multi_cell(w, 5, as_text(_first(c["response"])), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_font("dejavu", "B", 11)
    shown = f"the first {len(comments)}; all are in the CSV export" if more else len(comments)
    pdf.cell(w, 7, f"Comments ({shown})", new_x="LMARGIN", new_y="NEXT")
    for k in comments:
        pdf.set_font("dejavu", "B", 10)
        head = f"#{k['id']} {k['author']} ({k['language']}, {k['createdAt'][:10]})"
        pdf.multi_cell(w, 5, head, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("dejavu", "", 10)
        pdf.multi_cell(w, 5, as_text(k["body"]), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1)
    return bytes(pdf.output())
