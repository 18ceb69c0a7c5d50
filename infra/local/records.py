"""Shape stream records and queue messages exactly as Lambda's event source mappings deliver them.

boto3 parses service responses (timestamps become datetimes, binary attributes become bytes); Lambda
sends JSON (epoch seconds, base64 strings). These functions turn the former into the latter.
"""

from __future__ import annotations

import base64
import hashlib
from datetime import datetime
from typing import Any


def as_lambda_json(value: Any) -> Any:
    """`value` with bytes as base64 text and datetimes as epoch seconds, recursively."""
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, datetime):
        return value.timestamp()
    if isinstance(value, dict):
        return {key: as_lambda_json(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set):
        return [as_lambda_json(item) for item in value]
    return value


def stream_record_event(record: dict[str, Any], stream_arn: str, region: str) -> dict[str, Any]:
    """A DynamoDB Streams record (as GetRecords returns it) in the form Lambda delivers it."""
    dynamodb = dict(as_lambda_json(record["dynamodb"]))
    created = dynamodb.get("ApproximateCreationDateTime")
    if isinstance(created, float) and created.is_integer():
        dynamodb["ApproximateCreationDateTime"] = int(created)
    event: dict[str, Any] = {
        "eventID": record["eventID"],
        "eventName": record["eventName"],
        "eventVersion": record.get("eventVersion", "1.1"),
        "eventSource": "aws:dynamodb",
        "awsRegion": region,
        "dynamodb": dynamodb,
        "eventSourceARN": stream_arn,
    }
    if "userIdentity" in record:
        event["userIdentity"] = record["userIdentity"]
    return event


def sqs_record_event(message: dict[str, Any], queue_arn: str, region: str) -> dict[str, Any]:
    """An SQS message (as ReceiveMessage returns it) in the form Lambda delivers it."""
    event: dict[str, Any] = {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message.get("Body", ""),
        "attributes": dict(message.get("Attributes") or {}),
        "messageAttributes": {
            name: _lambda_message_attribute(attribute)
            for name, attribute in (message.get("MessageAttributes") or {}).items()
        },
        "md5OfBody": message.get("MD5OfBody") or hashlib.md5(message.get("Body", "").encode()).hexdigest(),
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    }
    if message.get("MD5OfMessageAttributes"):
        event["md5OfMessageAttributes"] = message["MD5OfMessageAttributes"]
    return event


def _lambda_message_attribute(attribute: dict[str, Any]) -> dict[str, Any]:
    converted: dict[str, Any] = {
        "stringListValues": list(attribute.get("StringListValues") or []),
        "binaryListValues": [as_lambda_json(item) for item in attribute.get("BinaryListValues") or []],
        "dataType": attribute.get("DataType", "String"),
    }
    if "StringValue" in attribute:
        converted["stringValue"] = attribute["StringValue"]
    if "BinaryValue" in attribute:
        converted["binaryValue"] = as_lambda_json(attribute["BinaryValue"])
    return converted
