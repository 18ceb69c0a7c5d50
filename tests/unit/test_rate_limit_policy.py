"""The rate limits' windows and decisions (chirp.limits), on an in-memory counter store."""

from __future__ import annotations

import pytest
from chirp.limits import service as limits
from chirp.limits.policy import ActionClass, Decision, Limit, LoginLimits, RateLimitSettings
from chirp.limits.repository import LoginFailures
from chirp.settings import SettingsError

FIVE_MINUTES = Limit(3, 300)
LOGIN = LoginLimits(per_pair=Limit(5, 900), account_failures=100, base_delay_seconds=15)


class MemoryCounters:
    """CounterStore in memory: what DynamoDB's ADD would answer."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}
        self.expiries: dict[str, int] = {}
        self.logins: dict[str, dict[str, float]] = {}

    def increment(self, key: str, expires_at: int) -> int:
        self.counts[key] = self.counts.get(key, 0) + 1
        self.expiries.setdefault(key, expires_at)
        return self.counts[key]

    def login_failures(self, key: str, client_ip: str) -> LoginFailures:
        item = self.logins.get(key, {})
        return LoginFailures(int(item.get(f"f:{client_ip}", 0)), int(item.get("n", 0)), item.get(f"t:{client_ip}", 0))

    def add_login_failure(self, key: str, client_ip: str, now: float, expires_at: int) -> LoginFailures:
        item = self.logins.setdefault(key, {})
        item["n"] = item.get("n", 0) + 1
        item[f"f:{client_ip}"] = item.get(f"f:{client_ip}", 0) + 1
        item[f"t:{client_ip}"] = now
        return self.login_failures(key, client_ip)


def test_windows_are_fixed_and_aligned_to_their_length() -> None:
    # Given a 5-minute limit
    # Then any time falls in the window starting at the multiple of 300 s before it
    assert FIVE_MINUTES.window_start(1_000_000_123.9) == 1_000_000_200 - 300
    assert FIVE_MINUTES.window_end(1_000_000_123.9) == 1_000_000_200
    assert FIVE_MINUTES.window_start(1_000_000_200) == 1_000_000_200


def test_requests_within_the_limit_pass_and_count_down_the_remaining() -> None:
    # Given a store and a limit of 3 per 5 minutes
    store, now = MemoryCounters(), 1_000_000_010.0
    # When a user makes three requests
    decisions = [limits.count_request(store, ActionClass.READS, "7", FIVE_MINUTES, now) for _ in range(3)]
    # Then all pass, with 2, 1, 0 remaining, and the window's end as reset
    assert [d.allowed for d in decisions] == [True, True, True]
    assert [d.remaining for d in decisions] == [2, 1, 0]
    assert {d.reset_at for d in decisions} == {1_000_000_200}
    assert decisions[0].headers() == {
        "x-rate-limit-limit": "3",
        "x-rate-limit-remaining": "2",
        "x-rate-limit-reset": "1000000200",
    }


def test_past_the_limit_a_request_is_refused_until_the_window_ends() -> None:
    # Given a user who has spent a limit of 3
    store, now = MemoryCounters(), 1_000_000_010.0
    for _ in range(3):
        limits.count_request(store, ActionClass.READS, "7", FIVE_MINUTES, now)
    # When they make a fourth request
    refused = limits.count_request(store, ActionClass.READS, "7", FIVE_MINUTES, now)
    # Then it is refused, to be retried when the window ends (190 s later)
    assert (refused.allowed, refused.remaining, refused.retry_after) == (False, 0, 190)
    # And in the next window, counting starts again (a new counter, expiring at that window's end)
    later = limits.count_request(store, ActionClass.READS, "7", FIVE_MINUTES, 1_000_000_200.0)
    assert (later.allowed, later.remaining) == (True, 2)
    assert sorted(store.expiries.values()) == [1_000_000_200, 1_000_000_500]


def test_classes_and_subjects_have_counters_of_their_own() -> None:
    # Given a user who has spent their reads
    store, now = MemoryCounters(), 1_000_000_010.0
    for _ in range(4):
        limits.count_request(store, ActionClass.READS, "7", FIVE_MINUTES, now)
    # Then their likes, and another user's reads, are counted apart
    assert limits.count_request(store, ActionClass.LIKES, "7", FIVE_MINUTES, now).allowed
    assert limits.count_request(store, ActionClass.READS, "8", FIVE_MINUTES, now).allowed


def test_a_login_pair_waits_exponentially_after_five_failures() -> None:
    # Given five failures for one account from one IP
    store, now = MemoryCounters(), 1_000_000_010.0
    for _ in range(5):
        limits.record_login_failure(store, LOGIN, "alice", "1.1.1.1", now)
    # Then the pair waits 15 s, and after one more failure 30 s
    locked = limits.check_login(store, LOGIN, "alice", "1.1.1.1", now)
    assert (locked.allowed, locked.retry_after) == (False, 15)
    assert limits.check_login(store, LOGIN, "alice", "1.1.1.1", now + 15).allowed
    limits.record_login_failure(store, LOGIN, "alice", "1.1.1.1", now + 15)
    assert limits.check_login(store, LOGIN, "alice", "1.1.1.1", now + 16).retry_after == 29
    # And the account from another IP is not locked
    assert limits.check_login(store, LOGIN, "alice", "2.2.2.2", now + 16).allowed


def test_the_wait_never_outlasts_the_window() -> None:
    # Then a pair with many failures waits at most until its window ends
    assert LOGIN.locked_until(pair_failures=30, account_failures=30, last_failure=1000.0, now=1000.0) == 1800


def test_many_failures_from_many_ips_lock_the_account_for_every_ip_until_the_window_ends() -> None:
    # Given 100 failures for one account, from 100 IPs
    store, now = MemoryCounters(), 1_000_000_010.0
    for ip in range(100):
        limits.record_login_failure(store, LOGIN, "alice", f"10.0.0.{ip}", now)
    # Then a new IP is refused until the window's end
    decision = limits.check_login(store, LOGIN, "alice", "2.2.2.2", now)
    assert (decision.allowed, decision.reset_at) == (False, 1_000_000_800)


def test_an_account_is_named_case_insensitively() -> None:
    assert limits.account_subject("  Alice@Example.com ") == "alice@example.com"


def test_settings_give_each_class_its_limit_and_refuse_a_malformed_one() -> None:
    # When the defaults are read
    settings = RateLimitSettings.from_environ({})
    # Then each class has its documented limit
    assert settings.limit_of(ActionClass.POSTING) == Limit(300, 10_800)
    assert settings.limit_of(ActionClass.ANONYMOUS) == Limit(300, 300)
    assert settings.limit_of(ActionClass.LOGIN) == Limit(5, 900)
    assert settings.login.account_failures == 100
    # And a limit that is not count/seconds names its variable
    with pytest.raises(SettingsError, match="RATE_LIMIT_LIKES"):
        RateLimitSettings.from_environ({"RATE_LIMIT_LIKES": "1000 per day"})


def test_a_refusal_waits_at_least_a_second() -> None:
    # A request refused in the window's last instant still waits one second
    decision = Decision.of_count(FIVE_MINUTES, 4, 1_000_000_199.9)
    assert (decision.allowed, decision.retry_after) == (False, 1)
