"""The LMO quick-link image: a QR code of the LMO page's address with the UID and trade name
(rendered by bch.services.quicklinks, shared with the API's labels)."""

from __future__ import annotations

from bch.services import quicklinks
from bch.services.quicklinks import uid_lines

__all__ = ["image", "uid_lines"]


def image(url: str, uid: str, name: str) -> str:
    """An SVG (180 x 224): the QR code, then the UID and the trade name below it."""
    return quicklinks.svg(quicklinks.Label(url, uid, name))
