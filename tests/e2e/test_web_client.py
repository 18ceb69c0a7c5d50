"""The web client in headless Chromium against the shared local runtime (issue 15, Tests): a person signs up through
the form; every main screen passes axe-core (no serious or critical violation) and is photographed in light and
dark, phone and desktop (bench/results/web/screenshots/); and two people, in two browser contexts, follow, post,
see the "new tweets" bar arrive without a reload, like (the author's badge changes live), upload an image with alt
text, search, block and delete an account.

Elements are found by the accessible names the web client promises (its contract's English labels and roles:
what a screen reader announces), and every wait is on a condition (Playwright's auto-waiting `expect`), never a
sleep. Set-up a person would not see (a third account's back catalogue, an API token for the same person) goes
over HTTP to keep page loads few.
"""

from __future__ import annotations

import io
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from tests.e2e.accounts import auth, register, unique_name
from tests.e2e.browser import VIEWPORTS, check_accessibility, screenshot
from tests.e2e.uploads import eventually

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

pytestmark = pytest.mark.e2e

PASSWORD = "password-123"
# The four looks every main screen is photographed in: (viewport, colour scheme).
LOOKS = (("phone", "light"), ("phone", "dark"), ("desktop", "light"), ("desktop", "dark"))
# What an eventually consistent step (search indexing, a media variant) may take on a loaded two-core machine.
EVENTUAL_MS = 30_000
# The web client's "not found" page (the contract names no text for it: any of these wordings).
NOT_FOUND = re.compile(r"not found|doesn.t exist|does not exist|no longer", re.IGNORECASE)


def expect(target: Any) -> Any:
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(target)


def tweets_in(page: Page, feed: str = "Home timeline") -> Locator:
    return page.get_by_role("feed", name=feed).locator("article[data-testid=tweet]")


def sign_up(page: Page, username: str, name: str) -> None:
    """Through the sign up form, to the home timeline."""
    page.goto("/signup")
    fill_sign_up_form(page, username, name)


def signed_out_form(page: Page) -> Locator:
    """What the signed-out home page shows: the log in or the sign up form (the contract allows either)."""
    return page.get_by_role("button", name=re.compile("^(Log in|Sign up)$")).filter(visible=True).first


def fill_sign_up_form(page: Page, username: str, name: str) -> None:
    page.get_by_label("Username", exact=True).fill(username)
    page.get_by_label("Email", exact=True).fill(f"{username}@example.com")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Display name", exact=True).fill(name)
    page.get_by_role("button", name="Sign up", exact=True).click()
    expect_home(page)


def expect_home(page: Page) -> None:
    """The home page is up: its composer shown and its timeline there (a new account's is empty: no height)."""
    expect(page.get_by_role("textbox", name="What's happening?")).to_be_visible()
    expect(page.get_by_role("feed", name="Home timeline")).to_be_attached()


def token_for(api: httpx.Client, username: str) -> dict[str, str]:
    """The Authorization header of a second session of an account the browser signed up (set-up over HTTP)."""
    response = api.post("/users/login", json={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return {"authorization": f"Bearer {response.json()['access_token']}"}


def user_id(api: httpx.Client, username: str) -> str:
    response = api.get(f"/users/by/username/{username}")
    assert response.status_code == 200, response.text
    return str(response.json()["data"]["id"])


def nav(page: Page) -> Locator:
    return page.get_by_role("navigation", name="Main")


def go(page: Page, link: str) -> None:
    """Follow one of the main navigation's links (in the app: no reload)."""
    nav(page).get_by_role("link", name=re.compile(rf"^{link}\b")).click()


def shown_after_reloads(page: Page, locator: Locator, what: str, timeout_ms: int = EVENTUAL_MS) -> None:
    """Reload until `locator` is visible: for what the system makes true eventually (search indexing), so a person
    would see it after a refresh. Each attempt waits on the condition for a few seconds, never a fixed sleep."""
    deadline = time.monotonic() + timeout_ms / 1000
    while True:
        try:
            expect(locator.first).to_be_visible(timeout=3_000)
            return
        except AssertionError:
            if time.monotonic() > deadline:
                raise AssertionError(f"{what}: not shown within {timeout_ms / 1000:.0f} s of reloads") from None
            page.reload()


def png(width: int = 320, height: int = 200) -> bytes:
    """A small PNG with stripes (something to compress and resize, not one flat colour)."""
    from PIL import Image

    image = Image.new("RGB", (width, height), (29, 155, 240))
    for x in range(0, width, 40):
        image.paste((255, (x * 3) % 256, 60), (x, 0, x + 20, height))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def each_look(page: Page, name: str) -> None:
    """Photograph the screen in the four looks; axe-core on phone/light and desktop/dark (each layout once, each
    colour scheme once: contrast is what changes with the scheme)."""
    for viewport, scheme in LOOKS:
        page.set_viewport_size(VIEWPORTS[viewport])
        page.emulate_media(color_scheme=scheme)  # type: ignore[arg-type]
        screenshot(page, name)
        if (viewport, scheme) in {("phone", "light"), ("desktop", "dark")}:
            check_accessibility(page, name)


def test_a_person_signs_up_through_the_form_stays_signed_in_across_a_reload_and_logs_out(
    new_page: Callable[..., Page],
) -> None:
    # Given a fresh browser (a phone) on the log in page
    page = new_page("phone", "light")
    page.goto("/login")
    expect(page.get_by_role("button", name="Log in", exact=True)).to_be_visible()
    # When they follow "Create an account" and sign up through the form
    page.get_by_role("link", name="Create an account").click()
    fill_sign_up_form(page, unique_name(), "Web Person")
    # Then they land on their home timeline, and a reload keeps them signed in
    page.reload()
    expect_home(page)
    # And logging out brings back the signed-out home page, and a reload does not sign them in again
    page.goto("/settings")  # "Log out" is in the navigation or the settings: the settings have it either way
    page.get_by_role("button", name="Log out").filter(visible=True).first.click()
    expect(signed_out_form(page)).to_be_visible()
    page.reload()
    expect(signed_out_form(page)).to_be_visible()
    expect(page.get_by_role("feed", name="Home timeline")).to_have_count(0)


def test_every_main_screen_passes_axe_and_is_photographed_in_light_and_dark_on_phone_and_desktop(
    new_page: Callable[..., Page], api: httpx.Client
) -> None:
    # Given the signed-out screens (the home page's form, the log in form), each passing axe-core and photographed
    # (moving through the app's own links wherever it can: axe-core is injected once per page load, ~1 s)
    page = new_page("desktop", "light")
    page.goto("/")
    expect(signed_out_form(page)).to_be_visible()
    each_look(page, "signed-out")
    page.goto("/login")
    expect(page.get_by_role("link", name="Create an account")).to_be_visible()
    each_look(page, "log-in")
    # And a person signed up through the form, with a tweet, a reply to it and a follower who liked it
    username = unique_name()
    page.get_by_role("link", name="Create an account").click()
    fill_sign_up_form(page, username, "Screen Person")
    headers = token_for(api, username)
    tweet = api.post("/tweets", json={"text": "Screens of Chirp, light and dark #ChirpWeb"}, headers=headers)
    assert tweet.status_code == 201, tweet.text
    tweet_id = tweet.json()["data"]["id"]
    fan = register(api)
    assert api.post(f"/users/{user_id(api, username)}/follow", headers=auth(fan)).status_code in (200, 201, 204)
    assert api.post(f"/tweets/{tweet_id}/like", headers=auth(fan)).status_code in (200, 201, 204)
    reply = {"text": "A reply, to fill the conversation", "reply": {"in_reply_to_tweet_id": tweet_id}}
    assert api.post("/tweets", json=reply, headers=auth(fan)).status_code == 201

    # When each main screen is open, Then it passes axe-core in both layouts and schemes, and is photographed
    page.reload()
    expect(tweets_in(page).first).to_be_visible()
    each_look(page, "home")
    go(page, "Profile")
    expect(page.get_by_role("heading", level=1, name="Screen Person")).to_be_visible()
    expect(tweets_in(page, "Tweets").first).to_be_visible()
    each_look(page, "profile")
    go(page, "Notifications")
    expect(page.locator("article[data-testid=notification]").first).to_be_visible()
    each_look(page, "notifications")
    go(page, "Settings")
    expect(page.get_by_role("button", name="Export my data")).to_be_visible()
    each_look(page, "settings")
    go(page, "Search")
    search = page.get_by_label("Search Chirp").filter(visible=True).first
    search.fill("#ChirpWeb")
    search.press("Enter")
    shown_after_reloads(page, tweets_in(page, "Search results"), "the search for #ChirpWeb")
    each_look(page, "search")
    page.goto(f"/t/{tweet_id}")
    expect(page.get_by_role("textbox", name="Post your reply")).to_be_visible()
    expect(page.get_by_text("A reply, to fill the conversation")).to_be_visible()
    each_look(page, "conversation")


@dataclass
class TwoPeople:
    """A and B, each signed up through the form in a browser context of their own."""

    ada: str
    a_page: Page
    b_page: Page
    word: str  # in every tweet A posts: what B searches for, and how A's tweets are found on B's screens


def with_a_filled_home_timeline(api: httpx.Client, username: str) -> None:
    """B follows a third account whose fifteen tweets fill B's home timeline beyond one screen (set-up over HTTP)."""
    headers = token_for(api, username)
    filler = register(api)
    assert api.post(f"/users/{filler['data']['id']}/follow", headers=headers).status_code in (200, 201, 204)
    for number in range(15):
        posted = api.post("/tweets", json={"text": f"Filler tweet number {number}"}, headers=auth(filler))
        assert posted.status_code == 201, posted.text
    eventually(
        lambda: len(api.get("/timeline", headers=headers).json()["data"]) >= 15,
        "the filler's tweets in B's home timeline",
    )


def b_follows_a_and_a_is_notified_live(people: TwoPeople) -> int:
    """B follows A from A's profile; A's open page shows the unread badge (its count returned)."""
    b_page = people.b_page
    b_page.goto(f"/u/{people.ada}")
    expect(b_page.get_by_role("heading", level=1, name="Ada Web")).to_be_visible()
    b_page.get_by_role("button", name="Follow", exact=True).click()
    expect(b_page.get_by_role("button", name="Unfollow")).to_have_attribute("aria-pressed", "true")
    badge = nav(people.a_page).get_by_test_id("unread-badge")
    expect(badge).to_be_visible()
    return int(badge.inner_text())


def a_posts_and_b_sees_the_new_tweets_bar(people: TwoPeople) -> Locator:
    """B reads the home timeline scrolled down; A posts; B's bar appears without a reload and, clicked, inserts the
    tweet while what B was reading stays where it was. A's tweet on B's page is returned."""
    a_page, b_page = people.a_page, people.b_page
    go(b_page, "Home")
    expect(tweets_in(b_page).nth(14)).to_be_attached()
    b_page.mouse.wheel(0, 500)
    b_page.wait_for_function("window.scrollY > 0")
    # the element itself, not a locator: `.nth(6)` would name another tweet once one is inserted above it
    anchor = tweets_in(b_page).nth(6).element_handle()
    text = f"Hello from Ada {people.word} #ChirpWeb"
    a_page.get_by_role("textbox", name="What's happening?").fill(text)
    expect(a_page.get_by_test_id("char-counter")).to_have_text(str(280 - len(text)))
    a_page.get_by_role("button", name="Post", exact=True).click()
    bar = b_page.get_by_role("button", name="Show 1 new tweet")
    expect(bar).to_be_visible()
    expect(bar).to_be_in_viewport()  # B, scrolled down, sees it
    before = anchor.bounding_box()
    bar.click()
    ada_tweet = tweets_in(b_page).filter(has_text=f"Hello from Ada {people.word}")
    expect(ada_tweet).to_have_count(1)
    after = anchor.bounding_box()
    assert before and after and abs(after["y"] - before["y"]) <= 4, f"the reading position moved: {before} -> {after}"
    return ada_tweet


def b_likes_and_a_badge_changes_live(people: TwoPeople, ada_tweet: Locator, unread_before: int) -> None:
    ada_tweet.get_by_role("button", name="Like").click()
    expect(ada_tweet.get_by_role("button", name="Like")).to_have_attribute("aria-pressed", "true")
    expect(ada_tweet.get_by_test_id("like-count")).to_have_text("1")
    badge = nav(people.a_page).get_by_test_id("unread-badge")
    expect(badge).not_to_have_text(str(unread_before))
    assert int(badge.inner_text()) > unread_before
    # the count is read after the visible label (Chromium puts a space before the visually hidden part's comma)
    link = nav(people.a_page).get_by_role("link", name=re.compile(r"^Notifications ?, \d+ unread$"))
    expect(link).to_be_visible()


def a_posts_an_image_and_b_sees_it_with_its_alt_text(people: TwoPeople) -> None:
    a_page, b_page = people.a_page, people.b_page
    picture = {"name": "stripes.png", "mimeType": "image/png", "buffer": png()}
    a_page.get_by_label("Add photos or video").and_(a_page.locator("input[type=file]")).set_input_files(picture)  # type: ignore[arg-type]
    a_page.get_by_label("Image description").fill("Blue and orange stripes")
    a_page.get_by_role("textbox", name="What's happening?").fill(f"A picture {people.word}")
    a_page.get_by_role("button", name="Post", exact=True).click()
    b_page.get_by_role("button", name="Show 1 new tweet").click(timeout=EVENTUAL_MS)
    image = tweets_in(b_page).get_by_role("img", name="Blue and orange stripes")
    expect(image).to_be_visible(timeout=EVENTUAL_MS)
    b_page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=image.element_handle())


def b_searches_and_finds_a_tweets(people: TwoPeople) -> None:
    b_page = people.b_page
    go(b_page, "Search")
    search = b_page.get_by_label("Search Chirp").filter(visible=True).first  # a combobox while it offers users
    search.fill(people.word)
    search.press("Enter")
    found = tweets_in(b_page, "Search results").filter(has_text=people.word)
    shown_after_reloads(b_page, found, f"the search for {people.word}")


def b_blocks_a_and_a_tweets_leave_b_home(people: TwoPeople) -> None:
    """Blocked: gone from B's home timeline. Unblocked: A's profile shows A's tweets to B again."""
    b_page = people.b_page
    b_page.goto(f"/u/{people.ada}")
    b_page.get_by_role("button", name="Block", exact=True).click()
    unblock = b_page.get_by_role("button", name="Unblock")
    dialog = b_page.get_by_role("dialog")
    expect(unblock.or_(dialog)).to_be_visible()
    if dialog.is_visible():  # a confirmation, if the app asks for one
        dialog.get_by_role("button", name="Block", exact=True).click()
    expect(unblock).to_be_visible()
    # The button turns at once (optimistic); the message comes once the API has the block, as a person sees it
    expect(b_page.get_by_text(f"@{people.ada} is blocked.")).to_be_visible()
    b_page.goto("/")
    expect(tweets_in(b_page).filter(has_text="Filler tweet number 14")).to_be_visible()
    expect(tweets_in(b_page).filter(has_text=people.word)).to_have_count(0)
    b_page.goto(f"/u/{people.ada}")
    unblock.click()
    expect(b_page.get_by_role("button", name="Block", exact=True)).to_be_visible()
    expect(b_page.get_by_text(f"@{people.ada} is unblocked.")).to_be_visible()
    b_page.reload()  # the profile's tweets as read after the unblock
    expect(tweets_in(b_page, "Tweets").filter(has_text=people.word).first).to_be_visible()


def a_deletes_the_account_and_b_sees_it_gone(people: TwoPeople, ada_tweet_id: str) -> None:
    """A is signed out; B gets the "not found" page for A's profile and A's tweet; a search no longer finds it."""
    a_page, b_page = people.a_page, people.b_page
    go(a_page, "Settings")
    a_page.get_by_role("button", name="Delete account").click()
    a_page.get_by_label("Password", exact=True).fill(PASSWORD)
    a_page.get_by_role("button", name="Delete my account").click()
    expect(signed_out_form(a_page)).to_be_visible()
    b_page.goto(f"/u/{people.ada}")
    expect(b_page.get_by_text(NOT_FOUND).first).to_be_visible()
    expect(b_page.get_by_role("heading", level=1, name="Ada Web")).to_have_count(0)
    b_page.goto(f"/t/{ada_tweet_id}")
    expect(b_page.get_by_text(NOT_FOUND).first).to_be_visible()
    expect(b_page.locator("article[data-testid=tweet]").filter(has_text=people.word)).to_have_count(0)
    b_page.goto(f"/search?q={people.word}")
    b_page.wait_for_load_state("networkidle")
    expect(b_page.locator("article[data-testid=tweet]").filter(has_text=people.word)).to_have_count(0)


def test_two_people_follow_post_see_it_live_like_upload_search_block_and_delete_an_account(
    new_page: Callable[..., Page], api: httpx.Client
) -> None:
    # Given A and B signed up through the form in two browser contexts, B's home timeline longer than a screen
    people = TwoPeople(unique_name(), new_page("desktop", "light"), new_page("desktop", "dark"), f"w{unique_name()}")
    bo = unique_name()
    sign_up(people.a_page, people.ada, "Ada Web")
    sign_up(people.b_page, bo, "Bo Web")
    with_a_filled_home_timeline(api, bo)
    # When B follows A from A's profile, Then A's unread badge appears live
    unread = b_follows_a_and_a_is_notified_live(people)
    # When A posts, Then B's open home page shows "Show 1 new tweet", which inserts it keeping B's place
    ada_tweet = a_posts_and_b_sees_the_new_tweets_bar(people)
    ada_tweet_id = ada_tweet.get_attribute("data-tweet-id")
    assert ada_tweet_id
    # When B likes it, Then A's badge changes live
    b_likes_and_a_badge_changes_live(people, ada_tweet, unread)
    # When A posts an image with alt text, Then B's timeline shows it with that alt text
    a_posts_an_image_and_b_sees_it_with_its_alt_text(people)
    # When B searches for A's word, Then it finds A's tweets
    b_searches_and_finds_a_tweets(people)
    # When B blocks A, Then A's tweets leave B's home timeline (and unblocking shows A's profile again)
    b_blocks_a_and_a_tweets_leave_b_home(people)
    # When A deletes the account, Then A is signed out and B finds neither A's profile, nor A's tweet
    a_deletes_the_account_and_b_sees_it_gone(people, ada_tweet_id)
