"""A certificate of completion as PDF (fpdf2, DejaVu Sans): the learner, the module, the date,
the score, and the public verification link with its QR code."""

from __future__ import annotations

import io
from typing import Any

from bch.services.quicklinks import new_pdf, qr_png


def certificate_pdf(cert: dict[str, Any], verify_url: str, heading: dict[str, str]) -> bytes:
    """`heading`: the certificate's fixed sentences in its language (title, completed, score,
    issued, verify)."""
    pdf = new_pdf()
    pdf.set_title(heading["title"])
    pdf.add_page(orientation="L")
    w = pdf.epw
    pdf.set_draw_color(30, 90, 140)
    pdf.set_line_width(1.2)
    pdf.rect(10, 10, pdf.w - 20, pdf.h - 20)
    pdf.set_y(32)
    pdf.set_font("dejavu", "B", 28)
    pdf.cell(w, 14, heading["title"], align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(8)
    pdf.set_font("dejavu", "", 14)
    pdf.cell(w, 8, heading["certifies"], align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("dejavu", "B", 22)
    pdf.cell(w, 14, cert["learner"], align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("dejavu", "", 14)
    pdf.cell(w, 8, heading["completed"], align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("dejavu", "B", 15)
    pdf.multi_cell(w, 8, cert["moduleTitle"], align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font("dejavu", "", 12)
    pdf.cell(w, 7, heading["score"], align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.cell(w, 7, heading["issued"], align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.image(io.BytesIO(qr_png(verify_url)), x=pdf.w - 62, y=pdf.h - 66, w=40, h=40)
    pdf.set_font("dejavu", "", 9)
    pdf.set_xy(20, pdf.h - 34)
    pdf.multi_cell(pdf.w - 90, 5, f"{heading['verify']}\n{verify_url}")
    pdf.link(20, pdf.h - 34, pdf.w - 90, 10, verify_url)
    return bytes(pdf.output())
