"""CounterStore on the rate-limits table: one UpdateItem per counted request (ADD, ReturnValues UPDATED_NEW).

Items: pk = `<class>#<subject>#<window start>` (chirp.limits.service.counter_key), `n` the count, `expires_at`
the window's end (the table's TTL attribute: DynamoDB deletes an item within days of it, and the window start
in the key means a late deletion never carries a count into the next window). A login item keeps, per
account and window, `n` the failures from all IPs and `f:<ip>` / `t:<ip>` each IP's failures and its last one.

The calls go through the shared connection's botocore client: its retries (throttling, 5xx) are botocore's; what is
left is raised as Retryable, which the API's limiter logs and lets the request through (fail open).
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from chirp.adapters.dynamodb.connection import shared_connection
from chirp.errors import Retryable
from chirp.limits.repository import LoginFailures


class DynamoCounterStore:
    def __init__(self, table_name: str) -> None:
        self.table_name = table_name

    def increment(self, key: str, expires_at: int) -> int:
        attributes = _update(
            self.table_name,
            key,
            "ADD #n :one SET expires_at = if_not_exists(expires_at, :end)",
            names={"#n": "n"},
            values={":one": {"N": "1"}, ":end": {"N": str(expires_at)}},
        )
        return int(attributes["n"]["N"])

    def login_failures(self, key: str, client_ip: str) -> LoginFailures:
        try:
            response = _client().get_item(
                TableName=self.table_name,
                Key={"pk": {"S": key}},
                ConsistentRead=True,
                ProjectionExpression="#n, #f, #t",
                ExpressionAttributeNames={"#n": "n", "#f": f"f:{client_ip}", "#t": f"t:{client_ip}"},
            )
        except (ClientError, BotoCoreError) as error:
            raise Retryable(f"rate-limit counters unavailable: {error}") from error
        return _failures(response.get("Item", {}), client_ip)

    def add_login_failure(self, key: str, client_ip: str, now: float, expires_at: int) -> LoginFailures:
        attributes = _update(
            self.table_name,
            key,
            "ADD #n :one, #f :one SET #t = :now, expires_at = if_not_exists(expires_at, :end)",
            names={"#n": "n", "#f": f"f:{client_ip}", "#t": f"t:{client_ip}"},
            values={":one": {"N": "1"}, ":now": {"N": f"{now:.3f}"}, ":end": {"N": str(expires_at)}},
        )
        return _failures(attributes, client_ip)


def _client() -> Any:
    return shared_connection().client


def _update(
    table_name: str, key: str, expression: str, names: dict[str, str], values: dict[str, Any]
) -> dict[str, Any]:
    try:
        response = _client().update_item(
            TableName=table_name,
            Key={"pk": {"S": key}},
            UpdateExpression=expression,
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
            ReturnValues="UPDATED_NEW",
            ReturnConsumedCapacity="TOTAL",
        )
    except (ClientError, BotoCoreError) as error:
        raise Retryable(f"rate-limit counters unavailable: {error}") from error
    attributes: dict[str, Any] = response["Attributes"]
    return attributes


def _failures(item: dict[str, Any], client_ip: str) -> LoginFailures:
    def number(name: str) -> float:
        return float(item[name]["N"]) if name in item else 0

    return LoginFailures(
        pair=int(number(f"f:{client_ip}")),
        account=int(number("n")),
        last_pair_failure=number(f"t:{client_ip}"),
    )
