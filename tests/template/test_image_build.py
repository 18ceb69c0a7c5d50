"""The media processor's container image (`PackageType: Image`), which `sam build` builds with Docker; the test
machines have none (test_sam_build.py builds the rest from a copy of the template without image functions).
The image is checked the way its Dockerfile builds it: the requirement files its RUN installs are installed
together for Lambda's platform (`pip install --platform ... --only-binary=:all: --target`: wheels for CPython
3.12 on glibc <= 2.34, Amazon Linux 2023's; the few requirements published as sdists only are built into
wheels first, as pip in the image would build them), and a Python 3.12 that sees only that folder and the
folders the Dockerfile COPYs imports the handler and processes an image and a video there, with the platform's
Pillow and ffmpeg. A file of its own, so that its install (about a minute) runs beside `sam build` on another
test worker.
"""

from __future__ import annotations

import json
import os
import shlex
from pathlib import Path, PurePosixPath
from typing import Any

import pytest

from infra.local.images import LAMBDA_PYTHON_IMAGES, TASK_ROOT, ImageCode, image_code, read_instructions
from tests.template.support import (
    API_FUNCTION_ID,
    REGION,
    REPO,
    RunTool,
    Template,
    function_environment,
    function_property,
    is_image_function,
    python312_bin,
    resolve_reference,
)

LAYER_REQUIREMENTS = REPO / "layers" / "chirp" / "requirements.txt"
IMAGE_FUNCTION_ID = "MediaProcessorFunction"
# What the image's RUN installs: the chirp layer's requirements and the function's own.
IMAGE_REQUIREMENTS = [LAYER_REQUIREMENTS, REPO / "functions" / "media_processor" / "requirements.txt"]
# Lambda's python3.12 runs on Amazon Linux 2023 (glibc 2.34): wheels for any manylinux up to it. pip expands
# only the legacy manylinux2014 tag to older ones, so each glibc version is named.
LAMBDA_PLATFORMS = [f"manylinux_2_{minor}_x86_64" for minor in range(34, 16, -1)] + ["manylinux2014_x86_64"]
INSTALL_TIMEOUT_SECONDS = 600
# Runs on the image's folders alone: import the handler (its init builds its clients), then process a PNG and
# a one-second video made with the image's own ffmpeg, as the function would.
PROCESS_IN_IMAGE = """
import importlib, io, json, os, subprocess, sys, tempfile
module_name, _, attribute = sys.argv[1].rpartition(".")
handler = getattr(importlib.import_module(module_name), attribute)
import imageio_ffmpeg
from PIL import Image
from chirp.media.processing import process_image, process_video
png = io.BytesIO()
Image.new("RGB", (800, 600), (200, 30, 30)).save(png, "PNG")
image = process_image(png.getvalue(), "image/png")
with tempfile.TemporaryDirectory() as folder:
    video_path = os.path.join(folder, "clip.mp4")
    subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25",
         "-t", "1", "-c:v", "libx264", "-pix_fmt", "yuv420p", video_path],
        check=True,
    )
    video = process_video(video_path, "video/mp4")
print("PROCESSED " + json.dumps({
    "handler": callable(handler),
    "pillow": Image.__file__,
    "ffmpeg": imageio_ffmpeg.get_ffmpeg_exe(),
    "image": [[v.name, v.content_type, v.width, v.height] for v in image.variants],
    "video": [video.width, video.height, video.duration_ms, [v.name for v in video.variants]],
}))
"""


def dockerfile_of(template: Template, logical_id: str) -> tuple[Path, Path]:
    """(Dockerfile, build context) of an image function, as `sam build` finds them from its Metadata."""
    metadata = template["Resources"][logical_id]["Metadata"]
    context = (REPO / metadata.get("DockerContext", ".")).resolve()
    return context / metadata["Dockerfile"], context


@pytest.fixture(scope="module")
def image(template: Template) -> ImageCode:
    return image_code(*dockerfile_of(template, IMAGE_FUNCTION_ID))


@pytest.fixture(scope="module")
def image_task_root(run_tool: RunTool, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The image's RUN, emulated: both requirement files installed together into one folder for Lambda's
    platform (its /var/task), the sdist-only requirements built into wheels first."""
    folder = tmp_path_factory.mktemp("image")
    python = str(python312_bin() / "python3.12")
    requirements = [argument for path in IMAGE_REQUIREMENTS for argument in ("-r", str(path))]
    wheels, task_root = folder / "wheels", folder / "task-root"
    run_tool(
        [python, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", str(wheels), *requirements],
        timeout=INSTALL_TIMEOUT_SECONDS,
    )
    platforms = [argument for platform in LAMBDA_PLATFORMS for argument in ("--platform", platform)]
    run_tool(
        [
            *(python, "-m", "pip", "install", "--quiet", *platforms, "--only-binary=:all:"),
            *("--python-version", "3.12", "--implementation", "cp", "--abi", "cp312"),
            *("--find-links", str(wheels), "--target", str(task_root), *requirements),
        ],
        timeout=INSTALL_TIMEOUT_SECONDS,
    )
    return task_root


def test_image_function_takes_no_runtime_or_layers_from_globals(template: Template) -> None:
    # Given the image function (Globals.Function gives every function a Runtime and the layer)
    assert is_image_function(template, IMAGE_FUNCTION_ID)

    # Then it leaves both out, as SAM requires of an image (its base image is its runtime; it carries its code)
    assert function_property(template, IMAGE_FUNCTION_ID, "Runtime") is None
    assert function_property(template, IMAGE_FUNCTION_ID, "Layers") is None
    assert "Handler" not in template["Resources"][IMAGE_FUNCTION_ID]["Properties"]


def test_dockerfile_copies_existing_sources_and_installs_the_requirements_tested_here(
    template: Template, image: ImageCode
) -> None:
    # Given the image's Dockerfile
    dockerfile, context = dockerfile_of(template, IMAGE_FUNCTION_ID)
    instructions = read_instructions(dockerfile.read_text())

    # Then it builds on Lambda's Python base image, at the zip functions' Python version
    (base,) = [instruction.arguments for instruction in instructions if instruction.keyword == "FROM"]
    version = str(function_property(template, API_FUNCTION_ID, "Runtime")).removeprefix("python")
    assert base == f"{LAMBDA_PYTHON_IMAGES[0]}{version}"
    # And every source it copies exists in its build context, and is one .dockerignore lets through (it
    # ignores everything, `*`, but what it names with `!`)
    sources = [context / source for copy in image.copies for source in copy.sources]
    assert sources and all(source.exists() for source in sources)
    patterns = [line.strip() for line in (context / ".dockerignore").read_text().splitlines()]
    patterns = [line for line in patterns if line and not line.startswith("#")]
    assert patterns[0] == "*"
    allowed = [context / line[1:].rstrip("/") for line in patterns if line.startswith("!")]
    assert all(any(source == path or path in source.parents for path in allowed) for source in sources)
    # And its one pip install reads exactly the requirement files this module installs, into the task root
    (install,) = [i for i in instructions if i.keyword == "RUN" and "pip install" in i.arguments]
    words = shlex.split(install.arguments)
    read = [PurePosixPath(words[n + 1]) for n, word in enumerate(words) if word == "-r"]
    copied_from = {copy.destination: context / copy.sources[0] for copy in image.copies if len(copy.sources) == 1}
    assert sorted(copied_from[path] for path in read) == sorted(IMAGE_REQUIREMENTS)
    assert words[words.index("--target") + 1] == "${LAMBDA_TASK_ROOT}"
    # And the chirp package lands in the task root, with the handler the template's ImageConfig names
    assert REPO / "layers" / "chirp" in image.search_path
    assert list(image.command) == template["Resources"][IMAGE_FUNCTION_ID]["Properties"]["ImageConfig"]["Command"]
    assert all(copy.destination.is_relative_to(TASK_ROOT) for copy in image.copies if copy.sources[0].endswith(".py"))


def test_image_handler_imports_and_processes_media_on_lambdas_platform(
    template: Template, image: ImageCode, image_task_root: Path, run_tool: RunTool
) -> None:
    # Given a Python 3.12 that sees no site-packages (-S), only what the image's /var/task holds: the
    # requirements installed for Lambda's platform and the folders the Dockerfile copies; the function's
    # environment from the template
    python = python312_bin() / "python3.12"
    search_path = os.pathsep.join(str(folder) for folder in [image_task_root, *image.search_path])
    environment = {
        name: resolve_reference(value, template)
        for name, value in function_environment(template, IMAGE_FUNCTION_ID).items()
    } | {"AWS_REGION": REGION, "AWS_DEFAULT_REGION": REGION, "PYTHONPATH": search_path}

    # When the handler CMD names is imported (its init builds its clients), and an image and a video made
    # with the image's ffmpeg are processed
    result = run_tool(
        [str(python), "-S", "-c", PROCESS_IN_IMAGE, image.command[0]],
        timeout=120,
        extra_env=environment,
        cwd=image.search_path[-1],
    )

    # Then the handler is there, Pillow and ffmpeg are the platform's wheels', and both files are processed
    report: dict[str, Any] = json.loads(result.stdout.split("PROCESSED ", 1)[1])
    assert report["handler"] is True
    assert Path(report["pillow"]).is_relative_to(image_task_root)
    assert Path(report["ffmpeg"]).is_relative_to(image_task_root)
    assert report["image"] == [
        ["thumb", "image/webp", 150, 150],
        ["small", "image/webp", 680, 510],
        ["medium", "image/webp", 800, 600],
    ]
    assert report["video"] == [320, 240, 1000, ["thumb", "poster"]]
