"""SQS semantics on the store: standard queues, as strict as AWS about what they accept.

Each operation takes the request as botocore sends it in SQS's JSON protocol (a dict of the operation's
input shape) and answers the output shape's dict, or raises `SqsError` with AWS's error code. What AWS
does and this does too: queue and message DelaySeconds (at most 900), VisibilityTimeout (at most 43,200,
counted from the latest receive), receive counts, RedrivePolicy (a receive that finds a message received
maxReceiveCount times moves it to the dead-letter queue instead), MessageRetentionPeriod, MD5OfMessageBody and
MD5OfMessageAttributes as AWS computes them, receipt handles that go stale when the message is received
again (deleting with a stale one succeeds without deleting, as AWS documents), the 256 KiB limits on a
message and on a batch, ten entries per batch with distinct well-formed ids, the characters a body may hold,
PurgeQueue once a minute and a deleted queue's name free again after a minute.

Not emulated: FIFO queues (refused: the template has none), the 120,000 in-flight limit, KMS,
ReceiveRequestAttemptId, queue policies' effect on callers (functions' IAM policies are enforced by the
runtime; SNS's delivery check is `infra.local.subscriptions`'), redrive of messages back from a DLQ
(StartMessageMoveTask).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
import secrets
import sqlite3
import struct
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from infra.local.sqs.store import Store, now_ms

MAX_MESSAGE_BYTES = 262_144
MAX_BATCH_ENTRIES = 10
MAX_DELAY_SECONDS = 900
MAX_VISIBILITY_SECONDS = 43_200
MAX_WAIT_SECONDS = 20
MAX_MESSAGE_ATTRIBUTES = 10
PURGE_INTERVAL_SECONDS = 60
RECREATE_AFTER_DELETE_SECONDS = 60

# name: (default, minimum, maximum) of the numeric attributes CreateQueue and SetQueueAttributes accept.
_NUMERIC_ATTRIBUTES = {
    "DelaySeconds": (0, 0, MAX_DELAY_SECONDS),
    "MaximumMessageSize": (MAX_MESSAGE_BYTES, 1024, MAX_MESSAGE_BYTES),
    "MessageRetentionPeriod": (345_600, 60, 1_209_600),
    "ReceiveMessageWaitTimeSeconds": (0, 0, MAX_WAIT_SECONDS),
    "VisibilityTimeout": (30, 0, MAX_VISIBILITY_SECONDS),
    "KmsDataKeyReusePeriodSeconds": (300, 60, 86_400),
}
_TEXT_ATTRIBUTES = ("Policy", "RedrivePolicy", "RedriveAllowPolicy", "KmsMasterKeyId", "SqsManagedSseEnabled")
_FIFO_ATTRIBUTES = ("FifoQueue", "ContentBasedDeduplication", "DeduplicationScope", "FifoThroughputLimit")
_COMPUTED_ATTRIBUTES = (
    "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible", "ApproximateNumberOfMessagesDelayed",
    "CreatedTimestamp", "LastModifiedTimestamp", "QueueArn",
)  # fmt: skip
_SYSTEM_ATTRIBUTES = (
    "SenderId", "SentTimestamp", "ApproximateReceiveCount", "ApproximateFirstReceiveTimestamp", "AWSTraceHeader",
    "DeadLetterQueueSourceArn",
)  # fmt: skip
_FIFO_SYSTEM_ATTRIBUTES = ("SequenceNumber", "MessageDeduplicationId", "MessageGroupId")
_QUEUE_NAME = re.compile(r"[A-Za-z0-9_-]{1,80}")
_BATCH_ENTRY_ID = re.compile(r"[A-Za-z0-9_-]{1,80}")
_ATTRIBUTE_NAME = re.compile(r"[A-Za-z0-9_.-]{1,256}")
# What a message body (and a string attribute) may hold: XML 1.0's characters, as SQS documents.
_INVALID_CHARACTER = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
VALID_CHARACTERS = "#x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF"

# AWS's JSON-protocol error type -> the query-protocol code it also sends (x-amzn-query-error), which is the
# code botocore reports.
QUERY_CODES = {
    "QueueDoesNotExist": "AWS.SimpleQueueService.NonExistentQueue",
    "QueueNameExists": "QueueAlreadyExists",
    "QueueDeletedRecently": "AWS.SimpleQueueService.QueueDeletedRecently",
    "PurgeQueueInProgress": "AWS.SimpleQueueService.PurgeQueueInProgress",
    "MessageNotInflight": "AWS.SimpleQueueService.MessageNotInflight",
    "BatchEntryIdsNotDistinct": "AWS.SimpleQueueService.BatchEntryIdsNotDistinct",
    "BatchRequestTooLong": "AWS.SimpleQueueService.BatchRequestTooLong",
    "EmptyBatchRequest": "AWS.SimpleQueueService.EmptyBatchRequest",
    "InvalidBatchEntryId": "AWS.SimpleQueueService.InvalidBatchEntryId",
    "TooManyEntriesInBatchRequest": "AWS.SimpleQueueService.TooManyEntriesInBatchRequest",
    "UnsupportedOperation": "AWS.SimpleQueueService.UnsupportedOperation",
}


class SqsError(Exception):
    """An error answer: HTTP 400, AWS's error type and message."""

    def __init__(self, code: str, message: str, *, status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status

    @property
    def query_code(self) -> str:
        return QUERY_CODES.get(self.code, self.code)


def invalid_parameter(name: str, value: object, reason: str) -> SqsError:
    return SqsError("InvalidParameterValue", f"Value {value} for parameter {name} is invalid. Reason: {reason}")


def md5_of_body(body: str) -> str:
    return hashlib.md5(body.encode(), usedforsecurity=False).hexdigest()


def md5_of_attributes(attributes: dict[str, dict[str, Any]]) -> str:
    """MD5OfMessageAttributes as SQS computes it: each attribute, sorted by name, as length-prefixed name, data
    type, a transport byte (1 string, 2 binary) and length-prefixed value."""
    digest = hashlib.md5(usedforsecurity=False)

    def add(data: bytes) -> None:
        digest.update(struct.pack("!I", len(data)) + data)

    for name in sorted(attributes):
        attribute = attributes[name]
        add(name.encode())
        add(str(attribute["DataType"]).encode())
        if "StringValue" in attribute:
            digest.update(b"\x01")
            add(str(attribute["StringValue"]).encode())
        else:
            digest.update(b"\x02")
            add(base64.b64decode(attribute["BinaryValue"]))
    return digest.hexdigest()


@dataclass(frozen=True)
class Queue:
    name: str
    attributes: dict[str, str]
    created_ms: int
    modified_ms: int

    def number(self, name: str) -> int:
        default = _NUMERIC_ATTRIBUTES[name][0]
        return int(self.attributes.get(name, default))

    @property
    def redrive(self) -> tuple[str, int] | None:
        """The dead-letter queue's name and maxReceiveCount, or None."""
        policy = self.attributes.get("RedrivePolicy")
        if not policy:
            return None
        document = json.loads(policy)
        return str(document["deadLetterTargetArn"]).rsplit(":", 1)[-1], int(document["maxReceiveCount"])


@dataclass(frozen=True)
class OutgoingMessage:
    """A message about to be stored: validated, with its MD5s."""

    body: str
    attributes: dict[str, dict[str, Any]]
    system_attributes: dict[str, str]
    delay_seconds: int | None  # None: the queue's DelaySeconds
    size: int

    @property
    def md5_of_body(self) -> str:
        return md5_of_body(self.body)

    @property
    def md5_of_attributes(self) -> str | None:
        return md5_of_attributes(self.attributes) if self.attributes else None


class QueueService:
    """The SQS operations, for queues of one account and region, whose URLs start with `base_url`."""

    def __init__(self, store: Store, region: str, account_id: str, base_url: str) -> None:
        self.store = store
        self.region = region
        self.account_id = account_id
        self.base_url = base_url.rstrip("/")
        self._purged_at: dict[str, float] = {}
        self._deleted_at: dict[str, float] = {}

    # ------------------------------------------------------------------ names
    def url(self, name: str) -> str:
        return f"{self.base_url}/{self.account_id}/{name}"

    def arn(self, name: str) -> str:
        return f"arn:aws:sqs:{self.region}:{self.account_id}:{name}"

    def queue(self, connection: sqlite3.Connection, name: str) -> Queue:
        row = connection.execute("SELECT * FROM queues WHERE name = ?", (name,)).fetchone()
        if row is None:
            raise SqsError("QueueDoesNotExist", "The specified queue does not exist.")
        return Queue(row["name"], json.loads(row["attributes"]), row["created_ms"], row["modified_ms"])

    def queue_of_url(self, connection: sqlite3.Connection, request: dict[str, Any]) -> Queue:
        url = request.get("QueueUrl")
        if not url:
            raise SqsError("MissingParameter", "The request must contain the parameter QueueUrl.")
        return self.queue(connection, str(url).rstrip("/").rsplit("/", 1)[-1])

    def queue_of_arn(self, connection: sqlite3.Connection, arn: str) -> Queue | None:
        parts = arn.split(":")
        if len(parts) != 6 or parts[2] != "sqs" or parts[4] != self.account_id:
            return None
        try:
            return self.queue(connection, parts[5])
        except SqsError:
            return None

    # ------------------------------------------------------------------ queues
    def create_queue(self, request: dict[str, Any]) -> dict[str, Any]:
        name = str(request.get("QueueName") or "")
        attributes = dict(request.get("Attributes") or {})
        if name.endswith(".fifo") or any(key in attributes for key in _FIFO_ATTRIBUTES):
            raise SqsError("UnsupportedOperation", "FIFO queues are not emulated by the local SQS (nor used by Chirp)")
        if not _QUEUE_NAME.fullmatch(name):
            raise SqsError(
                "InvalidParameterValue",
                "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length",
            )
        deleted = self._deleted_at.get(name)
        if deleted is not None and time.monotonic() - deleted < RECREATE_AFTER_DELETE_SECONDS:
            raise SqsError(
                "QueueDeletedRecently",
                "You must wait 60 seconds after deleting a queue before you can create another with the same name.",
            )
        with self.store.write() as connection:
            self._validate_attributes(connection, attributes)
            row = connection.execute("SELECT attributes FROM queues WHERE name = ?", (name,)).fetchone()
            if row is not None:
                existing = json.loads(row["attributes"])
                for key, value in attributes.items():
                    if existing.get(key, _default(key)) != value:
                        raise SqsError(
                            "QueueNameExists",
                            f"A queue already exists with the same name and a different value for attribute {key}",
                        )
                return {"QueueUrl": self.url(name)}
            stored = {"SqsManagedSseEnabled": "true", **attributes}
            now = now_ms()
            connection.execute(
                "INSERT INTO queues (name, attributes, tags, created_ms, modified_ms) VALUES (?, ?, ?, ?, ?)",
                (name, json.dumps(stored), json.dumps(request.get("tags") or {}), now, now),
            )
        return {"QueueUrl": self.url(name)}

    def get_queue_url(self, request: dict[str, Any]) -> dict[str, Any]:
        owner = request.get("QueueOwnerAWSAccountId")
        if owner and owner != self.account_id:
            raise SqsError("QueueDoesNotExist", "The specified queue does not exist.")
        with self.store.read() as connection:
            queue = self.queue(connection, str(request.get("QueueName") or ""))
        return {"QueueUrl": self.url(queue.name)}

    def list_queues(self, request: dict[str, Any]) -> dict[str, Any]:
        prefix = str(request.get("QueueNamePrefix") or "")
        limit = request.get("MaxResults")
        if limit is not None and not 1 <= int(limit) <= 1000:
            raise invalid_parameter("MaxResults", limit, "MaxResults must be an integer between 1 and 1000.")
        after = str(request.get("NextToken") or "")
        with self.store.read() as connection:
            rows = connection.execute(
                "SELECT name FROM queues WHERE name > ? AND substr(name, 1, ?) = ? ORDER BY name",
                (after, len(prefix), prefix),
            ).fetchall()
        names = [row["name"] for row in rows]
        answer: dict[str, Any] = {}
        if limit is not None and len(names) > int(limit):
            names = names[: int(limit)]
            answer["NextToken"] = names[-1]
        elif limit is None:
            names = names[:1000]
        if names:
            answer["QueueUrls"] = [self.url(name) for name in names]
        return answer

    def delete_queue(self, request: dict[str, Any]) -> dict[str, Any]:
        with self.store.write() as connection:
            queue = self.queue_of_url(connection, request)
            connection.execute("DELETE FROM messages WHERE queue = ?", (queue.name,))
            connection.execute("DELETE FROM queues WHERE name = ?", (queue.name,))
        self._deleted_at[queue.name] = time.monotonic()
        return {}

    def purge_queue(self, request: dict[str, Any]) -> dict[str, Any]:
        with self.store.write() as connection:
            queue = self.queue_of_url(connection, request)
            purged = self._purged_at.get(queue.name)
            if purged is not None and time.monotonic() - purged < PURGE_INTERVAL_SECONDS:
                raise SqsError(
                    "PurgeQueueInProgress",
                    f"Only one PurgeQueue operation on {queue.name} is allowed every 60 seconds.",
                )
            connection.execute("DELETE FROM messages WHERE queue = ?", (queue.name,))
            self._purged_at[queue.name] = time.monotonic()
        return {}

    def get_queue_attributes(self, request: dict[str, Any]) -> dict[str, Any]:
        names = list(request.get("AttributeNames") or [])
        known = set(_NUMERIC_ATTRIBUTES) | set(_TEXT_ATTRIBUTES) | set(_COMPUTED_ATTRIBUTES) | set(_FIFO_ATTRIBUTES)
        for name in names:
            if name != "All" and name not in known:
                raise SqsError("InvalidAttributeName", f"Unknown Attribute {name}.")
        with self.store.read() as connection:
            queue = self.queue_of_url(connection, request)
            values = self._all_attributes(connection, queue)
        if "All" not in names:
            values = {name: value for name, value in values.items() if name in names}
        return {"Attributes": values} if values else {}

    def _all_attributes(self, connection: sqlite3.Connection, queue: Queue) -> dict[str, str]:
        now = now_ms()
        visible, in_flight, delayed = connection.execute(
            "SELECT coalesce(sum(visible_ms <= ?), 0), coalesce(sum(visible_ms > ? AND receive_count > 0), 0),"
            " coalesce(sum(visible_ms > ? AND receive_count = 0), 0) FROM messages WHERE queue = ?",
            (now, now, now, queue.name),
        ).fetchone()
        values = {
            name: str(queue.number(name)) for name in _NUMERIC_ATTRIBUTES if name != "KmsDataKeyReusePeriodSeconds"
        }
        values.update({name: queue.attributes[name] for name in _TEXT_ATTRIBUTES if queue.attributes.get(name)})
        if "KmsMasterKeyId" in queue.attributes:
            values["KmsDataKeyReusePeriodSeconds"] = str(queue.number("KmsDataKeyReusePeriodSeconds"))
        values.update(
            ApproximateNumberOfMessages=str(visible),
            ApproximateNumberOfMessagesNotVisible=str(in_flight),
            ApproximateNumberOfMessagesDelayed=str(delayed),
            CreatedTimestamp=str(queue.created_ms // 1000),
            LastModifiedTimestamp=str(queue.modified_ms // 1000),
            QueueArn=self.arn(queue.name),
        )
        return values

    def set_queue_attributes(self, request: dict[str, Any]) -> dict[str, Any]:
        attributes = dict(request.get("Attributes") or {})
        if any(key in attributes for key in _FIFO_ATTRIBUTES):
            raise SqsError("InvalidAttributeName", "FIFO attributes apply to FIFO queues only.")
        with self.store.write() as connection:
            queue = self.queue_of_url(connection, request)
            self._validate_attributes(connection, attributes)
            merged = {**queue.attributes, **attributes}
            merged = {key: value for key, value in merged.items() if value != "" or key not in _TEXT_ATTRIBUTES}
            connection.execute(
                "UPDATE queues SET attributes = ?, modified_ms = ? WHERE name = ?",
                (json.dumps(merged), now_ms(), queue.name),
            )
        return {}

    def _validate_attributes(self, connection: sqlite3.Connection, attributes: dict[str, str]) -> None:
        for name, value in attributes.items():
            if name == "RedrivePolicy":
                self._validate_redrive_policy(connection, str(value))
            elif not _valid_attribute(name, str(value)):
                if name not in _NUMERIC_ATTRIBUTES and name not in _TEXT_ATTRIBUTES:
                    raise SqsError("InvalidAttributeName", f"Unknown Attribute {name}.")
                raise SqsError("InvalidAttributeValue", f"Invalid value for the parameter {name}.")

    def _validate_redrive_policy(self, connection: sqlite3.Connection, value: str) -> None:
        if not value:
            return
        try:
            document = json.loads(value)
            target, count = str(document["deadLetterTargetArn"]), int(document["maxReceiveCount"])
        except (ValueError, KeyError, TypeError):
            raise invalid_parameter(
                "RedrivePolicy", value, "Redrive policy is not a valid JSON map with deadLetterTargetArn and "
                "maxReceiveCount."
            ) from None  # fmt: skip
        if not 1 <= count <= 1000:
            raise invalid_parameter(
                "RedrivePolicy", value,
                f"Invalid value for maxReceiveCount: {count}, valid values are from 1 to 1000 both inclusive.",
            )  # fmt: skip
        if self.queue_of_arn(connection, target) is None:
            raise invalid_parameter("RedrivePolicy", value, "Dead letter target does not exist.")

    def list_dead_letter_source_queues(self, request: dict[str, Any]) -> dict[str, Any]:
        with self.store.read() as connection:
            target = self.queue_of_url(connection, request)
            rows = connection.execute("SELECT name, attributes FROM queues ORDER BY name").fetchall()
        sources = []
        for row in rows:
            policy = json.loads(row["attributes"]).get("RedrivePolicy")
            if policy and json.loads(policy).get("deadLetterTargetArn") == self.arn(target.name):
                sources.append(self.url(row["name"]))
        return {"queueUrls": sources}

    def tag_queue(self, request: dict[str, Any]) -> dict[str, Any]:
        with self.store.write() as connection:
            queue = self.queue_of_url(connection, request)
            row = connection.execute("SELECT tags FROM queues WHERE name = ?", (queue.name,)).fetchone()
            tags = {**json.loads(row["tags"]), **(request.get("Tags") or {})}
            if len(tags) > 50:
                raise invalid_parameter("Tags", len(tags), "Too many tags added for queue (at most 50).")
            connection.execute("UPDATE queues SET tags = ? WHERE name = ?", (json.dumps(tags), queue.name))
        return {}

    def untag_queue(self, request: dict[str, Any]) -> dict[str, Any]:
        with self.store.write() as connection:
            queue = self.queue_of_url(connection, request)
            row = connection.execute("SELECT tags FROM queues WHERE name = ?", (queue.name,)).fetchone()
            tags = {
                key: value for key, value in json.loads(row["tags"]).items() if key not in request.get("TagKeys", [])
            }
            connection.execute("UPDATE queues SET tags = ? WHERE name = ?", (json.dumps(tags), queue.name))
        return {}

    def list_queue_tags(self, request: dict[str, Any]) -> dict[str, Any]:
        with self.store.read() as connection:
            queue = self.queue_of_url(connection, request)
            row = connection.execute("SELECT tags FROM queues WHERE name = ?", (queue.name,)).fetchone()
        tags = json.loads(row["tags"])
        return {"Tags": tags} if tags else {}

    # ------------------------------------------------------------------ sending
    def send_message(self, request: dict[str, Any], sender_id: str) -> dict[str, Any]:
        with self.store.read() as connection:
            queue = self.queue_of_url(connection, request)
        message = validate_message(request, queue.number("MaximumMessageSize"))
        with self.store.write() as connection:
            queue = self.queue_of_url(connection, request)
            message_id = self.enqueue(connection, queue, message, sender_id)
        return _sent(message, message_id)

    def send_message_batch(self, request: dict[str, Any], sender_id: str) -> dict[str, Any]:
        entries = list(request.get("Entries") or [])
        check_batch_entries(entries, "SendMessageBatchRequestEntry")
        with self.store.read() as connection:
            queue = self.queue_of_url(connection, request)
        total = 0
        valid: list[tuple[str, OutgoingMessage]] = []
        failed: list[dict[str, Any]] = []
        for entry in entries:
            try:
                message = validate_message(entry, queue.number("MaximumMessageSize"))
            except SqsError as error:
                failed.append(_failure(entry["Id"], error))
                continue
            total += message.size
            valid.append((entry["Id"], message))
        if total > MAX_MESSAGE_BYTES:
            raise SqsError(
                "BatchRequestTooLong",
                f"Batch requested message too long: {total} bytes; at most {MAX_MESSAGE_BYTES} bytes in all.",
            )
        successful = []
        with self.store.write() as connection:
            queue = self.queue_of_url(connection, request)
            for entry_id, message in valid:
                successful.append(
                    {"Id": entry_id, **_sent(message, self.enqueue(connection, queue, message, sender_id))}
                )
        return {"Successful": successful, "Failed": failed}

    def enqueue(self, connection: sqlite3.Connection, queue: Queue, message: OutgoingMessage, sender_id: str) -> str:
        """Store `message` in `queue` within the caller's transaction; its message id."""
        message_id = str(uuid.uuid4())
        now = now_ms()
        delay = queue.number("DelaySeconds") if message.delay_seconds is None else message.delay_seconds
        connection.execute(
            "INSERT INTO messages (queue, id, body, attributes, system_attributes, sender_id, sent_ms, visible_ms)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                queue.name,
                message_id,
                message.body,
                json.dumps(message.attributes),
                json.dumps(message.system_attributes),
                sender_id,
                now,
                now + delay * 1000,
            ),
        )
        return message_id

    # ------------------------------------------------------------------ receiving
    def receive_message(self, request: dict[str, Any]) -> dict[str, Any]:
        limit = _bounded(
            request, "MaxNumberOfMessages", 1, (1, MAX_BATCH_ENTRIES), "Must be between 1 and 10, if provided."
        )
        with self.store.read() as connection:
            queue = self.queue_of_url(connection, request)
        wait = _bounded(
            request, "WaitTimeSeconds", queue.number("ReceiveMessageWaitTimeSeconds"), (0, MAX_WAIT_SECONDS),
            "Must be >= 0 and <= 20, if provided.",
        )  # fmt: skip
        visibility = _bounded(
            request, "VisibilityTimeout", queue.number("VisibilityTimeout"), (0, MAX_VISIBILITY_SECONDS),
            f"Must be >= 0 and <= {MAX_VISIBILITY_SECONDS}, if provided.",
        )  # fmt: skip
        system_names = set(request.get("MessageSystemAttributeNames") or []) | set(request.get("AttributeNames") or [])
        for name in system_names:
            if name != "All" and name not in _SYSTEM_ATTRIBUTES + _FIFO_SYSTEM_ATTRIBUTES:
                raise SqsError("InvalidAttributeName", f"Unknown Attribute {name}.")
        attribute_names = list(request.get("MessageAttributeNames") or [])
        deadline = time.monotonic() + wait
        with self.store.changed:
            while True:
                received = self._receive_now(queue.name, limit, visibility)
                remaining = deadline - time.monotonic()
                if received or remaining <= 0:
                    break
                next_visible = self._next_visible_ms(queue.name)
                if next_visible is not None:
                    remaining = min(remaining, max(0.001, (next_visible - now_ms()) / 1000))
                self.store.changed.wait(remaining)
        messages = [self._received(row, system_names, attribute_names) for row in received]
        return {"Messages": messages} if messages else {}

    def _next_visible_ms(self, queue_name: str) -> int | None:
        with self.store.read() as connection:
            row = connection.execute(
                "SELECT min(visible_ms) FROM messages WHERE queue = ? AND visible_ms > ?", (queue_name, now_ms())
            ).fetchone()
        return None if row[0] is None else int(row[0])

    def _receive_now(self, queue_name: str, limit: int, visibility: int) -> list[sqlite3.Row]:
        now = now_ms()
        with self.store.read() as connection:
            if (
                connection.execute(
                    "SELECT 1 FROM messages WHERE queue = ? AND visible_ms <= ? LIMIT 1", (queue_name, now)
                ).fetchone()
                is None
            ):
                return []
        received: list[sqlite3.Row] = []
        with self.store.write() as connection:
            queue = self.queue(connection, queue_name)
            retained_since = now - queue.number("MessageRetentionPeriod") * 1000
            redrive = queue.redrive
            dead_letters = (
                self.queue(connection, redrive[0]) if redrive and self._exists(connection, redrive[0]) else None
            )
            after = 0  # each message once per receive, even with a visibility timeout of 0
            while len(received) < limit:
                rows = connection.execute(
                    "SELECT * FROM messages WHERE queue = ? AND visible_ms <= ? AND seq > ? ORDER BY seq LIMIT ?",
                    (queue_name, now, after, limit - len(received)),
                ).fetchall()
                if not rows:
                    break
                after = rows[-1]["seq"]
                for row in rows:
                    if row["sent_ms"] < retained_since:
                        connection.execute("DELETE FROM messages WHERE seq = ?", (row["seq"],))
                    elif dead_letters is not None and redrive and row["receive_count"] >= redrive[1]:
                        self._move_to_dead_letters(connection, row, queue, dead_letters, now)
                    else:
                        receipt = secrets.token_urlsafe(12)
                        connection.execute(
                            "UPDATE messages SET receive_count = receive_count + 1, visible_ms = ?, received_ms = ?,"
                            " first_receive_ms = coalesce(first_receive_ms, ?), receipt = ? WHERE seq = ?",
                            (now + visibility * 1000, now, now, receipt, row["seq"]),
                        )
                        received.append(
                            connection.execute("SELECT * FROM messages WHERE seq = ?", (row["seq"],)).fetchone()
                        )
        return received

    @staticmethod
    def _exists(connection: sqlite3.Connection, name: str) -> bool:
        return connection.execute("SELECT 1 FROM queues WHERE name = ?", (name,)).fetchone() is not None

    def _move_to_dead_letters(
        self, connection: sqlite3.Connection, row: sqlite3.Row, source: Queue, target: Queue, now: int
    ) -> None:
        """What SQS does to a message received maxReceiveCount times: it moves, keeping its id, body, attributes
        and sent time, to the dead-letter queue, where it is a new message (not received yet) that says where it
        came from."""
        system_attributes = {**json.loads(row["system_attributes"]), "DeadLetterQueueSourceArn": self.arn(source.name)}
        connection.execute(
            "UPDATE messages SET queue = ?, visible_ms = ?, receive_count = 0, first_receive_ms = NULL,"
            " received_ms = NULL, receipt = NULL, system_attributes = ? WHERE seq = ?",
            (target.name, now, json.dumps(system_attributes), row["seq"]),
        )

    def _received(self, row: sqlite3.Row, system_names: set[str], attribute_names: list[str]) -> dict[str, Any]:
        message: dict[str, Any] = {
            "MessageId": row["id"],
            "ReceiptHandle": _receipt_handle(row["queue"], row["id"], row["receipt"]),
            "MD5OfBody": md5_of_body(row["body"]),
            "Body": row["body"],
        }
        system = {
            "SenderId": row["sender_id"],
            "SentTimestamp": str(row["sent_ms"]),
            "ApproximateReceiveCount": str(row["receive_count"]),
            "ApproximateFirstReceiveTimestamp": str(row["first_receive_ms"]),
            **json.loads(row["system_attributes"]),
        }
        chosen = {name: value for name, value in system.items() if "All" in system_names or name in system_names}
        if chosen:
            message["Attributes"] = chosen
        attributes = _selected_attributes(json.loads(row["attributes"]), attribute_names)
        if attributes:
            message["MD5OfMessageAttributes"] = md5_of_attributes(attributes)
            message["MessageAttributes"] = attributes
        return message

    # ------------------------------------------------------------------ deleting, visibility
    def delete_message(self, request: dict[str, Any]) -> dict[str, Any]:
        with self.store.write() as connection:
            queue = self.queue_of_url(connection, request)
            self._delete(connection, queue, request.get("ReceiptHandle"))
        return {}

    def delete_message_batch(self, request: dict[str, Any]) -> dict[str, Any]:
        entries = list(request.get("Entries") or [])
        check_batch_entries(entries, "DeleteMessageBatchRequestEntry")
        successful, failed = [], []
        with self.store.write() as connection:
            queue = self.queue_of_url(connection, request)
            for entry in entries:
                try:
                    self._delete(connection, queue, entry.get("ReceiptHandle"))
                    successful.append({"Id": entry["Id"]})
                except SqsError as error:
                    failed.append(_failure(entry["Id"], error))
        return {"Successful": successful, "Failed": failed}

    def _delete(self, connection: sqlite3.Connection, queue: Queue, handle: object) -> None:
        message_id, receipt = _parse_receipt_handle(queue.name, handle)
        # A stale handle (the message was received again since) deletes nothing and succeeds, as on AWS.
        connection.execute(
            "DELETE FROM messages WHERE queue = ? AND id = ? AND receipt = ?", (queue.name, message_id, receipt)
        )

    def change_message_visibility(self, request: dict[str, Any]) -> dict[str, Any]:
        with self.store.write() as connection:
            queue = self.queue_of_url(connection, request)
            self._change_visibility(connection, queue, request)
        return {}

    def change_message_visibility_batch(self, request: dict[str, Any]) -> dict[str, Any]:
        entries = list(request.get("Entries") or [])
        check_batch_entries(entries, "ChangeMessageVisibilityBatchRequestEntry")
        successful, failed = [], []
        with self.store.write() as connection:
            queue = self.queue_of_url(connection, request)
            for entry in entries:
                try:
                    self._change_visibility(connection, queue, entry)
                    successful.append({"Id": entry["Id"]})
                except SqsError as error:
                    failed.append(_failure(entry["Id"], error))
        return {"Successful": successful, "Failed": failed}

    def _change_visibility(self, connection: sqlite3.Connection, queue: Queue, request: dict[str, Any]) -> None:
        handle = request.get("ReceiptHandle")
        message_id, receipt = _parse_receipt_handle(queue.name, handle)
        timeout = request.get("VisibilityTimeout")
        if not isinstance(timeout, int) or not 0 <= timeout <= MAX_VISIBILITY_SECONDS:
            raise invalid_parameter("VisibilityTimeout", timeout, f"Must be >= 0 and <= {MAX_VISIBILITY_SECONDS}.")
        row = connection.execute(
            "SELECT seq, visible_ms, received_ms, receipt FROM messages WHERE queue = ? AND id = ?",
            (queue.name, message_id),
        ).fetchone()
        if row is None or row["receipt"] != receipt:
            raise invalid_parameter(
                "ReceiptHandle", handle, "Message does not exist or is not available for visibility timeout change."
            )
        now = now_ms()
        if row["visible_ms"] <= now:
            raise SqsError("MessageNotInflight", "The message referred to isn't in flight.")
        if now + timeout * 1000 - row["received_ms"] > MAX_VISIBILITY_SECONDS * 1000:
            raise invalid_parameter(
                "VisibilityTimeout",
                timeout,
                "Total VisibilityTimeout for the message is beyond the limit [43200 seconds]",
            )
        connection.execute("UPDATE messages SET visible_ms = ? WHERE seq = ?", (now + timeout * 1000, row["seq"]))


# ---------------------------------------------------------------------- validation
def check_batch_entries(entries: list[dict[str, Any]], entry_shape: str) -> None:
    """The checks of every batch operation: one to ten entries, with distinct well-formed ids."""
    if not entries:
        raise SqsError("EmptyBatchRequest", f"There should be at least one {entry_shape} in the request.")
    if len(entries) > MAX_BATCH_ENTRIES:
        raise SqsError(
            "TooManyEntriesInBatchRequest",
            f"Maximum number of entries per request are {MAX_BATCH_ENTRIES}. You have sent {len(entries)}.",
        )
    seen: set[str] = set()
    for entry in entries:
        entry_id = str(entry.get("Id", ""))
        if not _BATCH_ENTRY_ID.fullmatch(entry_id):
            raise SqsError(
                "InvalidBatchEntryId",
                "A batch entry id can only contain alphanumeric characters, hyphens and underscores. "
                "It can be at most 80 letters long.",
            )
        if entry_id in seen:
            raise SqsError("BatchEntryIdsNotDistinct", f"Id {entry_id} repeated.")
        seen.add(entry_id)


def validate_message(request: dict[str, Any], maximum_size: int = MAX_MESSAGE_BYTES) -> OutgoingMessage:
    """A SendMessage request's (or batch entry's) message, or the SqsError AWS answers it with."""
    body = request.get("MessageBody")
    if body is None or body == "":
        raise SqsError("MissingParameter", "The request must contain the parameter MessageBody.")
    body = str(body)
    if _INVALID_CHARACTER.search(body):
        raise SqsError(
            "InvalidMessageContents", f"Invalid characters found. Valid unicode characters are {VALID_CHARACTERS}"
        )
    delay = request.get("DelaySeconds")
    if delay is not None and not (isinstance(delay, int) and 0 <= delay <= MAX_DELAY_SECONDS):
        raise invalid_parameter("DelaySeconds", delay, f"DelaySeconds must be >= 0 and <= {MAX_DELAY_SECONDS}")
    attributes = dict(request.get("MessageAttributes") or {})
    size = len(body.encode()) + validate_message_attributes(attributes)
    if size > maximum_size:
        raise invalid_parameter(
            "MessageBody" if not attributes else "MessageAttributes", f"of {size} bytes",
            f"Message must be shorter than {maximum_size} bytes.",
        )  # fmt: skip
    system: dict[str, str] = {}
    trace = (request.get("MessageSystemAttributes") or {}).get("AWSTraceHeader")
    if trace is not None:
        system["AWSTraceHeader"] = str(trace.get("StringValue", ""))
    return OutgoingMessage(body, attributes, system, delay, size)


def validate_message_attributes(attributes: dict[str, Any]) -> int:
    """Check message attributes as SQS does; the bytes they count towards the message's size."""
    if len(attributes) > MAX_MESSAGE_ATTRIBUTES:
        raise invalid_parameter(
            "MessageAttributes", len(attributes),
            f"Number of message attributes [{len(attributes)}] exceeds the allowed maximum [{MAX_MESSAGE_ATTRIBUTES}].",
        )  # fmt: skip
    return sum(_validate_message_attribute(name, attribute) for name, attribute in attributes.items())


def _validate_message_attribute(name: str, attribute: dict[str, Any]) -> int:
    """Check one message attribute (keeping only its value's member); the bytes it counts."""
    if (
        not _ATTRIBUTE_NAME.fullmatch(name)
        or ".." in name
        or name.startswith(".")
        or name.endswith(".")
        or name.lower().startswith(("aws.", "amazon."))
    ):
        raise SqsError("InvalidParameterValue", f"Message attribute name '{name}' is invalid.")
    data_type = str(attribute.get("DataType") or "")
    base = data_type.split(".", 1)[0]
    if base not in ("String", "Number", "Binary") or len(data_type) > 256:
        raise SqsError(
            "InvalidParameterValue",
            f"The type of message (user) attribute '{name}' is invalid. You must use only the following "
            "supported type prefixes: Binary, Number, String.",
        )
    if attribute.pop("StringListValues", None) or attribute.pop("BinaryListValues", None):
        raise SqsError(
            "UnsupportedOperation", "Message attribute list values in SendMessage operation are not supported."
        )
    member = "BinaryValue" if base == "Binary" else "StringValue"
    value = attribute.get(member)
    attribute.pop("StringValue" if base == "Binary" else "BinaryValue", None)
    if value is None or value == "":
        raise SqsError(
            "InvalidParameterValue",
            f"Message (user) attribute '{name}' must contain a non-empty value of type '{base}'.",
        )
    if base == "Binary":
        try:
            return len(name.encode()) + len(data_type.encode()) + len(base64.b64decode(value, validate=True))
        except (binascii.Error, ValueError):
            raise SqsError("InvalidParameterValue", f"Message (user) attribute '{name}' is not valid base64.") from None
    if _INVALID_CHARACTER.search(str(value)):
        raise SqsError(
            "InvalidMessageContents", f"Invalid characters found. Valid unicode characters are {VALID_CHARACTERS}"
        )
    if base == "Number" and not _is_number(str(value)):
        raise SqsError("InvalidParameterValue", f"Can't cast message (user) attribute '{name}' to a number.")
    return len(name.encode()) + len(data_type.encode()) + len(str(value).encode())


def _valid_attribute(name: str, value: str) -> bool:
    """Whether a queue attribute other than RedrivePolicy has a value SQS accepts."""
    if name in _NUMERIC_ATTRIBUTES:
        _, low, high = _NUMERIC_ATTRIBUTES[name]
        return value.isdigit() and low <= int(value) <= high
    if name in ("Policy", "RedriveAllowPolicy") and value:
        try:
            json.loads(value)
        except ValueError:
            return False
        return True
    if name == "SqsManagedSseEnabled":
        return value.lower() in ("true", "false")
    return name in _TEXT_ATTRIBUTES


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return text.strip() == text and text.lower() not in ("nan", "inf", "-inf", "+inf", "infinity")


def _bounded(request: dict[str, Any], name: str, default: int, limits: tuple[int, int], reason: str) -> int:
    value = request.get(name)
    if value is None:
        return default
    if not isinstance(value, int) or not limits[0] <= value <= limits[1]:
        raise invalid_parameter(name, value, reason)
    return value


def _default(name: str) -> str:
    if name in _NUMERIC_ATTRIBUTES:
        return str(_NUMERIC_ATTRIBUTES[name][0])
    return "true" if name == "SqsManagedSseEnabled" else ""


def _sent(message: OutgoingMessage, message_id: str) -> dict[str, Any]:
    answer = {"MessageId": message_id, "MD5OfMessageBody": message.md5_of_body}
    if message.md5_of_attributes is not None:
        answer["MD5OfMessageAttributes"] = message.md5_of_attributes
    return answer


def _failure(entry_id: str, error: SqsError) -> dict[str, Any]:
    return {"Id": entry_id, "SenderFault": True, "Code": error.query_code, "Message": error.message}


def _receipt_handle(queue: str, message_id: str, receipt: str) -> str:
    return base64.urlsafe_b64encode(f"{queue}:{message_id}:{receipt}".encode()).decode()


def _parse_receipt_handle(queue: str, handle: object) -> tuple[str, str]:
    """The message id and receive token a handle names; ReceiptHandleIsInvalid unless it is one of `queue`'s."""
    try:
        name, message_id, receipt = base64.urlsafe_b64decode(str(handle)).decode().split(":", 2)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        name = message_id = receipt = ""
    if not handle or name != queue or not message_id or not receipt:
        raise SqsError("ReceiptHandleIsInvalid", f'The input receipt handle "{handle}" is not a valid receipt handle.')
    return message_id, receipt


def _selected_attributes(attributes: dict[str, dict[str, Any]], names: Iterable[str]) -> dict[str, dict[str, Any]]:
    """The message attributes a receive asked for: `All`, `.*`, a `prefix.*` or exact names."""
    wanted = list(names)
    if "All" in wanted or ".*" in wanted:
        return attributes
    prefixes = tuple(name[:-1] for name in wanted if name.endswith(".*"))
    return {
        name: value for name, value in attributes.items() if name in wanted or (prefixes and name.startswith(prefixes))
    }
