"""Web Push, as the domain sees it: a browser's subscription, what sending to it can come to, and the check
that a subscription a client posts is one Chirp may send to.

A browser that allows notifications gives the page a `PushSubscription`; its `toJSON()` is what the client
posts: `{"endpoint": "https://<push service>/...", "keys": {"p256dh": "...", "auth": "..."}}`. The endpoint is
a URL of the browser's push service (RFC 8030), `p256dh` the browser's P-256 public key and `auth` a 16-byte
secret, both base64url: a message is encrypted to them (RFC 8291) so that the push service cannot read it.

The endpoint is a URL a user hands us and our function will POST to, so `parse_subscription` accepts only
the origins of the push services browsers use (`DEFAULT_PUSH_SERVICES`), never an arbitrary host (SSRF).

Standard library only: the adapter that encrypts, signs and sends is `chirp.adapters.webpush`.
"""

from __future__ import annotations

import base64
import binascii
import enum
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import SplitResult, urlsplit

from chirp.errors import InvalidInput

MAX_ENDPOINT_CHARS = 2048
P256DH_BYTES = 65  # an uncompressed SEC1 point: 0x04, then x and y (32 bytes each)
AUTH_BYTES = 16  # RFC 8291 §3.2: the authentication secret is 16 octets

# The push services of the browsers Chirp supports: an origin, or `scheme://*.suffix` for any host under it.
DEFAULT_PUSH_SERVICES: tuple[str, ...] = (
    "https://fcm.googleapis.com",  # Chrome, Opera, Samsung Internet, Brave: Firebase Cloud Messaging
    "https://updates.push.services.mozilla.com",  # Firefox: Mozilla's autopush
    "https://*.notify.windows.com",  # Edge: Windows Push Notification Services (wns2-<region>.notify...)
    "https://web.push.apple.com",  # Safari (macOS 13+, iOS/iPadOS 16.4+ home-screen apps): APNs' Web Push
)

# SEC 2 §2.4.2: the curve P-256 (secp256r1), y² = x³ - 3x + b over the prime field of p.
P256_P = 0xFFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFF
P256_B = 0x5AC635D8AA3A93E7B3EBBD55769886BC651D06B0CC53B0F63BCE3C3E27D2604B

_DEFAULT_PORTS = {"https": 443, "http": 80}
# What RFC 3986 lets a URL hold (unreserved, reserved, percent signs): no spaces, backslashes, controls or
# non-ASCII, which URL parsers disagree about (the host one parser finds must be the host we connect to).
_URL_CHARACTERS = re.compile(r"[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+")
_BASE64URL = re.compile(r"[A-Za-z0-9_-]*={0,2}")


@dataclass(frozen=True)
class PushSubscription:
    """A browser's push subscription: its endpoint and its keys (unpadded base64url), checked."""

    endpoint: str
    p256dh: str
    auth: str


class PushOutcome(enum.Enum):
    """What one push came to, and what the caller does about it.

    - DELIVERED: the push service accepted the message (any 2xx; RFC 8030 §5 answers 201 Created). It
      delivers it when the browser is reachable, within the TTL.
    - GONE: the subscription cannot take our messages: delete it. 404 and 410 say so outright (RFC 8030
      §7.3: an expired or unsubscribed push resource). Every other 4xx but 408 and 429 is a refusal that
      sending the same request again would meet again: 400 (a request the service cannot use), 401/403
      (VAPID refused, or, RFC 8292 §4.2, a subscription made for another application server key: FCM's
      answer after a key change), 413 (a payload over what this service takes, such as Firefox for Android's
      smaller limit). RFC 8030 defines no retry for them, so it is GONE, as Mastodon does: the browser still
      holds its subscription, and the client posts it again at its next visit. Redirects are not followed
      (the endpoint was checked, where it points to was not) and count as GONE too.
    - RETRY: nothing is wrong with the subscription, only with now: 408, 429 (RFC 8030 §8.4: the service
      throttles), 5xx, and a network error or timeout. The same push may succeed later.
    """

    DELIVERED = "delivered"
    GONE = "gone"
    RETRY = "retry"


class PushSender(Protocol):
    def send(
        self, subscription: PushSubscription, payload: bytes, ttl_seconds: int, urgency: str = "normal"
    ) -> PushOutcome:
        """Encrypt `payload` to the subscription and hand it to its push service, which keeps it up to
        `ttl_seconds` for a browser that is offline. `urgency` is RFC 8030's: very-low, low, normal, high.
        Raises ValueError for a payload the push services would refuse (empty, or over the size they all take)."""
        ...


class InvalidSubscription(InvalidInput, ValueError):
    """A posted subscription breaks a rule; the message names the field and the rule (answered as 422)."""


def parse_subscription(raw: Mapping[str, object], allowed_endpoints: Sequence[str]) -> PushSubscription:
    """The subscription a client posts (its `PushSubscription.toJSON()`), checked: the endpoint is an absolute
    https URL of at most 2,048 characters on one of `allowed_endpoints` (origins, or `https://*.suffix`; see
    `DEFAULT_PUSH_SERVICES`), `keys.p256dh` an uncompressed P-256 point and `keys.auth` 16 bytes, both
    base64url. Other members (`expirationTime`) are ignored. Raises InvalidSubscription."""
    endpoint = raw.get("endpoint")
    if not isinstance(endpoint, str):
        raise InvalidSubscription("endpoint must be a string: the URL of the browser's push service")
    _check_endpoint(endpoint, allowed_endpoints)
    keys = raw.get("keys")
    if not isinstance(keys, Mapping):
        raise InvalidSubscription("keys must be an object with p256dh and auth")
    p256dh = _base64url_field(keys, "p256dh")
    if len(p256dh) != P256DH_BYTES or p256dh[0] != 0x04:
        raise InvalidSubscription(
            f"keys.p256dh must be an uncompressed P-256 point: {P256DH_BYTES} bytes starting 0x04"
            f" (got {len(p256dh)} bytes{'' if not p256dh else f' starting 0x{p256dh[0]:02x}'})"
        )
    if not is_p256_point(p256dh):
        raise InvalidSubscription("keys.p256dh is not a point of the curve P-256")
    auth = _base64url_field(keys, "auth")
    if len(auth) != AUTH_BYTES:
        raise InvalidSubscription(f"keys.auth must be {AUTH_BYTES} bytes (got {len(auth)})")
    return PushSubscription(endpoint=endpoint, p256dh=base64url(p256dh), auth=base64url(auth))


def endpoint_origin(endpoint: str) -> str:
    """The endpoint's origin as RFC 6454 serializes it (`https://host`, the port only when not the default):
    the push service a VAPID token is for (its `aud`, RFC 8292 §2)."""
    return _origin(urlsplit(endpoint))


def is_p256_point(point: bytes) -> bool:
    """Whether `point` is an uncompressed SEC1 point (0x04 ‖ x ‖ y) on P-256."""
    if len(point) != P256DH_BYTES or point[0] != 0x04:
        return False
    x, y = int.from_bytes(point[1:33], "big"), int.from_bytes(point[33:], "big")
    if x >= P256_P or y >= P256_P:
        return False
    return (y * y - (x * x * x - 3 * x + P256_B)) % P256_P == 0


def base64url(data: bytes) -> str:
    """Unpadded base64url, as browsers give keys."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def base64url_decode(text: str) -> bytes:
    """Decode base64url with or without padding; ValueError for anything else (standard base64's + and /)."""
    if not _BASE64URL.fullmatch(text) or len(text.rstrip("=")) % 4 == 1:
        raise ValueError(f"not base64url: {text[:20]!r}")
    try:
        return base64.urlsafe_b64decode(text.rstrip("=") + "=" * (-len(text.rstrip("=")) % 4))
    except binascii.Error as error:
        raise ValueError(f"not base64url: {text[:20]!r}") from error


# ---------------------------------------------------------------------- the endpoint


@dataclass(frozen=True)
class _AllowedOrigin:
    scheme: str
    host: str  # for a wildcard, the suffix after "*."
    port: int
    wildcard: bool

    def admits(self, scheme: str, host: str, port: int) -> bool:
        if (scheme, port) != (self.scheme, self.port):
            return False
        return host.endswith("." + self.host) if self.wildcard else host == self.host


def check_push_services(entries: Sequence[str]) -> list[str]:
    """The entries of an allow-list, each checked to be an origin or `scheme://*.suffix` (ValueError
    otherwise): a deployment's list is checked when its settings load, not by a subscriber's request."""
    for entry in entries:
        _allowed_origin(entry)
    return list(entries)


def _allowed_origin(entry: str) -> _AllowedOrigin:
    parts = urlsplit(entry)
    host = parts.hostname or ""
    if (
        parts.scheme not in _DEFAULT_PORTS
        or not host
        or parts.path not in ("", "/")
        or parts.query
        or "@" in parts.netloc
    ):
        raise ValueError(f"allowed push service {entry!r} must be an origin (https://host[:port] or https://*.suffix)")
    wildcard = host.startswith("*.")
    return _AllowedOrigin(parts.scheme, host.removeprefix("*."), parts.port or _DEFAULT_PORTS[parts.scheme], wildcard)


def _check_endpoint(endpoint: str, allowed_endpoints: Sequence[str]) -> None:
    if len(endpoint) > MAX_ENDPOINT_CHARS:
        raise InvalidSubscription(f"endpoint must be at most {MAX_ENDPOINT_CHARS:,} characters (got {len(endpoint):,})")
    if not _URL_CHARACTERS.fullmatch(endpoint):
        raise InvalidSubscription("endpoint must be a URL: no spaces, backslashes or characters outside ASCII")
    try:
        parts = urlsplit(endpoint)
    except ValueError as error:  # an unclosed [ of an IPv6 host
        raise InvalidSubscription("endpoint must be an absolute https URL") from error
    if parts.scheme not in _DEFAULT_PORTS or not parts.hostname:
        raise InvalidSubscription("endpoint must be an absolute https URL")
    if "@" in parts.netloc:
        raise InvalidSubscription("endpoint must not carry a user name or password")
    if "#" in endpoint:
        raise InvalidSubscription("endpoint must not have a fragment")
    try:
        port = parts.port or _DEFAULT_PORTS[parts.scheme]
    except ValueError as error:
        raise InvalidSubscription("endpoint has an invalid port") from error
    if not any(_allowed_origin(entry).admits(parts.scheme, parts.hostname, port) for entry in allowed_endpoints):
        if parts.scheme != "https":
            raise InvalidSubscription("endpoint must be an absolute https URL")
        raise InvalidSubscription(f"endpoint's origin {_origin(parts)} is not a push service Chirp sends to")


def _origin(parts: SplitResult) -> str:
    port = parts.port
    shown_port = "" if port is None or port == _DEFAULT_PORTS.get(parts.scheme) else f":{port}"
    host = parts.hostname or ""
    return f"{parts.scheme}://{f'[{host}]' if ':' in host else host}{shown_port}"


def _base64url_field(keys: Mapping[object, object], name: str) -> bytes:
    value = keys.get(name)
    if not isinstance(value, str) or not value:
        raise InvalidSubscription(f"keys.{name} must be a non-empty base64url string")
    try:
        return base64url_decode(value)
    except ValueError as error:
        raise InvalidSubscription(f"keys.{name} must be base64url (A-Z, a-z, 0-9, - and _)") from error
