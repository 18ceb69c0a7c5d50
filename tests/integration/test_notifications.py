"""Notifications on moto, through the real pipeline (`pipeline.py`): the event publisher puts the tables'
changes on the bus, the notifier consumes its queue (under its own IAM policies, in Lambda's event format),
and the API serves the result. Live connections are opened and closed through the WebSocket function's
own handler; what the notifier pushes to them is read from moto's management API, which keeps it per
connection id (moto never answers GoneException: the local runtime's tests and tests/e2e cover that).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import boto3
import pytest
from chirp.wiring.api import dependencies
from moto.apigatewaymanagementapi.models import apigatewaymanagementapi_backends

from tests.integration.api_client import Account, Api, assert_error
from tests.integration.conftest import ACCOUNT_ID, REGION, clear_settings_caches
from tests.integration.pipeline import (
    PUBLISHER_FUNCTION,
    LambdaContext,
    Pipeline,
    StartPipeline,
    handler_module,
    item_identifier,
)
from tests.push_service import PushService

EVENTS_DIR = Path(__file__).resolve().parents[2] / "events" / "live_connections"
NOTIFIER_FUNCTION = "NotifierFunction"
LIVE_FUNCTION = "LiveConnectionsFunction"


@pytest.fixture
def pipeline(start_pipeline: StartPipeline) -> Pipeline:
    return start_pipeline(functions=(PUBLISHER_FUNCTION, NOTIFIER_FUNCTION, LIVE_FUNCTION))


# ---------------------------------------------------------------- acting and reading


def like(api: Api, account: Account, tweet_id: str) -> None:
    assert api.post(f"/api/tweets/{tweet_id}/like", token=account.access_token).status == 200


def unlike(api: Api, account: Account, tweet_id: str) -> None:
    assert api.delete(f"/api/tweets/{tweet_id}/like", token=account.access_token).status == 200


def post(api: Api, account: Account, text: str, **refers: Any) -> str:
    reply = api.post("/api/tweets", json_body={"text": text, **refers}, token=account.access_token)
    assert reply.status == 201, reply.body
    tweet_id: str = reply.json()["data"]["id"]
    return tweet_id


def notifications(api: Api, account: Account) -> list[dict[str, Any]]:
    reply = api.get("/api/notifications", token=account.access_token, query={"limit": "100"})
    assert reply.status == 200, reply.body
    items: list[dict[str, Any]] = reply.json()["data"]
    return items


def summary(items: list[dict[str, Any]]) -> list[tuple[str, int, list[str]]]:
    """(kind, count, actors' usernames) of each notification, newest change first."""
    return [(item["kind"], item["count"], [actor["username"] for actor in item["actors"]]) for item in items]


def unread(api: Api, account: Account) -> int:
    reply = api.get("/api/notifications/unread_count", token=account.access_token)
    assert reply.status == 200, reply.body
    count: int = reply.json()["data"]["unread_count"]
    return count


def connect_event(connection_id: str, token: str | None) -> dict[str, Any]:
    """The sample `$connect` event (events/live_connections/connect.json, API Gateway's shape) for a
    connection and a token (None: the query string has none)."""
    event: dict[str, Any] = json.loads((EVENTS_DIR / "connect.json").read_text())
    event["requestContext"]["connectionId"] = connection_id
    event["queryStringParameters"] = {"token": token} if token is not None else None
    event["multiValueQueryStringParameters"] = {"token": [token]} if token is not None else None
    return event


def open_connection(pipeline: Pipeline, connection_id: str, token: str | None) -> dict[str, Any]:
    """Run the WebSocket function's `$connect` under its own IAM policies; its answer."""
    spec = pipeline.functions[LIVE_FUNCTION]
    with pipeline.act_as(LIVE_FUNCTION):
        answer: dict[str, Any] = handler_module(spec).handler(connect_event(connection_id, token), _context(spec))
    return answer


def close_connection(pipeline: Pipeline, connection_id: str) -> None:
    spec = pipeline.functions[LIVE_FUNCTION]
    event = json.loads((EVENTS_DIR / "disconnect.json").read_text())
    event["requestContext"]["connectionId"] = connection_id
    with pipeline.act_as(LIVE_FUNCTION):
        assert handler_module(spec).handler(event, _context(spec))["statusCode"] == 200


def _context(spec: Any) -> LambdaContext:
    return LambdaContext(spec.name, spec.arn)


def pushed(connection_id: str) -> list[dict[str, Any]]:
    """The messages pushed to a connection so far (moto appends each one's bytes, under the connection id as
    the request's path spells it: percent-encoded)."""
    connections = apigatewaymanagementapi_backends[ACCOUNT_ID][REGION].connections
    data = connections[quote(connection_id, safe="")].data
    decoder, messages, position = json.JSONDecoder(), [], 0
    text = data.decode()
    while position < len(text):
        message, position = decoder.raw_decode(text, position)
        messages.append(message)
    return messages


# ---------------------------------------------------------------- what notifies whom


def test_likes_of_one_tweet_group_into_one_notification_naming_the_latest_likers_first(
    api: Api, pipeline: Pipeline, alice: Account, bob: Account, carol: Account
) -> None:
    # Given a tweet of alice's liked by bob, then by carol
    tweet_id = api.tweet(alice, "like me")["id"]
    like(api, bob, tweet_id)
    pipeline.run_until_quiet()
    like(api, carol, tweet_id)
    pipeline.run_until_quiet()
    # Then alice has one notification for both, carol named first, with the tweet
    items = notifications(api, alice)
    assert summary(items) == [("like", 2, ["carol", "bob"])]
    assert items[0]["tweet"]["id"] == tweet_id
    assert items[0]["read"] is False
    # And the likers have none
    assert notifications(api, bob) == notifications(api, carol) == []


def test_a_like_unlike_like_and_a_redelivered_event_count_the_liker_once(
    api: Api, pipeline: Pipeline, alice: Account, bob: Account
) -> None:
    # Given bob likes, unlikes and likes alice's tweet again
    tweet_id = api.tweet(alice, "flip flop")["id"]
    like(api, bob, tweet_id)
    unlike(api, bob, tweet_id)
    like(api, bob, tweet_id)
    pipeline.run_until_quiet()
    # And the notifier is handed every message it consumed once more (a redelivery)
    consumed = list(pipeline.delivered[NOTIFIER_FUNCTION])
    assert consumed
    assert pipeline.invoke(NOTIFIER_FUNCTION, consumed) == []
    # Then alice's notification counts bob once
    assert summary(notifications(api, alice)) == [("like", 1, ["bob"])]


def test_follows_group_and_retweets_group_apart_from_likes(
    api: Api, pipeline: Pipeline, alice: Account, bob: Account, carol: Account
) -> None:
    # Given bob and carol follow alice, and bob likes and retweets her tweet
    tweet_id = api.tweet(alice, "hello")["id"]
    api.follow(bob, alice)
    api.follow(carol, alice)
    pipeline.run_until_quiet()
    like(api, bob, tweet_id)
    assert api.post(f"/api/tweets/{tweet_id}/retweet", token=bob.access_token).status == 200
    pipeline.run_until_quiet()
    # Then alice has three notifications: the follows together, the like, the retweet
    assert sorted(summary(notifications(api, alice))) == [
        ("follow", 2, ["carol", "bob"]),
        ("like", 1, ["bob"]),
        ("retweet", 1, ["bob"]),
    ]


def test_a_reply_that_mentions_the_person_replied_to_is_one_reply_notification_and_others_hear_a_mention(
    api: Api, pipeline: Pipeline, alice: Account, bob: Account, carol: Account
) -> None:
    # Given bob replies to alice's tweet, mentioning alice and carol
    tweet_id = api.tweet(alice, "a question")["id"]
    reply_id = post(api, bob, "@alice @carol an answer", reply={"in_reply_to_tweet_id": tweet_id})
    pipeline.run_until_quiet()
    # Then alice has one notification, a reply, carrying the reply; carol has a mention
    alice_items = notifications(api, alice)
    assert summary(alice_items) == [("reply", 1, ["bob"])]
    assert alice_items[0]["tweet"]["id"] == reply_id
    carol_items = notifications(api, carol)
    assert summary(carol_items) == [("mention", 1, ["bob"])]
    assert carol_items[0]["tweet"]["id"] == reply_id


def test_quotes_are_never_grouped(api: Api, pipeline: Pipeline, alice: Account, bob: Account, carol: Account) -> None:
    # Given bob and carol quote alice's tweet
    tweet_id = api.tweet(alice, "quotable")["id"]
    post(api, bob, "so true", quote_tweet_id=tweet_id)
    post(api, carol, "so false", quote_tweet_id=tweet_id)
    pipeline.run_until_quiet()
    # Then alice has two quote notifications
    assert summary(notifications(api, alice)) == [("quote", 1, ["carol"]), ("quote", 1, ["bob"])]


def test_ones_own_actions_notify_no_one(api: Api, pipeline: Pipeline, alice: Account) -> None:
    # Given alice likes, retweets, replies to and mentions herself
    tweet_id = api.tweet(alice, "me, myself")["id"]
    like(api, alice, tweet_id)
    assert api.post(f"/api/tweets/{tweet_id}/retweet", token=alice.access_token).status == 200
    post(api, alice, "@alice and I", reply={"in_reply_to_tweet_id": tweet_id})
    pipeline.run_until_quiet()
    # Then she has no notification
    assert notifications(api, alice) == []


def test_a_kind_switched_off_is_not_stored(api: Api, pipeline: Pipeline, alice: Account, bob: Account) -> None:
    # Given alice switched likes off
    reply = api.patch("/api/users/me/notification_settings", json_body={"like": False}, token=alice.access_token)
    assert reply.status == 200, reply.body
    assert reply.json()["data"] == {
        "follow": True,
        "like": False,
        "retweet": True,
        "quote": True,
        "reply": True,
        "mention": True,
    }
    # When bob likes her tweet and follows her
    tweet_id = api.tweet(alice, "quiet please")["id"]
    like(api, bob, tweet_id)
    api.follow(bob, alice)
    pipeline.run_until_quiet()
    # Then only the follow notifies her
    assert summary(notifications(api, alice)) == [("follow", 1, ["bob"])]


def test_a_notification_whose_tweet_is_deleted_is_not_served(
    api: Api, pipeline: Pipeline, alice: Account, bob: Account, carol: Account
) -> None:
    # Given bob liked alice's tweet, and carol mentioned alice in a tweet
    tweet_id = api.tweet(alice, "short-lived")["id"]
    like(api, bob, tweet_id)
    mention_id = post(api, carol, "hi @alice")
    pipeline.run_until_quiet()
    assert sorted(kind for kind, _, _ in summary(notifications(api, alice))) == ["like", "mention"]
    # When both tweets are deleted
    assert api.delete(f"/api/tweets/{tweet_id}", token=alice.access_token).status == 204
    assert api.delete(f"/api/tweets/{mention_id}", token=carol.access_token).status == 204
    # Then neither notification is served
    assert notifications(api, alice) == []


def test_a_poison_message_fails_alone_and_its_batch_mates_are_stored(
    api: Api, pipeline: Pipeline, alice: Account, bob: Account
) -> None:
    # Given the notifier's queue holds a like's event and a message that is no event
    tweet_id = api.tweet(alice, "sturdy")["id"]
    like(api, bob, tweet_id)
    pipeline.deliver_streams(PUBLISHER_FUNCTION)
    pipeline.sqs.send_message(QueueUrl=pipeline.queue_url_of(NOTIFIER_FUNCTION), MessageBody="not an event")
    batch = pipeline.receive_all(NOTIFIER_FUNCTION)
    assert len(batch) == 2
    # When the notifier consumes them as one batch
    failed = pipeline.invoke(NOTIFIER_FUNCTION, batch)
    # Then only the poison message is reported, and the like is stored
    poison = [record for record in batch if record["body"] == "not an event"]
    assert failed == [item_identifier(poison[0])]
    assert summary(notifications(api, alice)) == [("like", 1, ["bob"])]


def delete_account(api: Api, account: Account) -> None:
    reply = api.delete("/api/users/me", json_body={"password": account.password}, token=account.access_token)
    assert reply.status == 202, reply.body  # accepted: unusable at once, erased by the erasure job


def stored_for(user_id: str) -> list[dict[str, Any]]:
    """Every item of the user's partition of the notifications table (what the API no longer reads for a deleted
    account, and what its erasure's settling sweep would have to find)."""
    table = os.environ["NOTIFICATIONS_TABLE"]
    client = boto3.client("dynamodb")
    found: list[dict[str, Any]] = client.query(
        TableName=table, KeyConditionExpression="user_id = :u", ExpressionAttributeValues={":u": {"N": user_id}}
    )["Items"]
    return found


def test_an_event_reaching_the_notifier_after_its_recipient_deleted_the_account_stores_nothing(
    api: Api, pipeline: Pipeline, alice: Account, bob: Account
) -> None:
    # Given bob liked and followed alice, and the events are on the notifier's queue
    like(api, bob, api.tweet(alice, "soon gone")["id"])
    api.follow(bob, alice)
    pipeline.deliver_streams(PUBLISHER_FUNCTION)
    # When alice deletes her account before the notifier consumes them (its queue lagging)
    delete_account(api, alice)
    pipeline.run_until_quiet()
    # Then nothing was written into her partition
    assert stored_for(alice.id) == []


def test_an_event_from_an_actor_who_deleted_the_account_meanwhile_notifies_no_one(
    api: Api, pipeline: Pipeline, alice: Account, bob: Account, carol: Account
) -> None:
    # Given bob and carol liked alice's tweet, and the events are on the notifier's queue
    tweet_id = api.tweet(alice, "liked twice")["id"]
    like(api, bob, tweet_id)
    like(api, carol, tweet_id)
    pipeline.deliver_streams(PUBLISHER_FUNCTION)
    # When bob deletes his account before the notifier consumes them
    delete_account(api, bob)
    pipeline.run_until_quiet()
    # Then alice's like notification names carol alone, and no stored item names bob
    assert summary(notifications(api, alice)) == [("like", 1, ["carol"])]
    assert not [item for item in stored_for(alice.id) if bob.id in json.dumps(item)]


# ---------------------------------------------------------------- reading, unread count, read marks


def test_the_unread_count_and_the_list_agree_and_marking_read_moves_both(
    api: Api, pipeline: Pipeline, alice: Account, bob: Account, carol: Account
) -> None:
    # Given three notifications for alice: a follow, a like, a mention
    tweet_id = api.tweet(alice, "counting")["id"]
    api.follow(bob, alice)
    pipeline.run_until_quiet()
    like(api, carol, tweet_id)
    pipeline.run_until_quiet()
    post(api, carol, "hey @alice")
    pipeline.run_until_quiet()
    items = notifications(api, alice)
    assert [item["kind"] for item in items] == ["mention", "like", "follow"]
    assert unread(api, alice) == 3 == sum(not item["read"] for item in items)
    # When she marks read up to the like
    reply = api.post("/api/notifications/read", json_body={"up_to_id": items[1]["id"]}, token=alice.access_token)
    assert reply.status == 200, reply.body
    # Then the like and the follow are read, the mention is not
    assert reply.json()["data"]["unread_count"] == 1 == unread(api, alice)
    assert [item["read"] for item in notifications(api, alice)] == [False, True, True]
    # And a new like on the read group makes it unread again, at the top
    like(api, bob, tweet_id)
    pipeline.run_until_quiet()
    assert [(item["kind"], item["read"]) for item in notifications(api, alice)] == [
        ("like", False),
        ("mention", False),
        ("follow", True),
    ]
    # And marking everything read leaves nothing unread
    assert api.post("/api/notifications/read", json_body={}, token=alice.access_token).status == 200
    assert unread(api, alice) == 0


def test_notifications_are_paginated_newest_first(api: Api, pipeline: Pipeline, alice: Account, bob: Account) -> None:
    # Given five mentions of alice
    for n in range(5):
        post(api, bob, f"@alice number {n}")
    pipeline.run_until_quiet()
    # When she reads them two at a time
    pages = api.walk("/api/notifications", limit=2, token=alice.access_token)
    # Then she gets all five, newest first, over three pages
    texts = [item["tweet"]["text"] for page in pages for item in page]
    assert texts == [f"@alice number {n}" for n in reversed(range(5))]
    assert [len(page) for page in pages] == [2, 2, 1]


def test_only_their_owner_reads_a_users_notifications(api: Api, alice: Account, bob: Account) -> None:
    # When bob asks for alice's notifications by the seed's path, and alice for her own
    theirs = api.get(f"/api/users/{alice.id}/notifications", token=bob.access_token)
    own = api.get(f"/api/users/{alice.id}/notifications", token=alice.access_token)
    # Then bob is refused and alice is served
    assert_error(theirs, 403, "forbidden")
    assert own.status == 200


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "at least one kind"),
        ({"like": "no"}, "like"),
        ({"likes": False}, "likes"),
    ],
)
def test_a_bad_settings_change_is_refused_and_says_why(
    api: Api, alice: Account, body: dict[str, Any], message: str
) -> None:
    reply = api.patch("/api/users/me/notification_settings", json_body=body, token=alice.access_token)
    assert reply.status in {400, 422}
    assert message in reply.error["message"]


def test_marking_read_up_to_an_unknown_notification_is_a_404(api: Api, alice: Account) -> None:
    reply = api.post("/api/notifications/read", json_body={"up_to_id": "like-1-2"}, token=alice.access_token)
    assert_error(reply, 404, "not_found")


# ---------------------------------------------------------------- Web Push subscriptions


def test_a_push_subscription_to_a_service_no_browser_uses_is_refused(api: Api, alice: Account) -> None:
    # Given a subscription whose endpoint is an internal address (what a forged client could send)
    body = {"endpoint": "https://169.254.169.254/latest/meta-data", "keys": {"p256dh": "AAAA", "auth": "AAAA"}}
    # When alice subscribes with it
    reply = api.post("/api/users/me/push_subscriptions", json_body=body, token=alice.access_token)
    # Then it is refused, saying which services are allowed
    assert reply.status == 422
    assert "endpoint" in reply.error["message"]


# ---------------------------------------------------------------- live connections


def test_a_connection_without_a_valid_token_is_refused_at_the_handshake(
    api: Api, pipeline: Pipeline, alice: Account
) -> None:
    # When connections open with no token, a forged one and alice's
    refused = open_connection(pipeline, "conn-none=", None)
    forged = open_connection(pipeline, "conn-forged=", alice.access_token[:-4] + "abcd")
    accepted = open_connection(pipeline, "conn-alice=", alice.access_token)
    # Then the first two are refused with 401, the last accepted
    assert (refused["statusCode"], forged["statusCode"], accepted["statusCode"]) == (401, 401, 200)
    assert "token" in json.loads(refused["body"])["error"]["message"]


def test_a_token_revoked_by_a_password_change_is_refused_at_the_handshake(
    api: Api, pipeline: Pipeline, alice: Account
) -> None:
    # Given alice changed her password (her token version bumped), after her old token opened a connection
    assert open_connection(pipeline, "conn-before=", alice.access_token)["statusCode"] == 200
    reply = api.post(
        "/api/users/me/password",
        json_body={"current_password": alice.password, "new_password": "a brand new passphrase"},
        token=alice.access_token,
    )
    assert reply.status == 200, reply.body
    # When a connection opens with the old token, and another with the new one
    revoked = open_connection(pipeline, "conn-old-token=", alice.access_token)
    renewed = open_connection(pipeline, "conn-new-token=", reply.json()["access_token"])
    # Then the old token is refused as the HTTP API refuses it, and the new one accepted
    assert revoked["statusCode"] == 401
    assert "revoked" in json.loads(revoked["body"])["error"]["message"]
    assert renewed["statusCode"] == 200


def test_every_open_tab_of_the_recipient_gets_the_notification_with_the_unread_count(
    api: Api, pipeline: Pipeline, alice: Account, bob: Account
) -> None:
    # Given alice has two tabs open, and one closed since
    for connection_id in ("tab-one=", "tab-two=", "tab-closed="):
        assert open_connection(pipeline, connection_id, alice.access_token)["statusCode"] == 200
    close_connection(pipeline, "tab-closed=")
    # When bob likes her tweet
    tweet_id = api.tweet(alice, "live")["id"]
    like(api, bob, tweet_id)
    pipeline.run_until_quiet()
    # Then both open tabs got one message: the notification, and her unread count
    for connection_id in ("tab-one=", "tab-two="):
        (message,) = pushed(connection_id)
        assert message["type"] == "notification"
        assert message["unread_count"] == 1
        assert (message["data"]["kind"], message["data"]["count"]) == ("like", 1)
        assert [actor["username"] for actor in message["data"]["actors"]] == ["bob"]
    # And the closed one got nothing
    assert pushed("tab-closed=") == []


# ---------------------------------------------------------------- Web Push, when no tab is open


@pytest.fixture
def push_service(monkeypatch: pytest.MonkeyPatch) -> Iterator[PushService]:
    """The push-service stand-in, allowed as a push service for this test's API."""
    with PushService() as service:
        monkeypatch.setenv("PUSH_SERVICE_ORIGINS", service.origin)
        clear_settings_caches()
        yield service


def subscribe(api: Api, account: Account, subscription: dict[str, Any]) -> None:
    reply = api.post("/api/users/me/push_subscriptions", json_body=subscription, token=account.access_token)
    assert reply.status == 201, reply.body


def test_with_no_tab_open_a_notification_goes_by_web_push_encrypted_for_the_browser(
    api: Api, pipeline: Pipeline, push_service: PushService, alice: Account, bob: Account
) -> None:
    # Given alice subscribed her browser to Web Push and has no tab open
    subscription, browser = push_service.new_subscription()
    subscribe(api, alice, subscription)
    # When bob likes her tweet
    tweet_id = api.tweet(alice, "push me")["id"]
    like(api, bob, tweet_id)
    pipeline.run_until_quiet()
    # Then the push service got, signed with the deployment's VAPID key, the notification her browser decrypts
    (payload,) = push_service.received(browser, timeout=5)
    message = json.loads(payload)
    assert (message["type"], message["data"]["kind"], message["data"]["tweet_id"]) == ("notification", "like", tweet_id)
    key = api.get("/api/notifications/push_key").json()["data"]["application_server_key"]
    (pushed_message,) = push_service.messages(browser)
    assert pushed_message.headers["authorization"].endswith(f"k={key}")


def test_with_a_tab_open_no_web_push_is_sent(
    api: Api, pipeline: Pipeline, push_service: PushService, alice: Account, bob: Account
) -> None:
    # Given alice subscribed to Web Push and has a tab open
    subscription, browser = push_service.new_subscription()
    subscribe(api, alice, subscription)
    assert open_connection(pipeline, "open-tab=", alice.access_token)["statusCode"] == 200
    # When bob follows her
    api.follow(bob, alice)
    pipeline.run_until_quiet()
    # Then the tab got it, and the push service nothing
    assert [message["data"]["kind"] for message in pushed("open-tab=")] == ["follow"]
    assert push_service.messages(browser, timeout=0.5, count=0) == []


def test_a_subscription_the_push_service_says_is_gone_is_deleted(
    api: Api, pipeline: Pipeline, push_service: PushService, alice: Account, bob: Account
) -> None:
    # Given alice subscribed two browsers, one of which has since expired
    expired_json, expired = push_service.new_subscription()
    live_json, live = push_service.new_subscription()
    subscribe(api, alice, expired_json)
    subscribe(api, alice, live_json)
    push_service.expire(expired)
    # When bob follows her, then mentions her
    api.follow(bob, alice)
    pipeline.run_until_quiet()
    post(api, bob, "hello @alice")
    pipeline.run_until_quiet()
    # Then the live browser got both, and only its subscription is left
    assert len(push_service.received(live, timeout=5, count=2)) == 2
    left = dependencies().notifications.push_subscriptions(int(alice.id))
    assert [subscription.endpoint for subscription in left] == [live_json["endpoint"]]
    assert expired_json["endpoint"] != live_json["endpoint"]
