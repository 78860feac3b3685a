"""GET /api/v1/changes: the change feed (every publish and delete, tombstones included), and
GET /api/v1/changes/stream: server-sent events announcing each new sequence number (what wakes
a national node within a second of a publish; polling the feed stays the fallback)."""

from __future__ import annotations

from typing import Annotated

import anyio
from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, StreamingResponse

from bch.api.deps import Svc
from bch.api.http import next_link
from bch.api.identity import principal_of
from bch.api.params import PageSize

router = APIRouter(prefix="/api/v1", tags=["changes"])


@router.get(
    "/changes",
    summary="Every publish and delete in sequence order; resume with `since` = previous `next`",
    description=(
        "Entries {seq, action, id, identifier, schema, realm, country, revision, at, url, "
        "tombstone?}. `next` is always given: an empty page means you are up to date; poll "
        "again later with the same token. A bulk dump's X-Change-Sequence is a valid `since`."
    ),
)
def list_changes(
    request: Request,
    svc: Svc,
    since: Annotated[
        str | None, Query(description="token from `next`, or a sequence number")
    ] = None,
    limit: PageSize = 100,
):
    page = svc.changes.page(since, limit, principal_of(request))  # entries the caller may read
    headers = {"X-Change-Sequence": str(page.sequence)}
    if len(page.items) == limit:
        headers["Link"] = next_link(request, page.next, "since")
    return JSONResponse(
        {"items": page.items, "next": page.next, "sequence": page.sequence}, headers=headers
    )


STREAM_CHECK = 0.25  # seconds between looks at the last sequence number
STREAM_HEARTBEAT = 15.0  # a comment line keeps proxies from closing a quiet stream
STREAM_LIFETIME = 600.0  # the stream ends after this; the client reconnects


@router.get(
    "/changes/stream",
    summary="Server-sent events: one `change` event whenever the change sequence advances",
    description=(
        "`text/event-stream`. The first event gives the current sequence, then one event per "
        'advance: `event: change`, `data: {"sequence": N}`. Read the feed '
        "(/api/v1/changes?since=...) when one arrives; the stream ends after 10 minutes "
        "(reconnect). It says only that something changed, never what: the feed applies the "
        "reader's permissions. A request without `Accept: text/event-stream` gets the first "
        "event only (the answer then ends)."
    ),
    responses={200: {"content": {"text/event-stream": {}}, "description": "the event stream"}},
)
async def stream_changes(request: Request, svc: Svc):
    follow = "text/event-stream" in request.headers.get("accept", "")

    async def events():
        last = -1
        quiet = 0.0
        waited = 0.0
        while waited < STREAM_LIFETIME:
            if await request.is_disconnected():
                return
            seq = await anyio.to_thread.run_sync(svc.changes.last_sequence)
            if seq != last:
                last = seq
                quiet = 0.0
                yield f'event: change\ndata: {{"sequence": {seq}}}\n\n'.encode()
                if not follow:
                    return
            elif quiet >= STREAM_HEARTBEAT:
                quiet = 0.0
                yield b": keep-alive\n\n"
            await anyio.sleep(STREAM_CHECK)
            quiet += STREAM_CHECK
            waited += STREAM_CHECK

    return StreamingResponse(
        events(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
