"""The sample events in events/ stay usable: each folder belongs to a function of the template, each API
event is a request a route of that function accepts, and the health event gets 200 from the app.

`events/<name>/` holds the samples of the function whose CodeUri is `functions/<name>/`, for
`sam local invoke -e`, the local runtime and these tests.
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any

import pytest
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from chirp.events.schema import decode
from chirp.events.stream import Source, Sources, decode_record, table_of
from chirp.http.requests import page_from_query, parse_json_body
from chirp.ids import parse_id
from chirp.wiring.api import ApiSettings
from pydantic import BaseModel

from tests.template.support import (
    API_FUNCTION_ID,
    EVENTS_DIR,
    HEALTH_EVENT,
    AppProbe,
    Template,
    function_code_folder,
    resolve_reference,
    resources_of_type,
)

API_EVENTS = sorted((EVENTS_DIR / "api").glob("*.json"))


def read_event(path: Path) -> dict[str, Any]:
    event: dict[str, Any] = json.loads(path.read_text())
    return event


def api_routes(template: Template, function_id: str) -> set[tuple[str, str]]:
    events = template["Resources"][function_id]["Properties"].get("Events", {})
    return {
        (event["Properties"]["Path"], event["Properties"]["Method"].upper())
        for event in events.values()
        if event["Type"] == "HttpApi"
    }


def test_every_event_folder_belongs_to_a_function(template: Template) -> None:
    # Given the folders of events/ and the functions' code folders
    folders = {path.name for path in EVENTS_DIR.iterdir() if path.is_dir()}
    code_folders = {
        function_code_folder(template, name).name for name in resources_of_type(template, "AWS::Serverless::Function")
    }

    # Then every event folder is named after a function's code folder, and the API has samples
    assert folders <= code_folders
    assert len(API_EVENTS) >= 3


@pytest.mark.parametrize("event_path", API_EVENTS, ids=[path.stem for path in API_EVENTS])
def test_api_event_is_a_proxy_event_for_a_route_of_the_api_function(event_path: Path, template: Template) -> None:
    # Given a sample event of an HTTP API's Lambda proxy integration, payload format 1.0
    event = read_event(event_path)
    context = event["requestContext"]
    assert event["version"] == "1.0"

    # Then it names a route the template sends to ApiFunction, the same way in every field Chalice reads, and
    # the route key where an HTTP API puts it
    route = (event["resource"], event["httpMethod"])
    assert route in api_routes(template, API_FUNCTION_ID)
    assert (context["resourcePath"], context["httpMethod"]) == route
    assert context["resourceId"] == f"{event['httpMethod']} {event['resource']}"
    assert context["requestId"] == context["extendedRequestId"]
    # And its concrete path is that route with its path parameters filled in
    path = event["resource"]
    for name, value in (event["pathParameters"] or {}).items():
        path = path.replace("{" + name + "}", value)
    assert "{" not in path
    # And it arrives through the template's stage (an HTTP API keeps a named stage in both paths), with
    # multi-value forms that agree with the single ones
    stage = resolve_reference(template["Resources"]["ChirpApi"]["Properties"]["StageName"], template)
    assert context["stage"] == stage
    assert event["path"] == context["path"] == f"/{stage}{path}"
    assert {name: values[-1] for name, values in event["multiValueHeaders"].items()} == event["headers"]
    assert event["isBase64Encoded"] is False


def body_model(reference: str) -> type[BaseModel]:
    """The input model an operation names as `module:qualname`."""
    module_name, _, name = reference.partition(":")
    model: type[BaseModel] = getattr(importlib.import_module(module_name), name)
    return model


@pytest.mark.parametrize("event_path", API_EVENTS, ids=[path.stem for path in API_EVENTS])
def test_api_event_is_a_request_its_route_accepts(
    event_path: Path, api_app: AppProbe, api_function_environment: dict[str, str]
) -> None:
    # Given a sample event and the route's operation as the app registered it
    event = read_event(event_path)
    operation = next(
        op for op in api_app.operations if (op["path"], op["method"]) == (event["resource"], event["httpMethod"])
    )
    settings = ApiSettings.from_environ(api_function_environment)

    # Then it has a body exactly when the route reads one, and that body passes the route's own parsing
    assert (event["body"] is not None) == (operation["body"] is not None)
    if operation["body"] is not None:
        content_type = {name.lower(): value for name, value in event["headers"].items()}.get("content-type")
        parse_json_body(event["body"], content_type, settings.max_body_bytes, body_model(operation["body"]))
    # And its path ids and (for lists) its page parameters are ones the route accepts
    for name, value in (event["pathParameters"] or {}).items():
        if name.endswith("Id"):
            parse_id(value, name)
    if operation["paginated"]:
        page_from_query(event["queryStringParameters"])
    # And it authenticates exactly when the route requires it
    assert ("Authorization" in event["headers"]) == operation["auth"]


def test_health_event_gets_200_from_the_app(api_app: AppProbe) -> None:
    # Given the app imported in a fresh process under the environment the template gives the function,
    # When it was handed the sample health event as Lambda would hand it (see app_probe.py)
    response = api_app.responses[str(HEALTH_EVENT)]

    # Then it answered 200 with the health document, as JSON
    assert response["statusCode"] == 200, response
    assert response["headers"]["Content-Type"] == "application/json"
    assert json.loads(response["body"]) == {"status": "ok"}


STREAM_EVENTS = sorted(
    path
    for folder in ("timeline_fanout", "event_publisher", "engagement_counter")
    for path in (EVENTS_DIR / folder).glob("*.json")
)


@pytest.mark.parametrize("event_path", STREAM_EVENTS, ids=[f"{p.parent.name}/{p.stem}" for p in STREAM_EVENTS])
def test_stream_sample_records_decode_into_the_events_they_are_named_after(event_path: Path) -> None:
    # Given a sample of stream records, from tables named as a stack names them (…-TweetsTable-…)
    records = [DynamoDBRecord(record) for record in read_event(event_path)["Records"]]
    sources = Sources(
        {
            table_of(record.event_source_arn): next(
                source for source in Source if f"{source.value.capitalize()}Table" in table_of(record.event_source_arn)
            )
            for record in records
        }
    )
    # When they go through the one stream decoder
    events = [event for record in records for event in decode_record(record, sources)]
    # Then each decodes into the event the file is named after (tweet_inserted -> TweetPosted, ...)
    expected = {
        "tweet_inserted": "TweetPosted",
        "retweet_inserted": "TweetRetweeted",
        "like_inserted": "TweetLiked",
        "profile_changed": "ProfileChanged",
    }[event_path.stem]
    assert [type(event).__name__ for event in events] == [expected]


BUS_EVENTS = sorted([*(EVENTS_DIR / "engagement_cleanup").glob("*.json"), *(EVENTS_DIR / "notifier").glob("*.json")])


@pytest.mark.parametrize("event_path", BUS_EVENTS, ids=[f"{p.parent.name}/{p.stem}" for p in BUS_EVENTS])
def test_bus_sample_messages_carry_the_events_they_are_named_after(event_path: Path) -> None:
    # Given a sample of a bus consumer's queue messages (raw delivery: the body is the event)
    for record in read_event(event_path)["Records"]:
        # When the body is decoded as every consumer decodes it
        event = decode(record["body"])
        # Then it is the event the file is named after (tweet_deleted -> TweetDeleted), and the message
        # attribute the subscription filters on says so
        assert type(event).__name__ == "".join(word.capitalize() for word in event_path.stem.split("_"))
        assert record["messageAttributes"]["type"]["stringValue"] == event.TYPE
