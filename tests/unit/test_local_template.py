"""The local runtime's template loading and intrinsic resolution (infra.local.template, .intrinsics,
.functions), on small inline templates and on the project's own template.yaml."""

from __future__ import annotations

from pathlib import Path

import pytest

from infra.local.config import REPO_ROOT
from infra.local.functions import FunctionSpec, function_specs, layer_paths, shared_environment
from infra.local.intrinsics import (
    NO_VALUE,
    PseudoParameters,
    Resolver,
    ResourceOutputs,
    parameter_values,
    parse_parameter_overrides,
)
from infra.local.provision import PROVISIONERS, skipped_resource_ids
from infra.local.template import Template, TemplateError, load_template, load_template_text

PSEUDO = PseudoParameters(region="eu-west-1", account_id="111122223333", stack_name="chirp-local")

TEMPLATE_TEXT = """
Parameters:
  Stage: {Type: String, Default: v1}
  Size: {Type: Number, Default: 5}
  Zones: {Type: CommaDelimitedList, Default: "a,b"}
Conditions:
  IsProd: !Equals [!Ref Stage, prod]
  NotProd: !Not [!Condition IsProd]
Mappings:
  Sizes: {v1: {Memory: 256}}
Globals:
  Function:
    Timeout: 7
    Environment:
      Variables: {TABLE: !Ref Table, STAGE: !Ref Stage}
Resources:
  Table:
    Type: AWS::DynamoDB::Table
    Properties: {TableName: !Sub "${AWS::StackName}-table"}
  Queue:
    Type: AWS::SQS::Queue
    Properties:
      RedrivePolicy: {deadLetterTargetArn: !GetAtt DeadLetters.Arn, maxReceiveCount: 3}
  DeadLetters:
    Type: AWS::SQS::Queue
  Role:
    Type: AWS::IAM::Role
  Layer:
    Type: AWS::Serverless::LayerVersion
    Properties: {ContentUri: layer/}
  Worker:
    Type: AWS::Serverless::Function
    DependsOn: Role
    Properties:
      CodeUri: functions/worker/
      Handler: handlers.consume.handler
      MemorySize: !FindInMap [Sizes, !Ref Stage, Memory]
      Environment:
        Variables:
          QUEUE_URL: !Ref Queue
          MODE: !If [IsProd, strict, relaxed]
          OPTIONAL: !If [IsProd, yes, !Ref AWS::NoValue]
      Events:
        Work:
          Type: SQS
          Properties: {Queue: !GetAtt Queue.Arn, BatchSize: 5}
"""


def loaded() -> Template:
    return Template(document=load_template_text(TEMPLATE_TEXT), base_dir=Path("/app"))


def resolver_for(template: Template, overrides: dict[str, str] | None = None) -> Resolver:
    parameters = parameter_values(template, overrides or {})
    return Resolver(template, parameters, PSEUDO, placeholder_ids=skipped_resource_ids(template))


def provisioned(resolver: Resolver) -> Resolver:
    """Fill in what provisioning would return, without any service."""
    resolver.outputs["Table"] = ResourceOutputs("chirp-local-table", {"Arn": "arn:table", "StreamArn": "arn:stream"})
    resolver.outputs["DeadLetters"] = ResourceOutputs("https://sqs/dlq", {"Arn": "arn:aws:sqs:eu-west-1:1:dlq"})
    resolver.outputs["Queue"] = ResourceOutputs("https://sqs/queue", {"Arn": "arn:aws:sqs:eu-west-1:1:queue"})
    resolver.outputs["Layer"] = ResourceOutputs("arn:layer")
    resolver.outputs["Worker"] = ResourceOutputs("chirp-local-Worker", {"Arn": "arn:function"})
    return resolver


# ---------------------------------------------------------------------- loading
def test_short_form_tags_become_long_form_intrinsics() -> None:
    # When
    document = load_template_text(
        "Resources:\n  A:\n    Type: T\n    Properties:\n"
        "      Ref: !Ref B\n      Att: !GetAtt B.StreamArn\n      Sub: !Sub '${B}'\n"
        "      If: !If [C, 1, 2]\n      Join: !Join [',', [a, b]]\n      Cond: !Condition C\n"
    )
    # Then
    properties = document["Resources"]["A"]["Properties"]
    assert properties["Ref"] == {"Ref": "B"}
    assert properties["Att"] == {"Fn::GetAtt": ["B", "StreamArn"]}
    assert properties["Sub"] == {"Fn::Sub": "${B}"}
    assert properties["If"] == {"Fn::If": ["C", 1, 2]}
    assert properties["Join"] == {"Fn::Join": [",", ["a", "b"]]}
    assert properties["Cond"] == {"Condition": "C"}


def test_a_document_without_resources_is_refused() -> None:
    with pytest.raises(TemplateError):
        load_template_text("Parameters: {}")


def test_creation_order_puts_referenced_resources_first() -> None:
    # When
    order = [resource.logical_id for resource in loaded().creation_order()]
    # Then
    assert order.index("DeadLetters") < order.index("Queue") < order.index("Worker")
    assert order.index("Table") < order.index("Worker")
    assert order.index("Role") < order.index("Worker")  # DependsOn


def test_creation_order_can_leave_resources_out() -> None:
    order = loaded().creation_order(lambda resource: resource.type in PROVISIONERS)
    assert "Role" not in {resource.logical_id for resource in order}


# ---------------------------------------------------------------------- intrinsics
def test_parameters_take_their_defaults_and_overrides() -> None:
    # Given
    template = loaded()
    # When
    defaults = parameter_values(template, {})
    overridden = parameter_values(template, parse_parameter_overrides("Stage=prod Size=9"))
    # Then
    assert defaults == {"Stage": "v1", "Size": "5", "Zones": ["a", "b"]}
    assert overridden["Stage"] == "prod"
    assert overridden["Size"] == "9"


def test_an_override_of_an_unknown_parameter_is_an_error() -> None:
    with pytest.raises(TemplateError, match="Nope"):
        parameter_values(loaded(), {"Nope": "1"})


def test_ref_resolves_pseudo_parameters_parameters_and_resources() -> None:
    resolver = provisioned(resolver_for(loaded()))
    assert resolver.resolve({"Ref": "AWS::Region"}) == "eu-west-1"
    assert resolver.resolve({"Ref": "AWS::AccountId"}) == "111122223333"
    assert resolver.resolve({"Ref": "AWS::URLSuffix"}) == "amazonaws.com"
    assert resolver.resolve({"Ref": "AWS::StackName"}) == "chirp-local"
    assert resolver.resolve({"Ref": "Stage"}) == "v1"
    assert resolver.resolve({"Ref": "Queue"}) == "https://sqs/queue"


def test_get_att_reads_provisioned_attributes() -> None:
    resolver = provisioned(resolver_for(loaded()))
    assert resolver.resolve({"Fn::GetAtt": ["Table", "StreamArn"]}) == "arn:stream"
    assert resolver.resolve({"Fn::GetAtt": "Queue.Arn"}) == "arn:aws:sqs:eu-west-1:1:queue"


def test_resources_without_local_meaning_resolve_to_placeholders() -> None:
    resolver = resolver_for(loaded())
    assert resolver.resolve({"Ref": "Role"}) == "chirp-local-Role"
    assert "Role/Arn" in resolver.resolve({"Fn::GetAtt": ["Role", "Arn"]})


def test_a_resource_not_provisioned_yet_cannot_be_resolved() -> None:
    with pytest.raises(TemplateError, match="Queue"):
        resolver_for(loaded()).resolve({"Ref": "Queue"})


def test_sub_replaces_refs_attributes_and_variables_and_keeps_escapes() -> None:
    resolver = provisioned(resolver_for(loaded()))
    text = "${AWS::Region}/${Stage}/${Table}/${Table.Arn}/${Var}/${!Literal}"
    assert (
        resolver.resolve({"Fn::Sub": [text, {"Var": "x"}]}) == "eu-west-1/v1/chirp-local-table/arn:table/x/${Literal}"
    )


def test_join_select_split_find_in_map_and_base64() -> None:
    resolver = resolver_for(loaded())
    assert resolver.resolve({"Fn::Join": ["-", ["a", {"Ref": "Stage"}]]}) == "a-v1"
    assert resolver.resolve({"Fn::Select": [1, {"Ref": "Zones"}]}) == "b"
    assert resolver.resolve({"Fn::Split": [",", "x,y"]}) == ["x", "y"]
    assert resolver.resolve({"Fn::FindInMap": ["Sizes", {"Ref": "Stage"}, "Memory"]}) == 256
    assert resolver.resolve({"Fn::Base64": "hi"}) == "aGk="


def test_conditions_and_no_value() -> None:
    # Given
    resolver = resolver_for(loaded(), {"Stage": "prod"})
    # Then
    assert resolver.condition("IsProd") is True
    assert resolver.condition("NotProd") is False
    assert resolver.resolve({"Fn::If": ["NotProd", "a", "b"]}) == "b"
    assert resolver.resolve({"Ref": "AWS::NoValue"}) is NO_VALUE
    assert resolver.resolve({"Keep": 1, "Drop": {"Ref": "AWS::NoValue"}}) == {"Keep": 1}
    assert resolver.resolve([1, {"Ref": "AWS::NoValue"}, 2]) == [1, 2]


# ---------------------------------------------------------------------- functions
def test_function_spec_merges_globals_and_resolves_its_environment() -> None:
    # When
    (spec,) = function_specs(loaded(), provisioned(resolver_for(loaded())))
    # Then
    assert spec.code_dir == Path("/app/functions/worker")
    assert spec.handler_module == "handlers.consume"
    assert spec.handler_attribute == "handler"
    assert spec.handler_file == Path("/app/functions/worker/handlers/consume.py")
    assert spec.timeout_seconds == 7
    assert spec.memory_mb == 256
    assert spec.name == "chirp-local-Worker"
    assert spec.environment == {
        "TABLE": "chirp-local-table",
        "STAGE": "v1",
        "QUEUE_URL": "https://sqs/queue",
        "MODE": "relaxed",
    }
    (event,) = spec.events_of_type("SQS")
    assert event.properties == {"Queue": "arn:aws:sqs:eu-west-1:1:queue", "BatchSize": 5}


def test_shared_environment_keeps_what_every_function_agrees_on() -> None:
    def function(environment: dict[str, str]) -> FunctionSpec:
        return FunctionSpec("F", "f", "arn", Path("/"), "m", "h", 3, 128, environment)

    shared = shared_environment([function({"A": "1", "B": "2"}), function({"A": "1", "B": "3"})])
    assert shared == {"A": "1"}


def test_layer_paths_come_from_content_uri() -> None:
    assert layer_paths(loaded()) == [Path("/app/layer")]


# ---------------------------------------------------------------------- the project's template
def test_the_project_template_resolves_every_function() -> None:
    # Given
    template = load_template(REPO_ROOT / "template.yaml")
    resolver = Resolver(template, parameter_values(template, {}), PSEUDO, skipped_resource_ids(template))
    for resource in template.creation_order(lambda candidate: candidate.type in PROVISIONERS):
        resolver.outputs[resource.logical_id] = ResourceOutputs(
            f"chirp-local-{resource.logical_id}",
            {"Arn": "arn", "StreamArn": "arn:stream", "DomainEndpoint": "embedded:/search"},
        )
    # When
    specs = function_specs(template, resolver)
    # Then
    assert specs, "the template has functions"
    for spec in specs:
        assert spec.handler_file.is_file(), spec.handler_file
        assert all(isinstance(value, str) for value in spec.environment.values())
    assert all(path.is_dir() for path in layer_paths(template))
