"""S3 event notifications to SQS, in AWS's exact shape, sent by the local S3 front.

SeaweedFS has no bucket notifications, so the front sends them itself after each object creation (POST,
PUT, CopyObject, CompleteMultipartUpload) and deletion (DeleteObject, DeleteObjects) it relays, to the
queues the bucket's NotificationConfiguration names: one message per matching configuration, its body
`{"Records": [record]}` with eventVersion 2.1 and the object key URL-encoded as S3 does (`red flower.jpg`
becomes `red+flower.jpg`, `/` stays). What AWS checks when the configuration is put is checked here too:
the queue's policy must let `s3.amazonaws.com` send to it for this bucket (AWS refuses the configuration:
"Unable to validate the following destination configurations"), and a FIFO queue cannot be a destination.
AWS then sends each destination an `s3:TestEvent`; so does the front, when the configuration differs from
the one last put (a restart with an unchanged template puts nothing new, as a no-op deployment would not).
Messages leave from one background thread, in order, after the client has its answer.
"""

from __future__ import annotations

import base64
import fnmatch
import json
import queue
import sys
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote_plus

from botocore.exceptions import BotoCoreError, ClientError
from moto.iam.access_control import IAMPolicy, PermissionResult

from infra.local.template import TemplateError

S3_PRINCIPAL = "s3.amazonaws.com"
_EXACT = ("ArnEquals", "StringEquals")
_PATTERN = ("ArnLike", "StringLike")


@dataclass(frozen=True)
class QueueNotification:
    """One QueueConfiguration of a bucket: its id, queue, event patterns and key filter."""

    configuration_id: str
    queue_arn: str
    events: tuple[str, ...]
    prefix: str = ""
    suffix: str = ""

    def matches(self, event_name: str, key: str) -> bool:
        """Whether an event (`ObjectCreated:Put`) on `key` is one this configuration sends."""
        if not (key.startswith(self.prefix) and key.endswith(self.suffix)):
            return False
        return any(_event_matches(pattern, event_name) for pattern in self.events)


def _event_matches(pattern: str, event_name: str) -> bool:
    pattern = pattern.removeprefix("s3:")
    if pattern.endswith(":*"):
        return event_name.startswith(pattern[:-1])
    return pattern == event_name


def queue_notifications(bucket: str, configuration: Mapping[str, Any]) -> tuple[QueueNotification, ...]:
    """The QueueConfigurations of a PutBucketNotificationConfiguration document.

    A configuration without an `Id` (CloudFormation gives none) gets one in S3's style (base64 of a UUID),
    stable for the bucket and the configuration's place in the list."""
    notifications = []
    for index, entry in enumerate(configuration.get("QueueConfigurations") or []):
        rules = ((entry.get("Filter") or {}).get("Key") or {}).get("FilterRules") or []
        by_name = {str(rule["Name"]).lower(): str(rule["Value"]) for rule in rules}
        configuration_id = entry.get("Id") or base64.b64encode(
            str(uuid.uuid5(uuid.NAMESPACE_URL, f"s3://{bucket}/notification/{index}")).encode()
        ).decode("ascii")
        notifications.append(
            QueueNotification(
                configuration_id=str(configuration_id),
                queue_arn=str(entry["QueueArn"]),
                events=tuple(str(event) for event in entry.get("Events") or ()),
                prefix=by_name.get("prefix", ""),
                suffix=by_name.get("suffix", ""),
            )
        )
    return tuple(notifications)


# ---------------------------------------------------------------------- the records
_sequencer_lock = threading.Lock()
_last_sequence = 0


def next_sequencer() -> str:
    """S3's `sequencer`: a hex string that grows with each event (and across restarts: it starts from the clock)."""
    global _last_sequence  # noqa: PLW0603 - one sequence for the process, as one S3 has one
    with _sequencer_lock:
        _last_sequence = max(_last_sequence + 1, time.time_ns())
        return f"{_last_sequence:018X}"


@dataclass(frozen=True)
class ObjectEvent:
    """Something that happened to an object, as the front saw it relayed."""

    bucket: str
    event_name: str  # ObjectCreated:Put | :Post | :Copy | :CompleteMultipartUpload | ObjectRemoved:Delete
    key: str
    size: int | None = None  # created objects: None when the answer did not tell (looked up before sending)
    etag: str | None = None
    principal_id: str = "ANONYMOUS"
    source_ip: str = "127.0.0.1"
    request_id: str = ""
    host_id: str = ""
    time: datetime = field(default_factory=lambda: datetime.now(UTC))
    sequencer: str = field(default_factory=next_sequencer)

    @property
    def created(self) -> bool:
        return self.event_name.startswith("ObjectCreated:")


def owner_id(account_id: str) -> str:
    """A stable stand-in for the bucket owner's canonical principal id (`A3NL1KOZZKExample` in AWS's docs)."""
    return "A" + base64.b32encode(account_id.encode()).decode("ascii").rstrip("=")[:13]


def iso_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def event_record(event: ObjectEvent, notification: QueueNotification, region: str, owner: str) -> dict[str, Any]:
    """One entry of `Records`, as S3 sends it (eventVersion 2.1)."""
    s3_object: dict[str, Any] = {"key": quote_plus(event.key, safe="/")}
    if event.created:
        s3_object["size"] = event.size or 0
        s3_object["eTag"] = (event.etag or "").strip('"')
    s3_object["sequencer"] = event.sequencer
    return {
        "eventVersion": "2.1",
        "eventSource": "aws:s3",
        "awsRegion": region,
        "eventTime": iso_time(event.time),
        "eventName": event.event_name,
        "userIdentity": {"principalId": event.principal_id},
        "requestParameters": {"sourceIPAddress": event.source_ip},
        "responseElements": {"x-amz-request-id": event.request_id, "x-amz-id-2": event.host_id},
        "s3": {
            "s3SchemaVersion": "1.0",
            "configurationId": notification.configuration_id,
            "bucket": {
                "name": event.bucket,
                "ownerIdentity": {"principalId": owner},
                "arn": f"arn:aws:s3:::{event.bucket}",
            },
            "object": s3_object,
        },
    }


def s3_test_event(bucket: str, request_id: str, host_id: str) -> dict[str, str]:
    """The message S3 sends each destination when a notification configuration is put."""
    return {
        "Service": "Amazon S3",
        "Event": "s3:TestEvent",
        "Time": iso_time(datetime.now(UTC)),
        "Bucket": bucket,
        "RequestId": request_id,
        "HostId": host_id,
    }


# ---------------------------------------------------------------------- checked on PutBucketNotificationConfiguration
def check_destinations(sqs: Any, bucket: str, account_id: str, notifications: tuple[QueueNotification, ...]) -> None:
    """Raise TemplateError for the first destination AWS would refuse to put the configuration with."""
    for notification in notifications:
        arn = notification.queue_arn
        if arn.endswith(".fifo"):
            raise TemplateError(f"bucket {bucket}: {arn} is a FIFO queue, which S3 cannot send notifications to")
        attributes = sqs.get_queue_attributes(QueueUrl=queue_url(sqs, arn), AttributeNames=["Policy"])
        policy = json.loads(attributes.get("Attributes", {}).get("Policy") or '{"Statement": []}')
        if not allows_bucket(policy, arn, f"arn:aws:s3:::{bucket}", account_id):
            raise TemplateError(
                f"bucket {bucket}: the policy of queue {arn} does not let S3 send it the bucket's notifications, "
                'so AWS would refuse the NotificationConfiguration ("Unable to validate the following destination '
                'configurations"). Add an AWS::SQS::QueuePolicy allowing sqs:SendMessage to principal '
                f"{{Service: {S3_PRINCIPAL}}} on the queue, with Condition ArnLike aws:SourceArn: the bucket's ARN, "
                "and make the bucket DependsOn it"
            )


def allows_bucket(policy: dict[str, Any], queue_arn: str, bucket_arn: str, account_id: str) -> bool:
    """Whether the queue policy lets S3 send the bucket's notifications (an explicit deny wins)."""
    statements = policy.get("Statement") or []
    statements = statements if isinstance(statements, list) else [statements]
    allowed = False
    for statement in statements:
        if not _names_s3(statement.get("Principal")):
            continue
        if not _conditions_hold(statement.get("Condition"), bucket_arn, account_id):
            continue
        kept = {key: value for key, value in statement.items() if key not in ("Principal", "Condition", "Sid")}
        document = {"Version": "2012-10-17", "Statement": [kept]}
        result = IAMPolicy(json.dumps(document)).is_action_permitted("sqs:SendMessage", queue_arn)
        if result is PermissionResult.DENIED:
            return False
        allowed = allowed or result is PermissionResult.PERMITTED
    return allowed


def _names_s3(principal: Any) -> bool:
    if principal == "*":
        return True
    if not isinstance(principal, dict):
        return False
    services = principal.get("Service")
    return principal.get("AWS") == "*" or S3_PRINCIPAL in ([services] if isinstance(services, str) else services or [])


def _conditions_hold(condition: Any, bucket_arn: str, account_id: str) -> bool:
    """The statement's conditions on aws:SourceArn and aws:SourceAccount hold for S3 sending for the bucket.
    A condition on anything else is not one S3's delivery can be said to meet: it does not count."""
    known = {"aws:sourcearn": bucket_arn, "aws:sourceaccount": account_id}
    for operator, tests in (condition or {}).items():
        for key, expected in tests.items():
            actual = known.get(key.lower())
            values = [expected] if isinstance(expected, str) else [str(value) for value in expected]
            if actual is None or operator not in _EXACT + _PATTERN:
                return False
            if operator in _EXACT and actual not in values:
                return False
            if operator in _PATTERN and not any(fnmatch.fnmatchcase(actual, value) for value in values):
                return False
    return True


def queue_url(sqs: Any, queue_arn: str) -> str:
    _arn, _partition, _service, _region, account, name = queue_arn.split(":", 5)
    return str(sqs.get_queue_url(QueueName=name, QueueOwnerAWSAccountId=account)["QueueUrl"])


# ---------------------------------------------------------------------- delivery
ObjectDescriber = Callable[[str, str], tuple[int, str] | None]
"""(bucket, key) -> the object's (size, ETag), None when it is gone: fills in what an answer did not tell."""


@dataclass
class _Destinations:
    notifications: tuple[QueueNotification, ...]
    sqs: Any
    owner: str


class NotificationDispatcher:
    """Sends the records of the events `publish` is given, one background thread, in order."""

    def __init__(self, region: str, describe: ObjectDescriber) -> None:
        self.region = region
        self._describe = describe
        self._buckets: dict[str, _Destinations] = {}
        self._urls: dict[str, str] = {}
        self._queue: queue.Queue[ObjectEvent | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="s3-notifications", daemon=True)
        self._thread.start()

    def configure(self, bucket: str, notifications: tuple[QueueNotification, ...], sqs: Any, account_id: str) -> None:
        self._buckets[bucket] = _Destinations(notifications, sqs, owner_id(account_id))

    def sends_for(self, bucket: str) -> bool:
        destinations = self._buckets.get(bucket)
        return destinations is not None and bool(destinations.notifications)

    def complete(self, event: ObjectEvent) -> ObjectEvent | None:
        """A created object's event with its size and ETag (looked up when missing); None when it is gone."""
        if not event.created or (event.size is not None and event.etag is not None):
            return event
        described = self._describe(event.bucket, event.key)
        return None if described is None else _with_object(event, *described)

    def publish(self, event: ObjectEvent) -> None:
        if self.sends_for(event.bucket):
            self._queue.put(event)

    def send_test_events(self, bucket: str, request_id: str, host_id: str) -> None:
        destinations = self._buckets[bucket]
        body = json.dumps(s3_test_event(bucket, request_id, host_id))
        for arn in dict.fromkeys(notification.queue_arn for notification in destinations.notifications):
            destinations.sqs.send_message(QueueUrl=self._url(destinations.sqs, arn), MessageBody=body)

    def wait_until_sent(self) -> None:
        """Block until every published event has been sent (tests)."""
        self._queue.join()

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join(timeout=10)

    def _run(self) -> None:
        while (event := self._queue.get()) is not None:
            try:
                self._deliver(event)
            except (BotoCoreError, ClientError, OSError) as error:  # S3 drops what it cannot deliver, too
                print(f"[chirp-local] S3 notification {event.event_name} {event.key}: {error}", file=sys.stderr)
            finally:
                self._queue.task_done()
        self._queue.task_done()

    def _deliver(self, event: ObjectEvent) -> None:
        destinations = self._buckets[event.bucket]
        matching = [item for item in destinations.notifications if item.matches(event.event_name, event.key)]
        if not matching:
            return
        completed = self.complete(event)
        if completed is None:
            return  # gone before its creation could be told: nothing to say about it
        for notification in matching:
            record = event_record(completed, notification, self.region, destinations.owner)
            url = self._url(destinations.sqs, notification.queue_arn)
            destinations.sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"Records": [record]}))

    def _url(self, sqs: Any, arn: str) -> str:
        if arn not in self._urls:
            self._urls[arn] = queue_url(sqs, arn)
        return self._urls[arn]


def _with_object(event: ObjectEvent, size: int, etag: str) -> ObjectEvent:
    return replace(event, size=event.size if event.size is not None else size, etag=event.etag or etag)
