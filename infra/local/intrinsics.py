"""Resolve CloudFormation intrinsic functions against locally known values.

The resolver knows the template's parameters (defaults, optionally overridden), the pseudo parameters
(`AWS::Region`, `AWS::AccountId`, ...), its conditions and mappings, and what each provisioned resource
returns for `Ref` and `Fn::GetAtt`. Resources the runtime skips (IAM, API Gateway, layers, alarms...)
resolve to stable placeholders so a template that mentions them still loads.

API Gateway V2 resources (the WebSocket API, its stages, routes, integrations, deployments) are not
created anywhere, yet their values mean something locally, since the runtime serves that API itself: an
api, integration, route or deployment resolves to an id in AWS's style (lowercase letters and digits,
derived from the stack name and logical id, so stable across restarts), a stage to its `StageName`, and
`!GetAtt Api.ApiEndpoint` to `ws://<gateway host:port>/<api-id>` (AWS: `wss://<api-id>.execute-api.<region>
.amazonaws.com`): the api id is a path segment locally, so `<ApiEndpoint>/<stage>` is where the runtime
serves the stage, and the same URL over http is its `@connections` management API. A CloudFront
distribution's `DomainName` is the gateway's `host:port` too: the runtime serves its S3 paths there
(`infra.local.s3.cdn`).
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from infra.local.template import JsonValue, Template, TemplateError

NO_VALUE = object()
"""What `!Ref AWS::NoValue` resolves to: the enclosing key or list item is dropped."""

DEFAULT_GATEWAY_ADDRESS = "127.0.0.1:8000"
"""host:port of the runtime's API gateway unless told otherwise (`PORT`'s default)."""

API_GATEWAY_V2_STAGE = "AWS::ApiGatewayV2::Stage"
API_GATEWAY_V2_API = "AWS::ApiGatewayV2::Api"
CLOUDFRONT_DISTRIBUTION = "AWS::CloudFront::Distribution"
# The length of the ids AWS gives each API Gateway V2 resource it names itself (`Ref` returns them).
_LOCAL_ID_LENGTHS = {
    API_GATEWAY_V2_API: 10,
    "AWS::ApiGatewayV2::Integration": 7,
    "AWS::ApiGatewayV2::Route": 7,
    "AWS::ApiGatewayV2::Deployment": 6,
    "AWS::ApiGatewayV2::Authorizer": 6,
    "AWS::ApiGatewayV2::RouteResponse": 6,
    "AWS::ApiGatewayV2::IntegrationResponse": 6,
}
_ID_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz"


def local_resource_id(scope: str, logical_id: str, length: int) -> str:
    """An id in the style of AWS's generated ones (lowercase letters and digits), stable for `scope`."""
    number = int.from_bytes(hashlib.sha256(f"{scope}/{logical_id}".encode()).digest(), "big")
    characters = []
    for _ in range(length):
        number, index = divmod(number, len(_ID_ALPHABET))
        characters.append(_ID_ALPHABET[index])
    return "".join(characters)


@dataclass
class ResourceOutputs:
    """What a resource returns for `Ref` and for each `Fn::GetAtt` attribute."""

    ref: str
    attributes: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class PseudoParameters:
    region: str
    account_id: str
    stack_name: str
    partition: str = "aws"
    url_suffix: str = "amazonaws.com"
    # Not a pseudo parameter: where the runtime serves API Gateway (host:port), for `ApiEndpoint`.
    gateway_address: str = DEFAULT_GATEWAY_ADDRESS

    def as_mapping(self) -> dict[str, JsonValue]:
        return {
            "AWS::Region": self.region,
            "AWS::AccountId": self.account_id,
            "AWS::StackName": self.stack_name,
            "AWS::StackId": (
                f"arn:{self.partition}:cloudformation:{self.region}:{self.account_id}:stack/{self.stack_name}/local"
            ),
            "AWS::Partition": self.partition,
            "AWS::URLSuffix": self.url_suffix,
            "AWS::NotificationARNs": [],
        }


def parameter_values(template: Template, overrides: Mapping[str, str]) -> dict[str, JsonValue]:
    """Each template parameter's value: the override if given, else its Default."""
    values: dict[str, JsonValue] = {}
    for name, spec in template.parameters.items():
        if name in overrides:
            raw: JsonValue = overrides[name]
        elif "Default" in spec:
            raw = spec["Default"]
        else:
            raise TemplateError(f"parameter {name} has no Default: give it in CHIRP_PARAMETER_OVERRIDES")
        values[name] = _typed_parameter(str(spec.get("Type", "String")), raw)
    unknown = set(overrides) - set(values)
    if unknown:
        raise TemplateError(f"overrides for unknown parameters: {', '.join(sorted(unknown))}")
    return values


def _typed_parameter(parameter_type: str, raw: JsonValue) -> JsonValue:
    if parameter_type == "CommaDelimitedList" or parameter_type.startswith("List<"):
        return raw if isinstance(raw, list) else [item.strip() for item in str(raw).split(",")]
    if isinstance(raw, bool):
        return "true" if raw else "false"
    return str(raw)


def parse_parameter_overrides(text: str) -> dict[str, str]:
    """Parse `Key=Value Key2=Value2` (the format of `sam deploy --parameter-overrides`)."""
    overrides: dict[str, str] = {}
    for pair in text.split():
        key, separator, value = pair.partition("=")
        if not separator or not key:
            raise TemplateError(f"parameter override {pair!r} is not Key=Value")
        overrides[key] = value
    return overrides


class Resolver:
    """Evaluates intrinsic functions; `outputs` fills in as resources get provisioned."""

    def __init__(
        self,
        template: Template,
        parameters: Mapping[str, JsonValue],
        pseudo: PseudoParameters,
        placeholder_ids: set[str] | None = None,
    ) -> None:
        self.template = template
        self.parameters = dict(parameters)
        self.pseudo = pseudo
        self.outputs: dict[str, ResourceOutputs] = {}
        self.placeholder_ids = placeholder_ids if placeholder_ids is not None else set()
        self._functions: dict[str, Callable[[JsonValue], JsonValue]] = {
            "Ref": self._ref,
            "Fn::GetAtt": self._get_att,
            "Fn::Sub": self._sub,
            "Fn::Join": self._join,
            "Fn::Select": self._select,
            "Fn::Split": self._split,
            "Fn::If": self._if,
            "Fn::FindInMap": self._find_in_map,
            "Fn::Base64": lambda argument: base64.b64encode(str(self.resolve(argument)).encode()).decode(),
            "Fn::GetAZs": lambda _argument: [f"{self.pseudo.region}{zone}" for zone in "abc"],
            "Fn::ToJsonString": lambda argument: json.dumps(self.resolve(argument), separators=(",", ":")),
            "Fn::Length": lambda argument: len(self._resolved_list(argument)),
            "Fn::Equals": self._equals,
            "Fn::Not": lambda argument: not self._truth(self._resolved_list(argument)[0]),
            "Fn::And": lambda argument: all(self._truth(item) for item in self._resolved_list(argument)),
            "Fn::Or": lambda argument: any(self._truth(item) for item in self._resolved_list(argument)),
            "Condition": lambda argument: self.condition(str(argument)),
        }

    # ------------------------------------------------------------------ public
    def resolve(self, value: JsonValue) -> JsonValue:
        """`value` with every intrinsic function evaluated (may return NO_VALUE at top level)."""
        if isinstance(value, list):
            items = (self.resolve(item) for item in value)
            return [item for item in items if item is not NO_VALUE]
        if isinstance(value, dict):
            if len(value) == 1:
                ((key, argument),) = value.items()
                function = self._functions.get(key)
                if function is not None:
                    return function(argument)
            resolved = ((key, self.resolve(item)) for key, item in value.items())
            return {key: item for key, item in resolved if item is not NO_VALUE}
        return value

    def resolve_string(self, value: JsonValue, what: str) -> str:
        resolved = self.resolve(value)
        if isinstance(resolved, bool):
            return "true" if resolved else "false"
        if isinstance(resolved, (str, int, float)):
            return str(resolved)
        raise TemplateError(f"{what} must resolve to a string, got {resolved!r}")

    def condition(self, name: str) -> bool:
        conditions = self.template.conditions
        if name not in conditions:
            raise TemplateError(f"unknown condition {name}")
        return self._truth(self.resolve(conditions[name]))

    def is_included(self, condition: str | None) -> bool:
        return condition is None or self.condition(condition)

    def placeholder_ref(self, logical_id: str) -> str:
        """What a resource the runtime does not create returns for `Ref` (an API Gateway V2 one: its id)."""
        resource = self.template.resources.get(logical_id)
        length = _LOCAL_ID_LENGTHS.get(resource.type) if resource is not None else None
        if length is not None:
            return local_resource_id(self.pseudo.stack_name, logical_id, length)
        return f"{self.pseudo.stack_name}-{logical_id}"

    # ------------------------------------------------------------------ Ref / GetAtt / Sub
    def _ref(self, name: JsonValue) -> JsonValue:
        name = str(name)
        if name == "AWS::NoValue":
            return NO_VALUE
        pseudo = self.pseudo.as_mapping()
        if name in pseudo:
            return pseudo[name]
        if name in self.parameters:
            return self.parameters[name]
        if name in self.outputs:
            return self.outputs[name].ref
        if name in self.placeholder_ids:
            return self._skipped_ref(name)
        raise TemplateError(f"!Ref {name}: no such parameter, or a resource not provisioned (yet)")

    def _skipped_ref(self, logical_id: str) -> str:
        resource = self.template.resources.get(logical_id)
        if resource is not None and resource.type == API_GATEWAY_V2_STAGE:
            return self.resolve_string(resource.properties.get("StageName"), f"{logical_id}.StageName")
        return self.placeholder_ref(logical_id)

    def _get_att(self, argument: JsonValue) -> JsonValue:
        resolved = self.resolve(argument)
        if isinstance(resolved, str):
            resolved = resolved.split(".", 1)
        logical_id, attribute = str(resolved[0]), str(resolved[1])
        outputs = self.outputs.get(logical_id)
        if outputs is not None and attribute in outputs.attributes:
            return outputs.attributes[attribute]
        if logical_id in self.placeholder_ids:
            api_attribute = self._api_attribute(logical_id, attribute) or self._distribution_attribute(
                logical_id, attribute
            )
            if api_attribute is not None:
                return api_attribute
            pseudo = self.pseudo
            return f"arn:{pseudo.partition}:local:{pseudo.region}:{pseudo.account_id}:{logical_id}/{attribute}"
        raise TemplateError(f"!GetAtt {logical_id}.{attribute}: unknown resource or attribute")

    def _api_attribute(self, logical_id: str, attribute: str) -> str | None:
        """`ApiId` and `ApiEndpoint` of an API Gateway V2 api, as the runtime serves it."""
        resource = self.template.resources.get(logical_id)
        if resource is None or resource.type != API_GATEWAY_V2_API:
            return None
        api_id = self.placeholder_ref(logical_id)
        if attribute == "ApiId":
            return api_id
        if attribute == "ApiEndpoint":
            protocol = self.resolve_string(
                resource.properties.get("ProtocolType", "HTTP"), f"{logical_id}.ProtocolType"
            )
            scheme = "ws" if protocol.upper() == "WEBSOCKET" else "http"
            return f"{scheme}://{self.pseudo.gateway_address}/{api_id}"
        return None

    def _distribution_attribute(self, logical_id: str, attribute: str) -> str | None:
        """A CloudFront distribution's `DomainName` is where the runtime serves it: the API's host:port
        (`infra.local.s3.cdn`); its `Id` is what `Ref` returns."""
        resource = self.template.resources.get(logical_id)
        if resource is None or resource.type != CLOUDFRONT_DISTRIBUTION:
            return None
        if attribute == "DomainName":
            return self.pseudo.gateway_address
        if attribute == "Id":
            return self.placeholder_ref(logical_id)
        return None

    def _sub(self, argument: JsonValue) -> JsonValue:
        if isinstance(argument, list):
            text, variables = str(argument[0]), dict(self.resolve(argument[1]))
        else:
            text, variables = str(argument), {}
        pieces: list[str] = []
        position = 0
        while (start := text.find("${", position)) != -1:
            end = text.find("}", start)
            if end == -1:
                break
            pieces.append(text[position:start])
            pieces.append(self._sub_placeholder(text[start + 2 : end].strip(), variables))
            position = end + 1
        pieces.append(text[position:])
        return "".join(pieces)

    def _sub_placeholder(self, name: str, variables: Mapping[str, JsonValue]) -> str:
        if name.startswith("!"):
            return "${" + name[1:] + "}"
        if name in variables:
            return str(variables[name])
        if "." in name and not name.startswith("AWS::"):
            logical_id, _, attribute = name.partition(".")
            return str(self._get_att([logical_id, attribute]))
        return str(self._ref(name))

    # ------------------------------------------------------------------ other functions
    def _join(self, argument: JsonValue) -> JsonValue:
        delimiter, items = argument
        return str(delimiter).join(str(item) for item in self._resolved_list(items))

    def _select(self, argument: JsonValue) -> JsonValue:
        index, items = argument
        return self._resolved_list(items)[int(self.resolve(index))]

    def _split(self, argument: JsonValue) -> JsonValue:
        delimiter, text = argument
        return str(self.resolve(text)).split(str(delimiter))

    def _if(self, argument: JsonValue) -> JsonValue:
        name, when_true, when_false = argument
        return self.resolve(when_true if self.condition(str(name)) else when_false)

    def _find_in_map(self, argument: JsonValue) -> JsonValue:
        map_name, top_key, second_key = (self.resolve(item) for item in argument[:3])
        try:
            return self.resolve(self.template.mappings[map_name][top_key][second_key])
        except (KeyError, TypeError):
            raise TemplateError(f"!FindInMap [{map_name}, {top_key}, {second_key}]: not found") from None

    def _equals(self, argument: JsonValue) -> bool:
        left, right = self._resolved_list(argument)
        return str(left) == str(right)

    def _resolved_list(self, value: JsonValue) -> list[JsonValue]:
        resolved = self.resolve(value)
        if not isinstance(resolved, list):
            raise TemplateError(f"expected a list, got {resolved!r}")
        return resolved

    @staticmethod
    def _truth(value: JsonValue) -> bool:
        if isinstance(value, str):
            return value.lower() == "true"
        return bool(value)
