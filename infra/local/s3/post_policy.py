"""What S3 checks before it stores a browser-based upload (POST Object with a policy), as AWS does it.

AWS's rules ("Creating a POST policy", "Browser-based uploads using POST (AWS Signature Version 4)"):

- the form carries a `key` and a file (the field named `file`; fields after it are ignored), a
  base64 `policy` and its signature: `x-amz-algorithm`, `x-amz-credential`, `x-amz-date`, `x-amz-signature`
  (Signature Version 4, an HMAC-SHA256 of the policy text) or `AWSAccessKeyId` and `signature` (version 2,
  HMAC-SHA1; what boto3's `generate_presigned_post` signs unless told `signature_version="s3v4"`);
- `${filename}` in a field's value is the uploaded file's name;
- the policy has not expired;
- each condition holds: `{"field": "value"}` and `["eq", "$field", "value"]` exactly, `["starts-with",
  "$field", "prefix"]` (each comma-separated part of a Content-Type), on a field the form carries (`bucket`
  is the request's bucket unless the form names one); field names are case-insensitive, values are not;
- every form field except `x-amz-signature`, `file`, `policy` and `x-ignore-*` (and version 2's
  `AWSAccessKeyId` and `signature`) is named by a condition;
- the file's size lies within `["content-length-range", min, max]` (S3's 5 GB POST limit without one).

Refusals carry S3's own codes and messages: 403 AccessDenied "Invalid according to Policy: Policy expired.",
"... Policy Condition failed: [\"eq\", \"$Content-Type\", \"image/png\"]", "... Extra input fields: acl";
400 EntityTooLarge / EntityTooSmall with ProposedSize and Max/MinSizeAllowed; 403 SignatureDoesNotMatch;
400 InvalidPolicyDocument for a policy that is not one.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from infra.local.s3.errors import S3Error

SIGNATURE_V4_ALGORITHM = "AWS4-HMAC-SHA256"
MAX_POST_OBJECT_BYTES = 5 * 1024**3  # S3's limit for a POST upload
_EXEMPT_FIELDS = frozenset({"policy", "x-amz-signature", "file"})
_EXEMPT_V2_FIELDS = frozenset({"awsaccesskeyid", "signature"})
_FILENAME_VARIABLE = "${filename}"


@dataclass(frozen=True)
class PostForm:
    """A POST Object form as S3 reads it: the fields before the file (name as sent, value), and the file."""

    fields: tuple[tuple[str, str], ...]
    file_name: str | None  # None: the form has no `file` field
    file_size: int = 0

    def values(self) -> dict[str, str]:
        """Field values by lower-case name (the first of repeated names), `${filename}` replaced."""
        values: dict[str, str] = {}
        for name, value in self.fields:
            values.setdefault(name.lower(), value.replace(_FILENAME_VARIABLE, self.file_name or ""))
        return values


@dataclass(frozen=True)
class SizeRange:
    minimum: int
    maximum: int


@dataclass(frozen=True)
class Condition:
    """An `eq` or `starts-with` condition on a form field (`field` as the policy writes it, without `$`)."""

    operator: str
    field: str
    value: str

    def holds(self, actual: str | None) -> bool:
        if actual is None:
            return False
        if self.operator == "eq":
            return actual == self.value
        if self.field.lower() == "content-type":
            return all(part.strip().startswith(self.value) for part in actual.split(","))
        return actual.startswith(self.value)

    def shown(self) -> str:
        """The condition as S3 quotes it in its refusal: `["eq", "$Content-Type", "image/png"]`."""
        return json.dumps([self.operator, f"${self.field}", self.value])


@dataclass(frozen=True)
class Policy:
    expiration: datetime
    conditions: tuple[Condition, ...]
    size_range: SizeRange | None


@dataclass(frozen=True)
class AcceptedPost:
    """A form S3 would store: its object key, who signed it and the size the policy allows."""

    key: str
    access_key: str
    size_range: SizeRange | None


def check_post(form: PostForm, bucket: str, credentials: Mapping[str, str], now: datetime) -> AcceptedPost:
    """Every check S3 makes on a POST upload; raises S3Error with S3's answer for the first that fails."""
    accepted = check_post_fields(form, bucket, credentials, now)
    check_post_size(form.file_size, accepted.size_range)
    return accepted


def check_post_fields(form: PostForm, bucket: str, credentials: Mapping[str, str], now: datetime) -> AcceptedPost:
    """The checks that need the fields alone (made before the file arrives): all but the file's size.

    `credentials`: secret access key by access key id, the keys this S3 knows."""
    values = form.values()
    if form.file_name is None:
        raise S3Error(400, "InvalidArgument", "POST requires exactly one file upload per request.",
                      [("ArgumentName", "file"), ("ArgumentValue", "0")])  # fmt: skip
    _require_field(values, "key")
    if "policy" not in values:
        raise S3Error(403, "AccessDenied", "Access Denied")  # an anonymous upload: the buckets are private
    access_key = verify_signature(values, credentials)
    policy = parse_policy(values["policy"])
    if policy.expiration <= now:
        raise S3Error(403, "AccessDenied", "Invalid according to Policy: Policy expired.")
    values.setdefault("bucket", bucket)
    for condition in policy.conditions:
        if not condition.holds(values.get(condition.field.lower())):
            failed = f"Invalid according to Policy: Policy Condition failed: {condition.shown()}"
            raise S3Error(403, "AccessDenied", failed)
    _check_every_field_covered(form, policy, signed_v2="signature" in values)
    return AcceptedPost(key=values["key"], access_key=access_key, size_range=policy.size_range)


def check_post_size(size: int, size_range: SizeRange | None) -> None:
    """The file's size against the policy's `content-length-range` (S3's POST limit without one)."""
    allowed = size_range or SizeRange(0, MAX_POST_OBJECT_BYTES)
    if size < allowed.minimum:
        raise S3Error(400, "EntityTooSmall", "Your proposed upload is smaller than the minimum allowed size",
                      [("ProposedSize", str(size)), ("MinSizeAllowed", str(allowed.minimum))])  # fmt: skip
    if size > allowed.maximum:
        raise S3Error(400, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size",
                      [("ProposedSize", str(size)), ("MaxSizeAllowed", str(allowed.maximum))])  # fmt: skip


def _require_field(values: Mapping[str, str], name: str, shown: str | None = None) -> str:
    if name not in values:
        message = (f"Bucket POST must contain a field named '{shown or name}'.  "
                   "If it is specified, please check the order of the fields.")  # fmt: skip
        raise S3Error(400, "InvalidArgument", message, [("ArgumentName", shown or name), ("ArgumentValue", "")])
    return values[name]


def _check_every_field_covered(form: PostForm, policy: Policy, signed_v2: bool) -> None:
    covered = {condition.field.lower() for condition in policy.conditions}
    exempt = _EXEMPT_FIELDS | (_EXEMPT_V2_FIELDS if signed_v2 else frozenset())
    for name, _value in form.fields:
        lowered = name.lower()
        if lowered in exempt or lowered in covered or lowered.startswith("x-ignore-"):
            continue
        raise S3Error(403, "AccessDenied", f"Invalid according to Policy: Extra input fields: {lowered}")


# ---------------------------------------------------------------------- signature
def verify_signature(values: Mapping[str, str], credentials: Mapping[str, str]) -> str:
    """The access key that signed the policy, or S3Error (version 4 when the form has its fields, else 2)."""
    if "x-amz-signature" in values or "x-amz-algorithm" in values or "x-amz-credential" in values:
        return _verify_v4(values, credentials)
    access_key = _require_field(values, "awsaccesskeyid", "AWSAccessKeyId")
    provided = _require_field(values, "signature")
    secret = _secret(credentials, access_key)
    expected = base64.b64encode(hmac.new(secret.encode(), values["policy"].encode(), hashlib.sha1).digest()).decode()
    if not hmac.compare_digest(expected, provided):
        raise _signature_mismatch(access_key, values["policy"], provided)
    return access_key


def _verify_v4(values: Mapping[str, str], credentials: Mapping[str, str]) -> str:
    algorithm = _require_field(values, "x-amz-algorithm")
    credential = _require_field(values, "x-amz-credential")
    _require_field(values, "x-amz-date")
    provided = _require_field(values, "x-amz-signature")
    if algorithm != SIGNATURE_V4_ALGORITHM:
        raise S3Error(400, "InvalidArgument", f"Unsupported algorithm: {algorithm}; use {SIGNATURE_V4_ALGORITHM}",
                      [("ArgumentName", "x-amz-algorithm"), ("ArgumentValue", algorithm)])  # fmt: skip
    scope = credential.split("/")
    if len(scope) != 5 or scope[4] != "aws4_request":
        raise S3Error(400, "InvalidArgument", f"Invalid credential: {credential}",
                      [("ArgumentName", "x-amz-credential"), ("ArgumentValue", credential)])  # fmt: skip
    access_key, date, region, service, _terminator = scope
    key = f"AWS4{_secret(credentials, access_key)}".encode()
    for part in (date, region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    expected = hmac.new(key, values["policy"].encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, provided.lower()):
        raise _signature_mismatch(access_key, values["policy"], provided)
    return access_key


def _secret(credentials: Mapping[str, str], access_key: str) -> str:
    if access_key not in credentials:
        raise S3Error(403, "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.",
                      [("AWSAccessKeyId", access_key)])  # fmt: skip
    return credentials[access_key]


def _signature_mismatch(access_key: str, policy: str, provided: str) -> S3Error:
    message = (
        "The request signature we calculated does not match the signature you provided. "
        "Check your key and signing method."
    )
    details = [("AWSAccessKeyId", access_key), ("StringToSign", policy), ("SignatureProvided", provided)]
    return S3Error(403, "SignatureDoesNotMatch", message, details)


# ---------------------------------------------------------------------- the policy document
def _invalid_policy(reason: str) -> S3Error:
    return S3Error(400, "InvalidPolicyDocument", f"Invalid Policy: {reason}")


def parse_policy(encoded: str) -> Policy:
    """The base64 JSON policy of a POST form; S3Error 400 InvalidPolicyDocument when it is not one."""
    try:
        document = json.loads(base64.b64decode(encoded, validate=True))
    except (binascii.Error, ValueError):
        raise _invalid_policy("Invalid JSON.") from None
    if not isinstance(document, dict):
        raise _invalid_policy("Invalid JSON.")
    if "expiration" not in document:
        raise _invalid_policy("Policy missing expiration.")
    conditions = document.get("conditions")
    if not isinstance(conditions, list):
        raise _invalid_policy("Policy missing conditions.")
    parsed: list[Condition] = []
    size_range: SizeRange | None = None
    for entry in conditions:
        if isinstance(entry, dict):
            parsed.extend(_simple_conditions(entry))
        elif isinstance(entry, list) and entry and str(entry[0]).lower() == "content-length-range":
            size_range = _size_range(entry)
        else:
            parsed.append(_condition(entry))
    return Policy(_expiration(document["expiration"]), tuple(parsed), size_range)


def _expiration(value: Any) -> datetime:
    try:
        expiration = datetime.fromisoformat(str(value))
    except ValueError:
        raise _invalid_policy(f"Invalid 'expiration' value: '{value}'") from None
    return expiration if expiration.tzinfo else expiration.replace(tzinfo=UTC)


def _simple_conditions(entry: dict[str, Any]) -> list[Condition]:
    if any(not isinstance(value, str) for value in entry.values()):
        raise _invalid_policy("Invalid Simple-Condition: value must be a string.")
    return [Condition("eq", name.removeprefix("$"), value) for name, value in entry.items()]


def _condition(entry: Any) -> Condition:
    if not (isinstance(entry, list) and len(entry) == 3 and all(isinstance(item, str) for item in entry)):
        raise _invalid_policy(f"Invalid Condition: {json.dumps(entry)}")
    operator, field, value = entry
    if operator.lower() not in ("eq", "starts-with") or not field.startswith("$"):
        raise _invalid_policy(f"Invalid Condition: {json.dumps(entry)}")
    return Condition(operator.lower(), field[1:], value)


def _size_range(entry: list[Any]) -> SizeRange:
    try:
        minimum, maximum = (int(bound) for bound in entry[1:])
    except (TypeError, ValueError):
        raise _invalid_policy(f"Invalid content-length-range: {json.dumps(entry)}") from None
    if not 0 <= minimum <= maximum:
        raise _invalid_policy(f"Invalid content-length-range: {json.dumps(entry)}")
    return SizeRange(minimum, maximum)
