"""The JWT signing key from Secrets Manager (Powertools parameters: cached, refreshed every 5 minutes)."""

from __future__ import annotations

from aws_lambda_powertools.utilities import parameters

SECRET_MAX_AGE_SECONDS = 300


def secret_string(secret_arn: str) -> str:
    value = parameters.get_secret(secret_arn, max_age=SECRET_MAX_AGE_SECONDS)
    if not isinstance(value, str) or not value:
        raise RuntimeError(f"secret {secret_arn} has no SecretString")
    return value
