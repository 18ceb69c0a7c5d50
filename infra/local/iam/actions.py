"""Which IAM actions, on which resources, AWS authorizes for one API call.

`requested_pairs(service, operation, params, site)` turns one botocore call (the client's service name, the
operation's name, its API parameters) into the (action, resource ARN) pairs IAM evaluates for it, per AWS's
Service Authorization Reference: a batch or transaction is authorized item by item, on each item's own table;
`SendMessageBatch` needs `sqs:SendMessage`; `HeadObject` needs `s3:GetObject`; `CopyObject` reads its source
and writes its target; actions that support no resource-level permission are asked on `*`. An operation this
module does not know raises `UnmappedOperation`: the guard refuses the call rather than let it pass unchecked.
To allow one, add its mapping here.

Services: DynamoDB and DynamoDB Streams, SQS, SNS, S3, Secrets Manager, EventBridge, API Gateway's management
API (`execute-api:ManageConnections`), STS, CloudWatch, X-Ray, CloudWatch Logs, SSM Parameter Store, Lambda.
The partition is always `aws`.

Local details:
- DynamoDB Local reports ARNs as `arn:aws:dynamodb:ddblocal:000000000000:...`; `canonical_arn` gives them the
  runtime's region and account, in requests as in policies.
- A queue's URL names its account and queue (`.../<account>/<name>`, on AWS and moto alike); its region comes
  from an AWS host name, else from the client's region.
- A secret named without its ARN is asked as `secret:<name>-??????`: the six random characters AWS appends are
  unknown here, so only a policy that names the secret with a wildcard (`<name>-??????`, `<name>*`) grants it.
- `GetRecords` takes a shard iterator only; the stream's ARN is read from it (AWS's and DynamoDB Local's
  iterators both carry it), else the request is asked on `*`.
- The WebSocket management API is called on `https://<api-id>.execute-api.<region>.amazonaws.com/<stage>`; the
  local runtime's own form is `http://<host>:<port>/<any prefix>/<api-id>/<stage>` (the two path segments before
  `@connections` are the api id and the stage).

Standard library only: a sandbox imports it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

DYNAMODB_LOCAL_ARN_PREFIX = "arn:aws:dynamodb:ddblocal:000000000000:"
ANY_RESOURCE = "*"

Pair = tuple[str, str]


@dataclass(frozen=True)
class CallSite:
    """Where a call is made from: the caller's account, the client's region, the request's URL if known."""

    region: str
    account_id: str
    url: str | None = None


Mapper = Callable[[Mapping[str, Any], CallSite], list[Pair]]


class UnmappedOperation(LookupError):
    """No mapping from this operation to the IAM actions AWS authorizes for it."""

    def __init__(self, service: str, operation: str) -> None:
        super().__init__(
            f"the local runtime does not know which IAM actions {service}.{operation} needs, so it refuses the "
            f"call rather than let it pass unchecked: add its mapping to {__name__.replace('.', '/')}.py"
        )
        self.service = service
        self.operation = operation


def canonical_arn(arn: str, region: str, account_id: str) -> str:
    """A DynamoDB Local ARN with the runtime's region and account; any other string as it is."""
    if arn.startswith(DYNAMODB_LOCAL_ARN_PREFIX):
        return f"arn:aws:dynamodb:{region}:{account_id}:{arn[len(DYNAMODB_LOCAL_ARN_PREFIX) :]}"
    return arn


def requested_pairs(service: str, operation: str, params: Mapping[str, Any], site: CallSite) -> list[Pair]:
    """The (action, resource) pairs AWS authorizes for this call; [] when it needs no permission."""
    return mapper_for(service, operation)(params, site)


def mapper_for(service: str, operation: str) -> Mapper:
    """The mapping of one operation; UnmappedOperation when there is none."""
    mapper = _MAPPERS.get((service, operation))
    if mapper is None:
        raise UnmappedOperation(service, operation)
    return mapper


# ---------------------------------------------------------------------- building blocks
def _on_any(action: str) -> Mapper:
    """An action that supports no resource-level permission: asked on `*`."""
    return lambda _params, _site: [(action, ANY_RESOURCE)]


def _no_permission(_params: Mapping[str, Any], _site: CallSite) -> list[Pair]:
    return []


def _register(service: str, mappers: Mapping[str, Mapper]) -> None:
    for operation, mapper in mappers.items():
        _MAPPERS[(service, operation)] = mapper


_MAPPERS: dict[tuple[str, str], Mapper] = {}


# ---------------------------------------------------------------------- DynamoDB and its streams
def table_arn(name_or_arn: str, site: CallSite) -> str:
    if name_or_arn.startswith("arn:"):
        return canonical_arn(name_or_arn, site.region, site.account_id)
    return f"arn:aws:dynamodb:{site.region}:{site.account_id}:table/{name_or_arn}"


def _on_table(action: str) -> Mapper:
    return lambda params, site: [(action, table_arn(str(params["TableName"]), site))]


def _on_table_or_index(action: str) -> Mapper:
    """Query and Scan: on the index when the request names one (`table/T/index/I`)."""

    def mapper(params: Mapping[str, Any], site: CallSite) -> list[Pair]:
        resource = table_arn(str(params["TableName"]), site)
        index = params.get("IndexName")
        return [(action, f"{resource}/index/{index}" if index else resource)]

    return mapper


def _on_request_items(action: str) -> Mapper:
    """BatchGetItem, BatchWriteItem: the batch's own action on each table it names."""
    return lambda params, site: [(action, table_arn(str(table), site)) for table in params.get("RequestItems") or {}]


_TRANSACT_ACTIONS = {
    "Get": "dynamodb:GetItem",
    "Put": "dynamodb:PutItem",
    "Update": "dynamodb:UpdateItem",
    "Delete": "dynamodb:DeleteItem",
    "ConditionCheck": "dynamodb:ConditionCheckItem",
}


def _transact_items(params: Mapping[str, Any], site: CallSite) -> list[Pair]:
    """TransactWriteItems, TransactGetItems: each item's own action on its table."""
    pairs: list[Pair] = []
    for item in params.get("TransactItems") or []:
        for kind, body in item.items():
            pairs.append((_TRANSACT_ACTIONS[kind], table_arn(str(body["TableName"]), site)))
    return _unique(pairs)


def _on_stream(action: str) -> Mapper:
    return lambda params, site: [(action, canonical_arn(str(params["StreamArn"]), site.region, site.account_id))]


_STREAM_ARN = re.compile(r"arn:aws:dynamodb:[^:|]+:[^:|]+:table/[^/|]+/stream/[^|/\s]+")


def _get_records(params: Mapping[str, Any], site: CallSite) -> list[Pair]:
    found = _STREAM_ARN.search(str(params.get("ShardIterator") or ""))
    resource = canonical_arn(found.group(0), site.region, site.account_id) if found else ANY_RESOURCE
    return [("dynamodb:GetRecords", resource)]


def _on_resource_arn(action: str, key: str = "ResourceArn") -> Mapper:
    return lambda params, site: [(action, canonical_arn(str(params[key]), site.region, site.account_id))]


_TABLE_OPERATIONS = [
    "GetItem", "PutItem", "UpdateItem", "DeleteItem", "DescribeTable", "CreateTable", "UpdateTable", "DeleteTable",
    "DescribeTimeToLive", "UpdateTimeToLive", "DescribeContinuousBackups", "UpdateContinuousBackups",
    "DescribeKinesisStreamingDestination", "DescribeTableReplicaAutoScaling",
]  # fmt: skip

_register(
    "dynamodb",
    {
        **{operation: _on_table(f"dynamodb:{operation}") for operation in _TABLE_OPERATIONS},
        "Query": _on_table_or_index("dynamodb:Query"),
        "Scan": _on_table_or_index("dynamodb:Scan"),
        "BatchGetItem": _on_request_items("dynamodb:BatchGetItem"),
        "BatchWriteItem": _on_request_items("dynamodb:BatchWriteItem"),
        "TransactWriteItems": _transact_items,
        "TransactGetItems": _transact_items,
        "ListTables": _on_any("dynamodb:ListTables"),
        "DescribeLimits": _on_any("dynamodb:DescribeLimits"),
        "DescribeEndpoints": _on_any("dynamodb:DescribeEndpoints"),
        "TagResource": _on_resource_arn("dynamodb:TagResource"),
        "UntagResource": _on_resource_arn("dynamodb:UntagResource"),
        "ListTagsOfResource": _on_resource_arn("dynamodb:ListTagsOfResource"),
    },
)
_register(
    "dynamodbstreams",
    {
        "DescribeStream": _on_stream("dynamodb:DescribeStream"),
        "GetShardIterator": _on_stream("dynamodb:GetShardIterator"),
        "GetRecords": _get_records,
        "ListStreams": _on_any("dynamodb:ListStreams"),  # supports no resource-level permission
    },
)


# ---------------------------------------------------------------------- SQS
_SQS_HOST = re.compile(r"^(?:sqs\.([a-z0-9-]+)\.amazonaws\.com|([a-z0-9-]+)\.queue\.amazonaws\.com)$")


def queue_arn(queue_url: str, site: CallSite) -> str:
    """`.../<account>/<name>` (AWS's and moto's URLs alike) as `arn:aws:sqs:<region>:<account>:<name>`."""
    parts = urlsplit(queue_url)
    segments = [segment for segment in parts.path.split("/") if segment]
    if len(segments) < 2:
        raise ValueError(f"not a queue URL: {queue_url!r}")
    host = _SQS_HOST.match(parts.hostname or "")
    region = (host.group(1) or host.group(2)) if host else site.region
    return f"arn:aws:sqs:{region}:{segments[-2]}:{segments[-1]}"


def _on_queue(action: str) -> Mapper:
    return lambda params, site: [(action, queue_arn(str(params["QueueUrl"]), site))]


def _on_queue_named(action: str) -> Mapper:
    """GetQueueUrl, CreateQueue: the queue named (in the owner's account when given)."""

    def mapper(params: Mapping[str, Any], site: CallSite) -> list[Pair]:
        account = params.get("QueueOwnerAWSAccountId") or site.account_id
        return [(action, f"arn:aws:sqs:{site.region}:{account}:{params['QueueName']}")]

    return mapper


_QUEUE_OPERATIONS = {
    "SendMessage": "sqs:SendMessage",
    "SendMessageBatch": "sqs:SendMessage",
    "ReceiveMessage": "sqs:ReceiveMessage",
    "DeleteMessage": "sqs:DeleteMessage",
    "DeleteMessageBatch": "sqs:DeleteMessage",
    "ChangeMessageVisibility": "sqs:ChangeMessageVisibility",
    "ChangeMessageVisibilityBatch": "sqs:ChangeMessageVisibility",
    "GetQueueAttributes": "sqs:GetQueueAttributes",
    "SetQueueAttributes": "sqs:SetQueueAttributes",
    "PurgeQueue": "sqs:PurgeQueue",
    "DeleteQueue": "sqs:DeleteQueue",
    "ListQueueTags": "sqs:ListQueueTags",
    "TagQueue": "sqs:TagQueue",
    "UntagQueue": "sqs:UntagQueue",
    "ListDeadLetterSourceQueues": "sqs:ListDeadLetterSourceQueues",
    "AddPermission": "sqs:AddPermission",
    "RemovePermission": "sqs:RemovePermission",
}
_register(
    "sqs",
    {
        **{operation: _on_queue(action) for operation, action in _QUEUE_OPERATIONS.items()},
        "GetQueueUrl": _on_queue_named("sqs:GetQueueUrl"),
        "CreateQueue": _on_queue_named("sqs:CreateQueue"),
        "ListQueues": _on_any("sqs:ListQueues"),
    },
)


# ---------------------------------------------------------------------- SNS
def _on_arn(action: str, key: str = "TopicArn") -> Mapper:
    """The ARN a parameter holds, as it is (SNS's topics, STS's roles)."""
    return lambda params, _site: [(action, str(params[key]))]


def _publish(params: Mapping[str, Any], _site: CallSite) -> list[Pair]:
    """Publish to a topic or a platform endpoint; to a phone number (no resource), on `*`."""
    target = params.get("TopicArn") or params.get("TargetArn")
    return [("sns:Publish", str(target) if target else ANY_RESOURCE)]


def _unsubscribe(params: Mapping[str, Any], _site: CallSite) -> list[Pair]:
    """A subscription ARN is its topic's ARN plus `:<id>`; IAM authorizes Unsubscribe on the topic."""
    return [("sns:Unsubscribe", str(params["SubscriptionArn"]).rsplit(":", 1)[0])]


def _create_topic(params: Mapping[str, Any], site: CallSite) -> list[Pair]:
    return [("sns:CreateTopic", f"arn:aws:sns:{site.region}:{site.account_id}:{params['Name']}")]


_register(
    "sns",
    {
        "Publish": _publish,
        "PublishBatch": _on_arn("sns:Publish"),
        "Subscribe": _on_arn("sns:Subscribe"),
        "Unsubscribe": _unsubscribe,
        "GetTopicAttributes": _on_arn("sns:GetTopicAttributes"),
        "SetTopicAttributes": _on_arn("sns:SetTopicAttributes"),
        "DeleteTopic": _on_arn("sns:DeleteTopic"),
        "ListSubscriptionsByTopic": _on_arn("sns:ListSubscriptionsByTopic"),
        "CreateTopic": _create_topic,
        "ListTopics": _on_any("sns:ListTopics"),
        "TagResource": _on_arn("sns:TagResource", "ResourceArn"),
        "UntagResource": _on_arn("sns:UntagResource", "ResourceArn"),
        "ListTagsForResource": _on_arn("sns:ListTagsForResource", "ResourceArn"),
    },
)


# ---------------------------------------------------------------------- S3
def bucket_arn(bucket: str) -> str:
    return f"arn:aws:s3:::{bucket}"


def object_arn(bucket: str, key: str) -> str:
    return f"arn:aws:s3:::{bucket}/{key}"


def _on_object(action: str, versioned_action: str | None = None) -> Mapper:
    """An object operation; with a VersionId, its `...Version` action when IAM has one."""

    def mapper(params: Mapping[str, Any], _site: CallSite) -> list[Pair]:
        chosen = versioned_action if versioned_action and params.get("VersionId") else action
        return [(chosen, object_arn(str(params["Bucket"]), str(params["Key"])))]

    return mapper


def _on_bucket(action: str) -> Mapper:
    return lambda params, _site: [(action, bucket_arn(str(params["Bucket"])))]


def copy_source_arn(source: Any) -> tuple[str, bool]:
    """CopySource (`bucket/key[?versionId=...]`, URL-encoded, or a dict) as (object ARN, has a version)."""
    if isinstance(source, Mapping):
        return object_arn(str(source["Bucket"]), str(source["Key"])), bool(source.get("VersionId"))
    text, _, query = str(source).lstrip("/").partition("?")
    bucket, _, key = unquote(text).partition("/")
    return object_arn(bucket, key), "versionId=" in query


def _copy(params: Mapping[str, Any], _site: CallSite) -> list[Pair]:
    """CopyObject, UploadPartCopy: read the source, write the target."""
    source, versioned = copy_source_arn(params["CopySource"])
    read = "s3:GetObjectVersion" if versioned else "s3:GetObject"
    return [(read, source), ("s3:PutObject", object_arn(str(params["Bucket"]), str(params["Key"])))]


def _delete_objects(params: Mapping[str, Any], _site: CallSite) -> list[Pair]:
    bucket = str(params["Bucket"])
    pairs = [
        ("s3:DeleteObjectVersion" if entry.get("VersionId") else "s3:DeleteObject", object_arn(bucket, entry["Key"]))
        for entry in (params.get("Delete") or {}).get("Objects") or []
    ]
    return _unique(pairs)


_S3_OBJECT_OPERATIONS: dict[str, tuple[str, str | None]] = {
    "GetObject": ("s3:GetObject", "s3:GetObjectVersion"),
    "HeadObject": ("s3:GetObject", "s3:GetObjectVersion"),
    "PutObject": ("s3:PutObject", None),
    "DeleteObject": ("s3:DeleteObject", "s3:DeleteObjectVersion"),
    "CreateMultipartUpload": ("s3:PutObject", None),
    "UploadPart": ("s3:PutObject", None),
    "CompleteMultipartUpload": ("s3:PutObject", None),
    "AbortMultipartUpload": ("s3:AbortMultipartUpload", None),
    "ListParts": ("s3:ListMultipartUploadParts", None),
    "GetObjectTagging": ("s3:GetObjectTagging", "s3:GetObjectVersionTagging"),
    "PutObjectTagging": ("s3:PutObjectTagging", "s3:PutObjectVersionTagging"),
    "DeleteObjectTagging": ("s3:DeleteObjectTagging", "s3:DeleteObjectVersionTagging"),
    "GetObjectAcl": ("s3:GetObjectAcl", "s3:GetObjectVersionAcl"),
    "PutObjectAcl": ("s3:PutObjectAcl", "s3:PutObjectVersionAcl"),
    "GetObjectAttributes": ("s3:GetObjectAttributes", "s3:GetObjectVersionAttributes"),
    "RestoreObject": ("s3:RestoreObject", None),
}
_S3_BUCKET_OPERATIONS = {
    "ListObjects": "s3:ListBucket",
    "ListObjectsV2": "s3:ListBucket",
    "HeadBucket": "s3:ListBucket",
    "ListObjectVersions": "s3:ListBucketVersions",
    "ListMultipartUploads": "s3:ListBucketMultipartUploads",
    "GetBucketLocation": "s3:GetBucketLocation",
    "CreateBucket": "s3:CreateBucket",
    "DeleteBucket": "s3:DeleteBucket",
    "GetBucketCors": "s3:GetBucketCORS",
    "PutBucketCors": "s3:PutBucketCORS",
    "GetBucketNotificationConfiguration": "s3:GetBucketNotification",
    "PutBucketNotificationConfiguration": "s3:PutBucketNotification",
    "GetBucketPolicy": "s3:GetBucketPolicy",
    "PutBucketPolicy": "s3:PutBucketPolicy",
    "GetBucketTagging": "s3:GetBucketTagging",
    "PutBucketTagging": "s3:PutBucketTagging",
    "GetBucketLifecycleConfiguration": "s3:GetLifecycleConfiguration",
    "PutBucketLifecycleConfiguration": "s3:PutLifecycleConfiguration",
}
_register(
    "s3",
    {
        **{operation: _on_object(*actions) for operation, actions in _S3_OBJECT_OPERATIONS.items()},
        **{operation: _on_bucket(action) for operation, action in _S3_BUCKET_OPERATIONS.items()},
        "CopyObject": _copy,
        "UploadPartCopy": _copy,
        "DeleteObjects": _delete_objects,
        "ListBuckets": _on_any("s3:ListAllMyBuckets"),
    },
)


# ---------------------------------------------------------------------- Secrets Manager
def secret_arn(secret_id: str, site: CallSite) -> str:
    if secret_id.startswith("arn:"):
        return secret_id
    return f"arn:aws:secretsmanager:{site.region}:{site.account_id}:secret:{secret_id}-??????"


def _on_secret(action: str, key: str = "SecretId") -> Mapper:
    return lambda params, site: [(action, secret_arn(str(params[key]), site))]


def _batch_get_secret_value(params: Mapping[str, Any], site: CallSite) -> list[Pair]:
    pairs = [("secretsmanager:BatchGetSecretValue", ANY_RESOURCE)]
    pairs += [
        ("secretsmanager:GetSecretValue", secret_arn(str(name), site)) for name in params.get("SecretIdList") or []
    ]
    return pairs


_SECRET_OPERATIONS = [
    "GetSecretValue", "DescribeSecret", "PutSecretValue", "UpdateSecret", "DeleteSecret", "RestoreSecret",
    "RotateSecret", "CancelRotateSecret", "ListSecretVersionIds", "UpdateSecretVersionStage", "TagResource",
    "UntagResource", "GetResourcePolicy", "PutResourcePolicy", "DeleteResourcePolicy",
]  # fmt: skip
_register(
    "secretsmanager",
    {
        **{operation: _on_secret(f"secretsmanager:{operation}") for operation in _SECRET_OPERATIONS},
        "CreateSecret": _on_secret("secretsmanager:CreateSecret", "Name"),
        "BatchGetSecretValue": _batch_get_secret_value,
        "ListSecrets": _on_any("secretsmanager:ListSecrets"),
        "GetRandomPassword": _on_any("secretsmanager:GetRandomPassword"),
    },
)


# ---------------------------------------------------------------------- EventBridge
def event_bus_arn(name: str | None, site: CallSite) -> str:
    if name and name.startswith("arn:"):
        return name
    return f"arn:aws:events:{site.region}:{site.account_id}:event-bus/{name or 'default'}"


def _put_events(params: Mapping[str, Any], site: CallSite) -> list[Pair]:
    return _unique(("events:PutEvents", event_bus_arn(entry.get("EventBusName"), site)) for entry in params["Entries"])


_register("events", {"PutEvents": _put_events})


# ---------------------------------------------------------------------- API Gateway management API (WebSockets)
_EXECUTE_API_HOST = re.compile(r"^([a-z0-9]+)\.execute-api\.([a-z0-9-]+)\.amazonaws\.com$")
_CONNECTION_METHODS = {"PostToConnection": "POST", "GetConnection": "GET", "DeleteConnection": "DELETE"}


def connection_arn(url: str, method: str, site: CallSite) -> str:
    """`arn:aws:execute-api:<region>:<account>:<api-id>/<stage>/<METHOD>/@connections/<id>` for a request URL."""
    parts = urlsplit(url)
    before, marker, after = parts.path.partition("/@connections/")
    segments = [segment for segment in before.split("/") if segment]
    host = _EXECUTE_API_HOST.match(parts.hostname or "")
    if not marker or not segments or (host is None and len(segments) < 2):
        raise ValueError(f"not a connection URL of API Gateway's management API: {url!r}")
    api_id, region = (host.group(1), host.group(2)) if host else (segments[-2], site.region)
    stage, connection_id = segments[-1], unquote(after.strip("/"))
    return f"arn:aws:execute-api:{region}:{site.account_id}:{api_id}/{stage}/{method}/@connections/{connection_id}"


def _manage_connection(method: str) -> Mapper:
    """Needs the request's URL (`site.url`): the guard maps these calls once botocore has built it."""

    def mapper(_params: Mapping[str, Any], site: CallSite) -> list[Pair]:
        if site.url is None:
            raise ValueError("execute-api:ManageConnections needs the request's URL")
        return [("execute-api:ManageConnections", connection_arn(site.url, method, site))]

    return mapper


_register(
    "apigatewaymanagementapi",
    {operation: _manage_connection(method) for operation, method in _CONNECTION_METHODS.items()},
)
URL_MAPPED_SERVICES = frozenset({"apigatewaymanagementapi"})
"""Services whose calls are mapped from the request's URL, once botocore built it (`before-call`)."""


# ---------------------------------------------------------------------- STS, CloudWatch, X-Ray, Logs, SSM, Lambda
_register(
    "sts",
    {
        "GetCallerIdentity": _no_permission,  # always allowed, as on AWS
        "AssumeRole": _on_arn("sts:AssumeRole", "RoleArn"),
    },
)
_register(
    "cloudwatch",
    {
        operation: _on_any(f"cloudwatch:{operation}")
        for operation in ("PutMetricData", "GetMetricData", "GetMetricStatistics", "ListMetrics")
    },
)
_register(
    "xray",
    {
        operation: _on_any(f"xray:{operation}")
        for operation in (
            "PutTraceSegments",
            "PutTelemetryRecords",
            "GetSamplingRules",
            "GetSamplingTargets",
            "GetSamplingStatisticSummaries",
        )
    },
)


def _log_group_arn(params: Mapping[str, Any], site: CallSite) -> str:
    return f"arn:aws:logs:{site.region}:{site.account_id}:log-group:{params['logGroupName']}"


def _on_log_stream(action: str) -> Mapper:
    return lambda params, site: [(action, f"{_log_group_arn(params, site)}:log-stream:{params['logStreamName']}")]


_register(
    "logs",
    {
        "CreateLogGroup": lambda params, site: [("logs:CreateLogGroup", _log_group_arn(params, site))],
        "CreateLogStream": _on_log_stream("logs:CreateLogStream"),
        "PutLogEvents": _on_log_stream("logs:PutLogEvents"),
    },
)


def parameter_arn(name: str, site: CallSite) -> str:
    if name.startswith("arn:"):
        return name
    return f"arn:aws:ssm:{site.region}:{site.account_id}:parameter/{name.lstrip('/')}"


def _on_parameter(action: str, key: str = "Name") -> Mapper:
    return lambda params, site: [(action, parameter_arn(str(params[key]), site))]


_register(
    "ssm",
    {
        "GetParameter": _on_parameter("ssm:GetParameter"),
        "GetParameters": lambda params, site: [
            ("ssm:GetParameters", parameter_arn(str(name), site)) for name in params["Names"]
        ],
        "GetParametersByPath": _on_parameter("ssm:GetParametersByPath", "Path"),
        "PutParameter": _on_parameter("ssm:PutParameter"),
        "DeleteParameter": _on_parameter("ssm:DeleteParameter"),
        "DescribeParameters": _on_any("ssm:DescribeParameters"),
    },
)


def function_arn(name: str, qualifier: str | None, site: CallSite) -> str:
    """A function name, partial ARN (`<account>:function:<name>`) or ARN, as the ARN IAM authorizes."""
    if name.startswith("arn:"):
        arn = name
    elif ":function:" in name:
        arn = f"arn:aws:lambda:{site.region}:{name}"
    else:
        arn = f"arn:aws:lambda:{site.region}:{site.account_id}:function:{name}"
    return f"{arn}:{qualifier}" if qualifier and arn.count(":") == 6 else arn


def _on_function(action: str) -> Mapper:
    return lambda params, site: [(action, function_arn(str(params["FunctionName"]), params.get("Qualifier"), site))]


_register(
    "lambda",
    {
        "Invoke": _on_function("lambda:InvokeFunction"),
        "InvokeWithResponseStream": _on_function("lambda:InvokeFunction"),
        "GetFunction": _on_function("lambda:GetFunction"),
    },
)


def _unique(pairs: Iterable[Pair]) -> list[Pair]:
    return list(dict.fromkeys(pairs))
