"""What rate limits need from storage: one atomic counter per request, and the login failures."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class LoginFailures:
    """An account's failed logins in a window: from one client IP, from all, and when the IP's last was."""

    pair: int = 0
    account: int = 0
    last_pair_failure: float = 0


class CounterStore(Protocol):
    def increment(self, key: str, expires_at: int) -> int:
        """Add one to the counter `key` atomically (created at 1, expiring at `expires_at`) and answer its new
        value. Raises Retryable when storage does not answer."""

    def login_failures(self, key: str, client_ip: str) -> LoginFailures:
        """The failures counted under `key` (an account's window), with the client IP's own (strongly consistent)."""

    def add_login_failure(self, key: str, client_ip: str, now: float, expires_at: int) -> LoginFailures:
        """Count one failure for the account's window and the client IP, atomically; the new counts."""
