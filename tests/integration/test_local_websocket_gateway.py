"""The local runtime's WebSocket API (infra.local.websocket), with a real WebSocket client and a real boto3
`apigatewaymanagementapi` client.

Most tests run the whole runtime on the test-only template `local_runtime_app/websocket_template.yaml`,
whose probe function (`functions/websocket_probe/`) records every event it gets and pushes through the
management API as the app's functions do, under its IAM policy. The template declares no table, queue or
secret, so the runtime is given endpoints where nothing listens: any AWS call other than the management
API's would fail these tests. The limits (idle and maximum durations, frame and message sizes, binary
frames) and the error frames are tested on the gateway alone, with a stand-in for the functions.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import socket
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3
import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import ClientConnection, connect

from infra.local.aws import ServiceEndpoints
from infra.local.config import config_from_environ
from infra.local.emulators import free_port
from infra.local.gateway import GatewayHttpServer
from infra.local.iam.usage import USAGE_DIR_VARIABLE
from infra.local.runtime import LocalRuntime
from infra.local.websocket import ConnectionLimits, WebSocketGateway, WebSocketRoute, WebSocketStage

APP_DIR = Path(__file__).with_name("local_runtime_app")
REGION = "us-east-1"
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
NOTHING_LISTENS = ServiceEndpoints(default="http://127.0.0.1:9", dynamodb="http://127.0.0.1:9")
PROBE_FUNCTION = "WebSocketProbe"


# ---------------------------------------------------------------------- the runtime on the test template
@pytest.fixture(scope="module")
def runtime(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalRuntime]:
    """The local runtime, in this process, on the WebSocket test template; the environment is restored."""
    folder = tmp_path_factory.mktemp("websocket")
    saved_environ = dict(os.environ)
    environ = {
        **CREDENTIALS,
        "AWS_DEFAULT_REGION": REGION,
        "CHIRP_TEMPLATE": str(APP_DIR / "websocket_template.yaml"),
        "CHIRP_DATA_DIR": str(folder / "data"),
        "CHIRP_RESOURCE_PREFIX": f"t{uuid.uuid4().hex[:8]}-",
        "CHIRP_LOCAL_CONCURRENCY": "2",
        "PORT": str(free_port()),
    }
    (folder / "probe").mkdir()
    # A usage log of its own: a test has the probe make a call its policy refuses, on purpose (the session's
    # log fails the run on any refused call).
    os.environ.update(
        {**CREDENTIALS, "LOCAL_PROBE_DIR": str(folder / "probe"), USAGE_DIR_VARIABLE: str(folder / "usage")}
    )
    running = LocalRuntime(config_from_environ(environ), given_services=NOTHING_LISTENS)
    try:
        running.start()
        yield running
    finally:
        running.stop()
        os.environ.clear()
        os.environ.update(saved_environ)


def _load_probe() -> ModuleType:
    """The test layer's probe module, which the probe function records its events with."""
    spec = importlib.util.spec_from_file_location("local_probe", APP_DIR / "layer" / "local_probe.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_PROBE = _load_probe()


def probe() -> ModuleType:
    """The probe, reading the folder of the runtime that runs now (LOCAL_PROBE_DIR)."""
    return _PROBE


def stage_url(runtime: LocalRuntime) -> str:
    (stage,) = runtime.websocket_stages
    return runtime.websocket_url(stage)


def management(runtime: LocalRuntime) -> Any:
    """A boto3 client of the stage's management API, as a function builds it from its environment."""
    endpoint = "http" + stage_url(runtime).removeprefix("ws")
    return boto3.client("apigatewaymanagementapi", endpoint_url=endpoint, region_name=REGION, **_keys())


def _keys() -> dict[str, str]:
    return {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


def events_of(connection_id: str, event_type: str | None = None) -> list[dict[str, Any]]:
    """The events the probe function got for one connection, oldest first."""
    return [
        event
        for event in probe().events()
        if event["requestContext"]["connectionId"] == connection_id
        and event_type in (None, event["requestContext"]["eventType"])
    ]


def connect_events(query: dict[str, str]) -> list[dict[str, Any]]:
    """The $connect events of the handshakes made with that query string."""
    return [
        event
        for event in probe().events()
        if event["requestContext"]["eventType"] == "CONNECT" and event.get("queryStringParameters") == query
    ]


def wait_until(condition: Callable[[], bool], what: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


@contextmanager
def client(url: str, **options: Any) -> Iterator[ClientConnection]:
    with connect(url, open_timeout=10, close_timeout=5, **options) as websocket:
        yield websocket


def whoami(websocket: ClientConnection) -> str:
    """The connection's id, as the two-way `shout` route answers it."""
    websocket.send(json.dumps({"action": "shout"}))
    return str(json.loads(websocket.recv(timeout=10))["connectionId"])


def assert_nothing_received(websocket: ClientConnection, within: float = 0.5) -> None:
    with pytest.raises(TimeoutError):
        websocket.recv(timeout=within)


# ---------------------------------------------------------------------- $connect
def test_a_connect_answered_with_a_non_2xx_status_refuses_the_handshake_with_that_status(
    runtime: LocalRuntime,
) -> None:
    # When
    with pytest.raises(InvalidStatus) as refused, client(stage_url(runtime) + "?status=401&case=refused"):
        pass
    # Then the client got the function's status and body, and the function never hears of it again
    assert refused.value.response.status_code == 401
    assert refused.value.response.body == b"refused"
    (connected,) = connect_events({"status": "401", "case": "refused"})
    time.sleep(0.3)
    assert events_of(connected["requestContext"]["connectionId"], "DISCONNECT") == []


def test_a_connect_whose_function_raises_refuses_the_handshake_with_502(runtime: LocalRuntime) -> None:
    with pytest.raises(InvalidStatus) as refused, client(stage_url(runtime) + "?fail=1"):
        pass
    assert refused.value.response.status_code == 502


def test_an_accepted_connect_gets_api_gateways_event_and_completes_the_handshake(runtime: LocalRuntime) -> None:
    # When
    with client(stage_url(runtime) + "?protocol=chirp.v1&case=accepted", subprotocols=["chirp.v1"]) as websocket:
        connection_id = whoami(websocket)
        # Then the handshake carries the subprotocol the function chose
        assert websocket.subprotocol == "chirp.v1"
    (event,) = connect_events({"protocol": "chirp.v1", "case": "accepted"})
    context = event["requestContext"]
    (stage,) = runtime.websocket_stages
    assert (context["connectionId"], context["apiId"], context["stage"]) == (connection_id, stage.api_id, "live")
    assert (context["routeKey"], context["eventType"], context["messageDirection"]) == ("$connect", "CONNECT", "IN")
    assert context["identity"]["sourceIp"] == "127.0.0.1"
    assert context["identity"]["userAgent"].startswith("Python/")
    assert event["headers"]["Sec-WebSocket-Protocol"] == "chirp.v1"
    assert event["headers"]["X-Forwarded-Proto"] == "http"
    assert "Upgrade" not in event["headers"]
    assert event["multiValueQueryStringParameters"] == {"protocol": ["chirp.v1"], "case": ["accepted"]}


# ---------------------------------------------------------------------- messages
def test_a_message_no_route_matches_goes_to_default_with_its_body_and_gets_no_answer(runtime: LocalRuntime) -> None:
    # Given
    with client(stage_url(runtime)) as websocket:
        connection_id = whoami(websocket)
        body = '{"action": "nothing-matches", "text": "héllo"}'
        # When
        websocket.send(body)
        # Then
        wait_until(lambda: len(events_of(connection_id, "MESSAGE")) == 2, "the message's event")
        message = events_of(connection_id, "MESSAGE")[1]
        assert message["requestContext"]["routeKey"] == "$default"
        assert message["body"] == body
        assert message["isBase64Encoded"] is False
        assert_nothing_received(websocket)  # $default is one-way


def test_a_two_way_route_sends_the_functions_body_back(runtime: LocalRuntime) -> None:
    with client(stage_url(runtime)) as websocket:
        websocket.send('{"action": "shout", "text": "hi"}')
        answer = json.loads(websocket.recv(timeout=10))
    assert answer["received"] == '{"action": "shout", "text": "hi"}'


def test_a_function_pushes_to_its_connection_through_the_management_api(runtime: LocalRuntime) -> None:
    # Given a client, and the function's own endpoint and policy (POST on this stage's connections)
    with client(stage_url(runtime)) as websocket:
        # When its message asks the function to push
        websocket.send(json.dumps({"push": "pushed by the function"}))
        # Then
        assert websocket.recv(timeout=10) == "pushed by the function"


def test_a_call_the_functions_policy_does_not_grant_is_forbidden(runtime: LocalRuntime) -> None:
    # Given a policy that grants POST on the stage's connections, and not DELETE
    with client(stage_url(runtime)) as websocket:
        # When the function asks to close its own connection
        websocket.send(json.dumps({"action": "shout", "delete": True}))
        # Then the management API's own access-denied answer, and the connection lives on
        assert json.loads(websocket.recv(timeout=10))["error"] == "ForbiddenException"
        assert whoami(websocket)


# ---------------------------------------------------------------------- the management API, from boto3
def test_post_to_connection_sends_text_and_binary_frames(runtime: LocalRuntime) -> None:
    with client(stage_url(runtime)) as websocket:
        connection_id = whoami(websocket)
        # When
        management(runtime).post_to_connection(ConnectionId=connection_id, Data=b'{"notification": 1}')
        management(runtime).post_to_connection(ConnectionId=connection_id, Data=b"\x00\xff")
        # Then UTF-8 arrives as text, anything else as binary
        assert websocket.recv(timeout=10) == '{"notification": 1}'
        assert websocket.recv(timeout=10) == b"\x00\xff"


def test_a_message_of_128_kb_arrives_whole_and_a_larger_one_is_refused(runtime: LocalRuntime) -> None:
    with client(stage_url(runtime), max_size=None) as websocket:
        connection_id = whoami(websocket)
        api = management(runtime)
        # When
        api.post_to_connection(ConnectionId=connection_id, Data=b"x" * (128 * 1024))
        # Then it arrives in one piece (API Gateway sends it in frames of 32 KB)
        assert websocket.recv(timeout=10) == "x" * (128 * 1024)
        with pytest.raises(api.exceptions.PayloadTooLargeException):
            api.post_to_connection(ConnectionId=connection_id, Data=b"x" * (128 * 1024 + 1))


def test_get_connection_describes_the_connection(runtime: LocalRuntime) -> None:
    with client(stage_url(runtime), user_agent_header="chirp-test/1.0") as websocket:
        connection_id = whoami(websocket)
        # When
        described = management(runtime).get_connection(ConnectionId=connection_id)
    # Then
    assert described["Identity"] == {"SourceIp": "127.0.0.1", "UserAgent": "chirp-test/1.0"}
    assert described["ConnectedAt"] <= described["LastActiveAt"]
    assert abs(time.time() - described["ConnectedAt"].timestamp()) < 30


def test_a_closed_or_unknown_connection_is_gone(runtime: LocalRuntime) -> None:
    # Given a connection its client closed
    with client(stage_url(runtime)) as websocket:
        connection_id = whoami(websocket)
    wait_until(lambda: bool(events_of(connection_id, "DISCONNECT")), "$disconnect")
    api = management(runtime)
    # Then
    for gone in (connection_id, "AAAAAAAAAAAAAAA="):
        with pytest.raises(api.exceptions.GoneException):
            api.post_to_connection(ConnectionId=gone, Data=b"anyone?")
        with pytest.raises(api.exceptions.GoneException):
            api.get_connection(ConnectionId=gone)


def test_delete_connection_closes_it_and_disconnect_runs_once(runtime: LocalRuntime) -> None:
    # Given
    with client(stage_url(runtime)) as websocket:
        connection_id = whoami(websocket)
        api = management(runtime)
        # When
        api.delete_connection(ConnectionId=connection_id)
        # Then the client is closed normally
        with pytest.raises(ConnectionClosed) as closed:
            websocket.recv(timeout=10)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 1000
    wait_until(lambda: bool(events_of(connection_id, "DISCONNECT")), "$disconnect")
    time.sleep(0.3)
    (disconnected,) = events_of(connection_id, "DISCONNECT")
    assert disconnected["requestContext"]["disconnectStatusCode"] == 1000
    assert disconnected["requestContext"]["disconnectReason"] == "Connection Closed Normally"
    with pytest.raises(api.exceptions.GoneException):
        api.delete_connection(ConnectionId=connection_id)


def test_a_client_close_runs_disconnect_once_with_its_code_and_reason(runtime: LocalRuntime) -> None:
    # Given
    with client(stage_url(runtime)) as websocket:
        connection_id = whoami(websocket)
        # When
        websocket.close(code=4001, reason="bye")
    # Then
    wait_until(lambda: bool(events_of(connection_id, "DISCONNECT")), "$disconnect")
    time.sleep(0.3)
    (disconnected,) = events_of(connection_id, "DISCONNECT")
    context = disconnected["requestContext"]
    assert (context["disconnectStatusCode"], context["disconnectReason"]) == (4001, "bye")
    assert disconnected["headers"]["x-api-key"] == ""


def test_two_connections_of_one_user_both_receive_their_pushes(runtime: LocalRuntime) -> None:
    # Given one user's two devices
    with client(stage_url(runtime)) as phone, client(stage_url(runtime)) as laptop:
        ids = {"phone": whoami(phone), "laptop": whoami(laptop)}
        # When the function pushes the same notification to both
        for connection_id in ids.values():
            management(runtime).post_to_connection(ConnectionId=connection_id, Data=b"new follower")
        # Then
        assert phone.recv(timeout=10) == "new follower"
        assert laptop.recv(timeout=10) == "new follower"


def test_a_connection_that_goes_away_never_breaks_delivery_to_another(runtime: LocalRuntime) -> None:
    # Given two connections, one of which drops without a closing handshake
    api = management(runtime)
    with client(stage_url(runtime)) as staying, client(stage_url(runtime)) as leaving:
        staying_id, leaving_id = whoami(staying), whoami(leaving)
        leaving.socket.shutdown(socket.SHUT_RDWR)  # gone, with no close frame
        # When pushes go to both, while the dropped one is being cleaned up and after
        for _ in range(5):
            with contextlib.suppress(api.exceptions.GoneException):
                api.post_to_connection(ConnectionId=leaving_id, Data=b"lost")
            api.post_to_connection(ConnectionId=staying_id, Data=b"still here")
        # Then every push to the other one arrived, and the dropped one disconnected, abnormally
        assert [staying.recv(timeout=10) for _ in range(5)] == ["still here"] * 5
    wait_until(lambda: bool(events_of(leaving_id, "DISCONNECT")), "$disconnect of the dropped connection")
    assert events_of(leaving_id, "DISCONNECT")[0]["requestContext"]["disconnectStatusCode"] == 1006
    with pytest.raises(api.exceptions.GoneException):
        api.post_to_connection(ConnectionId=leaving_id, Data=b"lost")


# ---------------------------------------------------------------------- how the runtime exposes it
def test_the_runtime_names_the_websocket_url_in_its_ready_line_and_endpoints_file(runtime: LocalRuntime) -> None:
    # Given
    url = stage_url(runtime)
    (stage,) = runtime.websocket_stages
    # Then
    assert url == f"ws://127.0.0.1:{runtime.config.port}/{stage.api_id}/live"
    assert url in runtime.ready_line(time.monotonic())
    document = json.loads((runtime.data_dir / "endpoints.json").read_text())
    assert document["websockets"]["WebSocketApi/live"] == {
        "url": url,
        "managementEndpoint": "http" + url.removeprefix("ws"),
        "apiId": stage.api_id,
        "stage": "live",
    }


# ---------------------------------------------------------------------- the gateway alone: limits and errors
class StandIn:
    """Stands in for the functions: records each event, answers $connect 200, fails when asked."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self._lock = threading.Lock()

    def __call__(self, function_id: str, event: dict[str, Any], request_id: str) -> Any:
        with self._lock:
            self.events.append(event)
        if event.get("body") == "fail":
            raise RuntimeError("asked to fail")
        return {"statusCode": 200}

    def of_type(self, event_type: str) -> list[dict[str, Any]]:
        with self._lock:
            return [event for event in self.events if event["requestContext"]["eventType"] == event_type]


def stage(*route_keys: str, invoke_allowed: bool = True) -> WebSocketStage:
    routes = {key: WebSocketRoute(key, "Probe", invoke_allowed=invoke_allowed) for key in route_keys}
    return WebSocketStage("Api", "abcdefghij", "live", "$request.body.action", routes)


@contextmanager
def gateway(served: WebSocketStage, limits: ConnectionLimits | None = None) -> Iterator[tuple[str, StandIn]]:
    """The gateway's HTTP server on a free port, serving `served` with a stand-in; yields its stage URL."""
    functions = StandIn()
    server = GatewayHttpServer(("127.0.0.1", 0), gateway=None)
    websockets = server.websockets = WebSocketGateway([served], functions, limits)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"ws://127.0.0.1:{server.server_address[1]}{served.path}", functions
    finally:
        server.shutdown()
        server.server_close()
        websockets.close_all()


def close_code(websocket: ClientConnection) -> int:
    with pytest.raises(ConnectionClosed) as closed:
        while True:
            websocket.recv(timeout=10)
    assert closed.value.rcvd is not None
    return closed.value.rcvd.code


def test_an_idle_connection_is_closed_after_the_idle_timeout() -> None:
    # Given an idle timeout shortened to half a second
    with gateway(stage("$connect", "$disconnect", "$default"), ConnectionLimits(idle_timeout_seconds=0.5)) as (
        url,
        functions,
    ):
        with client(url) as websocket:
            started = time.monotonic()
            # Then
            assert close_code(websocket) == 1001
            assert 0.4 < time.monotonic() - started < 3
        wait_until(lambda: bool(functions.of_type("DISCONNECT")), "$disconnect")
        assert functions.of_type("DISCONNECT")[0]["requestContext"]["disconnectStatusCode"] == 1001


def test_a_connection_is_closed_at_its_maximum_duration_even_when_busy() -> None:
    limits = ConnectionLimits(idle_timeout_seconds=60, max_duration_seconds=1.0)
    with gateway(stage("$default"), limits) as (url, _functions), client(url) as websocket:
        started = time.monotonic()
        with pytest.raises(ConnectionClosed) as closed:
            while time.monotonic() - started < 5:
                websocket.send("still busy")
                time.sleep(0.1)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 1001
        assert time.monotonic() - started < 3


@pytest.mark.parametrize(
    ("message", "expected_code"),
    [
        ("x" * (32 * 1024 + 1), 1009),  # one frame over 32 KB
        (["x" * (32 * 1024)] * 5, 1009),  # a message over 128 KB, in frames of 32 KB
        (b"\x00binary", 1003),  # API Gateway takes text frames only
    ],
    ids=["frame over 32 KB", "message over 128 KB", "binary frame"],
)
def test_a_message_api_gateway_refuses_closes_the_connection(message: Any, expected_code: int) -> None:
    with gateway(stage("$disconnect", "$default")) as (url, functions), client(url) as websocket:
        # When
        websocket.send(message)
        # Then
        assert close_code(websocket) == expected_code
        wait_until(lambda: bool(functions.of_type("DISCONNECT")), "$disconnect")
        assert functions.of_type("DISCONNECT")[0]["requestContext"]["disconnectStatusCode"] == expected_code
        assert functions.of_type("MESSAGE") == []


def test_a_message_of_128_kb_in_32_kb_frames_is_accepted() -> None:
    with gateway(stage("$default")) as (url, functions), client(url) as websocket:
        websocket.send(["x" * (32 * 1024)] * 4)
        wait_until(lambda: bool(functions.of_type("MESSAGE")), "the message")
    assert functions.of_type("MESSAGE")[0]["body"] == "x" * (128 * 1024)


def test_without_a_default_route_an_unmatched_message_is_answered_forbidden() -> None:
    with gateway(stage("sendmessage")) as (url, functions), client(url) as websocket:
        # When
        websocket.send('{"action": "other"}')
        # Then
        answer = json.loads(websocket.recv(timeout=10))
        assert answer["message"] == "Forbidden"
        assert answer["connectionId"] and answer["requestId"]
        assert functions.of_type("MESSAGE") == []


def test_a_failing_function_gets_the_client_an_internal_server_error_and_the_connection_lives_on() -> None:
    with gateway(stage("$default")) as (url, functions), client(url) as websocket:
        websocket.send("fail")
        assert json.loads(websocket.recv(timeout=10))["message"] == "Internal server error"
        websocket.send("fine")
        wait_until(lambda: len(functions.of_type("MESSAGE")) == 2, "the second message")


def test_a_route_api_gateway_may_not_invoke_fails_the_connect_with_500() -> None:
    with gateway(stage("$connect", invoke_allowed=False)) as (url, functions):
        with pytest.raises(InvalidStatus) as refused, client(url):
            pass
        assert refused.value.response.status_code == 500
        assert functions.events == []


def test_a_plain_http_request_on_the_stage_is_told_to_upgrade() -> None:
    with gateway(stage("$default")) as (url, _functions):
        with pytest.raises(urllib.error.HTTPError) as answered:
            urllib.request.urlopen("http" + url.removeprefix("ws"), timeout=10)
        assert answered.value.code == 426
