"""The API server the API benchmark measures: the real application plus one bare endpoint
(`/bare`, no database, no middleware work) to compare record GETs against.

Usage: python -m bench.serve_api DATABASE_URL PORT"""

from __future__ import annotations

import os
import sys

import uvicorn


def main() -> None:
    url, port = sys.argv[1], int(sys.argv[2])
    os.environ.setdefault("BCH_RATE_LIMIT", "off")  # measure the server, not the limiter
    from fastapi.responses import JSONResponse

    from bch.api.app import create_app
    from bch.services.container import Services

    app = create_app(Services.open(url, upgrade=False))

    @app.get("/bare", include_in_schema=False)
    def bare() -> JSONResponse:
        return JSONResponse({"ok": True})

    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
