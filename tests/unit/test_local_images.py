"""The local runtime's image functions (infra.local.images, .functions, .sandbox): a `PackageType: Image`
function runs from the sources its Dockerfile copies into the task root, without the template's layers, with
its handler from ImageConfig.Command or the Dockerfile's CMD; whatever cannot be mapped to folders is refused
by name. On a small project written in each test, and on the project's own template."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from infra.local.config import REPO_ROOT
from infra.local.functions import FunctionSpec, function_specs, layer_paths
from infra.local.images import TASK_ROOT, image_code, read_instructions
from infra.local.intrinsics import PseudoParameters, Resolver, ResourceOutputs, parameter_values
from infra.local.provision import skipped_resource_ids
from infra.local.sandbox import SandboxSettings, invocation_context, start_sandbox
from infra.local.template import Template, TemplateError, load_template, load_template_text
from tests.iam_guard import predicted_resolver, template_principals

PSEUDO = PseudoParameters(region="eu-west-1", account_id="111122223333", stack_name="chirp-local")

TEMPLATE_TEXT = """
Globals:
  Function:
    Runtime: python3.12
    Timeout: 7
    Layers: [!Ref Layer]
    Environment:
      Variables: {STAGE: v1}
Resources:
  Layer:
    Type: AWS::Serverless::LayerVersion
    Properties: {ContentUri: layer/}
  Zipped:
    Type: AWS::Serverless::Function
    Properties: {CodeUri: functions/zipped/, Handler: app.handler}
  Imaged:
    Type: AWS::Serverless::Function
    IgnoreGlobals: IGNORED
    Properties:
      PackageType: Image
      IMAGE_CONFIG
    Metadata:
      Dockerfile: functions/imaged/Dockerfile
      DockerContext: .
"""

DOCKERFILE = """\
# The image's comment
FROM public.ecr.aws/lambda/python:3.12
COPY functions/imaged/requirements.txt /build/requirements.txt
RUN pip install --target "${LAMBDA_TASK_ROOT}" \\
        -r /build/requirements.txt
COPY shared/mylib ${LAMBDA_TASK_ROOT}/mylib
COPY functions/imaged/app.py ${LAMBDA_TASK_ROOT}/
CMD ["app.handler"]
"""

HANDLER = """
import importlib.util, os, sys
import mylib

def handler(event, context):
    return {
        "mylib": mylib.VALUE,
        "layer_module_found": importlib.util.find_spec("layer_only") is not None,
        "task_root": os.environ["LAMBDA_TASK_ROOT"],
        "stage": os.environ.get("STAGE"),
    }
"""


def project(
    root: Path, dockerfile: str = DOCKERFILE, image_config: str = "Timeout: 60", ignored: str = "[Runtime, Layers]"
) -> Template:
    """A project: a layer with a module of its own, a zip function, and an image function whose Dockerfile
    copies a library folder and its handler."""
    files = {
        "layer/layer_only.py": "VALUE = 'from the layer'\n",
        "functions/zipped/app.py": "def handler(event, context):\n    return 'zip'\n",
        "functions/imaged/app.py": HANDLER,
        "functions/imaged/requirements.txt": "Pillow\n",
        "functions/imaged/Dockerfile": dockerfile,
        "shared/mylib/__init__.py": "VALUE = 'copied'\n",
        "shared/other.py": "",
    }
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    text = TEMPLATE_TEXT.replace("IMAGE_CONFIG", image_config).replace("IGNORED", ignored)
    return Template(document=load_template_text(text), base_dir=root)


def specs_of(template: Template) -> dict[str, FunctionSpec]:
    resolver = Resolver(template, parameter_values(template, {}), PSEUDO, skipped_resource_ids(template))
    resolver.outputs["Layer"] = ResourceOutputs("arn:layer")
    for name in ("Zipped", "Imaged"):
        resolver.outputs[name] = ResourceOutputs(f"chirp-local-{name}", {"Arn": f"arn:function:{name}"})
    return {spec.logical_id: spec for spec in function_specs(template, resolver)}


def refusal(root: Path, dockerfile: str) -> str:
    with pytest.raises(TemplateError) as refused:
        specs_of(project(root, dockerfile))
    return str(refused.value)


# ---------------------------------------------------------------------- mapping


def test_an_image_function_runs_from_the_folders_its_dockerfile_copies(tmp_path: Path) -> None:
    # When the project's functions are read
    specs = specs_of(project(tmp_path))

    # Then the image function's code is the handler's folder, then the copied library's, and no layer
    image = specs["Imaged"]
    assert image.code_dir == tmp_path / "functions" / "imaged"
    assert (image.handler_module, image.handler_attribute) == ("app", "handler")
    assert image.image_paths == (tmp_path / "shared",)
    assert image.timeout_seconds == 60
    # And the zip function keeps its CodeUri and the layers (no image paths)
    assert specs["Zipped"].code_dir == tmp_path / "functions" / "zipped"
    assert specs["Zipped"].image_paths is None


def test_image_config_command_names_the_handler_over_the_dockerfiles_cmd(tmp_path: Path) -> None:
    # Given a second module in the handler's folder, named by ImageConfig.Command
    template = project(tmp_path, image_config="ImageConfig: {Command: [other_entry.main]}")
    assert template.resources["Imaged"].properties["ImageConfig"] == {"Command": ["other_entry.main"]}
    (tmp_path / "functions" / "imaged" / "other_entry.py").write_text("def main(event, context): ...\n")
    dockerfile = DOCKERFILE.replace("COPY functions/imaged/app.py", "COPY functions/imaged/ ")
    (tmp_path / "functions" / "imaged" / "Dockerfile").write_text(dockerfile)

    # When the image function is read
    image = specs_of(template)["Imaged"]

    # Then its handler is the template's
    assert (image.handler_module, image.handler_attribute) == ("other_entry", "main")
    assert image.handler_file == tmp_path / "functions" / "imaged" / "other_entry.py"


def test_ignore_globals_leaves_out_what_it_names(tmp_path: Path) -> None:
    # Given an image function ignoring Globals' Runtime and Layers (and Timeout, in this variant)
    template = project(
        tmp_path, image_config="Description: no timeout of its own", ignored="[Runtime, Layers, Timeout]"
    )

    # When it is read
    image = specs_of(template)["Imaged"]

    # Then Lambda's default timeout applies, and the environment Globals gives is still merged
    assert image.timeout_seconds == 3
    assert image.environment == {"STAGE": "v1"}


def test_read_instructions_joins_continuations_and_skips_comments() -> None:
    # When the Dockerfile's instructions are read
    instructions = read_instructions(DOCKERFILE)

    # Then each is one instruction, continued lines joined, with the line it starts on
    assert [(i.keyword, i.line) for i in instructions] == [
        ("FROM", 2),
        ("COPY", 3),
        ("RUN", 4),
        ("COPY", 6),
        ("COPY", 7),
        ("CMD", 8),
    ]
    assert instructions[2].arguments == 'pip install --target "${LAMBDA_TASK_ROOT}" -r /build/requirements.txt'


def test_copies_outside_the_task_root_are_build_inputs(tmp_path: Path) -> None:
    # Given the project's Dockerfile
    project(tmp_path)

    # When it is read
    code = image_code(tmp_path / "functions" / "imaged" / "Dockerfile", tmp_path)

    # Then every COPY is known, but only those into the task root are on the path
    assert [str(copy.destination) for copy in code.copies] == [
        "/build/requirements.txt",
        f"{TASK_ROOT}/mylib",
        f"{TASK_ROOT}",
    ]
    assert code.search_path == (tmp_path / "shared", tmp_path / "functions" / "imaged")
    assert code.command == ("app.handler",)


@pytest.mark.parametrize(
    ("change", "named"),
    [
        (("FROM public.ecr.aws/lambda/python:3.12", "FROM python:3.12-slim"), "not one of AWS's Lambda Python base"),
        (("FROM public.ecr.aws/lambda/python:3.12", "FROM public.ecr.aws/lambda/python:3.12\nFROM x"), "multi-stage"),
        (("COPY shared/mylib", "ADD shared/mylib"), "only COPY, RUN and CMD map"),
        (("COPY shared/mylib", "COPY --from=builder shared/mylib"), "--from=builder cannot be mapped"),
        (("COPY shared/mylib ${LAMBDA_TASK_ROOT}/mylib", "COPY shared/my* ${LAMBDA_TASK_ROOT}/"), "wildcards"),
        (("${LAMBDA_TASK_ROOT}/mylib", "${LAMBDA_TASK_ROOT}/yourlib"), "renamed copy"),
        (("${LAMBDA_TASK_ROOT}/mylib", "/opt/python/mylib"), "on Lambda's path"),
        (("CMD [", "ENV MODE=fast\nCMD ["), "only COPY, RUN and CMD map"),
        (('CMD ["app.handler"]', "CMD app.handler"), "JSON form"),
        (("COPY shared/mylib", "COPY shared/missing"), "does not exist"),
        (("COPY shared/mylib", "COPY ../outside"), "outside the build context"),
        (("${LAMBDA_TASK_ROOT}/mylib", "${APP_ROOT}/mylib"), "$APP_ROOT is not known locally"),
    ],
    ids=[
        "other-base",
        "multi-stage",
        "add",
        "copy-from",
        "wildcard",
        "rename",
        "opt",
        "env",
        "shell-cmd",
        "missing",
        "outside",
        "variable",
    ],
)
def test_what_cannot_be_mapped_is_refused_by_name(tmp_path: Path, change: tuple[str, str], named: str) -> None:
    # Given the project's Dockerfile changed to use something the local runtime cannot map
    old, new = change
    assert old in DOCKERFILE
    dockerfile = DOCKERFILE.replace(old, new, 1)

    # When the functions are read / Then the refusal names the Dockerfile, the line and the reason
    message = refusal(tmp_path, dockerfile)
    assert named in message
    assert "Dockerfile" in message


def test_an_image_without_the_handlers_module_is_refused(tmp_path: Path) -> None:
    # Given a Dockerfile that never copies app.py / When read / Then refused, naming the module
    dockerfile = DOCKERFILE.replace("COPY functions/imaged/app.py ${LAMBDA_TASK_ROOT}/\n", "")
    assert "no COPY of the Dockerfile brings the handler's module 'app'" in refusal(tmp_path, dockerfile)


# ---------------------------------------------------------------------- running


def test_an_image_function_runs_in_a_sandbox_without_the_layers(tmp_path: Path) -> None:
    # Given the image function's spec, and sandbox settings that put the template's layer on every zip function
    template = project(tmp_path)
    image = specs_of(template)["Imaged"]
    settings = SandboxSettings(base_environment=dict(os.environ), layer_paths=layer_paths(template))
    assert layer_paths(template) == [tmp_path / "layer"]

    # When its sandbox starts and is invoked
    sandbox = start_sandbox(image, settings)
    try:
        result = sandbox.invoke({}, invocation_context(image), timeout_seconds=10)
    finally:
        sandbox.close()

    # Then the handler imported the copied library, and the layer's module is not on its path
    assert result == {
        "mylib": "copied",
        "layer_module_found": False,
        "task_root": str(tmp_path / "functions" / "imaged"),
        "stage": "v1",
    }


# ---------------------------------------------------------------------- the project's template


def test_the_media_processor_runs_from_its_dockerfiles_sources_with_its_template_policies() -> None:
    # Given the project's template
    template = load_template(REPO_ROOT / "template.yaml")
    resolver = predicted_resolver(template)

    # When its functions and their principals are read
    specs = {spec.logical_id: spec for spec in function_specs(template, resolver)}
    principals = template_principals(template, resolver)

    # Then the media processor runs its handler with the chirp package beside it, as its image does, and no layer
    processor = specs["MediaProcessorFunction"]
    assert processor.handler_file == REPO_ROOT / "functions" / "media_processor" / "app.py"
    assert processor.image_paths == (REPO_ROOT / "layers" / "chirp",)
    # And its IAM principal holds the template's policies, as every function's does
    statements = [
        statement
        for policy in principals["MediaProcessorFunction"].policies
        for statement in policy.document["Statement"]
    ]
    reads = [s for s in statements if s.get("Sid") == "UploadsRead"]
    assert reads and reads[0]["Resource"].endswith("/uploads/*")
