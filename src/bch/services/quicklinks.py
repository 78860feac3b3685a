"""LMO quick-link labels: a QR code of the LMO page's address with the UID and the trade name
under it, as SVG (segno), PNG (segno's QR drawn with Pillow, with the text) and a printable A4
sheet of labels as PDF (fpdf2: a small, maintained, pure-Python PDF writer that embeds PNG images
and TrueType fonts and needs no system library; reportlab would do too, at several times the
size). Text is set in DejaVu Sans, shipped in fonts/ with its licence.

Rendering only: the callers find the LMOs (LmoService) and build the addresses (public URL)."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from pathlib import Path

import segno
from markupsafe import escape

WIDTH, HEIGHT = 180, 224
FONTS = Path(__file__).with_name("fonts")  # DejaVu Sans (fonts/LICENSE.txt): it has Ø
REGULAR, BOLD = FONTS / "DejaVuSans.ttf", FONTS / "DejaVuSans-Bold.ttf"


def new_pdf():
    """An A4 fpdf2 document with DejaVu Sans as "dejavu" (regular and bold): Unicode text."""
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.add_font("dejavu", "", str(REGULAR))
    pdf.add_font("dejavu", "B", str(BOLD))
    pdf.set_creator("Biosafety Clearing-House")
    return pdf


@dataclass(frozen=True)
class Label:
    url: str  # the LMO page, absolute (BCH_PUBLIC_URL)
    uid: str
    name: str  # trade name, else the event name


def _short(name: str, limit: int = 34) -> str:
    return name if len(name) <= limit else name[: limit - 1] + "…"


def svg(label: Label) -> str:
    """An SVG (180 x 224): the QR code, then the UID and the trade name below it. The UID is
    never clipped: a long stack wraps after a ×, and the font shrinks to fit 170 px."""
    qr = segno.make(label.url, error="m")
    buf = io.BytesIO()
    qr.save(buf, kind="svg", scale=1, border=2, xmldecl=False, svgns=False, omitsize=True)
    inner = "".join(re.findall(r"<path[^>]*/>", buf.getvalue().decode()))
    size = qr.symbol_size(scale=1, border=2)[0]
    name = _short(label.name)
    lines = uid_lines(label.uid)
    longest = max(len(line) for line in lines)
    font = min(14.0, 164 / (longest * 0.72), 30 / len(lines))

    def fit(line: str) -> str:  # a font without the expected metrics is squeezed, never cut
        return ' textLength="164" lengthAdjust="spacingAndGlyphs"' if len(line) > 18 else ""

    texts = "".join(
        f'<text x="90" y="{172 + font * (i + 1) + i:.1f}" font-family="sans-serif" '
        f'font-size="{font:.1f}" font-weight="bold" text-anchor="middle" fill="#000"{fit(line)}>'
        f"{escape(line)}</text>"
        for i, line in enumerate(lines)
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}">'
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#fff"/>'
        f'<g transform="translate(10,4) scale({160 / size:.4f})">{inner}</g>'
        f"{texts}"
        '<text x="90" y="216" font-family="sans-serif" font-size="11" text-anchor="middle" '
        f'fill="#000"{fit(name) if len(name) > 26 else ""}>{escape(name)}</text></svg>'
    )


def uid_lines(uid: str, width: int = 28) -> list[str]:
    """The UID on lines of at most `width` characters, broken after a stack separator."""
    lines: list[str] = []
    for part in uid.split(" × "):
        if lines and len(lines[-1]) + 3 + len(part) <= width:
            lines[-1] += " × " + part
        else:
            lines.append(part if not lines else "× " + part)
    return lines


def qr_png(url: str, scale: int = 4) -> bytes:
    buf = io.BytesIO()
    segno.make(url, error="m").save(buf, kind="png", scale=scale, border=2)
    return buf.getvalue()


def png(label: Label, scale: int = 2) -> bytes:
    """The same label as PNG, `scale` times 180 x 224 pixels."""
    from PIL import Image, ImageDraw, ImageFont

    w, h = WIDTH * scale, HEIGHT * scale
    img = Image.new("L", (w, h), 255)
    qr = Image.open(io.BytesIO(qr_png(label.url, scale=1))).convert("L")
    side = 160 * scale
    img.paste(qr.resize((side, side), Image.Resampling.NEAREST), (10 * scale, 4 * scale))
    draw = ImageDraw.Draw(img)
    for text, size, y, path in ((label.uid, 13, 186, BOLD), (_short(label.name), 10, 206, REGULAR)):
        font = ImageFont.truetype(str(path), size=size * scale)
        draw.text((w / 2, y * scale), text, fill=0, font=font, anchor="ms")
    out = io.BytesIO()
    img.save(out, format="PNG", optimize=True)
    return out.getvalue()


def pdf_sheet(labels: list[Label], title: str) -> bytes:
    """An A4 sheet (3 x 5 labels a page, each 60 x 54 mm): QR code, UID, trade name."""
    pdf = new_pdf()
    pdf.set_auto_page_break(False)
    pdf.set_title(title)
    cols, rows, cw, ch, left, top = 3, 5, 63.0, 54.0, 10.5, 14.0
    for i, label in enumerate(labels):
        if i % (cols * rows) == 0:
            pdf.add_page()
            pdf.set_font("dejavu", size=8)
            pdf.set_xy(left, 6)
            pdf.cell(cols * cw, 5, title)
        slot = i % (cols * rows)
        x, y = left + (slot % cols) * cw, top + (slot // cols) * ch
        pdf.set_draw_color(180)
        pdf.rect(x, y, cw - 3, ch - 3)
        pdf.image(io.BytesIO(qr_png(label.url)), x=x + (cw - 3 - 36) / 2, y=y + 2, w=36, h=36)
        pdf.set_xy(x, y + 39)
        pdf.set_font("dejavu", style="B", size=10)
        pdf.cell(cw - 3, 5, label.uid, align="C")
        pdf.set_xy(x, y + 44.5)
        pdf.set_font("dejavu", size=8)
        pdf.cell(cw - 3, 4, _short(label.name, 40), align="C")
        pdf.link(x, y, cw - 3, ch - 3, label.url)
    if not labels:
        pdf.add_page()
    return bytes(pdf.output())
