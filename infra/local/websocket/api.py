"""Read the template's WebSocket APIs: each stage, its routes, and the function behind each route.

A route (`AWS::ApiGatewayV2::Route`) names its integration in `Target: integrations/<id>`; an
`AWS_PROXY` integration names its function in `IntegrationUri` (`arn:aws:apigateway:<region>:lambda:path/
2015-03-31/functions/<function ARN>/invocations`), matched against the functions' ARNs. API Gateway may
only invoke a function that an `AWS::Lambda::Permission` lets `apigateway.amazonaws.com` invoke, from a
`SourceArn` (wildcards allowed) that matches `arn:aws:execute-api:<region>:<account>:<api-id>/<stage>/
<route key>`; on AWS a route without one fails ("Invalid permissions on Lambda function"), and so it does here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from infra.local.functions import FunctionSpec
from infra.local.intrinsics import API_GATEWAY_V2_API, API_GATEWAY_V2_STAGE, Resolver
from infra.local.template import Resource, Template

_ROUTE = "AWS::ApiGatewayV2::Route"
_INTEGRATION = "AWS::ApiGatewayV2::Integration"
_PERMISSION = "AWS::Lambda::Permission"
_FUNCTION_IN_URI = re.compile(r"/functions/(?P<arn>.+?)/invocations$")
_INVOKERS = frozenset({"apigateway.amazonaws.com"})
_INVOKE_ACTIONS = frozenset({"lambda:InvokeFunction", "lambda:*"})


@dataclass(frozen=True)
class WebSocketRoute:
    """One route key and what serves it.

    `function_id`: the function its Lambda proxy integration invokes; None when the integration is of
    another kind (not emulated: the route fails as an integration error would).
    `invoke_allowed`: a Lambda permission lets API Gateway invoke that function for this route.
    `returns_response`: the route has a `RouteResponseSelectionExpression`, so the function's response
    body is sent back to the client (a two-way route; AWS also wants its `AWS::ApiGatewayV2::RouteResponse`,
    which is not checked).
    """

    route_key: str
    function_id: str | None
    invoke_allowed: bool
    returns_response: bool = False


@dataclass(frozen=True)
class WebSocketStage:
    """One deployed stage of a WebSocket API, served at `/<api-id>/<stage>`."""

    api_logical_id: str
    api_id: str
    stage: str
    route_selection_expression: str
    routes: Mapping[str, WebSocketRoute]

    @property
    def path(self) -> str:
        return f"/{self.api_id}/{self.stage}"


def websocket_stages(template: Template, resolver: Resolver, functions: Iterable[FunctionSpec]) -> list[WebSocketStage]:
    """Every stage of every WebSocket API the template declares (call once the functions are known)."""
    reader = _TemplateReader(template, resolver, list(functions))
    stages = []
    for api in reader.included(API_GATEWAY_V2_API):
        properties = reader.properties(api)
        if str(properties.get("ProtocolType", "")).upper() != "WEBSOCKET":
            continue
        api_id = resolver.resolve_string({"Ref": api.logical_id}, f"{api.logical_id} id")
        for stage_name in reader.stage_names(api_id):
            stages.append(
                WebSocketStage(
                    api_logical_id=api.logical_id,
                    api_id=api_id,
                    stage=stage_name,
                    route_selection_expression=str(properties.get("RouteSelectionExpression", "")),
                    routes=reader.routes(api_id, stage_name),
                )
            )
    return stages


def source_arn(region: str, account_id: str, api_id: str, stage: str, route_key: str) -> str:
    """The ARN API Gateway invokes a route's function as (`X-Amz-Source-Arn`)."""
    return f"arn:aws:execute-api:{region}:{account_id}:{api_id}/{stage}/{route_key}"


class _TemplateReader:
    def __init__(self, template: Template, resolver: Resolver, functions: list[FunctionSpec]) -> None:
        self.template = template
        self.resolver = resolver
        self.functions = functions

    def included(self, resource_type: str) -> list[Resource]:
        return [
            resource
            for resource in self.template.resources_of_type(resource_type)
            if self.resolver.is_included(resource.condition)
        ]

    def properties(self, resource: Resource) -> dict[str, Any]:
        resolved = self.resolver.resolve(resource.properties)
        return dict(resolved) if isinstance(resolved, dict) else {}

    def stage_names(self, api_id: str) -> list[str]:
        return [
            str(properties["StageName"])
            for properties in map(self.properties, self.included(API_GATEWAY_V2_STAGE))
            if properties.get("ApiId") == api_id
        ]

    def routes(self, api_id: str, stage: str) -> dict[str, WebSocketRoute]:
        integrations = self._integrations(api_id)
        permissions = [self.properties(permission) for permission in self.included(_PERMISSION)]
        routes: dict[str, WebSocketRoute] = {}
        for properties in map(self.properties, self.included(_ROUTE)):
            if properties.get("ApiId") != api_id:
                continue
            route_key = str(properties["RouteKey"])
            target = str(properties.get("Target", ""))
            function = integrations.get(target.removeprefix("integrations/")) if target else None
            arn = source_arn(self.resolver.pseudo.region, self.resolver.pseudo.account_id, api_id, stage, route_key)
            routes[route_key] = WebSocketRoute(
                route_key=route_key,
                function_id=function.logical_id if function else None,
                invoke_allowed=function is not None and _may_invoke(permissions, function, arn),
                returns_response=bool(properties.get("RouteResponseSelectionExpression")),
            )
        return routes

    def _integrations(self, api_id: str) -> dict[str, FunctionSpec | None]:
        """Integration id -> the function its Lambda proxy integration invokes (None: not one)."""
        found: dict[str, FunctionSpec | None] = {}
        for integration in self.included(_INTEGRATION):
            properties = self.properties(integration)
            if properties.get("ApiId") != api_id:
                continue
            integration_id = self.resolver.resolve_string({"Ref": integration.logical_id}, integration.logical_id)
            found[integration_id] = (
                self._function_of(str(properties.get("IntegrationUri", "")))
                if properties.get("IntegrationType") == "AWS_PROXY"
                else None
            )
        return found

    def _function_of(self, uri: str) -> FunctionSpec | None:
        named = _FUNCTION_IN_URI.search(uri)
        arn = named.group("arn") if named else uri
        return next((function for function in self.functions if function.arn == arn), None)


def _may_invoke(permissions: list[dict[str, Any]], function: FunctionSpec, arn: str) -> bool:
    """Whether one of the Lambda permissions lets API Gateway invoke `function` as `arn`."""
    return any(
        permission.get("Action") in _INVOKE_ACTIONS
        and permission.get("Principal") in _INVOKERS
        and str(permission.get("FunctionName")) in (function.name, function.arn)
        and _arn_like(str(permission.get("SourceArn", "*")), arn)
        for permission in permissions
    )


def _arn_like(pattern: str, arn: str) -> bool:
    """IAM's ArnLike: `*` matches any characters, `?` one."""
    regex = "".join(".*" if char == "*" else "." if char == "?" else re.escape(char) for char in pattern)
    return re.fullmatch(regex, arn) is not None
