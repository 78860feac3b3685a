"""Detection methods: reading both files, URLs, linking event-specific methods to LMOs."""

from __future__ import annotations

from bch.importer import sources
from bch.importer.detection import (
    EURL,
    build_detection,
    euginius_method,
    eurl_method,
    link_method,
    target_candidates,
)
from bch.importer.events import EventIndex, lmo_rows


def test_euginius_rows_with_newlines_in_descriptions():
    rows = sources.euginius_methods()
    assert len(rows) == 288
    assert any("\n" in r["description"] for r in rows)
    assert len(sources.crl_amplicons()) == 85


def test_euginius_method_fields_and_url():
    rows = {r["method_code"]: r for r in sources.euginius_methods()}
    m = euginius_method(rows["QT-EVE-ZM-020"])
    assert (m.method_type, m.scope, m.target, m.amplicon_size) == (
        "quantitative",
        "event-specific",
        "MON810",
        92,
    )
    assert m.primers["forward"] == {"name": "Mail-F1", "sequence": "TCGAAGGACGAAGGACTCTAACGT"}
    assert m.validation == "ISO/FDIS 21570"
    odd = euginius_method(rows["QL-BAC-16S-FW/16S-Rev"])
    assert odd.url == rows["QL-BAC-16S-FW/16S-Rev"]["source_url"]  # '/' percent-encoded
    assert odd.url.endswith("method=QL-BAC-16S-FW%2F16S-Rev")


def test_eurl_method_and_targets():
    m = eurl_method(
        {"method_id": "QL-EVE-DC-006", "type": "event-specific",
         "target": "123.8.8 (FLO-40685-2, Carnation)", "accession": "none", "length": "338"}
    )  # fmt: skip
    assert m.source == EURL and m.accession is None and m.amplicon_size == 338
    assert m.url == "https://gmo-crl.jrc.ec.europa.eu/gmomethods/show/QL-EVE-DC-006/"
    assert m.link()["tags"] == ["JRC"]
    assert target_candidates(m) == ["123.8.8", "FLO-40685-2", "Carnation"]


def test_linking():
    index = EventIndex(lmo_rows(sources.lmo_events()))
    crl = {r["method_id"]: r for r in sources.crl_amplicons()}
    carnation = eurl_method(crl["QL-EVE-DC-006"])
    assert link_method(carnation, index) == "linked"
    assert carnation.lmo_keys == ["FLO-40685-2"]
    soy = eurl_method(crl["QT-EVE-GM-013"])  # DAS-68416-4 insert (soybean)
    assert link_method(soy, index) == "linked" and soy.lmo_keys == ["DAS-68416-4"]
    bt10 = eurl_method(crl["QL-EVE-ZM-002"])  # Bt10 maize is not the potato event BT10
    assert link_method(bt10, index, {"NMK-89175-5": "Solanum tuberosum"}) == "crop_mismatch"
    assert bt10.lmo_keys == []


def test_build_detection_reports():
    index = EventIndex(lmo_rows(sources.lmo_events()))
    catalog = build_detection(sources.euginius_methods(), sources.crl_amplicons(), index)
    assert len(catalog.methods) == 373
    r = catalog.report
    assert r["detection_event_specific"] == sum(
        r.get(f"detection_event_specific_{k}", 0)
        for k in ("linked", "ambiguous", "unmatched", "crop_mismatch")
    )
    assert any("Topas 19/2" in n and "ambiguous" in n for n in catalog.notes)
    assert any(
        link["url"].endswith("QT-EVE-ZM-020") for link in catalog.links_by_lmo["MON-00810-6"]
    )
