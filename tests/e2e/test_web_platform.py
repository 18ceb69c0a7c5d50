"""The web client as a browser app (issue 15, items 1 and 10), in headless Chromium against the shared runtime:
the refresh token is out of every script's reach; the interface speaks the browser's language, switches to Arabic
right to left, and lays each tweet out in its own script's direction; times are in the viewer's time zone; the app
is installable (its manifest and service worker).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from tests.e2e.accounts import auth, register, unique_name
from tests.e2e.test_web_client import PASSWORD, expect, fill_sign_up_form, tweets_in

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Page

    from tests.e2e.conftest import RunningRuntime

pytestmark = pytest.mark.e2e


@pytest.fixture
def open_context(chromium: Any, chirp_runtime: RunningRuntime) -> Iterator[Any]:
    """`open_context(**options)`: a browser context on the runtime (locale, time zone, ... as a person's browser)."""
    contexts: list[BrowserContext] = []

    def open_one(**options: Any) -> BrowserContext:
        context = chromium.new_context(
            base_url=chirp_runtime.root_url, viewport={"width": 1280, "height": 900}, **options
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context

    yield open_one
    for context in contexts:
        context.close()


def log_in(page: Page, username: str, login_label: str, password_label: str, button: str) -> None:
    page.goto("/login")
    page.get_by_label(login_label, exact=True).fill(username)
    page.get_by_label(password_label, exact=True).fill(PASSWORD)
    page.get_by_role("button", name=button, exact=True).click()


def test_the_refresh_token_is_an_httponly_strict_cookie_and_no_token_is_left_where_scripts_can_read_it(
    open_context: Any,
) -> None:
    # Given a person who signed up through the form
    context = open_context()
    page = context.new_page()
    page.goto("/signup")
    fill_sign_up_form(page, unique_name(), "Cookie Person")
    # Then the browser holds the refresh token as an HttpOnly, SameSite=Strict cookie scoped to /api/auth
    cookies = {cookie["name"]: cookie for cookie in context.cookies()}
    refresh = cookies["chirp_refresh"]
    assert (refresh["httpOnly"], refresh["sameSite"], refresh["path"]) == (True, "Strict", "/api/auth")
    # And the page's scripts can read no token: not the cookie, nor anything in web storage
    assert "chirp_refresh" not in page.evaluate("document.cookie")
    stored = page.evaluate("[...Object.values(localStorage), ...Object.values(sessionStorage)].join(' ')")
    assert refresh["value"] not in stored
    assert not re.search(r"eyJ[\w-]+\.[\w-]+\.", stored), "a JWT was left in web storage"
    # And a reload still restores the session from the cookie alone
    page.reload()
    expect(page.get_by_role("textbox", name="What's happening?")).to_be_visible()


def test_the_interface_speaks_the_browsers_language_and_arabic_turns_it_right_to_left(
    open_context: Any, api: httpx.Client
) -> None:
    # Given a person whose browser prefers French
    username = register(api)["data"]["username"]
    page = open_context(locale="fr-FR").new_page()
    # When they log in through the French form
    log_in(page, username, "Nom d'utilisateur ou e-mail", "Mot de passe", "Se connecter")
    # Then the interface is in French, left to right
    navigation = page.get_by_role("navigation", name="Principal")
    expect(navigation.get_by_role("link", name="Accueil")).to_be_visible()
    assert page.evaluate("[document.documentElement.lang, document.documentElement.dir]") == ["fr", "ltr"]
    # When they choose Arabic in the settings
    navigation.get_by_role("link", name="Paramètres").click()
    page.get_by_label("Langue").select_option("ar")
    # Then the whole interface is Arabic and right to left, and stays so after a reload
    expect(page.get_by_role("navigation", name="الرئيسي")).to_be_visible()
    page.reload()
    expect(page.get_by_role("navigation", name="الرئيسي")).to_be_visible()
    assert page.evaluate("[document.documentElement.lang, document.documentElement.dir]") == ["ar", "rtl"]


def test_each_tweet_reads_in_its_own_scripts_direction_and_its_time_in_the_viewers_zone(
    open_context: Any, api: httpx.Client
) -> None:
    # Given a reader in Tokyo with an English interface, following an author who posts in Arabic and in English
    author = register(api)
    reader = register(api)
    assert api.post(f"/users/{author['data']['id']}/follow", headers=auth(reader)).status_code in (200, 201)
    arabic = api.post("/tweets", json={"text": "مرحبا بالعالم، هذه تغريدة"}, headers=auth(author))
    english = api.post("/tweets", json={"text": "Hello world, in English"}, headers=auth(author))
    assert arabic.status_code == english.status_code == 201
    page = open_context(locale="en-US", timezone_id="Asia/Tokyo").new_page()
    # When the reader opens the home timeline
    log_in(page, reader["data"]["username"], "Username or email", "Password", "Log in")
    tweets = tweets_in(page)
    expect(tweets).to_have_count(2, timeout=30_000)
    # Then the Arabic tweet reads right to left and the English one left to right, in an English interface
    directions = {
        article.get_attribute("data-tweet-id"): article.locator("[dir=auto]").first.evaluate(
            "element => getComputedStyle(element).direction"
        )
        for article in tweets.all()
    }
    assert directions == {arabic.json()["data"]["id"]: "rtl", english.json()["data"]["id"]: "ltr"}
    # And each tweet's exact time is given in Tokyo's time zone
    created = datetime.fromisoformat(arabic.json()["data"]["created_at"].replace("Z", "+00:00"))
    tokyo = created.astimezone(ZoneInfo("Asia/Tokyo"))
    title = page.locator(f"article[data-tweet-id='{arabic.json()['data']['id']}'] time").first.get_attribute("title")
    assert title is not None and tokyo.strftime("%-I:%M") in title and str(tokyo.day) in title


def test_the_app_is_installable_with_a_manifest_and_a_service_worker(open_context: Any) -> None:
    # Given the signed-out home page
    page = open_context().new_page()
    page.goto("/")
    # Then its manifest names the app, starts at / standalone, and its PNG icons are served
    manifest_url = page.locator("link[rel=manifest]").get_attribute("href")
    manifest = page.request.get(manifest_url or "").json()
    assert (manifest["name"], manifest["start_url"], manifest["display"]) == ("Chirp", "/", "standalone")
    sizes = {icon["sizes"] for icon in manifest["icons"] if icon["type"] == "image/png"}
    assert {"192x192", "512x512"} <= sizes
    for icon in manifest["icons"]:
        answer = page.request.get(icon["src"])
        assert answer.status == 200 and answer.headers["content-type"] == icon["type"], icon
    # And its service worker (which shows Web Push notifications) is active over the whole app
    scope = page.evaluate("navigator.serviceWorker.ready.then(registration => registration.scope)")
    assert scope == page.url.split("#")[0].rstrip("/") + "/"
