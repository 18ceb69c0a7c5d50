"""template.yaml wires what the code expects: the API's routes are the Chalice app's routes, the
tables are durable and encrypted, every function reaches only tables that exist and is given exactly
the variables its settings read, each stream has at most two readers, and the API is throttled and
announces its URL."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

from chirp.settings import EnvironmentSettings

from tests.template.support import (
    API_FUNCTION_ID,
    API_ID,
    REPO,
    AppProbe,
    Template,
    function_code_folder,
    function_environment,
    function_property,
    is_image_function,
    preflights,
    references,
    resources_of_type,
)

TABLE_TYPE = "AWS::DynamoDB::Table"
FUNCTION_TYPE = "AWS::Serverless::Function"
# Tables whose changes other functions consume (fan-out, search indexing, notifications).
STREAMED_TABLES = {"UsersTable", "TweetsTable", "FollowsTable"}
MINIMUM_PYTHON = (3, 12)  # Pillow's wheels need glibc 2.28: Amazon Linux 2023 runtimes only
# SAM policy templates that name a DynamoDB table in `TableName`.
TABLE_NAME_POLICY = re.compile(r"^DynamoDB\w*Policy$")


def test_api_function_routes_are_the_chalice_apps_routes(template: Template, api_app: AppProbe) -> None:
    # Given the ApiFunction's API events and the routes the Chalice app registers
    events = template["Resources"][API_FUNCTION_ID]["Properties"]["Events"].values()
    template_routes = {
        (event["Properties"]["Path"], event["Properties"]["Method"].upper())
        for event in events
        if event["Type"] == "HttpApi"
    }
    # (and each path's preflight: the function answers OPTIONS for the origins it allows, routes.headers)
    app_routes = api_app.routes | preflights(api_app.routes)

    # Then they are the same set: no route unreachable behind API Gateway, no event Chalice would 404
    assert template_routes - app_routes == set(), "in the template but not in the app"
    assert app_routes - template_routes == set(), "in the app but not in the template"


def test_api_events_all_go_through_the_chirp_api(template: Template) -> None:
    # Given every API event of every function
    events = [
        event
        for function in resources_of_type(template, FUNCTION_TYPE).values()
        for event in function["Properties"].get("Events", {}).values()
        if event["Type"] in ("Api", "HttpApi")
    ]

    # Then each is an HTTP API event naming ChirpApi (without ApiId, SAM would make a second, unthrottled API)
    # with payload format 1.0 (the v1 event Chalice reads; an HttpApi event defaults to 2.0)
    assert events
    assert {event["Type"] for event in events} == {"HttpApi"}
    wired = {"ApiId": {"Ref": API_ID}, "PayloadFormatVersion": "1.0"}
    elsewhere = [
        event["Properties"] for event in events if {name: event["Properties"].get(name) for name in wired} != wired
    ]
    assert elsewhere == []


EXPIRING_COUNTER_TABLES = {"RateLimitsTable", "IdempotencyTable"}


def test_every_table_is_on_demand_recoverable_and_encrypted(template: Template) -> None:
    # Given every DynamoDB table
    tables = resources_of_type(template, TABLE_TYPE)
    assert tables

    # Then each bills per request and is encrypted at rest; each but the counters and the Idempotency-Key records
    # that only live out their TTL (nothing in them is worth restoring: README "Rate limits") keeps point-in-time
    # recovery and is retained
    for name, table in tables.items():
        properties = table["Properties"]
        assert properties.get("BillingMode") == "PAY_PER_REQUEST", name
        assert properties.get("SSESpecification", {}).get("SSEEnabled") is True, name
        if name in EXPIRING_COUNTER_TABLES:
            assert properties["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}, name
            continue
        assert properties.get("PointInTimeRecoverySpecification", {}).get("PointInTimeRecoveryEnabled") is True, name
        assert table.get("DeletionPolicy") == "Retain", name


def test_users_tweets_and_follows_tables_stream_new_and_old_images(template: Template) -> None:
    # Given the tables other functions consume
    tables = resources_of_type(template, TABLE_TYPE)
    assert set(tables) >= STREAMED_TABLES

    # Then each streams both images (deletes and edits need the old one)
    for name in STREAMED_TABLES:
        stream = tables[name]["Properties"].get("StreamSpecification", {})
        assert stream.get("StreamViewType") == "NEW_AND_OLD_IMAGES", name


def test_function_policies_reference_only_tables_that_exist(template: Template) -> None:
    # Given every function's DynamoDB policy templates
    tables = set(resources_of_type(template, TABLE_TYPE))
    functions = resources_of_type(template, FUNCTION_TYPE)

    for name in functions:
        policies = function_property(template, name, "Policies") or []
        table_policies = [
            arguments
            for policy in policies
            if isinstance(policy, dict)
            for kind, arguments in policy.items()
            if TABLE_NAME_POLICY.match(kind)
        ]
        # Then each names its table by a reference to a table resource (a literal name would outlive a rename)
        for arguments in table_policies:
            table_name = arguments["TableName"]
            assert isinstance(table_name, dict), f"{name}: literal table name {table_name!r}"
            assert references(table_name) <= tables, f"{name}: {table_name!r} is not a table of this template"
        # And every reference anywhere in its policies is to something the template defines
        defined = set(template["Resources"]) | set(template.get("Parameters", {}))
        dangling = references(policies) - defined
        assert dangling == set(), name


def test_function_runtimes_are_python_3_12_or_newer(template: Template) -> None:
    # Given every zip function's runtime (its own, else Globals'; an image's is its base image, checked in
    # test_sam_build.py) and the layer's build method
    runtimes = {
        name: function_property(template, name, "Runtime")
        for name in resources_of_type(template, FUNCTION_TYPE)
        if not is_image_function(template, name)
    }
    layers = resources_of_type(template, "AWS::Serverless::LayerVersion")

    # Then each is python3.N with N >= 12
    for name, runtime in runtimes.items():
        match = re.fullmatch(r"python(\d+)\.(\d+)", str(runtime))
        assert match, f"{name}: {runtime!r}"
        assert (int(match[1]), int(match[2])) >= MINIMUM_PYTHON, f"{name}: {runtime}"
    # And each layer is built for, and declares, the runtimes its functions use (native wheels are per version):
    # by SAM's builder of that runtime, or by its Makefile's install for that Python version
    for name, layer in layers.items():
        build_method = layer.get("Metadata", {}).get("BuildMethod")
        if build_method == "makefile":
            makefile = (REPO / layer["Properties"]["ContentUri"] / "Makefile").read_text()
            versions = {runtime.removeprefix("python") for runtime in runtimes.values()}
            assert all(f"--python-version {version}" in makefile for version in versions), name
        else:
            assert build_method in set(runtimes.values()), name
        assert set(runtimes.values()) <= set(layer["Properties"]["CompatibleRuntimes"]), name


def test_table_variables_name_real_tables(template: Template) -> None:
    # Given every function's environment (Globals' merged with its own)
    tables = set(resources_of_type(template, TABLE_TYPE))
    table_variables = {
        f"{name}.{key}": value
        for name in resources_of_type(template, FUNCTION_TYPE)
        for key, value in function_environment(template, name).items()
        if key.endswith("_TABLE")
    }
    assert table_variables

    # Then each *_TABLE variable is a Ref to a table of this template (a Ref to a table is its name)
    for variable, value in table_variables.items():
        assert isinstance(value, dict) and set(value) == {"Ref"}, f"{variable} = {value!r}"
        assert value["Ref"] in tables, f"{variable} names {value['Ref']}, not a table"


def test_api_stage_is_throttled(template: Template) -> None:
    # Given the HTTP API's default route settings (they apply to every route of the stage)
    api = template["Resources"][API_ID]
    settings = api["Properties"].get("DefaultRouteSettings", {})

    # Then they carry a rate and a burst limit, from the template's parameters
    assert api["Type"] == "AWS::Serverless::HttpApi"
    assert settings.get("ThrottlingRateLimit") == {"Ref": "ApiThrottlingRateLimit"}
    assert settings.get("ThrottlingBurstLimit") == {"Ref": "ApiThrottlingBurstLimit"}


def test_outputs_include_the_api_url(template: Template) -> None:
    # Given the stack's outputs
    outputs = template.get("Outputs", {})

    # Then one is the HTTPS URL of ChirpApi's stage
    urls = [output["Value"] for output in outputs.values() if "execute-api" in str(output.get("Value"))]
    assert len(urls) == 1
    url = urls[0]["Fn::Sub"]
    assert url.startswith(f"https://${{{API_ID}}}.execute-api.")
    assert url.endswith("/${StageName}")
    assert template["Resources"][API_ID]["Properties"]["StageName"] == {"Ref": "StageName"}


# Variables every function gets for Powertools (Globals), not read through the function's settings.
RUNTIME_VARIABLES = {"POWERTOOLS_SERVICE_NAME", "POWERTOOLS_METRICS_NAMESPACE", "POWERTOOLS_LOG_LEVEL"}


def settings_model(code_uri: str) -> type[EnvironmentSettings]:
    """The settings model of a function: the one declared in `chirp.wiring.<its code folder>`."""
    module = importlib.import_module(f"chirp.wiring.{Path(code_uri).name}")
    (model,) = [
        value
        for value in vars(module).values()
        if isinstance(value, type) and issubclass(value, EnvironmentSettings) and value.__module__ == module.__name__
    ]
    return model


def test_every_function_is_given_exactly_the_variables_its_settings_read(template: Template) -> None:
    for name in resources_of_type(template, FUNCTION_TYPE):
        # Given the function's variables in the template, and its settings model
        given = set(function_environment(template, name)) - RUNTIME_VARIABLES
        model = settings_model(str(function_code_folder(template, name)))
        fields = {field.upper() for field in model.model_fields}
        required = {field.upper() for field, info in model.model_fields.items() if info.is_required()}
        # Then it is given every variable its settings require, and none they do not read: no table,
        # queue or topic name reaches a function that has no use for it
        assert required <= given, f"{name} lacks {sorted(required - given)}"
        assert given <= fields, f"{name} is given {sorted(given - fields)}, which its settings never read"


def test_no_stream_has_more_than_two_readers(template: Template) -> None:
    # Given every DynamoDB event of every function
    readers: dict[str, list[str]] = {}
    for name, function in resources_of_type(template, FUNCTION_TYPE).items():
        for event_name, event in function["Properties"].get("Events", {}).items():
            if event["Type"] == "DynamoDB":
                stream = event["Properties"]["Stream"]["Fn::GetAtt"][0]
                readers.setdefault(stream, []).append(f"{name}.{event_name}")
    # Then no table's stream has more than two (AWS: two concurrent Lambda readers per shard at most)
    assert readers
    assert all(len(names) <= 2 for names in readers.values()), readers
