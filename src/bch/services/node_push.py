"""A national node's push (issue 12): national records written on the node go to the central.

A record is queued in the outbox with a random idempotency key, then sent as a draft (PUT
/api/v1/drafts/{identifier}, If-Match: the central revision the edit started from) and
published (POST .../publish: published directly when the node's token is the country's focal
point's, else a publishing request), both with `Idempotency-Key`, so a retry after any failure
gets the first answer and never a second record or revision. The published revision comes back
through the feed (the pull settles the entry). A 412 (the record changed on the central
meanwhile) marks the entry as a conflict for the node's user: theirs, mine, or a merge by field
(`resolve`); nothing is overwritten silently."""

from __future__ import annotations

import threading
import uuid
from typing import Any

import httpx
import orjson

from bch.services.errors import BadRequest, NotFound, ValidationFailed
from bch.services.node_central import CentralError, SyncReport, answer_json
from bch.services.records import RecordService
from bch.services.unit_of_work import UnitOfWork
from bch.storage.database import Database
from bch.storage.node_state import NodeState, NodeStateRepository, OutboxItem


class NodePush:
    def __init__(
        self,
        db: Database,
        repo: NodeStateRepository,
        records: RecordService,
        uow: UnitOfWork,
        wake: threading.Event,
    ):
        self.db = db
        self.repo = repo
        self.records = records
        self.uow = uow
        self.wake = wake  # set when something is queued: the sync loop sends it at once

    def state(self) -> NodeState | None:
        with self.db.reading() as conn:
            return self.repo.get(conn)

    def submit(self, document: Any, *, author: str, base_revision: int | None = None) -> OutboxItem:
        """Queue a national record written on the node for the central (checked here first)."""
        state = self.state()
        if state is None:
            raise NotFound("this installation is not a node")
        if not isinstance(document, dict) or not isinstance(document.get("header"), dict):
            raise BadRequest(
                "a record document needs a header {identifier, schema, languages}",
                errors=[{"code": "Error.Mandatory", "path": "header", "message": "missing"}],
            )
        header = document["header"]
        identifier = header.get("identifier") or f"{state.country.lower()}-{uuid.uuid4()}"
        document = {**document, "header": {**header, "identifier": identifier}}
        result = self.records.validate(document)
        if not result.ok or result.record_type is None:
            raise ValidationFailed(
                "the document is not valid", errors=[p.as_dict() for p in result.errors]
            )
        rt = result.record_type
        owner = (document.get("government") or {}).get("identifier", "")
        if not rt.is_national or str(owner).upper() != state.country:
            raise BadRequest(
                f"a node publishes national records of {state.country} only",
                errors=[
                    {
                        "code": "Error.InvalidValue",
                        "path": "government.identifier",
                        "message": f"expected {state.country}",
                    }
                ],
            )
        if base_revision is None:
            with self.db.reading() as conn:
                doc = self.records.store.document_by_identifier(conn, identifier)
            base_revision = doc.latest_revision if doc and doc.deleted_at is None else None
        with self.uow() as tx:
            item = self.repo.enqueue(
                tx.conn,
                key=uuid.uuid4().hex,
                identifier=identifier,
                schema=rt.name,
                document=result.document,
                base_revision=base_revision,
                author=author,
            )
        self.wake.set()
        return item

    def forward(self, document: dict[str, Any], by: str) -> int | None:
        """The workflow's publish on a node: queue the record for the central and return the
        outbox entry's id; None when this installation is not a node (it publishes itself)."""
        if self.state() is None:
            return None
        return self.submit(document, author=by).id

    def outbox(self, statuses: tuple[str, ...] = ()) -> list[OutboxItem]:
        with self.db.reading() as conn:
            return self.repo.items(conn, statuses)

    def push(self, client: httpx.Client, report: SyncReport) -> None:
        for item in self.outbox(("pending",)):
            outcome = self._send(client, item)
            report.pushed += outcome in ("published", "requested")
            report.conflicts += outcome == "conflict"

    def _send(self, client: httpx.Client, item: OutboxItem) -> str:
        path = f"/api/v1/drafts/{item.identifier}"
        headers = {"Idempotency-Key": f"{item.key}-draft"}
        if item.base_revision is not None:
            headers["If-Match"] = str(item.base_revision)
        with self.uow() as tx:
            self.repo.mark(tx.conn, item.id, attempts=item.attempts + 1)
        response = client.put(path, content=orjson.dumps(item.document), headers=headers)
        if response.status_code in (412, 428):
            return self._conflict(item, response)
        if response.status_code not in (200, 201):
            return self._refused(item, path, response)
        response = client.post(
            f"{path}/publish",
            content=b"{}",
            headers={"Idempotency-Key": f"{item.key}-publish", "Content-Type": "application/json"},
        )
        if response.status_code == 412:
            return self._conflict(item, response)
        if response.status_code not in (201, 202):
            return self._refused(item, f"{path}/publish", response)
        answer = answer_json(response, f"{path}/publish")
        status = "published" if response.status_code == 201 else "requested"
        with self.uow() as tx:
            here = self.records.store.document_by_identifier(tx.conn, item.identifier)
            revision = answer.get("revision")
            back = here is not None and isinstance(revision, int)
            if status == "published" and back and here.latest_revision >= revision:
                status = "done"  # the feed brought it back already
            self.repo.mark(tx.conn, item.id, status=status, result=answer, last_error=None)
        return "published" if status == "done" else status

    def _refused(self, item: OutboxItem, path: str, response: httpx.Response) -> str:
        if response.status_code >= 500 or response.status_code in (401, 403, 408, 429):
            # the central or the node's credentials: the entry stays pending, retried later
            raise CentralError(f"{path}: HTTP {response.status_code}")
        with self.uow() as tx:  # the central refused it: kept for the user to correct
            self.repo.mark(
                tx.conn,
                item.id,
                status="refused",
                last_error=f"HTTP {response.status_code}: {response.text[:1500]}",
            )
        return "refused"

    def _conflict(self, item: OutboxItem, response: httpx.Response) -> str:
        with self.uow() as tx:
            self.repo.mark(
                tx.conn,
                item.id,
                status="conflict",
                last_error=f"HTTP {response.status_code}: {response.text[:1500]}",
            )
        return "conflict"

    def conflict(self, item_id: int) -> dict[str, Any]:
        """Mine (the queued document), theirs (the record here now, as the central has it) and
        the fields where they differ."""
        with self.db.reading() as conn:
            try:
                item = self.repo.item(conn, item_id)
            except Exception:
                raise NotFound(f"no outbox entry {item_id}") from None
        if item.status not in ("conflict", "refused"):
            raise NotFound(f"outbox entry {item_id} is not in conflict (nor refused)")
        try:
            view = self.records.get(item.identifier)
            theirs, revision = view.document, view.revision.revision
        except NotFound:
            theirs, revision = {}, None
        keys = sorted({*item.document, *theirs} - {"header"})
        differ = [k for k in keys if item.document.get(k) != theirs.get(k)]
        return {
            "id": item.id,
            "identifier": item.identifier,
            "mine": item.document,
            "theirs": theirs,
            "theirsRevision": revision,
            "baseRevision": item.base_revision,
            "fields": differ,
        }

    def resolve(self, item_id: int, choice: str, fields: dict[str, str] | None = None) -> str:
        """theirs: drop my edit; mine: send mine over theirs; merge: per field "mine"/"theirs"
        (fields not named keep theirs). The new attempt is based on their revision."""
        info = self.conflict(item_id)
        if choice == "theirs":
            document = None
        elif choice == "mine":
            document = info["mine"]
        elif choice == "merge":
            picks = fields or {}
            bad = [k for k, v in picks.items() if v not in ("mine", "theirs")]
            if bad:
                raise BadRequest(
                    "each field is resolved with mine or theirs",
                    errors=[{"code": "Error.InvalidValue", "path": k, "message": picks[k]}
                            for k in bad],
                )  # fmt: skip
            document = dict(info["theirs"] or info["mine"])
            for key in info["fields"]:
                side = info["mine"] if picks.get(key) == "mine" else info["theirs"]
                if key in side:
                    document[key] = side[key]
                else:
                    document.pop(key, None)
            document["header"] = info["mine"]["header"]
        else:
            raise BadRequest(
                "choice must be theirs, mine or merge",
                errors=[{"code": "Error.InvalidValue", "path": "choice", "message": choice}],
            )
        with self.uow() as tx:
            if document is None:
                self.repo.mark(tx.conn, item_id, status="dropped")
                return "dropped"
            self.repo.mark(
                tx.conn,
                item_id,
                status="pending",
                document=document,
                base_revision=info["theirsRevision"],
                key=uuid.uuid4().hex,  # a new write: a new idempotency key
                last_error=None,
            )
        self.wake.set()
        return "pending"
