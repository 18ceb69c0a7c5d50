"""`run_transaction` on moto: success, failed conditions (and the order their codes come in), and
the retry of conflicts and throttling, which moto cannot produce, stubbed at the botocore client."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from botocore.stub import Stubber
from chirp.adapters.dynamodb.connection import run_transaction, shared_connection
from chirp.adapters.dynamodb.models import HandleClaim
from chirp.errors import Retryable
from chirp.wiring.api import dependencies
from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite


@pytest.fixture
def bound(aws: dict[str, str]) -> None:
    """Models bound to the mocked tables."""
    dependencies()


@pytest.fixture
def no_backoff(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Record the backoff sleeps instead of sleeping."""
    from chirp.adapters.dynamodb import connection

    sleeps: list[float] = []
    monkeypatch.setattr(connection, "time", SimpleNamespace(sleep=sleeps.append))
    return sleeps


@pytest.fixture
def stubbed(bound: None) -> Iterator[Stubber]:
    with Stubber(shared_connection().client) as stubber:
        yield stubber


def claim(name: str, user_id: int = 1) -> HandleClaim:
    return HandleClaim(pk=f"TEST#{name}", user_id=user_id)


def save_claims(*names: str) -> Callable[[TransactWrite], None]:
    def write(transaction: TransactWrite) -> None:
        for name in names:
            transaction.save(claim(name))

    return write


def cancelled(*codes: str | None) -> dict[str, Any]:
    reasons = [{"Code": code or "None"} for code in codes]
    return {
        "service_error_code": "TransactionCanceledException",
        "service_message": "Transaction cancelled",
        "http_status_code": 400,
        "modeled_fields": {"CancellationReasons": reasons},
    }


def test_run_transaction_writes_everything_and_answers_no_codes(bound: None) -> None:
    # When
    codes = run_transaction(save_claims("a", "b"))
    # Then
    assert codes == []
    assert {item.pk for item in HandleClaim.scan()} == {"TEST#a", "TEST#b"}


def test_run_transaction_answers_the_failed_condition_and_writes_nothing(bound: None) -> None:
    # Given
    claim("taken").save()

    def write(transaction: TransactWrite) -> None:
        transaction.save(claim("free"), condition=HandleClaim.pk.does_not_exist())
        transaction.save(claim("taken", 2), condition=HandleClaim.pk.does_not_exist())

    # When
    codes = run_transaction(write)
    # Then
    assert codes == [None, "ConditionalCheckFailed"]
    assert {item.pk for item in HandleClaim.scan()} == {"TEST#taken"}
    assert HandleClaim.get("TEST#taken").user_id == 1


def test_run_transaction_codes_follow_the_call_order_not_pynamodbs_item_order(bound: None) -> None:
    # Given an update that will fail, written before a put (PynamoDB sends puts before updates)
    def write(transaction: TransactWrite) -> None:
        transaction.update(claim("missing"), actions=[HandleClaim.user_id.set(3)], condition=HandleClaim.pk.exists())
        transaction.save(claim("new"))

    # When
    codes = run_transaction(write)
    # Then the codes come back in the order the items were written
    assert codes == ["ConditionalCheckFailed", None]


def test_run_transaction_retries_a_conflict_until_it_commits(stubbed: Stubber, no_backoff: list[float]) -> None:
    # Given two conflicts, then success
    stubbed.add_client_error("transact_write_items", **cancelled("TransactionConflict", None))
    stubbed.add_client_error("transact_write_items", **cancelled(None, "TransactionConflict"))
    stubbed.add_response("transact_write_items", {})
    # When
    codes = run_transaction(save_claims("a", "b"))
    # Then
    assert codes == []
    assert len(no_backoff) == 2
    stubbed.assert_no_pending_responses()


def test_run_transaction_gives_up_on_conflicts_after_six_attempts_as_retryable(
    stubbed: Stubber, no_backoff: list[float]
) -> None:
    # Given conflicts on every attempt
    for _ in range(6):
        stubbed.add_client_error("transact_write_items", **cancelled("TransactionConflict"))
    # When / Then
    with pytest.raises(Retryable):
        run_transaction(save_claims("a"))
    assert len(no_backoff) == 6
    stubbed.assert_no_pending_responses()


def test_run_transaction_backoff_stays_under_a_cap_that_doubles_each_attempt(
    stubbed: Stubber, no_backoff: list[float]
) -> None:
    # Given conflicts on every attempt
    for _ in range(6):
        stubbed.add_client_error("transact_write_items", **cancelled("TransactionConflict"))
    # When
    with pytest.raises(Retryable):
        run_transaction(save_claims("a"))
    # Then every sleep stays under its attempt's cap, and the cap doubles
    assert all(0 <= sleep <= 0.01 * 2**attempt for attempt, sleep in enumerate(no_backoff))


def test_run_transaction_retries_throttling(stubbed: Stubber, no_backoff: list[float]) -> None:
    # Given one throttled attempt, then success
    stubbed.add_client_error("transact_write_items", **cancelled("ThrottlingError"))
    stubbed.add_response("transact_write_items", {})
    # When
    codes = run_transaction(save_claims("a"))
    # Then
    assert codes == []
    assert len(no_backoff) == 1
    stubbed.assert_no_pending_responses()


def test_run_transaction_retries_a_conflict_mixed_with_a_failed_condition(
    stubbed: Stubber, no_backoff: list[float]
) -> None:
    # Given an attempt with a conflict on one item and a failed condition on another, then success
    stubbed.add_client_error("transact_write_items", **cancelled("TransactionConflict", "ConditionalCheckFailed"))
    stubbed.add_response("transact_write_items", {})
    # When
    codes = run_transaction(save_claims("a", "b"))
    # Then the condition is re-checked: the conflict may have been what failed it
    assert codes == []
    assert len(no_backoff) == 1
    stubbed.assert_no_pending_responses()


def test_run_transaction_raises_other_errors_unchanged(stubbed: Stubber, no_backoff: list[float]) -> None:
    # Given a validation error
    stubbed.add_client_error(
        "transact_write_items", service_error_code="ValidationException", service_message="bad", http_status_code=400
    )
    # When / Then
    with pytest.raises(TransactWriteError):
        run_transaction(save_claims("a"))
    assert no_backoff == []
