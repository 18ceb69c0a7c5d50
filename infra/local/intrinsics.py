"""Resolve CloudFormation intrinsic functions against locally known values.

The resolver knows the template's parameters (defaults, optionally overridden), the pseudo parameters
(`AWS::Region`, `AWS::AccountId`, ...), its conditions and mappings, and what each provisioned resource
returns for `Ref` and `Fn::GetAtt`. Resources the runtime skips (IAM, API Gateway, layers, alarms...)
resolve to stable placeholders so a template that mentions them still loads.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from infra.local.template import JsonValue, Template, TemplateError

NO_VALUE = object()
"""What `!Ref AWS::NoValue` resolves to: the enclosing key or list item is dropped."""


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
            return self.placeholder_ref(name)
        raise TemplateError(f"!Ref {name}: no such parameter, or a resource not provisioned (yet)")

    def _get_att(self, argument: JsonValue) -> JsonValue:
        resolved = self.resolve(argument)
        if isinstance(resolved, str):
            resolved = resolved.split(".", 1)
        logical_id, attribute = str(resolved[0]), str(resolved[1])
        outputs = self.outputs.get(logical_id)
        if outputs is not None and attribute in outputs.attributes:
            return outputs.attributes[attribute]
        if logical_id in self.placeholder_ids:
            pseudo = self.pseudo
            return f"arn:{pseudo.partition}:local:{pseudo.region}:{pseudo.account_id}:{logical_id}/{attribute}"
        raise TemplateError(f"!GetAtt {logical_id}.{attribute}: unknown resource or attribute")

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
