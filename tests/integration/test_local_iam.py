"""The local runtime enforces each function's IAM policies (infra.local.iam), against DynamoDB Local and moto
server, on the test-only template `local_runtime_app/iam_template.yaml`: a sandbox's call its policies do not
allow gets the service's own access-denied answer, and a template AWS would refuse to deploy does not start."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from infra.local.aws import ServiceEndpoints
from infra.local.config import config_from_environ
from infra.local.emulators import free_port
from infra.local.iam.errors import PolicyError
from infra.local.iam.usage import USAGE_DIR_VARIABLE
from infra.local.runtime import LocalRuntime
from infra.local.template import load_template_text

APP_DIR = Path(__file__).with_name("local_runtime_app")
REGION = "us-east-1"
ACCOUNT = "123456789012"  # moto server's
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}


@contextmanager
def running_runtime(services: ServiceEndpoints, template: Path, folder: Path, prefix: str) -> Iterator[LocalRuntime]:
    """The local runtime, in this process; its usage log in `<folder>/usage`; the environment is restored."""
    saved_environ = dict(os.environ)
    environ = {
        **CREDENTIALS,
        "AWS_DEFAULT_REGION": REGION,
        "CHIRP_TEMPLATE": str(template),
        "CHIRP_DATA_DIR": str(folder / "data"),
        "CHIRP_RESOURCE_PREFIX": prefix,
        "PORT": str(free_port()),
    }
    os.environ.update({**CREDENTIALS, USAGE_DIR_VARIABLE: str(folder / "usage")})
    runtime = LocalRuntime(config_from_environ(environ), given_services=services)
    try:
        runtime.start()
        yield runtime
    finally:
        runtime.stop()
        os.environ.clear()
        os.environ.update(saved_environ)


def variant(folder: Path, change: Callable[[dict[str, Any]], None]) -> Path:
    """iam_template.yaml changed by `change`, written to `folder` (code paths made absolute)."""
    document = load_template_text((APP_DIR / "iam_template.yaml").read_text())
    change(document)
    for body in document["Resources"].values():
        properties = body.get("Properties") or {}
        if isinstance(properties.get("CodeUri"), str):
            properties["CodeUri"] = str(APP_DIR / properties["CodeUri"])
    path = folder / "template.json"
    path.write_text(json.dumps(document))
    return path


def stream_reader(**properties: Any) -> dict[str, Any]:
    """A function reading ItemsTable's stream."""
    return {
        "Type": "AWS::Serverless::Function",
        "Properties": {
            "CodeUri": "functions/aws_caller/",
            "Handler": "handler.handler",
            **properties,
            "Events": {
                "Items": {
                    "Type": "DynamoDB",
                    "Properties": {"Stream": {"Fn::GetAtt": ["ItemsTable", "StreamArn"]}, "StartingPosition": "LATEST"},
                }
            },
        },
    }


@pytest.fixture
def prefix() -> str:
    return f"t{uuid.uuid4().hex[:8]}-"


def call(runtime: LocalRuntime, service: str, operation: str, **params: Any) -> dict[str, Any]:
    result: dict[str, Any] = runtime.invoker.invoke(  # type: ignore[union-attr]
        "AwsCaller", {"service": service, "operation": operation, "params": params}
    )
    return result


def outputs(runtime: LocalRuntime, logical_id: str) -> Any:
    return next(resource.outputs for resource in runtime.provisioned if resource.logical_id == logical_id)


# ---------------------------------------------------------------------- calls from a sandbox
def test_a_sandbox_may_make_the_calls_its_policies_allow_and_no_other(
    services: ServiceEndpoints, tmp_path: Path, prefix: str
) -> None:
    with running_runtime(services, APP_DIR / "iam_template.yaml", tmp_path, prefix) as runtime:
        key = {"pk": {"S": "a"}}
        items, other = f"{prefix}ItemsTable", f"{prefix}OtherTable"
        # DynamoDBReadPolicy on ItemsTable: reads pass, writes and other tables are refused as DynamoDB refuses
        assert call(runtime, "dynamodb", "get_item", TableName=items, Key=key) == {"ok": 200}
        refused = call(runtime, "dynamodb", "put_item", TableName=items, Item=key)["error"]
        assert refused == {
            "code": "AccessDeniedException",
            "status": 400,
            "message": f"User: arn:aws:sts::{ACCOUNT}:assumed-role/{prefix}AwsCallerRole/{prefix}AwsCaller is not "
            f"authorized to perform: dynamodb:PutItem on resource: arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{items} "
            "because no identity-based policy allows the dynamodb:PutItem action",
        }
        assert (
            call(runtime, "dynamodb", "get_item", TableName=other, Key=key)["error"]["code"] == "AccessDeniedException"
        )
        # SQSSendMessagePolicy on WorkQueue: sending there passes; to another queue, SQS's AccessDenied (403)
        work_queue, other_queue = outputs(runtime, "WorkQueue").ref, outputs(runtime, "OtherQueue").ref
        assert call(runtime, "sqs", "send_message", QueueUrl=work_queue, MessageBody="m") == {"ok": 200}
        refused = call(runtime, "sqs", "send_message", QueueUrl=other_queue, MessageBody="m")["error"]
        assert (refused["code"], refused["status"]) == ("AccessDenied", 403)
        assert f"sqs:SendMessage on resource: arn:aws:sqs:{REGION}:{ACCOUNT}:{prefix}OtherQueue" in refused["message"]
    # And the usage log holds each decision once, as the runtime made it
    uses = [
        (line["action"], line["resource"].rsplit(":", 1)[-1], line["decision"])
        for path in (tmp_path / "usage").glob("*.jsonl")
        for line in map(json.loads, path.read_text().splitlines())
        if line["kind"] == "use" and line["function"] == "AwsCaller"
    ]
    assert sorted(uses) == sorted([
        ("dynamodb:GetItem", f"table/{items}", "ALLOWED"),
        ("dynamodb:PutItem", f"table/{items}", "IMPLICIT_DENY"),
        ("dynamodb:GetItem", f"table/{other}", "IMPLICIT_DENY"),
        ("sqs:SendMessage", f"{prefix}WorkQueue", "ALLOWED"),
        ("sqs:SendMessage", f"{prefix}OtherQueue", "IMPLICIT_DENY"),
    ])  # fmt: skip


# ---------------------------------------------------------------------- what AWS would refuse to deploy
def test_a_role_that_cannot_read_its_stream_stops_the_runtime(
    services: ServiceEndpoints, tmp_path: Path, prefix: str
) -> None:
    # Given a stream consumer whose role (not SAM's) grants nothing
    def add_bare_reader(document: dict[str, Any]) -> None:
        document["Resources"]["BareRole"] = {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {}}}
        document["Resources"]["StreamReader"] = stream_reader(Role={"Fn::GetAtt": ["BareRole", "Arn"]})

    template = variant(tmp_path, add_bare_reader)
    # When the runtime starts, Then it refuses, naming the mapping, the role, the action and the stream
    with pytest.raises(PolicyError) as raised, running_runtime(services, template, tmp_path, prefix):
        pass
    message = str(raised.value)
    stream = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{prefix}ItemsTable/stream/"
    assert (
        f"StreamReader.Items: the function's role {prefix}BareRole does not allow dynamodb:GetRecords on {stream}"
        in (message)
    )
    assert "dynamodb:ListStreams on *" in message


def test_a_third_reader_of_one_stream_stops_the_runtime(
    services: ServiceEndpoints, tmp_path: Path, prefix: str
) -> None:
    def add_readers(document: dict[str, Any]) -> None:
        for name in ("FirstReader", "SecondReader", "ThirdReader"):
            document["Resources"][name] = stream_reader()

    template = variant(tmp_path, add_readers)
    with (
        pytest.raises(PolicyError, match=r"3 event source mappings read .*ItemsTable/stream/.*at most 2"),
        running_runtime(services, template, tmp_path, prefix),
    ):
        pass
