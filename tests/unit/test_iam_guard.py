"""infra.local.iam.guard: every botocore call checked against a function's policies, in-process.

Clients are answered by botocore's Stubber (no network), which answers at `before-call`; the guard refuses a call
before that, at `before-parameter-build`. The Stubber also checks, at `before-parameter-build` and before the
guard, that a response is queued for the call: refused calls get one too, which is never used.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from infra.local.iam import guard
from infra.local.iam.principal import Identity, NamedPolicy, Principal
from infra.local.iam.usage import USAGE_DIR_VARIABLE

REGION, ACCOUNT = "us-east-1", "123456789012"
USERS = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/users"
QUEUE_URL = f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/timeline"
CALLER = f"arn:aws:sts::{ACCOUNT}:assumed-role/chirp-test-ProbeRole/chirp-test-Probe"


def principal(*statements: dict[str, Any]) -> Principal:
    return Principal(
        identity=Identity("Probe", "chirp-test-Probe", "chirp-test-ProbeRole", ACCOUNT, REGION),
        policies=(NamedPolicy("ProbeRolePolicy0", {"Statement": list(statements)}, "Policies[0]: test"),),
    )


READ_USERS = principal({"Effect": "Allow", "Action": ["dynamodb:GetItem", "dynamodb:Query"], "Resource": USERS})


@pytest.fixture(autouse=True)
def no_usage_log(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(USAGE_DIR_VARIABLE, raising=False)


@pytest.fixture
def session() -> boto3.session.Session:
    guard.install()
    return boto3.session.Session(region_name=REGION, aws_access_key_id="testing", aws_secret_access_key="testing")


@pytest.fixture
def dynamodb(session: boto3.session.Session) -> Iterator[tuple[Any, Stubber]]:
    client = session.client("dynamodb")
    with Stubber(client) as stubber:
        yield client, stubber


def error_of(raised: pytest.ExceptionInfo[ClientError]) -> tuple[str, int, str]:
    response: Any = raised.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"], response["Error"]["Message"]


def test_an_allowed_call_goes_through(dynamodb: tuple[Any, Stubber]) -> None:
    client, stubber = dynamodb
    stubber.add_response("get_item", {"Item": {"pk": {"S": "a"}}})
    with guard.acting_as(READ_USERS):
        assert client.get_item(TableName="users", Key={"pk": {"S": "a"}})["Item"] == {"pk": {"S": "a"}}


def test_a_call_no_policy_allows_gets_dynamodbs_access_denied_answer(dynamodb: tuple[Any, Stubber]) -> None:
    client, stubber = dynamodb
    stubber.add_response("put_item", {})
    with guard.acting_as(READ_USERS), pytest.raises(ClientError) as raised:
        client.put_item(TableName="users", Item={"pk": {"S": "a"}})
    assert error_of(raised) == (
        "AccessDeniedException",
        400,
        f"User: {CALLER} is not authorized to perform: dynamodb:PutItem on resource: {USERS} "
        "because no identity-based policy allows the dynamodb:PutItem action",
    )
    assert raised.value.operation_name == "PutItem"


def test_one_denied_item_of_a_transaction_refuses_it_all(dynamodb: tuple[Any, Stubber]) -> None:
    client, stubber = dynamodb
    stubber.add_response("transact_write_items", {})
    items = [{"ConditionCheck": {"TableName": "users", "Key": {}, "ConditionExpression": "x"}}]
    with guard.acting_as(READ_USERS), pytest.raises(ClientError, match="dynamodb:ConditionCheckItem"):
        client.transact_write_items(TransactItems=items)


def test_an_explicit_deny_says_so(dynamodb: tuple[Any, Stubber]) -> None:
    client, stubber = dynamodb
    stubber.add_response("delete_item", {})
    denying = principal(
        {"Effect": "Allow", "Action": "dynamodb:*", "Resource": "*"},
        {"Effect": "Deny", "Action": "dynamodb:DeleteItem", "Resource": USERS},
    )
    with guard.acting_as(denying), pytest.raises(ClientError, match="with an explicit deny in an identity-based"):
        client.delete_item(TableName="users", Key={"pk": {"S": "a"}})


@pytest.mark.parametrize(
    ("service", "call", "params", "answer"),
    [
        ("sqs", "send_message", {"QueueUrl": QUEUE_URL, "MessageBody": "x"}, ("AccessDenied", 403)),
        (
            "sns",
            "publish",
            {"TopicArn": f"arn:aws:sns:{REGION}:{ACCOUNT}:t", "Message": "x"},
            ("AuthorizationError", 403),
        ),
        ("s3", "get_object", {"Bucket": "media", "Key": "k"}, ("AccessDenied", 403)),
        ("secretsmanager", "get_secret_value", {"SecretId": "jwt"}, ("AccessDeniedException", 400)),
        ("events", "put_events", {"Entries": [{"Detail": "{}"}]}, ("AccessDeniedException", 400)),
    ],
)
def test_each_service_answers_a_refused_call_in_its_own_words(
    session: boto3.session.Session, service: str, call: str, params: dict[str, Any], answer: tuple[str, int]
) -> None:
    client = session.client(service)
    with Stubber(client) as stubber, guard.acting_as(READ_USERS), pytest.raises(ClientError) as raised:
        stubber.add_response(call, {})
        getattr(client, call)(**params)
    assert error_of(raised)[:2] == answer
    assert "is not authorized to perform" in error_of(raised)[2]


def test_an_operation_the_guard_cannot_map_is_refused_loudly(dynamodb: tuple[Any, Stubber]) -> None:
    client, stubber = dynamodb
    stubber.add_response("execute_statement", {})
    with guard.acting_as(READ_USERS), pytest.raises(ClientError) as raised:
        client.execute_statement(Statement="SELECT * FROM users")
    code, _status, message = error_of(raised)
    assert code == "AccessDeniedException"
    assert "infra/local/iam/actions.py" in message


def test_get_caller_identity_is_always_allowed(session: boto3.session.Session) -> None:
    sts = session.client("sts")
    with Stubber(sts) as stubber, guard.acting_as(principal()):
        stubber.add_response("get_caller_identity", {"Account": ACCOUNT, "Arn": CALLER, "UserId": "AROA:x"})
        assert sts.get_caller_identity()["Account"] == ACCOUNT


def test_calls_outside_acting_as_are_not_checked(dynamodb: tuple[Any, Stubber]) -> None:
    client, stubber = dynamodb
    stubber.add_response("put_item", {})
    client.put_item(TableName="users", Item={"pk": {"S": "a"}})
    assert guard.active_identity() is None


def test_a_presigned_url_is_reported_not_refused(session: boto3.session.Session, capsys: Any) -> None:
    s3 = session.client("s3")
    with guard.acting_as(READ_USERS):
        url = s3.generate_presigned_url("put_object", Params={"Bucket": "media", "Key": "upload.jpg"})
    assert "upload.jpg" in url
    assert "a presigned URL will be refused" in capsys.readouterr().err


def test_a_presigned_post_is_checked_as_the_put_object_s3_authorises_it_as(
    session: boto3.session.Session, capsys: Any
) -> None:
    # Given a role that may put objects under uploads/ only (botocore presigns a POST on CreateBucket's model)
    uploads = principal({"Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::media/uploads/*"})
    s3 = session.client("s3")
    # When it presigns a POST under uploads/, then one elsewhere
    with guard.acting_as(uploads):
        s3.generate_presigned_post("media", "uploads/1/2")
        allowed = capsys.readouterr().err
        s3.generate_presigned_post("media", "media/1/large.webp")
        refused = capsys.readouterr().err
    # Then the first is granted (nothing reported, no CreateBucket), the second reported as S3 would refuse it
    assert allowed == ""
    assert "a presigned URL will be refused" in refused
    assert "s3:PutObject on resource: arn:aws:s3:::media/media/1/large.webp" in refused


def test_the_lean_dynamodb_client_is_checked_too(session: boto3.session.Session) -> None:
    # chirp.adapters.dynamodb.wire emits before-parameter-build on the DynamoDB client's events
    from chirp.adapters.dynamodb.wire import WireDynamoDB

    client = session.client("dynamodb")
    wire = WireDynamoDB(client, session.get_credentials())
    with Stubber(client) as stubber, guard.acting_as(READ_USERS):
        stubber.add_response("query", {"Items": [], "Count": 0, "ScannedCount": 0})
        assert wire.query(TableName="users", KeyConditionExpression="pk = :p", ExpressionAttributeValues={})
        stubber.add_response("batch_get_item", {})
        with pytest.raises(ClientError, match="dynamodb:BatchGetItem on resource"):
            wire.batch_get_item(RequestItems={"users": {"Keys": [{"pk": {"S": "a"}}]}})


def test_each_pair_is_decided_once_and_logged_once(
    dynamodb: tuple[Any, Stubber], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a usage folder
    monkeypatch.setenv(USAGE_DIR_VARIABLE, str(tmp_path))
    client, stubber = dynamodb
    # When the same call is made three times, and a refused one twice
    with guard.acting_as(READ_USERS):
        for _ in range(3):
            stubber.add_response("get_item", {})
            client.get_item(TableName="users", Key={"pk": {"S": "a"}})
        for _ in range(2):
            stubber.add_response("put_item", {})
            with pytest.raises(ClientError):
                client.put_item(TableName="users", Item={"pk": {"S": "a"}})
    # Then the folder holds the principal once and each distinct decision once
    lines = [json.loads(line) for path in tmp_path.glob("*.jsonl") for line in path.read_text().splitlines()]
    assert [line["kind"] for line in lines] == ["principal", "use", "use"]
    assert [(line["action"], line["decision"]) for line in lines[1:]] == [
        ("dynamodb:GetItem", "ALLOWED"),
        ("dynamodb:PutItem", "IMPLICIT_DENY"),
    ]
    assert lines[1]["resource"] == USERS
    assert lines[1]["caller"] == "function"


class _EmptyBody:
    def stream(self, **_kwargs: Any) -> Iterator[bytes]:
        yield b""


def test_websocket_pushes_are_manage_connections_on_the_connection(session: boto3.session.Session) -> None:
    # Given a management API client on the local runtime's form of the endpoint, answered at before-send
    from botocore.awsrequest import AWSResponse

    client = session.client("apigatewaymanagementapi", endpoint_url="http://127.0.0.1:8000/ws/abc123/v1")
    sent: list[str] = []

    def answer(request: Any, **_kwargs: Any) -> AWSResponse:
        sent.append(request.url)
        return AWSResponse(request.url, 200, {}, _EmptyBody())

    client.meta.events.register("before-send", answer)
    connection = f"arn:aws:execute-api:{REGION}:{ACCOUNT}:abc123/v1/POST/@connections/conn-1"
    pusher = principal({"Effect": "Allow", "Action": "execute-api:ManageConnections", "Resource": connection})
    with guard.acting_as(pusher):
        # When it posts to the connection it may manage, and to another one
        client.post_to_connection(ConnectionId="conn-1", Data=b"{}")
        with pytest.raises(ClientError) as raised:
            client.post_to_connection(ConnectionId="conn-2", Data=b"{}")
    # Then the first is sent, the second refused as API Gateway refuses it
    assert sent == ["http://127.0.0.1:8000/ws/abc123/v1/@connections/conn-1"]
    code, status, message = error_of(raised)
    assert (code, status) == ("ForbiddenException", 403)
    assert f"execute-api:ManageConnections on resource: {connection[: -len('conn-1')]}conn-2" in message


def test_checks_can_be_suspended_inside_acting_as(dynamodb: tuple[Any, Stubber]) -> None:
    client, stubber = dynamodb
    with guard.acting_as(READ_USERS):
        with guard.unchecked():  # e.g. a test seeding what the function will read
            stubber.add_response("put_item", {})
            client.put_item(TableName="users", Item={"pk": {"S": "a"}})
        stubber.add_response("put_item", {})
        with pytest.raises(ClientError, match="dynamodb:PutItem"):
            client.put_item(TableName="users", Item={"pk": {"S": "a"}})
