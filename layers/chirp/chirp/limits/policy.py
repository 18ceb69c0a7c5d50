"""Classes of action, their limits (data, from the environment), and what a counter's value decides."""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated

from pydantic import Field

from chirp.settings import EnvironmentSettings

# "<count>/<seconds>": how many actions per window, e.g. 300/10800 (300 per 3 hours).
LimitText = Annotated[str, Field(pattern=r"^[1-9][0-9]*/[1-9][0-9]*$")]


class ActionClass(StrEnum):
    """What a request counts as; each class has its own counter and limit."""

    POSTING = "posting"  # a tweet, a reply, a quote or a retweet; per user
    LIKES = "likes"  # per user
    FOLLOWS = "follows"  # per user
    READS = "reads"  # every other request of a signed-in caller; per user
    ANONYMOUS = "anonymous"  # every other request without a caller; per client IP
    SIGNUPS = "signups"  # per client IP
    LOGIN = "login"  # failed logins; per account and client IP (see LoginLimits)


@dataclass(frozen=True)
class Limit:
    count: int
    window_seconds: int

    @classmethod
    def parse(cls, text: str) -> Limit:
        count, seconds = text.split("/")
        return cls(int(count), int(seconds))

    def window_start(self, now: float) -> int:
        """The start of the fixed window `now` falls in (windows aligned to multiples of their length)."""
        return int(now) // self.window_seconds * self.window_seconds

    def window_end(self, now: float) -> int:
        return self.window_start(now) + self.window_seconds


@dataclass(frozen=True)
class LoginLimits:
    """Failed logins: `per_pair` failures for one account from one client IP within its window lock that
    pair out, for `base_delay_seconds` doubled at each further failure (capped at the window's end); the
    account is locked for every IP only after `account_failures` failures in the window, from any IPs.

    Per pair first: a stranger guessing from their IP locks out only themselves, so the owner logging in
    from elsewhere is not kept out; the account-wide lock is the backstop against guesses spread over many
    IPs, and lasts at most the rest of the window (15 minutes by default)."""

    per_pair: Limit
    account_failures: int
    base_delay_seconds: int

    def locked_until(self, pair_failures: int, account_failures: int, last_failure: float, now: float) -> float:
        """When the pair may try again (0: it may now)."""
        end = self.per_pair.window_end(now)
        if account_failures >= self.account_failures:
            return end
        if pair_failures < self.per_pair.count:
            return 0
        delay = self.base_delay_seconds * 2 ** (pair_failures - self.per_pair.count)
        return min(last_failure + delay, end)


@dataclass(frozen=True)
class Decision:
    """What a counter's value decides, and what the client is told (x-rate-limit-* and Retry-After)."""

    allowed: bool
    limit: int
    remaining: int
    reset_at: int  # epoch seconds: when the window ends (or a login lock lifts)
    retry_after: int  # seconds to wait; 0 when allowed

    @classmethod
    def of_count(cls, limit: Limit, count: int, now: float) -> Decision:
        """The decision for the `count`-th request of the window (counted, so 1 for the first)."""
        reset_at = limit.window_end(now)
        allowed = count <= limit.count
        return cls(
            allowed=allowed,
            limit=limit.count,
            remaining=max(0, limit.count - count),
            reset_at=reset_at,
            retry_after=0 if allowed else max(1, math.ceil(reset_at - now)),
        )

    def headers(self) -> dict[str, str]:
        """What every answer of a limited route carries (Twitter's names); a refusal adds Retry-After."""
        return {
            "x-rate-limit-limit": str(self.limit),
            "x-rate-limit-remaining": str(self.remaining),
            "x-rate-limit-reset": str(self.reset_at),
        }


class RateLimitSettings(EnvironmentSettings):
    """Each class's limit, "<count>/<seconds>" (template parameters: README's list). RATE_LIMITS_ENABLED=false
    turns the limiter off (the benchmark measures a request with and without it)."""

    rate_limits_enabled: bool = True
    rate_limit_posting: LimitText = "300/10800"
    rate_limit_likes: LimitText = "1000/86400"
    rate_limit_follows: LimitText = "400/86400"
    rate_limit_reads: LimitText = "1500/300"
    rate_limit_anonymous: LimitText = "300/300"
    rate_limit_signups: LimitText = "5/1800"
    rate_limit_login_failures: LimitText = "5/900"
    login_account_lock_failures: int = Field(100, ge=1)
    login_lock_base_seconds: int = Field(15, ge=1)

    def limit_of(self, action: ActionClass) -> Limit:
        name = "rate_limit_login_failures" if action is ActionClass.LOGIN else f"rate_limit_{action.value}"
        text: str = getattr(self, name)
        return Limit.parse(text)

    @property
    def login(self) -> LoginLimits:
        return LoginLimits(
            per_pair=self.limit_of(ActionClass.LOGIN),
            account_failures=self.login_account_lock_failures,
            base_delay_seconds=self.login_lock_base_seconds,
        )
