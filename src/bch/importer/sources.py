"""Readers for the shipped real data (``data/``; origin of every file in ``data/raw/SOURCES.md``).

Every reader takes ``data_dir`` (default: the repository's ``data/`` folder) and returns plain rows
in file order; nothing here interprets the values.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any, NamedTuple

RAW_HACKATHON = Path("raw/ebi_hackathon_2019_isaaa_biotrack_bch")
RAW_CFIA = Path("raw/cfia_pnt_and_bch_decisions_gmo_map")
RAW_METHODS = Path("raw/euginius_eurl_methods_redgene")


def default_data_dir() -> Path:
    """The repository's ``data/`` folder (``src/bch/importer/sources.py`` -> ``data``)."""
    return Path(__file__).resolve().parents[3] / "data"


def _dir(data_dir: Path | str | None) -> Path:
    return Path(data_dir) if data_dir is not None else default_data_dir()


def read_csv(path: Path) -> list[dict[str, str]]:
    """A comma-separated file with a header row (UTF-8, optional BOM)."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return [dict(row) for row in csv.DictReader(fh)]


def read_tsv(path: Path) -> list[dict[str, str]]:
    """A tab-separated file with a header row; quoted fields may hold tabs and newlines."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = csv.DictReader(fh, delimiter="\t", quotechar='"')
        return [{k: (v or "") for k, v in row.items() if k is not None} for row in rows]


def read_json(path: Path) -> Any:
    with path.open(encoding="utf-8") as fh:
        return json.load(fh)


# -- the normalised tables --------------------------------------------------------------------


def lmo_events(data_dir: Path | str | None = None) -> list[dict[str, str]]:
    """``lmo_events.csv``: 583 LMOs and stacks (ISAAA, OECD BioTrack, BCH 2019, CFIA)."""
    return read_csv(_dir(data_dir) / "lmo_events.csv")


def country_approvals(data_dir: Path | str | None = None) -> list[dict[str, str]]:
    """``country_approvals.csv``: dated Canadian CFIA / Health Canada approvals."""
    return read_csv(_dir(data_dir) / "country_approvals.csv")


# -- raw scrapes ------------------------------------------------------------------------------


class GeneRow(NamedTuple):
    """One row of the 2019 hackathon scrapes (no header): one event x trait x gene."""

    source: str  # "ISAAA" or "BioTrack"
    name: str
    code: str
    trait: str
    crop_name: str
    crop_org: str
    trade_name: str
    gene: str


def _gene_rows(path: Path, source: str) -> list[GeneRow]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return [
            GeneRow(source, *[c.strip() for c in (row + [""] * 7)[:7]]) for row in csv.reader(fh)
        ]


def isaaa_gene_rows(data_dir: Path | str | None = None) -> list[GeneRow]:
    """ISAAA GM Approval Database, GM-traits pages (March 2019)."""
    return _gene_rows(_dir(data_dir) / RAW_HACKATHON / "isaaa.csv", "ISAAA")


def biotrack_gene_rows(data_dir: Path | str | None = None) -> list[GeneRow]:
    """OECD BioTrack Product Database, product pages (March 2019, partial)."""
    return _gene_rows(_dir(data_dir) / RAW_HACKATHON / "biotrack.csv", "BioTrack")


def cfia_records(data_dir: Path | str | None = None) -> list[dict[str, Any]]:
    """CFIA Plants with Novel Traits register, unconfined-release approvals (GMO-map harvest)."""
    data = read_json(_dir(data_dir) / RAW_CFIA / "cfia_records.json")
    return list(data.get("projects", []))


def euginius_methods(data_dir: Path | str | None = None) -> list[dict[str, str]]:
    """EUginius detection methods with primers (288)."""
    return read_tsv(_dir(data_dir) / RAW_METHODS / "euginius_primers.tsv")


def crl_amplicons(data_dir: Path | str | None = None) -> list[dict[str, str]]:
    """EURL-GMFF GMOMETHODS amplicons (85)."""
    return read_tsv(_dir(data_dir) / RAW_METHODS / "crl_amplicons_raw.tsv")


# -- added in 2026: the BCH's own LMO registry and ISAAA's per-country approval lists ----------

RAW_GMO_MAP_2026 = Path("raw/gmo_map_2026_10")


def bch_registry_2026(data_dir: Path | str | None = None) -> list[dict[str, str]]:
    """``bch_lmo_registry_2026.csv``: the BCH LMO registry (api.cbd.int, 2026-10-04), 927
    records with their BCH title, traits and, for some, the BCH record identifier and URL."""
    return read_csv(_dir(data_dir) / "bch_lmo_registry_2026.csv")


def country_event_approvals(data_dir: Path | str | None = None) -> list[dict[str, str]]:
    """``country_event_approvals.csv``: events ISAAA lists as approved per country (2026-10-04),
    the well-formed UIDs only (country_name, iso2, event_uid, in_lmo_events, source)."""
    return read_csv(_dir(data_dir) / "country_event_approvals.csv")


def isaaa_approval_lists(data_dir: Path | str | None = None) -> list[dict[str, Any]]:
    """The raw ISAAA "approved events in <country>" lists, harvester artefacts included."""
    data = read_json(_dir(data_dir) / RAW_GMO_MAP_2026 / "isaaa_approvals.json")
    return list(data.get("countries", []))


# -- national registers and the CHM realm (issue 16 items 4 and 7) -----------------------------


def bch_focal_points(data_dir: Path | str | None = None) -> list[dict[str, Any]]:
    """``bch_stubs.json``: the BCH national focal points of 32 countries (office and website)."""
    path = _dir(data_dir) / RAW_GMO_MAP_2026 / "bch_stubs.json"
    return list(read_json(path)) if path.is_file() else []


def ogtr_field_trials(data_dir: Path | str | None = None) -> list[dict[str, Any]]:
    """``ogtr_trials.json``: the OGTR's licensed crop field-trial sites (34 sites, 12 licences)."""
    path = _dir(data_dir) / RAW_GMO_MAP_2026 / "ogtr_trials.json"
    return list(read_json(path).get("projects", [])) if path.is_file() else []


def cooperation_2014(data_dir: Path | str | None = None) -> dict[str, Any]:
    """``cooperation_2014.json``: the Secretariat's 2014 note on cooperation (CHM realm)."""
    path = _dir(data_dir) / "cooperation_2014.json"
    return dict(read_json(path)) if path.is_file() else {}
