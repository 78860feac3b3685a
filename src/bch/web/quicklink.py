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
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="180" height="224" viewBox="0 0 180 224">'
        '<rect width="180" height="224" fill="#fff"/>'
        f'<g transform="translate(10,4) scale({160 / size:.4f})">{inner}</g>'
        '<text x="90" y="186" font-family="sans-serif" font-size="14" font-weight="bold" '
        f'text-anchor="middle" fill="#000">{escape(uid)}</text>'
        '<text x="90" y="206" font-family="sans-serif" font-size="11" text-anchor="middle" '
        f'fill="#000">{escape(name)}</text></svg>'
    )
