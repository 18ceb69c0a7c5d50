"""Rate limits through the API (routes.limiting on chirp.limits), with small limits set for the test, on moto."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from chalice.local import LambdaEventConverter
from chirp.adapters.dynamodb.limits import DynamoCounterStore
from chirp.auth.tokens import issue_access_token
from chirp.errors import Retryable

from tests.integration.api_client import PASSWORD, Account, Api, Reply, assert_error
from tests.integration.conftest import JWT_SECRET, clear_settings_caches

SMALL_LIMITS = {
    "RATE_LIMIT_READS": "3/300",
    "RATE_LIMIT_ANONYMOUS": "3/300",
    "RATE_LIMIT_POSTING": "2/10800",
    "RATE_LIMIT_SIGNUPS": "3/1800",
    "RATE_LIMIT_LOGIN_FAILURES": "5/900",
    "LOGIN_ACCOUNT_LOCK_FAILURES": "8",
}
HEADERS = ("x-rate-limit-limit", "x-rate-limit-remaining", "x-rate-limit-reset")


@pytest.fixture
def limited(aws: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The API with small limits (as template parameters would give them)."""
    for name, value in SMALL_LIMITS.items():
        monkeypatch.setenv(name, value)
    clear_settings_caches()
    yield
    clear_settings_caches()


@pytest.fixture
def roomy_anonymous(limited: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Small limits, but room for a dozen anonymous requests per IP: logins count there too, and the login
    tests below are about the login backoff."""
    monkeypatch.setenv("RATE_LIMIT_ANONYMOUS", "20/300")
    clear_settings_caches()
    yield


def from_ip(monkeypatch: pytest.MonkeyPatch, ip: str) -> None:
    """The client IP API Gateway would put in requestContext.identity.sourceIp."""
    monkeypatch.setattr(LambdaEventConverter, "LOCAL_SOURCE_IP", ip)


def rate_headers(reply: Reply) -> tuple[int, int, int]:
    limit, remaining, reset = (int(reply.headers[name]) for name in HEADERS)
    return limit, remaining, reset


def test_every_answer_of_a_limited_route_carries_the_rate_headers(limited: None, api: Api, alice: Account) -> None:
    # When a signed-in user reads their profile, then a tweet that does not exist
    found = api.get("/api/users/me", token=alice.access_token)
    missing = api.get("/api/tweets/999999", token=alice.access_token)
    # Then both answers carry the limit, what remains and the window's end
    assert found.status == 200 and missing.status == 404
    now = time.time()
    assert rate_headers(found)[:2] == (3, 2)
    assert rate_headers(missing)[:2] == (3, 1)
    assert now < rate_headers(found)[2] <= now + 300


def test_past_the_limit_the_answer_is_429_with_retry_after_and_the_error_body(
    limited: None, api: Api, alice: Account
) -> None:
    # Given a user who has spent their 3 reads
    for _ in range(3):
        assert api.get("/api/users/me", token=alice.access_token).status == 200
    # When they read again
    reply = api.get("/api/users/me", token=alice.access_token)
    # Then it is refused, saying how long to wait, with the rate headers
    message = assert_error(reply, 429, "rate_limited", "try again in")
    retry_after = int(reply.headers["Retry-After"])
    assert 1 <= retry_after <= 300 and f"{retry_after} s" in message
    assert rate_headers(reply)[:2] == (3, 0)


def test_signed_in_callers_are_limited_per_user_and_anonymous_ones_per_ip(
    limited: None, api: Api, alice: Account, bob: Account, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given alice has spent her reads
    for _ in range(4):
        api.get("/api/users/me", token=alice.access_token)
    # Then bob, from the same IP, still reads, and so does an anonymous client of that IP
    assert api.get("/api/users/me", token=bob.access_token).status == 200
    assert api.get(f"/api/users/{alice.id}").status == 200
    # When that IP spends its anonymous requests
    for _ in range(2):
        api.get(f"/api/users/{alice.id}")
    # Then anonymous requests from it are refused, but not from another IP, nor alice's own signed-in reads'
    # count (a class of their own)
    assert api.get(f"/api/users/{alice.id}").status == 429
    from_ip(monkeypatch, "198.51.100.7")
    assert api.get(f"/api/users/{alice.id}").status == 200
    assert api.get("/api/users/me", token=bob.access_token).status == 200


def test_retweets_count_as_posts(limited: None, api: Api, alice: Account, bob: Account) -> None:
    # Given alice posted a tweet and retweeted bob's (her limit is 2 posts)
    tweet = api.tweet(bob, "hello")
    api.tweet(alice, "one")
    assert api.post(f"/api/tweets/{tweet['id']}/retweet", token=alice.access_token).status in (200, 201)
    # When she posts again
    reply = api.post("/api/tweets", json_body={"text": "three"}, token=alice.access_token)
    # Then it is refused and nothing is posted
    assert_error(reply, 429, "rate_limited")
    tweets = api.get(f"/api/users/{alice.id}/tweets", token=alice.access_token).json()["data"]
    assert [t["text"] for t in tweets if t.get("text") == "three"] == []


def test_sign_ups_are_limited_per_ip(limited: None, api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given three accounts created from one IP
    from_ip(monkeypatch, "203.0.113.1")
    for _ in range(3):
        api.register()
    # When a fourth is asked for from that IP
    reply = api.post(
        "/api/users/register", json_body={"username": "fourth", "email": "fourth@example.com", "password": PASSWORD}
    )
    # Then it is refused, while another IP may still sign up
    assert_error(reply, 429, "rate_limited")
    from_ip(monkeypatch, "203.0.113.2")
    assert api.register("fourth").username == "fourth"


def test_after_five_failed_logins_the_ip_waits_but_the_owner_elsewhere_gets_in(
    roomy_anonymous: None, api: Api, alice: Account, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a stranger who failed five times to log in as alice from their IP
    from_ip(monkeypatch, "192.0.2.66")
    failures = [api.log_in("ALICE", "wrong password") for _ in range(5)]
    assert [reply.status for reply in failures] == [401] * 5
    assert [rate_headers(reply)[1] for reply in failures] == [4, 3, 2, 1, 0]
    # When they try again, even with the right password
    reply = api.log_in("alice")
    # Then they must wait (15 s, doubling at each further failure)
    assert_error(reply, 429, "rate_limited")
    assert 1 <= int(reply.headers["Retry-After"]) <= 15
    # And alice, from her own IP, logs in
    from_ip(monkeypatch, "192.0.2.10")
    assert api.log_in("alice").status == 200


def test_failures_from_many_ips_lock_the_account_everywhere(
    limited: None, api: Api, alice: Account, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given 8 failures for alice spread over 8 IPs (the account-wide threshold here)
    for n in range(8):
        from_ip(monkeypatch, f"192.0.2.{n + 100}")
        assert api.log_in("alice", "wrong password").status == 401
    # When alice logs in from a new IP
    from_ip(monkeypatch, "192.0.2.10")
    reply = api.log_in("alice")
    # Then she waits until the window ends
    assert_error(reply, 429, "rate_limited")
    assert int(reply.headers["Retry-After"]) <= 900


def test_a_successful_login_is_not_counted_as_a_failure(roomy_anonymous: None, api: Api, alice: Account) -> None:
    # When alice logs in ten times
    replies = [api.log_in("alice") for _ in range(10)]
    # Then each succeeds with her five attempts intact
    assert {reply.status for reply in replies} == {200}
    assert rate_headers(replies[-1])[:2] == (5, 5)


def test_the_service_routes_are_not_limited(limited: None, api: Api) -> None:
    # When the health check is asked for more often than any limit
    replies = [api.get("/api/health") for _ in range(5)]
    # Then it always answers, without rate headers
    assert {reply.status for reply in replies} == {200}
    assert not set(HEADERS) & set(replies[-1].headers)


def test_when_the_counters_cannot_be_reached_requests_pass_without_headers(
    limited: None, api: Api, alice: Account, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given the counter table does not answer
    def unavailable(self: DynamoCounterStore, key: str, expires_at: int) -> int:
        raise Retryable("rate-limit counters unavailable: throttled")

    monkeypatch.setattr(DynamoCounterStore, "increment", unavailable)
    # When alice reads past her limit
    replies = [api.get("/api/users/me", token=alice.access_token) for _ in range(5)]
    # Then every request is served (fail open), without rate headers
    assert {reply.status for reply in replies} == {200}
    assert not set(HEADERS) & set(replies[-1].headers)


def test_the_openapi_document_declares_429_and_the_headers_on_limited_routes(limited: None, api: Api) -> None:
    # When the document is read
    paths = api.get("/api/openapi.json").json()["paths"]
    # Then a limited route answers 429 with Retry-After, every answer of it with the rate headers
    post = paths["/api/tweets"]["post"]["responses"]
    assert "Retry-After" in post["429"]["headers"]
    assert all(set(HEADERS) <= set(response["headers"]) for response in post.values())
    # And the health check declares neither
    assert "429" not in paths["/api/health"]["get"]["responses"]


def test_login_attempts_also_count_per_ip_as_anonymous_requests(
    limited: None, api: Api, alice: Account, bob: Account, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a client IP that tried one password each for three accounts (its 3 anonymous requests)
    from_ip(monkeypatch, "192.0.2.77")
    assert [api.log_in(name, "guess").status for name in (alice.username, bob.username, "nobody")] == [401] * 3
    # When it tries a fourth account, even with its right password
    reply = api.log_in("alice")
    # Then it is refused as an anonymous client past its limit, though no account's backoff has begun
    message = assert_error(reply, 429, "rate_limited", "anonymous")
    assert rate_headers(reply)[:2] == (3, 0) and message
    # And alice, from her own IP, logs in
    from_ip(monkeypatch, "192.0.2.10")
    assert api.log_in("alice").status == 200


@pytest.mark.parametrize(
    "authorization",
    ["Bearer not-a-token", "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.forged-signature", None],
    ids=["malformed", "forged", "missing"],
)
def test_requests_refused_401_count_per_ip_and_past_the_limit_are_429(
    limited: None, api: Api, alice: Account, authorization: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a client IP sending requests its token does not authenticate
    from_ip(monkeypatch, "192.0.2.88")
    headers = {"authorization": authorization} if authorization else {}
    refused = [api.get("/api/users/me", headers=headers) for _ in range(3)]
    # Then each 401 carries the anonymous class's headers, counting down
    assert [reply.status for reply in refused] == [401] * 3
    assert [rate_headers(reply)[:2] for reply in refused] == [(3, 2), (3, 1), (3, 0)]
    # When it sends another
    reply = api.get("/api/users/me", headers=headers)
    # Then it is refused 429, with Retry-After
    assert_error(reply, 429, "rate_limited")
    assert int(reply.headers["Retry-After"]) >= 1
    # And alice's valid token, from her own IP, is served, her reads counted apart
    from_ip(monkeypatch, "192.0.2.10")
    mine = api.get("/api/users/me", token=alice.access_token)
    assert mine.status == 200 and rate_headers(mine)[:2] == (3, 2)


def test_an_expired_token_is_counted_like_a_bad_one(
    limited: None, api: Api, alice: Account, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a token of alice's that expired an hour ago, properly signed
    from_ip(monkeypatch, "192.0.2.89")
    expired = issue_access_token(JWT_SECRET, int(alice.id), int(time.time()) - 3600, ttl_seconds=900)
    # When it is sent four times
    replies = [api.get("/api/users/me", token=expired) for _ in range(4)]
    # Then the first three are 401 with the anonymous headers and the fourth 429
    assert [reply.status for reply in replies] == [401, 401, 401, 429]
    assert rate_headers(replies[0])[:2] == (3, 2)
