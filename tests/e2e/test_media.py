"""Media over the local runtime, as a browser client does it: ask for an upload (POST /api/media), send the
bytes straight to the bucket with the presigned POST (a multipart form, the file last), wait for `ready`,
post a tweet with it, and see it in a follower's timeline with its variants fetchable from the runtime's
stand-in for CloudFront; deleting the tweet deletes its objects (that the bucket keeps media across a
restart is in test_local_runtime.py's restart test).

The shared runtime serves every test file of the session: each test makes its own accounts."""

from __future__ import annotations

import time

import httpx
import pytest

from tests.e2e.accounts import auth, register
from tests.e2e.uploads import ask_upload, browser_upload, eventually, jpeg, media_state, ready_media

pytestmark = pytest.mark.e2e


def test_a_photo_goes_from_upload_to_a_followers_timeline_and_away_with_its_tweet(api: httpx.Client) -> None:
    # Given Bob, who follows Alice
    alice, bob = register(api), register(api)
    assert api.post(f"/users/{alice['data']['id']}/follow", headers=auth(bob)).status_code in (200, 201)
    # When Alice uploads a photo through the presigned POST, as a browser does, and it is processed
    media = ready_media(api, alice, jpeg(), "image/jpeg")
    assert media["state"] == "ready", media
    assert (media["width"], media["height"]) == (1600, 900)
    # And she posts it with alt text, and no text at all
    patched = api.patch(f"/media/{media['media_id']}", json={"alt_text": "stripes"}, headers=auth(alice))
    assert patched.status_code == 200, patched.text
    posted = api.post("/tweets", json={"text": "", "media": {"media_ids": [media["media_id"]]}}, headers=auth(alice))
    assert posted.status_code == 201, posted.text
    tweet_id = posted.json()["data"]["id"]
    # Then Bob's home timeline shows the tweet with its media key, and the media in `includes`
    page = eventually(
        lambda: next((body for body in [api.get("/timeline", headers=auth(bob)).json()] if body["data"]), None),
        "the tweet reaching Bob's timeline",
    )
    shown = next(tweet for tweet in page["data"] if tweet["id"] == tweet_id)
    assert shown["attachments"]["media_keys"] == [media["media_key"]]
    included = {item["media_key"]: item for item in page["includes"]["media"]}[media["media_key"]]
    assert included["type"] == "photo" and included["alt_text"] == "stripes"
    # And every variant is fetchable from the runtime, as CloudFront would serve it: immutable, WebP
    urls = [variant["url"] for variant in included["variants"]]
    assert urls and all(url.startswith("http://127.0.0.1:") for url in urls)
    for url in urls:
        fetched = httpx.get(url)
        assert fetched.status_code == 200, url
        assert fetched.headers["content-type"] == "image/webp"
        assert "immutable" in fetched.headers["cache-control"]
    # When Alice deletes the tweet
    assert api.delete(f"/tweets/{tweet_id}", headers=auth(alice)).status_code in (200, 204)
    # Then its media's objects are deleted, through the bus, and the media is gone
    # (403, as CloudFront answers for a key its origin access may not list: the bucket policy grants no ListBucket)
    eventually(lambda: all(httpx.get(url).status_code == 403 for url in urls), "the variants being deleted")
    assert api.get(f"/media/{media['media_id']}", headers=auth(alice)).status_code == 404


def test_the_bucket_refuses_what_the_presigned_post_does_not_allow(api: httpx.Client) -> None:
    # Given an upload asked for a 1,000-byte JPEG
    alice = register(api)
    asked = ask_upload(api, alice, "image/jpeg", 1000)
    # When a larger file is sent with it, or the same size with another Content-Type
    too_large = browser_upload(asked, b"\xff\xd8\xff" + b"0" * 2000, "image/jpeg")
    fields = {**asked["upload"]["fields"], "Content-Type": "text/html"}
    retyped = httpx.post(asked["upload"]["url"], data=fields, files={"file": ("x", b"<" * 1000, "text/html")})
    # Then the bucket refuses both, as S3 does, and the media stays waiting for its upload
    assert too_large.status_code == 400 and b"EntityTooLarge" in too_large.content
    assert retyped.status_code == 403 and b"AccessDenied" in retyped.content
    time.sleep(1)
    assert media_state(api, alice, asked["media_id"])["state"] == "processing"


def test_a_file_that_is_not_what_it_claims_ends_failed_and_cannot_be_posted(api: httpx.Client) -> None:
    # Given an HTML page uploaded as a PNG
    alice = register(api)
    page = b"<!DOCTYPE html><html><script>alert(1)</script></html>" + b" " * 200
    # When it is processed
    media = ready_media(api, alice, page, "image/png")
    # Then it failed with a reason a person can read, and no variant exists
    assert media["state"] == "failed"
    assert "HTML" in media["reason"]
    assert media["variants"] == []
    # And a tweet with it is refused
    posted = api.post("/tweets", json={"text": "x", "media": {"media_ids": [media["media_id"]]}}, headers=auth(alice))
    assert posted.status_code == 400, posted.text
