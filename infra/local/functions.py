"""Read the template's functions: code location, handler, limits, environment and events.

`Globals.Function` is merged into each function the way SAM does it (a function's own value wins;
environment variables merge key by key; a resource's `IgnoreGlobals` leaves out the globals it names). Each
function's sandboxes get exactly its own environment.

A zip function runs from its CodeUri folder with the template's layers on its path. A `PackageType: Image`
function runs from the sources its Dockerfile copies into the task root (`infra.local.images`), with no layer
(an image has none), its handler from `ImageConfig.Command` or the Dockerfile's CMD.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from infra.local.images import image_code
from infra.local.intrinsics import Resolver
from infra.local.provision import FUNCTION_TYPES, LAYER_TYPES
from infra.local.template import Template, TemplateError

_DEFAULT_TIMEOUT_SECONDS = 3
_DEFAULT_MEMORY_MB = 128
IMAGE_PACKAGE = "Image"


@dataclass(frozen=True)
class EventSource:
    """One entry of a function's Events, its properties resolved."""

    name: str
    type: str
    properties: dict[str, Any]


@dataclass(frozen=True)
class FunctionSpec:
    logical_id: str
    name: str
    arn: str
    code_dir: Path
    handler_module: str
    handler_attribute: str
    timeout_seconds: int
    memory_mb: int
    environment: dict[str, str]
    events: list[EventSource] = field(default_factory=list)
    # How Lambda retries the function's asynchronous invocations (schedules): `EventInvokeConfig`, resolved.
    event_invoke_config: dict[str, Any] = field(default_factory=dict)
    # An image function's other folders of its task root (after `code_dir`), in place of the template's
    # layers; None for a zip function, which gets the layers.
    image_paths: tuple[Path, ...] | None = None

    @property
    def handler_file(self) -> Path:
        return self.code_dir.joinpath(*self.handler_module.split(".")).with_suffix(".py")

    def events_of_type(self, event_type: str) -> list[EventSource]:
        return [event for event in self.events if event.type == event_type]


def function_specs(template: Template, resolver: Resolver) -> list[FunctionSpec]:
    """Every included function of the template; call after provisioning (names must resolve)."""
    specs = []
    for resource in template.resources.values():
        if resource.type not in FUNCTION_TYPES or not resolver.is_included(resource.condition):
            continue
        function_globals = _applied_globals(template, resource.logical_id)
        properties = {**function_globals, **resource.properties}
        environment = _merged_environment(function_globals, resource.properties)
        specs.append(_function_spec(template, resolver, resource.logical_id, properties, environment))
    return specs


def _applied_globals(template: Template, logical_id: str) -> dict[str, Any]:
    """Globals.Function without what the resource's IgnoreGlobals names (`*`: all of it), as SAM applies them."""
    ignored = template.document["Resources"][logical_id].get("IgnoreGlobals")
    if ignored == "*":
        return {}
    if isinstance(ignored, list):
        return {key: value for key, value in template.function_globals.items() if key not in ignored}
    return template.function_globals


def _merged_environment(globals_: dict[str, Any], own: dict[str, Any]) -> dict[str, Any]:
    global_variables = (globals_.get("Environment") or {}).get("Variables") or {}
    own_variables = (own.get("Environment") or {}).get("Variables") or {}
    return {**global_variables, **own_variables}


def _function_spec(
    template: Template,
    resolver: Resolver,
    logical_id: str,
    properties: dict[str, Any],
    environment: dict[str, Any],
) -> FunctionSpec:
    if properties.get("PackageType") == IMAGE_PACKAGE:
        code = _image_function_code(template, resolver, logical_id, properties)
    else:
        code = _zip_function_code(template, resolver, logical_id, properties)
    outputs = resolver.outputs[logical_id]
    events = properties.get("Events") or {}
    return FunctionSpec(
        logical_id=logical_id,
        name=outputs.ref,
        arn=outputs.attributes["Arn"],
        code_dir=code.code_dir,
        handler_module=code.module,
        handler_attribute=code.attribute,
        image_paths=code.image_paths,
        timeout_seconds=int(resolver.resolve_string(properties.get("Timeout", _DEFAULT_TIMEOUT_SECONDS), "Timeout")),
        memory_mb=int(resolver.resolve_string(properties.get("MemorySize", _DEFAULT_MEMORY_MB), "MemorySize")),
        environment={
            key: resolver.resolve_string(value, f"{logical_id} environment variable {key}")
            for key, value in resolver.resolve(environment).items()  # AWS::NoValue drops a variable
        },
        events=[_event_source(resolver, name, body) for name, body in events.items()],
        event_invoke_config=dict(resolver.resolve(properties.get("EventInvokeConfig") or {})),
    )


@dataclass(frozen=True)
class _Code:
    code_dir: Path
    module: str
    attribute: str
    image_paths: tuple[Path, ...] | None = None


def _handler_parts(logical_id: str, handler: str) -> tuple[str, str]:
    module, separator, attribute = handler.rpartition(".")
    if not separator or not module:
        raise TemplateError(f"{logical_id}: handler {handler!r} is not module.attribute")
    return module, attribute


def _zip_function_code(template: Template, resolver: Resolver, logical_id: str, properties: dict[str, Any]) -> _Code:
    handler = resolver.resolve_string(properties.get("Handler"), f"{logical_id}.Handler")
    module, attribute = _handler_parts(logical_id, handler)
    code_uri = properties.get("CodeUri")
    if not isinstance(code_uri, str):
        raise TemplateError(f"{logical_id}: only a local CodeUri folder can run locally")
    return _Code((template.base_dir / code_uri).resolve(), module, attribute)


def _image_function_code(template: Template, resolver: Resolver, logical_id: str, properties: dict[str, Any]) -> _Code:
    """The folders of an image function's task root, from the Dockerfile its Metadata names (as `sam build`
    finds it: DockerContext relative to the template, Dockerfile relative to DockerContext)."""
    metadata = template.document["Resources"][logical_id].get("Metadata") or {}
    if not isinstance(metadata.get("Dockerfile"), str):
        raise TemplateError(f"{logical_id}: an image function runs locally from the Dockerfile its Metadata names")
    image_config = dict(resolver.resolve(properties.get("ImageConfig") or {}))
    for unmapped in ("EntryPoint", "WorkingDirectory"):
        if image_config.get(unmapped):
            raise TemplateError(f"{logical_id}: ImageConfig.{unmapped} cannot be run locally")
    context = (template.base_dir / str(metadata.get("DockerContext") or ".")).resolve()
    code = image_code(context / metadata["Dockerfile"], context)
    command = image_config.get("Command") or code.command
    if not command:
        raise TemplateError(f"{logical_id}: neither ImageConfig.Command nor the Dockerfile's CMD names a handler")
    module, attribute = _handler_parts(logical_id, str(command[0]))
    relative = Path(*module.split("."))
    homes = [folder for folder in code.search_path if folder.joinpath(relative).with_suffix(".py").is_file()]
    if not homes:
        raise TemplateError(f"{logical_id}: no COPY of the Dockerfile brings the handler's module {module!r}")
    code_dir = homes[0]
    others = tuple(dict.fromkeys(folder for folder in code.search_path if folder != code_dir))
    return _Code(code_dir, module, attribute, image_paths=others)


def _event_source(resolver: Resolver, name: str, body: dict[str, Any]) -> EventSource:
    properties = resolver.resolve(body.get("Properties") or {})
    return EventSource(name=name, type=str(body.get("Type")), properties=dict(properties))


def shared_environment(functions: Iterable[FunctionSpec]) -> dict[str, str]:
    """The variables every function has, with the same value (the tables of Globals, say)."""
    environments = [function.environment for function in functions]
    if not environments:
        return {}
    first, *others = environments
    return {key: value for key, value in first.items() if all(other.get(key) == value for other in others)}


def layer_paths(template: Template) -> list[Path]:
    """Folders to put on sys.path for the template's layers (ContentUri, or its python/ folder)."""
    paths = []
    for resource in template.resources.values():
        if resource.type not in LAYER_TYPES:
            continue
        content = resource.properties.get("ContentUri") or resource.properties.get("Content")
        if not isinstance(content, str):
            continue
        folder = (template.base_dir / content).resolve()
        paths.append(folder / "python" if (folder / "python").is_dir() else folder)
    return paths
