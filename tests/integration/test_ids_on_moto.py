"""Id collisions on moto, through the API: two sandboxes that drew the same worker id mint the same id in the
same millisecond (two generators of one worker id and one random stream, on a frozen clock). The second
write is refused by its condition, minted again, and both items exist, neither overwritten (chirp.ids)."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator

import pytest
from chirp import ids
from chirp.ids import EPOCH_MS, IdGenerator, id_timestamp_ms

from tests.integration.api_client import Account, Api

FROZEN_MS = EPOCH_MS + 300 * 86_400_000


def twin_sandbox() -> IdGenerator:
    """A sandbox of worker id 5 on a frozen clock; every twin mints the same ids in the same order."""
    return IdGenerator(worker_id=5, clock=lambda: FROZEN_MS / 1000, rng=random.Random(14))


@pytest.fixture
def as_sandbox() -> Iterator[Callable[[IdGenerator], object]]:
    """Act as one sandbox or another: the process mints with the generator given, until the test ends."""
    previous = ids.install_generator(twin_sandbox())
    yield ids.install_generator
    ids.install_generator(previous)


def test_two_sandboxes_minting_one_tweet_id_post_both_tweets(
    api: Api, alice: Account, bob: Account, as_sandbox: Callable[[IdGenerator], object]
) -> None:
    # Given alice's post minted in one sandbox
    as_sandbox(twin_sandbox())
    first = api.tweet(alice, "from the first sandbox")
    # When bob posts in its twin, which mints the same id first
    as_sandbox(twin := twin_sandbox())
    second = api.tweet(bob, "from the second sandbox")
    # Then the second post got another id (another worker's, the same millisecond), and both tweets exist as posted
    assert second["id"] != first["id"]
    assert id_timestamp_ms(int(second["id"])) == id_timestamp_ms(int(first["id"])) == FROZEN_MS
    assert twin.worker_id != 5
    for tweet, author, text in ((first, alice, "from the first sandbox"), (second, bob, "from the second sandbox")):
        shown = api.get(f"/api/tweets/{tweet['id']}")
        assert shown.status == 200, shown.body
        assert shown.json()["data"]["author_id"] == author.id
        assert shown.json()["data"]["text"] == text
    assert api.metrics(alice.id)["tweet_count"] == api.metrics(bob.id)["tweet_count"] == 1


def test_two_sandboxes_minting_one_media_id_create_both_items(
    api: Api, alice: Account, bob: Account, as_sandbox: Callable[[IdGenerator], object]
) -> None:
    # Given alice's upload asked for in one sandbox
    body = {"media_type": "image/png", "total_bytes": 1000}
    as_sandbox(twin_sandbox())
    first = api.post("/api/media", json_body=body, token=alice.access_token)
    assert first.status == 201, first.body
    # When bob asks for one in its twin
    as_sandbox(twin_sandbox())
    second = api.post("/api/media", json_body=body, token=bob.access_token)
    # Then both exist, each its owner's
    assert second.status == 201, second.body
    first_id, second_id = first.json()["data"]["media_id"], second.json()["data"]["media_id"]
    assert first_id != second_id
    assert api.get(f"/api/media/{first_id}", token=alice.access_token).status == 200
    assert api.get(f"/api/media/{second_id}", token=bob.access_token).status == 200


def test_two_sandboxes_minting_one_user_id_register_both_users(
    api: Api, as_sandbox: Callable[[IdGenerator], object]
) -> None:
    # Given a user registered in one sandbox
    as_sandbox(twin_sandbox())
    first = api.register()
    # When another registers in its twin
    as_sandbox(twin_sandbox())
    second = api.register()
    # Then both accounts exist, each under its own name
    assert first.id != second.id
    assert api.user(first.id)["username"] == first.username
    assert api.user(second.id)["username"] == second.username
