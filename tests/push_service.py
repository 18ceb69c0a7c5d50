"""A Web Push service on 127.0.0.1 for tests: it checks what FCM and Mozilla's autopush check, and decrypts.

No real push service is reachable from a test, and one that accepts anything proves nothing, so this one
refuses what they refuse, with the status they answer:

- `POST /push/<token>` only: an unknown or expired token is 410 Gone, another path 404, another method 405.
- VAPID (RFC 8292), else 401: `Authorization: vapid t=<JWT>, k=<key>`; the JWT is ES256 and verifies with `k`
  (a P-256 point), its `aud` is this service's origin, its `exp` is in the future and at most 24 hours away,
  its `sub` is a `mailto:` or `https:` URI. A subscription made with an application server key (as
  `pushManager.subscribe({applicationServerKey})` makes them) refuses any other `k` with 403 (RFC 8292 §4.2).
- RFC 8030: a `TTL` header of digits, an `Urgency` (if any) of very-low, low, normal, high; else 400.
- A body of at most 4,096 bytes (what RFC 8030 has every push service take), else 413.
- RFC 8291: `Content-Encoding: aes128gcm`; one record, whose key id is the sender's P-256 public key; it
  decrypts with the subscription's private key and auth secret (this module's own RFC 8291 code, written
  from the RFC and not shared with the sender, so a mistake on one side is not mirrored on the other) and
  ends in the last-record delimiter; else 400.

Then 201 Created, and the payload is kept with the request's headers and the token's claims. Use:

    with PushService() as service:
        subscription_json, browser = service.new_subscription()
        ...  # the code under test sends to subscription_json
        assert service.received(browser, timeout=2) == [b"..."]

`expire(browser)` makes a subscription gone (410), `fail_next(browser, status)` answers the next push with
`status` (429 with Retry-After, 500, 404...), `stall_next(browser, seconds)` holds the next answer back (a
timeout), `messages(browser)` gives what `received` does with each message's headers and VAPID claims,
and `refusals(browser)` lists what was refused and why.
"""

from __future__ import annotations

import json
import secrets
import sys
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, cast

import jwt
from chirp.notifications.push import base64url, base64url_decode
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

MAX_BODY_BYTES = 4096
MAX_TOKEN_LIFETIME_SECONDS = 24 * 3600
URGENCIES = ("very-low", "low", "normal", "high")
HEADER_BYTES = 16 + 4 + 1 + 65  # salt, record size, key id length, key id (the sender's public key)
TAG_BYTES = 16


class Refused(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(f"{status}: {reason}")
        self.status = status
        self.reason = reason


@dataclass(frozen=True)
class PushedMessage:
    payload: bytes  # decrypted
    headers: dict[str, str]  # as sent, names in lower case
    claims: dict[str, Any]  # the VAPID token's, verified


@dataclass(eq=False)
class BrowserSubscription:
    """What the browser keeps of a subscription: the private half of `p256dh`, and the auth secret."""

    token: str
    endpoint: str
    private_key: ec.EllipticCurvePrivateKey
    auth_secret: bytes
    application_server_key: bytes | None = None  # a restricted subscription's (RFC 8292 §4)

    @property
    def public_point(self) -> bytes:
        return self.private_key.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)

    def to_json(self) -> dict[str, object]:
        """What the browser's `PushSubscription.toJSON()` gives."""
        return {
            "endpoint": self.endpoint,
            "expirationTime": None,
            "keys": {"p256dh": base64url(self.public_point), "auth": base64url(self.auth_secret)},
        }


@dataclass
class _State:
    subscriptions: dict[str, BrowserSubscription] = field(default_factory=dict)
    received: defaultdict[str, list[PushedMessage]] = field(default_factory=lambda: defaultdict(list))
    refusals: defaultdict[str, list[tuple[int, str]]] = field(default_factory=lambda: defaultdict(list))
    forced: defaultdict[str, deque[int]] = field(default_factory=lambda: defaultdict(deque))
    stalls: defaultdict[str, deque[float]] = field(default_factory=lambda: defaultdict(deque))


class PushService:
    """The stand-in, on a free port of 127.0.0.1 from `start()` (or `with`) to `stop()`."""

    def __init__(self) -> None:
        self._state = _State()
        self._changed = threading.Condition()
        self._stopping = threading.Event()
        self._server = _Server(("127.0.0.1", 0), _Handler, self)
        self._thread = threading.Thread(target=self._server.serve_forever, name="push-service", daemon=True)

    @property
    def origin(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> PushService:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> PushService:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()

    # ------------------------------------------------------------------ what a test does

    def new_subscription(
        self, application_server_key: str | None = None
    ) -> tuple[dict[str, object], BrowserSubscription]:
        """A browser's new subscription: a fresh P-256 key pair and auth secret, and an endpoint here. With
        `application_server_key` (base64url), only pushes signed with that VAPID key are taken."""
        token = secrets.token_urlsafe(24)
        browser = BrowserSubscription(
            token=token,
            endpoint=f"{self.origin}/push/{token}",
            private_key=ec.generate_private_key(ec.SECP256R1()),
            auth_secret=secrets.token_bytes(16),
            application_server_key=None if application_server_key is None else base64url_decode(application_server_key),
        )
        with self._changed:
            self._state.subscriptions[token] = browser
        return browser.to_json(), browser

    def expire(self, browser: BrowserSubscription) -> None:
        """The browser unsubscribed (or the service expired it): its endpoint answers 410 from now on."""
        with self._changed:
            self._state.subscriptions.pop(browser.token, None)

    def fail_next(self, browser: BrowserSubscription, status: int) -> None:
        """Answer the next push to this subscription with `status`, before any check (queued: call it twice
        for two)."""
        with self._changed:
            self._state.forced[browser.token].append(status)

    def stall_next(self, browser: BrowserSubscription, seconds: float) -> None:
        """Hold the answer to the next push back for `seconds` (then handle it as usual)."""
        with self._changed:
            self._state.stalls[browser.token].append(seconds)

    def received(self, browser: BrowserSubscription, timeout: float = 2.0, count: int = 1) -> list[bytes]:
        """The payloads pushed to this subscription so far, decrypted, after waiting up to `timeout` seconds for
        there to be at least `count`."""
        return [message.payload for message in self.messages(browser, timeout, count)]

    def messages(self, browser: BrowserSubscription, timeout: float = 2.0, count: int = 1) -> list[PushedMessage]:
        """As `received`, with each message's headers and VAPID claims."""
        with self._changed:
            self._changed.wait_for(lambda: len(self._state.received[browser.token]) >= count, timeout)
            return list(self._state.received[browser.token])

    def refusals(self, browser: BrowserSubscription) -> list[tuple[int, str]]:
        """Each push to this subscription that was refused: its status and why."""
        with self._changed:
            return list(self._state.refusals[browser.token])

    # ------------------------------------------------------------------ what the handler does

    def handle_push(self, path: str, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, str], str]:
        """The answer to one `POST path`: status, extra headers, and the reason (empty for 201)."""
        token = path.removeprefix("/push/") if path.startswith("/push/") else None
        if token is None or not token or "/" in token:
            return 404, {}, "no push resource here"
        with self._changed:
            browser = self._state.subscriptions.get(token)
            forced = self._state.forced[token].popleft() if self._state.forced[token] else None
            stall = self._state.stalls[token].popleft() if self._state.stalls[token] else None
        if browser is None:
            return 410, {}, "the subscription expired or was unsubscribed"
        if stall is not None:
            self._stopping.wait(stall)
        if forced is not None:
            return forced, {"Retry-After": "1"} if forced == 429 else {}, f"failing as the test asked ({forced})"
        try:
            message = accept_push(browser, self.origin, headers, body, time.time())
        except Refused as refused:
            with self._changed:
                self._state.refusals[token].append((refused.status, refused.reason))
            return refused.status, {}, refused.reason
        with self._changed:
            self._state.received[token].append(message)
            self._changed.notify_all()
        return 201, {"Location": f"{self.origin}/message/{secrets.token_urlsafe(12)}", "TTL": headers["ttl"]}, ""


def accept_push(
    browser: BrowserSubscription, origin: str, headers: dict[str, str], body: bytes, now: float
) -> PushedMessage:
    """Every check of the module's docstring, in the order a push service makes them; Refused if one fails."""
    claims, key = verify_vapid(headers.get("authorization"), origin, now)
    if browser.application_server_key is not None and key != browser.application_server_key:
        raise Refused(403, "the VAPID key is not the application server key this subscription was made with")
    ttl = headers.get("ttl")
    if ttl is None or not ttl.isdigit():
        raise Refused(400, "a TTL header of seconds is required (RFC 8030 §5.2)")
    if headers.get("urgency", "normal") not in URGENCIES:
        raise Refused(400, f"Urgency must be one of {', '.join(URGENCIES)}")
    if headers.get("content-encoding") != "aes128gcm":
        raise Refused(400, "Content-Encoding must be aes128gcm (RFC 8291)")
    if len(body) > MAX_BODY_BYTES:
        raise Refused(413, f"the body is {len(body)} bytes; at most {MAX_BODY_BYTES} are taken")
    try:
        payload = decrypt(body, browser.private_key, browser.auth_secret)
    except ValueError as error:
        raise Refused(400, f"the body does not decrypt: {error}") from error
    return PushedMessage(payload=payload, headers=dict(headers), claims=claims)


def verify_vapid(authorization: str | None, origin: str, now: float) -> tuple[dict[str, Any], bytes]:
    """The token's claims and the public key, if `authorization` is a valid RFC 8292 header for `origin`."""
    token, key = _vapid_parameters(authorization)
    try:
        public_key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), key)
    except ValueError as error:
        raise Refused(401, "k is not a P-256 public key") from error
    claims = _verified_claims(token, public_key, origin)
    if claims["exp"] > now + MAX_TOKEN_LIFETIME_SECONDS:
        raise Refused(401, "the token's exp is more than 24 hours away")
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject.startswith(("mailto:", "https:")):
        raise Refused(401, "the token's sub must be a mailto: or https: contact")
    return claims, key


def _vapid_parameters(authorization: str | None) -> tuple[str, bytes]:
    """`t` and `k` (decoded) of `vapid t=..., k=...` (RFC 7235 auth-params: comma separated, spaces allowed)."""
    if not authorization:
        raise Refused(401, "VAPID is required: no Authorization header")
    scheme, _, rest = authorization.partition(" ")
    if scheme.lower() != "vapid":
        raise Refused(401, f"the Authorization scheme must be vapid, not {scheme!r}")
    parameters: dict[str, str] = {}
    for item in rest.split(","):
        name, equals, value = item.strip().partition("=")
        if not equals or not value:
            raise Refused(401, f"a vapid parameter is malformed: {item.strip()!r}")
        parameters[name.strip().lower()] = value.strip()
    if "t" not in parameters or "k" not in parameters:
        raise Refused(401, "vapid needs t (the token) and k (the public key)")
    try:
        return parameters["t"], base64url_decode(parameters["k"])
    except ValueError as error:
        raise Refused(401, "k is not base64url") from error


def _verified_claims(token: str, public_key: ec.EllipticCurvePublicKey, origin: str) -> dict[str, Any]:
    try:
        if jwt.get_unverified_header(token).get("alg") != "ES256":
            raise Refused(401, "the token must be signed with ES256")
        claims: dict[str, Any] = jwt.decode(
            token, public_key, algorithms=["ES256"], audience=origin, options={"require": ["aud", "exp"]}
        )
    except jwt.ExpiredSignatureError as error:
        raise Refused(401, "the token has expired") from error
    except jwt.InvalidAudienceError as error:
        raise Refused(401, f"the token's aud is not {origin}") from error
    except jwt.InvalidTokenError as error:
        raise Refused(401, f"the token is invalid: {error}") from error
    return claims


def decrypt(body: bytes, private_key: ec.EllipticCurvePrivateKey, auth_secret: bytes) -> bytes:
    """The plaintext of an RFC 8291 body (aes128gcm, one record), as the browser opens it. ValueError if the
    body is not that, or not for these keys."""
    if len(body) < HEADER_BYTES + TAG_BYTES + 1:
        raise ValueError(f"{len(body)} bytes cannot hold the aes128gcm header, a record and its tag")
    salt, record_size, key_id_length = body[:16], int.from_bytes(body[16:20], "big"), body[20]
    if key_id_length != 65:
        raise ValueError(f"the key id must be the sender's 65-byte public key (it is {key_id_length} bytes)")
    sender_point, record = body[21:HEADER_BYTES], body[HEADER_BYTES:]
    if len(record) > record_size:
        raise ValueError(f"more than one record ({len(record)} bytes in records of {record_size}): RFC 8291 wants one")
    sender_key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), sender_point)
    receiver_point = private_key.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
    shared = private_key.exchange(ec.ECDH(), sender_key)
    key_info = b"WebPush: info\x00" + receiver_point + sender_point
    ikm = HKDF(algorithm=hashes.SHA256(), length=32, salt=auth_secret, info=key_info).derive(shared)
    cek = HKDF(algorithm=hashes.SHA256(), length=16, salt=salt, info=b"Content-Encoding: aes128gcm\x00").derive(ikm)
    nonce = HKDF(algorithm=hashes.SHA256(), length=12, salt=salt, info=b"Content-Encoding: nonce\x00").derive(ikm)
    try:
        padded = AESGCM(cek).decrypt(nonce, record, None)
    except InvalidTag as error:
        raise ValueError("the record does not decrypt with this subscription's keys") from error
    unpadded = padded.rstrip(b"\x00")
    if not unpadded or unpadded[-1] != 0x02:
        raise ValueError("the record does not end with the last-record delimiter 0x02")
    return unpadded[:-1]


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler], service: PushService) -> None:
        super().__init__(address, handler)
        self.service = service

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError):  # a client that gave up waiting (a timeout test)
            return
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as pooled clients use it

    def do_POST(self) -> None:
        service = cast(_Server, self.server).service
        length = int(self.headers.get("Content-Length") or 0)
        headers = {name.lower(): value for name, value in self.headers.items()}
        if length > 64 * MAX_BODY_BYTES:  # not worth reading: answer, and close the connection
            self.close_connection = True
            self._answer(413, {"Connection": "close"}, f"the body is {length} bytes")
            return
        body = self.rfile.read(length)  # always read, so that a kept-alive connection stays in step
        self._answer(*service.handle_push(self.path, headers, body))

    def do_GET(self) -> None:
        self._answer(405, {"Allow": "POST"}, "push resources take POST")

    def _answer(self, status: int, headers: dict[str, str], reason: str) -> None:
        body = (
            b""
            if status == 201
            else json.dumps({"code": status, "error": HTTPStatus(status).phrase, "message": reason}).encode()
        )
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        if body:
            self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # quiet: a test reads refusals() instead
        return
