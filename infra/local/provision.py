"""Create the template's resources in the target services when they are missing.

Supported: DynamoDB tables (with GSIs, streams and TTL; GSIs and streams added later to the template
are added to existing tables too), SQS queues and their policies, S3 buckets (with SQS notifications and
CORS; on the embedded target's S3 the bucket is SeaweedFS's and its CORS and notifications are kept by the
S3 front, which checks each notification queue's policy as AWS does: `infra.local.s3`), Secrets Manager
secrets, SSM parameters, SNS topics and their subscriptions (filter policies and raw delivery included).
Functions and layers get names and ARNs but nothing is created for them. An OpenSearch Service domain runs
no server here: it is a folder of the embedded search engine (`DomainEndpoint` =
`embedded:<data>/search/<domain>`), or the OpenSearch that CHIRP_OPENSEARCH_URL names. Every other type is
not created and resolves to a placeholder; among them, API Gateway V2's (a WebSocket API, its stages, routes
and integrations) resolve to local ids and endpoints (`infra.local.intrinsics`), since the runtime serves
that API itself (`infra.local.websocket`); so does a CloudFront distribution, whose bucket paths the runtime
serves (`infra.local.s3.cdn`). Physical names are `<prefix><LogicalId>` unless the template names the resource.
"""

from __future__ import annotations

import json
import re
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from infra.local.aws import AwsClients
from infra.local.intrinsics import Resolver, ResourceOutputs, local_resource_id
from infra.local.secret_values import persisted_secret_value
from infra.local.template import JsonValue, Resource, Template, TemplateError

if TYPE_CHECKING:
    from infra.local.s3.service import LocalS3

FUNCTION_TYPES = frozenset({"AWS::Serverless::Function", "AWS::Lambda::Function"})
LAYER_TYPES = frozenset({"AWS::Serverless::LayerVersion", "AWS::Lambda::LayerVersion"})


@dataclass(frozen=True)
class ProvisionContext:
    clients: AwsClients
    resolver: Resolver
    prefix: str
    secrets_dir: Path
    search_dir: Path | None = None  # the embedded engine's indexes; None: `search/` beside secrets_dir
    opensearch_url: str | None = None  # an OpenSearch of the developer's own, for every domain (CHIRP_OPENSEARCH_URL)
    local_s3: LocalS3 | None = None  # the embedded target's S3 (SeaweedFS behind `infra.local.s3.front`)

    @property
    def search_root(self) -> Path:
        return (self.search_dir or self.secrets_dir.parent / "search").resolve()

    @property
    def region(self) -> str:
        return self.clients.region

    @property
    def account_id(self) -> str:
        return self.resolver.pseudo.account_id


Provisioner = Callable[[ProvisionContext, Resource, dict[str, Any]], ResourceOutputs]


def physical_name(context: ProvisionContext, resource: Resource, properties: dict[str, Any], key: str) -> str:
    """The name the template gives in `key`, else `<prefix><LogicalId>`."""
    explicit = properties.get(key)
    return str(explicit) if explicit else f"{context.prefix}{resource.logical_id}"


def _error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


# ---------------------------------------------------------------------- DynamoDB
def provision_table(context: ProvisionContext, resource: Resource, properties: dict[str, Any]) -> ResourceOutputs:
    dynamodb = context.clients.client("dynamodb")
    name = physical_name(context, resource, properties, "TableName")
    try:
        table = dynamodb.describe_table(TableName=name)["Table"]
        table = _update_existing_table(dynamodb, table, properties)
    except ClientError as error:
        if _error_code(error) != "ResourceNotFoundException":
            raise
        dynamodb.create_table(**_create_table_arguments(name, properties))
        table = _wait_for_table(dynamodb, name)
    _ensure_time_to_live(dynamodb, name, properties.get("TimeToLiveSpecification"))
    attributes = {"Arn": table["TableArn"]}
    if table.get("LatestStreamArn"):
        attributes["StreamArn"] = table["LatestStreamArn"]
    return ResourceOutputs(ref=name, attributes=attributes)


def _create_table_arguments(name: str, properties: dict[str, Any]) -> dict[str, Any]:
    billing_mode = properties.get("BillingMode", "PROVISIONED")
    arguments: dict[str, Any] = {
        "TableName": name,
        "AttributeDefinitions": properties["AttributeDefinitions"],
        "KeySchema": properties["KeySchema"],
        "BillingMode": billing_mode,
    }
    if billing_mode == "PROVISIONED":
        arguments["ProvisionedThroughput"] = properties.get(
            "ProvisionedThroughput", {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}
        )
    if properties.get("GlobalSecondaryIndexes"):
        arguments["GlobalSecondaryIndexes"] = [
            _index_arguments(index) for index in properties["GlobalSecondaryIndexes"]
        ]
    if properties.get("LocalSecondaryIndexes"):
        arguments["LocalSecondaryIndexes"] = [_index_arguments(index) for index in properties["LocalSecondaryIndexes"]]
    stream = properties.get("StreamSpecification")
    if stream:
        arguments["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": stream["StreamViewType"]}
    return arguments


def _index_arguments(index: dict[str, Any]) -> dict[str, Any]:
    kept = ("IndexName", "KeySchema", "Projection", "ProvisionedThroughput")
    return {key: index[key] for key in kept if key in index}


def _update_existing_table(dynamodb: Any, table: dict[str, Any], properties: dict[str, Any]) -> dict[str, Any]:
    """Add GSIs and the stream the template has gained since the table was created."""
    name = table["TableName"]
    existing = {index["IndexName"] for index in table.get("GlobalSecondaryIndexes", [])}
    for index in properties.get("GlobalSecondaryIndexes") or []:
        if index["IndexName"] in existing:
            continue
        _log(f"table {name}: adding index {index['IndexName']}")
        dynamodb.update_table(
            TableName=name,
            AttributeDefinitions=properties["AttributeDefinitions"],
            GlobalSecondaryIndexUpdates=[{"Create": _index_arguments(index)}],
        )
        table = _wait_for_table(dynamodb, name)
    stream = properties.get("StreamSpecification")
    if stream and not table.get("StreamSpecification", {}).get("StreamEnabled"):
        _log(f"table {name}: enabling its stream")
        dynamodb.update_table(
            TableName=name,
            StreamSpecification={"StreamEnabled": True, "StreamViewType": stream["StreamViewType"]},
        )
        table = _wait_for_table(dynamodb, name)
    return table


def _wait_for_table(dynamodb: Any, name: str, timeout: float = 600.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        table: dict[str, Any] = dynamodb.describe_table(TableName=name)["Table"]
        indexes_ready = all(
            index.get("IndexStatus", "ACTIVE") == "ACTIVE" for index in table.get("GlobalSecondaryIndexes", [])
        )
        if table["TableStatus"] == "ACTIVE" and indexes_ready:
            return table
        if time.monotonic() > deadline:
            raise TimeoutError(f"table {name} is not ACTIVE after {timeout:.0f} s")
        time.sleep(0.5)


def _ensure_time_to_live(dynamodb: Any, name: str, specification: dict[str, Any] | None) -> None:
    if not specification or not specification.get("Enabled"):
        return
    current = dynamodb.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
    if current.get("TimeToLiveStatus") in ("ENABLED", "ENABLING"):
        return
    dynamodb.update_time_to_live(
        TableName=name,
        TimeToLiveSpecification={"AttributeName": specification["AttributeName"], "Enabled": True},
    )


# ---------------------------------------------------------------------- SQS
_QUEUE_ATTRIBUTES = (
    "ContentBasedDeduplication", "DeduplicationScope", "DelaySeconds", "FifoQueue", "FifoThroughputLimit",
    "KmsDataKeyReusePeriodSeconds", "KmsMasterKeyId", "MaximumMessageSize", "MessageRetentionPeriod",
    "ReceiveMessageWaitTimeSeconds", "RedriveAllowPolicy", "RedrivePolicy", "SqsManagedSseEnabled",
    "VisibilityTimeout",
)  # fmt: skip


def queue_attributes(properties: dict[str, Any]) -> dict[str, str]:
    """SQS attributes (all strings) from an AWS::SQS::Queue's properties."""
    attributes: dict[str, str] = {}
    for key in _QUEUE_ATTRIBUTES:
        if key not in properties:
            continue
        value = properties[key]
        if isinstance(value, dict):
            attributes[key] = json.dumps(value)
        elif isinstance(value, bool):
            attributes[key] = "true" if value else "false"
        else:
            attributes[key] = str(value)
    return attributes


def provision_queue(context: ProvisionContext, resource: Resource, properties: dict[str, Any]) -> ResourceOutputs:
    sqs = context.clients.client("sqs")
    name = physical_name(context, resource, properties, "QueueName")
    if _truthy(properties.get("FifoQueue")) and not name.endswith(".fifo"):
        name += ".fifo"
    attributes = queue_attributes(properties)
    try:
        url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
        updatable = {key: value for key, value in attributes.items() if key != "FifoQueue"}
        if updatable:
            sqs.set_queue_attributes(QueueUrl=url, Attributes=updatable)
    except ClientError as error:
        if "NonExistentQueue" not in _error_code(error) and "QueueDoesNotExist" not in _error_code(error):
            raise
        url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return ResourceOutputs(ref=url, attributes={"Arn": arn, "QueueName": name, "QueueUrl": url})


def _truthy(value: object) -> bool:
    return value is True or (isinstance(value, str) and value.lower() == "true")


# ---------------------------------------------------------------------- S3
def provision_bucket(context: ProvisionContext, resource: Resource, properties: dict[str, Any]) -> ResourceOutputs:
    s3 = context.clients.client("s3")
    name = physical_name(context, resource, properties, "BucketName").lower()
    try:
        s3.head_bucket(Bucket=name)
    except ClientError as error:
        if _error_code(error) not in ("404", "NoSuchBucket", "NotFound"):
            raise
        location = (
            {}
            if context.region == "us-east-1"
            else {"CreateBucketConfiguration": {"LocationConstraint": context.region}}
        )
        s3.create_bucket(Bucket=name, **location)
    cors_rules = _cors_rules(properties.get("CorsConfiguration") or {})
    if cors_rules:
        s3.put_bucket_cors(Bucket=name, CORSConfiguration={"CORSRules": cors_rules})
    notifications = _bucket_notifications(resource.logical_id, properties.get("NotificationConfiguration") or {})
    if context.local_s3 is not None:  # the embedded S3's front answers CORS and sends the notifications
        sqs = context.clients.client("sqs")
        context.local_s3.configure_bucket(name, cors_rules, notifications, sqs, context.account_id)
    elif notifications is not None:
        s3.put_bucket_notification_configuration(Bucket=name, NotificationConfiguration=notifications)
    return ResourceOutputs(
        ref=name,
        attributes={
            "Arn": f"arn:aws:s3:::{name}",
            "DomainName": f"{name}.s3.amazonaws.com",
            "RegionalDomainName": f"{name}.s3.{context.region}.amazonaws.com",
        },
    )


def _cors_rules(configuration: dict[str, Any]) -> list[dict[str, Any]]:
    renamed = {"ExposedHeaders": "ExposeHeaders", "MaxAge": "MaxAgeSeconds", "Id": "ID"}
    return [
        {renamed.get(key, key): value for key, value in rule.items()} for rule in configuration.get("CorsRules", [])
    ]


def _bucket_notifications(logical_id: str, configuration: dict[str, Any]) -> dict[str, Any] | None:
    ignored = set(configuration) - {"QueueConfigurations"}
    if ignored:
        _log(f"bucket {logical_id}: {', '.join(sorted(ignored))} not emulated (only SQS notifications are)")
    queues = configuration.get("QueueConfigurations")
    if not queues:
        return None
    return {"QueueConfigurations": [_queue_notification(entry) for entry in queues]}


def _queue_notification(entry: dict[str, Any]) -> dict[str, Any]:
    notification: dict[str, Any] = {"QueueArn": entry["Queue"], "Events": [entry["Event"]]}
    rules = entry.get("Filter", {}).get("S3Key", {}).get("Rules")
    if rules:
        notification["Filter"] = {"Key": {"FilterRules": rules}}
    return notification


# ---------------------------------------------------------------------- Secrets Manager, SSM, SNS
def provision_secret(context: ProvisionContext, resource: Resource, properties: dict[str, Any]) -> ResourceOutputs:
    """Create the secret when missing; an existing secret's value is left as it is."""
    secretsmanager = context.clients.client("secretsmanager")
    name = physical_name(context, resource, properties, "Name")
    try:
        arn = secretsmanager.describe_secret(SecretId=name)["ARN"]
    except ClientError as error:
        if _error_code(error) != "ResourceNotFoundException":
            raise
        if "SecretString" in properties:
            value = str(properties["SecretString"])
        else:
            spec = properties.get("GenerateSecretString") or {}
            value = persisted_secret_value(context.secrets_dir, resource.logical_id, spec)
        arn = secretsmanager.create_secret(Name=name, SecretString=value)["ARN"]
    return ResourceOutputs(ref=arn, attributes={"Id": arn})


def provision_ssm_parameter(
    context: ProvisionContext, resource: Resource, properties: dict[str, Any]
) -> ResourceOutputs:
    ssm = context.clients.client("ssm")
    name = physical_name(context, resource, properties, "Name")
    value = str(properties["Value"])
    parameter_type = str(properties.get("Type", "String"))
    ssm.put_parameter(Name=name, Value=value, Type=parameter_type, Overwrite=True)
    return ResourceOutputs(ref=name, attributes={"Type": parameter_type, "Value": value})


def provision_topic(context: ProvisionContext, resource: Resource, properties: dict[str, Any]) -> ResourceOutputs:
    name = physical_name(context, resource, properties, "TopicName")
    attributes = {"FifoTopic": "true"} if _truthy(properties.get("FifoTopic")) else {}
    arn = context.clients.client("sns").create_topic(Name=name, Attributes=attributes)["TopicArn"]
    return ResourceOutputs(ref=arn, attributes={"TopicArn": arn, "TopicName": name})


_SUBSCRIPTION_ATTRIBUTES = (
    "FilterPolicy",
    "FilterPolicyScope",
    "RawMessageDelivery",
    "RedrivePolicy",
    "DeliveryPolicy",
)


def subscription_attributes(properties: dict[str, Any]) -> dict[str, str]:
    """SNS subscription attributes (all strings) from an AWS::SNS::Subscription's properties."""
    attributes: dict[str, str] = {}
    for key in _SUBSCRIPTION_ATTRIBUTES:
        if key in properties:
            value = properties[key]
            attributes[key] = json.dumps(value) if isinstance(value, dict | list) else _attribute_text(value)
    return attributes


def _attribute_text(value: object) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def provision_subscription(
    context: ProvisionContext, resource: Resource, properties: dict[str, Any]
) -> ResourceOutputs:
    """Subscribe the endpoint to the topic, or bring an existing subscription's attributes up to date."""
    sns = context.clients.client("sns")
    topic, protocol, endpoint = properties["TopicArn"], properties["Protocol"], properties["Endpoint"]
    attributes = subscription_attributes(properties)
    existing = _subscription_of(sns, topic, protocol, endpoint)
    if existing is None:
        arn = sns.subscribe(
            TopicArn=topic, Protocol=protocol, Endpoint=endpoint, Attributes=attributes, ReturnSubscriptionArn=True
        )["SubscriptionArn"]
    else:
        arn = existing
        for name, value in attributes.items():
            sns.set_subscription_attributes(SubscriptionArn=arn, AttributeName=name, AttributeValue=value)
    return ResourceOutputs(ref=arn, attributes={"Arn": arn})


def _subscription_of(sns: Any, topic: str, protocol: str, endpoint: str) -> str | None:
    for page in sns.get_paginator("list_subscriptions_by_topic").paginate(TopicArn=topic):
        for subscription in page.get("Subscriptions", []):
            if (subscription["Protocol"], subscription["Endpoint"]) == (protocol, endpoint):
                return str(subscription["SubscriptionArn"])
    return None


def provision_queue_policy(
    context: ProvisionContext, resource: Resource, properties: dict[str, Any]
) -> ResourceOutputs:
    """Set the policy document on each queue (SQS keeps it as the queue's `Policy` attribute)."""
    sqs = context.clients.client("sqs")
    document = json.dumps(properties["PolicyDocument"])
    for queue_url in properties.get("Queues") or []:
        sqs.set_queue_attributes(QueueUrl=queue_url, Attributes={"Policy": document})
    return ResourceOutputs(ref=f"{context.prefix}{resource.logical_id}")


# ---------------------------------------------------------------------- OpenSearch Service
# OpenSearch Service's rule for a domain name (CreateDomain refuses any other): 3 to 28 characters.
_DOMAIN_NAME = re.compile(r"[a-z][a-z0-9\-]{2,27}")


def provision_search_domain(
    context: ProvisionContext, resource: Resource, properties: dict[str, Any]
) -> ResourceOutputs:
    """The domain's name and ARN as AWS gives them; its endpoint is where the local search runs.

    On AWS `DomainEndpoint` is a bare host (`search-<name>-<id>.<region>.es.amazonaws.com`) that functions reach
    over HTTPS with SigV4; locally it is `embedded:<absolute folder>` (the embedded engine, no server), or
    CHIRP_OPENSEARCH_URL as given (with its scheme). The domain's other properties (cluster, engine version,
    access policies) have no local meaning.
    """
    name = search_domain_name(context, resource, properties)
    arn = f"arn:aws:es:{context.region}:{context.account_id}:domain/{name}"
    if context.opensearch_url:
        endpoint = context.opensearch_url
    else:
        folder = context.search_root / name
        folder.mkdir(parents=True, exist_ok=True)
        endpoint = f"embedded:{folder}"
    return ResourceOutputs(ref=name, attributes={"Arn": arn, "DomainArn": arn, "DomainEndpoint": endpoint})


def search_domain_name(context: ProvisionContext, resource: Resource, properties: dict[str, Any]) -> str:
    """`DomainName`, which must follow OpenSearch's rule, else `<prefix><LogicalId>` made to follow it: lower
    case, other characters as `-`, a letter first, and past 28 characters cut to 21 plus a stable suffix."""
    explicit = properties.get("DomainName")
    if explicit:
        name = str(explicit)
        if not _DOMAIN_NAME.fullmatch(name):
            raise TemplateError(
                f"{resource.logical_id}: DomainName {name!r} would be refused by OpenSearch Service "
                "(3 to 28 characters: a-z, 0-9 and -, a letter first)"
            )
        return name
    name = re.sub(r"[^a-z0-9-]", "-", f"{context.prefix}{resource.logical_id}".lower())
    name = re.sub(r"^[^a-z]+", "", name)
    if not _DOMAIN_NAME.fullmatch(name):
        name = f"{name[:21] or 'domain'}-{local_resource_id(context.prefix, resource.logical_id, 6)}"
    return name


# ---------------------------------------------------------------------- functions and layers
def describe_function(context: ProvisionContext, resource: Resource, properties: dict[str, Any]) -> ResourceOutputs:
    """A function's name and ARN; the function itself runs in-process."""
    name = physical_name(context, resource, properties, "FunctionName")
    arn = f"arn:aws:lambda:{context.region}:{context.account_id}:function:{name}"
    return ResourceOutputs(ref=name, attributes={"Arn": arn})


def describe_layer(context: ProvisionContext, resource: Resource, properties: dict[str, Any]) -> ResourceOutputs:
    name = physical_name(context, resource, properties, "LayerName")
    return ResourceOutputs(ref=f"arn:aws:lambda:{context.region}:{context.account_id}:layer:{name}:1")


PROVISIONERS: dict[str, Provisioner] = {
    "AWS::DynamoDB::Table": provision_table,
    "AWS::SQS::Queue": provision_queue,
    "AWS::S3::Bucket": provision_bucket,
    "AWS::SecretsManager::Secret": provision_secret,
    "AWS::SSM::Parameter": provision_ssm_parameter,
    "AWS::SNS::Topic": provision_topic,
    "AWS::SNS::Subscription": provision_subscription,
    "AWS::SQS::QueuePolicy": provision_queue_policy,
    "AWS::OpenSearchService::Domain": provision_search_domain,
    **dict.fromkeys(FUNCTION_TYPES, describe_function),
    **dict.fromkeys(LAYER_TYPES, describe_layer),
}

# Properties of these types that are resolved lazily: a function's environment is resolved after
# every resource exists (it may name any of them), and its events are read by the pollers.
_UNRESOLVED_PROPERTIES = {"Environment", "Events", "Policies", "Layers"}


@dataclass(frozen=True)
class ProvisionedResource:
    logical_id: str
    type: str
    outputs: ResourceOutputs


def skipped_resource_ids(template: Template) -> set[str]:
    """Logical ids of resources the runtime does not create (their refs resolve to placeholders)."""
    return {resource.logical_id for resource in template.resources.values() if resource.type not in PROVISIONERS}


def provision_all(template: Template, context: ProvisionContext) -> list[ProvisionedResource]:
    """Create whatever is missing, in dependency order; fills `context.resolver.outputs`."""
    provisioned: list[ProvisionedResource] = []
    for resource in template.creation_order(lambda candidate: candidate.type in PROVISIONERS):
        provisioner = PROVISIONERS[resource.type]
        if not context.resolver.is_included(resource.condition):
            continue
        properties = _resolved_properties(context.resolver, resource)
        outputs = provisioner(context, resource, properties)
        context.resolver.outputs[resource.logical_id] = outputs
        provisioned.append(ProvisionedResource(resource.logical_id, resource.type, outputs))
    return provisioned


def _resolved_properties(resolver: Resolver, resource: Resource) -> dict[str, Any]:
    resolvable: dict[str, JsonValue] = {
        key: value
        for key, value in resource.properties.items()
        if not (resource.type in FUNCTION_TYPES and key in _UNRESOLVED_PROPERTIES)
    }
    resolved = resolver.resolve(resolvable)
    return dict(resolved) if isinstance(resolved, dict) else {}


def _log(message: str) -> None:
    print(f"[chirp-local] {message}", file=sys.stderr, flush=True)
