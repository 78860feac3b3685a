"""Shipment checks: a 1,000-line document in <= 1 s and a 10-page PDF invoice in <= 2 s
(issue 13), against Canada's real decisions in the shipped data (SQLite, imported once).

The documents are SYNTHETIC, generated from real records: each item line names a real LMO of
data/lmo_events.csv (its UID in one of the spellings other databases print, or its event or
trade name), with invented quantities, between invented header and noise lines. Timings are
warm (the resolver's alias index, built once per process, is reported on its own)."""

from __future__ import annotations

import csv
import random
import statistics
import tempfile
import time
from pathlib import Path

from bch.config import data_dir
from bch.importer.run import import_shipped
from bch.services.container import Services
from bch.services.customs import CheckInput

RUNS = 5


def _spellings(uid: str, rnd: random.Random) -> str:
    return rnd.choice(
        [
            uid,
            uid.replace("Ø", "0"),
            uid.replace("Ø", "0").lower(),
            uid.replace("Ø", "0").replace("-", " "),
            uid.replace("-", "–"),
        ]
    )


def synthetic_document(lines: int, seed: int = 13) -> str:
    """A commercial invoice of `lines` lines: 80% items (UIDs, stacks, names), 20% other."""
    rnd = random.Random(seed)
    with (data_dir() / "lmo_events.csv").open(encoding="utf-8", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["unique_identifier"]]
    out = [
        "COMMERCIAL INVOICE No. SYN-BENCH-0001 (SYNTHETIC, generated for a benchmark)",
        "Intended use: food, feed and processing",
        "This shipment may contain living modified organisms. Contact: bench@example.org",
    ]
    while len(out) < lines:
        r = rnd.choice(rows)
        n = len(out)
        kind = rnd.random()
        if kind < 0.55:
            item = _spellings(r["unique_identifier"].replace(" x ", " × "), rnd)
        elif kind < 0.7 and r["event_name"]:
            item = r["event_name"]
        elif kind < 0.8 and r["trade_names"]:
            item = r["trade_names"].split(";")[0]
        else:
            out.append(f"Page {n // 45 + 1} -- continued -- carrier ref. {rnd.randint(1000, 9999)}")
            continue
        out.append(
            f"{n:>5}  {r['crop_common_name'] or 'Grain'}, bulk  {item}  {rnd.randint(1, 900)} t"
        )
    return "\n".join(out[:lines]) + "\n"


def synthetic_pdf(pages: int) -> bytes:
    from fpdf import FPDF

    from bch.services.quicklinks import REGULAR

    text = synthetic_document(pages * 50).splitlines()
    pdf = FPDF(format="A4")
    pdf.add_font("dejavu", "", str(REGULAR))
    pdf.set_font("dejavu", size=8)
    for p in range(pages):
        pdf.add_page()
        for line in text[p * 50 : (p + 1) * 50]:
            pdf.cell(0, 5, line, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _cold() -> None:
    """Forget the per-process memories of UIDs and words (the first document of a server)."""
    from bch.records.oecd_uid import check_digit
    from bch.services import customs_extract

    check_digit.cache_clear()
    customs_extract._parse.cache_clear()
    customs_extract._word_norm.cache_clear()


def _median(fn) -> tuple[float, float, object]:
    """(first run with cold memories, median of RUNS, the answer)."""
    _cold()
    times, result = [], None
    for _ in range(RUNS):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return times[0], statistics.median(times), result


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bch-bench-customs-") as tmp:
        svc = Services.open(f"sqlite:///{Path(tmp) / 'bch.db'}")
        import_shipped(svc)
        start = time.perf_counter()
        svc.customs.check(CheckInput("CA", ["food"], text="MON-ØØ81Ø-6"))
        print(
            f"first check (builds the resolver's alias index): {time.perf_counter() - start:.2f} s"
        )
        doc = synthetic_document(1000)
        cold, t_doc, result = _median(lambda: svc.customs.check(CheckInput("CA", None, text=doc)))
        items = len(result["items"])  # type: ignore[index]
        verdicts = result["summary"]  # type: ignore[index]
        print(
            f"1,000-line document: {items} items, first {cold:.3f} s, median {t_doc:.3f} s "
            f"of {RUNS} (target <= 1 s)"
        )
        print(f"  verdicts: {verdicts}")
        pdf = synthetic_pdf(10)
        req = lambda: CheckInput("CA", None, data=pdf, filename="invoice.pdf")  # noqa: E731
        cold, t_pdf, result = _median(lambda: svc.customs.check(req()))
        items = len(result["items"])  # type: ignore[index]
        lines = result["lines"]  # type: ignore[index]
        print(
            f"10-page PDF ({len(pdf) // 1024} KiB, {lines} lines): {items} items, "
            f"first {cold:.3f} s, median {t_pdf:.3f} s of {RUNS} (target <= 2 s)"
        )
        svc.close()


if __name__ == "__main__":
    main()
