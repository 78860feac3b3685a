"""Gene symbols of the ISAAA and OECD BioTrack scrapes (2019), and the names known for certain.

The ISAAA scrape writes the genes of one trait run together (``cry34Ab1cry35Ab1``,
``cp4 epsps (aroA:CP4)goxv247``, ``aadnptII``). ``ISAAA_SYMBOLS`` lists every symbol seen in its
gene column, so ``split_symbols`` can cut such strings back (longest match first, backtracking).
"""

from __future__ import annotations

import re
from functools import cache

ISAAA_SYMBOLS: tuple[str, ...] = (
    # insect resistance
    "cry1A", "cry1A.105", "cry1Ab", "cry1Ab (truncated)", "cry1Ab-Ac", "cry1Ac", "cry1C",
    "cry1F", "cry1Fa2", "cry2Ab2", "cry2Ae", "cry34Ab1", "cry35Ab1", "cry3A", "cry3Bb1", "cry9C",
    "ecry3.1Ab", "mcry3A", "mocry1F", "mCry51Aa2", "vip3A(a)", "vip3Aa20", "pinII", "CpTI", "API",
    "dvsnf7",
    # herbicide tolerance
    "pat", "pat (syn)", "bar", "cp4 epsps (aroA:CP4)", "goxv247", "mepsps", "2mepsps",
    "epsps grg23ace5", "gat4601", "gat4621", "aad-1", "aad-12", "dmo", "bxn", "gm-hra", "zm-hra",
    "surB", "als", "csr1-2", "hppdPF W336", "avhppd-03", "S4-HrA",
    # selectable and visual markers
    "nptII", "aad", "aph4 (hpt)", "hph", "bla", "spc", "pmi", "uidA", "dsRed2", "nos",
    # pollination control
    "barnase", "barstar", "dam", "ms45", "zm-aa1",
    # quality, physiology, virus resistance
    "amy797E", "phyA", "phyA2", "cordapA", "cspB", "athb17", "bbx32", "Hahb-4", "EcBetA",
    "RmBetA", "te", "crt1", "psy1", "7crp", "cel1", "accd", "acc (truncated)", "anti-efe",
    "sam-k", "asn1", "ppo5", "PhL", "R1", "Vlnv", "Rpi-vnt1", "PGAS PPO suppression gene",
    "NtQPT1 (antisense)", "ccomt (inverted repeat)", "gbss (antisense fragment)",
    "pg (sense or antisense)", "ac1 (sense and antisense)", "fad2-1A (sense and antisense)",
    "fatb1-A (sense and antisense segments)", "gm-fad2-1 (partial sequence)",
    "gm-fad2-1 (silencing locus)", "fad2.2", "fatB", "Nc.Fad3", "Pj.D6D",
    "Lackl-delta12D", "Micpu-delta-6D", "Pavsa-delta-4D", "Pavsa-delta-5D", "Picpa-omega-3D",
    "Pyrco-delta-5E", "Pyrco-delta-6E",
    "5AT", "bp40 (f3'5'h)", "hfl (f3'5'h)", "sfl (f3'5'h)", "dfr", "dfr-diaca", "cytb5",
    "cmv_cp", "wmv_cp", "zymv_cp", "ppv_cp", "prsv_cp", "prsv_rep", "pvy_cp", "plrv_orf1",
    "plrv_orf2",
)  # fmt: skip

# The symbol a record is published under, where the source spelling carries an alias.
# Allele or variant suffixes of one gene are one genetic element (issue 16: cry1F and cry1Fa2 were
# two records for TC1507): cry1Fa2 is the cry1F of TC1507, vip3Aa20 / vip3A(a) / "Modified vip3A"
# the vip3A of MIR162 and COT102, cry3Aa2 the cry3A; a modified (m-) gene stays its own element.
CANONICAL: dict[str, str] = {
    "cp4 epsps (aroA:CP4)": "cp4 epsps",
    "cry1Fa2": "cry1F",
    "vip3A(a)": "vip3A",
    "vip3Aa20": "vip3A",
    "Modified vip3A": "vip3A",
    "cry3Aa2": "cry3A",
    "mcry3Aa2": "mcry3A",
}

# OECD BioTrack gene spellings -> symbol, only where the identity is certain.
BIOTRACK: dict[str, str | None] = {
    "neomycin phosphotransferase II (npt II)": "nptII",
    "phosphinothricin acetyltransferase (pat)": "pat",
    "phosphomannose isomerase (pmi)": "pmi",
    "Modified acetolactate synthase gene of soybean (gm-hra)": "gm-hra",
    "glyphosate N-acetyltransferase gene (gat4601)": "gat4601",
    "Acetolactate synthase (surB)": "surB",
    "anthocyanin 5-acyltransferase (5AT)": "5AT",
    "dihydroflavonol reductase (dfr)": "dfr",
    "5-enolpyruvylshikimaete-3-phosphate synthase (epsps)": "epsps",
    "potato virus Y (PVY) coat protein": "pvy_cp",
    "ep4 epsps": "cp4 epsps",  # typo in the scrape: there is no "ep4" EPSPS
    "Modified amy797E": "amy797E",  # amy797E is itself the modified alpha-amylase
    # "flavonoid 3', 5'hydroxylase (F3'5'H)" was cut at its comma by the scraper
    "5'hydroxylase (F3'5'H)": "F3'5'H",
    "flavonoid 3'": None,
}

_CRY = "insecticidal crystal protein"
_EPSPS = "5-enolpyruvylshikimate-3-phosphate synthase"
_PAT = "phosphinothricin N-acetyltransferase"
# Full names, only where certain (keys: gene_key of the symbol); otherwise the symbol is the name.
NAMES: dict[str, str] = {
    "pat": _PAT,
    "bar": _PAT,
    "nptii": "neomycin phosphotransferase II",
    "pmi": "phosphomannose isomerase",
    "cp4epsps": f"CP4 {_EPSPS}",
    "epsps": _EPSPS,
    "mepsps": f"modified maize {_EPSPS}",
    "2mepsps": f"double-mutant maize {_EPSPS}",
    "gat4601": "glyphosate N-acetyltransferase",
    "gat4621": "glyphosate N-acetyltransferase",
    "goxv247": "glyphosate oxidoreductase",
    "aad-1": "aryloxyalkanoate dioxygenase 1",
    "aad-12": "aryloxyalkanoate dioxygenase 12",
    "dmo": "dicamba mono-oxygenase",
    "bxn": "nitrilase (bromoxynil-specific)",
    "gm-hra": "modified soybean acetolactate synthase",
    "zm-hra": "modified maize acetolactate synthase",
    "als": "acetolactate synthase",
    "surb": "acetolactate synthase",
    "barnase": "barnase ribonuclease",
    "barstar": "barstar (barnase inhibitor)",
    "bla": "beta-lactamase",
    "uida": "beta-glucuronidase",
    "hph": "hygromycin B phosphotransferase",
    "aph4(hpt)": "hygromycin B phosphotransferase",
    "amy797e": "thermostable alpha-amylase",
    "cspb": "cold shock protein B",
    "cordapa": "dihydrodipicolinate synthase",
    "phya": "phytase",
    "phya2": "phytase",
    "pinii": "proteinase inhibitor II",
    "cpti": "cowpea trypsin inhibitor",
    "vip3a": "vegetative insecticidal protein Vip3A",
    "mcry3a": f"modified Cry3A {_CRY}",
    "ecry3.1ab": f"chimeric Cry3A-Cry1Ab (eCry3.1Ab) {_CRY}",
    "pvy_cp": "potato virus Y coat protein",
    "prsv_cp": "papaya ringspot virus coat protein",
    "prsv_rep": "papaya ringspot virus replicase",
    "ppv_cp": "plum pox virus coat protein",
    "cmv_cp": "cucumber mosaic virus coat protein",
    "wmv_cp": "watermelon mosaic virus coat protein",
    "zymv_cp": "zucchini yellow mosaic virus coat protein",
    "5at": "anthocyanin 5-acyltransferase",
    "dfr": "dihydroflavonol 4-reductase",
    "f3'5'h": "flavonoid 3',5'-hydroxylase",
}

# Elements that suppress a gene (inverted repeats, dsRNA, antisense or co-suppression fragments)
# rather than encode a protein: family "RNA interference sequence", not "protein coding sequence".
SILENCING_SYMBOLS: tuple[str, ...] = (
    "asn1", "ppo5", "PhL", "R1", "Vlnv", "dvsnf7", "PGAS PPO suppression gene",
    "NtQPT1 (antisense)", "ccomt (inverted repeat)", "gbss (antisense fragment)",
    "pg (sense or antisense)", "ac1 (sense and antisense)", "fad2-1A (sense and antisense)",
    "fatb1-A (sense and antisense segments)", "gm-fad2-1 (partial sequence)",
    "gm-fad2-1 (silencing locus)", "anti-efe", "acc (truncated)",
)  # fmt: skip


def gene_key(symbol: str) -> str:
    """Comparison form of a symbol: case and spaces do not matter (``npt II`` = ``nptII``)."""
    return re.sub(r"\s+", "", symbol).casefold()


SILENCING = frozenset(gene_key(s) for s in SILENCING_SYMBOLS)
SYNTHETIC = frozenset({gene_key("pat (syn)")})


def display_symbol(symbol: str) -> str:
    return CANONICAL.get(symbol, symbol)


def gene_name(symbol: str) -> str:
    key = gene_key(display_symbol(symbol))
    if key in NAMES:
        return NAMES[key]
    if re.fullmatch(r"cry\d+[A-Za-z0-9.]*", symbol):
        return f"C{symbol[1:]} {_CRY}"
    return display_symbol(symbol)


_BY_LENGTH = sorted(set(ISAAA_SYMBOLS), key=lambda s: (-len(s), s))


def split_symbols(text: str) -> list[str] | None:
    """``cry34Ab1cry35Ab1`` -> [cry34Ab1, cry35Ab1]; None when no cut into known symbols works."""
    s = (text or "").strip()

    @cache
    def cut(i: int) -> tuple[str, ...] | None:
        while i < len(s) and s[i] == " ":
            i += 1
        if i == len(s):
            return ()
        for sym in _BY_LENGTH:
            if s.startswith(sym, i):
                rest = cut(i + len(sym))
                if rest is not None:
                    return (sym, *rest)
        return None

    found = cut(0)
    return None if found is None else list(dict.fromkeys(found))


def biotrack_symbol(text: str) -> tuple[str | None, bool]:
    """(symbol, known) for a BioTrack spelling; (None, True) for a known scraper fragment."""
    s = " ".join((text or "").split())
    if s in BIOTRACK:
        return BIOTRACK[s], True
    return (s or None), False
