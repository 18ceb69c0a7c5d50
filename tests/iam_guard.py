"""A pytest plugin: the functions' IAM policies enforced on in-process calls (tests on moto), and their usage report.

The local runtime enforces each function's policies in its sandboxes; tests that call handlers and services
in-process get the same checks through this plugin:

    def test_posting_a_tweet(api, act_as):
        with act_as("ApiFunction"):          # every AWS call in the block is checked against ApiFunction's
            api.post("/api/tweets", ...)     # policies; a refused one raises the service's access-denied error

Fixtures:
- `iam_template` (session): the template whose policies apply, `template.yaml`.
- `iam_principals` (session): each function's identity and policies as SAM expands them, resolved with the names
  the local runtime's naming rule gives the template's resources (`chirp-test-<LogicalId>` unless the template
  names them; region us-east-1, moto's account 123456789012): the names `tests/integration/conftest.py` creates.
  A secret's ARN ends in six random characters: its `!Ref` resolves to `<name>-??????`, which matches it.
  Override `iam_resolver` to resolve against other names.
- `act_as`: `act_as("<FunctionLogicalId>")` is a context manager; calls outside one are not checked.
  `act_as(..., record=False)` keeps a test's deliberate refusals out of the usage report;
  `infra.local.iam.guard.unchecked()` suspends the checks inside one (a test seeding data).

Hooks:
- `pytest_configure` installs the guard (`infra.local.iam.guard.install()`) before any botocore session exists,
  and, unless `CHIRP_IAM_USAGE_DIR` is set, points it at a fresh folder, so that in-process calls under `act_as`
  and every local runtime the tests start (they inherit the variable) record what they use there.
- `pytest_sessionfinish` fails the run if any function used a pair its policies do not grant (in-process or
  in a local runtime of the session), even if the test it happened in passed.
- `pytest_terminal_summary` prints where the usage report of that folder was written (`report.md`: for each of
  the template's functions, the (action, resource) pairs used next to the statements that grant them), and
  every used pair no policy grants.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

import pytest

from infra.local.functions import function_specs
from infra.local.iam import guard
from infra.local.iam.policies import function_principals, translate
from infra.local.iam.principal import Principal
from infra.local.iam.report import build_report, render_markdown
from infra.local.iam.usage import USAGE_DIR_VARIABLE
from infra.local.intrinsics import PseudoParameters, Resolver, ResourceOutputs, parameter_values
from infra.local.provision import FUNCTION_TYPES, LAYER_TYPES, skipped_resource_ids
from infra.local.template import Resource, Template, load_template

TEMPLATE_PATH = Path(__file__).resolve().parents[1] / "template.yaml"
PREFIX = "chirp-test-"
REGION = "us-east-1"
ACCOUNT_ID = "123456789012"  # moto's default account
_USAGE_DIR_KEY = pytest.StashKey[Path]()


# ---------------------------------------------------------------------- resolving without provisioning
def _outputs(resource: Resource, properties: dict[str, Any], prefix: str, region: str, account: str) -> ResourceOutputs:
    """What provisioning `resource` would return, from the local runtime's naming rule alone."""
    kind = "function" if resource.type in FUNCTION_TYPES else "layer" if resource.type in LAYER_TYPES else resource.type
    name = str(properties.get(_NAME_KEYS[kind]) or f"{prefix}{resource.logical_id}")
    if kind == "AWS::SQS::Queue" and str(properties.get("FifoQueue")).lower() == "true":
        name += ".fifo"
    if kind == "AWS::S3::Bucket":
        name = name.lower()
    arn = {
        "AWS::DynamoDB::Table": f"arn:aws:dynamodb:{region}:{account}:table/{name}",
        "AWS::SQS::Queue": f"arn:aws:sqs:{region}:{account}:{name}",
        "AWS::SNS::Topic": f"arn:aws:sns:{region}:{account}:{name}",
        "AWS::S3::Bucket": f"arn:aws:s3:::{name}",
        "AWS::SecretsManager::Secret": f"arn:aws:secretsmanager:{region}:{account}:secret:{name}-??????",
        "AWS::SSM::Parameter": f"arn:aws:ssm:{region}:{account}:parameter/{name.lstrip('/')}",
        "function": f"arn:aws:lambda:{region}:{account}:function:{name}",
        "layer": f"arn:aws:lambda:{region}:{account}:layer:{name}:1",
    }[kind]
    url = f"https://sqs.{region}.amazonaws.com/{account}/{name}"
    stream = {"StreamArn": f"{arn}/stream/*"} if properties.get("StreamSpecification") else {}
    attributes = {
        "AWS::DynamoDB::Table": {"Arn": arn, **stream},
        "AWS::SQS::Queue": {"Arn": arn, "QueueName": name, "QueueUrl": url},
        "AWS::SNS::Topic": {"TopicArn": arn, "TopicName": name},
        "AWS::S3::Bucket": {"Arn": arn},
        "AWS::SecretsManager::Secret": {"Id": arn},
        "AWS::SSM::Parameter": {"Value": str(properties.get("Value", ""))},
        "function": {"Arn": arn},
    }.get(kind, {})
    ref = {"AWS::SQS::Queue": url, "AWS::SNS::Topic": arn, "AWS::SecretsManager::Secret": arn, "layer": arn}
    return ResourceOutputs(ref=ref.get(kind, name), attributes=attributes)


_NAME_KEYS = {
    "AWS::DynamoDB::Table": "TableName", "AWS::SQS::Queue": "QueueName", "AWS::SNS::Topic": "TopicName",
    "AWS::S3::Bucket": "BucketName", "AWS::SecretsManager::Secret": "Name", "AWS::SSM::Parameter": "Name",
    "function": "FunctionName", "layer": "LayerName",
}  # fmt: skip


_PREDICTED_TYPES = {
    "AWS::DynamoDB::Table", "AWS::SQS::Queue", "AWS::SNS::Topic", "AWS::S3::Bucket", "AWS::SecretsManager::Secret",
    "AWS::SSM::Parameter", *FUNCTION_TYPES, *LAYER_TYPES,
}  # fmt: skip


def predicted_resolver(
    template: Template, prefix: str = PREFIX, region: str = REGION, account_id: str = ACCOUNT_ID
) -> Resolver:
    """A resolver whose resources have the names the local runtime would give them; nothing is created."""
    resolver = Resolver(
        template,
        parameter_values(template, {}),
        PseudoParameters(region=region, account_id=account_id, stack_name=prefix.rstrip("-_.") or "chirp-test"),
        placeholder_ids=skipped_resource_ids(template) | {
            logical_id for logical_id, resource in template.resources.items() if resource.type not in _PREDICTED_TYPES
        },
    )  # fmt: skip
    for resource in template.creation_order(lambda candidate: candidate.type in _PREDICTED_TYPES):
        if not resolver.is_included(resource.condition):
            continue
        properties = resource.properties
        if resource.type in FUNCTION_TYPES or resource.type in LAYER_TYPES:  # their other properties come later
            properties = {key: value for key, value in properties.items() if key in ("FunctionName", "LayerName")}
        properties = resolver.resolve(properties)
        resolver.outputs[resource.logical_id] = _outputs(resource, dict(properties), prefix, region, account_id)
    return resolver


def template_principals(template: Template, resolver: Resolver) -> dict[str, Principal]:
    """Each function's principal, its policies expanded by SAM and resolved by `resolver`."""
    translated = translate(template, resolver.parameters, resolver.pseudo.region)
    return function_principals(translated, template, function_specs(template, resolver), resolver)


# ---------------------------------------------------------------------- fixtures
@pytest.fixture(scope="session")
def iam_template() -> Template:
    return load_template(TEMPLATE_PATH)


@pytest.fixture(scope="session")
def iam_resolver(iam_template: Template) -> Resolver:
    return predicted_resolver(iam_template)


@pytest.fixture(scope="session")
def iam_principals(iam_template: Template, iam_resolver: Resolver) -> dict[str, Principal]:
    return template_principals(iam_template, iam_resolver)


@pytest.fixture
def act_as(iam_principals: dict[str, Principal]) -> Callable[..., AbstractContextManager[Principal]]:
    """`with act_as("ApiFunction"):` checks every AWS call in the block against that function's policies.

    `act_as(..., record=False)`: a test refused on purpose keeps its refusals out of the usage report.
    """

    @contextmanager
    def acting(function_id: str, *, record: bool = True) -> Iterator[Principal]:
        if function_id not in iam_principals:
            raise KeyError(f"{function_id} is not a function of the template ({', '.join(sorted(iam_principals))})")
        with guard.acting_as(iam_principals[function_id], record=record) as principal:
            yield principal

    return acting


# ---------------------------------------------------------------------- hooks
def pytest_configure(config: pytest.Config) -> None:
    guard.install()
    if not os.environ.get(USAGE_DIR_VARIABLE) and not hasattr(config, "workerinput"):
        folder = Path(tempfile.mkdtemp(prefix="chirp-iam-usage-"))
        os.environ[USAGE_DIR_VARIABLE] = str(folder)
        config.stash[_USAGE_DIR_KEY] = folder


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """A function that used what its policy does not grant fails the run, whichever test it was in:
    deployed, that call would be refused (tests that are refused on purpose record nothing)."""
    folder = session.config.stash.get(_USAGE_DIR_KEY, None)
    if folder is not None and any(folder.glob("*.jsonl")) and build_report(folder, TEMPLATE_PATH).not_granted:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    folder = config.stash.get(_USAGE_DIR_KEY, None)
    if folder is None or not any(folder.glob("*.jsonl")):
        return
    report = build_report(folder, TEMPLATE_PATH)
    path = folder / "report.md"
    path.write_text(render_markdown(report) + "\n", encoding="utf-8")
    terminalreporter.write_sep("-", "IAM usage")
    terminalreporter.write_line(f"what each function used, next to what grants it: {path}")
    for function_id, pair in report.not_granted:
        terminalreporter.write_line(f"NOT GRANTED: {function_id} {pair.action} on {pair.resource}")
