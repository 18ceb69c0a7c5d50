"""What the template tests share besides fixtures: where things are, and how to read the template
the way SAM and Lambda do."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cfnlint.decode.cfn_yaml import load as load_cfn_yaml

REPO = Path(__file__).resolve().parents[2]
TEMPLATE_PATH = REPO / "template.yaml"
SAM_VENV_BIN = REPO / ".venv-sam" / "bin"
APP_PROBE = Path(__file__).with_name("app_probe.py")
EVENTS_DIR = REPO / "events"
REGION = "us-east-1"
API_FUNCTION_ID = "ApiFunction"
API_ID = "ChirpApi"

HEALTH_EVENT = EVENTS_DIR / "api" / "health.json"
# The folders Lambda puts on the API function's path: its code (/var/task) and the layer (/opt/python).
API_SEARCH_PATH = [REPO / "functions" / "api", REPO / "layers" / "chirp"]

Template = dict[str, Any]
RunTool = Callable[..., subprocess.CompletedProcess[str]]


@dataclass(frozen=True)
class AppProbe:
    """What tests/template/app_probe.py reported about the Chalice app (see there)."""

    routes: set[tuple[str, str]]
    operations: list[dict[str, Any]]
    responses: dict[str, dict[str, Any]]


def load_template(path: Path) -> Template:
    """A template, short-form tags (`!Ref X`) read as their long forms (`{"Ref": "X"}`)."""
    document: Template = load_cfn_yaml(str(path))
    return document


def resources_of_type(template: Template, resource_type: str) -> dict[str, dict[str, Any]]:
    return {name: resource for name, resource in template["Resources"].items() if resource["Type"] == resource_type}


def function_property(template: Template, logical_id: str, name: str) -> Any:
    """A function property as SAM applies it: the function's own value, else Globals.Function's (unless the
    function's IgnoreGlobals leaves it out)."""
    resource = template["Resources"][logical_id]
    properties = resource.get("Properties", {})
    if name in properties:
        return properties[name]
    ignored = resource.get("IgnoreGlobals") or []
    if ignored == "*" or name in ignored:
        return None
    return template.get("Globals", {}).get("Function", {}).get(name)


def is_image_function(template: Template, logical_id: str) -> bool:
    return template["Resources"][logical_id].get("Properties", {}).get("PackageType") == "Image"


def function_code_folder(template: Template, logical_id: str) -> Path:
    """A function's folder under functions/: its CodeUri, or an image function's Dockerfile's folder."""
    if is_image_function(template, logical_id):
        metadata = template["Resources"][logical_id]["Metadata"]
        return Path(metadata.get("DockerContext", ".")) / Path(metadata["Dockerfile"]).parent
    return Path(str(function_property(template, logical_id, "CodeUri")))


def function_environment(template: Template, logical_id: str) -> dict[str, Any]:
    """A function's variables as SAM merges them: Globals.Function's first, the function's own on top."""
    globals_variables = template.get("Globals", {}).get("Function", {}).get("Environment", {}).get("Variables", {})
    properties = template["Resources"][logical_id].get("Properties", {})
    own_variables = properties.get("Environment", {}).get("Variables", {})
    return {**globals_variables, **own_variables}


def resolve_reference(value: Any, template: Template) -> str:
    """A variable's value as a deployed function would see it, near enough for a test: literals as they
    are, a `Ref` to a parameter as its default, a `Ref` to a resource as the resource's logical id (a bucket's
    lower-cased, as S3 names must be), a search domain's endpoint as the local runtime's embedded one, a
    CloudFront distribution's domain as CloudFront names one."""
    if isinstance(value, dict) and set(value) == {"Ref"}:
        name = value["Ref"]
        parameter = template.get("Parameters", {}).get(name)
        if parameter is not None:
            return str(parameter["Default"])
        bucket = template.get("Resources", {}).get(name, {}).get("Type") == "AWS::S3::Bucket"
        return str(name).lower() if bucket else str(name)
    if isinstance(value, dict) and set(value) == {"Fn::GetAtt"} and value["Fn::GetAtt"][1] == "DomainEndpoint":
        return f"embedded:/tmp/chirp-template-{value['Fn::GetAtt'][0]}"  # as the local runtime provisions it
    if isinstance(value, dict) and set(value) == {"Fn::GetAtt"} and value["Fn::GetAtt"][1] == "DomainName":
        return f"{value['Fn::GetAtt'][0].lower()}.cloudfront.net"
    if isinstance(value, str | int | float | bool):
        return str(value)
    raise AssertionError(f"an environment value the tests cannot resolve: {value!r}")


def references(value: Any) -> set[str]:
    """Every logical id or parameter a template value points at through Ref, Fn::GetAtt or a `${Name}`
    of Fn::Sub; pseudo parameters (`AWS::Region`) and Fn::Sub's own variables are not references."""
    found: set[str] = set()
    if isinstance(value, list):
        for inner in value:
            found |= references(inner)
        return found
    if not isinstance(value, dict):
        return found
    for key, inner in value.items():
        if key == "Ref":
            found.add(str(inner))
        elif key == "Fn::GetAtt":
            found.add(str(inner[0]) if isinstance(inner, list) else str(inner).split(".")[0])
        elif key == "Fn::Sub":
            text, variables = (inner[0], inner[1]) if isinstance(inner, list) else (inner, {})
            names = {name.split(".")[0] for name in re.findall(r"\$\{([^}!][^}]*)\}", str(text))}
            found |= (names - set(variables)) | references(list(variables.values()))
        else:
            found |= references(inner)
    return {name for name in found if not name.startswith("AWS::")}


def python312_bin() -> Path:
    """The folder of a Python 3.12 (the Lambda runtime's version): pyenv's first, then PATH's."""
    pyenv = sorted(Path("/root/.pyenv/versions").glob("3.12.*/bin/python3.12"))
    found = str(pyenv[-1]) if pyenv else shutil.which("python3.12")
    if not found:
        pytest.fail("sam build needs python3.12 on PATH (the functions' runtime); none was found", pytrace=False)
    return Path(found).resolve().parent


def preflights(routes: set[tuple[str, str]]) -> set[tuple[str, str]]:
    """An OPTIONS route for each path of `routes`: CORS preflights reach the function, which answers them."""
    return {(path, "OPTIONS") for path, _method in routes}
