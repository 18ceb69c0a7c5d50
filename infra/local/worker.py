"""A Lambda sandbox: one process that imports one function's handler and runs one invocation at a time.

Started by `infra.local.sandbox` as `python -m infra.local.worker '<json settings>'`, with the
function's environment, its code folder as working directory and first on sys.path (then the layers),
as Lambda does. Invocations arrive on one pipe and results leave on another, as length-prefixed JSON;
stdout and stderr are the runtime's, so the handler's logs show in its console.

A sandbox holds the function's code and the standard library, and one piece of the runtime: with IAM enforced
(worker settings `iam`), the guard `infra.local.iam.guard`, installed before the handler is imported, which
checks every AWS call against the function's policies. It plays the part of AWS's authorization, not of the
function: it asks the runtime for each new decision over a socket it inherits (moto, which evaluates policies,
stays in the runtime), and answers a refused call with the service's access-denied error, as AWS would. It is
imported while the runtime's folder is still on sys.path, which is then dropped: the handler cannot import the
runtime.

With fault injection on (`infra.local.faults`), two more things: a request may carry a `fault` (raise before the
handler, raise after it, or never answer: the runtime then kills the sandbox), and with AWS faults (worker settings
`faults`) a botocore hook, installed next to the IAM guard, answers a share of the function's DynamoDB, SQS and SNS
calls with the service's error; each answer then reports the faults it met (`faults`), for the runtime's counts.
"""

from __future__ import annotations

import decimal
import importlib.util
import json
import os
import struct
import sys
import time
import traceback
from typing import Any

_LENGTH = struct.Struct(">I")


def read_message(fd: int) -> Any:
    """One length-prefixed JSON message, or None at end of file."""
    header = _read_exactly(fd, _LENGTH.size)
    if header is None:
        return None
    body = _read_exactly(fd, _LENGTH.unpack(header)[0])
    return None if body is None else json.loads(body)


def _read_exactly(fd: int, size: int) -> bytes | None:
    chunks = []
    while size > 0:
        chunk = os.read(fd, min(size, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def write_message(fd: int, message: Any) -> None:
    body = json.dumps(message, default=_json_default).encode()
    data = _LENGTH.pack(len(body)) + body
    while data:
        written = os.write(fd, data)
        data = data[written:]


def _json_default(value: Any) -> Any:
    """What Lambda's Python runtime also serialises: Decimals (from DynamoDB) as numbers."""
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


class LambdaContext:
    """The `context` argument of a handler, with the attributes Lambda's Python runtime provides."""

    function_version = "$LATEST"
    identity = None
    client_context = None

    def __init__(self, fields: dict[str, Any]) -> None:
        self.function_name: str = fields["function_name"]
        self.invoked_function_arn: str = fields["invoked_function_arn"]
        self.memory_limit_in_mb: str = fields["memory_limit_in_mb"]
        self.aws_request_id: str = fields["aws_request_id"]
        self.log_group_name: str = fields["log_group_name"]
        self.log_stream_name: str = fields["log_stream_name"]
        self._deadline_ms: int = fields["deadline_ms"]

    def get_remaining_time_in_millis(self) -> int:
        return max(0, self._deadline_ms - int(time.time() * 1000))


def load_handler(settings: dict[str, Any]) -> Any:
    """Import the handler module by file path under its own name, as Lambda's runtime imports it."""
    sys.path[:0] = [settings["code_dir"], *settings["layer_paths"]]
    spec = importlib.util.spec_from_file_location(settings["module_name"], settings["module_file"])
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import {settings['module_file']}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[settings["module_name"]] = module
    spec.loader.exec_module(module)
    handler = getattr(module, settings["attribute"], None)
    if not callable(handler):
        raise AttributeError(f"{settings['module_file']} has no callable {settings['attribute']!r}")
    return handler


def error_payload(error: BaseException) -> dict[str, Any]:
    """Lambda's shape of a function error."""
    return {
        "errorType": type(error).__name__,
        "errorMessage": str(error),
        "stackTrace": traceback.format_exception(error),
    }


class InjectedFault(RuntimeError):
    """A function error injected by the runtime's fault mode (`infra.local.faults`), not raised by the handler."""


def serve(handler: Any, requests: int, responses: int) -> None:
    while (request := read_message(requests)) is not None:
        fault = request.get("fault")
        try:
            if fault == "invoke_error_before":
                raise InjectedFault("fault injected before the handler ran")
            result = handler(request["event"], LambdaContext(request["context"]))
            json.dumps(result, default=_json_default)
            if fault == "invoke_error_after":
                raise InjectedFault("fault injected after the handler ran: its answer is lost")
        except InjectedFault as error:
            write_message(responses, _with_meter(_with_fault_counts({"error": error_payload(error)})))
            continue
        except Exception as error:
            traceback.print_exc()
            write_message(responses, _with_meter(_with_fault_counts({"error": error_payload(error)})))
            continue
        if fault == "invoke_timeout":
            _hang()
        write_message(responses, _with_meter(_with_fault_counts({"result": result})))


def _hang() -> None:
    """A timed-out invocation never answers: the runtime kills this process (its answer is lost)."""
    sys.stdout.flush()
    while True:
        time.sleep(3600)


def _with_fault_counts(message: dict[str, Any]) -> dict[str, Any]:
    """Add the AWS faults this invocation met, when fault injection is on in this sandbox."""
    faults = sys.modules.get("infra.local.faults")
    installed = faults.installed_aws_faults() if faults is not None else None
    counts = installed.take_counts() if installed is not None else None
    if counts:
        message["faults"] = counts
    return message


def _with_meter(message: dict[str, Any]) -> dict[str, Any]:
    """Add the invocation's billed units (`infra.local.metering`), when metering is on in this sandbox."""
    metering = sys.modules.get("infra.local.metering")
    if metering is not None and metering.installed():
        message.update(metering.invocation_report())
    return message


def _install_meter(on: bool | None) -> None:
    """Count this sandbox's billed units (CHIRP_METER=1), hooked in as the IAM guard is."""
    if on:
        from infra.local.metering import install_in_sandbox

        install_in_sandbox()


def _timed(handler: Any) -> Any:
    metering = sys.modules.get("infra.local.metering")
    return metering.metered(handler) if metering is not None and metering.installed() else handler


def _forget_runtime_path(runtime_path: str, original_pythonpath: str | None) -> None:
    """The runtime's folder was on PYTHONPATH only so that `-m infra.local.worker` starts: drop it."""
    while runtime_path in sys.path:
        sys.path.remove(runtime_path)
    if original_pythonpath is None:
        os.environ.pop("PYTHONPATH", None)
    else:
        os.environ["PYTHONPATH"] = original_pythonpath


def _enforce_iam(iam_settings: dict[str, Any] | None) -> None:
    """Check every AWS call of this process against the function's policies (before any client exists)."""
    if iam_settings is None:
        return
    from infra.local.iam.guard import enforce_in_sandbox

    enforce_in_sandbox(iam_settings)


def _inject_faults(fault_settings: dict[str, Any] | None) -> None:
    """Answer a share of AWS calls with the service's errors (fault injection), hooked in as the IAM guard is."""
    if fault_settings is None:
        return
    from infra.local.faults import install_aws_faults

    install_aws_faults(fault_settings)


def main() -> int:
    settings = json.loads(sys.argv[1])
    requests, responses = settings["requests_fd"], settings["responses_fd"]
    try:
        _enforce_iam(settings.get("iam"))
        _inject_faults(settings.get("faults"))
        _install_meter(settings.get("meter"))
        _forget_runtime_path(settings["runtime_path"], settings["original_pythonpath"])
        handler = _timed(load_handler(settings))
    except BaseException as error:
        traceback.print_exc()
        write_message(responses, {"ready": False, "error": error_payload(error)})
        return 1
    write_message(responses, {"ready": True})
    sys.stdout.flush()
    serve(handler, requests, responses)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
