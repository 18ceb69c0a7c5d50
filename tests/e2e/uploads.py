"""What the e2e tests do as a browser client does to upload media: ask for an upload, send the file with the
presigned POST (a multipart form, the file last), and wait until it is processed."""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from typing import Any

import httpx
from PIL import Image

from tests.e2e.accounts import auth

DEADLINE_SECONDS = 30.0


def eventually(check: Callable[[], Any], what: str) -> Any:
    """`check()`'s first truthy value (polled every 100 ms); fails after DEADLINE_SECONDS."""
    started = time.monotonic()
    while not (value := check()):
        assert time.monotonic() - started < DEADLINE_SECONDS, f"{what} did not happen within {DEADLINE_SECONDS} s"
        time.sleep(0.1)
    return value


def jpeg(width: int = 1600, height: int = 900) -> bytes:
    image = Image.new("RGB", (width, height))
    for x in range(0, width, 50):  # something to compress, not one flat colour
        image.paste((x % 256, (x * 3) % 256, 90), (x, 0, x + 25, height))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def ask_upload(api: httpx.Client, account: dict[str, Any], media_type: str, size: int) -> dict[str, Any]:
    response = api.post("/media", json={"media_type": media_type, "total_bytes": size}, headers=auth(account))
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()["data"]
    return body


def browser_upload(asked: dict[str, Any], content: bytes, content_type: str) -> httpx.Response:
    """What a page's `fetch(url, {method: "POST", body: formData})` sends: every field, then the file."""
    upload = asked["upload"]
    return httpx.post(upload["url"], data=upload["fields"], files={"file": ("photo", content, content_type)})


def media_state(api: httpx.Client, account: dict[str, Any], media_id: str) -> dict[str, Any]:
    response = api.get(f"/media/{media_id}", headers=auth(account))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()["data"]
    return body


def ready_media(api: httpx.Client, account: dict[str, Any], content: bytes, media_type: str) -> dict[str, Any]:
    asked = ask_upload(api, account, media_type, len(content))
    uploaded = browser_upload(asked, content, media_type)
    assert uploaded.status_code in (200, 201, 204), uploaded.text
    media_id = asked["media_id"]
    return eventually(
        lambda: (state := media_state(api, account, media_id))["state"] != "processing" and state,
        "processing the upload",
    )
