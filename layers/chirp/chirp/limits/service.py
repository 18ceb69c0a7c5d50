"""Counting requests against their class's limit, and guarding logins.

A request of a class costs one atomic write (its counter, ADDed to); it is counted even when refused, so a
client hammering past its limit keeps its counter over the limit until the window ends, and nothing is read
first. A login costs one strongly consistent read (is the account locked for this IP?) and, when it
fails, one write: a successful login writes nothing.
"""

from __future__ import annotations

import math

from chirp.limits.policy import ActionClass, Decision, Limit, LoginLimits
from chirp.limits.repository import CounterStore, LoginFailures


def counter_key(action: ActionClass, subject: str, limit: Limit, now: float) -> str:
    """`<class>#<subject>#<window start>`: one item per class, subject and window."""
    return f"{action.value}#{subject}#{limit.window_start(now)}"


def count_request(store: CounterStore, action: ActionClass, subject: str, limit: Limit, now: float) -> Decision:
    """Count one request of `subject` in its class's current window: allowed while within the limit."""
    count = store.increment(counter_key(action, subject, limit, now), limit.window_end(now))
    return Decision.of_count(limit, count, now)


def account_subject(login: str) -> str:
    """The account a login names, as its counter knows it: usernames and emails are case-insensitive."""
    return login.strip().casefold()


def check_login(store: CounterStore, limits: LoginLimits, account: str, client_ip: str, now: float) -> Decision:
    """Whether this IP may try a password for `account` now (refused while the pair or the account is locked)."""
    key = counter_key(ActionClass.LOGIN, account, limits.per_pair, now)
    return _login_decision(limits, store.login_failures(key, client_ip), now)


def record_login_failure(
    store: CounterStore, limits: LoginLimits, account: str, client_ip: str, now: float
) -> Decision:
    """Count a failed login; the decision for the pair's next attempt."""
    key = counter_key(ActionClass.LOGIN, account, limits.per_pair, now)
    failures = store.add_login_failure(key, client_ip, now, limits.per_pair.window_end(now))
    return _login_decision(limits, failures, now)


def _login_decision(limits: LoginLimits, failures: LoginFailures, now: float) -> Decision:
    locked_until = limits.locked_until(failures.pair, failures.account, failures.last_pair_failure, now)
    allowed = locked_until <= now
    return Decision(
        allowed=allowed,
        limit=limits.per_pair.count,
        remaining=max(0, limits.per_pair.count - failures.pair),
        reset_at=math.ceil(locked_until) if not allowed else limits.per_pair.window_end(now),
        retry_after=0 if allowed else max(1, math.ceil(locked_until - now)),
    )
