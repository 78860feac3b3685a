"""Shipment checks for customs and border officers (issue 13).

A commercial invoice (pasted text, CSV, PDF or a text file), a destination country and the
declared uses in; line by line out: which LMOs the document names, whether each identifier is
well formed, whether the destination has approved each one for those uses (with conditions),
whether the document carries what Art. 18.2(a) asks for, whom to call at the competent
authority, and which detection methods and reference materials apply. Checks can be saved to be
shared by a link (the answer as it was then)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bch.records.countries import country as country_info
from bch.records.oecd_uid import parse_uid
from bch.records.thesaurus import Thesaurus
from bch.services.customs_docs import documentation, intended_uses
from bch.services.customs_extract import (
    Extractor,
    Item,
    decode_text,
    document_lines,
    looks_like_csv,
    pdf_text,
)
from bch.services.customs_verdicts import USES, Decision, Verdict, judge
from bch.services.errors import BadRequest, NotFound
from bch.services.matrix import decision_scopes, decision_status
from bch.services.policy import ANONYMOUS, Principal, read_scope
from bch.services.summaries import record_summary
from bch.services.unit_of_work import UnitOfWork
from bch.storage.customs import CountryRecord, CustomsRepository
from bch.storage.detection_methods import DetectionMethodRepository
from bch.storage.rows import iso_utc, utcnow
from bch.storage.scope import ReadScope

MAX_TEXT = 5_000_000  # characters of document text
FORMATS = ("auto", "text", "csv", "pdf")


@dataclass
class CheckInput:
    destination: str
    uses: list[str] | None = None  # None or []: read the document's "intended use" line
    text: str | None = None
    data: bytes | None = None  # an uploaded file
    filename: str | None = None
    format: str = "auto"


def _bad(path: str, message: str) -> BadRequest:
    return BadRequest(
        f"{path}: {message}",
        errors=[{"code": "Error.InvalidParameter", "path": path, "message": message}],
    )


def parse_uses(value: str | list[str] | None, path: str = "uses") -> list[str]:
    """Declared uses from a list or a comma-separated text; 400 naming the bad one."""
    if value is None:
        return []
    raw = value.split(",") if isinstance(value, str) else value
    out: list[str] = []
    for i, use in enumerate(raw):
        if not isinstance(use, str):
            raise _bad(f"{path}[{i}]", f"expected one of {', '.join(USES)}")
        use = use.strip().lower().replace("-", "_").replace(" ", "_")
        if not use:
            continue
        if use not in USES:
            raise _bad(f"{path}[{i}]", f"{use!r} is not a use; expected one of {', '.join(USES)}")
        if use not in out:
            out.append(use)
    return out


class CustomsService:
    def __init__(
        self,
        repo: CustomsRepository,
        methods: DetectionMethodRepository,
        thesaurus: Thesaurus,
        uow: UnitOfWork,
        data_dir: Path,
    ):
        self.repo = repo
        self.methods = methods
        self.thesaurus = thesaurus
        self.uow = uow
        self.data_dir = data_dir  # BCH_DATA_DIR: the reference materials of captured pages

    # -- input ----------------------------------------------------------------------------------
    def _text(self, req: CheckInput) -> tuple[str, str]:
        """(document text, format read)."""
        fmt = (req.format or "auto").lower()
        if fmt not in FORMATS:
            raise _bad("format", f"expected one of {', '.join(FORMATS)}")
        if req.data is not None:
            name = (req.filename or "").lower()
            if req.data[:5] == b"%PDF-" or fmt == "pdf":
                if req.data[:5] != b"%PDF-":
                    raise _bad("file", "expected a PDF (it does not start with %PDF-)")
                return pdf_text(req.data), "pdf"
            text = decode_text(req.data)
            if fmt == "auto":
                fmt = "csv" if name.endswith((".csv", ".tsv")) or looks_like_csv(text) else "text"
        elif req.text is not None:
            if fmt == "pdf":
                raise _bad("format", "a PDF is uploaded as a file (multipart), not as text")
            text = req.text
            if fmt == "auto":
                fmt = "csv" if looks_like_csv(text) else "text"
        else:
            raise _bad("text", "expected the document: text, or an uploaded file")
        if not text.strip():
            raise _bad("file" if req.data is not None else "text", "expected a non-empty document")
        if len(text) > MAX_TEXT:
            raise _bad("text", f"expected at most {MAX_TEXT:,} characters")
        if "\x00" in text:
            raise _bad("text", "expected text without NUL characters")
        return text, fmt

    # -- the check ------------------------------------------------------------------------------
    def check(self, req: CheckInput, principal: Principal = ANONYMOUS) -> dict[str, Any]:
        from bch.resolve.index import default_resolver  # built once per process (~2 s)

        dest = (req.destination or "").strip().upper()
        info = country_info(dest) if dest else None
        if info is None:
            raise _bad("destination", "expected an ISO 3166 country code (e.g. CA) or EU")
        uses = parse_uses(req.uses)
        text, fmt = self._text(req)
        lines = document_lines(text, fmt)
        doc_uses, use_line = intended_uses(lines)
        uses_from = "request"
        if not uses:
            if not doc_uses:
                raise _bad(
                    "uses",
                    f"expected one or more of {', '.join(USES)}, or an 'intended use' line in "
                    "the document",
                )
            uses, uses_from = doc_uses, "document"
        scope = read_scope(principal)
        resolver = default_resolver()
        with self.repo.reading() as conn:
            index = self._decisions(conn, dest, scope, utcnow().date().isoformat())
            items = Extractor(resolver, set()).items(lines)
            keys = {k for it in items for k in self._keys(it)}
            keys |= {
                c for k in list(keys) if k in resolver.lmos for c in resolver.lmos[k].components
            }
            registered = self.repo.lmo_titles(conn, keys, scope)
            methods = self.methods.for_keys(conn, sorted(keys)) if keys else []
            contacts = self.repo.country_records(conn, dest, ("authority", "focalPoint"), scope)
        shown = {k: self._shown(k, resolver) for k in keys}
        memo: dict[str, Verdict] = {}
        out_items = [self._item(it, uses, index, registered, shown, resolver, memo) for it in items]
        resolved = {i["line"] for i in out_items if i["lmo"] or i["decisions"]}
        summary: dict[str, int] = {}
        for it in out_items:
            summary[it["verdict"]] = summary.get(it["verdict"], 0) + 1
        return {
            "destination": dest,
            "destinationName": info.name,
            "uses": uses,
            "usesFrom": uses_from,
            "usesLine": use_line,
            "format": fmt,
            "lines": len(lines),
            "items": out_items,
            "summary": summary,
            "documentation": documentation(lines, items),
            "authority": _authority(dest, contacts),
            "detection": [
                d for d in _detection(items, methods, shown, self.data_dir) if d["line"] in resolved
            ],
            "checkedAt": iso_utc(utcnow()),
        }

    def _decisions(
        self, conn, dest: str, scope: ReadScope, today: str
    ) -> dict[str, list[Decision]]:
        """OECD UID key -> the destination's decisions naming an LMO registered with it
        (`today`: the day of the check, ISO; a decision valid until before it has expired)."""
        decisions = self.repo.country_records(conn, dest, ("biosafetyDecision",), scope)
        refs = {
            r["identifier"]
            for d in decisions
            for r in d.body.get("modifiedOrganisms") or []
            if isinstance(r, dict) and r.get("identifier")
        }
        lmo_keys = self.repo.uid_keys_of(conn, refs, scope) if refs else {}
        index: dict[str, list[Decision]] = {}
        for d in decisions:
            dec = self._decision(d, today)
            for r in d.body.get("modifiedOrganisms") or []:
                ident = r.get("identifier") if isinstance(r, dict) else None
                for key in lmo_keys.get((ident or "").split("@")[0], ()):
                    index.setdefault(key, []).append(dec)
        return index

    def _decision(self, d: CountryRecord, today: str) -> Decision:
        summary = record_summary(d.row)
        cond = d.body.get("conditions")
        conditions = None
        if isinstance(cond, dict) and cond:
            conditions = cond.get("en") or next(iter(cond.values()))
        until = str(d.body.get("validUntil") or "")[:10] or None
        return Decision(
            id=summary["id"],
            title=(d.row.title or {}).get("en") or next(iter((d.row.title or {"": ""}).values())),
            date=str(d.body.get("date") or ""),
            status=decision_status(self.thesaurus, d.body),
            scopes=tuple(decision_scopes(self.thesaurus, d.body)),
            conditions=conditions,
            url=summary["url"],
            valid_until=until,
            expired=bool(until) and until < today,
        )

    @staticmethod
    def _keys(it: Item) -> list[str]:
        if it.parsed is not None:
            return [it.parsed.key, *it.parsed.component_keys]
        out = list(it.keys)
        if len(it.keys) > 1:
            out.append("+".join(sorted(it.keys)))
        return out

    @staticmethod
    def _shown(key: str, resolver) -> str:
        lmo = resolver.lmos.get(key)
        if lmo is not None and lmo.uid:
            return lmo.uid
        try:
            return parse_uid(key.replace("+", " x ")).canonical
        except ValueError:
            return key

    def _item(self, it: Item, uses, index, registered, shown, resolver, memo) -> dict[str, Any]:
        out: dict[str, Any] = {
            "line": it.line,
            "text": it.text,
            "kind": it.kind,
            "uid": None,
            "names": it.names,
            "verdict": "",
            "reasons": [],
            "warnings": list(it.warnings),
            "conditions": [],
            "decisions": [],
            "candidates": it.candidates,
            "lmo": None,
        }
        if it.malformed:
            out.update(verdict="malformed", reasons=[it.malformed])
            return out
        if it.ambiguous:
            n = len({c["key"] for c in it.candidates})
            out.update(
                verdict="ambiguous",
                reasons=[f"{n} LMOs answer to {', '.join(it.names)!r}; not guessing"],
            )
            return out
        if it.parsed is not None:
            key, comps = it.parsed.key, it.parsed.component_keys if it.parsed.is_stack else ()
            notes = [w for w in it.parsed.warnings if "verification digit mismatch" not in w]
            if notes:
                out["warnings"].append("read as " + it.parsed.canonical + ": " + "; ".join(notes))
        else:
            key = "+".join(sorted(it.keys))
            comps = tuple(sorted(it.keys)) if len(it.keys) > 1 else ()
            if not comps and resolver.lmos.get(key) and resolver.lmos[key].components:
                comps = resolver.lmos[key].components
        is_registered = key in registered or key in resolver.lmos
        out["uid"] = shown.get(key) or self._shown(key, resolver)
        if key in registered:
            out["lmo"] = f"/api/v1/lmos/{out['uid']}"
        if it.parsed is not None:
            for part in it.parsed.parts:
                if not part.check_ok:
                    where = "a registered UID" if part.ascii in registered else "this UID"
                    out["warnings"].append(
                        f"{part.canonical}: {where} breaks the verification digit rule "
                        f"(given {part.check}, computed {part.expected_check}); a warning only"
                    )
        if not is_registered and (not comps or not all(c in registered for c in comps)):
            out["verdict"] = "unknown_identifier"
            out["reasons"] = [f"no LMO in the clearing-house has the identifier {out['uid']}"]
            out["candidates"] = out["candidates"] or _near(key, resolver)
            return out
        verdict: Verdict = judge(key, tuple(comps), shown, uses, index, is_registered, memo)
        out.update(
            verdict=verdict.verdict,
            reasons=verdict.reasons,
            conditions=verdict.conditions,
            decisions=[d.link() for d in verdict.decisions],
        )
        out["warnings"] += verdict.warnings
        return out

    # -- saved checks ---------------------------------------------------------------------------
    def save(self, result: dict[str, Any]) -> str:
        ident = secrets.token_urlsafe(16)
        with self.uow(changes=False) as tx:
            self.repo.save_check(tx.conn, ident, utcnow(), result["destination"], result)
        return ident

    def saved(self, ident: str) -> dict[str, Any]:
        found = self.repo.saved_check(ident) if len(ident) <= 32 else None
        if found is None:
            raise NotFound(f"no saved shipment check {ident!r}")
        result, at = found
        return {**result, "id": ident, "savedAt": iso_utc(at)}


def _near(key: str, resolver) -> list[dict[str, Any]]:
    """Registered UIDs with the same applicant and event (a mistyped verification digit)."""
    if "+" in key:
        return []
    stem = key.rsplit("-", 1)[0] + "-"
    return [
        {"key": k, "uid": lmo.uid, "name": lmo.name}
        for k, lmo in resolver.lmos.items()
        if k.startswith(stem) and "+" not in k
    ][:5]


def _authority(dest: str, records: list[CountryRecord]) -> dict[str, Any]:
    def entry(r: CountryRecord) -> dict[str, Any]:
        b = r.body
        return {
            "id": record_summary(r.row)["id"],
            "url": record_summary(r.row)["url"],
            "name": b.get("name") or r.row.title,
            "acronym": b.get("acronym"),
            "organization": b.get("organization"),
            "categories": b.get("categories") or [],
            "responsibilities": b.get("responsibilities"),
            "websites": [w.get("url") for w in b.get("websites") or [] if isinstance(w, dict)],
            "emails": list(b.get("emails") or []),
            "phones": list(b.get("phones") or []),
        }

    cnas = [entry(r) for r in records if r.row.schema == "authority"]
    nfps = [entry(r) for r in records if r.row.schema == "focalPoint"]
    notes = []
    if not cnas:
        notes.append(f"the clearing-house holds no competent national authority of {dest}")
    if not nfps:
        notes.append(f"the clearing-house holds no national focal point record of {dest}")
    return {"country": dest, "competentAuthorities": cnas, "focalPoints": nfps, "notes": notes}


def _detection(
    items: list[Item], methods: list[dict], shown: dict[str, str], data_dir: Path
) -> list[dict]:
    from bch.services.matches import captured_reference_materials

    by_key: dict[str, list[dict]] = {}
    for m in methods:
        data = m.get("data") or {}
        by_key.setdefault(m["uid_key"], []).append(
            {
                "source": m["source"],
                "code": m["code"],
                "type": m["method_type"],
                "scope": m["scope"],
                "target": m["target"],
                "appliesTo": shown.get(m["uid_key"], m["uid_key"]),
                **{k: v for k, v in data.items() if k in ("url", "reference", "amplicon")},
            }
        )
    materials = captured_reference_materials(data_dir)
    out = []
    for it in items:
        keys = CustomsService._keys(it) if not it.malformed and not it.ambiguous else []
        if not keys:
            continue
        found = [m for k in dict.fromkeys(keys) for m in by_key.get(k, [])]
        mats = [
            {**row, "appliesTo": shown.get(k, k)}
            for k in dict.fromkeys(keys)
            for row in materials.get(k, [])
        ]
        out.append(
            {
                "line": it.line,
                "uid": shown.get(keys[0], keys[0]),
                "methods": found,
                "referenceMaterials": mats,
            }
        )
    return out
