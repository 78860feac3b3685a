"""Shared by the browser tests of the workflow and API docs pages: Playwright driving Debian's
chromium (never a browser playwright downloads), a walk that records requests to other hosts,
checks WCAG 2.1 AA with axe-core and takes screenshots into test-artifacts/ at desktop and phone
width."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlparse

import pytest

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
AXE = Path(__file__).with_name("vendor") / "axe.min.js"
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 740}


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

    def __init__(self, browser, base: str, name: str, *, csp: bool = False, **context):
        self.base, self.name, self.step = base, name, 0
        # axe-core is injected as a script: the page's CSP is bypassed unless `csp` is asked for
        context.setdefault("viewport", DESKTOP)
        self.context = browser.new_context(bypass_csp=not csp, **context)
        self.external: list[str] = []
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()

    def _route(self, route):
        host = urlparse(route.request.url).hostname
        if host in ("127.0.0.1", "localhost") or route.request.url.startswith(("data:", "blob:")):
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
        """A full-page screenshot at the context's width and, unless told not to, at phone
        width (the viewport is put back afterwards)."""
        self.step += 1
        ARTIFACTS.mkdir(exist_ok=True)
        stem = f"{self.name}-{self.step:02d}-{label}"
        self.page.screenshot(path=str(ARTIFACTS / f"{stem}.png"), full_page=True)
        if phone:
            size = self.page.viewport_size
            self.page.set_viewport_size(PHONE)
            self.page.screenshot(path=str(ARTIFACTS / f"{stem}-phone.png"), full_page=True)
            width = self.page.evaluate("document.documentElement.scrollWidth")
            self.page.set_viewport_size(size)
            assert not fits_phone or width <= PHONE["width"] + 5, (
                f"{stem} scrolls sideways on a phone ({width}px)"
            )

    def axe(self) -> None:
        self.page.add_script_tag(path=str(AXE))
        result = self.page.evaluate(
            "opts => axe.run(document, opts)", {"runOnly": {"type": "tag", "values": WCAG}}
        )
        problems = [
            f"{v['id']} ({v['impact']}): {v['help']} -> {[n['target'] for n in v['nodes'][:3]]}"
            for v in result["violations"]
        ]
        assert not problems, f"{self.page.url}: " + "; ".join(problems)

    def close(self) -> None:
        assert not self.external, f"requests to other hosts: {self.external}"
        self.context.close()
