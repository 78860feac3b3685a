"""What a national node's pull and push share (issue 12): the HTTP client to the central, its
answers checked, the round's report, the back-off, and settling outbox entries whose revision
came back through the feed."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
import orjson

from bch.storage.mirror_stamps import CentralStamp
from bch.storage.node_state import NodeState, NodeStateRepository, OutboxItem
from bch.tls import client_context

MIRROR_BY = "node-sync"
MAX_BY = 200  # revisions.created_by
PENDING = ("pending", "requested", "published")  # not yet seen back through the feed


class CentralError(Exception):
    """The central is unreachable, or answered something this node cannot use."""


@dataclass
class SyncReport:
    bootstrapped: dict[str, int] = field(default_factory=dict)  # schema -> records applied
    applied: int = 0  # feed entries that changed something here
    skipped: int = 0  # entries already here, superseded or outside what the node mirrors
    pushed: int = 0
    conflicts: int = 0
    cursor: int = 0


def now() -> datetime:
    return datetime.now(UTC)


def iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


def backoff_delay(failures: int, base: float = 1.0, cap: float = 60.0) -> float:
    """Exponential back-off with full jitter: uniform in [0, min(cap, base * 2**failures)]."""
    return random.uniform(0, min(cap, base * 2 ** min(failures, 30)))


def central_client(
    state: NodeState, timeout: float, transport: httpx.BaseTransport | None = None
) -> httpx.Client:
    headers = {"User-Agent": "bch-node"}
    if state.token:
        headers["Authorization"] = f"Bearer {state.token}"
    return httpx.Client(
        base_url=state.central_url,
        headers=headers,
        timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
        transport=transport,
        verify=client_context(),
    )


def wanted(state: NodeState, schema: str | None, country: str | None) -> bool:
    """Whether the node mirrors a record of this schema and country."""
    if state.schemas and schema not in state.schemas:
        return False
    return not (state.countries and country is not None and country not in state.countries)


def answer_json(
    response: httpx.Response, what: str, ok: tuple[int, ...] = (200, 201, 202)
) -> dict[str, Any]:
    """The central's answer as a JSON object; anything else is a CentralError."""
    if response.status_code not in ok:
        raise CentralError(f"{what}: HTTP {response.status_code}")
    try:
        body = orjson.loads(response.content)
    except orjson.JSONDecodeError:
        raise CentralError(f"{what}: the answer is not JSON (truncated?)") from None
    if not isinstance(body, dict):
        raise CentralError(f"{what}: the answer is not a JSON object")
    return body


def central_time(value: Any, name: str, what: str) -> datetime | None:
    """A time the central gives (ISO 8601); None when it gives none; CentralError when it is
    not a time."""
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise CentralError(f"{what}: {name} is not an ISO 8601 time") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def central_stamp(
    answer: dict[str, Any], document_id: int, revision: int, what: str
) -> CentralStamp:
    """What the central says of a revision it published (a dump line, or its answer to
    /api/v1/records/...): the record's createdAt, the revision's publishedAt (a dump line gives
    the record's updatedAt: the same moment for its latest, live revision), who published it
    (publishedBy) and its warnings.
    What it does not say stays None (the node's own values are kept); what it says malformed
    is refused (CentralError), like any malformed answer."""
    warnings = answer.get("warnings")
    if warnings is not None and not (
        isinstance(warnings, list) and all(isinstance(w, dict) for w in warnings)
    ):
        raise CentralError(f"{what}: warnings is not a list of objects")
    published = answer.get("publishedAt", answer.get("updatedAt"))
    by = answer.get("publishedBy")
    if by is not None and not (isinstance(by, str) and 0 < len(by) <= MAX_BY):
        raise CentralError(f"{what}: publishedBy is not a name of 1 to {MAX_BY} characters")
    return CentralStamp(
        document_id,
        revision,
        central_time(answer.get("createdAt"), "createdAt", what),
        central_time(published, "publishedAt", what),
        warnings,
        by,
    )


def settle(repo: NodeStateRepository, conn, identifier: str, revision: int) -> None:
    """A revision of the record came back from the central: queued items of it that were
    published or requested (and whose base it supersedes) are done."""
    for item in repo.waiting_for(conn, identifier):
        settle_item(repo, conn, item, revision)


def settle_item(repo: NodeStateRepository, conn, item: OutboxItem, revision: int) -> None:
    """settle() for one queued item of the record."""
    if item.status in ("published", "requested") and (item.base_revision or 0) < revision:
        repo.mark(conn, item.id, status="done")
