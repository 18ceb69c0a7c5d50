"""Run a `PackageType: Image` function from the sources its Dockerfile copies, without building the image.

Lambda runs an image's handler with the image's `/var/task` (`LAMBDA_TASK_ROOT`) on the path; the Dockerfile
fills it with COPY lines. Each COPY into the task root becomes one folder on the sandbox's path, the folder
whose contents land there: `COPY layers/chirp/chirp ${LAMBDA_TASK_ROOT}/chirp` puts `layers/chirp` on the path,
`COPY functions/media_processor/app.py ${LAMBDA_TASK_ROOT}/` puts `functions/media_processor`. The handler is
the Dockerfile's CMD (JSON form), unless the template's `ImageConfig.Command` overrides it. An image takes no
layers: the template's are not on its path. What RUN installs (its dependencies) comes, locally, from the
runtime's own environment, as the layers' dependencies do for zip functions; `tests/template/test_sam_build.py`
checks that the image's requirements install for Lambda's platform and import there.

What cannot be mapped to folders on the path is refused, by name: a base image other than AWS's Lambda Python
images, a multi-stage build, ADD, `COPY --from`, wildcards, a COPY that renames what it copies (the path would
not find it under its new name), a COPY into `/opt` (on Lambda's path too), ENV and ENTRYPOINT (they change what
the function runs with), a CMD in shell form. A COPY elsewhere (the requirement files RUN reads) is a build
input, not code: it is not on the path. The base image's WORKDIR is the task root; relative destinations follow
WORKDIR. `.dockerignore` is not applied: files it keeps out of the image are still found locally.
"""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from infra.local.template import TemplateError

TASK_ROOT = PurePosixPath("/var/task")
# The Python base images AWS publishes for Lambda (ECR Public, and their Docker Hub mirror).
LAMBDA_PYTHON_IMAGES = ("public.ecr.aws/lambda/python:", "amazon/aws-lambda-python:")
# Folders on Lambda's path besides the task root: code copied there would be found too, and is not mapped.
_REFUSED_DESTINATIONS = (PurePosixPath("/opt"), PurePosixPath("/var/runtime"), PurePosixPath("/var/lang"))
_VARIABLE = re.compile(r"\$(?:\{(\w+)\}|(\w+))")
_IGNORED_FLAGS = ("--chown=", "--chmod=", "--link")
_WILDCARDS = frozenset("*?[")


@dataclass(frozen=True)
class Instruction:
    """One Dockerfile instruction: its keyword (upper case), its arguments (continuations joined), its line."""

    keyword: str
    arguments: str
    line: int


@dataclass(frozen=True)
class Copy:
    """A COPY: its sources (relative to the build context) and its destination in the image."""

    sources: tuple[str, ...]
    destination: PurePosixPath
    into_directory: bool  # the destination names a folder (it ends with `/`, or there are several sources)
    line: int


@dataclass(frozen=True)
class ImageCode:
    """What a Lambda Python image runs, as local folders: its task root's sources, and its CMD."""

    search_path: tuple[Path, ...]  # one folder per COPY into the task root, in the Dockerfile's order
    command: tuple[str, ...]  # the Dockerfile's CMD (empty when it has none)
    copies: tuple[Copy, ...]  # every COPY, build inputs included


def read_instructions(text: str) -> list[Instruction]:
    """The instructions of a Dockerfile: comments and blank lines skipped, `\\` continuations joined."""
    instructions: list[Instruction] = []
    pending: list[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if pending and line.startswith("#"):
            continue  # a comment inside a continued instruction
        if not pending:
            start = number
        if line.endswith("\\"):
            pending.append(line[:-1].strip())
            continue
        pending.append(line)
        keyword, _, arguments = " ".join(part for part in pending if part).partition(" ")
        instructions.append(Instruction(keyword.upper(), arguments.strip(), start))
        pending = []
    if pending:
        raise TemplateError(f"the Dockerfile ends inside a continued instruction (line {start})")
    return instructions


def image_code(dockerfile: Path, context: Path) -> ImageCode:
    """The folders and the CMD a Lambda Python image built from `dockerfile` in `context` runs; TemplateError
    naming the line for whatever cannot be mapped (see the module's doc)."""
    try:
        text = dockerfile.read_text(encoding="utf-8")
    except OSError as error:
        raise TemplateError(f"cannot read {dockerfile}: {error}") from error
    reader = _DockerfileReader(dockerfile, context.resolve())
    for instruction in read_instructions(text):
        reader.read(instruction)
    return reader.result()


class _DockerfileReader:
    def __init__(self, dockerfile: Path, context: Path) -> None:
        self.dockerfile = dockerfile
        self.context = context
        self.base: str | None = None
        self.workdir = TASK_ROOT  # the Lambda base images' WORKDIR
        self.copies: list[Copy] = []
        self.search_path: list[Path] = []
        self.command: tuple[str, ...] = ()

    def refuse(self, instruction: Instruction, why: str) -> TemplateError:
        return TemplateError(f"{self.dockerfile}, line {instruction.line} ({instruction.keyword}): {why}")

    def read(self, instruction: Instruction) -> None:
        keyword = instruction.keyword
        if keyword == "FROM":
            self._from(instruction)
        elif self.base is None and keyword != "ARG":
            raise self.refuse(instruction, "an instruction before FROM")
        elif keyword == "COPY":
            self._copy(instruction)
        elif keyword == "CMD":
            self.command = self._exec_form(instruction)
        elif keyword == "WORKDIR":
            self.workdir = self.workdir / self._substituted(instruction, instruction.arguments.strip("\"'"))
        elif keyword in ("ADD", "ENV", "ENTRYPOINT", "ONBUILD", "SHELL"):
            raise self.refuse(instruction, "the local runtime cannot run what it changes; only COPY, RUN and CMD map")
        # RUN (dependencies: the runtime's environment has them), LABEL, USER, EXPOSE, ...: nothing to map

    def _from(self, instruction: Instruction) -> None:
        if self.base is not None:
            raise self.refuse(instruction, "a multi-stage build cannot be mapped to local folders")
        image = next((word for word in instruction.arguments.split() if not word.startswith("--")), "")
        if not image.startswith(LAMBDA_PYTHON_IMAGES):
            known = ", ".join(LAMBDA_PYTHON_IMAGES)
            raise self.refuse(instruction, f"{image!r} is not one of AWS's Lambda Python base images ({known})")
        self.base = image

    def _copy(self, instruction: Instruction) -> None:
        words = self._words(instruction)
        flags = [word for word in words if word.startswith("--")]
        for flag in flags:
            if not flag.startswith(_IGNORED_FLAGS):
                raise self.refuse(instruction, f"{flag} cannot be mapped to local folders")
        paths = [self._substituted(instruction, word) for word in words if not word.startswith("--")]
        if len(paths) < 2:
            raise self.refuse(instruction, "COPY needs a source and a destination")
        *sources, target = paths
        if any(_WILDCARDS & set(source) for source in sources):
            raise self.refuse(instruction, "wildcards in a COPY source cannot be mapped")
        if ".." in PurePosixPath(target).parts:
            raise self.refuse(instruction, "a destination with `..` cannot be mapped")
        copy = Copy(
            sources=tuple(sources),
            destination=self.workdir / target,
            into_directory=target.endswith("/") or len(sources) > 1,
            line=instruction.line,
        )
        self.copies.append(copy)
        if _is_within(copy.destination, TASK_ROOT):
            self.search_path.extend(self._folder_on_path(instruction, copy, source) for source in sources)
        elif any(_is_within(copy.destination, refused) for refused in _REFUSED_DESTINATIONS):
            raise self.refuse(instruction, f"{copy.destination} is on Lambda's path: copy code into {TASK_ROOT}")

    def _folder_on_path(self, instruction: Instruction, copy: Copy, source: str) -> Path:
        """The local folder whose contents are what this source puts in the task root."""
        local = (self.context / source.lstrip("/")).resolve()
        if not _is_within_local(local, self.context):
            raise self.refuse(instruction, f"{source} is outside the build context {self.context}")
        if not local.exists():
            raise self.refuse(instruction, f"{source} does not exist in the build context {self.context}")
        landed = copy.destination.relative_to(TASK_ROOT)
        if local.is_file() and (copy.into_directory or not landed.parts):
            landed = landed / local.name
        # A folder's contents land in the destination: the folder itself stands for it when named alike.
        depth = len(landed.parts)
        if depth == 0:
            return local
        if local.parts[-depth:] != landed.parts:
            raise self.refuse(
                instruction, f"{source} lands as {TASK_ROOT / landed}: a renamed copy cannot be found on the path"
            )
        return local.parents[depth - 1]

    def _exec_form(self, instruction: Instruction) -> tuple[str, ...]:
        try:
            command = json.loads(instruction.arguments)
        except json.JSONDecodeError:
            command = None
        if not (isinstance(command, list) and command and all(isinstance(word, str) for word in command)):
            raise self.refuse(instruction, 'CMD must be in JSON form, the handler first: CMD ["module.handler"]')
        return tuple(command)

    def _words(self, instruction: Instruction) -> list[str]:
        arguments = instruction.arguments
        if arguments.startswith("["):
            try:
                words = json.loads(arguments)
            except json.JSONDecodeError as error:
                raise self.refuse(instruction, f"malformed JSON form: {error}") from error
            return [str(word) for word in words]
        return shlex.split(arguments)

    def _substituted(self, instruction: Instruction, text: str) -> str:
        def value(match: re.Match[str]) -> str:
            name = match.group(1) or match.group(2)
            if name != "LAMBDA_TASK_ROOT":
                raise self.refuse(instruction, f"${name} is not known locally (only $LAMBDA_TASK_ROOT is)")
            return str(TASK_ROOT)

        return _VARIABLE.sub(value, text)

    def result(self) -> ImageCode:
        if self.base is None:
            raise TemplateError(f"{self.dockerfile} has no FROM")
        return ImageCode(search_path=tuple(self.search_path), command=self.command, copies=tuple(self.copies))


def _is_within(path: PurePosixPath, folder: PurePosixPath) -> bool:
    return path == folder or folder in path.parents


def _is_within_local(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents
