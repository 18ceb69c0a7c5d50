"""The local runtime's fault injection (infra.local.faults): its settings, its seeded decisions, and the
service errors it fakes, parsed by botocore as the real ones."""

from __future__ import annotations

import threading
from typing import Any

import botocore.session
import pytest
from botocore.awsrequest import AWSRequest

from infra.local.config import ConfigError
from infra.local.faults import (
    AWS_5XX,
    AWS_THROTTLE,
    INVOKE_ERROR_AFTER,
    INVOKE_ERROR_BEFORE,
    INVOKE_TIMEOUT,
    REDELIVER,
    AwsFaults,
    FaultInjector,
    FaultSettings,
    fault_settings_from_environ,
    service_error,
)

DRAWS = 20_000


# ---------------------------------------------------------------------- settings
def test_no_variable_means_no_fault() -> None:
    # When
    settings = fault_settings_from_environ({})
    # Then
    assert not settings.enabled
    assert not settings.applies_to("ApiFunction")
    assert FaultInjector(settings).invoke_fault("ApiFunction") is None
    assert FaultInjector(settings).sandbox_settings("ApiFunction") is None


def test_every_variable_is_read() -> None:
    # Given
    environ = {
        "CHIRP_FAULT_SEED": "42",
        "CHIRP_FAULT_INVOKE_ERROR": "0.1",
        "CHIRP_FAULT_INVOKE_TIMEOUT": "0.02",
        "CHIRP_FAULT_AWS_THROTTLE": "0.05",
        "CHIRP_FAULT_AWS_5XX": "0.01",
        "CHIRP_FAULT_REDELIVER": "0.2",
        "CHIRP_FAULT_POLLER_RESTART": "1",
        "CHIRP_FAULT_FUNCTIONS": " ApiFunction, FanOutFunction ,",
    }
    # When
    settings = fault_settings_from_environ(environ)
    # Then
    assert settings == FaultSettings(
        seed=42,
        invoke_error=0.1,
        invoke_timeout=0.02,
        aws_throttle=0.05,
        aws_5xx=0.01,
        redeliver=0.2,
        poller_restart=1.0,
        functions=frozenset({"ApiFunction", "FanOutFunction"}),
    )


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("CHIRP_FAULT_INVOKE_ERROR", "1.5"),
        ("CHIRP_FAULT_AWS_5XX", "-0.1"),
        ("CHIRP_FAULT_REDELIVER", "ten percent"),
        ("CHIRP_FAULT_POLLER_RESTART", "nan"),
        ("CHIRP_FAULT_SEED", "0x12"),
    ],
)
def test_a_malformed_value_is_a_config_error_naming_the_variable(variable: str, value: str) -> None:
    with pytest.raises(ConfigError, match=variable):
        fault_settings_from_environ({variable: value})


def test_shares_drawn_together_may_not_exceed_one() -> None:
    with pytest.raises(ConfigError, match="CHIRP_FAULT_INVOKE_ERROR \\+ CHIRP_FAULT_INVOKE_TIMEOUT"):
        fault_settings_from_environ({"CHIRP_FAULT_INVOKE_ERROR": "0.7", "CHIRP_FAULT_INVOKE_TIMEOUT": "0.4"})


def test_without_a_seed_one_is_chosen() -> None:
    settings = fault_settings_from_environ({"CHIRP_FAULT_REDELIVER": "0.1"})
    assert isinstance(settings.seed, int)
    assert str(settings.seed) in settings.describe()


# ---------------------------------------------------------------------- decisions
def test_the_same_seed_makes_the_same_decisions(capsys: pytest.CaptureFixture[str]) -> None:
    # Given two injectors with one seed, a third with another
    settings = FaultSettings(seed=7, invoke_error=0.2, invoke_timeout=0.1, redeliver=0.3)
    first, second = FaultInjector(settings), FaultInjector(settings)
    other = FaultInjector(FaultSettings(seed=8, invoke_error=0.2, invoke_timeout=0.1, redeliver=0.3))

    def decisions(injector: FaultInjector) -> list[object]:
        return [(injector.invoke_fault("F"), injector.redeliver("F")) for _ in range(500)]

    # When / Then
    assert decisions(first) == decisions(second)
    assert decisions(first) != decisions(other)


def test_shares_are_honoured_over_many_draws(capsys: pytest.CaptureFixture[str]) -> None:
    # Given
    injector = FaultInjector(FaultSettings(seed=1, invoke_error=0.1, invoke_timeout=0.05, redeliver=0.2))
    # When
    for _ in range(DRAWS):
        injector.invoke_fault("F")
        injector.redeliver("F")
    # Then each kind struck about its share (binomial: 4 standard deviations is far inside these bounds)
    counts = injector.snapshot()
    assert counts[INVOKE_ERROR_BEFORE] == pytest.approx(DRAWS * 0.05, rel=0.12)
    assert counts[INVOKE_ERROR_AFTER] == pytest.approx(DRAWS * 0.05, rel=0.12)
    assert counts[INVOKE_TIMEOUT] == pytest.approx(DRAWS * 0.05, rel=0.12)
    assert counts[REDELIVER] == pytest.approx(DRAWS * 0.2, rel=0.06)


def test_each_fault_is_logged_once_and_counted(capsys: pytest.CaptureFixture[str]) -> None:
    # Given a fault that always strikes
    injector = FaultInjector(FaultSettings(seed=1, redeliver=1.0))
    # When
    assert injector.redeliver("OrderFunction", "queue orders message m-1")
    # Then
    assert capsys.readouterr().err == "[fault] redeliver OrderFunction queue orders message m-1\n"
    assert injector.snapshot()[REDELIVER] == 1
    assert set(injector.snapshot()) >= {INVOKE_ERROR_BEFORE, AWS_THROTTLE, AWS_5XX}  # zeros included


def test_faults_strike_only_the_functions_named(capsys: pytest.CaptureFixture[str]) -> None:
    # Given
    injector = FaultInjector(FaultSettings(seed=3, invoke_error=1.0, aws_throttle=1.0, functions=frozenset({"A"})))
    # When / Then
    assert injector.invoke_fault("A") in (INVOKE_ERROR_BEFORE, INVOKE_ERROR_AFTER)
    assert injector.invoke_fault("B") is None
    assert injector.sandbox_settings("A") is not None
    assert injector.sandbox_settings("B") is None


def test_counts_are_exact_under_concurrent_draws(capsys: pytest.CaptureFixture[str]) -> None:
    # Given a fault that always strikes, drawn from eight threads at once
    injector = FaultInjector(FaultSettings(seed=5, redeliver=1.0))

    def draw() -> None:
        for _ in range(500):
            injector.redeliver("F")

    threads = [threading.Thread(target=draw) for _ in range(8)]
    # When
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # Then
    assert injector.snapshot()[REDELIVER] == 4000


def test_each_sandbox_gets_its_own_seeded_source() -> None:
    injector = FaultInjector(FaultSettings(seed=9, aws_5xx=0.5))
    first, second = injector.sandbox_settings("F"), injector.sandbox_settings("F")
    assert first is not None and second is not None
    assert first["seed"] != second["seed"]
    assert FaultInjector(FaultSettings(seed=9, aws_5xx=0.5)).sandbox_settings("F") == first


# ---------------------------------------------------------------------- the services' errors
def _parsed(service: str, operation: str, kind: str, choice: float) -> dict[str, Any]:
    """The error as botocore's parser for `service` reads it from the faked answer."""
    from botocore.parsers import create_parser

    model = botocore.session.get_session().get_service_model(service)
    status, _, body, headers = service_error(service, kind, choice)
    parser = create_parser(model.protocol)
    response = {"status_code": status, "headers": headers, "body": body}
    return dict(parser.parse(response, model.operation_model(operation).output_shape))


@pytest.mark.parametrize(
    "case",
    [
        ("dynamodb", "PutItem", AWS_THROTTLE, 0.1, 400, "ProvisionedThroughputExceededException"),
        ("dynamodb", "PutItem", AWS_THROTTLE, 0.9, 400, "ThrottlingException"),
        ("dynamodb", "Query", AWS_5XX, 0.1, 500, "InternalServerError"),
        ("dynamodb", "Query", AWS_5XX, 0.9, 503, "ServiceUnavailable"),
        ("sqs", "SendMessage", AWS_THROTTLE, 0.1, 400, "RequestThrottled"),
        ("sqs", "SendMessage", AWS_5XX, 0.1, 500, "InternalError"),
        ("sns", "Publish", AWS_THROTTLE, 0.1, 429, "Throttled"),
        ("sns", "Publish", AWS_5XX, 0.9, 503, "ServiceUnavailable"),
    ],
)
def test_a_faked_error_reads_as_the_services_own(case: tuple[str, str, str, float, int, str]) -> None:
    service, operation, kind, choice, status, code = case
    # When botocore parses the faked answer
    parsed = _parsed(service, operation, kind, choice)
    # Then it is the service's error, with its status
    assert parsed["Error"]["Code"] == code
    assert parsed["ResponseMetadata"]["HTTPStatusCode"] == status


def test_the_sandbox_hook_answers_only_its_services(capsys: pytest.CaptureFixture[str]) -> None:
    # Given a hook that throttles every call
    hook = AwsFaults({"seed": "s", "function": "F", "throttle": 1.0, "server_error": 0.0})
    request = AWSRequest(method="POST", url="http://127.0.0.1:1/").prepare()
    # When
    answered = hook(request, event_name="before-send.dynamodb.PutItem")
    ignored = hook(request, event_name="before-send.s3.PutObject")
    # Then
    assert answered is not None and answered.status_code == 400
    assert ignored is None
    assert hook.take_counts() == {AWS_THROTTLE: 1}
    assert hook.take_counts() == {}  # reported once
    assert "[fault] aws_throttle F dynamodb.PutItem -> 400" in capsys.readouterr().err
