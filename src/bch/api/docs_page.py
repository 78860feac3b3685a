"""The interactive API documentation at /docs: Swagger UI served from local assets (no CDN),
under the site's Content-Security-Policy, started by docs_init.js."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles

DOCS_ASSETS = "/docs/assets"
#: Swagger UI from the npm package swagger-ui-dist (Apache-2.0, SmartBear Software), vendored
#: unchanged in docs_assets/ with its LICENSE and NOTICE; scripts/update-swagger-ui.sh replaces it
SWAGGER_UI_VERSION = "5.35.0"
DOCS_DIR = Path(__file__).with_name("docs_assets")
DOCS_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Biosafety Clearing-House API</title>
<link rel="icon" href="/favicon.ico">
<link rel="stylesheet" href="{assets}/swagger-ui.css?v={version}">
</head><body><div id="swagger-ui"></div>
<script src="{assets}/swagger-ui-bundle.js?v={version}"></script>
<script src="/docs/init.js?v={version}"></script></body></html>"""
#: Swagger UI's options and the plugin that lists every operation (see the file)
DOCS_INIT = Path(__file__).with_name("docs_init.js").read_text(encoding="utf-8")


def install_docs(app: FastAPI) -> None:
    app.mount(DOCS_ASSETS, StaticFiles(directory=DOCS_DIR), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return HTMLResponse(DOCS_PAGE.format(assets=DOCS_ASSETS, version=SWAGGER_UI_VERSION))

    @app.get("/docs/init.js", include_in_schema=False)
    def docs_init() -> Response:  # a file, not an inline script: the pages' CSP forbids those
        return Response(DOCS_INIT, media_type="text/javascript")
