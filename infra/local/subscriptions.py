"""What SNS checks before it delivers to an SQS queue, and the local SNS (`infra.local.sqs`) does not: its policy.

On AWS an SNS topic delivers to a subscribed queue only if the queue's policy lets the topic send to it
(principal `sns.amazonaws.com`, `sqs:SendMessage` on the queue, `aws:SourceArn` the topic); otherwise
every message is silently lost. The local SNS delivers regardless, so the runtime refuses to start on a template
whose subscriptions AWS would not deliver to, naming the subscription and what its queue's policy lacks.
Action and resource are matched by moto's policy evaluator (`moto.iam.access_control.IAMPolicy`); the
principal and the `aws:SourceArn` condition, which it does not evaluate, are checked here.
"""

from __future__ import annotations

import fnmatch
import json
from typing import Any

from moto.iam.access_control import IAMPolicy, PermissionResult

from infra.local.aws import AwsClients
from infra.local.intrinsics import Resolver
from infra.local.provision import ProvisionedResource
from infra.local.template import Template, TemplateError

SNS_PRINCIPAL = "sns.amazonaws.com"
_EXACT = ("ArnEquals", "StringEquals")
_PATTERN = ("ArnLike", "StringLike")


def check_sqs_subscriptions(
    clients: AwsClients, provisioned: list[ProvisionedResource], subscriptions: dict[str, dict[str, Any]]
) -> None:
    """Raise TemplateError for the first SNS-to-SQS subscription AWS would not deliver to.

    `subscriptions`: each AWS::SNS::Subscription's logical id and resolved properties."""
    sqs = clients.client("sqs")
    queue_urls = {
        resource.outputs.attributes.get("Arn"): resource.outputs.ref
        for resource in provisioned
        if resource.type == "AWS::SQS::Queue"
    }
    for logical_id, properties in subscriptions.items():
        if str(properties.get("Protocol")).lower() != "sqs":
            continue
        queue_arn, topic_arn = str(properties["Endpoint"]), str(properties["TopicArn"])
        url = queue_urls.get(queue_arn)
        if url is None:
            continue  # a queue outside the template: its policy is not the template's to check
        attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["Policy"]).get("Attributes", {})
        policy = json.loads(attributes.get("Policy") or '{"Statement": []}')
        if not allows_topic(policy, queue_arn, topic_arn):
            raise TemplateError(
                f"{logical_id}: the policy of queue {queue_arn} does not let {topic_arn} send to it, so SNS would "
                f"drop every message. Add an AWS::SQS::QueuePolicy allowing sqs:SendMessage to principal "
                f"{{Service: {SNS_PRINCIPAL}}} on the queue, with Condition ArnEquals aws:SourceArn: the topic"
            )


def allows_topic(policy: dict[str, Any], queue_arn: str, topic_arn: str) -> bool:
    """Whether the queue policy lets SNS deliver the topic's messages (an explicit deny wins)."""
    statements = policy.get("Statement") or []
    statements = statements if isinstance(statements, list) else [statements]
    allowed = False
    for statement in statements:
        if not (_names_sns(statement.get("Principal")) and _source_matches(statement.get("Condition"), topic_arn)):
            continue
        document = {
            "Version": "2012-10-17",
            "Statement": [
                {key: value for key, value in statement.items() if key not in ("Principal", "Condition", "Sid")}
            ],
        }
        result = IAMPolicy(json.dumps(document)).is_action_permitted("sqs:SendMessage", queue_arn)
        if result is PermissionResult.DENIED:
            return False
        allowed = allowed or result is PermissionResult.PERMITTED
    return allowed


def _names_sns(principal: Any) -> bool:
    if principal == "*":
        return True
    if not isinstance(principal, dict):
        return False
    services = principal.get("Service")
    return principal.get("AWS") == "*" or SNS_PRINCIPAL in ([services] if isinstance(services, str) else services or [])


def _source_matches(condition: Any, topic_arn: str) -> bool:
    """The statement's conditions hold for a delivery from `topic_arn` (none: they hold). A condition on
    anything but aws:SourceArn is not something SNS's delivery can be said to meet: it does not count."""
    if not condition:
        return True
    for operator, tests in condition.items():
        for key, expected in tests.items():
            if key.lower() != "aws:sourcearn":
                return False
            values = [expected] if isinstance(expected, str) else list(expected)
            if operator in _EXACT and topic_arn not in values:
                return False
            if operator in _PATTERN and not any(fnmatch.fnmatchcase(topic_arn, value) for value in values):
                return False
            if operator not in _EXACT + _PATTERN:
                return False
    return True


def subscription_properties(template: Template, resolver: Resolver) -> dict[str, dict[str, Any]]:
    """Each included AWS::SNS::Subscription's properties, resolved (call after provisioning)."""
    return {
        resource.logical_id: dict(resolver.resolve(resource.properties))
        for resource in template.resources_of_type("AWS::SNS::Subscription")
        if resolver.is_included(resource.condition)
    }
