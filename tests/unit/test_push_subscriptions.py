"""Push subscriptions (chirp.notifications.push.parse_subscription): what a client may post, and what it is told
when a rule is broken. The endpoint rules are an SSRF guard: our function POSTs to the endpoint."""

from __future__ import annotations

import base64

import pytest
from chirp.errors import InvalidInput
from chirp.notifications.push import (
    DEFAULT_PUSH_SERVICES,
    InvalidSubscription,
    PushSubscription,
    endpoint_origin,
    parse_subscription,
)

# The browser's public key and auth secret of RFC 8291's Appendix A: a real P-256 point and 16 bytes.
P256DH = "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4"
AUTH = "BTBZMqHH6r4Tts7J_aSIgg"
FCM_ENDPOINT = "https://fcm.googleapis.com/fcm/send/dGVzdA:APA91bHtest"


def posted(endpoint: object = FCM_ENDPOINT, p256dh: object = P256DH, auth: object = AUTH) -> dict[str, object]:
    """What a browser's `PushSubscription.toJSON()` looks like."""
    return {"endpoint": endpoint, "expirationTime": None, "keys": {"p256dh": p256dh, "auth": auth}}


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def refusal(raw: dict[str, object], allowed: tuple[str, ...] = DEFAULT_PUSH_SERVICES) -> str:
    with pytest.raises(InvalidSubscription) as refused:
        parse_subscription(raw, allowed)
    return str(refused.value)


# ---------------------------------------------------------------------- accepted


@pytest.mark.parametrize(
    "endpoint",
    [
        "https://fcm.googleapis.com/fcm/send/cXyZ:APA91bE",  # Chrome
        "https://updates.push.services.mozilla.com/wpush/v2/gAAAAABk",  # Firefox
        "https://wns2-par02p.notify.windows.com/w/?token=BQYAAAB",  # Edge
        "https://web.push.apple.com/QGuQyavXutnMH6Ig2uYOJDwA",  # Safari
    ],
)
def test_each_browsers_push_service_is_accepted_by_default(endpoint: str) -> None:
    # When
    subscription = parse_subscription(posted(endpoint), DEFAULT_PUSH_SERVICES)
    # Then
    assert subscription == PushSubscription(endpoint=endpoint, p256dh=P256DH, auth=AUTH)


def test_padded_keys_are_kept_unpadded_and_other_members_are_ignored() -> None:
    # Given keys with base64 padding, and toJSON's expirationTime
    raw = posted(p256dh=P256DH + "=", auth=AUTH + "==")
    # When
    subscription = parse_subscription(raw, DEFAULT_PUSH_SERVICES)
    # Then
    assert (subscription.p256dh, subscription.auth) == (P256DH, AUTH)


def test_an_endpoint_of_exactly_2048_characters_is_accepted() -> None:
    # Given
    endpoint = FCM_ENDPOINT + "x" * (2048 - len(FCM_ENDPOINT))
    # Then
    assert parse_subscription(posted(endpoint), DEFAULT_PUSH_SERVICES).endpoint == endpoint


def test_the_host_is_compared_without_case_and_the_default_port_may_be_written() -> None:
    # Then
    assert parse_subscription(posted("https://FCM.googleapis.com/fcm/send/a"), DEFAULT_PUSH_SERVICES)
    assert parse_subscription(posted("https://fcm.googleapis.com:443/fcm/send/a"), DEFAULT_PUSH_SERVICES)


def test_a_test_deployment_may_allow_a_local_http_push_service_on_its_port() -> None:
    # Given
    allowed = ("http://127.0.0.1:8123",)
    # Then
    assert parse_subscription(posted("http://127.0.0.1:8123/push/abc"), allowed).endpoint.endswith("/push/abc")
    assert "127.0.0.1:8124 is not a push service" in refusal(posted("https://127.0.0.1:8124/push/abc"), allowed)
    assert refusal(posted("http://127.0.0.1:8124/push/abc"), allowed) == "endpoint must be an absolute https URL"


# ---------------------------------------------------------------------- the endpoint


@pytest.mark.parametrize(
    ("endpoint", "message"),
    [
        (None, "endpoint must be a string: the URL of the browser's push service"),
        (42, "endpoint must be a string: the URL of the browser's push service"),
        ("/fcm/send/abc", "endpoint must be an absolute https URL"),
        ("fcm.googleapis.com/fcm/send/abc", "endpoint must be an absolute https URL"),
        ("ftp://fcm.googleapis.com/fcm/send/abc", "endpoint must be an absolute https URL"),
        ("http://fcm.googleapis.com/fcm/send/abc", "endpoint must be an absolute https URL"),
        ("https://[::1/push", "endpoint must be an absolute https URL"),
        (
            "https://fcm.googleapis.com/fcm/send/a b",
            "endpoint must be a URL: no spaces, backslashes or characters outside ASCII",
        ),
        (
            "https://fcm.googleapis.com/fcm/send/é",
            "endpoint must be a URL: no spaces, backslashes or characters outside ASCII",
        ),
        ("https://fcm.googleapis.com/fcm/send/abc#top", "endpoint must not have a fragment"),
        ("https://fcm.googleapis.com:99999/fcm/send/abc", "endpoint has an invalid port"),
    ],
)
def test_an_endpoint_that_is_not_an_absolute_https_url_is_refused(endpoint: object, message: str) -> None:
    # Then
    assert refusal(posted(endpoint)) == message


def test_an_endpoint_over_2048_characters_is_refused_with_its_length() -> None:
    # Given
    endpoint = FCM_ENDPOINT + "x" * (2049 - len(FCM_ENDPOINT))
    # Then
    assert refusal(posted(endpoint)) == "endpoint must be at most 2,048 characters (got 2,049)"


@pytest.mark.parametrize(
    ("endpoint", "origin"),
    [
        ("https://attacker.example/push", "https://attacker.example"),
        ("https://169.254.169.254/latest/meta-data/", "https://169.254.169.254"),  # the instance metadata service
        ("https://fcm.googleapis.com.attacker.example/fcm/send/a", "https://fcm.googleapis.com.attacker.example"),
        ("https://notfcm.googleapis.com/fcm/send/a", "https://notfcm.googleapis.com"),  # origins match exactly
        ("https://fcm.googleapis.com:8443/fcm/send/a", "https://fcm.googleapis.com:8443"),  # the port too
        ("https://notify.windows.com/w/?token=a", "https://notify.windows.com"),  # *.suffix needs a label before it
        ("https://attackernotify.windows.com/w/?token=a", "https://attackernotify.windows.com"),
    ],
)
def test_an_endpoint_outside_the_allowed_push_services_is_refused_naming_its_origin(endpoint: str, origin: str) -> None:
    # Then
    assert refusal(posted(endpoint)) == f"endpoint's origin {origin} is not a push service Chirp sends to"


@pytest.mark.parametrize(
    "endpoint",
    [
        "https://fcm.googleapis.com@attacker.example/fcm/send/a",  # the host is attacker.example
        "https://user:password@fcm.googleapis.com/fcm/send/a",
    ],
)
def test_an_endpoint_with_a_user_name_is_refused(endpoint: str) -> None:
    # Then
    assert refusal(posted(endpoint)) == "endpoint must not carry a user name or password"


def test_a_backslash_that_parsers_read_differently_is_refused() -> None:
    # Given a URL urllib.parse reads as fcm.googleapis.com and a WHATWG parser as attacker.example
    endpoint = "https://attacker.example\\@fcm.googleapis.com/fcm/send/a"
    # Then
    assert "no spaces, backslashes" in refusal(posted(endpoint))


def test_an_allowed_push_service_that_is_not_an_origin_is_a_configuration_error() -> None:
    # When / Then: the deployment's list is wrong, not the client's request
    with pytest.raises(ValueError, match="must be an origin") as refused:
        parse_subscription(posted(), ("fcm.googleapis.com",))
    assert not isinstance(refused.value, InvalidSubscription)


# ---------------------------------------------------------------------- the keys


@pytest.mark.parametrize("keys", [None, "p256dh", [P256DH, AUTH]])
def test_keys_must_be_an_object(keys: object) -> None:
    # Then
    assert refusal({"endpoint": FCM_ENDPOINT, "keys": keys}) == "keys must be an object with p256dh and auth"


@pytest.mark.parametrize(("field", "value"), [("p256dh", None), ("p256dh", ""), ("auth", 16), ("auth", None)])
def test_a_missing_or_empty_key_is_refused(field: str, value: object) -> None:
    # Given
    raw = posted(**{field: value})
    # Then
    assert refusal(raw) == f"keys.{field} must be a non-empty base64url string"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("p256dh", base64.b64encode(b"\xfb\xff" * 32 + b"\x04").decode()),  # standard base64: + and /
        ("p256dh", P256DH[:-1] + "!"),
        ("auth", "BTBZMqHH6r4Tts7J_aSIg"),  # 21 characters: no whole number of bytes
        ("auth", "BTBZ=MqHH6r4Tts7J_aSIgg"),
    ],
)
def test_a_key_that_is_not_base64url_is_refused(field: str, value: str) -> None:
    # Then
    assert refusal(posted(**{field: value})) == f"keys.{field} must be base64url (A-Z, a-z, 0-9, - and _)"


@pytest.mark.parametrize(
    ("point", "described"),
    [
        (b"\x02" + b"\x11" * 32, "got 33 bytes starting 0x02"),  # a compressed point
        (b"\x04" + b"\x11" * 63, "got 64 bytes starting 0x04"),
        (b"\x05" + b"\x11" * 64, "got 65 bytes starting 0x05"),
    ],
)
def test_p256dh_must_be_an_uncompressed_point_of_65_bytes(point: bytes, described: str) -> None:
    # Then
    assert refusal(posted(p256dh=b64url(point))) == (
        f"keys.p256dh must be an uncompressed P-256 point: 65 bytes starting 0x04 ({described})"
    )


def test_p256dh_must_lie_on_the_curve() -> None:
    # Given the RFC's point with one bit of y flipped
    point = base64.urlsafe_b64decode(P256DH + "=")
    off_curve = point[:-1] + bytes([point[-1] ^ 1])
    # Then
    assert refusal(posted(p256dh=b64url(off_curve))) == "keys.p256dh is not a point of the curve P-256"


@pytest.mark.parametrize("size", [12, 15, 17, 32])
def test_auth_must_be_16_bytes(size: int) -> None:
    # Then
    assert refusal(posted(auth=b64url(b"\x07" * size))) == f"keys.auth must be 16 bytes (got {size})"


# ---------------------------------------------------------------------- how it is answered, and the origin


def test_a_refused_subscription_is_invalid_input_which_the_api_answers_422() -> None:
    # When
    with pytest.raises(InvalidSubscription) as refused:
        parse_subscription(posted(auth="abc"), DEFAULT_PUSH_SERVICES)
    # Then
    assert isinstance(refused.value, InvalidInput)
    assert isinstance(refused.value, ValueError)
    assert refused.value.code == "invalid_input"


@pytest.mark.parametrize(
    ("endpoint", "origin"),
    [
        ("https://fcm.googleapis.com/fcm/send/a", "https://fcm.googleapis.com"),
        ("https://FCM.googleapis.com:443/fcm/send/a", "https://fcm.googleapis.com"),
        ("http://127.0.0.1:8123/push/a", "http://127.0.0.1:8123"),
        ("https://[::1]:8443/push/a", "https://[::1]:8443"),
    ],
)
def test_an_endpoints_origin_is_scheme_host_and_a_port_that_is_not_the_default(endpoint: str, origin: str) -> None:
    # Then
    assert endpoint_origin(endpoint) == origin
