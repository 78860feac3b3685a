"""The reference point of bench_reads: a bare Starlette app answering one fixed JSON document
of the size of a record (no database, no middleware). Usage: python -m bench.bare_starlette PORT"""

from __future__ import annotations

import sys

import uvicorn
from starlette.applications import Starlette
from starlette.responses import Response
from starlette.routing import Route

BODY = b'{"header":{"identifier":"bare","schema":"bare"},"text":"' + b"x" * 2400 + b'"}'


async def record(request) -> Response:
    return Response(BODY, media_type="application/json")


app = Starlette(routes=[Route("/api/v1/records/{record_id}", record)])

if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning", access_log=False)
