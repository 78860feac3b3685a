"""Shared by the browser tests of the workflow and API docs pages: Playwright driving Debian's
chromium (never a browser playwright downloads), a walk that records requests to other hosts,
checks WCAG 2.1 AA with axe-core and checks that a page fits a phone's width.

Full-page screenshots (desktop and phone width, into test-artifacts/) were most of the browser
tests' time: `make test` takes them only of the pages a failed test left open (save_failure_shots,
for diagnosis); `make screenshots` (SCREENSHOTS=1) takes the whole set."""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import urlparse

import pytest

# Debian's headless shell of chromium (package chromium-headless-shell: the same source and
# version as its chromium, without the desktop browser around the renderer), which is what
# playwright itself drives for headless runs: the browser tests took ~0.63x the chromium CPU of
# the full /usr/bin/chromium (tests/web/test_reading_browser.py: 37.8 s against 59.7 s)
CHROMIUM = "/usr/lib/chromium/chromium-headless-shell"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    # V8 compiles the pages' scripts and axe-core with its baseline compiler only, never with the
    # optimizing ones: a walk runs each script a few times, the optimizing compilers' work was
    # never paid back (test_reading_browser.py: chromium 36.0-37.0 -> 33.0-33.4 s of CPU)
    "--js-flags=--max-opt=1",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
AXE = Path(__file__).with_name("vendor") / "axe.min.js"
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 740}
SCREENSHOTS = os.environ.get("SCREENSHOTS") == "1"  # `make screenshots`
# the requests a walk stops and records: any URL but this machine's own pages and data:/blob:.
# A regular expression, not a callable, so that chromium's side matches it: the walk's own pages'
# requests (every stylesheet, script, image) no longer each make a round trip to this process.
EXTERNAL = re.compile(
    r"^(?!(?:https?|wss?)://(?:127\.0\.0\.1|localhost)(?::\d+)?(?:[/?#]|$)|data:|blob:)"
)
# axe-core's violations only, summed up in the page: its passes and inapplicable rules (every
# node of a long page, with its HTML) are neither built nor sent back over the protocol
AXE_RUN = """opts => axe.run(document, opts).then(r => r.violations.map(v =>
  `${v.id} (${v.impact}): ${v.help} -> ${JSON.stringify(v.nodes.slice(0, 3).map(n => n.target))}`))"""


def require_chromium():
    """The playwright module, or a skip (a failure under CI) when chromium is missing."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing (scripts/ensure-chromium.sh)", pytrace=False)
        pytest.skip(f"{CHROMIUM} is missing (scripts/ensure-chromium.sh)", allow_module_level=True)
    return pytest.importorskip("playwright.sync_api")


def launch(sync_api):
    """A context manager yielding a started chromium."""

    class _Browser:
        def __enter__(self):
            self.p = sync_api.sync_playwright().start()
            self.b = self.p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
            return self.b

        def __exit__(self, *exc):
            self.b.close()
            self.p.stop()

    return _Browser()


class Walk:
    """One browser context: records requests to other hosts, checks accessibility, screenshots
    (each at desktop and phone width)."""

    def __init__(
        self, browser, base: str, name: str, *, csp: bool = False, axe_each_page=False, **context
    ):
        """`axe_each_page`: axe-core is in every page the context opens (an init script, for a
        walk that checks each page it opens), not added to a page when it is checked."""
        self.base, self.name, self.step = base, name, 0
        # axe-core is injected as a script: the page's CSP is bypassed unless `csp` is asked for
        context.setdefault("viewport", DESKTOP)
        self.context = browser.new_context(bypass_csp=not csp, **context)
        self.axe_each_page = axe_each_page
        if axe_each_page:
            self.context.add_init_script(path=str(AXE))
        self.external: list[str] = []
        self.context.route(EXTERNAL, self._route)
        self.page = self.context.new_page()

    def _route(self, route):
        host = urlparse(route.request.url).hostname
        if host in ("127.0.0.1", "localhost"):  # EXTERNAL let a local URL through: not expected
            route.continue_()
        else:
            self.external.append(route.request.url)
            route.abort()

    def goto(self, path: str):
        return self.page.goto(self.base + path)

    def sign_in(self, email: str, password: str, lang: str = "en") -> None:
        self.goto(f"/{lang}/sign-in")
        self.page.fill("#email", email)
        self.page.fill("#password", password)
        self.page.click("form.record button[type=submit]")
        self.page.wait_for_load_state()

    def shot(self, label: str, *, phone: bool = True, fits_phone: bool = True) -> None:
        """Unless told not to, check at phone width that the page does not scroll sideways (the
        viewport is put back afterwards). With SCREENSHOTS=1, a full-page screenshot at the
        context's width and (with `phone`) at phone width."""
        self.step += 1
        stem = f"{self.name}-{self.step:02d}-{label}"
        if SCREENSHOTS:
            ARTIFACTS.mkdir(exist_ok=True)
            self.page.screenshot(path=str(ARTIFACTS / f"{stem}.png"), full_page=True)
        if phone and (fits_phone or SCREENSHOTS):
            size = self.page.viewport_size
            self.page.set_viewport_size(PHONE)
            if SCREENSHOTS:
                self.page.screenshot(path=str(ARTIFACTS / f"{stem}-phone.png"), full_page=True)
            width = self.page.evaluate("document.documentElement.scrollWidth")
            self.page.set_viewport_size(size)
            assert not fits_phone or width <= PHONE["width"] + 5, (
                f"{stem} scrolls sideways on a phone ({width}px)"
            )

    def axe(self) -> None:
        """axe-core's WCAG 2.1 A and AA rules on the page: no violation."""
        if not self.axe_each_page:
            self.page.add_script_tag(path=str(AXE))
        problems = self.page.evaluate(
            AXE_RUN, {"runOnly": {"type": "tag", "values": WCAG}, "resultTypes": ["violations"]}
        )
        assert not problems, f"{self.page.url}: " + "; ".join(problems)

    def close(self) -> None:
        assert not self.external, f"requests to other hosts: {self.external}"
        self.context.close()


def save_failure_shots(browser, test: str) -> None:
    """A full-page screenshot of every page still open in `browser` (a failed test leaves its
    walks open) into test-artifacts/failed-*.png, for diagnosis. Never raises: the test's own
    failure is what is reported."""
    stem = "failed-" + re.sub(r"[^\w.-]+", "_", test).strip("_")
    pages = [page for context in browser.contexts for page in context.pages]
    for n, page in enumerate(pages):
        try:
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / f"{stem}-{n}.png"), full_page=True, timeout=10_000)
        except Exception:  # noqa: BLE001 - a closed or hung page has nothing to show
            continue
