"""A consultation's published comments as CSV (the PDF: bch.services.consultation_pdf)."""

from __future__ import annotations

import csv
import io
from typing import Any

from bch.services.richtext import as_text

FORMULA = ("=", "+", "-", "@")  # a cell a spreadsheet would run as a formula


def comments_csv(c: dict[str, Any], comments: list[dict[str, Any]]) -> str:
    """One row a comment: consultation, comment id, author, language, date, plain text."""
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["consultation", "comment", "author", "language", "created", "text"])
    for k in comments:
        text = as_text(k["body"])
        if text[:1] in FORMULA:
            text = "'" + text
        w.writerow([c["id"], k["id"], k["author"], k["language"], k["createdAt"], text])
    return out.getvalue()
