"""Web Push (chirp.adapters.webpush): the real sender against the local push service of tests/push_service.py,
which checks VAPID, the headers and the encryption as FCM and autopush do, and decrypts what it takes.

The stand-in is itself tested here: a request it takes is refused once any one part of it is forged,
expired, aimed at another audience or wrongly encrypted, so its 201s mean something.
"""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Callable, Iterator

import jwt
import pytest
import urllib3
from chirp.adapters.webpush import (
    MAX_PAYLOAD_BYTES,
    VAPID_TOKEN_SECONDS,
    VapidKey,
    VapidPushSender,
    encrypt_payload,
    vapid_key_from_secret,
)
from chirp.notifications.push import (
    PushOutcome,
    PushSubscription,
    base64url,
    base64url_decode,
    is_p256_point,
    parse_subscription,
)
from cryptography.hazmat.primitives.asymmetric import ec

from tests.push_service import BrowserSubscription, PushService, decrypt

SECRET = "test-vapid-secret-0123456789abcdef-0123456789"
SUBJECT = "mailto:operations@chirp.example"

# RFC 8291 Appendix A: the browser's key pair and auth secret, the application server's key pair and salt,
# the plaintext and the body it encrypts to (the RFC's published example, not credentials).
RFC_UA_PRIVATE = "q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94"
RFC_UA_PUBLIC = "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4"
RFC_AUTH = "BTBZMqHH6r4Tts7J_aSIgg"
RFC_AS_PRIVATE = "yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw"
RFC_SALT = "DGv6ra1nlYgDCS1FRnbzlw"
RFC_PLAINTEXT = b"When I grow up, I want to be a watermelon"
RFC_BODY = (
    "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A"
    "_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN"
)


@pytest.fixture(scope="module")
def push_service() -> Iterator[PushService]:
    with PushService() as service:
        yield service


@pytest.fixture(scope="module")
def key() -> VapidKey:
    return vapid_key_from_secret(SECRET)


@pytest.fixture
def sender(key: VapidKey) -> VapidPushSender:
    return VapidPushSender(key, SUBJECT)


Subscribe = Callable[..., tuple[PushSubscription, BrowserSubscription]]


@pytest.fixture
def subscribe(push_service: PushService) -> Subscribe:
    """A browser subscribes at the stand-in, and posts its subscription, which Chirp checks as any other
    (this deployment allows the stand-in's origin)."""

    def new(application_server_key: str | None = None) -> tuple[PushSubscription, BrowserSubscription]:
        posted, browser = push_service.new_subscription(application_server_key)
        return parse_subscription(posted, (push_service.origin,)), browser

    return new


def private_key(raw: str) -> ec.EllipticCurvePrivateKey:
    return ec.derive_private_key(int.from_bytes(base64url_decode(raw), "big"), ec.SECP256R1())


# ---------------------------------------------------------------------- delivery


def test_a_payload_arrives_decrypted_and_intact_with_its_ttl_and_urgency(
    push_service: PushService, sender: VapidPushSender, subscribe: Subscribe
) -> None:
    # Given
    subscription, browser = subscribe()
    payload = json.dumps({"type": "notification", "text": "Ada liked your tweet ✨ «café»"}).encode()
    # When
    outcome = sender.send(subscription, payload, ttl_seconds=3600, urgency="high")
    # Then
    assert outcome is PushOutcome.DELIVERED
    [message] = push_service.messages(browser)
    assert message.payload == payload
    assert message.headers["content-encoding"] == "aes128gcm"
    assert (message.headers["ttl"], message.headers["urgency"]) == ("3600", "high")


def test_each_push_is_encrypted_afresh(
    push_service: PushService, sender: VapidPushSender, subscribe: Subscribe
) -> None:
    # Given
    subscription, browser = subscribe()
    # When the same payload is sent twice
    outcomes = [sender.send(subscription, b"same", 60), sender.send(subscription, b"same", 60)]
    # Then both arrive, and no salt or sender key was reused (a reused pair would repeat AES-GCM's nonce)
    assert outcomes == [PushOutcome.DELIVERED, PushOutcome.DELIVERED]
    assert push_service.received(browser, count=2) == [b"same", b"same"]
    first, second = (encrypt_payload(subscription, b"same") for _ in range(2))
    assert first[:16] != second[:16] and first[21:86] != second[21:86]


def test_a_payload_of_the_largest_size_fills_the_4096_byte_body_and_arrives(
    push_service: PushService, sender: VapidPushSender, subscribe: Subscribe
) -> None:
    # Given
    subscription, browser = subscribe()
    payload = bytes(range(256)) * (MAX_PAYLOAD_BYTES // 256) + b"z" * (MAX_PAYLOAD_BYTES % 256)
    # When
    outcome = sender.send(subscription, payload, ttl_seconds=60)
    # Then
    assert outcome is PushOutcome.DELIVERED
    [message] = push_service.messages(browser)
    assert message.payload == payload
    assert message.headers["content-length"] == "4096"


def test_a_payload_over_the_limit_raises_and_nothing_is_sent(
    push_service: PushService, sender: VapidPushSender, subscribe: Subscribe
) -> None:
    # Given
    subscription, browser = subscribe()
    # When / Then
    with pytest.raises(ValueError, match=r"at most 3,993 bytes \(got 3,994\)"):
        sender.send(subscription, b"x" * (MAX_PAYLOAD_BYTES + 1), ttl_seconds=60)
    assert push_service.received(browser, timeout=0.2) == []
    assert MAX_PAYLOAD_BYTES == 3993


def test_an_empty_payload_raises(sender: VapidPushSender, subscribe: Subscribe) -> None:
    # Given
    subscription, _ = subscribe()
    # When / Then
    with pytest.raises(ValueError, match="empty payload"):
        sender.send(subscription, b"", ttl_seconds=60)


@pytest.mark.parametrize(
    ("ttl", "urgency", "message"), [(60, "urgent", "urgency must be one of"), (-1, "normal", "ttl")]
)
def test_an_urgency_rfc_8030_does_not_name_or_a_negative_ttl_raises(
    sender: VapidPushSender, subscribe: Subscribe, ttl: int, urgency: str, message: str
) -> None:
    # Given
    subscription, _ = subscribe()
    # When / Then
    with pytest.raises(ValueError, match=message):
        sender.send(subscription, b"hello", ttl, urgency)


# ---------------------------------------------------------------------- VAPID


def test_the_vapid_token_names_the_push_service_the_subject_and_expires_within_24_hours(
    push_service: PushService, key: VapidKey, sender: VapidPushSender, subscribe: Subscribe
) -> None:
    # Given
    subscription, browser = subscribe()
    # When
    before = time.time()
    assert sender.send(subscription, b"hello", ttl_seconds=60) is PushOutcome.DELIVERED
    # Then the stand-in verified the token with the key the header carries: this deployment's
    [message] = push_service.messages(browser)
    scheme, _, parameters = message.headers["authorization"].partition(" ")
    values = {name.strip(): value for name, _, value in (item.partition("=") for item in parameters.split(","))}
    assert scheme == "vapid"
    assert values["k"] == key.application_server_key
    assert jwt.get_unverified_header(values["t"])["alg"] == "ES256"
    assert message.claims["aud"] == push_service.origin
    assert message.claims["sub"] == SUBJECT
    assert before + VAPID_TOKEN_SECONDS - 5 <= message.claims["exp"] <= time.time() + VAPID_TOKEN_SECONDS
    assert VAPID_TOKEN_SECONDS <= 24 * 3600


def test_a_subscription_made_with_our_key_takes_our_pushes(
    push_service: PushService, key: VapidKey, sender: VapidPushSender, subscribe: Subscribe
) -> None:
    # Given a browser subscribed with `applicationServerKey` set to our key, as the web client does
    subscription, browser = subscribe(key.application_server_key)
    # When
    outcome = sender.send(subscription, b"hello", ttl_seconds=60)
    # Then
    assert outcome is PushOutcome.DELIVERED
    assert push_service.received(browser) == [b"hello"]


def test_a_subscription_made_for_another_key_is_refused_403_and_gone(
    push_service: PushService, sender: VapidPushSender, subscribe: Subscribe
) -> None:
    # Given a subscription made before the deployment's secret (hence its key) changed
    old_key = vapid_key_from_secret("the-previous-vapid-secret-0123456789abcdef")
    subscription, browser = subscribe(old_key.application_server_key)
    # When
    outcome = sender.send(subscription, b"hello", ttl_seconds=60)
    # Then
    assert outcome is PushOutcome.GONE
    assert [status for status, _ in push_service.refusals(browser)] == [403]


@pytest.mark.parametrize(
    ("clock_offset", "reason"),
    [
        (-VAPID_TOKEN_SECONDS - 60, "the token has expired"),
        (12 * 3600 + 60, "the token's exp is more than 24 hours away"),
    ],
)
def test_the_stand_in_refuses_a_token_expired_or_too_long_lived(
    push_service: PushService, key: VapidKey, subscribe: Subscribe, clock_offset: int, reason: str
) -> None:
    # Given a sender whose clock is off by hours
    sender = VapidPushSender(key, SUBJECT, clock=lambda: time.time() + clock_offset)
    subscription, browser = subscribe()
    # When
    outcome = sender.send(subscription, b"hello", ttl_seconds=60)
    # Then
    assert outcome is PushOutcome.GONE
    assert push_service.refusals(browser) == [(401, reason)]
    assert push_service.received(browser, timeout=0) == []


def test_the_vapid_subject_must_be_a_mailto_or_https_contact(key: VapidKey) -> None:
    # Then
    assert VapidPushSender(key, "https://chirp.example/contact").subject == "https://chirp.example/contact"
    for subject in ("operations@chirp.example", "mailto:", "http://chirp.example", ""):
        with pytest.raises(ValueError, match="mailto: address or an https: URL"):
            VapidPushSender(key, subject)


# ---------------------------------------------------------------------- the stand-in refuses what a real one refuses


Request = tuple[dict[str, str], bytes]


def post(endpoint: str, request: Request) -> tuple[int, str]:
    headers, body = request
    response = urllib3.request("POST", endpoint, headers=headers, body=body, retries=False, timeout=5)
    return response.status, json.loads(response.data)["message"] if response.data else ""


def valid_request(sender: VapidPushSender, subscription: PushSubscription, payload: bytes = b"hello") -> Request:
    headers = {
        "Authorization": sender.authorization(subscription.endpoint),
        "Content-Encoding": "aes128gcm",
        "TTL": "60",
        "Urgency": "normal",
    }
    return headers, encrypt_payload(subscription, payload)


def vapid(signer: VapidKey, claims: dict[str, object], shown_key: VapidKey | None = None, alg: str = "ES256") -> str:
    token = jwt.encode(claims, signer.private_key if alg == "ES256" else "", algorithm=alg)
    return f"vapid t={token}, k={(shown_key or signer).application_server_key}"


def claims(audience: str, **changes: object) -> dict[str, object]:
    return {"aud": audience, "exp": int(time.time()) + 3600, "sub": SUBJECT, **changes}


def test_the_stand_in_takes_a_valid_request_sent_by_hand(
    push_service: PushService, key: VapidKey, sender: VapidPushSender, subscribe: Subscribe
) -> None:
    # Given the request the refusals below each break in one place, with RFC 8292's own spelling "t=..., k=..."
    subscription, browser = subscribe()
    headers, body = valid_request(sender, subscription)
    headers["Authorization"] = vapid(key, claims(push_service.origin))
    # When
    status, _ = post(subscription.endpoint, (headers, body))
    # Then
    assert status == 201
    assert push_service.received(browser) == [b"hello"]


def forged_signature(origin: str, key: VapidKey, request: Request) -> Request:
    other = vapid_key_from_secret("an-attacker-s-own-secret-0123456789abcdef")
    return {**request[0], "Authorization": vapid(other, claims(origin), shown_key=key)}, request[1]


def unsigned_token(origin: str, key: VapidKey, request: Request) -> Request:
    return {**request[0], "Authorization": vapid(key, claims(origin), alg="none")}, request[1]


def expired_token(origin: str, key: VapidKey, request: Request) -> Request:
    return {**request[0], "Authorization": vapid(key, claims(origin, exp=int(time.time()) - 60))}, request[1]


def token_for_another_push_service(origin: str, key: VapidKey, request: Request) -> Request:
    return {**request[0], "Authorization": vapid(key, claims("https://fcm.googleapis.com"))}, request[1]


def token_for_a_path(origin: str, key: VapidKey, request: Request) -> Request:
    return {**request[0], "Authorization": vapid(key, claims(origin + "/push"))}, request[1]


def subject_without_scheme(origin: str, key: VapidKey, request: Request) -> Request:
    return {**request[0], "Authorization": vapid(key, claims(origin, sub="operations@chirp.example"))}, request[1]


def no_authorization(origin: str, key: VapidKey, request: Request) -> Request:
    return {name: value for name, value in request[0].items() if name != "Authorization"}, request[1]


def draft_webpush_scheme(origin: str, key: VapidKey, request: Request) -> Request:
    return {**request[0], "Authorization": request[0]["Authorization"].replace("vapid", "WebPush", 1)}, request[1]


def no_ttl(origin: str, key: VapidKey, request: Request) -> Request:
    return {name: value for name, value in request[0].items() if name != "TTL"}, request[1]


def unknown_urgency(origin: str, key: VapidKey, request: Request) -> Request:
    return {**request[0], "Urgency": "urgent"}, request[1]


def legacy_aesgcm_encoding(origin: str, key: VapidKey, request: Request) -> Request:
    return {**request[0], "Content-Encoding": "aesgcm"}, request[1]


def one_bit_flipped(origin: str, key: VapidKey, request: Request) -> Request:
    body = bytearray(request[1])
    body[-1] ^= 0x01
    return request[0], bytes(body)


def encrypted_for_another_browser(origin: str, key: VapidKey, request: Request) -> Request:
    other = PushSubscription("https://x.example/", RFC_UA_PUBLIC, RFC_AUTH)
    return request[0], encrypt_payload(other, b"hello")


def split_in_two_records(origin: str, key: VapidKey, request: Request) -> Request:
    header, records = request[1][:86], request[1][86:]
    return request[0], header[:16] + (len(records) - 1).to_bytes(4, "big") + header[20:] + records


def over_4096_bytes(origin: str, key: VapidKey, request: Request) -> Request:
    return request[0], request[1] + bytes(4097 - len(request[1]))


@pytest.mark.parametrize(
    ("tamper", "answer"),
    [
        (forged_signature, (401, "the token is invalid: Signature verification failed")),
        (unsigned_token, (401, "the token must be signed with ES256")),
        (expired_token, (401, "the token has expired")),
        (token_for_another_push_service, (401, "the token's aud is not http://127.0.0.1:")),
        (token_for_a_path, (401, "the token's aud is not http://127.0.0.1:")),
        (subject_without_scheme, (401, "the token's sub must be a mailto: or https: contact")),
        (no_authorization, (401, "VAPID is required: no Authorization header")),
        (draft_webpush_scheme, (401, "the Authorization scheme must be vapid, not 'WebPush'")),
        (no_ttl, (400, "a TTL header of seconds is required")),
        (unknown_urgency, (400, "Urgency must be one of very-low, low, normal, high")),
        (legacy_aesgcm_encoding, (400, "Content-Encoding must be aes128gcm")),
        (
            one_bit_flipped,
            (400, "the body does not decrypt: the record does not decrypt with this subscription's keys"),
        ),
        (encrypted_for_another_browser, (400, "the body does not decrypt: the record does not decrypt")),
        (split_in_two_records, (400, "the body does not decrypt: more than one record")),
        (over_4096_bytes, (413, "the body is 4097 bytes; at most 4096 are taken")),
    ],
)
def test_the_stand_in_refuses_a_request_with_one_part_wrong(
    push_service: PushService,
    sender: VapidPushSender,
    subscribe: Subscribe,
    tamper: Callable[[str, VapidKey, Request], Request],
    answer: tuple[int, str],
) -> None:
    # Given a valid request, broken in one place
    subscription, browser = subscribe()
    request = tamper(push_service.origin, sender.key, valid_request(sender, subscription))
    # When
    status, reason = post(subscription.endpoint, request)
    # Then
    assert status == answer[0]
    assert reason.startswith(answer[1])
    assert push_service.received(browser, timeout=0) == []


def test_the_stand_in_decrypts_rfc_8291s_example() -> None:
    # When the browser of RFC 8291's Appendix A opens the body the RFC gives
    plaintext = decrypt(base64url_decode(RFC_BODY), private_key(RFC_UA_PRIVATE), base64url_decode(RFC_AUTH))
    # Then
    assert plaintext == RFC_PLAINTEXT


# ---------------------------------------------------------------------- what an answer means


def test_a_subscription_the_browser_dropped_is_gone(
    push_service: PushService, sender: VapidPushSender, subscribe: Subscribe
) -> None:
    # Given
    subscription, browser = subscribe()
    push_service.expire(browser)
    # When
    outcome = sender.send(subscription, b"hello", ttl_seconds=60)
    # Then
    assert outcome is PushOutcome.GONE


@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        (404, PushOutcome.GONE),
        (410, PushOutcome.GONE),
        (400, PushOutcome.GONE),
        (413, PushOutcome.GONE),
        (307, PushOutcome.GONE),  # not followed
        (408, PushOutcome.RETRY),
        (429, PushOutcome.RETRY),
        (500, PushOutcome.RETRY),
        (502, PushOutcome.RETRY),
        (503, PushOutcome.RETRY),
    ],
)
def test_the_push_services_answer_decides_between_gone_and_retry(
    push_service: PushService, sender: VapidPushSender, subscribe: Subscribe, status: int, outcome: PushOutcome
) -> None:
    # Given
    subscription, browser = subscribe()
    push_service.fail_next(browser, status)
    # When
    first = sender.send(subscription, b"first", ttl_seconds=60)
    second = sender.send(subscription, b"second", ttl_seconds=60)
    # Then the answer is read as it should be, and the next push (answered as usual) goes through
    assert first is outcome
    assert second is PushOutcome.DELIVERED
    assert push_service.received(browser) == [b"second"]


def test_a_push_service_that_does_not_answer_in_time_means_retry(
    push_service: PushService, key: VapidKey, subscribe: Subscribe
) -> None:
    # Given a sender that waits 0.3 s for an answer, and a push service that takes 2 s
    sender = VapidPushSender(key, SUBJECT, timeout=urllib3.Timeout(connect=1.0, read=0.3))
    subscription, browser = subscribe()
    push_service.stall_next(browser, 2.0)
    # When
    started = time.monotonic()
    outcome = sender.send(subscription, b"hello", ttl_seconds=60)
    # Then
    assert outcome is PushOutcome.RETRY
    assert time.monotonic() - started < 1.5


def test_a_push_service_that_cannot_be_reached_means_retry(sender: VapidPushSender, subscribe: Subscribe) -> None:
    # Given an endpoint on a port nothing listens on
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    subscription, _ = subscribe()
    unreachable = PushSubscription(f"http://127.0.0.1:{port}/push/abc", subscription.p256dh, subscription.auth)
    # When
    outcome = sender.send(unreachable, b"hello", ttl_seconds=60)
    # Then
    assert outcome is PushOutcome.RETRY


# ---------------------------------------------------------------------- the key and the encryption


def test_the_key_derived_from_a_secret_is_the_same_every_time() -> None:
    # When two sandboxes derive it
    first, second = vapid_key_from_secret(SECRET), vapid_key_from_secret(SECRET)
    # Then they agree, and agree with the key pinned here when the derivation was written: browsers subscribe
    # with it, so a change to the derivation would orphan every subscription
    assert first.application_server_key == second.application_server_key
    assert first.application_server_key == (
        "BGCbZ4SUpDC2KUGSrDSpKn9dQ0vmCox5yxIp_liaMGUdR1WZEVHzf4nUCSc6gJRnR4Ane-_rPKmIkzGKT7VtSHw"
    )


def test_the_derived_key_is_a_valid_p256_point_that_browsers_take() -> None:
    # Given
    key = vapid_key_from_secret(SECRET)
    point = base64url_decode(key.application_server_key)
    # Then
    assert len(point) == 65 and point[0] == 0x04 and is_p256_point(point)
    assert ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point) == key.private_key.public_key()


def test_two_secrets_give_two_keys() -> None:
    # When
    keys = {vapid_key_from_secret(SECRET + suffix).application_server_key for suffix in ("", "x", "y")}
    # Then
    assert len(keys) == 3


def test_a_short_secret_is_refused() -> None:
    # Then
    with pytest.raises(ValueError, match="at least 32 characters"):
        vapid_key_from_secret("x" * 31)


def test_the_encryption_reproduces_rfc_8291s_example_byte_for_byte() -> None:
    # Given the browser's keys, and the server's key pair and salt, of RFC 8291's Appendix A
    subscription = PushSubscription(
        "https://push.example.net/push/JzLQ3raZJfFBR0aqvOMsLrt54w4rJUsV", RFC_UA_PUBLIC, RFC_AUTH
    )
    # When
    body = encrypt_payload(
        subscription, RFC_PLAINTEXT, sender_key=private_key(RFC_AS_PRIVATE), salt=base64url_decode(RFC_SALT)
    )
    # Then
    assert base64url(body) == RFC_BODY
