"""A saved shipment check as a PDF for the file (fpdf2), in English: the verdict of every line,
the Art. 18.2(a) elements and whom to contact. The web page prints in the reader's language
(print stylesheet); the PDF is set in DejaVu Sans (Latin, Greek, Cyrillic, basic Arabic)."""

from __future__ import annotations

from typing import Any

from bch.services.quicklinks import new_pdf

VERDICTS = {
    "approved": "APPROVED",
    "approved_with_conditions": "APPROVED WITH CONDITIONS",
    "prohibited": "PROHIBITED",
    "expired": "EXPIRED",
    "no_decision": "NO DECISION",
    "unknown_identifier": "UNKNOWN IDENTIFIER",
    "ambiguous": "AMBIGUOUS",
    "malformed": "MALFORMED",
}
ELEMENTS = (
    ("may_contain_statement", 'The document says the shipment "may contain" LMOs'),
    ("uids_given", "Every LMO is named by its unique identifier"),
    ("bch_address", "The address of the Biosafety Clearing-House is given"),
    ("contact", "A contact for further information is given"),
)


def check_pdf(result: dict[str, Any], link: str) -> bytes:
    pdf = new_pdf()
    pdf.set_title("Shipment check")
    pdf.add_page()
    width = pdf.epw

    def para(text: str, size: int = 9, style: str = "", h: float = 4.5) -> None:
        pdf.set_x(pdf.l_margin)
        pdf.set_font("dejavu", style=style, size=size)
        pdf.multi_cell(width, h, text, new_x="LMARGIN", new_y="NEXT")

    para("Shipment check - Biosafety Clearing-House", 14, "B", 7)
    para(
        f"Destination: {result['destination']}   Uses: {', '.join(result['uses'])} "
        f"(from the {result['usesFrom']})   Checked at: {result['checkedAt']}"
    )
    para(f"Saved at {result.get('savedAt')}: {link}")
    pdf.ln(2)
    for it in result["items"]:
        para(
            f"Line {it['line']}: {VERDICTS.get(it['verdict'], it['verdict'])}  {it['uid'] or ''}",
            10,
            "B",
        )
        para(f"As written: {it['text'].strip()}", 8)
        for reason in it["reasons"]:
            para(f"- {reason}", 8)
        for cond in it["conditions"]:
            para(f"Conditions: {cond}", 8)
        for warning in it["warnings"]:
            para(f"Warning: {warning}", 8)
        if it["candidates"]:
            names = "; ".join(f"{c.get('uid') or c['key']} {c['name']}" for c in it["candidates"])
            para(f"Candidates: {names}", 8)
        pdf.ln(1)
    para("Documentation (Art. 18.2(a) of the Cartagena Protocol)", 11, "B", 6)
    doc = result["documentation"]
    for key, text in ELEMENTS:
        found = doc["found"].get(key)
        where = f': "{found["text"]}"' if isinstance(found, dict) else ""
        para(f"[{'yes' if doc[key] else 'NO'}] {text}{where}", 8)
    para("Whom to contact", 11, "B", 6)
    auth = result["authority"]
    for a in auth["competentAuthorities"] + auth["focalPoints"]:
        name = a["name"].get("en") if isinstance(a["name"], dict) else str(a["name"])
        extra = " ".join(a["websites"] + a["emails"] + a["phones"])
        para(f"{name} {extra}", 8)
    for note in auth["notes"]:
        para(note, 8)
    return bytes(pdf.output())
