"""The local runtime's fault injection (infra.local.faults) driving its real sandboxes and pollers against
DynamoDB Local and a moto server: every fault it injects is one Chirp's handlers must survive without losing or
doubling an effect, and the runtime's own machinery (the pool, the pollers' retries and checkpoints, botocore's
retries) must recover from it as Lambda's does.

The test handler applies each message or record once: a transaction puts a marker for its key (only if absent)
and adds 1 to a total, so a second delivery changes nothing; every attempt is counted apart."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from infra.local.aws import AwsClients, ServiceEndpoints
from infra.local.checkpoints import CheckpointStore
from infra.local.faults import (
    AWS_5XX,
    AWS_THROTTLE,
    INVOKE_ERROR_AFTER,
    INVOKE_TIMEOUT,
    POLLER_RESTART,
    REDELIVER,
    FaultInjector,
    FaultSettings,
)
from infra.local.functions import FunctionSpec
from infra.local.pollers import MappingSettings
from infra.local.sandbox import FunctionError, Invoker, SandboxPool, SandboxSettings
from infra.local.sqs_poller import SqsPoller
from infra.local.stream_poller import StreamPoller

REGION = "us-east-1"
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
LAYER = Path(__file__).resolve().parents[2] / "layers" / "chirp"

HANDLER_CODE = """
import os
import boto3
from botocore.exceptions import ClientError

TABLE = os.environ["EFFECTS_TABLE"]
dynamodb = boto3.client("dynamodb")


def keys_of(event):
    if "Records" not in event:
        return event.get("keys", [])
    keys = [r["body"] if "body" in r else r["dynamodb"]["Keys"]["pk"]["S"] for r in event["Records"]]
    return [key for key in keys if not key.startswith(("attempts#", "done#", "total"))]  # not our own writes


def apply_once(key):
    dynamodb.update_item(
        TableName=TABLE, Key={"pk": {"S": "attempts#" + key}},
        UpdateExpression="ADD n :one", ExpressionAttributeValues={":one": {"N": "1"}},
    )
    try:
        dynamodb.transact_write_items(TransactItems=[
            {"Put": {"TableName": TABLE, "Item": {"pk": {"S": "done#" + key}},
                     "ConditionExpression": "attribute_not_exists(pk)"}},
            {"Update": {"TableName": TABLE, "Key": {"pk": {"S": "total"}},
                        "UpdateExpression": "ADD n :one", "ExpressionAttributeValues": {":one": {"N": "1"}}}},
        ])
    except ClientError as error:
        if error.response["Error"]["Code"] != "TransactionCanceledException":
            raise  # a marker that exists cancels it: applied before


def handler(event, context):
    for key in keys_of(event):
        apply_once(key)
    if event.get("lean_reads"):
        from chirp.adapters.dynamodb.wire import WireDynamoDB
        wire = WireDynamoDB(dynamodb, boto3.Session().get_credentials())
        for _ in range(event["lean_reads"]):
            wire.query(TableName=TABLE, KeyConditionExpression="pk = :pk",
                       ExpressionAttributeValues={":pk": {"S": "total"}})
    return {"pid": os.getpid()}
"""


class ScriptedFaults(FaultInjector):
    """Fault injection whose invoke, redelivery and restart decisions follow a script (then: none), so a test
    meets exactly the fault it is about; counted and logged as the real ones."""

    def __init__(
        self,
        settings: FaultSettings | None = None,
        *,
        invokes: list[str | None] | None = None,
        redeliveries: list[bool] | None = None,
        restarts: list[bool] | None = None,
    ) -> None:
        super().__init__(settings or FaultSettings(seed=1))
        self.invokes = list(invokes or [])
        self.redeliveries = list(redeliveries or [])
        self.restarts = list(restarts or [])

    def invoke_fault(self, function_id: str, details: str = "") -> str | None:
        kind = self.invokes.pop(0) if self.invokes else None
        if kind is not None:
            self.record(kind, function_id, details)
        return kind

    def redeliver(self, function_id: str, details: str = "") -> bool:
        strikes = self.redeliveries.pop(0) if self.redeliveries else False
        if strikes:
            self.record(REDELIVER, function_id, details)
        return strikes

    def poller_restart(self, function_id: str, details: str = "") -> bool:
        strikes = self.restarts.pop(0) if self.restarts else False
        if strikes:
            self.record(POLLER_RESTART, function_id, details)
        return strikes


# ---------------------------------------------------------------------- fixtures
@pytest.fixture
def clients(services: ServiceEndpoints, monkeypatch: pytest.MonkeyPatch) -> AwsClients:
    for name, value in {**CREDENTIALS, "AWS_DEFAULT_REGION": REGION, **services.environment()}.items():
        monkeypatch.setenv(name, value)
    return AwsClients(REGION, services)


@pytest.fixture
def table(clients: AwsClients) -> dict[str, str]:
    """A table of effects with a stream (for the stream poller's tests): its name and stream ARN."""
    name = f"effects-{uuid.uuid4().hex[:8]}"
    created = clients.client("dynamodb").create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"},
    )
    return {"name": name, "stream_arn": created["TableDescription"]["LatestStreamArn"]}


@pytest.fixture
def queue(clients: AwsClients) -> dict[str, str]:
    sqs = clients.client("sqs")
    url = sqs.create_queue(QueueName=f"work-{uuid.uuid4().hex[:8]}", Attributes={"VisibilityTimeout": "1"})["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return {"url": url, "arn": arn}


def function_in(folder: Path, table_name: str) -> FunctionSpec:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "handler.py").write_text(HANDLER_CODE)
    return FunctionSpec(
        logical_id="Effects",
        name="chirp-local-Effects",
        arn="arn:aws:lambda:us-east-1:123456789012:function:chirp-local-Effects",
        code_dir=folder,
        handler_module="handler",
        handler_attribute="handler",
        timeout_seconds=30,  # room for the SDK's backoff (standard mode: up to 1, 2, 4 s...)
        memory_mb=256,
        environment={"EFFECTS_TABLE": table_name},
    )


@pytest.fixture
def start_invoker(tmp_path: Path, table: dict[str, str]) -> Iterator[Callable[[FaultInjector], Invoker]]:
    started: list[Invoker] = []

    def start(faults: FaultInjector) -> Invoker:
        settings = SandboxSettings(base_environment=dict(os.environ), layer_paths=[LAYER], faults=faults)
        invoker = Invoker({"Effects": SandboxPool(function_in(tmp_path / "fn", table["name"]), 2, settings)})
        started.append(invoker)
        return invoker

    yield start
    for invoker in started:
        invoker.close()


def mapping(source_arn: str, batch_size: int) -> MappingSettings:
    return MappingSettings(function_id="Effects", event_name="Work", source_arn=source_arn, batch_size=batch_size,
                           batching_window_seconds=0)  # fmt: skip


def number(clients: AwsClients, table_name: str, key: str) -> int:
    item = clients.client("dynamodb").get_item(TableName=table_name, Key={"pk": {"S": key}}).get("Item")
    return int(item["n"]["N"]) if item else 0


def wait_until(condition: Callable[[], bool], timeout: float = 30.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def queue_is_empty(clients: AwsClients, queue_url: str) -> bool:
    attributes = clients.client("sqs").get_queue_attributes(
        QueueUrl=queue_url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return (
        attributes["ApproximateNumberOfMessages"] == "0" and attributes["ApproximateNumberOfMessagesNotVisible"] == "0"
    )


def send(clients: AwsClients, queue_url: str, keys: list[str]) -> None:
    for key in keys:
        clients.client("sqs").send_message(QueueUrl=queue_url, MessageBody=key)


# ---------------------------------------------------------------------- invocation faults
def test_an_error_after_the_handler_ran_is_retried_and_its_effect_stays_single(
    clients: AwsClients, table: dict[str, str], queue: dict[str, str], start_invoker: Callable[..., Invoker]
) -> None:
    # Given the first invocation's answer is lost after the handler applied its batch
    faults = ScriptedFaults(invokes=[INVOKE_ERROR_AFTER])
    poller = SqsPoller(mapping(queue["arn"], 10), clients, start_invoker(faults), faults)
    send(clients, queue["url"], ["a", "b", "c"])
    # When the poller delivers, the batch fails, and comes back after its visibility timeout
    poller.start()
    try:
        wait_until(lambda: number(clients, table["name"], "attempts#a") >= 2, what="the retry")
        wait_until(lambda: queue_is_empty(clients, queue["url"]), what="the queue to drain")
    finally:
        poller.stop()
    # Then the batch was handled twice, its effect applied once
    assert faults.snapshot()[INVOKE_ERROR_AFTER] == 1
    assert [number(clients, table["name"], f"attempts#{key}") for key in "abc"] == [2, 2, 2]
    assert number(clients, table["name"], "total") == 3


def test_a_timed_out_invocation_kills_its_sandbox_which_the_pool_replaces(
    table: dict[str, str], start_invoker: Callable[..., Invoker]
) -> None:
    # Given a warm sandbox, and an invocation that is to time out
    faults = ScriptedFaults(invokes=[None, INVOKE_TIMEOUT])
    invoker = start_invoker(faults)
    first_pid = invoker.invoke("Effects", {"keys": []})["pid"]
    # When
    with pytest.raises(FunctionError) as raised:
        invoker.invoke("Effects", {"keys": ["x"]})
    # Then Lambda's timeout is reported, the sandbox is dead, and the next invocation runs in a new one
    assert raised.value.error_type == "Sandbox.Timedout"
    assert "Task timed out after 30.00 seconds" in str(raised.value)
    with pytest.raises(ProcessLookupError):
        os.kill(first_pid, 0)
    assert invoker.invoke("Effects", {"keys": ["x"]})["pid"] != first_pid
    assert faults.snapshot()[INVOKE_TIMEOUT] == 1


def test_a_sandbox_killed_mid_batch_is_replaced_and_its_batch_retried(
    clients: AwsClients, table: dict[str, str], queue: dict[str, str], start_invoker: Callable[..., Invoker]
) -> None:
    # Given the first batch's sandbox is killed at a random moment of its invocation
    faults = ScriptedFaults(invokes=[INVOKE_TIMEOUT])
    invoker = start_invoker(faults)
    poller = SqsPoller(mapping(queue["arn"], 10), clients, invoker, faults)
    send(clients, queue["url"], ["k1", "k2", "k3", "k4"])
    # When
    poller.start()
    try:
        wait_until(lambda: number(clients, table["name"], "total") == 4, what="every effect")
        wait_until(lambda: queue_is_empty(clients, queue["url"]), what="the queue to drain")
    finally:
        poller.stop()
    # Then every message took effect once, whatever the killed sandbox had done
    assert faults.snapshot()[INVOKE_TIMEOUT] == 1
    assert all(number(clients, table["name"], f"attempts#k{n}") >= 1 for n in range(1, 5))
    assert number(clients, table["name"], "total") == 4
    assert all(sandbox.is_alive() for sandbox in invoker.pools["Effects"]._all)  # the killed one was replaced


# ---------------------------------------------------------------------- AWS faults
def test_throttled_and_failing_dynamodb_calls_are_retried_by_the_sdk_and_the_handler_succeeds(
    clients: AwsClients, table: dict[str, str], start_invoker: Callable[..., Invoker]
) -> None:
    # Given a fifth of DynamoDB calls throttled or failing with 5xx in the sandbox (a fixed seed: replayable)
    faults = FaultInjector(FaultSettings(seed=2024, aws_throttle=0.12, aws_5xx=0.08))
    invoker = start_invoker(faults)
    keys = [f"t{n}" for n in range(10)]
    # When the handler makes 20 calls with boto3 and 10 with the home timeline's lean client
    invoker.invoke("Effects", {"keys": keys, "lean_reads": 10})
    # Then it succeeded: botocore (and the lean client) retried what was faked; each effect applied once
    counts = faults.snapshot()
    assert counts[AWS_THROTTLE] > 0 and counts[AWS_5XX] > 0
    assert number(clients, table["name"], "total") == 10


def test_without_fault_settings_a_sandbox_fakes_nothing(
    clients: AwsClients, table: dict[str, str], start_invoker: Callable[..., Invoker]
) -> None:
    # Given fault injection off
    faults = FaultInjector()
    invoker = start_invoker(faults)
    # When
    invoker.invoke("Effects", {"keys": [f"n{n}" for n in range(10)]})
    # Then
    assert all(count == 0 for count in faults.snapshot().values())
    assert all(number(clients, table["name"], f"attempts#n{n}") == 1 for n in range(10))


# ---------------------------------------------------------------------- redelivery and restarts
def test_a_redelivered_message_is_handled_twice_without_a_second_effect(
    clients: AwsClients, table: dict[str, str], queue: dict[str, str], start_invoker: Callable[..., Invoker]
) -> None:
    # Given every message of the first batch is delivered again after it succeeded
    faults = ScriptedFaults(redeliveries=[True, True])
    poller = SqsPoller(mapping(queue["arn"], 10), clients, start_invoker(faults), faults)
    send(clients, queue["url"], ["r1", "r2"])
    # When
    poller.start()
    try:
        wait_until(lambda: number(clients, table["name"], "attempts#r2") >= 2, what="the redeliveries")
        wait_until(lambda: queue_is_empty(clients, queue["url"]), what="the queue to drain")
    finally:
        poller.stop()
    # Then
    assert faults.snapshot()[REDELIVER] == 2
    assert [number(clients, table["name"], f"attempts#{key}") for key in ("r1", "r2")] == [2, 2]
    assert number(clients, table["name"], "total") == 2


def test_a_stream_batch_that_succeeded_is_invoked_again_without_a_second_effect(
    clients: AwsClients, table: dict[str, str], start_invoker: Callable[..., Invoker], tmp_path: Path
) -> None:
    # Given the first stream batch is redelivered after it succeeded
    faults = ScriptedFaults(redeliveries=[True])
    checkpoints = CheckpointStore(tmp_path / "checkpoints.json", table["stream_arn"])
    poller = StreamPoller(mapping(table["stream_arn"], 10), clients, start_invoker(faults), checkpoints, faults)
    for key in ("s1", "s2"):
        clients.client("dynamodb").put_item(TableName=table["name"], Item={"pk": {"S": f"src#{key}"}})
    # When
    poller.start()
    try:
        wait_until(lambda: number(clients, table["name"], "attempts#src#s2") >= 2, what="the redelivery")
    finally:
        poller.stop()
    # Then
    assert faults.snapshot()[REDELIVER] == 1
    assert number(clients, table["name"], "total") == 2


def test_a_poller_restart_resumes_from_its_checkpoint_without_skipping_records(
    clients: AwsClients, table: dict[str, str], start_invoker: Callable[..., Invoker], tmp_path: Path
) -> None:
    # Given a stream poller of batches of 2 that restarts after each of its first three rounds that delivered
    faults = ScriptedFaults(restarts=[True, True, True])
    checkpoints = CheckpointStore(tmp_path / "checkpoints.json", table["stream_arn"])
    poller = StreamPoller(mapping(table["stream_arn"], 2), clients, start_invoker(faults), checkpoints, faults)
    keys = [f"p{n}" for n in range(7)]
    for key in keys:
        clients.client("dynamodb").put_item(TableName=table["name"], Item={"pk": {"S": f"src#{key}"}})
    # When
    poller.start()
    try:
        wait_until(lambda: number(clients, table["name"], "total") == 7, what="every record")
        time.sleep(0.5)  # a record delivered twice would show by now
    finally:
        poller.stop()
    # Then it restarted, lost no record, and resumed past its checkpoint (no record handled twice)
    assert faults.snapshot()[POLLER_RESTART] == 3
    assert poller.checkpoints is not checkpoints  # read again from its file
    assert [number(clients, table["name"], f"attempts#src#{key}") for key in keys] == [1] * 7


def test_a_faulty_runtime_keeps_its_faults_out_of_the_handlers_environment(
    start_invoker: Callable[..., Invoker], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given the runtime's own variables name faults
    monkeypatch.setenv("CHIRP_FAULT_INVOKE_ERROR", "0.5")
    invoker = start_invoker(FaultInjector())
    pool = invoker.pools["Effects"]
    # When a sandbox starts
    with pool.acquire() as sandbox:
        environ = Path(f"/proc/{sandbox.process.pid}/environ").read_bytes().split(b"\0")
    # Then the variables stay the runtime's
    assert not [entry for entry in environ if entry.startswith(b"CHIRP_FAULT_")]


def _unused(_: Any) -> None:  # keeps boto3 imported for the handler's process type hints
    boto3.client  # noqa: B018
