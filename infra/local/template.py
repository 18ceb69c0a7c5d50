"""Load a CloudFormation/SAM template (YAML with intrinsic short forms) into plain Python data.

Short forms (`!Ref X`, `!GetAtt A.B`, `!Sub ...`, `!If [...]`, ...) become their long forms
(`{"Ref": "X"}`, `{"Fn::GetAtt": ["A", "B"]}`, ...), so the resolver only deals with one shape.
"""

from __future__ import annotations

import graphlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

JsonValue = Any
"""A value of a parsed template: dicts, lists, strings, numbers, booleans or None."""


class TemplateError(ValueError):
    """The template cannot be loaded or a value in it cannot be resolved."""


class _TemplateLoader(yaml.SafeLoader):
    """A YAML loader that understands CloudFormation's `!Tag` short forms."""


def _construct_node(loader: yaml.SafeLoader, node: yaml.Node) -> JsonValue:
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    if isinstance(node, yaml.MappingNode):
        return loader.construct_mapping(node, deep=True)
    raise TemplateError(f"unsupported YAML node {node!r}")


def _construct_intrinsic(loader: yaml.SafeLoader, tag_suffix: str, node: yaml.Node) -> JsonValue:
    value = _construct_node(loader, node)
    if tag_suffix == "Ref":
        return {"Ref": value}
    if tag_suffix == "Condition":
        return {"Condition": value}
    if tag_suffix == "GetAtt" and isinstance(value, str):
        logical_id, _, attribute = value.partition(".")
        return {"Fn::GetAtt": [logical_id, attribute]}
    return {f"Fn::{tag_suffix}": value}


_TemplateLoader.add_multi_constructor("!", _construct_intrinsic)


def load_template_text(text: str) -> dict[str, JsonValue]:
    """Parse template text (YAML or JSON) into a dict with long-form intrinsics."""
    document = yaml.load(text, Loader=_TemplateLoader)  # a SafeLoader subclass
    if not isinstance(document, dict) or not isinstance(document.get("Resources"), dict):
        raise TemplateError("a template must be a mapping with a Resources section")
    return document


@dataclass(frozen=True)
class Resource:
    """One entry of the template's Resources section."""

    logical_id: str
    type: str
    properties: dict[str, JsonValue]
    condition: str | None = None
    depends_on: tuple[str, ...] = ()


@dataclass(frozen=True)
class Template:
    """A loaded template and the folder its relative paths (CodeUri, ContentUri) start from."""

    document: dict[str, JsonValue]
    base_dir: Path
    resources: dict[str, Resource] = field(init=False)

    def __post_init__(self) -> None:
        resources = {
            logical_id: _resource_from(logical_id, body) for logical_id, body in self.document["Resources"].items()
        }
        object.__setattr__(self, "resources", resources)

    @property
    def parameters(self) -> dict[str, dict[str, JsonValue]]:
        return dict(self.document.get("Parameters") or {})

    @property
    def conditions(self) -> dict[str, JsonValue]:
        return dict(self.document.get("Conditions") or {})

    @property
    def mappings(self) -> dict[str, JsonValue]:
        return dict(self.document.get("Mappings") or {})

    @property
    def function_globals(self) -> dict[str, JsonValue]:
        globals_section = self.document.get("Globals") or {}
        return dict(globals_section.get("Function") or {})

    def resources_of_type(self, resource_type: str) -> Iterator[Resource]:
        return (resource for resource in self.resources.values() if resource.type == resource_type)

    def creation_order(self, include: Callable[[Resource], bool] = lambda _resource: True) -> list[Resource]:
        """The included resources, each after every included resource it references."""
        included = {logical_id: resource for logical_id, resource in self.resources.items() if include(resource)}
        sorter: graphlib.TopologicalSorter[str] = graphlib.TopologicalSorter()
        for resource in included.values():
            references = referenced_logical_ids(resource.properties) | set(resource.depends_on)
            sorter.add(resource.logical_id, *(ref for ref in references if ref in included))
        try:
            return [self.resources[logical_id] for logical_id in sorter.static_order()]
        except graphlib.CycleError as error:
            raise TemplateError(f"circular references between resources: {error.args[1]}") from None


def load_template(path: Path) -> Template:
    """Load the template at `path`; its folder is the base of relative code paths."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise TemplateError(f"cannot read template {path}: {error}") from error
    return Template(document=load_template_text(text), base_dir=path.resolve().parent)


def _resource_from(logical_id: str, body: JsonValue) -> Resource:
    if not isinstance(body, dict) or not isinstance(body.get("Type"), str):
        raise TemplateError(f"resource {logical_id} has no Type")
    depends_on = body.get("DependsOn") or ()
    return Resource(
        logical_id=logical_id,
        type=body["Type"],
        properties=dict(body.get("Properties") or {}),
        condition=body.get("Condition"),
        depends_on=(depends_on,) if isinstance(depends_on, str) else tuple(depends_on),
    )


def referenced_logical_ids(value: JsonValue) -> set[str]:
    """Every logical id that `value` names through Ref, Fn::GetAtt or Fn::Sub."""
    found: set[str] = set()
    if isinstance(value, list):
        for item in value:
            found |= referenced_logical_ids(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            found |= _references_of_intrinsic(key, item)
            found |= referenced_logical_ids(item)
    return found


def _references_of_intrinsic(key: str, argument: JsonValue) -> set[str]:
    if key == "Ref" and isinstance(argument, str):
        return {argument}
    if key == "Fn::GetAtt":
        target = argument[0] if isinstance(argument, list) else str(argument).partition(".")[0]
        return {str(target)}
    if key == "Fn::Sub":
        text = argument[0] if isinstance(argument, list) else argument
        return {name.partition(".")[0] for name in sub_placeholders(str(text))}
    return set()


def sub_placeholders(text: str) -> list[str]:
    """The `${Name}` placeholders of an Fn::Sub string (`${!Literal}` escapes excluded)."""
    names: list[str] = []
    position = 0
    while (start := text.find("${", position)) != -1:
        end = text.find("}", start)
        if end == -1:
            break
        name = text[start + 2 : end]
        if not name.startswith("!"):
            names.append(name.strip())
        position = end + 1
    return names
