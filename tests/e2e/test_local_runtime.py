"""The local runtime as a process: API Gateway's own answers (404, 405, 413), the endpoints file,
data, secrets and media across a restart, no emulator outliving the runtime, and the AWS_ENDPOINT_URL mode."""

from __future__ import annotations

import signal
import socket
from pathlib import Path
from typing import TYPE_CHECKING, Any

import boto3
import httpx
import pytest
from moto.server import ThreadedMotoServer

from infra.local.config import REPO_ROOT
from infra.local.template import load_template
from tests.e2e.accounts import register
from tests.e2e.uploads import jpeg, ready_media

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


def java_pids(runtime: RunningRuntime) -> set[int]:
    return {pid for pid, command in process_names(runtime.descendants()).items() if "DynamoDBLocal.jar" in command}


# ---------------------------------------------------------------------- API Gateway's own answers
def test_health_answers_200(chirp_runtime: RunningRuntime) -> None:
    # When
    response = httpx.get(f"{chirp_runtime.base_url}/health")
    # Then
    assert response.status_code == 200
    assert response.headers["x-amzn-requestid"]


def test_unknown_route_is_404_in_the_json_error_shape(chirp_runtime: RunningRuntime) -> None:
    # When
    response = httpx.get(f"{chirp_runtime.base_url}/no/such/route")
    # Then
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/json"
    assert response.json()["error"]["code"] == "not_found"
    assert response.json()["error"]["message"]


def test_known_route_with_another_method_is_405_with_allow(chirp_runtime: RunningRuntime) -> None:
    # When
    response = httpx.put(f"{chirp_runtime.base_url}/health")
    # Then
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, OPTIONS"  # every path answers a CORS preflight (routes.headers)
    assert response.json()["error"]["code"] == "method_not_allowed"


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
    assert '"code": "payload_too_large"' in body


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
def test_data_secrets_and_media_survive_a_restart(tmp_path: Path, runtime_launcher: RuntimeLauncher) -> None:
    # Given an item, the generated signing secret and a processed photo, written before a restart
    data_dir = tmp_path / "data"
    first = runtime_launcher.start(data_dir)
    try:
        with httpx.Client(base_url=first.base_url, timeout=30) as api:
            photo = ready_media(api, register(api), jpeg(800, 600), "image/jpeg")
        variant_urls = [variant["url"] for variant in photo["variants"]]
        variants = [httpx.get(url).content for url in variant_urls]
        endpoints = first.endpoints()
        table = endpoints["resources"]["UsersTable"]["ref"]
        aws_client("dynamodb", endpoints["dynamodb"]).put_item(
            TableName=table, Item={"pk": {"S": "USER#e2e-restart"}, "note": {"S": "kept"}}
        )
        secret_arn = endpoints["resources"]["JwtSigningSecret"]["ref"]
        secret = aws_client("secretsmanager", endpoints["moto"]).get_secret_value(SecretId=secret_arn)
        java = java_pids(first)
        assert len(java) == 1
    finally:
        runtime_launcher.stop_and_check_clean_exit(first)
    assert not runtime_launcher.wait_for_exit(java), "DynamoDB Local outlived SIGTERM"
    # When the runtime starts again on the same data dir
    second = runtime_launcher.start(data_dir)
    try:
        endpoints = second.endpoints()
        item = aws_client("dynamodb", endpoints["dynamodb"]).get_item(
            TableName=table, Key={"pk": {"S": "USER#e2e-restart"}}
        )
        secrets = aws_client("secretsmanager", endpoints["moto"])
        secret_after = secrets.get_secret_value(SecretId=endpoints["resources"]["JwtSigningSecret"]["ref"])
        # (the media URLs name the API's port, which each start picks anew)
        variants_after = [httpx.get(url.replace(f":{first.port}/", f":{second.port}/")) for url in variant_urls]
    finally:
        runtime_launcher.stop_and_check_clean_exit(second)
    # Then all are as they were: the photo's variants served again, byte for byte
    assert item["Item"]["note"] == {"S": "kept"}
    assert secret_after["SecretString"] == secret["SecretString"]
    assert len(secret["SecretString"]) == 64
    assert photo["state"] == "ready" and variant_urls
    assert [(response.status_code, response.content) for response in variants_after] == [(200, v) for v in variants]


def test_emulators_die_with_a_sigkilled_runtime(tmp_path: Path, runtime_launcher: RuntimeLauncher) -> None:
    # Given a running runtime and its emulators
    runtime = runtime_launcher.start(tmp_path / "data")
    emulators = runtime.descendants()
    assert java_pids(runtime)
    # When the runtime is killed outright
    runtime.stop(signal.SIGKILL)
    # Then no emulator is left running
    assert not runtime_launcher.wait_for_exit(emulators), f"left running: {process_names(emulators)}"


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
