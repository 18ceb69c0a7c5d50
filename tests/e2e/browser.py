"""The browser tests' machinery: Debian's Chromium driven by Playwright, pages sized like a phone or a desktop in
light or dark, axe-core's audit and screenshots (tests/e2e/test_web_client.py, bench/web.py).

Why Debian's /usr/bin/chromium through `executable_path` rather than Playwright's own browser: `playwright install`
downloads a build from a CDN this project's machines cannot reach; `make test` installs Debian's package
(infra/install_chromium.sh). A machine without it fails these tests with that command, never skips them: a skipped
browser suite would pass `make test` with the web client untested.

Playwright is imported lazily (its sync API pulls in greenlet and an event loop) so that importing this module, as
tests/e2e/conftest.py does for every e2e test, costs nothing.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, Playwright, ViewportSize

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("CHIRP_CHROMIUM", "/usr/bin/chromium"))
# helper_common.md's flags: without the background-networking ones Chromium keeps dialling Google's hosts, which
# this machine's closed network refuses. --headless itself is Playwright's (headless=True).
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
AXE_SCRIPT = REPO / "web" / "node_modules" / "axe-core" / "axe.min.js"
WEB_BUILD = REPO / "web" / "dist" / "index.html"
RESULTS = REPO / "bench" / "results" / "web"
SCREENSHOTS = RESULTS / "screenshots"
AXE_RESULTS = RESULTS / "axe"
# Long enough for a loaded two-core machine (six agents share it), short enough that a missing element fails fast.
TIMEOUT_MS = 15_000

Viewport = Literal["phone", "desktop"]
ColorScheme = Literal["light", "dark"]
VIEWPORTS: dict[str, ViewportSize] = {
    "phone": {"width": 390, "height": 844},  # an iPhone 12-15's CSS pixels
    "desktop": {"width": 1280, "height": 800},
}
# axe-core's impacts that fail a screen (issue 15: "no serious or critical violations"); minor and moderate ones
# are reported in the saved JSON only.
FAILING_IMPACTS = frozenset({"serious", "critical"})


def require_chromium() -> None:
    """Fail (not skip) with the command that installs Chromium when it is missing."""
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        pytest.fail(
            f"{CHROMIUM} is missing: the browser tests need Debian's Chromium. "
            "Install it with `bash infra/install_chromium.sh` (`make test` does).",
            pytrace=False,
        )


def require_web_build() -> None:
    """Fail with the command that builds the web client when web/dist is missing (the runtime serves it at `/`)."""
    if not WEB_BUILD.is_file():
        pytest.fail(f"{WEB_BUILD} is missing: build the web client with `make web` (`make test` does).", pytrace=False)


def launch(playwright: Playwright) -> Browser:
    """Debian's Chromium, headless, with the project's flags."""
    return playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=list(CHROMIUM_ARGS))


@dataclass
class Pages:
    """Opens pages against one runtime, each in a fresh browser context (its own cookies and storage: one person);
    closes every context it opened when the test ends (`close`)."""

    browser: Browser
    root_url: str
    contexts: list[BrowserContext] = field(default_factory=list)

    def new_page(
        self,
        viewport: Viewport = "phone",
        color_scheme: ColorScheme = "light",
        locale: str = "en-US",
        storage_state: dict[str, Any] | None = None,
    ) -> Page:
        """A blank page in a new context; `page.goto("/")` opens the web client (the context's base URL is the
        runtime's root). `storage_state` (from `page.context.storage_state()`) restores a signed-in session."""
        context = self.browser.new_context(
            base_url=self.root_url,
            viewport=VIEWPORTS[viewport],
            color_scheme=color_scheme,
            locale=locale,
            timezone_id="UTC",
            is_mobile=viewport == "phone",
            has_touch=viewport == "phone",
            storage_state=storage_state,  # type: ignore[arg-type]
        )
        context.set_default_timeout(TIMEOUT_MS)
        self.contexts.append(context)
        page = context.new_page()
        # Shown with the test's output when it fails: what the app itself threw or logged as an error.
        page.on("pageerror", lambda error: print(f"[page error] {page.url}: {error}"))
        page.on("console", lambda message: print_error(page, message))
        return page

    def close(self) -> None:
        for context in self.contexts:
            context.close()
        self.contexts.clear()


NewPage = Callable[..., "Page"]


def print_error(page: Page, message: ConsoleMessage) -> None:
    if message.type == "error":
        print(f"[console] {page.url}: {message.text}")


def page_look(page: Page) -> tuple[str, str]:
    """("phone"|"desktop", "light"|"dark") as the page itself reports them: its width and its colour scheme."""
    width = (page.viewport_size or VIEWPORTS["desktop"])["width"]
    dark = page.evaluate("matchMedia('(prefers-color-scheme: dark)').matches")
    return ("phone" if width < 600 else "desktop", "dark" if dark else "light")


def screenshot(page: Page, name: str) -> Path:
    """What the person sees (the viewport, not the whole scroll height), saved as
    bench/results/web/screenshots/<name>-<viewport>-<scheme>.png."""
    viewport, scheme = page_look(page)
    path = SCREENSHOTS / f"{name}-{viewport}-{scheme}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=path, animations="disabled", caret="hide")
    return path


def run_axe(page: Page) -> dict[str, Any]:
    """axe-core's results for the page as it is now (axe from web/node_modules, evaluated in the page: Chirp serves
    no test code, and an evaluation is not subject to the page's Content-Security-Policy)."""
    if not AXE_SCRIPT.is_file():
        pytest.fail(f"{AXE_SCRIPT} is missing: install the web client's packages with `make web`.", pytrace=False)
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(AXE_SCRIPT.read_text(encoding="utf-8") + "\n;undefined")
    results: dict[str, Any] = page.evaluate("async () => await window.axe.run(document, {resultTypes: ['violations']})")
    return results


def serious_violations(results: dict[str, Any]) -> list[str]:
    """One line per serious or critical violation: its id, impact, help and the CSS targets of its nodes."""
    lines = []
    for violation in results.get("violations", []):
        if violation.get("impact") not in FAILING_IMPACTS:
            continue
        targets = [" ".join(map(str, node.get("target", []))) for node in violation.get("nodes", [])]
        lines.append(
            f"{violation['id']} ({violation['impact']}): {violation['help']} [{len(targets)} node(s)]: "
            + "; ".join(targets[:8])
            + (" ..." if len(targets) > 8 else "")
        )
    return lines


def check_accessibility(page: Page, name: str) -> dict[str, Any]:
    """Run axe-core on the page; fail listing every serious or critical violation. Every result (minor and moderate
    ones too) is saved as bench/results/web/axe/<name>-<viewport>-<scheme>.json."""
    results = run_axe(page)
    viewport, scheme = page_look(page)
    AXE_RESULTS.mkdir(parents=True, exist_ok=True)
    saved = AXE_RESULTS / f"{name}-{viewport}-{scheme}.json"
    saved.write_text(json.dumps(results.get("violations", []), indent=2) + "\n", encoding="utf-8")
    failing = serious_violations(results)
    assert not failing, f"axe-core on {name} ({page.url}, {viewport}, {scheme}):\n" + "\n".join(failing)
    return results
