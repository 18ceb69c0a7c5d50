"""The local runtime as a process: the HTTP API's own answers (404, 413), the endpoints file and the
AWS_ENDPOINT_URL mode. What survives a kill -9 and a restart, and the emulators dying with the runtime:
test_runtime_durability.py."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import TYPE_CHECKING, Any

import boto3
import httpx
import pytest
from moto.server import ThreadedMotoServer

from infra.local.config import REPO_ROOT
from infra.local.template import load_template

if TYPE_CHECKING:
    from tests.e2e.conftest import RunningRuntime, RuntimeLauncher

pytestmark = pytest.mark.e2e

TABLE_IDS = sorted(table.logical_id for table in load_template(REPO_ROOT / "template.yaml").resources_of_type(
    "AWS::DynamoDB::Table"
))  # fmt: skip


def aws_client(service: str, endpoint: str) -> Any:
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="e2e",
        aws_secret_access_key="e2e",
    )


def process_names(pids: set[int]) -> dict[int, str]:
    names = {}
    for pid in pids:
        try:
            names[pid] = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
    return names


# ---------------------------------------------------------------------- the HTTP API's own answers
def test_health_answers_200(chirp_runtime: RunningRuntime) -> None:
    # When
    response = httpx.get(f"{chirp_runtime.base_url}/health")
    # Then
    assert response.status_code == 200
    assert response.headers["apigw-requestid"]


def test_unknown_route_is_the_http_apis_404(chirp_runtime: RunningRuntime) -> None:
    # When
    response = httpx.get(f"{chirp_runtime.base_url}/no/such/route")
    # Then
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"message": "Not Found"}


def test_known_path_with_another_method_is_the_http_apis_404_too(chirp_runtime: RunningRuntime) -> None:
    # When a method the path has no route for is sent (the path has GET and OPTIONS)
    response = httpx.put(f"{chirp_runtime.base_url}/health")
    # Then an HTTP API has no route for it either: 404, no 405 and no Allow
    assert response.status_code == 404
    assert "allow" not in response.headers
    assert response.json() == {"message": "Not Found"}


def test_body_over_10_mib_is_refused_with_413_without_reading_it(chirp_runtime: RunningRuntime) -> None:
    # Given a request that announces 11 MiB and sends none of it
    request = (
        "POST /api/users/register HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Content-Length: {11 * 1024 * 1024}\r\n\r\n"
    )
    # When
    with socket.create_connection(("127.0.0.1", chirp_runtime.port), timeout=10) as connection:
        connection.sendall(request.encode())
        answer = connection.makefile("rb").read().decode()
    # Then
    head, _, body = answer.partition("\r\n\r\n")
    assert head.startswith("HTTP/1.1 413")
    assert body == '{"message":"Request Entity Too Large"}'


def test_endpoints_file_names_the_templates_tables(chirp_runtime: RunningRuntime) -> None:
    # When
    endpoints = chirp_runtime.endpoints()
    # Then every table of the template exists in DynamoDB Local under the name the file gives
    assert endpoints["api"] == chirp_runtime.base_url
    dynamodb = aws_client("dynamodb", endpoints["dynamodb"])
    for logical_id in TABLE_IDS:
        name = endpoints["resources"][logical_id]["ref"]
        assert name == f"chirp-local-{logical_id}"
        assert dynamodb.describe_table(TableName=name)["Table"]["TableStatus"] == "ACTIVE"
    assert endpoints["environment"]["AWS_ENDPOINT_URL_DYNAMODB"] == endpoints["dynamodb"]


# ---------------------------------------------------------------------- lifecycle
# ---------------------------------------------------------------------- AWS_ENDPOINT_URL (LocalStack) mode
def test_endpoint_mode_provisions_there_and_starts_no_emulator(
    tmp_path: Path, runtime_launcher: RuntimeLauncher
) -> None:
    # Given a moto server standing in for LocalStack
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=runtime_launcher.free_port(), verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{server._server.server_port}"  # type: ignore[union-attr]
    try:
        # When the runtime is pointed at it
        runtime = runtime_launcher.start(tmp_path / "data", {"AWS_ENDPOINT_URL": endpoint})
        try:
            started_processes = process_names(runtime_launcher.descendant_pids(runtime.process.pid))
            health = httpx.get(f"{runtime.base_url}/health")
            endpoints = runtime.endpoints()
        finally:
            runtime_launcher.stop_and_check_clean_exit(runtime)
        # Then it started no emulator, answers, and created the template's tables at the endpoint
        emulators = [
            command for command in started_processes.values() if "DynamoDBLocal" in command or "moto" in command
        ]
        assert emulators == []
        assert started_processes, "the API function runs in a sandbox process"
        assert health.status_code == 200
        assert endpoints["target"] == "endpoint"
        assert endpoints["dynamodb"] == endpoint
        tables = aws_client("dynamodb", endpoint).list_tables()["TableNames"]
        assert {f"chirp-local-{logical_id}" for logical_id in TABLE_IDS} <= set(tables)
    finally:
        server.stop()
