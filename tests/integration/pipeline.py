"""The functions behind the API on moto, through the real pipeline: a driver that plays Lambda's event
source mappings step by step, and the helpers the pipeline tests read timelines with.

Stream records are read from moto's DynamoDB Streams and queue messages received from moto's SQS, in
Lambda's event format, passed through each mapping's FilterCriteria and handed to the function's
`handler` under its IAM policies (`act_as`), in the mapping's batch sizes, until nothing is left to
deliver. Which functions run is the test's choice (`start_pipeline(functions=...)`): the timeline
fan-out and writer by default; with the event publisher, the bus (the template's SNS topic, whose
subscriptions moto delivers to their queues) and its consumers, and the engagement counter. The
queues, topic, environment and event sources all come from `template.yaml`; the fixtures are in
`conftest.py`.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

import boto3
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError
from chirp.adapters.dynamodb.models import ACTIVITY_ENTRY_ID
from chirp.wiring.api import dependencies

from infra.local.aws import AwsClients
from infra.local.event_filter import record_passes, sqs_filterable
from infra.local.functions import FunctionSpec
from infra.local.pollers import MappingSettings, queue_url_of_arn, sqs_mapping_settings, stream_mapping_settings
from infra.local.records import sqs_record_event, stream_record_event
from tests.integration.api_client import Account, Api

FANOUT_FUNCTION = "TimelineFanoutFunction"
WRITER_FUNCTION = "TimelineWriterFunction"
PUBLISHER_FUNCTION = "EventPublisherFunction"
CLEANUP_FUNCTION = "EngagementCleanupFunction"
COUNTER_FUNCTION = "EngagementCounterFunction"
TIMELINE_FUNCTIONS = (FANOUT_FUNCTION, WRITER_FUNCTION)
MAX_ROUNDS = 20

Record = dict[str, Any]
Entry = dict[str, Any]


@dataclass(frozen=True)
class LambdaContext:
    """The attributes of Lambda's context object the handlers' Powertools decorators read."""

    function_name: str
    invoked_function_arn: str
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 1024
    aws_request_id: str = "0d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6"
    log_group_name: str = "/aws/lambda/test"
    log_stream_name: str = "2026/11/21/[$LATEST]0123456789abcdef"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


def handler_module(spec: FunctionSpec) -> ModuleType:
    """The function's handler module, imported once per process by file path under a unique name
    (every function's module is called `app`)."""
    name = f"chirp_function_{spec.logical_id}"
    if name not in sys.modules:
        import_spec = importlib.util.spec_from_file_location(name, spec.handler_file)
        assert import_spec is not None and import_spec.loader is not None
        module = importlib.util.module_from_spec(import_spec)
        sys.modules[name] = module
        import_spec.loader.exec_module(module)
    return sys.modules[name]


def failures(response: Mapping[str, Any] | None) -> list[str]:
    return [str(item["itemIdentifier"]) for item in (response or {}).get("batchItemFailures", [])]


def item_identifier(record: Record) -> str:
    """What a partial batch response names a record by: a message's id, a stream record's sequence number."""
    return str(record["messageId"]) if "messageId" in record else str(record["dynamodb"]["SequenceNumber"])


@dataclass
class Pipeline:
    """Plays Lambda's event source mappings for `functions` (logical id -> spec), step by step; each
    round delivers every function's streams, then its queue, in the order given."""

    functions: dict[str, FunctionSpec]
    clients: AwsClients
    streams_client: Any
    # Runs a function's invocation under its IAM policies (tests/iam_guard.py), as its sandbox would.
    act_as: Callable[..., AbstractContextManager[object]]
    positions: dict[tuple[str, str], str] = field(default_factory=dict)  # (mapping, shard) -> last sequence read
    delivered: dict[str, list[Record]] = field(default_factory=dict)  # function -> every record handed to it

    @property
    def fanout(self) -> FunctionSpec:
        return self.functions[FANOUT_FUNCTION]

    @property
    def writer(self) -> FunctionSpec:
        return self.functions[WRITER_FUNCTION]

    def stream_mappings(self, function_id: str) -> list[MappingSettings]:
        return [
            stream_mapping_settings(function_id, event.name, event.properties)
            for event in self.functions[function_id].events_of_type("DynamoDB")
        ]

    def queue_mapping(self, function_id: str) -> MappingSettings | None:
        events = self.functions[function_id].events_of_type("SQS")
        return sqs_mapping_settings(function_id, events[0].name, events[0].properties) if events else None

    @property
    def stream_sources(self) -> list[MappingSettings]:
        """The fan-out's stream mappings."""
        return self.stream_mappings(FANOUT_FUNCTION)

    @property
    def queue(self) -> MappingSettings:
        """The writer's queue mapping (the timeline queue)."""
        mapping = self.queue_mapping(WRITER_FUNCTION)
        assert mapping is not None
        return mapping

    @property
    def queue_url(self) -> str:
        return queue_url_of_arn(self.clients, self.queue.source_arn)

    def queue_url_of(self, function_id: str) -> str:
        mapping = self.queue_mapping(function_id)
        assert mapping is not None, f"{function_id} reads no queue"
        return queue_url_of_arn(self.clients, mapping.source_arn)

    @property
    def redrive_policy(self) -> dict[str, Any]:
        """The timeline queue's RedrivePolicy, as the SQS service reports it."""
        attributes = self.sqs.get_queue_attributes(QueueUrl=self.queue_url, AttributeNames=["RedrivePolicy"])
        policy: dict[str, Any] = json.loads(attributes["Attributes"]["RedrivePolicy"])
        return policy

    @property
    def dead_letter_queue_url(self) -> str:
        return queue_url_of_arn(self.clients, self.redrive_policy["deadLetterTargetArn"])

    @property
    def sqs(self) -> Any:
        return self.clients.client("sqs")

    # ------------------------------------------------------------ invocations
    def invoke(self, function_id: str, records: Sequence[Record]) -> list[str]:
        """Invoke the function with one batch under its IAM policies; returns the reported item failures
        (a handler that raises, as Powertools does when every record failed, fails the whole batch)."""
        spec = self.functions[function_id]
        self.delivered.setdefault(function_id, []).extend(records)
        try:
            with self.act_as(function_id):
                response = handler_module(spec).handler({"Records": list(records)}, LambdaContext(spec.name, spec.arn))
        except BatchProcessingError:
            return [item_identifier(record) for record in records]
        return failures(response)

    # ------------------------------------------------------------ streams
    def new_stream_records(self, source: MappingSettings) -> list[Record]:
        """The stream's records this mapping has not read yet, in Lambda's event format (unfiltered)."""
        description = self.streams_client.describe_stream(StreamArn=source.source_arn)["StreamDescription"]
        events: list[Record] = []
        for shard in description["Shards"]:
            shard_id = shard["ShardId"]
            position = self.positions.get((source.name, shard_id))
            start = (
                {"ShardIteratorType": "AFTER_SEQUENCE_NUMBER", "SequenceNumber": position}
                if position
                else {"ShardIteratorType": "TRIM_HORIZON"}
            )
            iterator = self.streams_client.get_shard_iterator(StreamArn=source.source_arn, ShardId=shard_id, **start)[
                "ShardIterator"
            ]
            records = self.streams_client.get_records(ShardIterator=iterator)["Records"]
            if records:
                self.positions[source.name, shard_id] = records[-1]["dynamodb"]["SequenceNumber"]
            events += [stream_record_event(record, source.source_arn, self.clients.region) for record in records]
        return events

    def deliver_streams(self, function_id: str) -> int:
        """Hand each of the function's streams' new records that pass its mapping's filter to the function,
        in the mapping's batch sizes; returns how many were handed."""
        handled = 0
        for source in self.stream_mappings(function_id):
            records = [r for r in self.new_stream_records(source) if record_passes(source.filter_patterns, r)]
            for start in range(0, len(records), source.batch_size):
                batch = records[start : start + source.batch_size]
                failed = self.invoke(function_id, batch)
                assert not failed, f"{source.name} failed on {failed}"
                handled += len(batch)
        return handled

    def fan_out(self, records: Sequence[Record]) -> list[str]:
        """Invoke the fan-out handler with one batch; returns the reported item failures."""
        return self.invoke(FANOUT_FUNCTION, records)

    def fan_out_pending(self) -> int:
        return self.deliver_streams(FANOUT_FUNCTION)

    # ------------------------------------------------------------ queues
    def receive(self, function_id: str = WRITER_FUNCTION) -> list[Record]:
        """Up to one batch of the function's queue's messages, in Lambda's event format."""
        mapping = self.queue_mapping(function_id)
        assert mapping is not None, f"{function_id} reads no queue"
        response = self.sqs.receive_message(
            QueueUrl=self.queue_url_of(function_id),
            MaxNumberOfMessages=min(10, mapping.batch_size),
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        )
        messages = response.get("Messages", [])
        return [sqs_record_event(message, mapping.source_arn, self.clients.region) for message in messages]

    def receive_all(self, function_id: str = WRITER_FUNCTION) -> list[Record]:
        received: list[Record] = []
        while batch := self.receive(function_id):
            received += batch
        return received

    def consume(self, function_id: str, records: Sequence[Record]) -> list[str]:
        """Invoke the function with one batch of its queue's messages and delete those it did not report,
        as Lambda does (a message its mapping's filter rejects is deleted unseen)."""
        mapping = self.queue_mapping(function_id)
        assert mapping is not None, f"{function_id} reads no queue"
        passing = [record for record in records if record_passes(mapping.filter_patterns, sqs_filterable(record))]
        failed = self.invoke(function_id, passing) if passing else []
        done = [record for record in records if record["messageId"] not in failed]
        for start in range(0, len(done), 10):
            entries = [
                {"Id": str(n), "ReceiptHandle": record["receiptHandle"]}
                for n, record in enumerate(done[start : start + 10])
            ]
            self.sqs.delete_message_batch(QueueUrl=self.queue_url_of(function_id), Entries=entries)
        return failed

    def write(self, records: Sequence[Record]) -> list[str]:
        """The timeline writer's `consume`."""
        return self.consume(WRITER_FUNCTION, records)

    def deliver_queue(self, function_id: str) -> int:
        handled = 0
        while batch := self.receive(function_id):
            failed = self.consume(function_id, batch)
            assert not failed, f"{function_id} failed on {failed}"
            handled += len(batch)
        return handled

    def write_pending(self) -> int:
        return self.deliver_queue(WRITER_FUNCTION)

    # ------------------------------------------------------------ all of it
    def run_until_quiet(self) -> Counter[str]:
        """Deliver stream records and queue messages until a round finds none; returns how many records
        each function was handed."""
        handled: Counter[str] = Counter()
        for _ in range(MAX_ROUNDS):
            this_round: Counter[str] = Counter()
            for function_id in self.functions:
                this_round[function_id] += self.deliver_streams(function_id)
                if self.queue_mapping(function_id) is not None:
                    this_round[function_id] += self.deliver_queue(function_id)
            if not this_round.total():
                return +handled
            handled += this_round
        raise AssertionError(f"the pipeline still had work after {MAX_ROUNDS} rounds")


StartPipeline = Callable[..., Pipeline]


# ---------------------------------------------------------------- reading timelines


def home(api: Api, reader: Account, limit: int = 100, cursor: str | None = None) -> tuple[list[Entry], str | None]:
    """One page of the home timeline; every page read is checked to show each original once."""
    query = {"limit": str(limit)} | ({"cursor": cursor} if cursor else {})
    reply = api.get("/api/timeline", query=query, token=reader.access_token)
    assert reply.status == 200, reply.body
    document = reply.json()
    ids = [entry["id"] for entry in document["data"]]
    assert len(ids) == len(set(ids)), f"a page showed an original twice: {ids}"
    originals = [(entry["retweeted_tweet"] or entry)["id"] for entry in document["data"]]
    assert len(originals) == len(set(originals)), f"a page showed an original twice: {originals}"
    return document["data"], document["meta"]["next_cursor"]


def home_ids(api: Api, reader: Account, limit: int = 100) -> list[str]:
    return [entry["id"] for entry in home(api, reader, limit)[0]]


def walk_home(api: Api, reader: Account, limit: int) -> list[list[Entry]]:
    pages: list[list[Entry]] = []
    cursor: str | None = None
    while True:
        entries, cursor = home(api, reader, limit, cursor)
        pages.append(entries)
        if cursor is None:
            return pages
        assert len(pages) < 100, "the cursor never ran out"


def stored_entries(owner: Account) -> dict[int, int]:
    """The timeline items physically in the owner's partition: entry id -> author id (no activity record)."""
    client = boto3.client("dynamodb")  # in the test's region (its environment)
    paginator = client.get_paginator("query")
    items = [
        item
        for page in paginator.paginate(
            TableName=dependencies().settings.timelines_table,
            KeyConditionExpression="owner_id = :owner AND entry_id < :activity",
            ExpressionAttributeValues={":owner": {"N": owner.id}, ":activity": {"N": str(ACTIVITY_ENTRY_ID)}},
            ConsistentRead=True,
        )
        for item in page["Items"]
    ]
    return {int(item["entry_id"]["N"]): int(item["author_id"]["N"]) for item in items}


def activity_record(owner: Account) -> dict[str, int] | None:
    client = boto3.client("dynamodb")  # in the test's region (its environment)
    item = client.get_item(
        TableName=dependencies().settings.timelines_table,
        Key={"owner_id": {"N": owner.id}, "entry_id": {"N": str(ACTIVITY_ENTRY_ID)}},
        ConsistentRead=True,
    ).get("Item")
    return {name: int(value["N"]) for name, value in item.items() if "N" in value} if item else None


def is_celebrity(user: Account) -> bool:
    found = dependencies().users.get(int(user.id))
    assert found is not None
    return found.celebrity


def pulls(reader: Account) -> list[int]:
    """The celebrities the reader's activity record lists: those it pulls at read time."""
    activity = dependencies().timelines.activity([int(reader.id)]).get(int(reader.id))
    return sorted(activity.pulls) if activity else []


# ---------------------------------------------------------------- acting through the API


def post(api: Api, author: Account, count: int, label: str = "tweet") -> list[str]:
    """Post `count` tweets; their ids, oldest first."""
    return [api.tweet(author, f"{label} {n} by {author.username}")["id"] for n in range(count)]


def unfollow(api: Api, follower: Account, followee: Account) -> None:
    reply = api.delete(f"/api/users/{followee.id}/follow", token=follower.access_token)
    assert reply.status == 200, reply.body


def delete_tweet(api: Api, author: Account, tweet_id: str) -> None:
    reply = api.delete(f"/api/tweets/{tweet_id}", token=author.access_token)
    assert reply.status == 204, reply.body


def readers(api: Api, count: int) -> list[Account]:
    """`count` new accounts that have read their home timeline once, so fan-out writes to them."""
    accounts = [api.register() for _ in range(count)]
    for account in accounts:
        home(api, account)
    return accounts
