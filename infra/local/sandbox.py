"""Run handlers the way Lambda does: one invocation at a time per sandbox, a pool of sandboxes.

A sandbox is an independent import of a function's handler module (and of the function's own sibling
modules, e.g. `chalicelib`), registered under a unique module name. A Chalice app keeps the current
request on the app object, so two requests must never run in one sandbox at once; the pool hands each
invocation a sandbox of its own and imports new ones (up to the concurrency limit) on demand. Modules
of the layers are shared by every sandbox, as they would be by the code of one Lambda sandbox.
"""

from __future__ import annotations

import importlib.util
import queue
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

from infra.local.functions import FunctionSpec

Handler = Callable[[Any, Any], Any]

_import_lock = threading.Lock()


class HandlerLoadError(ImportError):
    """A handler module could not be imported or has no such handler attribute."""


class LambdaContext:
    """The `context` argument of a Lambda handler (the attributes the Python runtime provides)."""

    function_version = "$LATEST"
    identity = None
    client_context = None

    def __init__(self, function: FunctionSpec, request_id: str | None = None) -> None:
        self.function_name = function.name
        self.invoked_function_arn = function.arn
        self.memory_limit_in_mb = str(function.memory_mb)
        self.aws_request_id = request_id or str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{function.name}"
        today = datetime.now(UTC).strftime("%Y/%m/%d")
        self.log_stream_name = f"{today}/[$LATEST]{uuid.uuid4().hex}"
        self._deadline = time.monotonic() + function.timeout_seconds

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def load_handler(function: FunctionSpec, copy_index: int) -> Handler:
    """Import a fresh copy of the function's handler module and return the handler."""
    flat_module = function.handler_module.replace(".", "__")
    module_name = f"chirp_local_sandbox__{function.logical_id}__{copy_index}__{flat_module}"
    with _import_lock:
        module = _import_isolated(function.code_dir, function.handler_file, module_name)
    handler = getattr(module, function.handler_attribute, None)
    if not callable(handler):
        raise HandlerLoadError(
            f"{function.logical_id}: {function.handler_file} has no callable {function.handler_attribute!r}"
        )
    return handler  # type: ignore[no-any-return]


def _import_isolated(code_dir: Path, file: Path, module_name: str) -> ModuleType:
    """Import `file` as `module_name`; the function's own modules are imported anew for each copy."""
    if not file.is_file():
        raise HandlerLoadError(f"handler module {file} does not exist")
    for name in _modules_under(code_dir):
        del sys.modules[name]  # a previous copy's sibling modules: this copy gets its own
    spec = importlib.util.spec_from_file_location(module_name, file)
    if spec is None or spec.loader is None:
        raise HandlerLoadError(f"cannot import {file}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    sys.path.insert(0, str(code_dir))
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[module_name]
        raise
    finally:
        sys.path.remove(str(code_dir))
        if str(code_dir) not in sys.path:
            sys.path.append(str(code_dir))  # for imports a handler makes lazily, at call time
    return module


def _modules_under(folder: Path) -> list[str]:
    found = []
    for name, module in list(sys.modules.items()):
        file = getattr(module, "__file__", None)
        if file and not name.startswith("chirp_local_sandbox__") and Path(file).is_relative_to(folder):
            found.append(name)
    return found


class SandboxPool:
    """Up to `size` sandboxes of one function; each runs one invocation at a time."""

    def __init__(
        self, function: FunctionSpec, size: int, loader: Callable[[FunctionSpec, int], Handler] = load_handler
    ) -> None:
        self.function = function
        self.size = size
        self._loader = loader
        self._idle: queue.LifoQueue[Handler] = queue.LifoQueue()
        self._created = 0
        self._lock = threading.Lock()

    def warm(self) -> None:
        """Import the first sandbox now, so the first request pays no import and errors show at start."""
        with self.acquire():
            pass

    @contextmanager
    def acquire(self) -> Iterator[Handler]:
        handler = self._idle_or_new_handler()
        try:
            yield handler
        finally:
            self._idle.put(handler)

    def _idle_or_new_handler(self) -> Handler:
        try:
            return self._idle.get_nowait()
        except queue.Empty:
            pass
        with self._lock:
            index = self._created
            may_create = index < self.size
            if may_create:
                self._created += 1
        if not may_create:
            return self._idle.get()
        try:
            return self._loader(self.function, index)
        except BaseException:
            with self._lock:
                self._created -= 1
            raise


class Invoker:
    """Invokes functions by logical id through their sandbox pools."""

    def __init__(self, pools: dict[str, SandboxPool]) -> None:
        self.pools = pools

    def function(self, logical_id: str) -> FunctionSpec:
        return self.pools[logical_id].function

    def invoke(self, logical_id: str, event: Any, request_id: str | None = None) -> Any:
        """Call the handler with `event` and a fresh context; exceptions propagate to the caller."""
        pool = self.pools[logical_id]
        context = LambdaContext(pool.function, request_id)
        with pool.acquire() as handler:
            return handler(event, context)
