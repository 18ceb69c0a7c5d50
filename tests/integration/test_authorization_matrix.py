"""The authorization matrix: every mutating operation of the API (POST, PUT, PATCH, DELETE of the app's operation
table) against another user's resources, on moto.

Each cell is one operation: bob (B) attacks alice's (A's) resource with it, and the cell asserts both the answer
(a refusal: 401/403/404/409; or, for an operation that can only act on its caller, a success that acted on bob
alone) and that alice's resource reads the same afterwards as before. `test_every_mutating_operation_has_a_cell`
fails when a mutating route is added without its cell; a cell for a route not served (yet) is skipped, so that
test is what tells.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from chalice import Chalice
from chirp.auth.tokens import hash_refresh_token
from chirp.wiring.api import dependencies
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from infra.moderation import set_moderator
from tests.integration.api_client import Account, Api, Reply

MUTATING = {"POST", "PUT", "PATCH", "DELETE"}
REFUSED = frozenset({401, 403, 404, 409})
ON_CALLER_ONLY = frozenset({200, 201, 202, 204})
BOB_PASSWORD = "bob's very own passphrase"


@dataclass
class World:
    """alice (A) with one of every resource a user owns; bob (B), the attacker; carol, a third party; a moderator."""

    api: Api
    alice: Account
    bob: Account
    carol: Account
    moderator: Account
    tweet: dict[str, Any]  # alice's
    carols_tweet: dict[str, Any]  # liked and retweeted by alice
    media_id: str  # alice's upload
    report_id: str  # alice's report (of carol)
    push_endpoint: str  # alice's browser
    ids: dict[str, str] = field(default_factory=dict)

    def as_alice(self, method: str, path: str, **options: Any) -> Reply:
        return self.api.request(method, path, token=self.alice.access_token, **options)

    def as_bob(self, method: str, path: str, **options: Any) -> Reply:
        return self.api.request(method, path, token=self.bob.access_token, **options)

    def read(self, path: str) -> Any:
        """What alice reads at `path` (asserted 200)."""
        reply = self.as_alice("GET", path)
        assert reply.status == 200, (path, reply.body)
        return reply.json()


def push_subscription(endpoint: str) -> dict[str, Any]:
    point = (
        ec.generate_private_key(ec.SECP256R1()).public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
    )
    encode = lambda raw: base64.urlsafe_b64encode(raw).rstrip(b"=").decode()  # noqa: E731
    return {"endpoint": endpoint, "keys": {"p256dh": encode(point), "auth": encode(b"0123456789abcdef")}}


@pytest.fixture
def world(api: Api, aws: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> World:
    # Every request reads the token version (as another sandbox past the cache's bound would).
    monkeypatch.setenv("TOKEN_VERSION_CACHE_SECONDS", "0")
    dependencies.cache_clear()
    alice, bob, carol = api.register("alice"), api.register("bob", password=BOB_PASSWORD), api.register("carol")
    moderator = api.register("mod")
    set_moderator(aws["USERS_TABLE"], "mod")
    tweet = api.tweet(alice, "alice's own words")
    carols_tweet = api.tweet(carol, "carol's words")
    for action in ("like", "retweet"):
        reply = api.post(f"/api/tweets/{carols_tweet['id']}/{action}", token=alice.access_token)
        assert reply.status in (200, 201), reply.body
    api.follow(alice, carol)
    upload = api.post(
        "/api/media", json_body={"media_type": "image/jpeg", "total_bytes": 1000}, token=alice.access_token
    )
    assert upload.status == 201, upload.body
    media_id = upload.json()["data"]["media_id"]
    assert api.patch(f"/api/media/{media_id}", json_body={"alt_text": "a cat"}, token=alice.access_token).status == 200
    report = api.post(
        "/api/reports",
        json_body={"target": {"type": "user", "id": carol.id}, "reason": "spam"},
        token=alice.access_token,
    )
    assert report.status == 201, report.body
    endpoint = "https://fcm.googleapis.com/fcm/send/alices-browser"
    assert (
        api.post(
            "/api/users/me/push_subscriptions", json_body=push_subscription(endpoint), token=alice.access_token
        ).status
        == 201
    )
    for path in (f"/api/users/{carol.id}/block", f"/api/users/{carol.id}/mute"):
        assert api.post(path, token=alice.access_token).status == 200
    assert api.post("/api/users/me/muted_words", json_body={"word": "spoiler"}, token=alice.access_token).status == 200
    assert (
        api.patch("/api/users/me/notification_settings", json_body={"like": False}, token=alice.access_token).status
        == 200
    )
    assert api.post("/api/notifications/read", json_body={}, token=alice.access_token).status == 200
    return World(
        api, alice, bob, carol, moderator, tweet, carols_tweet, media_id, report.json()["data"]["id"], endpoint
    )


# ---------------------------------------------------------------- what of alice's each cell watches


def profile(w: World) -> Any:
    return w.read(f"/api/users/{w.alice.id}")["data"]


def session(w: World) -> Any:
    """alice's account as a client holds it: her profile, her token working, her refresh token live."""
    record = dependencies().sessions.get_refresh(hash_refresh_token(w.alice.refresh_token))
    return profile(w), w.read("/api/users/me")["data"]["id"], record


def password_works(w: World) -> Any:
    return session(w), w.api.log_in("alice", w.alice.password).status


def own_tweets(w: World) -> Any:
    return [(t["id"], t.get("text")) for t in w.read(f"/api/users/{w.alice.id}/tweets")["data"]]


def tweet_and_likes(w: World) -> Any:
    tweet = w.read(f"/api/tweets/{w.tweet['id']}")["data"]
    liked = [t["id"] for t in w.read(f"/api/users/{w.alice.id}/liked_tweets")["data"]]
    return tweet["text"], tweet["author_id"], liked


def retweets(w: World) -> Any:
    return own_tweets(w), [u["id"] for u in w.read(f"/api/tweets/{w.carols_tweet['id']}/retweeted_by")["data"]]


def following(w: World) -> Any:
    return [u["id"] for u in w.read(f"/api/users/{w.alice.id}/following")["data"]], profile(w)["public_metrics"]


def media(w: World) -> Any:
    return w.read(f"/api/media/{w.media_id}")["data"]


def report(w: World) -> Any:
    reply = w.api.get("/api/moderation/reports", token=w.moderator.access_token)
    assert reply.status == 200, reply.body
    return [r for r in reply.json()["data"] if r["id"] == w.report_id]


def notification_state(w: World) -> Any:
    store = dependencies().notifications
    return store.read_mark(int(w.alice.id)), w.read("/api/users/me/notification_settings")["data"]


def push_subscriptions(w: World) -> Any:
    return [s.endpoint for s in dependencies().notifications.push_subscriptions(int(w.alice.id))]


def blocking(w: World) -> Any:
    return [u["id"] for u in w.read("/api/users/me/blocking")["data"]]


def muting(w: World) -> Any:
    return [u["id"] for u in w.read("/api/users/me/muting")["data"]], w.read("/api/users/me/muted_words")["data"]


def export_state(w: World) -> Any:
    reply = w.as_alice("GET", "/api/users/me/export")
    return reply.status, reply.body


# ---------------------------------------------------------------- the cells


@dataclass(frozen=True)
class Cell:
    """bob's attack with one operation, the answers that count as refused (or as acting on bob alone), and what
    of alice's must read the same afterwards."""

    attack: Callable[[World], Reply]
    answers: frozenset[int]
    watched: Callable[[World], Any]
    note: str


MATRIX: dict[tuple[str, str], Cell] = {
    ("/api/users/register", "POST"): Cell(
        lambda w: w.api.post(
            "/api/users/register", json_body={"username": "ALICE", "email": w.alice.email, "password": "take over"}
        ),
        frozenset({409}),
        password_works,
        "registering alice's username and email again",
    ),
    ("/api/users/login", "POST"): Cell(
        lambda w: w.api.log_in("alice", BOB_PASSWORD),
        frozenset({401}),
        session,
        "logging in as alice with bob's password",
    ),
    ("/api/auth/refresh", "POST"): Cell(
        lambda w: w.api.post("/api/auth/refresh", json_body={"refresh_token": w.alice.refresh_token[:-4] + "AAAA"}),
        frozenset({401}),
        session,
        "refreshing with a refresh token guessed from alice's",
    ),
    ("/api/auth/logout", "POST"): Cell(
        lambda w: w.api.post("/api/auth/logout", json_body={"refresh_token": w.bob.refresh_token}),
        ON_CALLER_ONLY,
        session,
        "logging out: only the session of the refresh token sent (bob's) ends",
    ),
    ("/api/users/me/password", "POST"): Cell(
        lambda w: w.as_bob(
            "POST",
            "/api/users/me/password",
            json_body={"current_password": w.alice.password, "new_password": "mine now"},
        ),
        frozenset({403}),
        password_works,
        "changing the password with alice's: it acts on bob's account, whose password it is not",
    ),
    ("/api/users/me", "DELETE"): Cell(
        lambda w: w.as_bob("DELETE", "/api/users/me", json_body={"password": w.alice.password}),
        frozenset({403}),
        password_works,
        "deleting the account with alice's password: it acts on bob's account, whose password it is not",
    ),
    ("/api/users/me", "PATCH"): Cell(
        lambda w: w.as_bob("PATCH", "/api/users/me", json_body={"name": "Not Alice"}),
        ON_CALLER_ONLY,
        profile,
        "editing a profile: bob's own",
    ),
    ("/api/users/me/export", "POST"): Cell(
        lambda w: w.as_bob("POST", "/api/users/me/export"),
        ON_CALLER_ONLY,
        export_state,
        "starting an export: bob's own archive; alice's export state untouched",
    ),
    ("/api/tweets", "POST"): Cell(
        lambda w: w.as_bob("POST", "/api/tweets", json_body={"text": "in alice's name?", "author_id": w.alice.id}),
        frozenset({400, 422}),
        own_tweets,
        "posting with alice as the author: the body cannot name one",
    ),
    ("/api/tweets/{tweetId}", "DELETE"): Cell(
        lambda w: w.as_bob("DELETE", f"/api/tweets/{w.tweet['id']}"),
        REFUSED,
        own_tweets,
        "deleting alice's tweet",
    ),
    ("/api/tweets/{tweetId}/like", "POST"): Cell(
        lambda w: w.as_bob("POST", f"/api/tweets/{w.tweet['id']}/like"),
        ON_CALLER_ONLY,
        tweet_and_likes,
        "liking alice's tweet: bob's like; her tweet and her likes unchanged",
    ),
    ("/api/tweets/{tweetId}/like", "DELETE"): Cell(
        lambda w: w.as_bob("DELETE", f"/api/tweets/{w.carols_tweet['id']}/like"),
        ON_CALLER_ONLY | REFUSED,
        tweet_and_likes,
        "unliking the tweet alice liked: her like stays",
    ),
    ("/api/tweets/{tweetId}/retweet", "POST"): Cell(
        lambda w: w.as_bob("POST", f"/api/tweets/{w.tweet['id']}/retweet"),
        ON_CALLER_ONLY,
        own_tweets,
        "retweeting alice's tweet: bob's retweet, not on her profile",
    ),
    ("/api/tweets/{tweetId}/retweet", "DELETE"): Cell(
        lambda w: w.as_bob("DELETE", f"/api/tweets/{w.carols_tweet['id']}/retweet"),
        ON_CALLER_ONLY | REFUSED,
        retweets,
        "undoing the retweet alice made: hers stays",
    ),
    ("/api/users/{userId}/follow", "POST"): Cell(
        lambda w: w.as_bob("POST", f"/api/users/{w.carol.id}/follow"),
        ON_CALLER_ONLY,
        following,
        "following carol, whom alice follows: bob's edge only",
    ),
    ("/api/users/{userId}/follow", "DELETE"): Cell(
        lambda w: w.as_bob("DELETE", f"/api/users/{w.carol.id}/follow"),
        ON_CALLER_ONLY | REFUSED,
        following,
        "unfollowing carol: alice's follow of carol stays",
    ),
    ("/api/media", "POST"): Cell(
        lambda w: w.as_bob("POST", "/api/media", json_body={"media_type": "image/jpeg", "total_bytes": 1000}),
        ON_CALLER_ONLY,
        media,
        "asking to upload: bob's own media",
    ),
    ("/api/media/{mediaId}", "PATCH"): Cell(
        lambda w: w.as_bob("PATCH", f"/api/media/{w.media_id}", json_body={"alt_text": "defaced"}),
        frozenset({404}),
        media,
        "setting the alt text of alice's media (not even told it exists)",
    ),
    ("/api/moderation/reports/{reportId}/resolve", "POST"): Cell(
        lambda w: w.as_bob("POST", f"/api/moderation/reports/{w.report_id}/resolve", json_body={"action": "dismiss"}),
        frozenset({403}),
        report,
        "dismissing alice's report without being a moderator",
    ),
    ("/api/reports", "POST"): Cell(
        lambda w: w.as_bob(
            "POST", "/api/reports", json_body={"target": {"type": "user", "id": w.carol.id}, "reason": "spam"}
        ),
        ON_CALLER_ONLY,
        report,
        "reporting what alice reported: bob's own report; hers stays open and hers",
    ),
    ("/api/notifications/read", "POST"): Cell(
        lambda w: w.as_bob("POST", "/api/notifications/read", json_body={}),
        ON_CALLER_ONLY,
        notification_state,
        "marking notifications read: bob's read mark only",
    ),
    ("/api/users/me/notification_settings", "PATCH"): Cell(
        lambda w: w.as_bob("PATCH", "/api/users/me/notification_settings", json_body={"like": True, "follow": False}),
        ON_CALLER_ONLY,
        notification_state,
        "switching notifications: bob's settings only",
    ),
    ("/api/users/me/push_subscriptions", "POST"): Cell(
        lambda w: w.as_bob("POST", "/api/users/me/push_subscriptions", json_body=push_subscription(w.push_endpoint)),
        ON_CALLER_ONLY,
        push_subscriptions,
        "subscribing alice's browser endpoint: to bob's account, alice's subscription unchanged",
    ),
    ("/api/users/me/push_subscriptions", "DELETE"): Cell(
        lambda w: w.as_bob("DELETE", "/api/users/me/push_subscriptions", json_body={"endpoint": w.push_endpoint}),
        ON_CALLER_ONLY,
        push_subscriptions,
        "unsubscribing alice's browser endpoint: alice's subscription stays",
    ),
    ("/api/users/{userId}/block", "POST"): Cell(
        lambda w: w.as_bob("POST", f"/api/users/{w.carol.id}/block"),
        ON_CALLER_ONLY,
        blocking,
        "blocking carol: bob's block only",
    ),
    ("/api/users/{userId}/block", "DELETE"): Cell(
        lambda w: w.as_bob("DELETE", f"/api/users/{w.carol.id}/block"),
        ON_CALLER_ONLY | REFUSED,
        blocking,
        "unblocking carol, whom alice blocks: alice's block stays",
    ),
    ("/api/users/{userId}/mute", "POST"): Cell(
        lambda w: w.as_bob("POST", f"/api/users/{w.carol.id}/mute"),
        ON_CALLER_ONLY,
        muting,
        "muting carol: bob's mute only",
    ),
    ("/api/users/{userId}/mute", "DELETE"): Cell(
        lambda w: w.as_bob("DELETE", f"/api/users/{w.carol.id}/mute"),
        ON_CALLER_ONLY | REFUSED,
        muting,
        "unmuting carol, whom alice mutes: alice's mute stays",
    ),
    ("/api/users/me/muted_words", "POST"): Cell(
        lambda w: w.as_bob("POST", "/api/users/me/muted_words", json_body={"word": "alice"}),
        ON_CALLER_ONLY,
        muting,
        "muting a word: bob's list only",
    ),
    ("/api/users/me/muted_words", "DELETE"): Cell(
        lambda w: w.as_bob("DELETE", "/api/users/me/muted_words", query={"word": "spoiler"}),
        ON_CALLER_ONLY,
        muting,
        "unmuting the word alice mutes: hers stays muted",
    ),
}


def mutating_routes(app: Chalice) -> set[tuple[str, str]]:
    from routes.routing import operations_of

    return {(op.path, op.method) for op in operations_of(app) if op.method in MUTATING}


def test_every_mutating_operation_has_a_cell(chalice_app: Chalice) -> None:
    # Given the app's mutating operations
    served = mutating_routes(chalice_app)
    # Then each is attacked by a cell of the matrix
    assert sorted(served - set(MATRIX)) == []


@pytest.mark.parametrize(("path", "method"), list(MATRIX), ids=[f"{m} {p}" for p, m in MATRIX])
def test_another_users_resource_is_out_of_reach(chalice_app: Chalice, world: World, path: str, method: str) -> None:
    if (path, method) not in mutating_routes(chalice_app):
        pytest.skip(f"{method} {path} is not served yet")
    cell = MATRIX[path, method]
    # Given what alice's resource reads before
    before = cell.watched(world)
    # When bob attacks it
    reply = cell.attack(world)
    # Then he is refused, or the operation acted on him alone
    assert reply.status in cell.answers, (cell.note, reply.status, reply.body)
    # And alice's resource reads the same
    assert cell.watched(world) == before, cell.note
