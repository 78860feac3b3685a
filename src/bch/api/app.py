"""The web application: a thin FastAPI adapter over the services."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from bch import __version__
from bch.api import changes as changes_api
from bch.api import compat as compat_api
from bch.api import embeds as embeds_api
from bch.api import exports as exports_api
from bch.api import lmos, records, schemas
from bch.api import oai as oai_api
from bch.api import reference as reference_api
from bch.api.conventions import install_conventions
from bch.api.errors import install_error_handlers
from bch.api.fast_reads import FastReads
from bch.api.http import FastJSONResponse
from bch.api.methods import HeadAsGet
from bch.api.openapi_doc import install_openapi
from bch.api.routing import include
from bch.services.container import Services


def node_lifespan(svc: Services):
    """On a national node (issue 12) with BCH_NODE_SYNC on: the sync loop runs in a background
    thread while the application serves, and stops with it."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        stop = threading.Event()
        worker = None
        if app.state.node_mode and svc.settings.node_sync:
            worker = threading.Thread(target=svc.node.run, args=(stop,), name="bch-node-sync")
            worker.daemon = True
            worker.start()
        try:
            yield
        finally:
            stop.set()
            svc.node.wake.set()
            if worker is not None:
                worker.join(timeout=10)

    return lifespan


class FastReadsApp(FastAPI):
    """The application, with anonymous cached reads answered before its middlewares and
    routing (api/fast_reads.py does what the middlewares would for them)."""

    def build_middleware_stack(self):
        return FastReads(super().build_middleware_stack(), self.state.services, self.state)


def create_app(svc: Services) -> FastAPI:
    app = FastReadsApp(
        lifespan=node_lifespan(svc),
        title="Biosafety Clearing-House API",
        version=__version__,
        description="Records of the Biosafety Clearing-House and the other realms of the CHM.",
        docs_url=None,  # served from local assets by install_conventions (no CDN)
        redoc_url=None,
        default_response_class=FastJSONResponse,
        # FastAPI's own OpenTelemetry off: it asked on every request whether a global provider
        # was configured (~6 us of a ~50 us cached read, issue 15 item 2); the application has
        # its own request log and metrics (api/observability.py, GET /metrics)
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    app.state.services = svc
    app.state.node_mode = svc.node.enabled  # a national node: banner and background sync
    install_error_handlers(app)
    app.add_middleware(HeadAsGet)  # innermost: CORS and rate limits still see HEAD
    install_conventions(app, svc.settings)  # CORS on public reads, rate limits, /docs
    for module in (changes_api, exports_api, reference_api):  # unified API (part A)
        include(app, module.router)
    for module in (records, schemas, lmos):
        include(app, module.router)
    for module in (oai_api, compat_api, embeds_api):  # harvesting, CBD compatibility, embeds
        include(app, module.router)

    from bch.api import attachments, auth, drafts, requests  # accounts and publishing workflow
    from bch.api.identity import web_principal
    from bch.api.redirects import RelativeRedirects
    from bch.api.security import SecurityHeaders

    for module in (auth, drafts, requests, attachments):
        include(app, module.router)
    app.add_middleware(SecurityHeaders, frameable_paths=svc.settings.frameable_paths)
    app.add_middleware(RelativeRedirects)  # no Host header in a Location (see api/redirects.py)
    app.state.web_principal = web_principal  # the web pages' signed-in user (session cookie)

    from bch.api import operations as operations_api  # /healthz, /readyz, /metrics (issue 15)

    include(app, operations_api.router)

    from bch.api import sources as sources_api  # external databases (issue 6)
    from bch.web import matches as matches_fragment

    include(app, sources_api.router)
    include(app, matches_fragment.router)  # /{lang}/lmos/{uid}/matches fragment

    from bch.api import customs as customs_api  # customs and border control (issue 13)
    from bch.api import quicklinks as quicklinks_api

    include(app, quicklinks_api.router)  # first: /customs/checks/{id}.pdf
    include(app, customs_api.router)
    from bch.api import learning as learning_api  # e-learning (issue 13)

    include(app, learning_api.router)
    from bch.api import registers as registers_api  # national registers (issue 12 item 5)

    include(app, registers_api.router)
    from bch.api import alerts as alerts_api  # feeds and e-mail alerts (issue 14)

    include(app, alerts_api.router)
    from bch.api import consultations as consultations_api  # public participation (issue 14)
    from bch.api import forums as forums_api

    include(app, consultations_api.router)
    include(app, forums_api.router)

    from bch.web.routes import install as install_web_pages  # HTML pages under /{lang}/

    install_web_pages(app)
    install_openapi(app)  # 400 and 429 where they apply, no generated 422
    operations_api.observe(app, svc.settings.log_format)  # outermost: request ids, logs, metrics
    return app
