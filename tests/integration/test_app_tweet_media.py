"""Tweets with media and profile images, through the Chalice app on moto: posting with ready media (the
caller's own, attached in the posting's own transaction), the refusals (a stranger's, processing, failed,
taken, a mix Twitter does not allow), the tweet JSON's attachments and includes.media wherever tweets are shown
(every answer checked against its OpenAPI schema), and the avatar and banner of PATCH /api/users/me.

Media items are written straight into the media table in the state a test needs (processing them is the media
function's, tested on its own)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import replace
from typing import Any

import pytest
from chirp.adapters.dynamodb.media import DynamoMediaRepository, MediaItem, bind_media_table
from chirp.events.schema import DomainEvent, ProfileChanged, TweetDeleted, TweetPosted, decode
from chirp.ids import new_id
from chirp.media.attaching import MediaAttachedElsewhere
from chirp.media.kinds import MediaKind
from chirp.media.models import Attachment, Media, MediaState, Purpose, StoredVariant
from chirp.tweets import service as tweets_service
from chirp.tweets.inputs import TweetDraft
from chirp.users import service as users_service
from chirp.users.inputs import ProfileUpdate
from chirp.wiring.api import dependencies
from jsonschema import Draft202012Validator

from tests.integration.api_client import Account, Api, Reply, assert_error
from tests.integration.pipeline import FANOUT_FUNCTION, PUBLISHER_FUNCTION, WRITER_FUNCTION, Pipeline, StartPipeline

MEDIA_BASE_URL = "https://d111111abcdef8.cloudfront.net"  # MEDIA_DOMAIN in tests/integration/conftest.py
DAY_S = 86_400


# ---------------------------------------------------------------- fixtures and helpers


@pytest.fixture
def media_table(aws: dict[str, str]) -> DynamoMediaRepository:
    """The media table, bound as the API binds it; writes through it are the test's own (no IAM check)."""
    bind_media_table(aws["MEDIA_TABLE"])
    return DynamoMediaRepository()


MediaMaker = Callable[..., Media]


@pytest.fixture
def make_media(media_table: DynamoMediaRepository) -> MediaMaker:
    """Store a media item of `owner` (ready, with the variants processing writes, unless told) and return it."""

    def make(owner: Account, kind: MediaKind = MediaKind.IMAGE, **fields: Any) -> Media:
        media_id = fields.pop("id", None) or new_id()
        ready = Media(
            id=media_id,
            owner_id=int(owner.id),
            kind=kind,
            content_type={MediaKind.IMAGE: "image/jpeg", MediaKind.GIF: "image/gif"}.get(kind, "video/mp4"),
            size=123_456,
            created_at_ms=int(time.time() * 1000),
            state=MediaState.READY,
            width=1600,
            height=1200,
            duration_ms=None if kind is MediaKind.IMAGE else 4000,
            variants=variants_of(media_id, kind),
        )
        media = replace(ready, **fields)
        media_table.create(media, int(time.time()) + DAY_S)
        return media

    return make


def variants_of(media_id: int, kind: MediaKind) -> tuple[StoredVariant, ...]:
    def webp(name: str, width: int, height: int) -> StoredVariant:
        return StoredVariant(name, f"media/{media_id}/{name}.webp", "image/webp", width, height)

    if kind is MediaKind.IMAGE:
        return (webp("thumb", 150, 150), webp("small", 680, 510), webp("medium", 1200, 900), webp("large", 1600, 1200))
    video = StoredVariant("video", f"media/{media_id}/video.mp4", "video/mp4", 1600, 1200)
    return (webp("thumb", 150, 150), webp("poster", 1200, 900), video)


def post(api: Api, account: Account, text: str = "", *media: Media, **more: Any) -> Reply:
    body: dict[str, Any] = {"text": text, **more}
    if media:
        body["media"] = {"media_ids": [str(item.id) for item in media]}
    return api.post("/api/tweets", json_body=body, token=account.access_token)


def posted(api: Api, account: Account, text: str, *media: Media, **more: Any) -> dict[str, Any]:
    reply = post(api, account, text, *media, **more)
    assert reply.status == 201, reply.body
    body: dict[str, Any] = reply.json()
    return body


@pytest.fixture
def openapi(api: Api) -> dict[str, Any]:
    reply = api.get("/api/openapi.json")
    assert reply.status == 200, reply.body
    document: dict[str, Any] = reply.json()
    return document


Check = Callable[[Reply, str, str], dict[str, Any]]


@pytest.fixture
def checked(openapi: dict[str, Any]) -> Check:
    """The body of a success reply, after validating it against the schema the OpenAPI document gives the
    operation (`path` as declared, `method` lower case) for its status."""

    def check(reply: Reply, path: str, method: str) -> dict[str, Any]:
        assert 200 <= reply.status < 300, reply.body
        response = openapi["paths"][path][method]["responses"][str(reply.status)]
        schema = response["content"]["application/json"]["schema"]
        body: dict[str, Any] = reply.json()
        Draft202012Validator({**schema, "components": openapi["components"]}).validate(body)
        return body

    return check


def media_keys(tweet: dict[str, Any]) -> list[str]:
    keys: list[str] = tweet.get("attachments", {}).get("media_keys", [])
    return keys


def included(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {media["media_key"]: media for media in body.get("includes", {}).get("media", [])}


def attachment_of(media_table: DynamoMediaRepository, media: Media) -> Attachment | None:
    stored = media_table.get(media.id)
    assert stored is not None
    return stored.attached_to


# ---------------------------------------------------------------- posting


def test_a_tweet_with_photos_answers_their_keys_and_objects_under_the_media_domain(
    api: Api, alice: Account, make_media: MediaMaker, media_table: DynamoMediaRepository, checked: Check
) -> None:
    # Given two of alice's photos, ready
    first, second = make_media(alice, alt_text="a cat on a mat"), make_media(alice)
    # When
    body = checked(post(api, alice, "look #cats", second, first), "/api/tweets", "post")
    # Then the tweet names them in the order posted, and the answer includes each media object
    tweet = body["data"]
    assert media_keys(tweet) == [f"3_{second.id}", f"3_{first.id}"]
    media = body["includes"]["media"]
    assert [item["media_key"] for item in media] == media_keys(tweet)
    photo = media[1]
    assert photo["type"] == "photo"
    assert photo["alt_text"] == "a cat on a mat"
    assert (photo["width"], photo["height"]) == (1600, 1200)
    assert photo["url"] == f"{MEDIA_BASE_URL}/media/{first.id}/medium.webp"
    assert photo["preview_image_url"] == f"{MEDIA_BASE_URL}/media/{first.id}/thumb.webp"
    assert {variant["url"] for variant in photo["variants"]} == {
        f"{MEDIA_BASE_URL}/{variant.key}" for variant in first.variants
    }
    # And the media items are attached to the tweet, kept for good (no expiry left)
    for item in (first, second):
        assert attachment_of(media_table, item) == Attachment(Purpose.TWEET, int(tweet["id"]))
        assert MediaItem.get(item.id).expires_at is None


def test_a_media_only_tweet_has_empty_text(api: Api, alice: Account, make_media: MediaMaker, checked: Check) -> None:
    # Given
    video = make_media(alice, MediaKind.VIDEO)
    # When
    body = checked(post(api, alice, "  ", video), "/api/tweets", "post")
    # Then
    assert body["data"]["text"] == ""
    assert body["data"]["entities"] == {"hashtags": [], "mentions": [], "urls": [], "cashtags": []}
    (media,) = body["includes"]["media"]
    assert (media["media_key"], media["type"], media["duration_ms"]) == (f"7_{video.id}", "video", 4000)
    assert media["url"] == f"{MEDIA_BASE_URL}/media/{video.id}/video.mp4"
    assert media["preview_image_url"] == f"{MEDIA_BASE_URL}/media/{video.id}/poster.webp"


def test_empty_text_without_media_is_still_refused(api: Api, alice: Account) -> None:
    # When
    reply = post(api, alice, "")
    # Then
    assert_error(reply, 422, "invalid_input", "text", "empty")


def test_a_tweet_without_media_has_no_attachments_nor_includes(api: Api, alice: Account, checked: Check) -> None:
    # When
    body = checked(post(api, alice, "plain"), "/api/tweets", "post")
    # Then
    assert set(body) == {"data"}
    assert "attachments" not in body["data"]


def test_another_users_media_is_a_404_as_if_it_did_not_exist(
    api: Api, alice: Account, bob: Account, make_media: MediaMaker, media_table: DynamoMediaRepository
) -> None:
    # Given bob's photo
    bobs = make_media(bob)
    # When alice posts it, and an id nobody has
    stolen = post(api, alice, "mine now", bobs)
    unknown = api.post(
        "/api/tweets", json_body={"text": "x", "media": {"media_ids": ["123456789"]}}, token=alice.access_token
    )
    # Then both answer alike, and bob's photo stays his, unattached
    message = assert_error(stolen, 404, "not_found", "media.media_ids", str(bobs.id), "does not exist")
    assert assert_error(unknown, 404, "not_found", "123456789") == message.replace(str(bobs.id), "123456789")
    assert attachment_of(media_table, bobs) is None
    assert api.metrics(alice.id)["tweet_count"] == 0


def test_media_still_processing_is_a_409_media_not_ready(api: Api, alice: Account, make_media: MediaMaker) -> None:
    # Given
    processing = make_media(alice, state=MediaState.PROCESSING, variants=(), width=None, height=None)
    # When
    reply = post(api, alice, "soon", processing)
    # Then
    assert_error(reply, 409, "media_not_ready", str(processing.id), "still processing")


def test_media_that_failed_is_a_400_that_says_why(api: Api, alice: Account, make_media: MediaMaker) -> None:
    # Given
    failed = make_media(alice, state=MediaState.FAILED, reason="the file is an HTML document, not a JPEG image")
    # When
    reply = post(api, alice, "oops", failed)
    # Then
    assert_error(reply, 400, "media_failed", str(failed.id), "an HTML document, not a JPEG image")


@pytest.mark.parametrize(
    "kinds",
    [
        [MediaKind.IMAGE, MediaKind.VIDEO],
        [MediaKind.GIF, MediaKind.GIF],
        [MediaKind.IMAGE] * 4 + [MediaKind.VIDEO],
    ],
    ids=["image and video", "two gifs", "five"],
)
def test_a_mix_twitter_does_not_allow_is_a_400(
    api: Api, alice: Account, make_media: MediaMaker, kinds: list[MediaKind]
) -> None:
    # Given
    media = [make_media(alice, kind) for kind in kinds]
    # When
    reply = post(api, alice, "too much", *media)
    # Then
    if len(media) > 4:
        assert_error(reply, 422, "invalid_input", "media.media_ids")  # the body's own bound: at most 4
    else:
        assert_error(reply, 400, "media_kind", "up to 4 images, or 1 GIF, or 1 video")
    assert api.metrics(alice.id)["tweet_count"] == 0


def test_media_attached_to_a_tweet_already_is_a_409(
    api: Api, alice: Account, make_media: MediaMaker, media_table: DynamoMediaRepository
) -> None:
    # Given a photo alice has posted
    photo = make_media(alice)
    first = posted(api, alice, "once", photo)["data"]
    # When she posts it again
    reply = post(api, alice, "twice", photo)
    # Then
    assert_error(reply, 409, "media_attached", str(photo.id))
    assert attachment_of(media_table, photo) == Attachment(Purpose.TWEET, int(first["id"]))
    assert api.metrics(alice.id)["tweet_count"] == 1


class StaleMedia(DynamoMediaRepository):
    """The media table as a write read it before a concurrent write attached its media (the race's loser)."""

    def __init__(self, read: dict[int, Media]) -> None:
        self.read = read

    def get_many(self, media_ids: Sequence[int]) -> dict[int, Media]:
        return {media_id: self.read[media_id] for media_id in media_ids if media_id in self.read}


def test_of_two_posts_racing_for_a_photo_the_loser_is_a_409_and_nothing_of_it_is_written(
    api: Api,
    alice: Account,
    make_media: MediaMaker,
    media_table: DynamoMediaRepository,
    act_as: Callable[..., AbstractContextManager[object]],
) -> None:
    # Given a post that read the photo unattached, and another post that attached it since
    photo, other = make_media(alice), make_media(alice)
    stale = StaleMedia(media_table.get_many([photo.id, other.id]))
    winner = posted(api, alice, "first", photo)["data"]
    # When the loser writes (its read passed every check)
    draft = TweetDraft.model_validate({"text": "second", "media": {"media_ids": [str(other.id), str(photo.id)]}})
    store = dependencies()
    with act_as("ApiFunction"), pytest.raises(MediaAttachedElsewhere) as refused:
        tweets_service.post_tweet(store.tweets, store.users, stale, int(alice.id), draft, relations=store.relations)
    # Then its transaction wrote nothing: no tweet, no count, and its other photo is still free
    assert str(photo.id) in refused.value.message
    assert attachment_of(media_table, photo) == Attachment(Purpose.TWEET, int(winner["id"]))
    assert attachment_of(media_table, other) is None
    assert api.metrics(alice.id)["tweet_count"] == 1
    page = api.get(f"/api/users/{alice.id}/tweets").json()["data"]
    assert [tweet["id"] for tweet in page] == [winner["id"]]


def test_an_expired_media_item_the_ttl_has_not_deleted_yet_cannot_be_attached(
    api: Api, alice: Account, make_media: MediaMaker, act_as: Callable[..., AbstractContextManager[object]]
) -> None:
    # Given a photo read by a post while fresh, whose day then passed (DynamoDB deletes expired items within days,
    # not at once)
    photo = make_media(alice)
    stale = StaleMedia(DynamoMediaRepository().get_many([photo.id]))
    MediaItem(media_id=photo.id).update(actions=[MediaItem.expires_at.set(int(time.time()) - 1)])
    # When a post reads it now, and when the post that read it fresh writes
    reply = post(api, alice, "late", photo)
    draft = TweetDraft.model_validate({"text": "late", "media": {"media_ids": [str(photo.id)]}})
    store = dependencies()
    with act_as("ApiFunction"), pytest.raises(MediaAttachedElsewhere, match="expired"):
        tweets_service.post_tweet(store.tweets, store.users, stale, int(alice.id), draft, relations=store.relations)
    # Then the one is a 404 (expired media is gone), the other refused by its write; the photo was not attached
    assert_error(reply, 404, "not_found", str(photo.id))
    assert MediaItem.get(photo.id).attached_to is None
    assert api.metrics(alice.id)["tweet_count"] == 0


# ---------------------------------------------------------------- where tweets are shown


@pytest.fixture
def thread(api: Api, alice: Account, bob: Account, make_media: MediaMaker) -> dict[str, Any]:
    """alice's tweet with a photo; bob's reply with a GIF, quoting it; bob's retweet of alice's tweet; bob's like."""
    photo, gif = make_media(alice), make_media(bob, MediaKind.GIF)
    root = posted(api, alice, "root", photo)["data"]
    reply = posted(api, bob, "reply", gif, reply={"in_reply_to_tweet_id": root["id"]}, quote_tweet_id=root["id"])[
        "data"
    ]
    assert api.post(f"/api/tweets/{root['id']}/retweet", token=bob.access_token).status == 200
    assert api.post(f"/api/tweets/{root['id']}/like", token=bob.access_token).status == 200
    return {"root": root, "reply": reply, "photo": f"3_{photo.id}", "gif": f"16_{gif.id}"}


def test_a_single_tweet_carries_its_media_and_its_quoted_tweets(
    api: Api, thread: dict[str, Any], checked: Check
) -> None:
    # When
    body = checked(api.get(f"/api/tweets/{thread['reply']['id']}"), "/api/tweets/{tweetId}", "get")
    # Then
    tweet = body["data"]
    assert media_keys(tweet) == [thread["gif"]]
    assert media_keys(tweet["quoted_tweet"]) == [thread["photo"]]
    assert list(included(body)) == [thread["gif"], thread["photo"]]
    assert included(body)[thread["gif"]]["type"] == "animated_gif"


def test_the_authors_home_timeline_carries_media(
    api: Api, alice: Account, bob: Account, thread: dict[str, Any], checked: Check
) -> None:
    # When bob reads his own home timeline (his reply and his retweet are in it from their own transactions)
    body = checked(api.get("/api/timeline", token=bob.access_token), "/api/timeline", "get")
    # Then
    retweet, reply = body["data"]  # newest first
    assert retweet["retweeted_tweet"]["id"] == thread["root"]["id"]
    assert media_keys(retweet["retweeted_tweet"]) == [thread["photo"]]
    assert media_keys(reply) == [thread["gif"]]
    assert set(included(body)) == {thread["gif"], thread["photo"]}
    # And alice's has her tweet with its photo
    mine = checked(api.get("/api/timeline", token=alice.access_token), "/api/timeline", "get")
    assert [media_keys(tweet) for tweet in mine["data"]] == [[thread["photo"]]]
    assert list(included(mine)) == [thread["photo"]]


def test_user_timelines_and_likes_carry_media(
    api: Api, alice: Account, bob: Account, thread: dict[str, Any], checked: Check
) -> None:
    # When
    alices = checked(api.get(f"/api/users/{alice.id}/tweets"), "/api/users/{userId}/tweets", "get")
    bobs = checked(api.get(f"/api/users/{bob.id}/tweets"), "/api/users/{userId}/tweets", "get")
    liked = checked(api.get(f"/api/users/{bob.id}/liked_tweets"), "/api/users/{userId}/liked_tweets", "get")
    # Then
    assert list(included(alices)) == [thread["photo"]]
    assert set(included(bobs)) == {thread["gif"], thread["photo"]}  # his reply (quoting) and his retweet
    assert [media_keys(tweet) for tweet in liked["data"]] == [[thread["photo"]]]
    assert list(included(liked)) == [thread["photo"]]


def test_a_conversation_carries_the_media_of_its_tweets(api: Api, thread: dict[str, Any], checked: Check) -> None:
    # When
    path = "/api/tweets/{tweetId}/conversation"
    body = checked(api.get(f"/api/tweets/{thread['reply']['id']}/conversation"), path, "get")
    from_root = checked(api.get(f"/api/tweets/{thread['root']['id']}/conversation"), path, "get")
    # Then
    assert media_keys(body["data"]["ancestors"][0]) == [thread["photo"]]
    assert media_keys(body["data"]["tweet"]) == [thread["gif"]]
    assert set(included(body)) == {thread["photo"], thread["gif"]}
    assert [media_keys(reply) for reply in from_root["data"]["replies"]] == [[thread["gif"]]]
    assert set(included(from_root)) == {thread["photo"], thread["gif"]}


def test_a_deleted_tweets_media_stay_attached_to_it_for_the_cleanup_consumer(
    api: Api, alice: Account, make_media: MediaMaker, media_table: DynamoMediaRepository
) -> None:
    # Given
    photo = make_media(alice)
    tweet = posted(api, alice, "", photo)["data"]
    # When
    assert api.delete(f"/api/tweets/{tweet['id']}", token=alice.access_token).status == 204
    # Then the media cleanup consumer finds it attached to the deleted tweet (TweetDeleted names it)
    assert attachment_of(media_table, photo) == Attachment(Purpose.TWEET, int(tweet["id"]))


def test_a_celebritys_recent_tweets_keep_their_media_for_readers_who_pull_them(
    api: Api, alice: Account, make_media: MediaMaker
) -> None:
    # Given a tweet with a photo, and a tweet without
    photo = make_media(alice, alt_text="légende")
    with_media = posted(api, alice, "", photo)["data"]
    posted(api, alice, "plain")
    # When the author's recent-tweets item is read as a pulling reader's page reads it
    recent = dependencies().timelines.page_contents([], [], [int(alice.id)]).recent[int(alice.id)]
    # Then the photo came with its tweet, as it was posted
    plain, carrying = recent.tweets
    assert plain.media == ()
    assert carrying.id == int(with_media["id"])
    (kept,) = carrying.media
    assert (kept.id, kept.alt_text, kept.variants) == (photo.id, "légende", photo.variants)
    assert kept.attached_to == Attachment(Purpose.TWEET, carrying.id)


@pytest.fixture
def followers_pipeline(start_pipeline: StartPipeline) -> Iterator[Pipeline]:
    yield start_pipeline(functions=(FANOUT_FUNCTION, WRITER_FUNCTION, PUBLISHER_FUNCTION, "SearchIndexerFunction"))


def test_a_followers_timeline_and_search_results_carry_media_and_has_media_finds_them(
    api: Api, alice: Account, bob: Account, *, make_media: MediaMaker, followers_pipeline: Pipeline, checked: Check
) -> None:
    # Given bob follows alice, who posts a photo and a plain tweet, fanned out and indexed
    api.follow(bob, alice)
    photo = make_media(alice)
    tweet = posted(api, alice, "sunset #sky", photo)["data"]
    posted(api, alice, "no picture #sky")
    followers_pipeline.run_until_quiet()
    # When
    home = checked(api.get("/api/timeline", token=bob.access_token), "/api/timeline", "get")
    found = checked(api.get("/api/search/tweets", query={"q": "#sky has:media"}), "/api/search/tweets", "get")
    # Then
    assert [media_keys(item) for item in home["data"]] == [[], [f"3_{photo.id}"]]
    assert list(included(home)) == [f"3_{photo.id}"]
    assert [item["id"] for item in found["data"]] == [tweet["id"]]
    assert list(included(found)) == [f"3_{photo.id}"]


def test_the_bus_tells_the_media_cleanup_consumer_which_media_were_taken_and_let_go(
    api: Api, alice: Account, make_media: MediaMaker, start_pipeline: StartPipeline
) -> None:
    # Given the event publisher running, and the media cleanup consumer's queue (subscribed to the events that
    # carry media) left for the test to read
    pipeline = start_pipeline(functions=(PUBLISHER_FUNCTION,))
    queue = pipeline.sqs.get_queue_url(QueueName="chirp-test-MediaCleanupQueue")["QueueUrl"]
    photo, first_avatar, second_avatar = make_media(alice), make_media(alice), make_media(alice)
    # When alice posts a photo and a plain tweet, deletes the photo's tweet, and sets then replaces her avatar
    tweet = posted(api, alice, "", photo)["data"]
    posted(api, alice, "plain")
    assert api.delete(f"/api/tweets/{tweet['id']}", token=alice.access_token).status == 204
    assert patch_me(api, alice, avatar_media_id=str(first_avatar.id)).status == 200
    assert patch_me(api, alice, avatar_media_id=str(second_avatar.id)).status == 200
    assert patch_me(api, alice, name="Alice").status == 200
    pipeline.run_until_quiet()
    # Then the queue got exactly the events with media, each naming them
    events = []
    while messages := pipeline.sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages", []):
        events += [decode(message["Body"]) for message in messages]
        for message in messages:
            pipeline.sqs.delete_message(QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"])
    seen = sorted((event.TYPE, *_media_fields(event)) for event in events)
    assert seen == [
        ("ProfileChanged", (first_avatar.id,), ()),
        ("ProfileChanged", (second_avatar.id,), (first_avatar.id,)),
        ("TweetDeleted", (photo.id,), ()),
        ("TweetPosted", (photo.id,), ()),
    ]


def _media_fields(event: DomainEvent) -> tuple[tuple[int, ...], tuple[int, ...]]:
    assert isinstance(event, TweetPosted | TweetDeleted | ProfileChanged)
    released = event.released_media_ids if isinstance(event, ProfileChanged) else []
    return tuple(event.media_ids), tuple(released)


# ---------------------------------------------------------------- profile images


def patch_me(api: Api, account: Account, **fields: Any) -> Reply:
    return api.patch("/api/users/me", json_body=fields, token=account.access_token)


def test_an_avatar_and_a_banner_are_set_replaced_and_removed(
    api: Api, alice: Account, make_media: MediaMaker, media_table: DynamoMediaRepository, checked: Check
) -> None:
    # Given three of alice's photos
    avatar, banner, newer = make_media(alice), make_media(alice), make_media(alice)
    # When she sets an avatar and a banner
    body = checked(
        patch_me(api, alice, avatar_media_id=str(avatar.id), banner_media_id=str(banner.id)), "/api/users/me", "patch"
    )
    # Then the profile shows them (the avatar's small variant, the banner's medium one), attached to it
    user = body["data"]
    assert user["profile_image_url"] == f"{MEDIA_BASE_URL}/media/{avatar.id}/small.webp"
    assert user["profile_banner_url"] == f"{MEDIA_BASE_URL}/media/{banner.id}/medium.webp"
    assert attachment_of(media_table, avatar) == Attachment(Purpose.AVATAR, int(alice.id))
    assert attachment_of(media_table, banner) == Attachment(Purpose.BANNER, int(alice.id))
    assert api.user(alice.id)["profile_image_url"] == user["profile_image_url"]
    # When she replaces the avatar, setting the banner she has again
    replaced = patch_me(api, alice, avatar_media_id=str(newer.id), banner_media_id=str(banner.id), name="Alice")
    # Then the new one shows; the one replaced stays attached until the cleanup consumer erases it
    user = checked(replaced, "/api/users/me", "patch")["data"]
    assert user["profile_image_url"] == f"{MEDIA_BASE_URL}/media/{newer.id}/small.webp"
    assert user["profile_banner_url"] == f"{MEDIA_BASE_URL}/media/{banner.id}/medium.webp"
    assert user["name"] == "Alice"
    assert attachment_of(media_table, newer) == Attachment(Purpose.AVATAR, int(alice.id))
    assert attachment_of(media_table, avatar) == Attachment(Purpose.AVATAR, int(alice.id))
    # When she removes both
    removed = checked(patch_me(api, alice, avatar_media_id=None, banner_media_id=None), "/api/users/me", "patch")
    # Then
    assert "profile_image_url" not in removed["data"]
    assert "profile_banner_url" not in removed["data"]
    assert (
        "profile_image_url"
        not in checked(api.get("/api/users/me", token=alice.access_token), "/api/users/me", "get")["data"]
    )


def test_a_small_upload_is_shown_as_its_largest_variant_for_a_banner(
    api: Api, alice: Account, make_media: MediaMaker
) -> None:
    # Given a photo of 600 pixels: processing wrote it as small and thumb only
    media_id = new_id()
    small = StoredVariant("small", f"media/{media_id}/small.webp", "image/webp", 600, 400)
    thumb = StoredVariant("thumb", f"media/{media_id}/thumb.webp", "image/webp", 150, 150)
    photo = make_media(alice, id=media_id, variants=(thumb, small), width=600, height=400)
    # When
    reply = patch_me(api, alice, banner_media_id=str(photo.id))
    # Then
    assert reply.status == 200, reply.body
    assert reply.json()["data"]["profile_banner_url"] == f"{MEDIA_BASE_URL}/media/{media_id}/small.webp"


def test_profile_images_refuse_what_a_tweet_refuses_and_more(
    api: Api, alice: Account, bob: Account, make_media: MediaMaker, media_table: DynamoMediaRepository
) -> None:
    # Given
    bobs, video, photo = make_media(bob), make_media(alice, MediaKind.VIDEO), make_media(alice)
    processing = make_media(alice, state=MediaState.PROCESSING, variants=())
    tweeted = make_media(alice)
    posted(api, alice, "", tweeted)
    # Then
    assert_error(patch_me(api, alice, avatar_media_id=str(bobs.id)), 404, "not_found", "avatar_media_id")
    assert_error(patch_me(api, alice, banner_media_id=str(video.id)), 400, "media_kind", "a profile takes an image")
    assert_error(patch_me(api, alice, avatar_media_id=str(processing.id)), 409, "media_not_ready")
    assert_error(patch_me(api, alice, avatar_media_id=str(tweeted.id)), 409, "media_attached")
    same = patch_me(api, alice, avatar_media_id=str(photo.id), banner_media_id=str(photo.id))
    assert_error(same, 400, "invalid_request", "the same media")
    assert_error(patch_me(api, alice, avatar_media_id="0"), 422, "invalid_input", "avatar_media_id")
    # And nothing was attached nor changed
    assert attachment_of(media_table, photo) is None
    assert "profile_image_url" not in api.user(alice.id)


def test_a_profile_image_taken_meanwhile_refuses_the_whole_change(
    api: Api,
    alice: Account,
    make_media: MediaMaker,
    media_table: DynamoMediaRepository,
    act_as: Callable[..., AbstractContextManager[object]],
) -> None:
    # Given a photo a tweet took after the profile change read it
    photo = make_media(alice)
    stale = StaleMedia(media_table.get_many([photo.id]))
    posted(api, alice, "", photo)
    update = ProfileUpdate.model_validate({"name": "Renamed", "avatar_media_id": str(photo.id)})
    store = dependencies()
    # When
    with act_as("ApiFunction"), pytest.raises(MediaAttachedElsewhere):
        users_service.update_profile(store.users, stale, int(alice.id), update)
    # Then the name did not change either
    assert api.user(alice.id)["name"] == "alice"
