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

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> Settings:
        values: dict[str, object] = {}
        for field in fields(cls):
            raw = environ.get(field.name.upper())
            if raw is None or raw == "":
                continue
            if field.type == "int":
                try:
                    values[field.name] = int(raw)
                except ValueError:
                    raise SettingsError(f"{field.name.upper()} must be an integer, got {raw!r}") from None
            else:
                values[field.name] = raw
        return cls(**values)  # type: ignore[arg-type]


@cache
def get_settings() -> Settings:
    """The process's settings, read from the environment on first use."""
    return Settings.from_environ(os.environ)
