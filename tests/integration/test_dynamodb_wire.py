"""`WireDynamoDB` on moto: the same answers as botocore's client, errors raised as botocore raises them,
transient failures sent again and others not, and the client's events seen around every call."""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.awsrequest import AWSResponse
from botocore.exceptions import ChecksumError, ClientError, NoCredentialsError
from botocore.stub import Stubber
from chirp.adapters.dynamodb import wire as wire_module
from chirp.adapters.dynamodb.connection import shared_connection
from chirp.adapters.dynamodb.wire import ATTEMPTS, WireDynamoDB, wire
from chirp.wiring.api import dependencies


@pytest.fixture
def tables(aws: dict[str, str]) -> dict[str, str]:
    """The timelines and tweets tables, holding one owner's three entries and their three tweets."""
    dependencies()
    client = botocore_client()
    timelines, tweets = aws["TIMELINES_TABLE"], aws["TWEETS_TABLE"]
    for number in range(3):
        client.put_item(TableName=timelines, Item={
            "owner_id": {"N": "7"}, "entry_id": {"N": str(100 + number)}, "tweet_id": {"N": str(200 + number)},
        })  # fmt: skip
        client.put_item(TableName=tweets, Item={
            "tweet_id": {"N": str(200 + number)}, "author_id": {"N": "9"}, "text": {"S": f"tweet {number} · café"},
            "entities": {"S": '{"hashtags": []}'},
        })  # fmt: skip
    return {"timelines": timelines, "tweets": tweets}


@pytest.fixture
def no_backoff(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A wire client that sends again at once."""
    monkeypatch.setattr(wire_module, "wait_random_exponential", lambda **_: lambda _state: 0)
    wire.cache_clear()
    yield
    wire.cache_clear()


@pytest.fixture
def sends(tables: dict[str, str]) -> Iterator[list[str]]:
    """The requests that reach the (mocked) network, by operation, in order."""
    sent: list[str] = []

    def note(request: Any, **_: Any) -> None:
        sent.append(str(request.headers["X-Amz-Target"]).rpartition(".")[2])

    events = botocore_client().meta.events
    events.register_first("before-send.dynamodb", note)
    yield sent
    events.unregister("before-send.dynamodb", note)


def botocore_client() -> Any:
    """PynamoDB's botocore client, the one the wire client borrows its endpoint and events from."""
    return shared_connection().client


def page_query(tables: dict[str, str], **extra: Any) -> dict[str, Any]:
    return {
        "TableName": tables["timelines"],
        "KeyConditionExpression": "owner_id = :owner",
        "ExpressionAttributeValues": {":owner": {"N": "7"}},
        "ScanIndexForward": False,
        "ConsistentRead": True,
        **extra,
    }


def without_metadata(answer: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in answer.items() if key != "ResponseMetadata"}


def test_a_query_answers_what_botocore_answers(tables: dict[str, str]) -> None:
    # Given a page Query, limited and projected
    params = page_query(tables, Limit=2, ProjectionExpression="entry_id, tweet_id")
    # When it is sent through the wire client and through PynamoDB's botocore client
    answer = wire().query(**params)
    expected = botocore_client().query(**params)
    # Then the answers are the same, newest first, with the last key to go on from
    assert without_metadata(answer) == without_metadata(expected)
    assert [item["entry_id"]["N"] for item in answer["Items"]] == ["102", "101"]
    assert answer["LastEvaluatedKey"] == {"owner_id": {"N": "7"}, "entry_id": {"N": "101"}}
    assert answer["ResponseMetadata"]["HTTPStatusCode"] == 200


def test_a_batch_get_across_tables_answers_what_botocore_answers(tables: dict[str, str]) -> None:
    # Given a BatchGetItem of two tweets (one of them missing) and one timeline entry
    params = {"RequestItems": {
        tables["tweets"]: {"Keys": [{"tweet_id": {"N": "201"}}, {"tweet_id": {"N": "999"}}], "ConsistentRead": True},
        tables["timelines"]: {"Keys": [{"owner_id": {"N": "7"}, "entry_id": {"N": "100"}}]},
    }}  # fmt: skip
    # When it is sent both ways
    answer = wire().batch_get_item(**params)
    expected = botocore_client().batch_get_item(**params)
    # Then the answers are the same: the items that exist, text as stored
    assert without_metadata(answer) == without_metadata(expected)
    assert [item["text"]["S"] for item in answer["Responses"][tables["tweets"]]] == ["tweet 1 · café"]
    assert len(answer["Responses"][tables["timelines"]]) == 1


def test_a_missing_table_raises_botocores_client_error_sent_once(sends: list[str], no_backoff: None) -> None:
    # When a Query names a table that does not exist
    with pytest.raises(ClientError) as raised:
        wire().query(TableName="no-such-table", KeyConditionExpression="k = :k",
                     ExpressionAttributeValues={":k": {"S": "x"}})  # fmt: skip
    # Then it is DynamoDB's error, with its code and status, and it was not sent again
    assert raised.value.response["Error"]["Code"] == "ResourceNotFoundException"
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert raised.value.operation_name == "Query"
    assert sends == ["Query"]


def test_a_throttled_call_is_sent_again_until_it_is_answered(tables: dict[str, str], no_backoff: None) -> None:
    # Given DynamoDB throttling the first two attempts (botocore's Stubber answers in their place)
    params = page_query(tables)
    with Stubber(botocore_client()) as stubber:
        for code in ("ProvisionedThroughputExceededException", "ThrottlingException"):
            stubber.add_client_error("query", service_error_code=code, http_status_code=400)
        stubber.add_response("query", {"Items": [{"entry_id": {"N": "102"}}], "Count": 1, "ScannedCount": 1})
        # When the Query is made
        answer = wire().query(**params)
        # Then the third attempt's answer comes back
        stubber.assert_no_pending_responses()
    assert answer["Items"] == [{"entry_id": {"N": "102"}}]


def test_a_server_error_is_sent_again_and_raised_once_attempts_run_out(
    tables: dict[str, str], no_backoff: None
) -> None:
    # Given a DynamoDB answering every attempt with a 500
    with Stubber(botocore_client()) as stubber:
        for _ in range(ATTEMPTS):
            stubber.add_client_error("query", service_error_code="InternalServerError", http_status_code=500)
        # When the Query is made, then the last error is raised after every attempt was used
        with pytest.raises(ClientError) as raised:
            wire().query(**page_query(tables))
        stubber.assert_no_pending_responses()
    assert raised.value.response["Error"]["Code"] == "InternalServerError"


def test_a_validation_error_is_raised_at_once(sends: list[str], tables: dict[str, str], no_backoff: None) -> None:
    # When a Query's key condition names an attribute that is not a key
    with pytest.raises(ClientError) as raised:
        wire().query(**page_query(tables, KeyConditionExpression="tweet_id = :owner"))
    # Then it is raised as DynamoDB's validation error, sent once
    assert raised.value.response["Error"]["Code"] == "ValidationException"
    assert sends == ["Query"]


def garbled(request: Any, **_: Any) -> AWSResponse:
    """An answer whose body does not match its CRC32, as a corrupted one would not."""
    body = b'{"Items": [], "Count": 0}'
    headers: Any = {"x-amz-crc32": str(zlib.crc32(body) ^ 1)}
    return AWSResponse(request.url, 200, headers, _Raw(body))


class _Raw:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._body


def test_a_garbled_answer_is_sent_again_then_raised(sends: list[str], tables: dict[str, str], no_backoff: None) -> None:
    # Given every answer garbled on the way
    events = botocore_client().meta.events
    events.register("before-send.dynamodb.Query", garbled)
    try:
        # When the Query is made, then the checksum error is raised once every attempt failed it
        with pytest.raises(ChecksumError):
            wire().query(**page_query(tables))
    finally:
        events.unregister("before-send.dynamodb.Query", garbled)
    assert sends == ["Query"] * ATTEMPTS


def test_the_clients_events_see_each_call_as_botocore_emits_them(tables: dict[str, str]) -> None:
    # Given hooks on the client's events: one adds a parameter, one notes each answer
    events = botocore_client().meta.events
    answers: list[tuple[str, dict[str, Any]]] = []

    def ask_for_capacity(params: dict[str, Any], **_: Any) -> None:
        params["ReturnConsumedCapacity"] = "TOTAL"

    def note(parsed: dict[str, Any], model: Any, **_: Any) -> None:
        answers.append((model.name, parsed))

    events.register("before-parameter-build.dynamodb", ask_for_capacity)
    events.register("after-call.dynamodb", note)
    try:
        # When a Query is made
        answer = wire().query(**page_query(tables))
    finally:
        events.unregister("before-parameter-build.dynamodb", ask_for_capacity)
        events.unregister("after-call.dynamodb", note)
    # Then the parameter reached DynamoDB, and the hook saw the call's answer
    assert answer["ConsumedCapacity"]["TableName"] == tables["timelines"]
    assert answers == [("Query", answer)]


def test_without_credentials_the_call_says_so(tables: dict[str, str]) -> None:
    # Given a wire client with no credentials found
    unsigned = WireDynamoDB(botocore_client(), None)
    # When a call is made, then botocore's error says why
    with pytest.raises(NoCredentialsError):
        unsigned.query(**page_query(tables))
