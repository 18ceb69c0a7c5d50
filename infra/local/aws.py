"""boto3 clients for the runtime itself, pointed at the emulators, an endpoint or real AWS.

`ServiceEndpoints` is also what the runtime exports to the functions' environment
(`AWS_ENDPOINT_URL`, `AWS_ENDPOINT_URL_DYNAMODB`, ...), so the runtime and the handlers talk to the
same services through the same variables boto3 and PynamoDB honour.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import boto3
import botocore.config

DUMMY_ACCESS_KEY = "chirplocal"  # emulators accept any credentials; the embedded S3 accepts this pair only
DUMMY_SECRET_KEY = "chirplocal"


@dataclass(frozen=True)
class ServiceEndpoints:
    """Endpoint URLs; None means boto3's default (real AWS)."""

    default: str | None
    dynamodb: str | None
    s3: str | None = None  # the embedded target's S3 (`infra.local.s3`); None: `default`'s
    sqs: str | None = None  # the embedded target's SQS and SNS (`infra.local.sqs`); None: `default`'s

    def environment(self) -> dict[str, str]:
        """The variables that point boto3 (and PynamoDB) at these endpoints."""
        variables: dict[str, str] = {}
        if self.default:
            variables["AWS_ENDPOINT_URL"] = self.default
        if self.dynamodb:
            variables["AWS_ENDPOINT_URL_DYNAMODB"] = self.dynamodb
            variables["AWS_ENDPOINT_URL_DYNAMODB_STREAMS"] = self.dynamodb
        if self.s3:
            variables["AWS_ENDPOINT_URL_S3"] = self.s3
        if self.sqs:
            variables["AWS_ENDPOINT_URL_SQS"] = self.sqs
            variables["AWS_ENDPOINT_URL_SNS"] = self.sqs
        return variables

    def for_service(self, service: str) -> str | None:
        if service in ("dynamodb", "dynamodbstreams"):
            return self.dynamodb or self.default
        if service == "s3":
            return self.s3 or self.default
        if service in ("sqs", "sns"):
            return self.sqs or self.default
        return self.default


class AwsClients:
    """Thread-safe cache of boto3 clients, one per service."""

    def __init__(self, region: str, endpoints: ServiceEndpoints) -> None:
        self.region = region
        self.endpoints = endpoints
        self._session = boto3.session.Session(region_name=region)
        self._clients: dict[str, Any] = {}
        self._lock = threading.Lock()
        self._config = botocore.config.Config(retries={"max_attempts": 5, "mode": "standard"}, max_pool_connections=32)

    def client(self, service: str) -> Any:
        with self._lock:
            if service not in self._clients:
                self._clients[service] = self._session.client(
                    service,
                    endpoint_url=self.endpoints.for_service(service),
                    config=self._config,
                )
            return self._clients[service]


def have_credentials() -> bool:
    """Whether boto3 finds credentials in the usual chain (variables, profile, ...)."""
    return boto3.session.Session().get_credentials() is not None
