"""`sam build` turns the template into deployable artifacts: the layer holds the chirp package and
every pinned dependency, the function holds its handler, and the two together serve a request.

The build runs from scratch into a temporary folder every time (about 70 s on 2 idle cores one build after
another, 3 minutes beside the rest of the suite: the layer's pip install and bytecode ~35 s, the search indexer's
opensearch-py ~17 s, the API's ~10 s, where pip spends a third of the time waiting on the index and on its own
start), so it never depends on, or leaves behind, state that another run or another test worker shares: a cache
kept across runs would also hide a new release of an unpinned transitive dependency that breaks the layer.
`--parallel` builds the layer and the functions side by side (none of the builds reads another's output), which
overlaps those waits; the artifacts are the same.

The media processor is a container image (`PackageType: Image`), which `sam build` builds with Docker; the
test machines have none. So `sam build` runs on a copy of the template without image functions; the image is
checked in test_image_build.py.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from importlib.metadata import Distribution, distributions
from pathlib import Path
from typing import Any

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.template.support import (
    API_FUNCTION_ID,
    HEALTH_EVENT,
    REGION,
    REPO,
    RunTool,
    Template,
    is_image_function,
    load_template,
    python312_bin,
)

LAYER_ID = "ChirpLayer"
FUNCTION_ID = API_FUNCTION_ID
LAYER_REQUIREMENTS = REPO / "layers" / "chirp" / "requirements.txt"
BUILD_TIMEOUT_SECONDS = 300
# Lambda's hard limit on a function's unzipped code plus all its layers.
LAMBDA_UNZIPPED_LIMIT_BYTES = 262_144_000
# Runs inside the built artifact: import the handler the template names, feed it one event.
INVOKE_HANDLER = """
import importlib, json, sys
module_name, _, attribute = sys.argv[1].rpartition(".")
handler = getattr(importlib.import_module(module_name), attribute)
with open(sys.argv[2]) as event_file:
    response = handler(json.load(event_file), None)
print("RESPONSE " + json.dumps(response))
"""
# Runs inside the built artifact: import the named modules and every module of the named packages.
IMPORT_MODULES = """
import importlib, json, pkgutil, sys
failures = {}
def load(name):
    try:
        return importlib.import_module(name)
    except Exception as error:
        failures[name] = [type(error).__name__, getattr(error, "name", None), str(error)]
for name in sys.argv[1].split(","):
    load(name)
for name in sys.argv[2].split(","):
    package = load(name)
    for module in pkgutil.walk_packages(package.__path__, name + ".") if package else ():
        load(module.name)
print("FAILURES " + json.dumps(failures))
"""
# What the Lambda Python runtime itself puts on the path, so a layer need not carry it.
LAMBDA_RUNTIME_MODULES = {"boto3"}


@dataclass(frozen=True)
class Build:
    root: Path
    template: Template

    def artifact(self, logical_id: str) -> Path:
        """The folder the built template's CodeUri/ContentUri names for a resource."""
        properties = self.template["Resources"][logical_id]["Properties"]
        uri = properties.get("CodeUri") or properties["ContentUri"]
        return self.root / uri


def zip_functions_template(template: Template, folder: Path) -> Path:
    """A copy of the template without its image functions (Docker builds those), as JSON (a SAM template too)."""
    document = json.loads(json.dumps(template))
    for logical_id in [name for name in document["Resources"] if is_image_function(document, name)]:
        del document["Resources"][logical_id]
    path = folder / "template-zip-functions.json"
    path.write_text(json.dumps(document, indent=1))
    return path


@pytest.fixture(scope="module")
def build(sam_bin: Path, run_tool: RunTool, template: Template, tmp_path_factory: pytest.TempPathFactory) -> Build:
    root = tmp_path_factory.mktemp("sam")
    build_dir = root / "build"
    python_bin = python312_bin()
    run_tool(
        [
            str(sam_bin / "sam"),
            "build",
            "--template",
            str(zip_functions_template(template, root)),
            "--base-dir",
            str(REPO),
            "--build-dir",
            str(build_dir),
            "--region",
            REGION,
            "--parallel",
        ],
        timeout=BUILD_TIMEOUT_SECONDS,
        extra_env={
            "PATH": f"{python_bin}{os.pathsep}{os.environ.get('PATH', '')}",
            "PYENV_VERSION": python_bin.parent.name,
        },
    )
    return Build(root=build_dir, template=load_template(build_dir / "template.yaml"))


def layer_distributions(site: Path) -> dict[str, Distribution]:
    return {canonicalize_name(dist.metadata["Name"]): dist for dist in distributions(path=[str(site)])}


def pinned_requirements() -> list[Requirement]:
    lines = (line.split("#")[0].strip() for line in LAYER_REQUIREMENTS.read_text().splitlines())
    return [Requirement(line) for line in lines if line]


def extra_dependencies(dist: Distribution, extra: str) -> list[Requirement]:
    """The requirements a distribution adds for one of its extras (`pydantic[email]` → email-validator)."""
    requirements = [Requirement(text) for text in dist.requires or []]
    return [req for req in requirements if req.marker is not None and req.marker.evaluate({"extra": extra})]


def import_names(dist: Distribution) -> set[str]:
    """The top-level modules and packages a distribution installs (`PyJWT` → `jwt`)."""
    names: set[str] = set()
    for file in dist.files or []:
        if len(file.parts) == 1 and file.suffix == ".py":
            names.add(file.stem)
        elif len(file.parts) == 2 and file.name == "__init__.py" and not file.parts[0].endswith(".dist-info"):
            names.add(file.parts[0])
    return names


def test_layer_holds_the_chirp_package_and_every_pinned_dependency(build: Build) -> None:
    # Given the built layer's python/ folder (what Lambda mounts at /opt/python)
    site = build.artifact(LAYER_ID) / "python"
    installed = layer_distributions(site)

    # Then the domain package is there
    assert (site / "chirp" / "__init__.py").is_file()
    # And every requirement of layers/chirp/requirements.txt, at a version its pin allows, with its extras
    problems: list[str] = []
    for requirement in pinned_requirements():
        dist = installed.get(canonicalize_name(requirement.name))
        if dist is None:
            problems.append(f"{requirement} is not installed")
            continue
        if not requirement.specifier.contains(dist.version, prereleases=True):
            problems.append(f"{requirement} is installed at {dist.version}")
        for extra in requirement.extras:
            missing = [
                str(req) for req in extra_dependencies(dist, extra) if canonicalize_name(req.name) not in installed
            ]
            if missing:
                problems.append(f"{requirement.name}[{extra}] lacks {', '.join(missing)}")
    assert problems == []
    # And the libraries' import packages themselves, not only their metadata
    assert (site / "pynamodb" / "__init__.py").is_file()
    assert (site / "chalice" / "__init__.py").is_file()


def test_function_artifact_holds_the_handler_module(build: Build, template: Template) -> None:
    # Given the handler the template names (`app.app`: module `app`, attribute `app`)
    module_name = template["Resources"][FUNCTION_ID]["Properties"]["Handler"].rpartition(".")[0]

    # Then the built function folder has that module at its root, where Lambda's /var/task starts
    assert (build.artifact(FUNCTION_ID) / f"{module_name.replace('.', '/')}.py").is_file()
    # And the function does not carry a second copy of the domain package that would shadow the layer's
    assert not (build.artifact(FUNCTION_ID) / "chirp").exists()


def test_built_template_attaches_the_built_layer_to_every_function(build: Build) -> None:
    # Given the template sam build wrote next to the artifacts
    resources = build.template["Resources"]
    functions = [name for name, resource in resources.items() if resource["Type"] == "AWS::Serverless::Function"]

    # Then every function gets the layer (through Globals), and every artifact folder it names exists
    layers = build.template.get("Globals", {}).get("Function", {}).get("Layers", [])
    assert {"Ref": LAYER_ID} in layers
    assert FUNCTION_ID in functions
    for logical_id in [*functions, LAYER_ID]:
        assert build.artifact(logical_id).is_dir(), logical_id


def test_function_and_layer_fit_lambdas_unzipped_size_limit(build: Build) -> None:
    # Given the two folders Lambda unpacks for the API function
    folders = [build.artifact(FUNCTION_ID), build.artifact(LAYER_ID)]

    # When their files are added up
    size = sum(path.stat().st_size for folder in folders for path in folder.rglob("*") if path.is_file())

    # Then they fit Lambda's 250 MB limit on code and layers together
    assert size < LAMBDA_UNZIPPED_LIMIT_BYTES, f"{size / 1e6:.0f} MB"


def test_layers_libraries_and_chirp_modules_import_on_the_lambda_python(
    build: Build, run_tool: RunTool, api_function_environment: dict[str, str]
) -> None:
    # Given the top-level modules of every pinned library (and of what their extras add)
    site = build.artifact(LAYER_ID) / "python"
    installed = layer_distributions(site)
    wanted = [
        *(canonicalize_name(requirement.name) for requirement in pinned_requirements()),
        *(
            canonicalize_name(extra_requirement.name)
            for requirement in pinned_requirements()
            for extra in requirement.extras
            for extra_requirement in extra_dependencies(installed[canonicalize_name(requirement.name)], extra)
        ),
    ]
    libraries = sorted({name for dist_name in wanted for name in import_names(installed[dist_name])})
    assert "twitter_text" in libraries

    # When a Python 3.12 that sees only the layer (-S: no site-packages) imports them and every chirp module
    python = python312_bin() / "python3.12"
    result = run_tool(
        [str(python), "-S", "-c", IMPORT_MODULES, ",".join(libraries), "chirp"],
        timeout=120,
        extra_env={**api_function_environment, "PYTHONPATH": str(site)},
        cwd=build.artifact(FUNCTION_ID),
    )

    # Then every import succeeds, save those of what Lambda's runtime provides itself (boto3)
    failures: dict[str, list[str | None]] = json.loads(result.stdout.split("FAILURES ", 1)[1])
    real_failures = {
        module: failure
        for module, failure in failures.items()
        if not (failure[0] == "ModuleNotFoundError" and failure[1] in LAMBDA_RUNTIME_MODULES)
    }
    report = "\n".join(f"{module}: {kind}: {text}" for module, (kind, _, text) in real_failures.items())
    assert real_failures == {}, report


def test_built_function_serves_the_health_event_with_only_its_layer(
    build: Build, template: Template, run_tool: RunTool, api_function_environment: dict[str, str]
) -> None:
    # Given a Python 3.12 that sees no site-packages (-S), only the function's folder (Lambda's /var/task,
    # also the working directory) and the layer's python/ folder (/opt/python), and the function's
    # environment from the template
    python = python312_bin() / "python3.12"
    search_path = os.pathsep.join([str(build.artifact(FUNCTION_ID)), str(build.artifact(LAYER_ID) / "python")])
    handler = template["Resources"][FUNCTION_ID]["Properties"]["Handler"]

    # When the handler is imported and fed the sample health event
    result = run_tool(
        [str(python), "-S", "-c", INVOKE_HANDLER, handler, str(HEALTH_EVENT)],
        timeout=60,
        extra_env={**api_function_environment, "PYTHONPATH": search_path},
        cwd=build.artifact(FUNCTION_ID),
    )

    # Then it answers 200 {"status": "ok"}
    response: dict[str, Any] = json.loads(result.stdout.split("RESPONSE ", 1)[1])
    assert response["statusCode"] == 200, response
    assert json.loads(response["body"]) == {"status": "ok"}


# ---------------------------------------------------------------- the media processor's image
