"""samtranslator (the code CloudFormation's AWS::Serverless transform runs) turns template.yaml into
plain CloudFormation: one HTTP API whose every route is a Lambda proxy integration (payload format 1.0) on
ApiFunction.

The translator runs in .venv-sam (tests/template/sam_translate.py): aws-sam-translator pins an older
pydantic than the app's, so it cannot be installed in .venv.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.template.support import (
    API_FUNCTION_ID,
    API_ID,
    TEMPLATE_PATH,
    AppProbe,
    RunTool,
    Template,
    preflights,
    references,
    resources_of_type,
)

TRANSLATE_SCRIPT = Path(__file__).with_name("sam_translate.py")


@pytest.fixture(scope="module")
def translated(sam_bin: Path, run_tool: RunTool) -> Template:
    result = run_tool([str(sam_bin / "python"), str(TRANSLATE_SCRIPT), str(TEMPLATE_PATH)], timeout=120)
    document: Template = json.loads(result.stdout)
    return document


def test_translation_leaves_no_serverless_resources(translated: Template) -> None:
    # Then every AWS::Serverless::* resource became plain CloudFormation, and the transform is gone
    assert "Transform" not in translated
    types = {resource["Type"] for resource in translated["Resources"].values()}
    assert not {kind for kind in types if kind.startswith("AWS::Serverless::")}
    assert {"AWS::Lambda::Function", "AWS::Lambda::LayerVersion", "AWS::IAM::Role"} <= types


def test_translation_has_one_http_api_with_every_route_as_a_payload_1_proxy_integration(
    translated: Template, api_app: AppProbe
) -> None:
    # Given the translated template's HTTP APIs (the WebSocket API is the other ApiGatewayV2 API) and the routes
    # the Chalice app serves
    apis = resources_of_type(translated, "AWS::ApiGatewayV2::Api")
    http_apis = {logical_id: api for logical_id, api in apis.items() if "Body" in api["Properties"]}
    app_routes = api_app.routes | preflights(api_app.routes)

    # Then there is exactly one HTTP API, ChirpApi, and no REST API
    assert list(http_apis) == [API_ID]
    assert not resources_of_type(translated, "AWS::ApiGateway::RestApi")
    paths: dict[str, dict[str, Any]] = http_apis[API_ID]["Properties"]["Body"]["paths"]
    # And its routes are exactly the app's routes
    methods = {(path, method.upper()) for path, operations in paths.items() for method in operations}
    assert methods == app_routes
    # And each is an aws_proxy integration invoking ApiFunction with payload format 1.0 (the v1 event Chalice
    # reads; HTTP APIs default to 2.0)
    for path, operations in paths.items():
        for method, operation in operations.items():
            integration = operation["x-amazon-apigateway-integration"]
            assert integration["type"] == "aws_proxy", (path, method)
            assert integration["payloadFormatVersion"] == "1.0", (path, method)
            assert f"${{{API_FUNCTION_ID}.Arn}}" in integration["uri"]["Fn::Sub"], (path, method)


def test_translation_lets_api_gateway_invoke_the_function_for_every_route(
    translated: Template, api_app: AppProbe
) -> None:
    # Given the Lambda permissions the translation created for API Gateway
    permissions = resources_of_type(translated, "AWS::Lambda::Permission").values()
    gateway_permissions = [
        p["Properties"] for p in permissions if p["Properties"]["Principal"] == "apigateway.amazonaws.com"
    ]
    http_permissions = [p for p in gateway_permissions if "ChirpApi" in json.dumps(p["SourceArn"])]
    websocket_permissions = [p for p in gateway_permissions if p not in http_permissions]

    # Then the HTTP API has one per route, each for ApiFunction; the WebSocket API one, for its own function
    assert len(http_permissions) == len(api_app.routes | preflights(api_app.routes))
    assert all(p["FunctionName"] == {"Ref": API_FUNCTION_ID} for p in http_permissions)
    assert [p["FunctionName"] for p in websocket_permissions] == [{"Ref": "LiveConnectionsFunction"}]
    assert "WebSocketApi" in json.dumps(websocket_permissions[0]["SourceArn"])


def test_translated_stage_keeps_the_throttling(translated: Template) -> None:
    # Given the translated HTTP API's stage (the WebSocket API's stage is its own resource)
    stages = [
        stage["Properties"]
        for stage in resources_of_type(translated, "AWS::ApiGatewayV2::Stage").values()
        if stage["Properties"]["ApiId"] == {"Ref": API_ID}
    ]
    assert len(stages) == 1
    properties = stages[0]

    # Then it is the StageName stage, deployed with the API, and its default route settings throttle every
    # route with the template's parameters and publish per-route metrics
    assert properties["StageName"] == {"Ref": "StageName"}
    assert properties["AutoDeploy"] is True
    assert properties["DefaultRouteSettings"] == {
        "ThrottlingRateLimit": {"Ref": "ApiThrottlingRateLimit"},
        "ThrottlingBurstLimit": {"Ref": "ApiThrottlingBurstLimit"},
        "DetailedMetricsEnabled": True,
    }


def test_translated_function_role_grants_dynamodb_only_on_this_templates_tables(translated: Template) -> None:
    # Given the IAM statements of ApiFunction's role that allow DynamoDB actions
    role = translated["Resources"][f"{API_FUNCTION_ID}Role"]["Properties"]
    statements = [
        statement
        for policy in role.get("Policies", [])
        for statement in policy["PolicyDocument"]["Statement"]
        if any(str(action).startswith("dynamodb:") for action in statement["Action"])
    ]
    tables = set(resources_of_type(translated, "AWS::DynamoDB::Table"))

    # Then there are some, each naming its resources through references to this template's tables only
    assert statements
    for statement in statements:
        named = references(statement["Resource"])
        assert named, statement
        assert named <= tables, statement
