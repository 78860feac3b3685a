"""The LMO quick-link image: a QR code of the LMO page's address with the UID and trade name."""

from __future__ import annotations

import io
import re

import segno
from markupsafe import escape


def image(url: str, uid: str, name: str) -> str:
    """An SVG (180 x 224): the QR code, then the UID and the trade name below it."""
    qr = segno.make(url, error="m")
    buf = io.BytesIO()
    qr.save(buf, kind="svg", scale=1, border=2, xmldecl=False, svgns=False, omitsize=True)
    inner = "".join(re.findall(r"<path[^>]*/>", buf.getvalue().decode()))
    size = qr.symbol_size(scale=1, border=2)[0]
    name = name if len(name) <= 34 else name[:33] + "…"
    lines = uid_lines(uid)
    # the UID is never clipped: long stacks wrap after a ×, the font shrinks to fit 170 px
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
        '<svg xmlns="http://www.w3.org/2000/svg" width="180" height="224" viewBox="0 0 180 224">'
        '<rect width="180" height="224" fill="#fff"/>'
        f'<g transform="translate(10,4) scale({160 / size:.4f})">{inner}</g>'
        f"{texts}"
        '<text x="90" y="216" font-family="sans-serif" font-size="11" text-anchor="middle" '
        f'fill="#000"{fit(name) if len(name) > 26 else ""}>{escape(name)}</text></svg>'
    )


def uid_lines(uid: str, width: int = 28) -> list[str]:
    """The UID on lines of at most `width` characters, broken after a stack separator."""
    parts = uid.split(" × ")
    lines: list[str] = []
    for part in parts:
        if lines and len(lines[-1]) + 3 + len(part) <= width:
            lines[-1] += " × " + part
        else:
            lines.append(part if not lines else "× " + part)
    return lines
