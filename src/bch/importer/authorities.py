"""Competent national authorities (``authority``, CNA) of Canada that took the imported decisions.

Official names in English and French; what each body decides is stated in general terms only.
"""

from __future__ import annotations

import copy
from typing import Any

from bch.importer.shapes import document, link

SCHEMA = "authority"
CFIA = "CFIA"
HEALTH_CANADA = "HC"

_AUTHORITIES: dict[str, dict[str, Any]] = {
    CFIA: {
        "name": {
            "en": "Canadian Food Inspection Agency",
            "fr": "Agence canadienne d'inspection des aliments",
        },
        "acronym": "CFIA",
        "websites": [link("https://inspection.canada.ca/", "Canadian Food Inspection Agency")],
        "responsibilities": {
            "en": "Authorizes the unconfined environmental release of plants with novel traits "
            "(Seeds Act and Seeds Regulations, Part V) and approves novel livestock feeds "
            "(Feeds Act and Feeds Regulations).",
            "fr": "Autorise la dissémination en milieu ouvert des végétaux à caractères nouveaux "
            "(Loi sur les semences et Règlement sur les semences, partie V) et approuve les "
            "aliments du bétail nouveaux (Loi relative aux aliments du bétail et règlement "
            "connexe).",
        },
    },
    HEALTH_CANADA: {
        "name": {"en": "Health Canada", "fr": "Santé Canada"},
        "websites": [link("https://www.canada.ca/en/health-canada.html", "Health Canada")],
        "responsibilities": {
            "en": "Assesses the safety of novel foods, including foods derived from genetically "
            "modified plants, before they are sold in Canada (Food and Drug Regulations, "
            "Division 28 of Part B).",
            "fr": "Évalue l'innocuité des aliments nouveaux, y compris les aliments issus de "
            "plantes génétiquement modifiées, avant leur vente au Canada (Règlement sur les "
            "aliments et drogues, titre 28 de la partie B).",
        },
    },
}


def build_authorities() -> tuple[list[dict[str, Any]], dict[str, str]]:
    """The CNA documents and a map CFIA/HC -> header identifier."""
    docs, ids = [], {}
    for code in sorted(_AUTHORITIES):
        doc = document(SCHEMA, f"CA:{code}", ("en", "fr"))
        doc["government"] = {"identifier": "CA"}
        doc.update(copy.deepcopy(_AUTHORITIES[code]))
        docs.append(doc)
        ids[code] = doc["header"]["identifier"]
    return docs, ids
