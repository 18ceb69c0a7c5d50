"""The API's X-Ray patches record each call it makes once: one subsegment per DynamoDB call, whether it goes
through a boto3 client, PynamoDB or the home read's lean client (`chirp.adapters.dynamodb.wire`), and one per
search. aws_xray_sdk's `pynamodb` patch, which the API used to apply, wraps botocore's HTTP session: it recorded
each PynamoDB call a second time under the `botocore` patch's subsegment, and failed every request of the lean
client (its headers are str; the patch calls `.decode()` on them), so the home timeline with tracing on.

Patches are process-wide and cannot be undone, so the calls run in a fresh interpreter that imports the API's
routing module as Lambda would (tracing on), against moto's server, with a recorder that keeps its segments."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from moto.server import ThreadedMotoServer

from infra.local.emulators import free_port

ROOT = Path(__file__).resolve().parents[2]
PROBE = r"""
import json, os
import boto3
from aws_xray_sdk.core import xray_recorder
from aws_xray_sdk.core.context import Context
from pynamodb.attributes import NumberAttribute
from pynamodb.models import Model

import routes.routing  # the API's Tracer patches, as at a cold start on Lambda with tracing on
from chirp.adapters.dynamodb.wire import WireDynamoDB
from chirp.adapters.search.guarded import guarded_indexes
from chirp.pages import Page, PageRequest
from chirp.search.query import parse_tweet_query as query_of


class Index:
    # A search backend answering at once (what goes over the wire to OpenSearch is not what is checked here).
    def search(self, query, page):
        return Page(items=[], next_cursor=None)


class Kept:
    def send_entity(self, entity): pass
    def set_daemon_address(self, address): pass


# Segments of our own rather than Lambda's facade (the patches stay whatever the context), kept whole rather than
# streamed out one subsegment at a time as on Lambda.
xray_recorder.configure(
    sampling=False, emitter=Kept(), context=Context(), context_missing="LOG_ERROR", streaming_threshold=1000
)
endpoint = os.environ["AWS_ENDPOINT_URL"]


class Item(Model):
    class Meta:
        table_name, region, host = "traced", "us-east-1", endpoint
    key = NumberAttribute(hash_key=True)


Item.create_table(read_capacity_units=1, write_capacity_units=1, wait=True)  # outside any segment
client = boto3.client("dynamodb")
wire = WireDynamoDB(client, client._request_signer._credentials)
query = {"TableName": "traced", "KeyConditionExpression": "#k = :k", "ExpressionAttributeNames": {"#k": "key"},
         "ExpressionAttributeValues": {":k": {"N": "1"}}}
calls = {
    "PynamoDB PutItem": lambda: Item(key=1).save(),
    "boto3 GetItem": lambda: client.get_item(TableName="traced", Key={"key": {"N": "1"}}),
    "wire Query": lambda: wire.query(**query),
    "search": lambda: guarded_indexes(lambda: (Index(), Index()))[0].search(query_of("chirp"), PageRequest(10)),
}


def tree(entity):
    return [[sub.name, tree(sub)] for sub in entity.subsegments]


recorded = {}
for label, call in calls.items():
    segment = xray_recorder.begin_segment(label)
    call()
    xray_recorder.end_segment()
    recorded[label] = tree(segment)
print("RECORDED " + json.dumps(recorded))
"""


@pytest.fixture(scope="module")
def moto_url() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=free_port(), verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{server._port}"
    finally:
        server.stop()


def recorded_subsegments(moto_url: str) -> dict[str, Any]:
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("AWS_", "POWERTOOLS_", "_X_AMZN", "LAMBDA_", "CHALICE_", "SAM_"))
    } | {
        "PYTHONPATH": os.pathsep.join(str(ROOT / part) for part in ("layers/chirp", "functions/api", ".")),
        "LAMBDA_TASK_ROOT": str(ROOT / "functions" / "api"),  # Powertools traces only on Lambda
        "AWS_LAMBDA_FUNCTION_NAME": "chirp-ApiFunction",
        "POWERTOOLS_TRACE_DISABLED": "false",
        "AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR",
        "AWS_ENDPOINT_URL": moto_url,
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
    }
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        env=environment,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0 and "RECORDED " in result.stdout, result.stderr[-3000:]
    recorded: dict[str, Any] = json.loads(result.stdout.split("RECORDED ", 1)[1])
    return recorded


def test_each_call_the_api_makes_is_one_subsegment(moto_url: str) -> None:
    # When one DynamoDB call goes through each way the API makes them, and one search, each in a segment
    recorded = recorded_subsegments(moto_url)
    # Then each segment holds one subsegment, with nothing nested under it: the DynamoDB calls named as
    # aws_xray_sdk names them
    assert recorded == {
        "PynamoDB PutItem": [["dynamodb", []]],
        "boto3 GetItem": [["dynamodb", []]],
        "wire Query": [["dynamodb", []]],
        "search": [["search", []]],
    }


@pytest.mark.parametrize(
    "module",
    [*sorted(ROOT.glob("functions/*/app.py")), ROOT / "functions/api/routes/routing.py"],
    ids=lambda path: str(path.relative_to(ROOT)),
)
def test_every_functions_tracer_patches_what_the_api_does(module: Path) -> None:
    # Given a function's handler module (the API's Tracer is in its routing module)
    tree = ast.parse(module.read_text())
    # When its Tracer is made
    tracers = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "Tracer"
    ]
    if module.parent.name == "api" and module.name == "app.py":
        assert tracers == []  # the API's app module shares routing's Tracer
        return
    # Then it patches chirp.tracing.TRACED_MODULES, the modules the probe above holds to one subsegment per call,
    # not Powertools' default (patch_all: the `pynamodb` patch among them)
    (tracer,) = tracers
    keywords = {keyword.arg: keyword.value for keyword in tracer.keywords}
    patched = keywords.get("patch_modules")
    assert isinstance(patched, ast.Name) and patched.id == "TRACED_MODULES", ast.dump(tracer)
