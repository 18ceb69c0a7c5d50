"""The lean DynamoDB client's calls appear in X-Ray as the SDK's own would: one `dynamodb` subsegment per call
(namespace `aws`, the operation, the table(s), the request id, the HTTP status and its error flags), recorded
by a real in-process recorder around answers given in the network's place; and none when tracing is off."""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from aws_xray_sdk import global_sdk_config
from aws_xray_sdk.core import AWSXRayRecorder
from aws_xray_sdk.core.context import Context
from aws_xray_sdk.core.models.segment import Segment
from botocore.awsrequest import AWSResponse
from botocore.exceptions import ClientError
from chirp.adapters.dynamodb import wire as wire_module
from chirp.adapters.dynamodb.wire import WireDynamoDB
from chirp.tracing import active_recorder

TABLE = "unit-TimelinesTable"


class KeptEntities:
    """An emitter that keeps what the recorder would send to the X-Ray daemon."""

    def __init__(self) -> None:
        self.sent: list[Any] = []

    def send_entity(self, entity: Any) -> None:
        self.sent.append(entity)

    def set_daemon_address(self, address: str | None) -> None:
        pass


class FakeDynamoDB:
    """Answers each request in the network's place (botocore's `before-send`, as moto does) with a status
    and a JSON body, and notes the requests' targets."""

    def __init__(self, status: int, body: dict[str, Any]) -> None:
        self.status, self.body = status, json.dumps(body).encode()
        self.targets: list[str] = []

    def __call__(self, request: Any, **_: Any) -> AWSResponse:
        self.targets.append(str(request.headers["X-Amz-Target"]))
        headers = {"x-amzn-requestid": "REQ-1", "x-amz-crc32": str(zlib.crc32(self.body))}
        response = AWSResponse(request.url, self.status, headers, None)
        response._content = self.body  # botocore reads .content; AWSResponse takes a raw stream otherwise
        return response


@pytest.fixture
def recorder(monkeypatch: pytest.MonkeyPatch) -> Iterator[AWSXRayRecorder]:
    """A real recorder, sampling every call, in the place of aws_xray_sdk's global one, the SDK enabled (as
    Powertools' Tracer leaves it on Lambda with tracing on)."""
    monkeypatch.delenv("AWS_XRAY_SDK_ENABLED", raising=False)
    was_enabled = global_sdk_config.sdk_enabled()
    recorder = AWSXRayRecorder()
    recorder.configure(sampling=False, context=Context(), emitter=KeptEntities(), context_missing="LOG_ERROR")
    monkeypatch.setattr("aws_xray_sdk.core.xray_recorder", recorder)
    global_sdk_config.set_sdk_enabled(True)
    yield recorder
    global_sdk_config.set_sdk_enabled(was_enabled)


def wire_answering(fake: FakeDynamoDB, monkeypatch: pytest.MonkeyPatch) -> WireDynamoDB:
    monkeypatch.setattr(wire_module, "wait_random_exponential", lambda **_: lambda _state: 0)
    client = boto3.client(
        "dynamodb", region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing"
    )
    client.meta.events.register("before-send.dynamodb", fake)
    return WireDynamoDB(client, client._request_signer._credentials)


def traced(recorder: AWSXRayRecorder, call: Any) -> Segment:
    """The segment a call made inside one, ended."""
    segment = recorder.begin_segment("api")
    try:
        call()
    finally:
        recorder.end_segment()
    return segment


def test_a_query_is_one_dynamodb_subsegment_with_the_sdks_aws_data(
    recorder: AWSXRayRecorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a wire client whose DynamoDB answers a Query with two items
    fake = FakeDynamoDB(200, {"Items": [{"owner_id": {"N": "7"}}] * 2, "Count": 2})
    client = wire_answering(fake, monkeypatch)
    # When a home timeline's Query runs inside a traced invocation
    answers: list[dict[str, Any]] = []
    segment = traced(
        recorder,
        lambda: answers.append(client.query(TableName=TABLE, ConsistentRead=True, Limit=20, ScanIndexForward=False)),
    )
    # Then the answer is DynamoDB's, and the segment holds one subsegment shaped as the SDK's botocore patch's
    assert answers[0]["Count"] == 2
    assert [sub.name for sub in segment.subsegments] == ["dynamodb"]
    subsegment = segment.subsegments[0].to_dict()
    assert subsegment["namespace"] == "aws"
    assert subsegment["aws"] == {
        "operation": "Query",
        "region": "us-east-1",
        "table_name": TABLE,
        "consistent_read": True,
        "limit": 20,
        "scan_index_forward": False,
        "request_id": "REQ-1",
    }
    assert subsegment["http"] == {"response": {"status": 200}}
    assert not subsegment.get("error") and not subsegment.get("fault")


def test_a_batch_get_names_its_tables(recorder: AWSXRayRecorder, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a wire client whose DynamoDB answers a BatchGetItem
    client = wire_answering(FakeDynamoDB(200, {"Responses": {"unit-TweetsTable": []}}), monkeypatch)
    keys = {"Keys": [{"tweet_id": {"N": "1"}}]}
    # When the timeline's tweets are read inside a traced invocation
    segment = traced(recorder, lambda: client.batch_get_item(RequestItems={"unit-TweetsTable": keys}))
    # Then its subsegment names the operation and the tables read, as the SDK does
    aws = segment.subsegments[0].to_dict()["aws"]
    assert (aws["operation"], aws["table_names"]) == ("BatchGetItem", ["unit-TweetsTable"])


def test_a_refused_call_is_an_error_with_its_exception(
    recorder: AWSXRayRecorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a wire client whose DynamoDB refuses the request (400, not worth sending again)
    refusal = {"__type": "com.amazonaws.dynamodb.v20120810#ValidationException", "message": "bad key"}
    fake = FakeDynamoDB(400, refusal)
    client = wire_answering(fake, monkeypatch)
    # When a Query is refused inside a traced invocation
    segment = recorder.begin_segment("api")
    with pytest.raises(ClientError):
        client.query(TableName=TABLE)
    recorder.end_segment()
    # Then it was sent once, and its subsegment is an error holding the exception and the status (a fault
    # too, as the SDK's: aws_xray_sdk flags every recorded exception so)
    assert len(fake.targets) == 1
    subsegment = segment.subsegments[0].to_dict()
    assert subsegment["error"] is True
    assert subsegment["http"] == {"response": {"status": 400}}
    assert subsegment["cause"]["exceptions"][0]["type"] == "ClientError"
    assert subsegment["aws"]["operation"] == "Query"


def test_nothing_is_recorded_when_tracing_is_off(recorder: AWSXRayRecorder, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given the SDK disabled, as Powertools' Tracer leaves it under POWERTOOLS_TRACE_DISABLED or off Lambda
    global_sdk_config.set_sdk_enabled(False)
    client = wire_answering(FakeDynamoDB(200, {"Items": [], "Count": 0}), monkeypatch)
    # When a Query runs
    answer = client.query(TableName=TABLE)
    # Then it answers, and no recorder is consulted
    assert answer["Count"] == 0
    assert active_recorder() is None
