"""Integration fixtures: the services and the Chalice app on moto's in-process `mock_aws`.

Every test gets fresh AWS state. The tables are created from `template.yaml`'s own
`AWS::DynamoDB::Table` definitions (through the local runtime's template loader and provisioner),
and the process gets the functions' environment as the template gives it (every function's variables
that name tables or parameters; each function's settings read only their own), so no table, key or
variable name is written down twice.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import boto3
import botocore.config
import chirp.wiring
import pytest
from chalice import Chalice
from chalice.test import Client
from chirp.adapters.dynamodb.connection import shared_connection
from moto import mock_aws
from moto.server import ThreadedMotoServer
from pynamodb.connection import Connection

from infra.local.aws import AwsClients, ServiceEndpoints
from infra.local.emulators import free_port, start_dynamodb_local
from infra.local.functions import function_specs
from infra.local.intrinsics import PseudoParameters, Resolver, ResourceOutputs, parameter_values
from infra.local.provision import (
    ProvisionContext,
    _create_table_arguments,
    physical_name,
    provision_all,
    skipped_resource_ids,
)
from infra.local.template import Template, load_template, referenced_logical_ids
from infra.moderation import set_moderator
from tests.integration.api_client import Account, Api
from tests.integration.pipeline import TIMELINE_FUNCTIONS, Pipeline, StartPipeline

TEMPLATE_PATH = Path(__file__).resolve().parents[2] / "template.yaml"
REGION = "us-east-1"
ACCOUNT_ID = "123456789012"
JWT_SECRET = "integration-test-signing-key-0123456789abcdef"

# What the tests add to the template's environment: credentials moto accepts, a signing key given
# directly, and the cheapest argon2id cost, so that hashing takes a millisecond.
TEST_ENVIRONMENT = {
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SECURITY_TOKEN": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "JWT_SECRET": JWT_SECRET,
    "PASSWORD_TIME_COST": "1",
    "PASSWORD_MEMORY_KIB": "1024",
    "POWERTOOLS_TRACE_DISABLED": "true",
    # The VAPID key's seed given directly, and the WebSocket API's URL as AWS would give it (moto serves
    # its management API's calls).
    "VAPID_SECRET": "integration-test-vapid-seed-0123456789abcdef0123456789abcdef",
    "LIVE_CONNECTIONS_ENDPOINT": "wss://testws0001.execute-api.us-east-1.amazonaws.com/v1",
    # The media distribution's domain as CloudFront names one (the mock creates no distribution).
    "MEDIA_DOMAIN": "d111111abcdef8.cloudfront.net",
    # The erasure queue's URL as SQS gives one; a test that deletes an account starts the pipeline with the
    # erasure function, which creates the queue and sets its real URL.
    "ERASURE_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/123456789012/chirp-test-ErasureQueue",
}
# Template parameters the tests give: rate limits no test reaches by accident (a test registers and posts
# from one client IP, far more than a person would); test_app_rate_limits.py sets small ones of its own.
TEST_PARAMETERS = {
    name: "1000000/3600"
    for name in (
        "RateLimitPosting",
        "RateLimitLikes",
        "RateLimitFollows",
        "RateLimitReads",
        "RateLimitAnonymous",
        "RateLimitSignups",
        "RateLimitLoginFailures",
    )
}
# Variables from the developer's shell that would point boto3 elsewhere.
FOREIGN_VARIABLES = (
    "AWS_PROFILE",
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_DYNAMODB",
    "AWS_ENDPOINT_URL_DYNAMODB_STREAMS",
    "AWS_ENDPOINT_URL_SECRETS_MANAGER",
    "JWT_SECRET_ARN",
    "VAPID_SECRET_ARN",
    "TIMELINE_QUEUE_URL",
    "ACCESS_TOKEN_TTL_SECONDS",
    "REFRESH_TOKEN_TTL_SECONDS",
    "MAX_BODY_BYTES",
)


def clear_settings_caches() -> None:
    """Forget each function's settings and the dependencies built from them (cached per process)."""
    for module in pkgutil.iter_modules(chirp.wiring.__path__):
        importlib.import_module(f"chirp.wiring.{module.name}").dependencies.cache_clear()


@pytest.fixture(scope="session")
def template() -> Template:
    return load_template(TEMPLATE_PATH)


@pytest.fixture(scope="session")
def boto_clients() -> Iterator[AwsClients]:
    """boto3 clients for creating the tables, built once (a boto3 session costs ~80 ms to load its models).

    PynamoDB's connections (`shared_connection()` and the models') likewise hold a botocore client
    and no data, so they live for the session and are dropped at its end.
    """
    with pytest.MonkeyPatch.context() as patch:
        for name, value in TEST_ENVIRONMENT.items():
            patch.setenv(name, value)
        yield AwsClients(REGION, ServiceEndpoints(default=None, dynamodb=None))
    shared_connection.cache_clear()
    clear_settings_caches()


def create_tables(template: Template, clients: AwsClients) -> dict[str, str]:
    """Create the template's tables (and its buckets, bare) in the active mock; return the functions'
    environment (see `functions_environment`).

    The create_table arguments come from the local runtime's provisioner; its waits for ACTIVE and
    its TTL calls are left out, since moto's tables are ACTIVE at once: that is five requests per
    test instead of twenty-five, the largest cost of an integration test.
    """
    resolver = Resolver(
        template,
        parameter_values(template, TEST_PARAMETERS),
        PseudoParameters(region=REGION, account_id=ACCOUNT_ID, stack_name="chirp-test"),
    )
    context = ProvisionContext(clients=clients, resolver=resolver, prefix="chirp-test-", secrets_dir=Path("."))
    dynamodb = clients.client("dynamodb")
    for table in template.resources_of_type("AWS::DynamoDB::Table"):
        properties = resolver.resolve(table.properties)
        name = physical_name(context, table, properties, "TableName")
        dynamodb.create_table(**_create_table_arguments(name, properties))
        resolver.outputs[table.logical_id] = ResourceOutputs(ref=name)
    s3 = clients.client("s3")
    for bucket in template.resources_of_type("AWS::S3::Bucket"):
        name = physical_name(context, bucket, bucket.properties, "BucketName").lower()
        s3.create_bucket(Bucket=name)
        resolver.outputs[bucket.logical_id] = ResourceOutputs(ref=name, attributes={"Arn": f"arn:aws:s3:::{name}"})
    return functions_environment(template, resolver)


def functions_environment(template: Template, resolver: Resolver) -> dict[str, str]:
    """Every function's variables (Globals' and its own) whose values the resolver knows: those that
    name parameters or the resources created so far (a queue or a secret a test has not made is left out).
    Where two functions have a variable, the template gives both the same value."""
    known = set(resolver.outputs) | set(template.parameters)
    environment: dict[str, str] = {}
    for function in template.resources_of_type("AWS::Serverless::Function"):
        variables = {
            **(template.function_globals.get("Environment") or {}).get("Variables", {}),
            **(function.properties.get("Environment") or {}).get("Variables", {}),
        }
        for name, value in variables.items():
            if referenced_logical_ids(value) <= known:
                environment[name] = str(resolver.resolve(value))
    return environment


@pytest.fixture
def aws(
    monkeypatch: pytest.MonkeyPatch, template: Template, boto_clients: AwsClients, tmp_path: Path
) -> Iterator[dict[str, str]]:
    """A fresh `mock_aws()` holding the template's tables, and a fresh embedded search domain (as the local
    runtime provisions one); yields the environment the functions see.

    Fresh per test rather than emptied between tests: moto deep-copies a whole table (stream records
    included) on every transaction, so a table that outlives one test makes every later one slower.
    """
    for name in FOREIGN_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    for name, value in TEST_ENVIRONMENT.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        environment = {
            **TEST_ENVIRONMENT,
            **create_tables(template, boto_clients),
            "SEARCH_ENDPOINT": f"embedded:{tmp_path / 'search'}",
        }
        for name, value in environment.items():
            monkeypatch.setenv(name, value)
        clear_settings_caches()
        yield environment
    clear_settings_caches()


@pytest.fixture
def chalice_app(aws: dict[str, str]) -> Chalice:
    """The API's Chalice app, imported once the environment is set (Powertools reads it at import)."""
    from app import app

    return app


@pytest.fixture
def api(chalice_app: Chalice, act_as: Callable[..., AbstractContextManager[object]]) -> Api:
    """The app as a client reaches it, each request checked against ApiFunction's IAM policies."""
    return Api(Client(chalice_app), acting=lambda: act_as("ApiFunction"))


@pytest.fixture
def moderator(api: Api, aws: dict[str, str]) -> Account:
    """A user granted the moderator role, as an operator grants it (`make moderator`)."""
    account = api.register("mod")
    set_moderator(aws["USERS_TABLE"], "mod")
    return account


@pytest.fixture
def alice(api: Api) -> Account:
    return api.register("alice")


@pytest.fixture
def bob(api: Api) -> Account:
    return api.register("bob")


@pytest.fixture
def carol(api: Api) -> Account:
    return api.register("carol")


@pytest.fixture
def sent_requests(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, dict[str, Any]]]:
    """Every request PynamoDB sends from now on, as (operation name, parameters), in order."""
    sent: list[tuple[str, dict[str, Any]]] = []
    dispatch = Connection.dispatch

    def recording(self: Connection, operation_name: str, operation_kwargs: dict[str, Any]) -> dict[str, Any]:
        sent.append((operation_name, operation_kwargs))
        return dispatch(self, operation_name, operation_kwargs)

    monkeypatch.setattr(Connection, "dispatch", recording)
    return sent


@pytest.fixture(scope="module")
def services(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServiceEndpoints]:
    """DynamoDB Local and a moto server, real processes on free ports, shared by the tests of one module
    (the local runtime's own tests: pollers, IAM enforcement)."""
    folder = tmp_path_factory.mktemp("services")
    install_dir = Path(__file__).resolve().parents[2] / ".cache" / "dynamodb-local"
    dynamodb = start_dynamodb_local(install_dir, folder / "dynamodb", free_port(), folder / "logs")
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=free_port(), verbose=False)
    moto.start()
    try:
        dynamodb.wait_until_serving(60)
        moto_port = moto._server.server_port  # type: ignore[union-attr]
        yield ServiceEndpoints(default=f"http://127.0.0.1:{moto_port}", dynamodb=dynamodb.url)
    finally:
        moto.stop()
        dynamodb.stop()


# ---------------------------------------------------------------- the pipeline behind the API (pipeline.py)


@pytest.fixture(scope="session")
def streams_client(boto_clients: AwsClients) -> Any:
    """DynamoDB Streams without account-based endpoints (`<account>.streams-ddb...`), which moto
    does not route."""
    return boto3.client(
        "dynamodbstreams",
        region_name=REGION,
        aws_access_key_id=TEST_ENVIRONMENT["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=TEST_ENVIRONMENT["AWS_SECRET_ACCESS_KEY"],
        config=botocore.config.Config(account_id_endpoint_mode="disabled"),
    )


@pytest.fixture
def start_pipeline(
    *,
    aws: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    template: Template,
    boto_clients: AwsClients,
    streams_client: Any,
    tmp_path: Path,
    act_as: Callable[..., AbstractContextManager[object]],
) -> Iterator[StartPipeline]:
    """Provision the rest of the template (queues and the bus's topic above all) in the test's mock, give
    this process the environment of the functions the pipeline drives (`functions`: the timeline fan-out
    and writer unless told), resolved with the given template parameters, plus `environment` (settings
    the template does not set), and return the pipeline driver."""

    def start(
        parameters: Mapping[str, str] | None = None,
        environment: Mapping[str, str] | None = None,
        functions: Sequence[str] = TIMELINE_FUNCTIONS,
    ) -> Pipeline:
        resolver = Resolver(
            template,
            parameter_values(template, dict(parameters or {})),
            PseudoParameters(region=REGION, account_id=ACCOUNT_ID, stack_name="chirp-test"),
            placeholder_ids=skipped_resource_ids(template),
        )
        context = ProvisionContext(
            clients=boto_clients, resolver=resolver, prefix="chirp-test-", secrets_dir=tmp_path / "secrets"
        )
        provision_all(template, context)
        specs = {spec.logical_id: spec for spec in function_specs(template, resolver)}
        driven = {function_id: specs[function_id] for function_id in functions}
        for spec in driven.values():
            for name, value in spec.environment.items():
                monkeypatch.setenv(name, value)
        # The WebSocket API's URL as AWS would give it, with the api id and stage its pushers' policies name:
        # moto serves its management API (keeping each push, per connection id).
        api_id, stage = resolver.resolve({"Ref": "WebSocketApi"}), resolver.resolve({"Ref": "WebSocketStage"})
        monkeypatch.setenv("LIVE_CONNECTIONS_ENDPOINT", f"wss://{api_id}.execute-api.{REGION}.amazonaws.com/{stage}")
        for name, value in (environment or {}).items():
            monkeypatch.setenv(name, value)
        clear_settings_caches()
        return Pipeline(functions=driven, clients=boto_clients, streams_client=streams_client, act_as=act_as)

    yield start


@pytest.fixture
def pipeline(start_pipeline: StartPipeline) -> Pipeline:
    """The timeline pipeline with the template's default parameters."""
    return start_pipeline()
