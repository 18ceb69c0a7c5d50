"""What Lambda itself does with a function's role, checked at start, as AWS would refuse to deploy it.

Lambda reads a DynamoDB stream or an SQS queue, and sends a record it gave up on to an OnFailure destination,
with the function's execution role; CreateEventSourceMapping (and so a CloudFormation deployment) fails when
the role does not allow it. The same check, before any poller starts:

- a DynamoDB stream mapping: `dynamodb:DescribeStream`, `GetRecords` and `GetShardIterator` on the stream, and
  `dynamodb:ListStreams`, which supports no resource-level permission, on `*`;
- an SQS mapping: `sqs:ReceiveMessage`, `DeleteMessage` and `GetQueueAttributes` on the queue;
- an OnFailure destination: `sqs:SendMessage` on the queue, or `sns:Publish` on the topic;
- at most two enabled mappings reading one DynamoDB stream (AWS: at most two concurrent Lambda readers per shard).

Each decision is logged as the `lambda` caller's (see `infra.local.iam.usage`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from infra.local.functions import FunctionSpec
from infra.local.iam.actions import ANY_RESOURCE, canonical_arn
from infra.local.iam.authority import LAMBDA_CALLER, Authority
from infra.local.iam.errors import PolicyError
from infra.local.pollers import MappingSettings, sqs_mapping_settings, stream_mapping_settings

MAX_STREAM_READERS = 2
STREAM_READ_ACTIONS = ("dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator")
QUEUE_READ_ACTIONS = ("sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes")


def check_event_sources(functions: Sequence[FunctionSpec], authority: Authority) -> None:
    """Raise PolicyError naming every mapping AWS would refuse."""
    problems: list[str] = []
    readers: dict[str, list[str]] = defaultdict(list)
    for function in functions:
        for event in function.events:
            if event.type == "DynamoDB":
                settings = stream_mapping_settings(function.logical_id, event.name, event.properties)
                problems += _missing(authority, function, settings, _stream_needs(authority, function, settings))
                if settings.enabled:
                    readers[_canonical(authority, function, settings.source_arn)].append(settings.name)
            elif event.type == "SQS":
                settings = sqs_mapping_settings(function.logical_id, event.name, event.properties)
                needs = [(action, settings.source_arn) for action in QUEUE_READ_ACTIONS]
                problems += _missing(authority, function, settings, needs)
    for stream, names in readers.items():
        if len(names) > MAX_STREAM_READERS:
            problems.append(
                f"{len(names)} event source mappings read {stream} ({', '.join(names)}): DynamoDB Streams allows at "
                f"most {MAX_STREAM_READERS} concurrent Lambda readers per shard"
            )
    if problems:
        raise PolicyError("AWS would refuse these event source mappings:\n  " + "\n  ".join(problems))


def _canonical(authority: Authority, function: FunctionSpec, arn: str) -> str:
    identity = authority[function.logical_id].identity
    return canonical_arn(arn, identity.region, identity.account_id)


def _stream_needs(authority: Authority, function: FunctionSpec, settings: MappingSettings) -> list[tuple[str, str]]:
    stream = _canonical(authority, function, settings.source_arn)
    needs = [(action, stream) for action in STREAM_READ_ACTIONS] + [("dynamodb:ListStreams", ANY_RESOURCE)]
    if settings.on_failure_arn:
        destination = _canonical(authority, function, settings.on_failure_arn)
        needs.append(("sns:Publish" if destination.startswith("arn:aws:sns:") else "sqs:SendMessage", destination))
    return needs


def _missing(
    authority: Authority, function: FunctionSpec, settings: MappingSettings, needs: list[tuple[str, str]]
) -> list[str]:
    role = authority[function.logical_id]
    return [
        f"{settings.name}: the function's role {role.identity.role_name} does not allow {action} on {resource} "
        f"({decision.reason(action)})"
        for action, resource in needs
        if not (decision := role.decide(action, resource, caller=LAMBDA_CALLER)).allowed
    ]
