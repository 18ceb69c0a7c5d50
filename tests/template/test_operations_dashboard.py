"""template.yaml shows an operator everything that can go wrong, and tells them: every queue's depth and
age, every dead-letter (and on-failure) queue alarmed, every stream consumer's iterator age alarmed, every
table's throttling and every function's errors on the dashboard and alarmed, each alarm to AlarmTopic.
Derived from the template: a queue, table or function added without its widgets and alarms fails here."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from tests.template.support import Template, resources_of_type

ALARM_TYPE = "AWS::CloudWatch::Alarm"
PLACEHOLDER = re.compile(r"\$\{([A-Za-z0-9:]+)(?:\.([A-Za-z]+))?\}")
PSEUDO_PARAMETERS = {"AWS::Region", "AWS::StackName", "AWS::AccountId", "AWS::Partition", "AWS::URLSuffix"}
# seed 000 §1's budgets (README "Operating Chirp")
API_P99_BUDGET_MS = 1000
TIMELINE_P99_BUDGET_MS = 200
FANOUT_DELIVERY_TARGET_MS = 5000
ITERATOR_AGE_LIMIT_MS = 60_000


def dashboard(template: Template) -> dict[str, Any]:
    """The dashboard's body, each `${Name}` or `${Name.Attribute}` replaced by `<Name>` or `<Name.Attribute>`."""
    body = template["Resources"]["OperationsDashboard"]["Properties"]["DashboardBody"]["Fn::Sub"]
    assert isinstance(body, str), "DashboardBody is a !Sub of a JSON string"
    parsed: dict[str, Any] = json.loads(
        PLACEHOLDER.sub(lambda m: f"<{m.group(1)}{'.' + m.group(2) if m.group(2) else ''}>", body)
    )
    return parsed


def widget_metrics(template: Template, metric_name: str) -> set[str]:
    """Every dimension value (a `<Reference>`) plotted for `metric_name` anywhere on the dashboard."""
    found: set[str] = set()
    for widget in dashboard(template)["widgets"]:
        for metric in widget["properties"]["metrics"]:
            if len(metric) > 1 and metric[1] == metric_name:
                found.update(value for value in metric[2:] if isinstance(value, str) and value.startswith("<"))
    return found


def alarms(template: Template) -> dict[str, dict[str, Any]]:
    return {name: resource["Properties"] for name, resource in resources_of_type(template, ALARM_TYPE).items()}


def alarmed_metrics(template: Template) -> list[tuple[str, str, set[str], dict[str, Any]]]:
    """(alarm, metric name, the logical ids its dimensions name, the alarm) for every metric every alarm reads."""
    found = []
    for name, alarm in alarms(template).items():
        stats = [query["MetricStat"]["Metric"] for query in alarm.get("Metrics", []) if "MetricStat" in query]
        if "MetricName" in alarm:
            stats.append(alarm)
        for metric in stats:
            ids = set()
            for dimension in metric.get("Dimensions", []):
                value = dimension["Value"]
                if isinstance(value, dict):
                    ids.add(value["Ref"] if "Ref" in value else value["Fn::GetAtt"][0])
            found.append((name, metric["MetricName"], ids, alarm))
    return found


def dead_letter_queues(template: Template) -> set[str]:
    """Queues holding what failed for good: every queue's DLQ and every stream consumer's on-failure queue."""
    dead = set()
    for queue in resources_of_type(template, "AWS::SQS::Queue").values():
        redrive = queue.get("Properties", {}).get("RedrivePolicy")
        if redrive:
            dead.add(redrive["deadLetterTargetArn"]["Fn::GetAtt"][0])
    for function in resources_of_type(template, "AWS::Serverless::Function").values():
        for event in (function["Properties"].get("Events") or {}).values():
            destination = event["Properties"].get("DestinationConfig", {}).get("OnFailure", {}).get("Destination")
            if destination:
                dead.add(destination["Fn::GetAtt"][0])
    return dead


def stream_consumers(template: Template) -> set[str]:
    return {
        name
        for name, function in resources_of_type(template, "AWS::Serverless::Function").items()
        if any(
            event["Type"] in {"DynamoDB", "Kinesis"} for event in (function["Properties"].get("Events") or {}).values()
        )
    }


def test_the_dashboard_is_json_naming_only_what_the_template_has(template: Template) -> None:
    # Given the dashboard's body
    body = template["Resources"]["OperationsDashboard"]["Properties"]["DashboardBody"]["Fn::Sub"]
    # When its substitutions are read
    named = {match.group(1) for match in PLACEHOLDER.finditer(body)}
    # Then each is a resource, a parameter or a pseudo parameter, and the body is JSON with widgets
    known = set(template["Resources"]) | set(template["Parameters"]) | PSEUDO_PARAMETERS
    assert named - known == set()
    assert len(dashboard(template)["widgets"]) >= 10


def test_every_queue_shows_its_depth_and_the_age_of_its_oldest_message(template: Template) -> None:
    # Given the template's queues, those that hold failures apart
    queues = set(resources_of_type(template, "AWS::SQS::Queue"))
    working = queues - dead_letter_queues(template)
    # Then every queue's depth is plotted, and every working queue's oldest message's age
    assert {f"<{queue}.QueueName>" for queue in queues} <= widget_metrics(
        template, "ApproximateNumberOfMessagesVisible"
    )
    assert {f"<{queue}.QueueName>" for queue in working} <= widget_metrics(template, "ApproximateAgeOfOldestMessage")


@pytest.mark.parametrize("metric", ["Errors", "Throttles", "Duration", "ConcurrentExecutions"])
def test_every_function_is_on_the_dashboard(template: Template, metric: str) -> None:
    functions = set(resources_of_type(template, "AWS::Serverless::Function"))
    assert {f"<{function}>" for function in functions} <= widget_metrics(template, metric)


def test_every_table_shows_its_throttling(template: Template) -> None:
    tables = {f"<{table}>" for table in resources_of_type(template, "AWS::DynamoDB::Table")}
    assert tables <= widget_metrics(template, "ReadThrottleEvents")
    assert tables <= widget_metrics(template, "WriteThrottleEvents")


def test_the_api_and_fanout_figures_are_on_the_dashboard(template: Template) -> None:
    # Given the dashboard's widgets
    widgets = dashboard(template)["widgets"]
    plotted = {metric[1] for widget in widgets for metric in widget["properties"]["metrics"] if len(metric) > 1}
    searched = json.dumps(widgets)
    # Then the API's requests, errors and latency, each route's latency and the fan-out's delivery are plotted
    assert {"Count", "4xx", "5xx", "Latency", "FanoutDeliveryLatency", "IteratorAge"} <= plotted
    assert 'MetricName=\\"RouteLatency\\"' in searched
    # And the API's figures are the HTTP API's: its metric names, by its id (not the REST API's ApiName)
    for metric in ("Count", "4xx", "5xx", "Latency", "IntegrationLatency"):
        assert widget_metrics(template, metric) >= {"<ChirpApi>"}, metric
    assert "4XXError" not in plotted and "5XXError" not in plotted and "ApiName" not in searched


def test_the_api_alarms_read_the_http_apis_metrics(template: Template) -> None:
    # Given the alarms on the AWS/ApiGateway namespace
    api_alarms = [
        (metric, ids, alarm)
        for _, metric, ids, alarm in alarmed_metrics(template)
        if "ApiGateway" in json.dumps(alarm) and metric in {"Count", "4xx", "5xx", "Latency", "5XXError", "4XXError"}
    ]
    # Then they read the HTTP API's 5xx, Count and Latency by ChirpApi's id and its stage
    assert {metric for metric, _, _ in api_alarms} == {"5xx", "Count", "Latency"}
    for metric, ids, alarm in api_alarms:
        assert ids == {"ChirpApi", "StageName"}, (metric, alarm)


def test_every_alarm_notifies_the_alarm_topic_firing_and_clearing(template: Template) -> None:
    for name, alarm in alarms(template).items():
        assert alarm.get("AlarmActions") == [{"Ref": "AlarmTopic"}], name
        assert alarm.get("OKActions") == [{"Ref": "AlarmTopic"}], name


def test_every_dead_letter_queue_alarms_on_its_first_message(template: Template) -> None:
    # Given the queues that hold failures, and the alarms on queue depth
    watched = {
        queue: alarm
        for _, metric, ids, alarm in alarmed_metrics(template)
        if metric == "ApproximateNumberOfMessagesVisible"
        for queue in ids
    }
    # Then each has one alarm, firing on one message seen once
    for queue in dead_letter_queues(template):
        alarm = watched.get(queue)
        assert alarm is not None, f"{queue} has no alarm"
        assert (alarm["Threshold"], alarm["ComparisonOperator"], alarm["EvaluationPeriods"]) == (
            0,
            "GreaterThanThreshold",
            1,
        ), queue


def test_every_stream_consumer_alarms_when_it_falls_a_minute_behind(template: Template) -> None:
    watched = {
        ids_: alarm for _, metric, ids, alarm in alarmed_metrics(template) if metric == "IteratorAge" for ids_ in ids
    }
    for function in stream_consumers(template):
        assert function in watched, f"{function} has no iterator-age alarm"
        assert watched[function]["Threshold"] <= ITERATOR_AGE_LIMIT_MS
        assert f"<{function}>" in widget_metrics(template, "IteratorAge")


def test_every_function_and_table_alarms_on_errors_and_throttling(template: Template) -> None:
    # Given what the alarms read
    read = [(metric, ids) for _, metric, ids, _ in alarmed_metrics(template)]

    def alarmed(metric: str) -> set[str]:
        return {name for read_metric, ids in read if read_metric == metric for name in ids}

    # Then every function's errors and throttles, and every table's read and write throttling, are alarmed
    functions = set(resources_of_type(template, "AWS::Serverless::Function"))
    tables = set(resources_of_type(template, "AWS::DynamoDB::Table"))
    assert functions <= alarmed("Errors") & alarmed("Throttles")
    assert tables <= alarmed("ReadThrottleEvents") & alarmed("WriteThrottleEvents")


def test_latency_alarms_hold_the_seeds_budgets(template: Template) -> None:
    by_metric = {metric: alarm for _, metric, _, alarm in alarmed_metrics(template)}
    assert by_metric["Latency"]["Threshold"] == API_P99_BUDGET_MS
    assert by_metric["RouteLatency"]["Threshold"] == TIMELINE_P99_BUDGET_MS
    assert by_metric["FanoutDeliveryLatency"]["Threshold"] == FANOUT_DELIVERY_TARGET_MS
    assert all(by_metric[m]["ExtendedStatistic"] == "p99" for m in ("Latency", "RouteLatency", "FanoutDeliveryLatency"))


def test_an_operator_can_subscribe_to_the_alarms(template: Template) -> None:
    # Given the email subscription and the outputs
    subscription = template["Resources"]["AlarmEmailSubscription"]
    # Then it exists only when AlarmEmail is given, and the topic's ARN is an output
    assert subscription["Condition"] == "HasAlarmEmail"
    assert template["Parameters"]["AlarmEmail"]["Default"] == ""
    assert template["Outputs"]["AlarmTopicArn"]["Value"] == {"Ref": "AlarmTopic"}
