"""infra.local.iam.actions: one API call -> the (action, resource) pairs AWS authorizes for it."""

from __future__ import annotations

from typing import Any

import pytest

from infra.local.iam.actions import CallSite, UnmappedOperation, canonical_arn, requested_pairs

SITE = CallSite(region="eu-west-1", account_id="123456789012")
TABLE = "arn:aws:dynamodb:eu-west-1:123456789012:table"


def pairs(service: str, operation: str, params: dict[str, Any], site: CallSite = SITE) -> list[tuple[str, str]]:
    return requested_pairs(service, operation, params, site)


# ---------------------------------------------------------------------- DynamoDB
@pytest.mark.parametrize("operation", ["GetItem", "PutItem", "UpdateItem", "DeleteItem", "DescribeTable"])
def test_an_item_operation_is_its_own_action_on_its_table(operation: str) -> None:
    assert pairs("dynamodb", operation, {"TableName": "users"}) == [(f"dynamodb:{operation}", f"{TABLE}/users")]


def test_a_query_on_an_index_is_authorized_on_the_index() -> None:
    assert pairs("dynamodb", "Query", {"TableName": "tweets", "IndexName": "author_index"}) == [
        ("dynamodb:Query", f"{TABLE}/tweets/index/author_index")
    ]
    assert pairs("dynamodb", "Scan", {"TableName": "tweets"}) == [("dynamodb:Scan", f"{TABLE}/tweets")]


def test_a_batch_is_its_own_action_on_each_table() -> None:
    request: dict[str, Any] = {"RequestItems": {"tweets": {"Keys": []}, "users": {"Keys": []}}}
    assert pairs("dynamodb", "BatchGetItem", request) == [
        ("dynamodb:BatchGetItem", f"{TABLE}/tweets"),
        ("dynamodb:BatchGetItem", f"{TABLE}/users"),
    ]
    assert pairs("dynamodb", "BatchWriteItem", {"RequestItems": {"timelines": []}}) == [
        ("dynamodb:BatchWriteItem", f"{TABLE}/timelines")
    ]


def test_a_transaction_is_authorized_item_by_item() -> None:
    items = [
        {"Put": {"TableName": "users", "Item": {}}},
        {"Put": {"TableName": "users", "Item": {}}},
        {"Update": {"TableName": "follows", "Key": {}}},
        {"Delete": {"TableName": "sessions", "Key": {}}},
        {"ConditionCheck": {"TableName": "follows", "Key": {}}},
    ]
    assert pairs("dynamodb", "TransactWriteItems", {"TransactItems": items}) == [
        ("dynamodb:PutItem", f"{TABLE}/users"),
        ("dynamodb:UpdateItem", f"{TABLE}/follows"),
        ("dynamodb:DeleteItem", f"{TABLE}/sessions"),
        ("dynamodb:ConditionCheckItem", f"{TABLE}/follows"),
    ]
    gets = {"TransactItems": [{"Get": {"TableName": "users", "Key": {}}}]}
    assert pairs("dynamodb", "TransactGetItems", gets) == [("dynamodb:GetItem", f"{TABLE}/users")]


def test_dynamodb_locals_arns_get_the_runtimes_region_and_account() -> None:
    local = "arn:aws:dynamodb:ddblocal:000000000000:table/users/stream/2026-01-01T00:00:00.000"
    assert canonical_arn(local, "eu-west-1", "123456789012") == f"{TABLE}/users/stream/2026-01-01T00:00:00.000"
    assert pairs("dynamodb", "GetItem", {"TableName": "arn:aws:dynamodb:ddblocal:000000000000:table/users"}) == [
        ("dynamodb:GetItem", f"{TABLE}/users")
    ]
    assert canonical_arn("arn:aws:sqs:us-east-1:1:q", "eu-west-1", "123456789012") == "arn:aws:sqs:us-east-1:1:q"


def test_stream_reads_are_authorized_on_the_stream() -> None:
    stream = "arn:aws:dynamodb:ddblocal:000000000000:table/users/stream/2026-01-01T00:00:00.000"
    expected = f"{TABLE}/users/stream/2026-01-01T00:00:00.000"
    assert pairs("dynamodbstreams", "DescribeStream", {"StreamArn": stream}) == [("dynamodb:DescribeStream", expected)]
    shard = {"StreamArn": stream, "ShardId": "s", "ShardIteratorType": "TRIM_HORIZON"}
    assert pairs("dynamodbstreams", "GetShardIterator", shard) == [("dynamodb:GetShardIterator", expected)]
    # GetRecords names no stream: its iterator carries the stream's ARN
    iterator = f"000|{stream}|AAAAAAAAAQ=="
    assert pairs("dynamodbstreams", "GetRecords", {"ShardIterator": iterator}) == [("dynamodb:GetRecords", expected)]
    assert pairs("dynamodbstreams", "GetRecords", {"ShardIterator": "opaque"}) == [("dynamodb:GetRecords", "*")]
    # ListStreams supports no resource-level permission
    assert pairs("dynamodbstreams", "ListStreams", {"TableName": "users"}) == [("dynamodb:ListStreams", "*")]


# ---------------------------------------------------------------------- SQS, SNS
QUEUE = "arn:aws:sqs:eu-west-1:123456789012:timeline"


@pytest.mark.parametrize(
    "url",
    [
        "https://sqs.eu-west-1.amazonaws.com/123456789012/timeline",
        "https://eu-west-1.queue.amazonaws.com/123456789012/timeline",
        "http://127.0.0.1:4566/123456789012/timeline",  # moto server, LocalStack: the client's region
    ],
)
def test_a_queue_url_names_the_queue(url: str) -> None:
    assert pairs("sqs", "SendMessage", {"QueueUrl": url, "MessageBody": "x"}) == [("sqs:SendMessage", QUEUE)]


@pytest.mark.parametrize(
    ("operation", "action"),
    [
        ("SendMessageBatch", "sqs:SendMessage"),
        ("DeleteMessageBatch", "sqs:DeleteMessage"),
        ("ChangeMessageVisibilityBatch", "sqs:ChangeMessageVisibility"),
        ("ReceiveMessage", "sqs:ReceiveMessage"),
        ("GetQueueAttributes", "sqs:GetQueueAttributes"),
    ],
)
def test_sqs_batches_need_the_single_actions(operation: str, action: str) -> None:
    url = "https://sqs.eu-west-1.amazonaws.com/123456789012/timeline"
    assert pairs("sqs", operation, {"QueueUrl": url, "Entries": []}) == [(action, QUEUE)]


def test_get_queue_url_is_authorized_on_the_queue_it_names() -> None:
    assert pairs("sqs", "GetQueueUrl", {"QueueName": "timeline"}) == [("sqs:GetQueueUrl", QUEUE)]
    other = {"QueueName": "timeline", "QueueOwnerAWSAccountId": "999999999999"}
    assert pairs("sqs", "GetQueueUrl", other) == [("sqs:GetQueueUrl", "arn:aws:sqs:eu-west-1:999999999999:timeline")]


def test_sns_publishing_is_authorized_on_the_topic() -> None:
    topic = "arn:aws:sns:eu-west-1:123456789012:events"
    assert pairs("sns", "Publish", {"TopicArn": topic, "Message": "m"}) == [("sns:Publish", topic)]
    assert pairs("sns", "PublishBatch", {"TopicArn": topic, "PublishBatchRequestEntries": []}) == [
        ("sns:Publish", topic)
    ]
    assert pairs("sns", "Publish", {"PhoneNumber": "+15555550100", "Message": "m"}) == [("sns:Publish", "*")]


# ---------------------------------------------------------------------- S3
def test_s3_object_and_bucket_operations() -> None:
    assert pairs("s3", "GetObject", {"Bucket": "media", "Key": "a/b.jpg"}) == [
        ("s3:GetObject", "arn:aws:s3:::media/a/b.jpg")
    ]
    assert pairs("s3", "HeadObject", {"Bucket": "media", "Key": "k"}) == [("s3:GetObject", "arn:aws:s3:::media/k")]
    assert pairs("s3", "GetObject", {"Bucket": "media", "Key": "k", "VersionId": "v"}) == [
        ("s3:GetObjectVersion", "arn:aws:s3:::media/k")
    ]
    assert pairs("s3", "ListObjectsV2", {"Bucket": "media"}) == [("s3:ListBucket", "arn:aws:s3:::media")]
    assert pairs("s3", "ListObjects", {"Bucket": "media"}) == [("s3:ListBucket", "arn:aws:s3:::media")]
    for operation in ("CreateMultipartUpload", "UploadPart", "CompleteMultipartUpload"):
        assert pairs("s3", operation, {"Bucket": "media", "Key": "k"}) == [("s3:PutObject", "arn:aws:s3:::media/k")]
    assert pairs("s3", "AbortMultipartUpload", {"Bucket": "media", "Key": "k", "UploadId": "u"}) == [
        ("s3:AbortMultipartUpload", "arn:aws:s3:::media/k")
    ]


@pytest.mark.parametrize(
    "source", ["uploads/raw%20photo.jpg", "/uploads/raw photo.jpg", {"Bucket": "uploads", "Key": "raw photo.jpg"}]
)
def test_copy_object_reads_the_source_and_writes_the_target(source: Any) -> None:
    assert pairs("s3", "CopyObject", {"Bucket": "media", "Key": "k", "CopySource": source}) == [
        ("s3:GetObject", "arn:aws:s3:::uploads/raw photo.jpg"),
        ("s3:PutObject", "arn:aws:s3:::media/k"),
    ]


def test_delete_objects_deletes_each_key() -> None:
    request = {"Bucket": "media", "Delete": {"Objects": [{"Key": "a"}, {"Key": "b", "VersionId": "v"}]}}
    assert pairs("s3", "DeleteObjects", request) == [
        ("s3:DeleteObject", "arn:aws:s3:::media/a"),
        ("s3:DeleteObjectVersion", "arn:aws:s3:::media/b"),
    ]


# ---------------------------------------------------------------------- Secrets Manager, EventBridge, WebSockets
def test_a_secret_by_arn_or_by_name() -> None:
    arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:jwt-AbCdEf"
    assert pairs("secretsmanager", "GetSecretValue", {"SecretId": arn}) == [("secretsmanager:GetSecretValue", arn)]
    # the six random characters of a secret named without its ARN are unknown: the guard asks with wildcards
    assert pairs("secretsmanager", "GetSecretValue", {"SecretId": "jwt"}) == [
        ("secretsmanager:GetSecretValue", "arn:aws:secretsmanager:eu-west-1:123456789012:secret:jwt-??????")
    ]


def test_put_events_on_each_bus_named_or_the_default_one() -> None:
    entries = [{"Detail": "{}"}, {"EventBusName": "chirp", "Detail": "{}"}, {"EventBusName": "chirp"}]
    assert pairs("events", "PutEvents", {"Entries": entries}) == [
        ("events:PutEvents", "arn:aws:events:eu-west-1:123456789012:event-bus/default"),
        ("events:PutEvents", "arn:aws:events:eu-west-1:123456789012:event-bus/chirp"),
    ]


@pytest.mark.parametrize(
    ("url", "region"),
    [
        ("https://abc123.execute-api.us-west-2.amazonaws.com/prod/@connections/Zx1%3D", "us-west-2"),
        ("http://127.0.0.1:8000/ws/abc123/prod/@connections/Zx1%3D", "eu-west-1"),  # the local runtime's form
    ],
)
def test_websocket_management_calls_are_manage_connections_on_the_connection(url: str, region: str) -> None:
    site = CallSite(region="eu-west-1", account_id="123456789012", url=url)
    assert pairs("apigatewaymanagementapi", "PostToConnection", {}, site) == [
        (
            "execute-api:ManageConnections",
            f"arn:aws:execute-api:{region}:123456789012:abc123/prod/POST/@connections/Zx1=",
        )
    ]
    assert pairs("apigatewaymanagementapi", "DeleteConnection", {}, site)[0][1].endswith("/DELETE/@connections/Zx1=")


# ---------------------------------------------------------------------- the rest
def test_get_caller_identity_needs_no_permission() -> None:
    assert pairs("sts", "GetCallerIdentity", {}) == []


@pytest.mark.parametrize(
    ("service", "operation", "action"),
    [
        ("cloudwatch", "PutMetricData", "cloudwatch:PutMetricData"),
        ("xray", "PutTraceSegments", "xray:PutTraceSegments"),
        ("xray", "GetSamplingRules", "xray:GetSamplingRules"),
    ],
)
def test_actions_without_resource_level_permissions_are_asked_on_any_resource(
    service: str, operation: str, action: str
) -> None:
    assert pairs(service, operation, {}) == [(action, "*")]


def test_an_operation_without_a_mapping_is_refused_naming_the_file_to_extend() -> None:
    with pytest.raises(UnmappedOperation, match=r"dynamodb\.ExecuteStatement.*infra/local/iam/actions\.py"):
        pairs("dynamodb", "ExecuteStatement", {"Statement": "SELECT * FROM users"})
