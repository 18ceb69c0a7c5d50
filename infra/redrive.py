"""`make redrive`: move a dead-letter queue's messages back to their source queue, once their failure is fixed.

A queue's RedrivePolicy sends a message that failed `maxReceiveCount` times to its dead-letter queue, where it waits
(14 days in Chirp's template) for an operator. Once the cause is fixed, this command hands the messages back to their
consumers: it finds each DLQ's source from the queues' RedrivePolicy (every queue of the local system, or of the
account with `--aws`; ListDeadLetterSourceQueues for a queue named alone), then, in rounds of ten, receives,
sends each message to its source (body and message attributes kept; a FIFO queue's group and deduplication ids too)
and only then deletes it from the DLQ, with a progress bar per queue. A crash in the middle therefore duplicates
a message at worst (sent, not yet deleted), never loses one; Chirp's consumers are idempotent. At most the messages
the DLQ held at the start are moved, so messages that fail again cannot keep it going.

What cannot go back: the on-failure destinations of the stream consumers (`DestinationConfig.OnFailure`) hold
Lambda's failure records, which describe a range of stream records (shard, sequence numbers) rather than being a
message; sent to a queue they would mean nothing to its consumer, and the stream records themselves expire after
24 hours. Such records are detected, left where they are, and reported with what to do instead: rebuild what the
failed function derives from the tables (search: `make reindex`), then purge the queue. A queue whose messages
came from several sources (a shared DLQ) needs `--to` unless SQS recorded each message's source.

    python -m infra.redrive                        # every non-empty DLQ of the local system `make run` started
    python -m infra.redrive --queue NAME           # one DLQ (its name or URL)
    python -m infra.redrive --aws [--prefix P]     # AWS, or LocalStack with AWS_ENDPOINT_URL (boto3's credentials)
    python -m infra.redrive --aws --queue NAME --to SOURCE
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from infra.running_system import NotRunning, running_local_system

BATCH = 10  # SQS's own limit per receive, send and delete
RECEIVE_VISIBILITY_SECONDS = 60  # time to send and delete a round before another reader could see it
MESSAGE_ATTRIBUTE_FIELDS = ("DataType", "StringValue", "BinaryValue")


class RedriveError(Exception):
    """A queue cannot be redriven as asked; the message says why and what to do."""


@dataclass
class DeadLetterQueue:
    url: str
    arn: str
    sources: list[str] = field(default_factory=list)  # source queue URLs
    on_failure_of: list[str] = field(default_factory=list)  # functions whose stream failures it receives

    @property
    def name(self) -> str:
        return self.url.rstrip("/").rsplit("/", 1)[-1]


@dataclass
class Outcome:
    moved: int = 0
    refused: int = 0
    notes: list[str] = field(default_factory=list)


# ---------------------------------------------------------------------- where the queues are
@dataclass(frozen=True)
class Stack:
    """The queues to look at, and (locally) the stream consumers' on-failure destinations."""

    queue_urls: list[str]
    on_failure: dict[str, list[str]]  # queue URL -> functions whose failure records it holds


def local_stack(data_dir: Path) -> Stack:
    """The running local system's queues, from the file `make run` writes (its AWS endpoint variables set here)."""
    try:
        document = running_local_system(data_dir, "or use --aws")
    except NotRunning as error:
        raise RedriveError(str(error)) from None
    resources = document.get("resources", {})
    queues = {logical_id: str(r["ref"]) for logical_id, r in resources.items() if r.get("type") == "AWS::SQS::Queue"}
    return Stack(sorted(queues.values()), _local_on_failure_destinations(queues))


def _local_on_failure_destinations(queues: dict[str, str]) -> dict[str, list[str]]:
    """Queue URL -> the functions whose stream events name it as their OnFailure destination in the template."""
    from infra.local.config import REPO_ROOT
    from infra.local.template import load_template

    template = load_template(Path(os.environ.get("CHIRP_TEMPLATE") or REPO_ROOT / "template.yaml"))
    destinations: dict[str, list[str]] = {}
    for function in template.resources_of_type("AWS::Serverless::Function"):
        for event in (function.properties.get("Events") or {}).values():
            on_failure = (((event.get("Properties") or {}).get("DestinationConfig") or {}).get("OnFailure")) or {}
            target = on_failure.get("Destination")
            if isinstance(target, dict) and "Fn::GetAtt" in target and target["Fn::GetAtt"][0] in queues:
                destinations.setdefault(queues[target["Fn::GetAtt"][0]], []).append(function.logical_id)
    return destinations


def aws_stack(sqs: Any, prefix: str | None) -> Stack:
    """Every queue of the account and region (under `prefix`), and the event source mappings' destinations."""
    urls: list[str] = []
    arguments: dict[str, Any] = {"MaxResults": 1000, **({"QueueNamePrefix": prefix} if prefix else {})}
    while True:
        page = sqs.list_queues(**arguments)
        urls += page.get("QueueUrls", [])
        if not page.get("NextToken"):
            break
        arguments["NextToken"] = page["NextToken"]
    return Stack(sorted(urls), _mapping_destinations(sqs, urls))


def _mapping_destinations(sqs: Any, urls: list[str]) -> dict[str, list[str]]:
    """From Lambda's event source mappings, when the caller may list them (else: detected by their records)."""
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    by_arn = {_queue_arn(sqs, url): url for url in urls}
    destinations: dict[str, list[str]] = {}
    try:
        for page in boto3.client("lambda").get_paginator("list_event_source_mappings").paginate():
            for mapping in page.get("EventSourceMappings", []):
                arn = ((mapping.get("DestinationConfig") or {}).get("OnFailure") or {}).get("Destination")
                if arn in by_arn:
                    function = str(mapping.get("FunctionArn", "?")).rsplit(":", 1)[-1]
                    destinations.setdefault(by_arn[arn], []).append(function)
    except (ClientError, BotoCoreError):
        pass
    return destinations


def dead_letter_queues(sqs: Any, stack: Stack) -> list[DeadLetterQueue]:
    """The queues some queue's RedrivePolicy names, with their sources, and the on-failure destinations."""
    found: dict[str, DeadLetterQueue] = {}
    arns = {url: _queue_arn(sqs, url) for url in stack.queue_urls}
    url_of = {arn: url for url, arn in arns.items()}
    for url in stack.queue_urls:
        policy = _attributes(sqs, url, "RedrivePolicy").get("RedrivePolicy")
        target = json.loads(policy).get("deadLetterTargetArn") if policy else None
        if target in url_of:
            dlq = found.setdefault(target, DeadLetterQueue(url_of[target], target))
            dlq.sources.append(url)
    for url, functions in stack.on_failure.items():
        dlq = found.setdefault(arns[url], DeadLetterQueue(url, arns[url]))
        dlq.on_failure_of.extend(functions)
    return sorted(found.values(), key=lambda queue: queue.name)


def named_queue(sqs: Any, name: str, known: list[DeadLetterQueue]) -> DeadLetterQueue:
    """The DLQ called `name` (or at that URL); its sources from ListDeadLetterSourceQueues if not known."""
    for queue in known:
        if name in (queue.name, queue.url):
            return queue
    url = name if name.startswith(("http://", "https://")) else sqs.get_queue_url(QueueName=name)["QueueUrl"]
    sources = [u for page in sqs.get_paginator("list_dead_letter_source_queues").paginate(QueueUrl=url)
               for u in page.get("queueUrls", [])]  # fmt: skip
    return DeadLetterQueue(url, _queue_arn(sqs, url), sources)


def _queue_arn(sqs: Any, url: str) -> str:
    return str(_attributes(sqs, url, "QueueArn")["QueueArn"])


def _attributes(sqs: Any, url: str, *names: str) -> dict[str, str]:
    return dict(sqs.get_queue_attributes(QueueUrl=url, AttributeNames=list(names)).get("Attributes", {}))


def depth(sqs: Any, url: str) -> int:
    return int(_attributes(sqs, url, "ApproximateNumberOfMessages").get("ApproximateNumberOfMessages", 0))


# ---------------------------------------------------------------------- moving
def stream_failure_record(body: str) -> dict[str, Any] | None:
    """Lambda's on-failure record of a stream batch (DynamoDB or Kinesis), or None for any other message."""
    try:
        document = json.loads(body)
    except ValueError:
        return None
    if not isinstance(document, dict) or "requestContext" not in document:
        return None
    info = document.get("DDBStreamBatchInfo") or document.get("KinesisBatchInfo")
    return document if isinstance(info, dict) else None


def stream_failure_advice(queue: DeadLetterQueue, record: dict[str, Any], count: int) -> str:
    info = record.get("DDBStreamBatchInfo") or record.get("KinesisBatchInfo") or {}
    function = str(record.get("requestContext", {}).get("functionArn", "?")).rsplit(":", 1)[-1]
    return (
        f"{queue.name}: {count} message(s) are Lambda's on-failure records of a stream, not messages: {function} "
        f"gave up on shard {info.get('shardId')}, records {info.get('startSequenceNumber')}.."
        f"{info.get('endSequenceNumber')} (and others). They point at stream records (kept 24 hours), so they "
        "cannot be sent again. Fix the cause, rebuild what the function derives from the tables (search indexes: "
        "`make reindex`; for others, re-run the derivation from the table), then purge this queue. Left in place."
    )


def redrive(sqs: Any, queue: DeadLetterQueue, to: str | None = None, limit: int | None = None) -> Outcome:
    """Move `queue`'s messages to their source: receive, send, then delete (a crash duplicates, never loses)."""
    outcome = Outcome()
    if queue.on_failure_of and not queue.sources:
        first = _peek_stream_failure(sqs, queue)
        if first is not None:
            outcome.refused = depth(sqs, queue.url)
            outcome.notes.append(stream_failure_advice(queue, first, outcome.refused))
            return outcome
    sources = [to] if to else queue.sources
    total = depth(sqs, queue.url) if limit is None else limit
    if total == 0:
        return outcome
    from tqdm import tqdm

    refused_records: list[dict[str, Any]] = []
    with tqdm(total=total, desc=f"{queue.name} -> {_names(sources)}", unit=" msg", file=sys.stderr) as progress:
        for messages in _rounds(sqs, queue.url, total):
            keep, send = [], []
            for message in messages:
                record = stream_failure_record(message["Body"])
                if record is not None:
                    refused_records.append(record)
                    keep.append(message)
                else:
                    send.append(message)
            _leave(sqs, queue.url, keep)
            moved = _send_then_delete(sqs, queue, send, _source_of(queue, sources))
            outcome.moved += moved
            progress.update(moved + len(keep))
            if keep and not send:
                break  # what is left is failure records (received again and again otherwise)
    if refused_records:
        outcome.refused = len(refused_records)
        outcome.notes.append(stream_failure_advice(queue, refused_records[0], len(refused_records)))
    return outcome


def _names(urls: list[str]) -> str:
    return ",".join(url.rstrip("/").rsplit("/", 1)[-1] for url in urls) or "?"


def _rounds(sqs: Any, url: str, total: int) -> Iterator[list[dict[str, Any]]]:
    """Received rounds of up to ten, until `total` were handed out or the queue answers empty twice."""
    handed, empty = 0, 0
    while handed < total and empty < 2:
        response = sqs.receive_message(
            QueueUrl=url,
            MaxNumberOfMessages=min(BATCH, total - handed),
            WaitTimeSeconds=1,
            VisibilityTimeout=RECEIVE_VISIBILITY_SECONDS,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        )
        messages = response.get("Messages", [])
        empty = 0 if messages else empty + 1
        handed += len(messages)
        if messages:
            yield messages


def _source_of(queue: DeadLetterQueue, sources: list[str]) -> Any:
    """Which source a message goes back to: the only one, or the one SQS recorded on it (a shared DLQ)."""

    def source(message: dict[str, Any]) -> str:
        if len(sources) == 1:
            return sources[0]
        recorded = message.get("Attributes", {}).get("DeadLetterQueueSourceArn")
        for url in queue.sources:
            if recorded and url.rstrip("/").endswith("/" + recorded.rsplit(":", 1)[-1]):
                return url
        if not sources:
            raise RedriveError(f"{queue.name}: no queue names it as its dead-letter queue; give --to SOURCE")
        raise RedriveError(f"{queue.name} is the DLQ of {_names(sources)}: give --to with the one to redrive to")

    return source


def _send_then_delete(sqs: Any, queue: DeadLetterQueue, messages: list[dict[str, Any]], source_of: Any) -> int:
    by_source: dict[str, list[dict[str, Any]]] = {}
    for message in messages:
        by_source.setdefault(source_of(message), []).append(message)
    moved = 0
    for source, batch in by_source.items():
        entries = [_entry(str(index), message) for index, message in enumerate(batch)]
        response = sqs.send_message_batch(QueueUrl=source, Entries=entries)
        sent = {entry["Id"] for entry in response.get("Successful", [])}
        for failure in response.get("Failed", []):
            print(f"{queue.name}: not sent ({failure.get('Code')}: {failure.get('Message')}); left in place",
                  file=sys.stderr)  # fmt: skip
        done = [message for index, message in enumerate(batch) if str(index) in sent]
        if done:  # only what the source has now leaves the DLQ
            sqs.delete_message_batch(
                QueueUrl=queue.url,
                Entries=[{"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]} for n, m in enumerate(done)],
            )
        _leave(sqs, queue.url, [message for message in batch if message not in done])
        moved += len(done)
    return moved


def _entry(entry_id: str, message: dict[str, Any]) -> dict[str, Any]:
    entry: dict[str, Any] = {"Id": entry_id, "MessageBody": message["Body"]}
    attributes = {
        name: {key: value[key] for key in MESSAGE_ATTRIBUTE_FIELDS if value.get(key) not in (None, "", b"")}
        for name, value in message.get("MessageAttributes", {}).items()
    }
    if attributes:
        entry["MessageAttributes"] = attributes
    system = message.get("Attributes", {})
    if "MessageGroupId" in system:  # a FIFO queue's
        entry["MessageGroupId"] = system["MessageGroupId"]
        if "MessageDeduplicationId" in system:
            entry["MessageDeduplicationId"] = system["MessageDeduplicationId"]
    return entry


def _leave(sqs: Any, url: str, messages: list[dict[str, Any]]) -> None:
    """Make messages visible again at once (they stay in the DLQ)."""
    for start in range(0, len(messages), BATCH):
        chunk = messages[start : start + BATCH]
        entries = [
            {"Id": str(n), "ReceiptHandle": m["ReceiptHandle"], "VisibilityTimeout": 0} for n, m in enumerate(chunk)
        ]
        sqs.change_message_visibility_batch(QueueUrl=url, Entries=entries)


def _peek_stream_failure(sqs: Any, queue: DeadLetterQueue) -> dict[str, Any] | None:
    """The first message of an on-failure destination if it is a stream failure record (left in place)."""
    response = sqs.receive_message(QueueUrl=queue.url, MaxNumberOfMessages=1, WaitTimeSeconds=0, VisibilityTimeout=0)
    messages = response.get("Messages", [])
    return stream_failure_record(messages[0]["Body"]) if messages else None


# ---------------------------------------------------------------------- the command
def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--queue", help="the DLQ to redrive (name or URL); default: every non-empty one")
    parser.add_argument("--to", help="the source queue (name or URL), for a DLQ of several sources")
    parser.add_argument("--aws", action="store_true", help="the account of boto3's credentials (or AWS_ENDPOINT_URL)")
    parser.add_argument("--prefix", help="with --aws: only the queues whose name starts with this")
    parser.add_argument("--data-dir", type=Path, default=Path(os.environ.get("CHIRP_DATA_DIR", ".chirp-data")))
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None, sqs: Any = None) -> int:
    arguments = parse_args(argv)
    try:
        stack = aws_stack(sqs or _client(), arguments.prefix) if arguments.aws else local_stack(arguments.data_dir)
        sqs = sqs or _client()
        known = dead_letter_queues(sqs, stack)
        queues = [named_queue(sqs, arguments.queue, known)] if arguments.queue else known
        to = None
        if arguments.to:
            to = (
                arguments.to
                if arguments.to.startswith("http")
                else sqs.get_queue_url(QueueName=arguments.to)["QueueUrl"]
            )
        refused = False
        for queue in queues:
            if not arguments.queue and depth(sqs, queue.url) == 0:
                continue
            outcome = redrive(sqs, queue, to)
            for note in outcome.notes:
                print(note, file=sys.stderr)
            refused = refused or outcome.refused > 0
            print(f"{queue.name}: {outcome.moved} message(s) moved back to {_names([to] if to else queue.sources)}")
        if not queues:
            print("no dead-letter queue found")
        return 1 if refused else 0
    except RedriveError as error:
        print(error, file=sys.stderr)
        return 1


def _client() -> Any:
    import boto3

    return boto3.client("sqs")


if __name__ == "__main__":
    sys.exit(main())
