"""Data export over the local runtime, as a client does it: ask for an archive, poll until it is ready (the export
worker runs from the exports table's stream, as declared in template.yaml), download it with the presigned link
(through the local S3) and read the ZIP.

The shared runtime serves every test file of the session: each test makes its own accounts."""

from __future__ import annotations

import io
import json
import zipfile

import httpx
import pytest

from tests.e2e.accounts import auth, register
from tests.e2e.uploads import eventually

pytestmark = pytest.mark.e2e


def test_an_archive_is_asked_for_built_and_downloaded(api: httpx.Client) -> None:
    # Given Alice, who has tweeted
    alice = register(api)
    posted = api.post("/tweets", json={"text": "for the archive"}, headers=auth(alice))
    assert posted.status_code == 201, posted.text
    # When she asks for her archive
    asked = api.post("/users/me/export", headers=auth(alice))
    assert asked.status_code == 202, asked.text
    # Then it becomes ready, with a download link
    ready = eventually(
        lambda: next(
            (
                body
                for body in [api.get("/users/me/export", headers=auth(alice)).json()]
                if body["data"]["state"] == "ready"
            ),
            None,
        ),
        "the export being built",
    )
    # And the link downloads the ZIP, holding her profile and her tweet
    downloaded = httpx.get(ready["data"]["download_url"])
    assert downloaded.status_code == 200, downloaded.text
    assert len(downloaded.content) == ready["data"]["size_bytes"]
    with zipfile.ZipFile(io.BytesIO(downloaded.content)) as archive:
        assert "README.txt" in archive.namelist()
        assert json.loads(archive.read("profile.json"))["id"] == alice["data"]["id"]
        tweets = json.loads(archive.read("tweets.json"))
    assert [tweet["text"] for tweet in tweets] == ["for the archive"]
    # And a second request the same day is refused, saying when to ask again
    again = api.post("/users/me/export", headers=auth(alice))
    assert again.status_code == 429 and int(again.headers["retry-after"]) > 86_000
