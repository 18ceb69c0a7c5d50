"""The circuit breaker's states on a fake clock: closed, open after failures in a row within the window, failing
fast with the cool-down's Retry-After, half-open after it, closed or open again by the trial."""

from __future__ import annotations

import pytest
from chirp.errors import MalformedRequest, Retryable
from chirp.resilience import CircuitBreaker, CircuitOpen, State


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Backend:
    """A dependency that fails while `down`, and counts the calls that reached it."""

    def __init__(self) -> None:
        self.down = False
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        if self.down:
            raise ConnectionError("unreachable")
        return "ok"


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def breaker(clock: Clock) -> CircuitBreaker:
    return CircuitBreaker("search", failures=3, window_s=10, cool_down_s=30, clock=clock)


def fail(breaker: CircuitBreaker, backend: Backend, times: int) -> None:
    for _ in range(times):
        with pytest.raises(ConnectionError):
            breaker.call(backend)


def test_a_closed_breaker_calls_through(breaker: CircuitBreaker) -> None:
    # Given
    backend = Backend()
    # When / Then
    assert breaker.call(backend) == "ok"
    assert backend.calls == 1
    assert breaker.state is State.CLOSED


def test_failures_in_a_row_open_it_and_it_then_fails_fast_with_the_cool_down_left(
    breaker: CircuitBreaker, clock: Clock
) -> None:
    # Given a backend that is down
    backend = Backend()
    backend.down = True
    # When it fails three times in a row
    fail(breaker, backend, 3)
    clock.now += 12
    # Then the breaker is open: the next call is not made, and says when to come back (30 - 12 s)
    with pytest.raises(CircuitOpen) as refused:
        breaker.call(backend)
    assert backend.calls == 3
    assert breaker.state is State.OPEN
    assert refused.value.retry_after_s == 18
    assert isinstance(refused.value, Retryable)
    assert "search is unavailable" in refused.value.message


def test_fewer_failures_than_the_threshold_keep_it_closed(breaker: CircuitBreaker) -> None:
    # Given
    backend = Backend()
    backend.down = True
    # When
    fail(breaker, backend, 2)
    # Then
    assert breaker.state is State.CLOSED
    backend.down = False
    assert breaker.call(backend) == "ok"


def test_a_success_between_failures_starts_the_count_again(breaker: CircuitBreaker) -> None:
    # Given two failures, a success, two failures
    backend = Backend()
    backend.down = True
    fail(breaker, backend, 2)
    backend.down = False
    breaker.call(backend)
    backend.down = True
    fail(breaker, backend, 2)
    # Then no three in a row: still closed
    assert breaker.state is State.CLOSED


def test_failures_spread_beyond_the_window_do_not_open_it(breaker: CircuitBreaker, clock: Clock) -> None:
    # Given failures 6 seconds apart (a streak older than the 10 s window starts anew)
    backend = Backend()
    backend.down = True
    for _ in range(5):
        fail(breaker, backend, 1)
        clock.now += 6
    # Then
    assert breaker.state is State.CLOSED


def test_after_the_cool_down_one_trial_goes_through_and_its_success_closes_it(
    breaker: CircuitBreaker, clock: Clock
) -> None:
    # Given an open breaker, its cool-down over, the backend back up
    backend = Backend()
    backend.down = True
    fail(breaker, backend, 3)
    clock.now += 30
    assert breaker.state is State.HALF_OPEN
    backend.down = False
    # When the trial call succeeds
    assert breaker.call(backend) == "ok"
    # Then the breaker is closed
    assert breaker.state is State.CLOSED
    assert breaker.call(backend) == "ok"


def test_a_failed_trial_opens_it_for_another_cool_down(breaker: CircuitBreaker, clock: Clock) -> None:
    # Given an open breaker past its cool-down, the backend still down
    backend = Backend()
    backend.down = True
    fail(breaker, backend, 3)
    clock.now += 31
    # When the trial fails
    fail(breaker, backend, 1)
    # Then it is open again for a whole cool-down
    assert breaker.state is State.OPEN
    with pytest.raises(CircuitOpen) as refused:
        breaker.call(backend)
    assert refused.value.retry_after_s == 30
    assert backend.calls == 4


def test_while_the_trial_runs_other_calls_fail_fast(breaker: CircuitBreaker, clock: Clock) -> None:
    # Given a half-open breaker whose trial is under way
    backend = Backend()
    backend.down = True
    fail(breaker, backend, 3)
    clock.now += 30
    breaker.before()  # the trial's turn, taken
    # When / Then another call is refused, with at least a second to wait
    with pytest.raises(CircuitOpen) as refused:
        breaker.before()
    assert refused.value.retry_after_s == 1


def test_errors_that_do_not_count_neither_open_nor_close_it(breaker: CircuitBreaker) -> None:
    # Given failures that count, then a caller's own mistake
    backend = Backend()
    backend.down = True
    fail(breaker, backend, 2)

    def bad_query() -> str:
        raise MalformedRequest("q: unbalanced quotes")

    with pytest.raises(MalformedRequest):
        breaker.call(bad_query, counts=lambda error: not isinstance(error, MalformedRequest))
    # When the backend fails once more
    fail(breaker, backend, 1)
    # Then the mistake did not reset the streak: open
    assert breaker.state is State.OPEN
