"""Configuration: each function's settings, parsed once from its environment into a typed model.

Every function declares the model of its own environment (`chirp.wiring.<function>`), made of the
groups below and of the names of the resources it uses (only those: `template.yaml` gives each
function its own `Environment`). The model is validated at init, so a missing or malformed variable
stops the function's start with a message that names the variable, never a request later. This is
the only module that reads `os.environ`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import Annotated, Self, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_core import ErrorDetails


class SettingsError(ValueError):
    """A configuration variable is missing or has a wrong value; the message names it."""


# DynamoDB's rule for table names, checked at init rather than by the first request.
TableName = Annotated[str, Field(min_length=3, max_length=255, pattern=r"^[A-Za-z0-9_.-]+$")]
QueueUrl = Annotated[str, Field(pattern=r"^https?://\S+$")]
Arn = Annotated[str, Field(pattern=r"^arn:[a-z0-9-]+:[a-z0-9-]+:[a-z0-9-]*:\d*:\S+$")]

_EXPECTED = {
    "int_parsing": "an integer",
    "int_from_float": "an integer",
    "float_parsing": "a number",
    "bool_parsing": "true or false",
}


class EnvironmentSettings(BaseModel):
    """A group of settings, each field read from the variable of its upper-case name."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> Self:
        """The model of `environ`'s variables; an empty variable counts as unset (its default)."""
        values = {name: environ[name.upper()] for name in cls.model_fields if environ.get(name.upper(), "") != ""}
        try:
            return cls.model_validate(values)
        except ValidationError as error:
            raise SettingsError("; ".join(_describe(detail) for detail in error.errors())) from None


Model = TypeVar("Model", bound=EnvironmentSettings)


def load(model: type[Model]) -> Model:
    """`model` read from this process's environment (a function's init calls it once)."""
    return model.from_environ(os.environ)


def _describe(detail: ErrorDetails) -> str:
    """One problem, worded for whoever sets the variable: `X is not set`, `X must be an integer, got 'a'`."""
    variable = str(detail["loc"][0]).upper() if detail["loc"] else "a variable"
    if detail["type"] == "missing":
        return f"{variable} is not set"
    got = f", got {detail.get('input')!r}"
    if detail["type"] in _EXPECTED:
        return f"{variable} must be {_EXPECTED[detail['type']]}{got}"
    message = detail["msg"].removeprefix("Value error, ")
    if message.startswith("Input should be "):
        return f"{variable} must be {message.removeprefix('Input should be ')}{got}"
    if message.startswith("String should "):
        return f"{variable} should {message.removeprefix('String should ')}{got}"
    return f"{variable}: {message}{got}"


class TokenSettings(EnvironmentSettings):
    """Lifetimes of the tokens a login hands out."""

    access_token_ttl_seconds: int = Field(900, ge=60, le=86_400)
    refresh_token_ttl_seconds: int = Field(30 * 24 * 3600, ge=3600)
    # How long a sandbox trusts the token version it read for a user (chirp.auth.revocation): a password changed
    # or an account suspended kills access tokens already issued within this many seconds (0: every request
    # reads it).
    token_version_cache_seconds: int = Field(5, ge=0, le=60)


class PasswordSettings(EnvironmentSettings):
    """argon2id's cost; the defaults are the library's (RFC 9106 low-memory profile)."""

    password_time_cost: int = Field(3, ge=1)
    password_memory_kib: int = Field(65_536, ge=8)


class AuthSettings(TokenSettings, PasswordSettings):
    """What logging in needs: token lifetimes and the password hash's cost."""


class SigningKeySettings(EnvironmentSettings):
    """Where the JWT signing key is: a Secrets Manager secret (AWS, the local runtime), or given directly
    (tests). One of the two must be set."""

    jwt_secret_arn: str = ""
    jwt_secret: str = ""

    @model_validator(mode="after")
    def _a_signing_key_is_configured(self) -> Self:
        if not (self.jwt_secret_arn or self.jwt_secret):
            raise ValueError("set JWT_SECRET_ARN (or JWT_SECRET) to configure token signing")
        return self


# A web origin as browsers send it in `Origin`: scheme, host and optional port; no path, no trailing slash.
_ORIGIN = re.compile(r"^https?://(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(:[0-9]{1,5})?$")


class HttpSettings(EnvironmentSettings):
    # Bodies larger than this are refused with 413 before they are parsed.
    max_body_bytes: int = Field(64 * 1024, ge=1024)
    # The web origins allowed to call the API from a browser (CORS: functions/api/routes/headers.py),
    # comma-separated, e.g. `https://chirp.example,http://localhost:5173`; empty: same origin only.
    allowed_origins: str = ""

    @field_validator("allowed_origins")
    @classmethod
    def _allowed_origins_are_origins(cls, value: str) -> str:
        for origin in _listed(value):
            if not _ORIGIN.match(origin):
                raise ValueError(f"{origin!r} is not an origin (scheme://host[:port], like https://chirp.example)")
        return value

    @property
    def allowed_origin_set(self) -> frozenset[str]:
        return frozenset(_listed(self.allowed_origins))


def _listed(text: str) -> list[str]:
    return [entry.strip() for entry in text.split(",") if entry.strip()]


class SearchSettings(EnvironmentSettings):
    """The search domain: an OpenSearch domain's endpoint (its host, as CloudFormation's DomainEndpoint gives
    it, or a URL), or `embedded:<folder>`, the local runtime's stand-in (chirp.adapters.search)."""

    search_endpoint: str = Field(min_length=1)


# S3's rule for bucket names (3-63 lowercase letters, digits, dots and hyphens).
BucketName = Annotated[str, Field(min_length=3, max_length=63, pattern=r"^[a-z0-9][a-z0-9.-]*[a-z0-9]$")]
_LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]")


class MediaStorageSettings(EnvironmentSettings):
    """Where uploads and their variants live: the media table (each upload's state) and the media bucket."""

    media_table: TableName
    media_bucket: BucketName


class MediaServingSettings(EnvironmentSettings):
    """Where clients fetch variants: the CloudFront distribution's domain (MediaDistribution.DomainName), or,
    locally, the runtime's `host:port`, which serves them over plain HTTP."""

    media_domain: str = Field(min_length=1, pattern=r"^[A-Za-z0-9.\[\]:-]+$")

    @property
    def media_base_url(self) -> str:
        host = self.media_domain.rsplit(":", 1)[0] if not self.media_domain.startswith("[") else "[::1]"
        scheme = "http" if host in _LOOPBACK_HOSTS else "https"
        return f"{scheme}://{self.media_domain}"


class ExportSettings(EnvironmentSettings):
    """Where data exports live: the exports table (each user's newest request) and the private exports bucket."""

    exports_table: TableName
    exports_bucket: BucketName
