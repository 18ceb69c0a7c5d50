"""`make bench-web`: the web client against its budgets (issue 15): what it weighs, how soon the home timeline shows,
and what Lighthouse thinks of it.

1. **Bundle sizes**: every file in web/dist/assets, raw, gzip (level 9) and brotli (quality 11, only when the
   `brotli` module is installed). The first screen's JavaScript is what web/dist/index.html loads before anything
   else: its entry `<script type="module">` and its `<link rel="modulepreload">`s; their gzip total against the
   budget of 100 KB (100,000 bytes). A chunk loaded later (the composer's twitter-text, a page's own code) is not
   on the first screen.
2. **Time to first timeline paint**: on a local runtime of its own (relaxed rate limits, fresh data folder), a
   reader whose home timeline holds `--tweets` tweets (from an account they follow) signs in once through the
   form; then, after `--warmups` untimed loads (the runtime starting the API's sandboxes a page's parallel
   requests need: cold starts), `--navigations` fresh loads of `/` in that browser context, each in a new tab
   with the HTTP cache cleared and service workers blocked (a returning person on a cold cache: the session is
   restored from its refresh cookie). Measured in the page: `performance.now()` (from navigation start) at the
   animation frame after the first `article[data-testid=tweet]` has a box. p50/p90 against the budget of 1 s, with
   first contentful paint beside it.
3. **Lighthouse** 12.2.3 (bench/web/package.json, its own lock file, so `make run` never installs it) on the
   signed-out page with Debian's Chromium: the performance and accessibility scores, FCP, LCP, TBT. Lighthouse's
   default: a mobile profile under simulated throttling (slow 4G, 4x CPU slowdown).

Prints a table; writes bench/results/web.json (and Lighthouse's own report as bench/results/web-lighthouse.json),
and a screenshot of the home timeline at desktop size as bench/results/web-home.png (the README's docs/web-home.png).

    python -m bench.web [--navigations 10] [--warmups 3] [--tweets 30] [--skip-lighthouse]
"""

from __future__ import annotations

import argparse
import gzip
import json
import subprocess
import sys
import tempfile
import time
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from bench.api_latency import RESULTS, ROOT, percentile

DIST = ROOT / "web" / "dist"
FIRST_SCREEN_JS_BUDGET_BYTES = 100_000
FIRST_PAINT_BUDGET_MS = 1_000.0
LIGHTHOUSE = ROOT / "bench" / "web" / "node_modules" / ".bin" / "lighthouse"
PASSWORD = "password-123"
FIRST_PAGE = 20  # the API's default page size
# Set in the page before any of its scripts runs: `performance.now()` (ms since navigation start) at the animation
# frame after the first tweet of a timeline is in the document with a box, i.e. about to be painted.
FIRST_TWEET_PROBE = """
(() => {
  const seen = () => {
    const tweet = document.querySelector('article[data-testid="tweet"]');
    return tweet !== null && tweet.getBoundingClientRect().height > 0;
  };
  const observer = new MutationObserver(() => {
    if (!seen()) return;
    observer.disconnect();
    requestAnimationFrame(() => { window.__chirpFirstTweetMs ??= performance.now(); });
  });
  observer.observe(document, { childList: true, subtree: true, attributes: true });
})();
"""


# What the page asked of the API before its first tweet showed: path, start and end (ms since navigation start).
API_REQUESTS = """
performance.getEntriesByType('resource')
  .filter(entry => new URL(entry.name).pathname.startsWith('/api/') && entry.startTime < window.__chirpFirstTweetMs)
  .map(entry => ({
    path: new URL(entry.name).pathname,
    start_ms: Math.round(entry.startTime),
    end_ms: Math.round(entry.responseEnd),
  }))
"""


class EntryScripts(HTMLParser):
    """The JS index.html loads at once: module scripts' `src` and modulepreload links' `href`; stylesheets apart."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[str] = []
        self.stylesheets: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "script" and attributes.get("src"):
            self.scripts.append(str(attributes["src"]))
        elif tag == "link" and attributes.get("rel") == "modulepreload" and attributes.get("href"):
            self.scripts.append(str(attributes["href"]))
        elif tag == "link" and attributes.get("rel") == "stylesheet" and attributes.get("href"):
            self.stylesheets.append(str(attributes["href"]))


def compressed_sizes(content: bytes) -> dict[str, int]:
    sizes = {"raw": len(content), "gzip": len(gzip.compress(content, compresslevel=9, mtime=0))}
    try:
        import brotli  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        return sizes
    sizes["brotli"] = len(brotli.compress(content, quality=11))
    return sizes


def asset_total(urls: list[str]) -> dict[str, Any]:
    """The files behind these root-relative URLs (each once) and their summed sizes."""
    files = list(dict.fromkeys(url.lstrip("/") for url in urls))
    sizes = [compressed_sizes((DIST / name).read_bytes()) for name in files]
    if not sizes:
        return {"files": []}
    return {"files": files} | {kind: sum(size.get(kind, 0) for size in sizes) for kind in sizes[0]}


def fetched_total(urls: list[str]) -> dict[str, Any]:
    """The sizes of what these URLs serve (each once), fetched again: what the runtime served, whatever web/dist
    holds now."""
    files = list(dict.fromkeys(urls))
    sizes = [compressed_sizes(httpx.get(url, timeout=30).raise_for_status().content) for url in files]
    if not sizes:
        return {"files": []}
    paths = [urlsplit(url).path.lstrip("/") for url in files]
    return {"files": paths} | {kind: sum(size.get(kind, 0) for size in sizes) for kind in sizes[0]}


def is_asset_js(url: str) -> bool:
    path = urlsplit(url).path
    return path.startswith("/assets/") and path.endswith(".js")


def bundle_sizes() -> dict[str, Any]:
    """Each asset's sizes, and the first screen's JS (and CSS) totals against the budget."""
    files = sorted(path for path in (DIST / "assets").rglob("*") if path.is_file())
    # Source maps are fetched by developer tools only, never by a page: counted apart.
    maps = [path for path in files if path.suffix == ".map"]
    assets = {str(path.relative_to(DIST)): compressed_sizes(path.read_bytes()) for path in files if path not in maps}
    entry = EntryScripts()
    entry.feed((DIST / "index.html").read_text(encoding="utf-8"))

    first_js = asset_total(entry.scripts)
    return {
        "assets": assets,
        "source_maps": {"files": len(maps), "raw": sum(path.stat().st_size for path in maps)},
        "first_screen_js": first_js | {"budget_gzip_bytes": FIRST_SCREEN_JS_BUDGET_BYTES},
        "first_screen_css": asset_total(entry.stylesheets),
        "within_budget": first_js.get("gzip", 0) <= FIRST_SCREEN_JS_BUDGET_BYTES,
    }


def seed_reader(api: httpx.Client, tweets: int) -> str:
    """A reader following an author who posted `tweets` tweets, once the reader's home timeline shows them."""
    from tests.e2e.accounts import auth, register
    from tests.e2e.uploads import eventually

    reader, author = register(api), register(api)
    followed = api.post(f"/users/{author['data']['id']}/follow", headers=auth(reader))
    assert followed.status_code < 300, followed.text
    for number in range(tweets):
        text = (
            f"Tweet number {number} of a home timeline, with a #hashtag and a mention of @{reader['data']['username']}"
        )
        posted = api.post("/tweets", json={"text": text}, headers=auth(author))
        assert posted.status_code == 201, posted.text

    # What the first screen shows is the timeline's first page: wait until it is full (or holds them all).
    first_page = min(tweets, FIRST_PAGE)
    eventually(
        lambda: len(api.get("/timeline", headers=auth(reader)).json()["data"]) >= first_page,
        f"{first_page} tweets on the first page of the reader's home timeline",
    )
    return str(reader["data"]["username"])


def first_tweet_of(page: Any) -> Any:
    return page.get_by_role("feed", name="Home timeline").locator("article[data-testid=tweet]").first


def first_timeline_paints(root_url: str, username: str, navigations: int, warmups: int) -> dict[str, Any]:
    """Sign in once through the form, then time `navigations` cold loads of `/` with the session restored, after
    `warmups` loads that are not timed: the seeding sent one request at a time, so the runtime holds one sandbox
    of the API function, and a page's parallel requests start more, each a cold start (as on Lambda) that a
    returning person meets only while the service scales up, not on every visit."""
    from playwright.sync_api import expect, sync_playwright

    from tests.e2e import browser

    paints: list[float] = []
    contentful: list[float] = []
    scripts: list[str] = []
    requests: list[dict[str, Any]] = []
    with sync_playwright() as playwright:
        chromium = browser.launch(playwright)
        context = chromium.new_context(
            base_url=root_url, viewport=browser.VIEWPORTS["desktop"], service_workers="block"
        )
        context.set_default_timeout(30_000)
        page = context.new_page()
        page.goto("/login")
        page.get_by_label("Username or email").fill(username)
        page.get_by_label("Password", exact=True).fill(PASSWORD)
        page.get_by_role("button", name="Log in", exact=True).click()
        expect(first_tweet_of(page)).to_be_visible(timeout=30_000)
        page.close()
        context.add_init_script(FIRST_TWEET_PROBE)
        for number in range(-warmups, navigations):
            page = context.new_page()
            if number == 0:  # what the signed-in first screen really fetches, lazy chunks included
                page.on(
                    "response", lambda response: scripts.append(response.url) if is_asset_js(response.url) else None
                )
            page.context.new_cdp_session(page).send("Network.clearBrowserCache")
            page.goto("/", wait_until="commit")
            page.wait_for_function("window.__chirpFirstTweetMs !== undefined", timeout=30_000)
            if page.get_by_role("feed", name="Home timeline").count() != 1:
                raise SystemExit("the first tweet painted was not in the home timeline: was the session restored?")
            if number < 0:  # a warm-up load
                page.close()
                continue
            paints.append(float(page.evaluate("window.__chirpFirstTweetMs")))
            fcp = page.evaluate(
                "performance.getEntriesByName('first-contentful-paint').map(entry => entry.startTime)[0] ?? null"
            )
            if fcp is not None:
                contentful.append(float(fcp))
            if number == navigations - 1:  # where its time went, and the README's picture (docs/web-home.png)
                requests = page.evaluate(API_REQUESTS)
                expect(first_tweet_of(page)).to_be_visible()
                page.wait_for_load_state("networkidle")
                page.screenshot(path=str(RESULTS / "web-home.png"))
            page.close()
        context.close()
        chromium.close()
    return {
        "navigations": navigations,
        "warmup_navigations": warmups,
        "samples_ms": [round(sample, 1) for sample in paints],
        "p50_ms": round(percentile(paints, 0.5), 1),
        "p90_ms": round(percentile(paints, 0.9), 1),
        "api_requests_before_the_last_paint": requests,
        "first_contentful_paint_p50_ms": round(percentile(contentful, 0.5), 1) if contentful else None,
        "js_loaded_by_the_home_timeline": fetched_total([url for url in scripts if is_asset_js(url)]),
        "budget_ms": FIRST_PAINT_BUDGET_MS,
        "within_budget": percentile(paints, 0.9) <= FIRST_PAINT_BUDGET_MS,
    }


def lighthouse(url: str) -> dict[str, Any]:
    """Lighthouse's performance and accessibility scores (0-100) and its paint metrics for `url`."""
    from tests.e2e.browser import CHROMIUM, CHROMIUM_ARGS

    if not LIGHTHOUSE.exists():
        raise SystemExit(f"{LIGHTHOUSE} is missing: `make bench-web` installs it (cd bench/web && npm ci)")
    report_path = RESULTS / "web-lighthouse.json"
    with tempfile.TemporaryDirectory(prefix="chirp-lighthouse-") as profile:
        flags = " ".join(["--headless=new", *CHROMIUM_ARGS, f"--user-data-dir={profile}"])
        command = [
            str(LIGHTHOUSE),
            url,
            f"--chrome-path={CHROMIUM}",
            f"--chrome-flags={flags}",
            "--only-categories=performance,accessibility",
            "--output=json",
            f"--output-path={report_path}",
            "--quiet",
        ]
        subprocess.run(command, check=True, timeout=600)
    report = json.loads(report_path.read_text(encoding="utf-8"))
    audits = report["audits"]

    def milliseconds(audit: str) -> float | None:
        value = audits.get(audit, {}).get("numericValue")
        return round(float(value), 1) if value is not None else None

    failing = [
        audit_id
        for reference in report["categories"]["accessibility"]["auditRefs"]
        if (audit_id := reference["id"]) in audits and audits[audit_id].get("score") == 0
    ]
    return {
        "url": url,
        "lighthouse_version": report.get("lighthouseVersion"),
        "form_factor": report.get("configSettings", {}).get("formFactor"),
        "performance_score": round(100 * (report["categories"]["performance"]["score"] or 0)),
        "accessibility_score": round(100 * (report["categories"]["accessibility"]["score"] or 0)),
        "first_contentful_paint_ms": milliseconds("first-contentful-paint"),
        "largest_contentful_paint_ms": milliseconds("largest-contentful-paint"),
        "total_blocking_time_ms": milliseconds("total-blocking-time"),
        "accessibility_audits_failed": failing,
    }


def kilobytes(size: int) -> str:
    return f"{size / 1000:.1f} kB"


def print_table(result: dict[str, Any]) -> None:
    bundle = result["bundle"]
    print(f"\n{'asset':<48} {'raw':>10} {'gzip':>10} {'brotli':>10}")
    for name, sizes in bundle["assets"].items():
        brotli_size = kilobytes(sizes["brotli"]) if "brotli" in sizes else "-"
        print(f"{name:<48} {kilobytes(sizes['raw']):>10} {kilobytes(sizes['gzip']):>10} {brotli_size:>10}")
    first = bundle["first_screen_js"]
    verdict = "within" if bundle["within_budget"] else "OVER"
    print(
        f"\nfirst screen JS ({len(first.get('files', []))} files): {kilobytes(first.get('gzip', 0))} gzip, "
        f"budget {kilobytes(FIRST_SCREEN_JS_BUDGET_BYTES)}: {verdict}"
    )
    if paint := result.get("first_timeline_paint"):
        verdict = "within" if paint["within_budget"] else "OVER"
        print(
            f"first home-timeline paint over {paint['navigations']} cold loads "
            f"(after {paint.get('warmup_navigations', 0)} untimed): p50 {paint['p50_ms']:.0f} ms, "
            f"p90 {paint['p90_ms']:.0f} ms (FCP p50 {paint['first_contentful_paint_p50_ms']} ms), "
            f"budget {FIRST_PAINT_BUDGET_MS:.0f} ms: {verdict}"
        )
        requests = paint["api_requests_before_the_last_paint"]
        calls = ", ".join(f"{call['path']} {call['start_ms']}-{call['end_ms']}" for call in requests)
        print(f"  the last load's API requests before its first tweet (ms from navigation start): {calls}")
        loaded = paint["js_loaded_by_the_home_timeline"]
        gzipped = kilobytes(loaded.get("gzip", 0))
        print(f"JS the signed-in home timeline fetched ({len(loaded['files'])} files): {gzipped} gzip")
    if report := result.get("lighthouse"):
        print(
            f"Lighthouse {report['lighthouse_version']} ({report['form_factor']}), signed-out page: "
            f"performance {report['performance_score']}, accessibility {report['accessibility_score']}; "
            f"FCP {report['first_contentful_paint_ms']} ms, LCP {report['largest_contentful_paint_ms']} ms, "
            f"TBT {report['total_blocking_time_ms']} ms"
        )
        if report["accessibility_audits_failed"]:
            print(f"  accessibility audits failed: {', '.join(report['accessibility_audits_failed'])}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--navigations", type=int, default=10, help="cold loads of the home timeline (10)")
    parser.add_argument("--warmups", type=int, default=3, help="loads before them, not timed (3)")
    parser.add_argument("--tweets", type=int, default=30, help="tweets in the reader's home timeline (30)")
    parser.add_argument("--skip-lighthouse", action="store_true", help="sizes and first paint only")
    args = parser.parse_args(argv)

    from tests.e2e.browser import CHROMIUM

    if not CHROMIUM.exists():
        raise SystemExit(f"{CHROMIUM} is missing: bash infra/install_chromium.sh (`make bench-web` runs it)")
    if not (DIST / "index.html").exists():
        subprocess.run(["make", "web"], cwd=ROOT, check=True)
    result: dict[str, Any] = {"bundle": bundle_sizes()}

    from tests.e2e.conftest import start_runtime

    folder = Path(tempfile.mkdtemp(prefix="chirp-bench-web-"))
    print(f"starting a local runtime in {folder}", file=sys.stderr)
    runtime = start_runtime(folder / "data")
    try:
        with httpx.Client(base_url=runtime.base_url, timeout=60) as api:
            started = time.monotonic()
            username = seed_reader(api, args.tweets)
            print(f"seeded {args.tweets} tweets in {time.monotonic() - started:.1f} s", file=sys.stderr)
        result["first_timeline_paint"] = first_timeline_paints(
            runtime.root_url, username, args.navigations, args.warmups
        )
        if not args.skip_lighthouse:
            result["lighthouse"] = lighthouse(f"{runtime.root_url}/")
    finally:
        runtime.stop()
        print(f"runtime log: {runtime.log_path}", file=sys.stderr)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "web.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print_table(result)
    print("\nwrote bench/results/web.json", file=sys.stderr)


if __name__ == "__main__":
    main()
