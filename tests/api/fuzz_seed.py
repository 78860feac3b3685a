"""A small realistic database for the OpenAPI fuzzer: a few real records from the shipped data
(MON810 with its organism, decisions, authorities, organizations), a deleted record, users with
roles and their API tokens, a draft, a pending publishing request and an attachment. Every
path parameter the fuzzer may fill in has known good values here, so that the operations are
exercised on things that exist (200, 304, 409, 410, 412 ...), not only on 404s."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from bch.importer.run import IMPORT_USER, _method_row
from bch.records.thesaurus import get_thesaurus
from bch.services.container import Services
from tests import factories
from tests.shipped_sample import shipped_plan

PASSWORD = "Correct-horse-42!"
MON810 = "MON-ØØ81Ø-6"
# a tiny valid PDF: attachments are typed by their content
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def _references(value: Any, known: dict[str, dict]) -> Iterator[str]:
    if isinstance(value, dict):
        ref = value.get("identifier")
        if isinstance(ref, str) and ref.split("@")[0] in known:
            yield ref.split("@")[0]
        for v in value.values():
            yield from _references(v, known)
    elif isinstance(value, list):
        for v in value:
            yield from _references(v, known)


def real_subset(lmos: int = 12, decisions: int = 12) -> tuple[list[dict], list]:
    """A consistent slice of the shipped data: MON810 and a few other LMOs, a few decisions,
    and every record they refer to, in the importer's order (references first)."""
    plan = shipped_plan()
    known = {d["header"]["identifier"]: d for d in plan.documents}
    of = [d for d in plan.documents if d["header"]["schema"] == "modifiedOrganism"]
    roots = [d for d in of if d.get("transformationEvent") in ("MON810", "MIR162")] + of[:lmos]
    roots += [d for d in plan.documents if d["header"]["schema"] == "biosafetyDecision"][:decisions]
    wanted: set[str] = set()
    todo = [d["header"]["identifier"] for d in roots]
    while todo:
        ident = todo.pop()
        if ident not in wanted:
            wanted.add(ident)
            todo.extend(_references(known[ident], known))
    return [
        d for d in plan.documents if d["header"]["identifier"] in wanted
    ], plan.detection_methods


@dataclass
class Seeded:
    """What the fuzzer may use: bearer tokens per role and known path values per parameter."""

    tokens: dict[str, str] = field(default_factory=dict)
    known: dict[str, list[Any]] = field(default_factory=dict)
    renew: Callable[[], dict[str, str]] | None = None


def seed(svc: Services) -> Seeded:
    documents, methods = real_subset()
    with svc.records.batch(by=IMPORT_USER) as batch:
        published = [batch.publish(d, strict=False) for d in documents]
        svc.detection_methods.replace(batch.conn, [_method_row(m) for m in methods])
    out = Seeded()
    sec = svc.accounts.add_user(
        "secretariat@fuzz.example.org", role="secretariat", password=PASSWORD, by="test"
    )
    nau = svc.accounts.add_user(
        "nau@fuzz.example.org", role="nau", country="CA", password=PASSWORD, by="test"
    )
    svc.accounts.add_user("user@fuzz.example.org", role="user", password=PASSWORD, by="test")
    with svc.engine.connect() as conn:
        sec_p = svc.accounts.users.principal(conn, sec)
        nau_p = svc.accounts.users.principal(conn, nau)
    decoy = svc.accounts.issue_token(sec, name="decoy", scope="write", days=30)

    def renew() -> dict[str, str]:
        return {
            "secretariat": svc.accounts.issue_token(sec, name="fuzz", scope="write").token,
            "nau": svc.accounts.issue_token(nau, name="fuzz", scope="write").token,
        }

    out.tokens, out.renew = renew(), renew
    # a draft of a Canadian authority by the national authorized user, and its request
    authority = factories.authority("CA", identifier=factories.ident("cna-fuzz"))
    draft_id = authority["header"]["identifier"]
    svc.drafts.save(nau_p, draft_id, authority)
    done = svc.workflow.publish_draft(nau_p, draft_id, message="please publish")
    request_id = (done.request or {}).get("id")
    second = factories.organization(identifier=factories.ident("org-fuzz"))
    svc.drafts.save(sec_p, second["header"]["identifier"], second)
    attachment = svc.attachments.save(sec_p, "method.pdf", PDF)
    # a deleted record: its reads answer 410 with the tombstone
    gone = published[-1]
    svc.records.delete(gone.uid, reason="withdrawn (fuzz seed)")
    live = [p for p in published[:-1]]
    record_ids = [p.uid for p in live[-6:]] + [p.identifier for p in live[:3]] + [gone.uid]
    thesaurus = get_thesaurus()
    domains = [d.name for d in thesaurus.domains()][:4]
    terms = [t.identifier for d in thesaurus.domains()[:2] for t in d.terms[:2]]
    out.known = {
        "record_id": record_ids,
        "identifier": [p.identifier for p in live[-4:]]
        + [draft_id, second["header"]["identifier"], gone.identifier],
        "revision": [1, 2],
        "uid": [MON810, "MON-00810-6", "mon810", "SYN-IR162-4"],
        "domain": domains,
        "term_id": terms,
        "code": ["CA", "ca", "EU", "KE"],
        "schema": ["biosafetyDecision", "modifiedOrganism", "contact"],
        "name": [
            "modifiedOrganism.ndjson",
            "modifiedOrganism.ndjson.gz",
            "modifiedOrganism.csv",
            "organism.xlsx",
            "biosafetyDecision.ndjson",
        ],
        "request_id": [request_id] if request_id else [],
        "token_id": [decoy.id],
        "attachment_id": [attachment.id],
    }
    return out
