"""The cost model of `make bench-cost` (bench.cost): from a fixed meter to units per operation, and from units to
dollars per month (prices x units x operations a month), with the deployment variants' prices."""

from __future__ import annotations

import pytest

from bench.cost import (
    AWS_CALL_MS,
    DAYS_PER_MONTH,
    GIB,
    PLATFORM_LOG_BYTES,
    PRICES,
    XRAY_SAMPLED_SHARE,
    Variant,
    estimated_gb_s,
    monthly_cost,
    units_of,
)

METER = {
    "gateway": {"apigateway:http:requests": 10.0},
    "functions": {
        "ApiFunction": {
            "lambda:invocations": 10.0,
            "lambda:gb_ms": 200.0,
            "lambda:memory_mb": 1024.0,
            "dynamodb:BatchGetItem:Tweets:read_units": 50.0,
            "dynamodb:Query:Timelines:read_units": 5.0,
            "dynamodb:PutItem:Tweets:write_units": 20.0,
            "sqs:SendMessage:requests": 4.0,
            "sns:Publish:requests": 2.0,
            "s3:PutObject:tier1_requests": 1.0,
            "s3:GetObject:tier2_requests": 3.0,
            "websocket:PostToConnection:messages": 6.0,
            "logs:bytes": 1000.0,
        },
        "TimelineWriterFunction": {
            "lambda:invocations": 2.0,
            "lambda:gb_ms": 100.0,
            "dynamodb:BatchWriteItem:T:write_units": 8.0,
        },
    },
}


def test_units_of_a_meter_are_per_operation_and_scale_only_the_fan_out() -> None:
    # Given a meter of 10 operations, when its units are taken with the fan-out doubled
    units = units_of(METER, operations=10, fanout_scale=2.0)
    # Then each is per operation; the writer's counts doubled; log bytes include Lambda's own lines
    assert units["api_requests"] == 1.0
    assert units["lambda_invocations"] == pytest.approx((10 + 2 * 2) / 10)
    assert units["lambda_gb_s"] == pytest.approx((200 + 2 * 100) / 1000 / 10)
    assert units["dynamodb_rru"] == pytest.approx(5.5)
    assert units["dynamodb_wru"] == pytest.approx((20 + 2 * 8) / 10)
    assert units["sqs_requests"] == pytest.approx(0.4)
    assert units["sns_requests"] == pytest.approx(0.2)
    assert units["s3_tier1"] == pytest.approx(0.1)
    assert units["s3_tier2"] == pytest.approx(0.3)
    assert units["websocket_messages"] == pytest.approx(0.6)
    assert units["log_bytes"] == pytest.approx((1000 + (10 + 2 * 2) * PLATFORM_LOG_BYTES) / 10)


def test_monthly_cost_is_prices_times_units_times_operations_a_month() -> None:
    # Given one operation's units, done twice a day by each of 1,000 users
    units = units_of(METER, operations=10)
    monthly_ops = 2 * 1000 * DAYS_PER_MONTH
    # When the deployed configuration is priced
    cost = monthly_cost({"home_timeline": units}, {"home_timeline": 2.0}, Variant("deployed"), dau=1000)
    # Then each component is its units x its price x the month's operations
    components = cost["components"]
    assert components["DynamoDB reads"] == pytest.approx(5.5 * 0.125 / 1e6 * monthly_ops)
    assert components["DynamoDB writes"] == pytest.approx(2.8 * 0.625 / 1e6 * monthly_ops)
    assert components["API Gateway"] == pytest.approx(1.0 * 1.00 / 1e6 * monthly_ops)  # an HTTP API's requests
    assert components["Lambda compute"] == pytest.approx(0.03 * 0.0000166667 * monthly_ops)
    assert components["Lambda requests"] == pytest.approx(1.2 * 0.20 / 1e6 * monthly_ops)
    assert components["SQS"] == pytest.approx(0.4 * 0.40 / 1e6 * monthly_ops)
    assert components["SNS"] == pytest.approx(0.2 * 0.50 / 1e6 * monthly_ops)
    assert components["S3"] == pytest.approx((0.1 * 0.005 / 1000 + 0.3 * 0.0004 / 1000) * monthly_ops)
    assert components["WebSocket"] == pytest.approx(0.6 * 1.00 / 1e6 * monthly_ops)
    assert components["CloudWatch Logs"] == pytest.approx(units["log_bytes"] / GIB * 0.50 * monthly_ops)
    assert components["X-Ray"] == pytest.approx(XRAY_SAMPLED_SHARE * 5.00 / 1e6 * monthly_ops)
    # And the total adds the fixed lines (the search domain's instance-hours)
    assert cost["fixed"]["OpenSearch (fixed)"] == pytest.approx(PRICES["opensearch_hour"].usd * 730)
    assert cost["total"] == pytest.approx(sum(components.values()) + cost["fixed"]["OpenSearch (fixed)"])
    assert cost["operations"]["home_timeline"] == pytest.approx(sum(components.values()))


def test_arm64_and_the_rest_api_change_only_their_own_lines() -> None:
    # Given the same units
    units = {"op": units_of(METER, operations=10)}
    deployed = monthly_cost(units, {"op": 1.0}, Variant("deployed"))["components"]
    # When priced for arm64 and for the REST API the HTTP API replaced
    changed = monthly_cost(units, {"op": 1.0}, Variant("both", arm64=True, rest_api=True))["components"]
    # Then compute is 20% cheaper, API requests 3.5x dearer, and nothing else moves
    assert changed["Lambda compute"] == pytest.approx(deployed["Lambda compute"] * 0.0000133334 / 0.0000166667)
    assert changed["API Gateway"] == pytest.approx(deployed["API Gateway"] * 3.5)
    others = set(deployed) - {"Lambda compute", "API Gateway"}
    assert all(changed[name] == deployed[name] for name in others)


def test_estimated_lambda_time_is_cpu_plus_a_round_trip_per_aws_call() -> None:
    # Given a function's counters: 2 invocations, 10 ms of CPU, 3 DynamoDB calls and an S3 GET of its own, and the
    # SQS event-source mapping's polls (not the function's calls)
    counters = {
        "lambda:invocations": 2.0,
        "lambda:cpu_ms": 10.0,
        "lambda:memory_mb": 512.0,
        "dynamodb:GetItem:requests": 3.0,
        "dynamodb:GetItem:Tweets:read_units": 3.0,
        "s3:GetObject:tier2_requests": 1.0,
        "sqs:EventSourceMapping:requests": 2.0,
    }
    # When its GB-s are estimated
    gb_s = estimated_gb_s(counters)
    # Then they are (CPU + AWS_CALL_MS per own call + half a ms of rounding per invocation) x 0.5 GB
    assert gb_s == pytest.approx((10 + 4 * AWS_CALL_MS + 2 * 0.5) * 0.5 / 1000)
