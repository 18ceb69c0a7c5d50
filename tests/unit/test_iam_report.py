"""infra.local.iam.report: the pairs each function used, next to the statements that grant them."""

from __future__ import annotations

from pathlib import Path

from infra.local.iam.__main__ import main
from infra.local.iam.principal import Decision, Identity, NamedPolicy, Principal
from infra.local.iam.report import build_report, render_markdown
from infra.local.iam.usage import UsageLog

REGION, ACCOUNT = "us-east-1", "123456789012"
USERS = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/run1-UsersTable"
FAILURES = f"arn:aws:sqs:{REGION}:{ACCOUNT}:run1-Failures"


def api_principal() -> Principal:
    crud = NamedPolicy(
        "ApiFunctionRolePolicy0",
        {"Statement": [{"Effect": "Allow", "Action": ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Scan"],
                        "Resource": [USERS, f"{USERS}/index/*"]}]},
        "Policies[0]: DynamoDBCrudPolicy {TableName: !Ref UsersTable}",
    )  # fmt: skip
    destination = NamedPolicy(
        "ApiFunctionStreamSQSPolicy",
        {"Statement": [{"Sid": "Destination", "Effect": "Allow", "Action": "sqs:SendMessage", "Resource": FAILURES}]},
        "added by SAM for the Stream event's OnFailure destination",
    )
    return Principal(
        identity=Identity("ApiFunction", "run1-ApiFunction", "run1-ApiFunctionRole", ACCOUNT, REGION),
        policies=(crud, destination),
        symbols={USERS: "${UsersTable.Arn}", FAILURES: "${Failures.Arn}", f":{ACCOUNT}:": ":${AWS::AccountId}:"},
    )


def record_run(folder: Path) -> None:
    log = UsageLog(folder, "runtime")
    api = api_principal()
    log.record(api, "dynamodb:GetItem", USERS, Decision.ALLOWED, "function")
    log.record(api, "dynamodb:GetItem", f"{USERS}/index/by_email", Decision.ALLOWED, "function")
    log.record(api, "dynamodb:DeleteItem", USERS, Decision.IMPLICIT_DENY, "function")
    log.record(api, "sqs:SendMessage", FAILURES, Decision.ALLOWED, "lambda")


def test_used_pairs_are_listed_with_what_grants_them(tmp_path: Path) -> None:
    # Given
    record_run(tmp_path)
    # When
    report = build_report(tmp_path)
    # Then
    api = report.functions["ApiFunction"]
    used = {key: (sorted(pair.callers), sorted(pair.granted_by), pair.granted) for key, pair in api.used.items()}
    assert used == {
        ("dynamodb:GetItem", "${UsersTable.Arn}"): (
            ["function"], ["Policies[0]: DynamoDBCrudPolicy {TableName: !Ref UsersTable}"], True),
        ("dynamodb:GetItem", "${UsersTable.Arn}/index/by_email"): (
            ["function"], ["Policies[0]: DynamoDBCrudPolicy {TableName: !Ref UsersTable}"], True),
        ("dynamodb:DeleteItem", "${UsersTable.Arn}"): (["function"], [], False),
        ("sqs:SendMessage", "${Failures.Arn}"): (
            ["lambda"], ["added by SAM for the Stream event's OnFailure destination › Destination"], True),
    }  # fmt: skip
    assert [(function_id, pair.action) for function_id, pair in report.not_granted] == [
        ("ApiFunction", "dynamodb:DeleteItem")
    ]


def test_grants_nothing_used_are_listed_as_broader_than_used(tmp_path: Path) -> None:
    record_run(tmp_path)
    unused = {
        (grant.resource, tuple(grant.actions)) for grant in build_report(tmp_path).functions["ApiFunction"].unused
    }
    assert unused == {
        ("${UsersTable.Arn}", ("dynamodb:PutItem", "dynamodb:Scan")),
        ("${UsersTable.Arn}/index/*", ("dynamodb:PutItem", "dynamodb:Scan")),
    }


def test_the_report_reads_as_markdown_tables(tmp_path: Path) -> None:
    record_run(tmp_path)
    markdown = render_markdown(build_report(tmp_path))
    assert "## ApiFunction" in markdown
    assert "| action | resource | used by | granted by |" in markdown
    assert "| `dynamodb:DeleteItem` | `${UsersTable.Arn}` | function | **not granted** (IMPLICIT_DENY) |" in markdown
    assert "Granted, never used in the recorded runs:" in markdown


def test_the_command_line_writes_the_report_and_fails_when_strict(tmp_path: Path) -> None:
    record_run(tmp_path / "usage")
    output = tmp_path / "report.md"
    assert main(["report", str(tmp_path / "usage"), "--output", str(output)]) == 0
    assert output.read_text().startswith("# IAM")
    assert main(["report", str(tmp_path / "usage"), "--output", str(output), "--strict"]) == 1
