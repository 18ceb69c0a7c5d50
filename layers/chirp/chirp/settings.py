"""Configuration, parsed once from the environment into a typed object.

This is the only module that reads `os.environ`; everything else receives a
`Settings`. `template.yaml` sets these variables on every function, and the
local runtime sets them from the same template.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields
from functools import cache


class SettingsError(ValueError):
    """A configuration variable is missing or has the wrong type."""


@dataclass(frozen=True)
class Settings:
    users_table: str = ""
    tweets_table: str = ""
    follows_table: str = ""
    sessions_table: str = ""
    timelines_table: str = ""
    author_tweets_table: str = ""
    # The SQS queue the fan-out function sends timeline changes to.
    timeline_queue_url: str = ""
    # The JWT signing key: given directly (tests) or as a Secrets Manager ARN (AWS, local runtime).
    jwt_secret: str = ""
    jwt_secret_arn: str = ""
    access_token_ttl_seconds: int = 900
    refresh_token_ttl_seconds: int = 30 * 24 * 3600
    # Bodies larger than this are refused with 413 before they are parsed.
    max_body_bytes: int = 64 * 1024
    # argon2id cost; the defaults are the library's (RFC 9106 low-memory profile).
    password_time_cost: int = 3
    password_memory_kib: int = 65536
    # Home timelines (seed 000 §6): hybrid push/pull. Authors reaching `celebrity_threshold`
    # followers stop being fanned out; they are fanned out again only below
    # `celebrity_demote_below` (hysteresis; 0 means 90% of the threshold).
    timeline_strategy: str = "hybrid"
    celebrity_threshold: int = 10_000
    celebrity_demote_below: int = 0
    # Followers who have not read their home timeline for this long get no fan-out; their
    # timeline is rebuilt from their followees' recent tweets when they come back.
    inactive_after_days: int = 30
    timeline_max_entries: int = 800
    timeline_entry_ttl_days: int = 30
    # How many recent tweets per followee a follow or a rebuild brings in.
    timeline_backfill_per_author: int = 20
    # Each author's newest tweets kept beside their tweets for the readers who pull them (a first
    # page pulls its celebrities from there): trimmed back to this many once it holds `slack` more.
    recent_tweets_kept: int = 20
    recent_tweets_slack: int = 10
    # How long a sandbox keeps the author profiles (username, name) home-timeline pages show: a
    # rename shows on timelines within this many seconds. 0: read them every time.
    profile_cache_seconds: int = 60
    # Owners per fan-out message (one BatchGetItem of their activity records).
    fanout_owners_per_message: int = 100
    # The writer trims an owner's timeline to `timeline_max_entries` on this share of writes.
    timeline_trim_probability: float = 0.05

    @property
    def celebrity_floor(self) -> int:
        """Below this many followers a celebrity is demoted (at least 1: a celebrity left with no
        followers is always demoted, whatever the rounding of a tiny threshold)."""
        return self.celebrity_demote_below or max(1, (self.celebrity_threshold * 9) // 10)

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> Settings:
        values: dict[str, object] = {}
        for field in fields(cls):
            raw = environ.get(field.name.upper())
            if raw is None or raw == "":
                continue
            if field.type in ("int", "float"):
                try:
                    values[field.name] = int(raw) if field.type == "int" else float(raw)
                except ValueError:
                    raise SettingsError(f"{field.name.upper()} must be a {field.type}, got {raw!r}") from None
            else:
                values[field.name] = raw
        return cls(**values)  # type: ignore[arg-type]


@cache
def get_settings() -> Settings:
    """The process's settings, read from the environment on first use."""
    return Settings.from_environ(os.environ)
