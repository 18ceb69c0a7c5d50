"""Test handler for the local runtime's IAM enforcement: makes the one AWS call its event describes.

`{"service": "dynamodb", "operation": "put_item", "params": {...}}` -> `{"ok": <HTTP status>}`, or, when the
call is refused, `{"error": {"code", "status", "message"}}` as botocore raised it.
"""

from __future__ import annotations

from typing import Any

import boto3
from botocore.exceptions import ClientError


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    client = boto3.client(event["service"])
    try:
        response = getattr(client, event["operation"])(**event["params"])
    except ClientError as error:
        details: Any = error.response
        return {
            "error": {
                "code": details["Error"]["Code"],
                "status": details["ResponseMetadata"]["HTTPStatusCode"],
                "message": details["Error"]["Message"],
            }
        }
    return {"ok": response["ResponseMetadata"]["HTTPStatusCode"]}
