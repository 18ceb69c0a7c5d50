"""Web Push (RFC 8030) with message encryption (RFC 8291, `aes128gcm`) and VAPID (RFC 8292): the notifier's
`PushSender`.

One push is one POST to the subscription's endpoint: the payload encrypted to the browser's keys in a single
record, `Content-Encoding: aes128gcm`, `TTL`, `Urgency`, and `Authorization: vapid t=<JWT>,k=<public key>`,
an ES256 JWT whose `aud` is the endpoint's origin, `exp` 12 hours ahead (RFC 8292 §2 allows 24; the margin
absorbs clock skew, which FCM is strict about) and `sub` the operator's contact (`mailto:` or `https:`).

Libraries: http-ece 1.2.1 (RFC 8188/8291 encryption, by an author of both RFCs) and py-vapid 1.9.6 (RFC 8292
tokens, by Mozilla's autopush team), both on `cryptography`, and urllib3 for the POST (in every function
already, through botocore). Not pywebpush 2.5.0, which is these same two libraries plus aiohttp and requests
for the HTTP. Measured here (Python 3.12, best of 10 fresh processes): `import http_ece, py_vapid` takes
80 ms, and importing this module after botocore (as a function does) 36 ms more; `import pywebpush` takes
480 ms, 300 ms after botocore. Installed, http-ece and py-vapid are 228 KB over cryptography's 16 MB (which
both choices need); pywebpush brings 15 MB more (aiohttp with yarl, multidict, frozenlist, propcache,
aiosignal, aiohappyeyeballs, attrs; requests with charset-normalizer, idna, certifi): cold starts would pay
for all of it, and the notifier uses none of it.

The deployment keeps one random string in Secrets Manager (CloudFormation's `GenerateSecretString` cannot make
an EC key); `vapid_key_from_secret` derives the P-256 key from it, the same in every sandbox and after every
restart. Browsers subscribe with that key's public half (`VapidKey.application_server_key`); a subscription
is bound to it, so the derivation must never change, and a new secret orphans every subscription (their push
services answer 403, which reads as GONE).
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from urllib.parse import urlsplit

import http_ece
import urllib3
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from py_vapid import Vapid02

from chirp.notifications.push import PushOutcome, PushSubscription, base64url, base64url_decode, endpoint_origin

logger = logging.getLogger(__name__)

# RFC 8030 has push services take a body of at least 4,096 bytes; the body of a single aes128gcm record is
# the header (salt 16, record size 4, key id length 1, the sender's public key 65), the payload, the padding
# delimiter (1) and the AEAD tag (16): RFC 8291 §4's 3,993 bytes of payload at most. (Firefox for Android
# takes less, about 3,070 bytes of body: its autopush answers 413.)
MAX_BODY_BYTES = 4096
HEADER_BYTES = 16 + 4 + 1 + 65
MAX_PAYLOAD_BYTES = MAX_BODY_BYTES - HEADER_BYTES - 1 - 16
RECORD_SIZE = 4096  # larger than any body, so the payload is one record (RFC 8291 §4)
URGENCIES = ("very-low", "low", "normal", "high")  # RFC 8030 §5.3
VAPID_TOKEN_SECONDS = 12 * 3600
DEFAULT_TIMEOUT = urllib3.Timeout(connect=2.0, read=5.0)

# Deriving the VAPID key from the deployment's secret. The info string names what is derived, so the same
# secret used for anything else gives unrelated bytes; changing it changes the key (see the module docstring).
VAPID_KEY_INFO = b"chirp/web-push/vapid-key/p-256/v1"
MIN_SECRET_CHARS = 32  # GenerateSecretString's default length
# SEC 2 §2.4.2: the order of P-256's base point.
P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551


class VapidKey:
    """The application server's P-256 key pair (RFC 8292 §3.2)."""

    def __init__(self, private_key: ec.EllipticCurvePrivateKey) -> None:
        if not isinstance(private_key.curve, ec.SECP256R1):
            raise ValueError(f"a VAPID key is a P-256 key, not {private_key.curve.name}")
        self.private_key = private_key
        self.public_point = private_key.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)

    @property
    def application_server_key(self) -> str:
        """The public key as `pushManager.subscribe({applicationServerKey})` takes it: base64url of the
        uncompressed point (65 bytes), also the `k` of every push's Authorization."""
        return base64url(self.public_point)

    def __repr__(self) -> str:
        return f"VapidKey(application_server_key={self.application_server_key!r})"


def vapid_key_from_secret(secret: str) -> VapidKey:
    """The VAPID key of a deployment, derived from its secret string: HKDF-SHA256 (RFC 5869) of the secret with
    `VAPID_KEY_INFO` gives 40 bytes, and the private scalar is that number mod (n - 1), plus 1: FIPS 186-4
    B.4.1's "extra random bits" method, which needs no retry (it is never 0) and is unbiased to 2^-64."""
    if len(secret) < MIN_SECRET_CHARS:
        raise ValueError(f"the VAPID secret must have at least {MIN_SECRET_CHARS} characters (got {len(secret)})")
    material = HKDF(algorithm=hashes.SHA256(), length=40, salt=None, info=VAPID_KEY_INFO).derive(secret.encode())
    scalar = int.from_bytes(material, "big") % (P256_ORDER - 1) + 1
    return VapidKey(ec.derive_private_key(scalar, ec.SECP256R1()))


def encrypt_payload(
    subscription: PushSubscription,
    payload: bytes,
    *,
    sender_key: ec.EllipticCurvePrivateKey | None = None,
    salt: bytes | None = None,
) -> bytes:
    """The request body: `payload` encrypted to the subscription's keys as one aes128gcm record (RFC 8291 §4).
    A fresh key pair and salt each time, unless given (to reproduce RFC 8291's example)."""
    if not payload:
        raise ValueError("an empty payload cannot be encrypted (aes128gcm needs one record)")
    if len(payload) > MAX_PAYLOAD_BYTES:
        raise ValueError(
            f"a push payload is at most {MAX_PAYLOAD_BYTES:,} bytes (got {len(payload):,}):"
            f" encrypted, it would exceed the {MAX_BODY_BYTES:,} bytes push services take"
        )
    body: bytes = http_ece.encrypt(
        payload,
        salt=salt if salt is not None else os.urandom(16),
        private_key=sender_key if sender_key is not None else ec.generate_private_key(ec.SECP256R1()),
        dh=base64url_decode(subscription.p256dh),
        auth_secret=base64url_decode(subscription.auth),
        rs=RECORD_SIZE,
        version="aes128gcm",
    )
    return body


def outcome_of(status: int) -> PushOutcome:
    """What a push service's answer means for the subscription (see PushOutcome)."""
    if 200 <= status < 300:
        return PushOutcome.DELIVERED
    if status in (408, 429) or status >= 500:
        return PushOutcome.RETRY
    return PushOutcome.GONE


class VapidPushSender:
    """Sends Web Push with the deployment's VAPID key; `subject` is how a push service reaches its operator."""

    def __init__(
        self,
        key: VapidKey,
        subject: str,
        *,
        timeout: urllib3.Timeout = DEFAULT_TIMEOUT,
        clock: Callable[[], float] = time.time,
    ) -> None:
        _check_subject(subject)
        self.key = key
        self.subject = subject
        self._clock = clock
        # Our own subject check above (py-vapid's strict one refuses an https: URL with a path).
        self._vapid = Vapid02(key.private_key, conf={"no-strict": True})
        # No redirects (the endpoint was checked against the push services; where it points to was not) and
        # no retries (a RETRY goes back to the caller, whose queue retries with backoff).
        self._http = urllib3.PoolManager(timeout=timeout, retries=False)

    def authorization(self, endpoint: str) -> str:
        """The `Authorization` header of a push to `endpoint` (RFC 8292 §3)."""
        claims = {
            "aud": endpoint_origin(endpoint),
            "exp": int(self._clock()) + VAPID_TOKEN_SECONDS,
            "sub": self.subject,
        }
        header: str = self._vapid.sign(claims)["Authorization"]
        return header

    def send(
        self, subscription: PushSubscription, payload: bytes, ttl_seconds: int, urgency: str = "normal"
    ) -> PushOutcome:
        if urgency not in URGENCIES:
            raise ValueError(f"urgency must be one of {', '.join(URGENCIES)} (got {urgency!r})")
        if ttl_seconds < 0:
            raise ValueError(f"ttl_seconds must not be negative (got {ttl_seconds})")
        body = encrypt_payload(subscription, payload)
        headers = {
            "Authorization": self.authorization(subscription.endpoint),
            "Content-Encoding": "aes128gcm",
            "Content-Type": "application/octet-stream",
            "TTL": str(ttl_seconds),
            "Urgency": urgency,
        }
        service = endpoint_origin(subscription.endpoint)  # logged instead of the endpoint, a bearer capability
        try:
            response = self._http.request(
                "POST", subscription.endpoint, body=body, headers=headers, redirect=False, retries=False
            )
        except urllib3.exceptions.HTTPError as error:
            logger.warning("a web push failed", extra={"push_service": service, "error": repr(error)})
            return PushOutcome.RETRY
        outcome = outcome_of(response.status)
        if outcome is not PushOutcome.DELIVERED:
            logger.warning(
                "a push service refused a web push",
                extra={
                    "push_service": service,
                    "status": response.status,
                    "outcome": outcome.value,
                    "answer": response.data[:300].decode("utf-8", "replace"),
                },
            )
        return outcome


def _check_subject(subject: str) -> None:
    """RFC 8292 §2.1: a contact URI, `mailto:` (RFC 6068) or `https:`."""
    if subject.startswith("mailto:") and "@" in subject:
        return
    parts = urlsplit(subject)
    if parts.scheme == "https" and parts.hostname:
        return
    raise ValueError(f"the VAPID subject must be a mailto: address or an https: URL (got {subject!r})")
