"""S3's error answers: the XML document, the status and the headers S3 sends with them.

Whatever the local S3 front refuses itself (a POST policy that fails, a CORS preflight no rule allows)
is answered in S3's own shape, so a client's error handling meets locally what it meets on AWS:

    <?xml version="1.0" encoding="UTF-8"?>
    <Error><Code>AccessDenied</Code><Message>...</Message>[details]<RequestId>...</RequestId><HostId>...</HostId></Error>
"""

from __future__ import annotations

import base64
import os
import secrets
from dataclasses import dataclass, field
from email.utils import formatdate
from xml.sax.saxutils import escape


@dataclass
class S3Error(Exception):
    """An S3 error answer: HTTP status, error code, message and the code's extra elements, in order."""

    status: int
    code: str
    message: str
    details: list[tuple[str, str]] = field(default_factory=list)

    def __str__(self) -> str:
        return f"{self.status} {self.code}: {self.message}"

    def document(self, request_id: str, host_id: str) -> bytes:
        elements = [("Code", self.code), ("Message", self.message), *self.details]
        elements += [("RequestId", request_id), ("HostId", host_id)]
        body = "".join(f"<{name}>{escape(value)}</{name}>" for name, value in elements)
        return f'<?xml version="1.0" encoding="UTF-8"?>\n<Error>{body}</Error>'.encode()


def request_ids() -> tuple[str, str]:
    """A request id and a host id shaped like S3's (16 upper-case hex digits; 76 base64 characters)."""
    return secrets.token_hex(8).upper(), base64.b64encode(os.urandom(57)).decode("ascii")


def s3_headers(request_id: str, host_id: str) -> list[tuple[str, str]]:
    """The headers S3 sends with every answer."""
    return [
        ("x-amz-request-id", request_id),
        ("x-amz-id-2", host_id),
        ("Date", formatdate(usegmt=True)),
        ("Server", "AmazonS3"),
    ]
