"""A circuit breaker: a dependency that keeps failing is not called for a while, so it cannot eat every sandbox's
time (each call waiting out its timeout) while it is down.

Closed: calls go through; `failures` failures in a row, the first of them within the last `window_s`, open it
(a success in between starts the count again, and so does a streak older than the window: rare failures never
add up). Open: calls fail at once with `CircuitOpen` (a Retryable: 503, its Retry-After the seconds left of the
cool-down) for `cool_down_s`. Half-open, after the cool-down: one call goes through as a trial (others still
fail fast while it runs); its success closes the breaker, its failure opens it for another cool-down.

Per sandbox, in memory: each Lambda sandbox learns on its own that the dependency is down (after `failures`
calls), and a new sandbox starts closed. Nothing is shared through a table: that would be a call on every
request to protect one, and a shared state would itself be a dependency that fails. With ~N sandboxes, a
dependency that goes down costs at most N x `failures` slow calls, then one trial per sandbox per cool-down.

Why not pybreaker (on PyPI, small): its failure count has no window (a failure a day opens it eventually,
unless something resets it), its clock cannot be replaced (tests would sleep through cool-downs), and its
listener and storage machinery is more than these forty lines; the layer stays as light as it is.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from enum import StrEnum
from typing import TypeVar

from chirp.errors import Retryable

T = TypeVar("T")


class State(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


class CircuitOpen(Retryable):
    """The dependency failed too often lately: not called, so that the answer comes at once."""

    def __init__(self, message: str, retry_after_s: int) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class CircuitBreaker:
    def __init__(
        self,
        name: str,
        *,
        failures: int = 5,
        window_s: float = 30.0,
        cool_down_s: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.name = name
        self._threshold = failures
        self._window_s = window_s
        self._cool_down_s = cool_down_s
        self._clock = clock
        self._lock = threading.Lock()
        self._state = State.CLOSED
        self._streak = 0
        self._streak_started = 0.0
        self._opened_at = 0.0
        self._trial_running = False

    @property
    def state(self) -> State:
        with self._lock:
            if self._state is State.OPEN and self._cooled_down():
                return State.HALF_OPEN
            return self._state

    def call(self, action: Callable[[], T], *, counts: Callable[[Exception], bool] = lambda error: True) -> T:
        """`action()` unless the breaker is open (CircuitOpen); an exception it raises for which `counts` is true
        is a failure (others, a caller's own mistake, say nothing of the dependency), and is raised as it was."""
        self.before()
        try:
            result = action()
        except Exception as error:
            if counts(error):
                self.failed()
            else:
                self._release_trial()
            raise
        self.succeeded()
        return result

    def before(self) -> None:
        """Raise CircuitOpen unless a call may go through now (closed, or this is the half-open trial)."""
        with self._lock:
            if self._state is State.CLOSED:
                return
            if self._state is State.OPEN and self._cooled_down():
                self._state = State.HALF_OPEN
                self._trial_running = False
            if self._state is State.HALF_OPEN and not self._trial_running:
                self._trial_running = True
                return
            left = max(self._opened_at + self._cool_down_s - self._clock(), 0.0)
            raise CircuitOpen(
                f"{self.name} is unavailable (it failed {self._threshold} times in a row); try again later",
                max(1, math.ceil(left)),
            )

    def succeeded(self) -> None:
        with self._lock:
            self._state, self._streak, self._trial_running = State.CLOSED, 0, False

    def failed(self) -> None:
        with self._lock:
            now = self._clock()
            if self._state is State.HALF_OPEN:
                self._open(now)
                return
            if self._streak == 0 or now - self._streak_started > self._window_s:
                self._streak, self._streak_started = 0, now
            self._streak += 1
            if self._streak >= self._threshold:
                self._open(now)

    def _release_trial(self) -> None:
        with self._lock:
            self._trial_running = False

    def _open(self, now: float) -> None:
        self._state, self._opened_at, self._streak, self._trial_running = State.OPEN, now, 0, False

    def _cooled_down(self) -> bool:
        return self._clock() - self._opened_at >= self._cool_down_s
