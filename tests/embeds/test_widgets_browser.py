"""widgets.js in a real browser: a third-party page on another origin embeds a search list and a
record; the frames appear, resize to their content through postMessage, ignore height messages
from any other origin, and nothing is fetched from a third host."""

from __future__ import annotations

import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlparse

import pytest

from tests.oai.live import live_server
from tests.web.browser import require_chromium

require_chromium()  # a skip, or a failure under CI, without chromium
pytestmark = [
    pytest.mark.xdist_group("browser-2"),
    pytest.mark.parametrize("loaded", ["sqlite"], indirect=True),
]


def third_party_site(html: str):
    """A plain HTTP server on another port (another origin) serving one page."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            body = html.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@contextmanager
def loopback_page(chromium, external: list[str]):
    """A page of a fresh context of the worker's chromium that reaches only loopback hosts; any
    other request is refused and its URL appended to `external`. The context is closed after."""
    context = chromium.new_context()

    def route(r):
        if urlparse(r.request.url).hostname in ("127.0.0.1", "localhost"):
            r.continue_()
        else:
            external.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    try:
        yield context.new_page()
    finally:
        context.close()


def test_widgets_create_resizing_frames_on_another_site(loaded, chromium):
    record = loaded.records.list(schema="modifiedOrganism", limit=1).items[0].uid_base
    with live_server(loaded) as bch:
        bch_local = bch.replace("127.0.0.1", "localhost")  # a different origin from the host page
        page_html = f"""<!doctype html><html><body><h1>A partner site</h1>
<div class="bch-embed" data-type="search" data-schema="biosafetyDecision" data-country="CA"
     data-lang="fr" data-limit="8"></div>
<div class="scbd-ch-embed" data-type="record" data-record-id="{record}" data-locale="es"></div>
<script src="{bch_local}/widgets.js"></script></body></html>"""
        site = third_party_site(page_html)
        external: list[str] = []
        try:
            with loopback_page(chromium, external) as page:
                page.goto(f"http://127.0.0.1:{site.server_address[1]}/")
                page.wait_for_function("document.querySelectorAll('iframe').length === 2")
                srcs = page.eval_on_selector_all("iframe", "els => els.map(e => e.src)")
                assert srcs[0].startswith(f"{bch_local}/embed/search?")
                assert "country=CA" in srcs[0] and "lang=fr" in srcs[0]
                assert srcs[1] == f"{bch_local}/embed/records/{record}?lang=es"
                # both frames report their height and are resized away from the initial 300px
                page.wait_for_function(
                    "[...document.querySelectorAll('iframe')].every(f => f.style.height !== '300px')",
                    timeout=15000,
                )
                heights = page.eval_on_selector_all(
                    "iframe", "els => els.map(e => parseInt(e.style.height))"
                )
                inner = [
                    f.evaluate("Math.ceil(document.body.getBoundingClientRect().height)")
                    for f in page.frames[1:]
                ]
                assert sorted(heights) == sorted(inner)
                # a message from the host page's own origin is not trusted
                # messages arrive in order: once the second has, the first has been handled
                page.evaluate(
                    """() => new Promise(done => {
                        addEventListener('message', e => { if (e.data === 'after') done(); });
                        postMessage({type: 'setClientHeight', height: 5000}, '*');
                        postMessage('after', '*');
                    })"""
                )
                after = page.eval_on_selector_all(
                    "iframe", "els => els.map(e => parseInt(e.style.height))"
                )
                assert after == heights
                frame_titles = [f.title() for f in page.frames[1:]]
                assert any(frame_titles)
        finally:
            site.shutdown()
    assert external == []
