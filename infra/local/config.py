"""The local runtime's own settings, read once from environment variables.

| variable | default | meaning |
|---|---|---|
| `PORT` | 8000 | port of the API on 127.0.0.1 |
| `CHIRP_DATA_DIR` | `<repo>/.chirp-data` | where data, checkpoints, secrets and logs live |
| `CHIRP_RESOURCE_PREFIX` | `chirp-local-` | prefix of physical resource names |
| `CHIRP_LOCAL_CONCURRENCY` | 4 | sandboxes (independent imports) per function |
| `CHIRP_DYNAMODB_PORT`, `CHIRP_MOTO_PORT` | free ports | emulator ports |
| `CHIRP_S3_PORT` | a free port | the embedded S3's (SeaweedFS behind `infra.local.s3.front`) |
| `CHIRP_SQS_PORT` | a free port | the embedded SQS and SNS's (`infra.local.sqs`, SQLite in `<data>/sqs`) |
| `CHIRP_TEMPLATE` | `<repo>/template.yaml` | the template to run |
| `CHIRP_PARAMETER_OVERRIDES` | | `Key=Value ...` for template parameters |
| `CHIRP_TARGET` | | `aws`: use the account of the current credentials |
| `AWS_ENDPOINT_URL` | | use this endpoint (LocalStack) for every service |
| `CHIRP_DYNAMODB_LOCAL_DIR` | `<repo>/.cache/dynamodb-local` | where DynamoDB Local is installed |
| `CHIRP_OPENSEARCH_URL` | | an OpenSearch of your own (`http(s)://...`, LocalStack's): every domain's |
| | | `DomainEndpoint`; unset: the embedded engine, `embedded:<data>/search/<domain>` |
| `CHIRP_SCHEDULE_FIRST_RUN_SECONDS` | one period | seconds to each schedule's first run when sooner than its |
| | | own (tests); the runs after it keep the schedule's period |
| `CHIRP_FUNCTION_LOGS` | `file` | the functions' own output: `<data>/logs/functions/<Function>.log`; `terminal`: |
| | | printed with the runtime's request and batch lines |
| `CHIRP_METER` | off | `1`: count billed units per function (`infra.local.metering`, `GET /_local/meter`) |
| `CHIRP_FAULT_SEED` | random | fault injection (`infra.local.faults`, off by default): seed of its decisions |
| `CHIRP_FAULT_INVOKE_ERROR` | 0 | share of invocations that raise, half before the handler, half after it ran |
| `CHIRP_FAULT_INVOKE_TIMEOUT` | 0 | share of invocations whose sandbox is killed mid-invocation (a timeout) |
| `CHIRP_FAULT_AWS_THROTTLE` | 0 | share of the functions' DynamoDB/SQS/SNS calls answered with the throttling error |
| `CHIRP_FAULT_AWS_5XX` | 0 | share of those calls answered 500 / 503 |
| `CHIRP_FAULT_REDELIVER` | 0 | share of handled SQS messages and stream batches delivered again |
| `CHIRP_FAULT_POLLER_RESTART` | 0 | share of stream-poller rounds after which it resumes from its checkpoint file |
| `CHIRP_FAULT_FUNCTIONS` | every function | comma-separated logical ids the faults apply to |
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


class ConfigError(ValueError):
    """A runtime setting has a wrong value."""


class Target(enum.Enum):
    """Where the AWS services come from."""

    EMULATORS = "emulators"  # DynamoDB Local + moto server, started by the runtime
    ENDPOINT = "endpoint"  # one endpoint for everything (LocalStack), given by AWS_ENDPOINT_URL
    AWS = "aws"  # the real account of the current credentials


@dataclass(frozen=True)
class RuntimeConfig:
    template_path: Path
    data_dir: Path
    host: str
    port: int
    resource_prefix: str
    concurrency: int
    region: str
    target: Target
    endpoint_url: str | None
    dynamodb_port: int | None
    moto_port: int | None
    dynamodb_local_dir: Path
    parameter_overrides: str
    opensearch_url: str | None = None
    schedule_first_run_seconds: float | None = None  # None: a schedule's own first run
    s3_port: int | None = None
    sqs_port: int | None = None

    @property
    def stack_name(self) -> str:
        return self.resource_prefix.rstrip("-_.") or "chirp-local"


def config_from_environ(environ: Mapping[str, str]) -> RuntimeConfig:
    """Read the runtime's settings; raises ConfigError on a malformed value."""
    endpoint_url = environ.get("AWS_ENDPOINT_URL") or None
    return RuntimeConfig(
        template_path=Path(environ.get("CHIRP_TEMPLATE") or REPO_ROOT / "template.yaml"),
        data_dir=Path(environ.get("CHIRP_DATA_DIR") or REPO_ROOT / ".chirp-data").resolve(),
        host=environ.get("CHIRP_HOST") or "127.0.0.1",
        port=_int_setting(environ, "PORT", 8000),
        resource_prefix=environ.get("CHIRP_RESOURCE_PREFIX", "chirp-local-"),
        concurrency=max(1, _int_setting(environ, "CHIRP_LOCAL_CONCURRENCY", 4)),
        region=environ.get("AWS_REGION") or environ.get("AWS_DEFAULT_REGION") or "us-east-1",
        target=_target(environ, endpoint_url),
        endpoint_url=endpoint_url,
        dynamodb_port=_optional_int_setting(environ, "CHIRP_DYNAMODB_PORT"),
        moto_port=_optional_int_setting(environ, "CHIRP_MOTO_PORT"),
        dynamodb_local_dir=Path(environ.get("CHIRP_DYNAMODB_LOCAL_DIR") or REPO_ROOT / ".cache/dynamodb-local"),
        parameter_overrides=environ.get("CHIRP_PARAMETER_OVERRIDES", ""),
        opensearch_url=_opensearch_url(environ),
        schedule_first_run_seconds=_optional_seconds_setting(environ, "CHIRP_SCHEDULE_FIRST_RUN_SECONDS"),
        s3_port=_optional_int_setting(environ, "CHIRP_S3_PORT"),
        sqs_port=_optional_int_setting(environ, "CHIRP_SQS_PORT"),
    )


def _opensearch_url(environ: Mapping[str, str]) -> str | None:
    url = environ.get("CHIRP_OPENSEARCH_URL", "").strip()
    if not url:
        return None
    if not url.startswith(("http://", "https://")):
        raise ConfigError(f"CHIRP_OPENSEARCH_URL must be an http:// or https:// URL, got {url!r}")
    return url.rstrip("/")


def _optional_seconds_setting(environ: Mapping[str, str], name: str) -> float | None:
    raw = environ.get(name, "").strip()
    if not raw:
        return None
    try:
        seconds = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number of seconds, got {raw!r}") from None
    if not 0 <= seconds < float("inf"):
        raise ConfigError(f"{name} must be zero or more seconds, got {raw!r}")
    return seconds


def _target(environ: Mapping[str, str], endpoint_url: str | None) -> Target:
    requested = environ.get("CHIRP_TARGET", "").strip().lower()
    if requested == "aws":
        if endpoint_url:
            raise ConfigError("CHIRP_TARGET=aws and AWS_ENDPOINT_URL are both set: choose one")
        return Target.AWS
    if requested not in ("", "local"):
        raise ConfigError(f"CHIRP_TARGET must be 'aws' or unset, got {requested!r}")
    return Target.ENDPOINT if endpoint_url else Target.EMULATORS


def _int_setting(environ: Mapping[str, str], name: str, default: int) -> int:
    value = _optional_int_setting(environ, name)
    return default if value is None else value


def _optional_int_setting(environ: Mapping[str, str], name: str) -> int | None:
    raw = environ.get(name, "").strip()
    if not raw:
        return None
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be an integer, got {raw!r}") from None
