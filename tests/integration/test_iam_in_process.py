"""The IAM guard on in-process calls (tests/iam_guard.py), on moto's mock_aws: the API's own code, run in this
process, is checked against ApiFunction's policies as SAM expands them; another function's role is refused
what it is not granted, with DynamoDB's own access-denied answer.

The plugin's fixtures are imported here; once tests/iam_guard.py is registered as a plugin, every test can use
`act_as`, and `pytest_configure` installs the guard (here: at this module's import, during collection, before any
test creates a botocore session).
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from infra.local.iam import guard
from infra.local.iam.principal import Principal
from tests.iam_guard import act_as, iam_principals, iam_resolver, iam_template  # noqa: F401 - the plugin's fixtures
from tests.integration.api_client import Api

guard.install()

ActAs = Callable[..., AbstractContextManager[Principal]]


def test_the_api_registers_and_posts_under_its_own_policies(api: Api, act_as: ActAs) -> None:  # noqa: F811
    with act_as("ApiFunction") as principal:
        account = api.register()
        reply = api.post("/api/tweets", json_body={"text": "checked by IAM"}, token=account.access_token)
        assert reply.status == 201, reply.body
        assert api.user(account.id)["username"] == account.username
    assert principal.identity.caller_arn.endswith(":assumed-role/chirp-test-ApiFunctionRole/chirp-test-ApiFunction")


def test_a_role_without_the_grant_gets_dynamodbs_access_denied(aws: dict[str, str], act_as: ActAs) -> None:  # noqa: F811
    dynamodb: Any = boto3.client("dynamodb")
    item = {"pk": {"S": "USER#1"}}
    with act_as("ApiFunction"):
        dynamodb.put_item(TableName=aws["USERS_TABLE"], Item=item)
    # refused on purpose: kept out of the usage report
    with act_as("TimelineWriterFunction", record=False), pytest.raises(ClientError) as raised:
        dynamodb.put_item(TableName=aws["USERS_TABLE"], Item=item)
    error: Any = raised.value.response
    assert error["Error"]["Code"] == "AccessDeniedException"
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert (
        "chirp-test-TimelineWriterFunction is not authorized to perform: dynamodb:PutItem on resource: "
        f"arn:aws:dynamodb:us-east-1:123456789012:table/{aws['USERS_TABLE']}"
    ) in error["Error"]["Message"]
    # outside act_as nothing is checked
    dynamodb.put_item(TableName=aws["USERS_TABLE"], Item=item)
