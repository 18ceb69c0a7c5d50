"""The local runtime's WebSocket API (infra.local.websocket): the events API Gateway sends, their ids,
route selection, the error frames, the template's resolution and routes, and the management API's
answers for connections it does not have. The events are compared with events captured on AWS (the
keys of aws-lambda-powertools' and aws-lambda-go's samples) and parsed with Powertools' own models."""

from __future__ import annotations

import base64
import dataclasses
import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aws_lambda_powertools.utilities.parser.models import (
    APIGatewayWebSocketConnectEventModel,
    APIGatewayWebSocketDisconnectEventModel,
    APIGatewayWebSocketMessageEventModel,
)

from infra.local.config import REPO_ROOT
from infra.local.functions import function_specs
from infra.local.gateway import IncomingRequest
from infra.local.intrinsics import PseudoParameters, Resolver, ResourceOutputs, parameter_values
from infra.local.provision import PROVISIONERS, skipped_resource_ids
from infra.local.template import Template, load_template, load_template_text
from infra.local.websocket import WebSocketGateway, WebSocketRoute, WebSocketStage, websocket_stages
from infra.local.websocket.events import (
    ConnectionContext,
    connect_event,
    disconnect_event,
    error_frame,
    message_event,
    new_event_id,
    select_route,
)

APP_TEMPLATE = Path(__file__).resolve().parents[1] / "integration" / "local_runtime_app" / "websocket_template.yaml"
PSEUDO = PseudoParameters(
    region="us-east-1", account_id="123456789012", stack_name="t-chirp", gateway_address="127.0.0.1:9001"
)
NOW = datetime(2026, 11, 27, 14, 0, 0, 123000, tzinfo=UTC)
NOW_MS = 1795788000123  # NOW in milliseconds since the epoch
CONNECTION = ConnectionContext(
    connection_id="L0SM9cOFvHcCIhw=",
    api_id="abcdefghij",
    stage="live",
    domain_name="127.0.0.1",
    source_ip="127.0.0.1",
    user_agent="probe/1.0",
    connected_at=NOW - timedelta(seconds=5),
)
HANDSHAKE_HEADERS = [
    ("Host", "127.0.0.1:9001"),
    ("Upgrade", "websocket"),
    ("Connection", "Upgrade"),
    ("Sec-WebSocket-Key", "+W5xw47OHh3OTFsWKjGu9Q=="),
    ("Sec-WebSocket-Version", "13"),
    ("User-Agent", "probe/1.0"),
    ("X-Forwarded-For", "127.0.0.1"),
]
# The request context's keys in events captured on AWS (aws-lambda-powertools' tests/events samples).
CONTEXT_KEYS = {
    "routeKey", "eventType", "extendedRequestId", "requestTime", "messageDirection", "stage", "connectedAt",
    "requestTimeEpoch", "identity", "requestId", "domainName", "connectionId", "apiId",
}  # fmt: skip


# ---------------------------------------------------------------------- ids
def test_ids_look_like_api_gateways_and_never_repeat() -> None:
    # When
    ids = {new_event_id() for _ in range(1000)}
    # Then: 16 characters of URL-safe base64 ending in "=", like "L0SM9cOFvHcCIhw="
    assert len(ids) == 1000
    for event_id in ids:
        assert re.fullmatch(r"[A-Za-z0-9_-]{15}=", event_id), event_id
        assert len(base64.urlsafe_b64decode(event_id)) == 11


# ---------------------------------------------------------------------- events
def test_the_connect_event_has_the_handshakes_headers_without_the_hop_by_hop_ones() -> None:
    # When
    event = connect_event(CONNECTION, HANDSHAKE_HEADERS, "", NOW, "R1koeHsUtjMFbRw=")
    # Then: the keys AWS sends, and no query string keys when there is no query string (as captured on AWS)
    assert set(event) == {"headers", "multiValueHeaders", "requestContext", "isBase64Encoded"}
    assert set(event["requestContext"]) == CONTEXT_KEYS
    assert "Upgrade" not in event["headers"] and "Connection" not in event["headers"]
    assert event["headers"]["Sec-WebSocket-Key"] == "+W5xw47OHh3OTFsWKjGu9Q=="
    assert event["multiValueHeaders"]["Sec-WebSocket-Version"] == ["13"]
    context = event["requestContext"]
    assert context["routeKey"] == "$connect"
    assert context["eventType"] == "CONNECT"
    assert context["messageDirection"] == "IN"
    assert context["requestId"] == context["extendedRequestId"] == "R1koeHsUtjMFbRw="
    assert context["requestTime"] == "27/Nov/2026:14:00:00 +0000"
    assert context["requestTimeEpoch"] == NOW_MS
    assert context["connectedAt"] == NOW_MS - 5000
    assert context["identity"] == {"userAgent": "probe/1.0", "sourceIp": "127.0.0.1"}
    assert (context["apiId"], context["stage"], context["connectionId"]) == ("abcdefghij", "live", "L0SM9cOFvHcCIhw=")
    assert event["isBase64Encoded"] is False
    APIGatewayWebSocketConnectEventModel.model_validate(event)


def test_the_connect_event_carries_the_query_string_in_both_views() -> None:
    # When
    event = connect_event(CONNECTION, HANDSHAKE_HEADERS, "token=abc&tag=a&tag=b", NOW, new_event_id())
    # Then
    assert event["queryStringParameters"] == {"token": "abc", "tag": "b"}
    assert event["multiValueQueryStringParameters"] == {"token": ["abc"], "tag": ["a", "b"]}


def test_a_message_event_has_the_body_and_a_message_id_but_no_headers() -> None:
    # When
    request_id, message_id = "a" * 15 + "=", "m" * 15 + "="
    event = message_event(CONNECTION, "$default", '{"hello": 1}', now=NOW, request_id=request_id, message_id=message_id)
    # Then
    assert set(event) == {"requestContext", "body", "isBase64Encoded"}
    assert set(event["requestContext"]) == CONTEXT_KEYS | {"messageId"}
    assert event["requestContext"]["eventType"] == "MESSAGE"
    assert event["requestContext"]["routeKey"] == "$default"
    assert event["requestContext"]["messageId"] == message_id
    assert event["body"] == '{"hello": 1}'
    APIGatewayWebSocketMessageEventModel.model_validate(event)


def test_a_disconnect_event_has_the_close_code_and_reason_and_awss_fixed_headers() -> None:
    # When
    event = disconnect_event(CONNECTION, 1005, "Client-side close frame status not set", NOW, new_event_id())
    # Then
    assert set(event["requestContext"]) == CONTEXT_KEYS | {"disconnectStatusCode", "disconnectReason"}
    assert event["requestContext"]["eventType"] == "DISCONNECT"
    assert event["requestContext"]["routeKey"] == "$disconnect"
    assert event["requestContext"]["disconnectStatusCode"] == 1005
    assert event["requestContext"]["disconnectReason"] == "Client-side close frame status not set"
    assert event["headers"] == {"Host": "127.0.0.1", "x-api-key": "", "X-Forwarded-For": "", "x-restapi": ""}
    assert event["multiValueHeaders"]["Host"] == ["127.0.0.1"]
    assert "body" not in event
    APIGatewayWebSocketDisconnectEventModel.model_validate(event)


def test_a_client_without_a_user_agent_has_only_its_source_ip_as_identity() -> None:
    # Given
    anonymous = dataclasses.replace(CONNECTION, user_agent=None)
    # When
    event = message_event(anonymous, "$default", "x", now=NOW, request_id=new_event_id(), message_id=new_event_id())
    # Then
    assert event["requestContext"]["identity"] == {"sourceIp": "127.0.0.1"}


def test_error_frames_are_spaced_exactly_as_api_gateways() -> None:
    assert (
        error_frame("Forbidden", "XDmENcnwIE0CFEQ=", "XDmGEE2RoE0FRdQ=")
        == '{"message": "Forbidden", "connectionId":"XDmENcnwIE0CFEQ=", "requestId":"XDmGEE2RoE0FRdQ="}'
    )


# ---------------------------------------------------------------------- route selection
ROUTE_KEYS = {"$connect", "$disconnect", "$default", "sendmessage"}


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ('{"action": "sendmessage", "data": "hi"}', "sendmessage"),
        ('{"action": "unknown"}', "$default"),
        ('{"data": "no action"}', "$default"),
        ("not json at all", "$default"),
        ('["a", "list"]', "$default"),
        ('{"action": "$connect"}', "$default"),
    ],
)
def test_the_action_of_a_json_message_selects_its_route_else_default(body: str, expected: str) -> None:
    assert select_route("$request.body.action", body, ROUTE_KEYS) == expected


def test_without_a_default_route_an_unmatched_message_selects_nothing() -> None:
    assert select_route("$request.body.action", '{"action": "other"}', {"$connect", "sendmessage"}) is None


def test_a_selection_template_joins_several_body_values() -> None:
    # Given
    expression = "${request.body.service}/${request.body.detail.action}"
    body = json.dumps({"service": "chat", "detail": {"action": "send"}})
    # Then
    assert select_route(expression, body, {"chat/send", "$default"}) == "chat/send"
    assert select_route(expression, '{"service": "chat"}', {"chat/send", "$default"}) == "$default"


# ---------------------------------------------------------------------- the template
def probe_template() -> Template:
    return load_template(APP_TEMPLATE)


def provisioned_resolver(template: Template) -> Resolver:
    """The test template resolved as the runtime would, its function and layer given names and ARNs."""
    resolver = Resolver(template, parameter_values(template, {}), PSEUDO, skipped_resource_ids(template))
    arn = "arn:aws:lambda:us-east-1:123456789012:function:t-WebSocketProbe"
    resolver.outputs["WebSocketProbe"] = ResourceOutputs("t-WebSocketProbe", {"Arn": arn})
    resolver.outputs["ProbeLayer"] = ResourceOutputs("arn:aws:lambda:us-east-1:123456789012:layer:t-ProbeLayer:1")
    return resolver


def test_a_websocket_api_resolves_to_a_stable_aws_style_id_and_a_local_endpoint() -> None:
    # Given
    resolver = provisioned_resolver(probe_template())
    # When
    api_id = resolver.resolve({"Ref": "WebSocketApi"})
    # Then: ten lowercase letters and digits, the same on every start, the stage its name
    assert re.fullmatch(r"[a-z0-9]{10}", api_id)
    assert provisioned_resolver(probe_template()).resolve({"Ref": "WebSocketApi"}) == api_id
    assert resolver.resolve({"Fn::GetAtt": ["WebSocketApi", "ApiEndpoint"]}) == f"ws://127.0.0.1:9001/{api_id}"
    assert resolver.resolve({"Fn::GetAtt": ["WebSocketApi", "ApiId"]}) == api_id
    assert resolver.resolve({"Ref": "WebSocketStage"}) == "live"
    assert re.fullmatch(r"[a-z0-9]{7}", resolver.resolve({"Ref": "WebSocketIntegration"}))


def test_the_functions_endpoint_and_policy_name_the_same_api_and_stage() -> None:
    # Given
    template = probe_template()
    resolver = provisioned_resolver(template)
    api_id = resolver.resolve({"Ref": "WebSocketApi"})
    # When
    (function,) = function_specs(template, resolver)
    policy = template.resources["WebSocketProbe"].properties["Policies"][0]["Statement"][0]
    # Then: the management URL the function builds is the one the IAM mapping reads api id and stage from
    assert function.environment["LIVE_CONNECTIONS_ENDPOINT"] == f"ws://127.0.0.1:9001/{api_id}/live"
    assert resolver.resolve(policy["Resource"]) == (
        f"arn:aws:execute-api:us-east-1:123456789012:{api_id}/live/POST/@connections/*"
    )


def test_the_stage_routes_each_key_to_the_function_of_its_integration() -> None:
    # Given
    template = probe_template()
    resolver = provisioned_resolver(template)
    # When
    (stage,) = websocket_stages(template, resolver, function_specs(template, resolver))
    # Then
    assert stage.path == f"/{resolver.resolve({'Ref': 'WebSocketApi'})}/live"
    assert stage.route_selection_expression == "$request.body.action"
    assert set(stage.routes) == {"$connect", "$disconnect", "$default", "shout"}
    assert all(route.function_id == "WebSocketProbe" and route.invoke_allowed for route in stage.routes.values())
    assert stage.routes["shout"].returns_response
    assert not stage.routes["$default"].returns_response


def variant(change: Any) -> Template:
    document = load_template_text(APP_TEMPLATE.read_text())
    change(document["Resources"])
    return Template(document=document, base_dir=APP_TEMPLATE.parent)


@pytest.mark.parametrize(
    "change",
    [
        lambda resources: resources.pop("WebSocketInvokePermission"),
        lambda resources: resources["WebSocketInvokePermission"]["Properties"].update(
            SourceArn={"Fn::Sub": "arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:other/*"}
        ),
        lambda resources: resources["WebSocketInvokePermission"]["Properties"].update(Principal="s3.amazonaws.com"),
    ],
    ids=["no permission", "another api's source ARN", "another principal"],
)
def test_a_route_whose_function_api_gateway_may_not_invoke_is_marked(change: Any) -> None:
    # Given
    template = variant(change)
    resolver = provisioned_resolver(template)
    # When
    (stage,) = websocket_stages(template, resolver, function_specs(template, resolver))
    # Then
    assert not any(route.invoke_allowed for route in stage.routes.values())


def test_a_route_to_an_integration_that_is_not_a_lambda_proxy_has_no_function() -> None:
    # Given
    template = variant(lambda resources: resources["WebSocketIntegration"]["Properties"].update(IntegrationType="MOCK"))
    resolver = provisioned_resolver(template)
    # When
    (stage,) = websocket_stages(template, resolver, function_specs(template, resolver))
    # Then
    assert stage.routes["$default"].function_id is None


# ---------------------------------------------------------------------- the management API
STAGE = WebSocketStage(
    api_logical_id="Api",
    api_id="abcdefghij",
    stage="live",
    route_selection_expression="$request.body.action",
    routes={"$default": WebSocketRoute("$default", "Probe", invoke_allowed=True)},
)


def management_request(method: str, path: str, body: bytes = b"") -> IncomingRequest:
    return IncomingRequest(method, path, [("Host", "127.0.0.1:9001")], body, "127.0.0.1", "127.0.0.1", 9001)


def never_invoked(function_id: str, event: dict[str, Any], request_id: str) -> Any:
    raise AssertionError("no function runs for a management request")


@pytest.mark.parametrize("method", ["POST", "GET", "DELETE"])
def test_a_connection_the_gateway_does_not_have_is_gone(method: str) -> None:
    # Given
    gateway = WebSocketGateway([STAGE], never_invoked)
    # When
    response = gateway.handle_management(management_request(method, "/abcdefghij/live/@connections/L0SM9cOFvHcCIhw%3D"))
    # Then: the status and header botocore turns into GoneException
    assert response is not None
    assert response.status == 410
    assert ("x-amzn-ErrorType", "GoneException") in response.headers


def test_an_unknown_stage_is_forbidden_and_other_paths_are_not_the_management_apis() -> None:
    # Given
    gateway = WebSocketGateway([STAGE], never_invoked)
    # When
    forbidden = gateway.handle_management(management_request("POST", "/abcdefghij/prod/@connections/x"))
    other = gateway.handle_management(management_request("GET", "/api/health"))
    # Then
    assert forbidden is not None and forbidden.status == 403
    assert ("x-amzn-ErrorType", "ForbiddenException") in forbidden.headers
    assert other is None


def test_the_gateway_serves_handshakes_on_its_stages_path_only() -> None:
    gateway = WebSocketGateway([STAGE], never_invoked)
    assert gateway.serves_handshake("/abcdefghij/live")
    assert gateway.serves_handshake("/abcdefghij/live?token=x")
    assert not gateway.serves_handshake("/abcdefghij/prod")
    assert not gateway.serves_handshake("/api/users")


# ---------------------------------------------------------------------- the project's template
def test_the_project_templates_websocket_api_is_served_by_its_function_and_pushed_to_under_its_policy() -> None:
    # Given the project's template, each resource given the names and ARNs provisioning would give it
    template = load_template(REPO_ROOT / "template.yaml")
    resolver = Resolver(template, parameter_values(template, {}), PSEUDO, skipped_resource_ids(template))
    for resource in template.creation_order(lambda candidate: candidate.type in PROVISIONERS):
        name = f"chirp-local-{resource.logical_id}"
        resolver.outputs[resource.logical_id] = ResourceOutputs(
            name, {"Arn": f"arn:{name}", "StreamArn": "arn:s", "DomainEndpoint": "embedded:/search"}
        )
    functions = function_specs(template, resolver)
    # When
    stages = websocket_stages(template, resolver, functions)
    # Then one stage, every route served by a function API Gateway may invoke
    (stage,) = stages
    assert {"$connect", "$disconnect", "$default"} <= set(stage.routes)
    assert all(route.function_id and route.invoke_allowed for route in stage.routes.values())
    # and each function that pushes has the stage's endpoint, and a policy on the same api and stage
    pushers = [function for function in functions if "LIVE_CONNECTIONS_ENDPOINT" in function.environment]
    assert pushers
    for function in pushers:
        assert function.environment["LIVE_CONNECTIONS_ENDPOINT"] == f"ws://127.0.0.1:9001{stage.path}"
        granted = [
            resolver.resolve(statement["Resource"])
            for statement in manage_connections_statements(template, function.logical_id)
        ]
        assert granted
        assert all(
            arn.startswith(f"arn:aws:execute-api:us-east-1:123456789012:{stage.api_id}/{stage.stage}/")
            for arn in granted
        )


def manage_connections_statements(template: Template, logical_id: str) -> list[dict[str, Any]]:
    policies = template.resources[logical_id].properties.get("Policies") or []
    statements = [
        statement for policy in policies if isinstance(policy, dict) for statement in policy.get("Statement") or []
    ]
    return [
        statement
        for statement in statements
        if "execute-api:ManageConnections"
        in ([statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"])
    ]
