"""Record shapes and batch outcomes of the local runtime's pollers (infra.local.records,
.event_filter, .pollers) and its generated secrets (infra.local.secret_values)."""

from __future__ import annotations

import json
import string
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from infra.local.event_filter import filter_patterns, matches_pattern, record_passes, sqs_filterable
from infra.local.pollers import MappingSettings, invoke_batch, sqs_mapping_settings, stream_mapping_settings
from infra.local.records import sqs_record_event, stream_record_event
from infra.local.sandbox import FunctionError
from infra.local.secret_values import generate_secret_string, persisted_secret_value

STREAM_ARN = "arn:aws:dynamodb:ddblocal:000000000000:table/t/stream/2026-01-01T00:00:00.000"


def boto3_stream_record() -> dict[str, Any]:
    """A record as boto3's GetRecords returns it (datetimes and bytes parsed)."""
    return {
        "eventID": "e1",
        "eventName": "MODIFY",
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": "ddblocal",
        "dynamodb": {
            "ApproximateCreationDateTime": datetime(2026, 1, 1, tzinfo=UTC),
            "Keys": {"pk": {"S": "a"}},
            "NewImage": {"pk": {"S": "a"}, "blob": {"B": b"\x00\x01"}, "blobs": {"BS": [b"\x02"]}},
            "OldImage": {"pk": {"S": "a"}, "n": {"N": "1"}},
            "SequenceNumber": "000000000000000000007",
            "SizeBytes": 21,
            "StreamViewType": "NEW_AND_OLD_IMAGES",
        },
    }


def test_stream_record_has_lambdas_shape() -> None:
    # When
    record = stream_record_event(boto3_stream_record(), STREAM_ARN, "us-east-1")
    # Then
    assert set(record) == {"eventID", "eventName", "eventVersion", "eventSource", "awsRegion", "dynamodb",
                           "eventSourceARN"}  # fmt: skip
    assert record["awsRegion"] == "us-east-1"
    assert record["eventSourceARN"] == STREAM_ARN
    assert record["dynamodb"]["ApproximateCreationDateTime"] == 1767225600
    assert record["dynamodb"]["NewImage"]["blob"] == {"B": "AAE="}
    assert record["dynamodb"]["NewImage"]["blobs"] == {"BS": ["Ag=="]}
    assert record["dynamodb"]["SequenceNumber"] == "000000000000000000007"
    json.dumps(record)


def test_sqs_record_has_lambdas_shape() -> None:
    # Given a message as boto3's ReceiveMessage returns it
    message = {
        "MessageId": "m1",
        "ReceiptHandle": "rh",
        "MD5OfBody": "md5",
        "Body": "hello",
        "Attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": "1767225600000"},
        "MessageAttributes": {"kind": {"DataType": "Binary", "BinaryValue": b"\x01"}},
        "MD5OfMessageAttributes": "md5attrs",
    }
    # When
    record = sqs_record_event(message, "arn:aws:sqs:us-east-1:1:q", "us-east-1")
    # Then
    assert record == {
        "messageId": "m1",
        "receiptHandle": "rh",
        "body": "hello",
        "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": "1767225600000"},
        "messageAttributes": {
            "kind": {"binaryValue": "AQ==", "stringListValues": [], "binaryListValues": [], "dataType": "Binary"}
        },
        "md5OfBody": "md5",
        "md5OfMessageAttributes": "md5attrs",
        "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:us-east-1:1:q",
        "awsRegion": "us-east-1",
    }


# ---------------------------------------------------------------------- filters
@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ({"eventName": ["INSERT", "MODIFY"]}, True),
        ({"eventName": ["REMOVE"]}, False),
        ({"dynamodb": {"Keys": {"pk": {"S": [{"prefix": "a"}]}}}}, True),
        # An N value is a string in a stream record: numeric matching never applies to it (as on AWS).
        ({"dynamodb": {"OldImage": {"n": {"N": [{"numeric": [">", 0, "<=", 1]}]}}}}, False),
        ({"dynamodb": {"OldImage": {"n": {"N": [1]}}}}, False),
        ({"dynamodb": {"OldImage": {"n": {"N": ["1"]}}}}, True),
        ({"dynamodb": {"OldImage": {"gone": [{"exists": False}]}}}, True),
        ({"dynamodb": {"OldImage": {"gone": [{"exists": True}]}}}, False),
        ({"eventName": [{"anything-but": ["REMOVE"]}]}, True),
        ({"eventName": [{"equals-ignore-case": "modify"}]}, True),
    ],
)
def test_filter_patterns_on_stream_records(pattern: dict[str, Any], expected: bool) -> None:
    record = stream_record_event(boto3_stream_record(), STREAM_ARN, "us-east-1")
    assert matches_pattern(pattern, record) is expected


def test_sqs_filters_see_a_json_body_as_an_object() -> None:
    patterns = filter_patterns({"FilterCriteria": {"Filters": [{"Pattern": '{"body": {"kind": ["tweet"]}}'}]}})
    tweet = sqs_filterable({"body": '{"kind": "tweet"}'})
    other = sqs_filterable({"body": "not json"})
    assert record_passes(patterns, tweet)
    assert not record_passes(patterns, other)
    assert record_passes([], other)


# ---------------------------------------------------------------------- mapping settings and outcomes
def test_mapping_settings_take_lambdas_defaults() -> None:
    stream = stream_mapping_settings("F", "E", {"Stream": "arn:stream"})
    queue = sqs_mapping_settings("F", "Q", {"Queue": "arn:queue", "FunctionResponseTypes": ["ReportBatchItemFailures"]})
    assert (stream.batch_size, stream.maximum_retry_attempts, stream.starting_position) == (100, -1, "TRIM_HORIZON")
    assert (queue.batch_size, queue.report_batch_item_failures) == (10, True)


class FakeInvoker:
    def __init__(self, result: Any) -> None:
        self.result = result

    def invoke(self, logical_id: str, event: Any, request_id: str | None = None) -> Any:
        if isinstance(self.result, Exception):
            raise self.result
        return self.result


SETTINGS = MappingSettings("F", "E", "arn", batch_size=10, batching_window_seconds=0, report_batch_item_failures=True)
RECORDS = [{"messageId": "1"}, {"messageId": "2"}]


def outcome_of(result: Any, settings: MappingSettings = SETTINGS) -> Any:
    return invoke_batch(FakeInvoker(result), settings, RECORDS, lambda record: record["messageId"])  # type: ignore[arg-type]


def test_batch_item_failures_name_the_failed_records() -> None:
    assert outcome_of({"batchItemFailures": [{"itemIdentifier": "2"}]}).failed_ids == ["2"]
    assert outcome_of({"batchItemFailures": []}).succeeded
    assert outcome_of(None).succeeded


def test_an_unknown_or_empty_item_identifier_fails_the_whole_batch() -> None:
    assert outcome_of({"batchItemFailures": [{"itemIdentifier": "9"}]}).failed_ids is None
    assert outcome_of({"batchItemFailures": [{"itemIdentifier": ""}]}).failed_ids is None


def test_a_function_error_fails_the_whole_batch() -> None:
    assert outcome_of(FunctionError("ValueError", "boom")).failed_ids is None


def test_without_report_batch_item_failures_the_response_is_ignored() -> None:
    settings = MappingSettings("F", "E", "arn", batch_size=10, batching_window_seconds=0)
    assert outcome_of({"batchItemFailures": [{"itemIdentifier": "2"}]}, settings).succeeded


# ---------------------------------------------------------------------- secrets
def test_generated_secret_honours_length_and_exclusions() -> None:
    value = generate_secret_string({"PasswordLength": 64, "ExcludePunctuation": True, "ExcludeCharacters": "abc"})
    assert len(value) == 64
    assert not set(value) & set(string.punctuation + "abc")


def test_generated_secret_fills_a_json_template() -> None:
    value = json.loads(generate_secret_string({"SecretStringTemplate": '{"user": "u"}', "GenerateStringKey": "pw"}))
    assert value["user"] == "u" and len(value["pw"]) == 32


def test_a_secret_is_generated_once_and_kept(tmp_path: Path) -> None:
    first = persisted_secret_value(tmp_path, "Key", {"PasswordLength": 20})
    again = persisted_secret_value(tmp_path, "Key", {"PasswordLength": 20})
    assert first == again
    assert (tmp_path / "Key").stat().st_mode & 0o777 == 0o600
