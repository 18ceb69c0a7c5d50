"""What the API hands a client so that it uploads a file straight to the media bucket: a presigned S3 POST.

The bytes never pass through the API (a Lambda answer is limited to 6 MB, and a video may be 512 MB); the
client POSTs a multipart form to S3, and the form's signed policy is what admits it: the exact key, the exact
size declared and the declared Content-Type, for `UPLOAD_EXPIRES_S`. S3 checks every condition itself and
refuses an upload that breaks one (403 AccessDenied: "Invalid according to Policy").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

# How long a presigned POST admits its upload: long enough for a 512 MB video on a slow uplink to start (the
# policy is checked when S3 receives the request, not when the last byte arrives), short enough that a leaked
# form is soon worthless.
UPLOAD_EXPIRES_S = 15 * 60


@dataclass(frozen=True)
class PresignedPost:
    """Where to POST and the form fields to send before the file (S3 ignores every field after it)."""

    url: str
    fields: dict[str, str]


class UploadSigner(Protocol):
    def presign_post(self, key: str, content_type: str, size: int, expires_in_s: int) -> PresignedPost:
        """A POST admitting exactly one object: at `key`, of `size` bytes and `content_type`, for
        `expires_in_s` seconds. Makes no call: the signature is computed from the caller's credentials."""
