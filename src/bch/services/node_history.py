"""A national node copies the central's older revisions of the records it mirrors (issue 12:
"mirrored records keep their central identifiers and revisions").

The dumps and the table snapshot carry each record's latest revision; later revisions arrive
through the change feed. The revisions before the bootstrap are copied afterwards, a page at a
time, from GET /api/v1/revisions (bch.services.older_revisions on the central: what the node's
caller view may read, confidential fields withheld as in the dumps). Each page is written in
one transaction with the central's cursor (`node_state.history`): a node killed at any point
resumes after its last page, and a page written again changes nothing (a revision already here,
or at or after the record's latest here, is skipped: bch.storage.revision_history). Every
surface then reads the central's history: /info (revisions, createdBy), /versions, v2013
/documents/{id}/versions, the history page."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

import httpx

from bch.records.identifiers import parse_record_uid
from bch.services import documents as derive
from bch.services.node_central import (
    MAX_BY,
    MIRROR_BY,
    CentralError,
    answer_json,
    central_time,
)
from bch.services.unit_of_work import UnitOfWork
from bch.storage.node_state import NodeState, NodeStateRepository
from bch.storage.revision_history import HistoryRow, insert_older

log = logging.getLogger("bch.node")

PATH = "/api/v1/revisions"
PAGE = 500  # revisions per request
BUDGET = 2.0  # seconds of copying before the change feed is looked at again

Progress = Callable[[str, int], None] | None


class NodeHistory:
    def __init__(self, repo: NodeStateRepository, uow: UnitOfWork, page: int = PAGE):
        self.repo = repo
        self.uow = uow
        self.page = page

    def copy(
        self,
        client: httpx.Client,
        state: NodeState,
        on_progress: Progress = None,
        budget: float = BUDGET,
    ) -> bool:
        """Copy pages of older revisions for about `budget` seconds. Returns whether more are
        left (False: done, or a central that offers none)."""
        history: dict[str, Any] = dict(state.history or {})
        if history.get("done"):
            return False
        end = time.monotonic() + budget
        while True:
            params: dict[str, Any] = {"limit": self.page}
            if state.schemas:
                params["schemas"] = ",".join(state.schemas)
            if state.countries:
                params["countries"] = ",".join(state.countries)
            if history.get("after"):
                params["after"] = history["after"]
            response = client.get(PATH, params=params)
            if response.status_code == 404:  # a central of an earlier version: asked again later
                log.info("the central offers no older revisions (%s)", PATH)
                return False
            rows, after = _page(answer_json(response, PATH))
            with self.uow() as tx:
                written = insert_older(tx.conn, rows)
                history = {
                    "after": after,
                    "revisions": int(history.get("revisions") or 0) + written,
                    "done": after is None,
                }
                self.repo.update(tx.conn, history=history)  # with the revisions it covers
            if on_progress:
                on_progress("history", history["revisions"])
            if after is None:
                return False
            if time.monotonic() >= end:
                return True


def _page(page: dict[str, Any]) -> tuple[list[HistoryRow], str | None]:
    """The revisions of a page, checked, and the cursor of the next (None: the last page). A
    malformed page is refused whole (CentralError)."""
    items, after = page.get("items"), page.get("next")
    if not isinstance(items, list) or not (after is None or isinstance(after, str)):
        raise CentralError(f"{PATH}: a page without items or next")
    rows = []
    for item in items:
        uid = parse_record_uid(str(item.get("id", ""))) if isinstance(item, dict) else None
        if uid is None:
            raise CentralError(f"{PATH}: a revision without id")
        document, revision = item.get("document"), item.get("revision")
        header = document.get("header") if isinstance(document, dict) else None
        warnings = item.get("warnings")
        by = item.get("publishedBy")
        if (
            not isinstance(header, dict)
            or not isinstance(header.get("identifier"), str)
            or header["identifier"] != item.get("identifier")
            or not isinstance(revision, int)
            or revision < 1
            or not isinstance(warnings, list)
            or not all(isinstance(w, dict) for w in warnings)
            or not (by is None or isinstance(by, str) and 0 < len(by) <= MAX_BY)
        ):
            raise CentralError(f"{PATH}: a malformed revision of {uid}")
        published = central_time(item.get("publishedAt"), "publishedAt", PATH)
        if published is None:
            raise CentralError(f"{PATH}: a revision of {uid} without publishedAt")
        assert isinstance(document, dict)
        rows.append(
            HistoryRow(
                uid.document_id,
                header["identifier"],
                revision,
                document,
                derive.content_hash(document),
                published,
                by or MIRROR_BY,
                warnings,
            )
        )
    return rows, after
