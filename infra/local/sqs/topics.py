"""SNS semantics on the store: standard topics that deliver to SQS queues.

Publish and PublishBatch deliver to every subscribed queue whose filter policy matches, in the same SQLite
transaction as nothing else: once Publish answers, each matching queue holds its copy (durable), and a
kill -9 before the answer leaves none of them. Filter policies are evaluated (and validated) by moto's
matcher, `moto.sns.utils.FilterPolicyMatcher`, rather than by a second implementation. With
RawMessageDelivery the queue gets the message as published, its attributes as SQS message attributes;
without it, the JSON envelope SNS wraps it in (Type, MessageId, TopicArn, Subject, Message, Timestamp,
SignatureVersion, Signature, SigningCertURL, UnsubscribeURL, MessageAttributes). The envelope's
Signature is not a real signature: nothing locally holds SNS's signing key.

Limits as AWS: a message (with its attributes) at most 256 KiB, PublishBatch one to ten entries with
distinct well-formed ids and 256 KiB in all, a Subject of at most 100 printable ASCII characters,
MessageStructure `json` with a `default` entry.
Not emulated: FIFO topics (refused), protocols other than `sqs` (refused), delivery retries and
subscription DLQs (a delivery to a queue that does not exist is dropped, which is what AWS ends with),
data protection, archiving and replay.
"""

from __future__ import annotations

import base64
import json
import re
import uuid
from datetime import UTC, datetime
from typing import Any, cast

from moto.sns.exceptions import SNSException
from moto.sns.models import SNSBackend
from moto.sns.utils import FilterPolicyMatcher

from infra.local.sqs.queues import MAX_MESSAGE_BYTES, OutgoingMessage, QueueService
from infra.local.sqs.store import Store

MAX_BATCH_ENTRIES = 10
_TOPIC_NAME = re.compile(r"[A-Za-z0-9_-]{1,256}")
_BATCH_ENTRY_ID = re.compile(r"[A-Za-z0-9_-]{1,80}")
_SUBSCRIPTION_ATTRIBUTES = (
    "DeliveryPolicy", "FilterPolicy", "FilterPolicyScope", "RawMessageDelivery", "RedrivePolicy",
    "SubscriptionRoleArn", "ReplayPolicy",
)  # fmt: skip
_TOPIC_ATTRIBUTES = (
    "DeliveryPolicy", "DisplayName", "Policy", "KmsMasterKeyId", "TracingConfig", "SignatureVersion",
    "ArchivePolicy", "DataProtectionPolicy",
)  # fmt: skip
_SUBJECT = re.compile(r"[\x20-\x7e]{1,100}")


class SnsError(Exception):
    """An error answer in the query protocol: HTTP status, code (the model's), message."""

    def __init__(self, code: str, message: str, *, status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


def invalid(message: str) -> SnsError:
    return SnsError("InvalidParameter", f"Invalid parameter: {message}")


class TopicService:
    """The SNS operations on topics of one account and region, delivering through `queues`."""

    def __init__(self, store: Store, queues: QueueService) -> None:
        self.store = store
        self.queues = queues
        self.region = queues.region
        self.account_id = queues.account_id

    # ------------------------------------------------------------------ topics
    def create_topic(self, params: dict[str, str]) -> dict[str, Any]:
        name = params.get("Name", "")
        attributes = entries(params, "Attributes.entry", "key", "value")
        if name.endswith(".fifo") or attributes.get("FifoTopic", "false").lower() == "true":
            raise invalid("FIFO topics are not emulated by the local SNS (nor used by Chirp)")
        if not _TOPIC_NAME.fullmatch(name):
            raise invalid("Topic Name")
        unknown = set(attributes) - set(_TOPIC_ATTRIBUTES) - {"FifoTopic"}
        if unknown:
            raise invalid(f"AttributeName: {sorted(unknown)[0]}")
        arn = f"arn:aws:sns:{self.region}:{self.account_id}:{name}"
        tags = {tag.get("Key", ""): tag.get("Value", "") for tag in members(params, "Tags.member")}
        with self.store.write() as connection:
            connection.execute(
                "INSERT OR IGNORE INTO topics (arn, name, attributes, tags) VALUES (?, ?, ?, ?)",
                (arn, name, json.dumps({k: v for k, v in attributes.items() if k != "FifoTopic"}), json.dumps(tags)),
            )
        return {"TopicArn": arn}

    def delete_topic(self, params: dict[str, str]) -> dict[str, Any]:
        arn = params.get("TopicArn", "")
        with self.store.write() as connection:
            connection.execute("DELETE FROM subscriptions WHERE topic_arn = ?", (arn,))
            connection.execute("DELETE FROM topics WHERE arn = ?", (arn,))
        return {}

    def list_topics(self, params: dict[str, str]) -> dict[str, Any]:
        with self.store.read() as connection:
            rows = connection.execute("SELECT arn FROM topics ORDER BY arn").fetchall()
        return {"Topics": [{"TopicArn": row["arn"]} for row in rows]}

    def _topic(self, arn: str) -> dict[str, Any]:
        with self.store.read() as connection:
            row = connection.execute("SELECT * FROM topics WHERE arn = ?", (arn,)).fetchone()
        if row is None:
            raise SnsError("NotFound", "Topic does not exist", status=404)
        return {"arn": row["arn"], "name": row["name"], "attributes": json.loads(row["attributes"])}

    def get_topic_attributes(self, params: dict[str, str]) -> dict[str, Any]:
        topic = self._topic(params.get("TopicArn", ""))
        with self.store.read() as connection:
            subscribed = connection.execute(
                "SELECT count(*) FROM subscriptions WHERE topic_arn = ?", (topic["arn"],)
            ).fetchone()[0]
        values = {
            "TopicArn": topic["arn"],
            "Owner": self.account_id,
            "DisplayName": "",
            "Policy": json.dumps(_default_topic_policy(topic["arn"], self.account_id)),
            "SubscriptionsConfirmed": str(subscribed),
            "SubscriptionsPending": "0",
            "SubscriptionsDeleted": "0",
            **topic["attributes"],
        }
        return {"Attributes": XmlMap(values)}

    def set_topic_attributes(self, params: dict[str, str]) -> dict[str, Any]:
        name, value = params.get("AttributeName", ""), params.get("AttributeValue", "")
        if name not in _TOPIC_ATTRIBUTES:
            raise invalid("AttributeName")
        topic = self._topic(params.get("TopicArn", ""))
        with self.store.write() as connection:
            connection.execute(
                "UPDATE topics SET attributes = ? WHERE arn = ?",
                (json.dumps({**topic["attributes"], name: value}), topic["arn"]),
            )
        return {}

    # ------------------------------------------------------------------ subscriptions
    def subscribe(self, params: dict[str, str]) -> dict[str, Any]:
        topic = self._topic(params.get("TopicArn", ""))
        protocol, endpoint = params.get("Protocol", ""), params.get("Endpoint", "")
        if protocol != "sqs":
            raise invalid(f"Protocol {protocol!r}: the local SNS delivers to SQS queues only")
        parts = endpoint.split(":")
        if len(parts) != 6 or parts[:3] != ["arn", "aws", "sqs"]:
            raise invalid("SQS endpoint ARN")
        attributes = entries(params, "Attributes.entry", "key", "value")
        for name, value in attributes.items():
            _validate_subscription_attribute(name, value, attributes)
        with self.store.write() as connection:
            row = connection.execute(
                "SELECT arn, attributes FROM subscriptions WHERE topic_arn = ? AND protocol = ? AND endpoint = ?",
                (topic["arn"], protocol, endpoint),
            ).fetchone()
            if row is not None:
                if attributes and attributes != {
                    k: v for k, v in json.loads(row["attributes"]).items() if k in attributes
                }:
                    raise invalid("Attributes Reason: Subscription already exists with different attributes")
                return {"SubscriptionArn": row["arn"]}
            arn = f"{topic['arn']}:{uuid.uuid4()}"
            connection.execute(
                "INSERT INTO subscriptions (arn, topic_arn, protocol, endpoint, attributes) VALUES (?, ?, ?, ?, ?)",
                (arn, topic["arn"], protocol, endpoint, json.dumps(attributes)),
            )
        return {"SubscriptionArn": arn}

    def unsubscribe(self, params: dict[str, str]) -> dict[str, Any]:
        with self.store.write() as connection:
            connection.execute("DELETE FROM subscriptions WHERE arn = ?", (params.get("SubscriptionArn", ""),))
        return {}

    def _subscription(self, arn: str) -> dict[str, Any]:
        with self.store.read() as connection:
            row = connection.execute("SELECT * FROM subscriptions WHERE arn = ?", (arn,)).fetchone()
        if row is None:
            raise SnsError("NotFound", "Subscription does not exist", status=404)
        return dict(row)

    def get_subscription_attributes(self, params: dict[str, str]) -> dict[str, Any]:
        row = self._subscription(params.get("SubscriptionArn", ""))
        attributes = json.loads(row["attributes"])
        values = {
            "SubscriptionArn": row["arn"],
            "TopicArn": row["topic_arn"],
            "Protocol": row["protocol"],
            "Endpoint": row["endpoint"],
            "Owner": self.account_id,
            "ConfirmationWasAuthenticated": "true",
            "PendingConfirmation": "false",
            "RawMessageDelivery": "false",
            **attributes,
        }
        if "FilterPolicy" in attributes:
            values.setdefault("FilterPolicyScope", "MessageAttributes")
        return {"Attributes": XmlMap(values)}

    def set_subscription_attributes(self, params: dict[str, str]) -> dict[str, Any]:
        name, value = params.get("AttributeName", ""), params.get("AttributeValue", "")
        row = self._subscription(params.get("SubscriptionArn", ""))
        attributes = json.loads(row["attributes"])
        _validate_subscription_attribute(name, value, attributes)
        if value == "" and name in ("FilterPolicy", "RedrivePolicy", "DeliveryPolicy"):
            attributes.pop(name, None)
        else:
            attributes[name] = value
        with self.store.write() as connection:
            connection.execute(
                "UPDATE subscriptions SET attributes = ? WHERE arn = ?", (json.dumps(attributes), row["arn"])
            )
        return {}

    def list_subscriptions_by_topic(self, params: dict[str, str]) -> dict[str, Any]:
        topic = self._topic(params.get("TopicArn", ""))
        return self._list_subscriptions("WHERE topic_arn = ?", (topic["arn"],))

    def list_subscriptions(self, params: dict[str, str]) -> dict[str, Any]:
        return self._list_subscriptions("", ())

    def _list_subscriptions(self, where: str, arguments: tuple[str, ...]) -> dict[str, Any]:
        with self.store.read() as connection:
            query = f"SELECT * FROM subscriptions {where} ORDER BY arn"  # `where`: one of two fixed clauses
            rows = connection.execute(query, arguments).fetchall()
        return {
            "Subscriptions": [
                {
                    "SubscriptionArn": row["arn"],
                    "Owner": self.account_id,
                    "Protocol": row["protocol"],
                    "Endpoint": row["endpoint"],
                    "TopicArn": row["topic_arn"],
                }
                for row in rows
            ]
        }

    # ------------------------------------------------------------------ publishing
    def publish(self, params: dict[str, str]) -> dict[str, Any]:
        topic = self._topic(params.get("TopicArn") or params.get("TargetArn") or "")
        message = _validated_publication(params, "")
        with self.store.write() as connection:
            message_id = self._deliver(connection, topic["arn"], message)
        return {"MessageId": message_id}

    def publish_batch(self, params: dict[str, str]) -> dict[str, Any]:
        topic = self._topic(params.get("TopicArn", ""))
        batch = members(params, "PublishBatchRequestEntries.member")
        if not batch:
            raise SnsError("EmptyBatchRequest", "The batch request doesn't contain any entries")
        if len(batch) > MAX_BATCH_ENTRIES:
            raise SnsError("TooManyEntriesInBatchRequest", "The batch request contains more entries than permissible")
        ids = [entry.get("Id", "") for entry in batch]
        if not all(_BATCH_ENTRY_ID.fullmatch(entry_id) for entry_id in ids):
            raise SnsError(
                "InvalidBatchEntryId", "The Id of a batch entry in a batch request doesn't abide by the specification"
            )
        if len(set(ids)) != len(ids):
            raise SnsError("BatchEntryIdsNotDistinct", "Two or more batch entries in the request have the same Id")
        validated: list[tuple[str, Publication]] = []
        failed: list[dict[str, Any]] = []
        for index, entry_id in enumerate(ids, start=1):
            try:
                validated.append(
                    (entry_id, _validated_publication(params, f"PublishBatchRequestEntries.member.{index}."))
                )
            except SnsError as error:
                failed.append({"Id": entry_id, "Code": error.code, "Message": error.message, "SenderFault": "true"})
        if sum(publication.size for _, publication in validated) > MAX_MESSAGE_BYTES:
            raise SnsError("BatchRequestTooLong", "The length of all the messages put together is more than the limit")
        successful = []
        with self.store.write() as connection:  # the whole batch in one transaction
            for entry_id, publication in validated:
                successful.append({"Id": entry_id, "MessageId": self._deliver(connection, topic["arn"], publication)})
        return {"Successful": successful, "Failed": failed}

    def _deliver(self, connection: Any, topic_arn: str, publication: Publication) -> str:
        """Enqueue `publication` on every matching SQS subscription, in the caller's transaction; its id."""
        message_id = str(uuid.uuid4())
        rows = connection.execute(
            "SELECT arn, endpoint, attributes FROM subscriptions WHERE topic_arn = ? AND protocol = 'sqs'", (topic_arn,)
        ).fetchall()
        for row in rows:
            attributes = json.loads(row["attributes"])
            if not _matches(attributes, publication):
                continue
            queue = self.queues.queue_of_arn(connection, row["endpoint"])
            if queue is None:
                continue  # SNS cannot deliver: the message is lost for this subscription, as on AWS
            body = publication.message_for("sqs")
            if attributes.get("RawMessageDelivery", "false").lower() == "true":
                outgoing = OutgoingMessage(body, publication.sqs_attributes(), {}, None, 0)
            else:
                envelope = self._envelope(topic_arn, row["arn"], message_id, body, publication)
                outgoing = OutgoingMessage(envelope, {}, {}, None, 0)
            self.queues.enqueue(connection, queue, outgoing, sender_id=SNS_SENDER_ID)
        return message_id

    def _envelope(
        self, topic_arn: str, subscription_arn: str, message_id: str, body: str, publication: Publication
    ) -> str:
        endpoint = f"https://sns.{self.region}.amazonaws.com"
        document: dict[str, Any] = {"Type": "Notification", "MessageId": message_id, "TopicArn": topic_arn}
        if publication.subject is not None:
            document["Subject"] = publication.subject
        document.update(
            Message=body,
            Timestamp=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
            SignatureVersion="1",
            Signature=base64.b64encode(b"local SNS: not signed").decode(),
            SigningCertURL=f"{endpoint}/SimpleNotificationService-local.pem",
            UnsubscribeURL=f"{endpoint}/?Action=Unsubscribe&SubscriptionArn={subscription_arn}",
        )
        if publication.attributes:
            document["MessageAttributes"] = {
                name: {"Type": value["DataType"], "Value": value.get("StringValue", value.get("BinaryValue"))}
                for name, value in publication.attributes.items()
            }
        return json.dumps(document, indent=2, separators=(",", " : "))  # as SNS lays it out


SNS_SENDER_ID = "AIDAIT2UOQQY3AUEKVGXU"  # the SenderId SQS shows on messages SNS delivered


class Publication:
    """A validated Publish (or batch entry): message, subject, structure and attributes."""

    def __init__(self, message: str, subject: str | None, structure: str | None, attributes: dict[str, dict[str, str]]):
        self.message = message
        self.subject = subject
        self.structure = structure
        self.attributes = attributes
        self.size = len(message.encode()) + sum(
            len(name.encode())
            + len(value["DataType"].encode())
            + len(value.get("StringValue", value.get("BinaryValue", "")).encode())
            for name, value in attributes.items()
        )

    def message_for(self, protocol: str) -> str:
        if self.structure != "json":
            return self.message
        document = json.loads(self.message)
        return str(document.get(protocol, document["default"]))

    def sqs_attributes(self) -> dict[str, dict[str, Any]]:
        return {
            name: {
                "DataType": value["DataType"],
                **(
                    {"BinaryValue": value["BinaryValue"]}
                    if "BinaryValue" in value
                    else {"StringValue": value["StringValue"]}
                ),
            }
            for name, value in self.attributes.items()
        }

    def matcher_attributes(self) -> dict[str, dict[str, str]]:
        return {
            name: {"Type": value["DataType"], "Value": value.get("StringValue", value.get("BinaryValue", ""))}
            for name, value in self.attributes.items()
        }


def _validated_publication(params: dict[str, str], prefix: str) -> Publication:
    message = params.get(f"{prefix}Message")
    if not message:
        raise invalid("Empty message")
    subject = params.get(f"{prefix}Subject")
    if subject is not None and not _SUBJECT.fullmatch(subject):
        raise invalid("Subject")
    structure = params.get(f"{prefix}MessageStructure")
    if structure is not None:
        if structure != "json":
            raise invalid("MessageStructure")
        try:
            document = json.loads(message)
        except ValueError:
            raise invalid("Message Structure - JSON message body failed to parse") from None
        if not isinstance(document, dict) or "default" not in document:
            raise invalid("Message Structure - No default entry in JSON message body")
    attributes: dict[str, dict[str, str]] = {}
    for entry in members(params, f"{prefix}MessageAttributes.entry"):
        name, attribute = _publication_attribute(entry)
        attributes[name] = attribute
    publication = Publication(message, subject, structure, attributes)
    if publication.size > MAX_MESSAGE_BYTES:
        raise invalid("Message too long")
    return publication


def _publication_attribute(entry: dict[str, str]) -> tuple[str, dict[str, str]]:
    """A message attribute's name and value (`DataType` and its value's member), as SNS checks them."""
    name = entry.get("Name", "")
    value = {key.removeprefix("Value."): text for key, text in entry.items() if key.startswith("Value.")}
    data_type = value.get("DataType", "")
    if data_type.split(".", 1)[0] not in ("String", "Number", "Binary"):
        raise SnsError(
            "ParameterValueInvalid",
            f"The message attribute '{name}' has an invalid message attribute type, the set of supported type "
            "prefixes is Binary, Number, and String.",
        )
    member = "BinaryValue" if data_type.startswith("Binary") else "StringValue"
    text = value.get(member)
    if not text:
        raise SnsError(
            "ParameterValueInvalid",
            f"The message attribute '{name}' must contain non-empty message attribute value for message attribute "
            f"type '{data_type}'.",
        )
    if data_type.startswith("Number") and not _is_number(text):
        raise SnsError(
            "ParameterValueInvalid",
            f"An error occurred while trying to parse the value of the message attribute '{name}' of type 'Number'.",
        )
    if data_type == "String.Array" and not _is_json_array(text):
        raise SnsError(
            "ParameterValueInvalid", f"The message attribute '{name}' with type 'String.Array' has to be a valid array."
        )
    return name, {"DataType": data_type, member: text}


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _is_json_array(text: str) -> bool:
    try:
        return isinstance(json.loads(text), list)
    except ValueError:
        return False


def _matches(subscription_attributes: dict[str, str], publication: Publication) -> bool:
    policy = subscription_attributes.get("FilterPolicy")
    if not policy:
        return True
    matcher = FilterPolicyMatcher(json.loads(policy), subscription_attributes.get("FilterPolicyScope"))
    return bool(matcher.matches(publication.matcher_attributes(), publication.message))


def _validate_subscription_attribute(name: str, value: str, attributes: dict[str, str]) -> None:
    if name not in _SUBSCRIPTION_ATTRIBUTES:
        raise invalid("AttributeName")
    if name == "RawMessageDelivery" and value.lower() not in ("true", "false"):
        raise invalid(f"Attributes Reason: RawMessageDelivery: Invalid value [{value}]. Must be true or false.")
    if name == "FilterPolicyScope" and value not in ("MessageAttributes", "MessageBody"):
        raise invalid(
            f"Attributes Reason: FilterPolicyScope: Invalid value [{value}]. "
            "Please use either MessageBody or MessageAttributes"
        )
    if name == "FilterPolicy" and value:
        try:
            policy = json.loads(value)
        except ValueError:
            raise invalid("FilterPolicy: failed to parse JSON.") from None
        try:  # moto's validation of filter policies (the method uses nothing of its backend)
            SNSBackend._validate_filter_policy(
                cast(SNSBackend, None), policy, scope=attributes.get("FilterPolicyScope")
            )
        except SNSException as error:
            raise SnsError("InvalidParameter", str(error.message)) from None


def _default_topic_policy(topic_arn: str, account_id: str) -> dict[str, Any]:
    return {
        "Version": "2008-10-17",
        "Id": "__default_policy_ID",
        "Statement": [
            {
                "Sid": "__default_statement_ID",
                "Effect": "Allow",
                "Principal": {"AWS": "*"},
                "Action": [
                    "SNS:GetTopicAttributes",
                    "SNS:SetTopicAttributes",
                    "SNS:AddPermission",
                    "SNS:RemovePermission",
                    "SNS:DeleteTopic",
                    "SNS:Subscribe",
                    "SNS:ListSubscriptionsByTopic",
                    "SNS:Publish",
                ],
                "Resource": topic_arn,
                "Condition": {"StringEquals": {"AWS:SourceOwner": account_id}},
            }
        ],
    }


# ---------------------------------------------------------------------- the query protocol's structures
class XmlMap(dict[str, str]):
    """A map the query protocol serializes as `<entry><key>..</key><value>..</value></entry>`."""


def members(params: dict[str, str], prefix: str) -> list[dict[str, str]]:
    """`Prefix.1.Key=...&Prefix.1.Other=...&Prefix.2.Key=...` as a list of dicts (by position)."""
    found: dict[int, dict[str, str]] = {}
    head = prefix + "."
    for key, value in params.items():
        if not key.startswith(head):
            continue
        position, _, rest = key[len(head) :].partition(".")
        if position.isdigit() and rest:
            found.setdefault(int(position), {})[rest] = value
    return [found[position] for position in sorted(found)]


def entries(params: dict[str, str], prefix: str, key_name: str, value_name: str) -> dict[str, str]:
    return {entry.get(key_name, ""): entry.get(value_name, "") for entry in members(params, prefix)}
