"""DynamoDB's JSON API called the short way, for the home-timeline read's two calls.

Through botocore, a call of a page's size (a Query of 20 entries, a BatchGetItem of 20 tweets) spends
1.5-2.0 ms of CPU on these machines: serializing, a dozen event emissions, endpoint rules, the
user-agent string, and walking the response through its shape model. Signed and sent with botocore's
own pieces and read with `json.loads`, the same call spends 0.85-1.2 ms (`make bench-wire`). A
home-timeline read makes two calls, one after the other, and is judged against one raw Query.

`WireDynamoDB` keeps every piece that matters from botocore and drops the rest:
- the client's endpoint (`AWS_ENDPOINT_URL*`, region), timeouts and pool size, and its session's
  credentials (refreshed as botocore refreshes them), signed with botocore's `SigV4Auth`;
- botocore's HTTP session (`URLLib3Session`: certificates, proxies, pooled connections);
- the client's events around each call (`before-parameter-build`, `before-call`, `before-send`,
  `after-call`, named and shaped as botocore emits them), so whatever hooks the DynamoDB client sees
  these calls too: botocore's Stubber answers `before-call`, moto's in-process mock `before-send`,
  and the benchmark meters them;
- the CRC32 DynamoDB puts on every answer, checked; errors raised as botocore's `ClientError`;
  throttling, 5xx, connection errors and bad checksums retried with exponential backoff and jitter
  (tenacity), as botocore's standard mode would.

What it drops: parameter validation (PynamoDB turns it off too), and the response's walk through its
shape model, which for DynamoDB's JSON changes nothing but binary values (`B`, `BS`: left base64-encoded
here; no read through this module asks for one). X-Ray's botocore patch does not see these calls: each
is recorded here as that patch records one (`traced`), when the process traces.
"""

from __future__ import annotations

import json
import os
import socket
import zlib
from functools import cache
from typing import Any, cast

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest, AWSResponse
from botocore.client import BaseClient
from botocore.credentials import Credentials
from botocore.exceptions import ChecksumError, ClientError, HTTPClientError, NoCredentialsError
from botocore.httpsession import URLLib3Session
from botocore.utils import get_environ_proxies
from tenacity import Retrying, retry_if_exception, stop_after_attempt, wait_random_exponential

from chirp.adapters.dynamodb.connection import THROTTLING_CODES, shared_connection
from chirp.tracing import active_recorder

ATTEMPTS = 5
TARGET_PREFIX = "DynamoDB_20120810."
CONTENT_TYPE = "application/x-amz-json-1.0"


class WireDynamoDB:
    """Query and BatchGetItem on the endpoint, credentials and events of a botocore DynamoDB client."""

    def __init__(self, client: BaseClient, credentials: Credentials | None) -> None:
        meta: Any = client.meta  # botocore-stubs types the events and the config more narrowly than they are
        self._events = meta.events
        self._service = meta.service_model
        self._url = meta.endpoint_url.rstrip("/") + "/"  # as botocore sends it: the path is "/"
        self._region = meta.region_name
        self._credentials = credentials
        config = meta.config
        http_options: dict[str, Any] = {
            "verify": os.environ.get("AWS_CA_BUNDLE") or True,
            "proxies": get_environ_proxies(self._url),
            "timeout": (config.connect_timeout, config.read_timeout),
            "max_pool_connections": config.max_pool_connections,
            # As botocore's clients have it: the headers and the body leave in two sends, and Nagle's
            # algorithm would hold the body until the server's delayed ACK (40 ms on Linux).
            "socket_options": [(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)],
        }
        self._http = URLLib3Session(**http_options)
        self._retrying = Retrying(
            stop=stop_after_attempt(ATTEMPTS),
            wait=wait_random_exponential(multiplier=0.025, max=1),
            retry=retry_if_exception(is_transient),
            reraise=True,
        )

    def query(self, **params: Any) -> dict[str, Any]:
        return self.call("Query", params)

    def batch_get_item(self, **params: Any) -> dict[str, Any]:
        return self.call("BatchGetItem", params)

    def call(self, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        """The operation's parsed answer (DynamoDB JSON, as botocore returns it); ClientError otherwise."""
        recorder = active_recorder()
        if recorder is None:
            answer: dict[str, Any] = self._retrying(self._call_once, operation, dict(params))
            return answer
        return self._traced(recorder, operation, params)

    def _traced(self, recorder: Any, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        """The call in an X-Ray subsegment shaped as aws_xray_sdk's botocore patch makes one (its retries
        inside it, as there): named `dynamodb` in the `aws` namespace, its `aws` data the operation, region,
        request id and the table(s), its HTTP status setting the error, throttle and fault flags."""
        with recorder.in_subsegment("dynamodb", namespace="aws") as subsegment:
            aws: dict[str, Any] = {"operation": operation, "region": self._region, **_traced_parameters(params)}
            answer: dict[str, Any] = {}
            try:
                answer = self._retrying(self._call_once, operation, dict(params))
            except ClientError as error:  # its exception recorded by the subsegment's exit
                answer = cast(dict[str, Any], error.response)
                raise
            finally:
                if subsegment is not None:  # None: no segment to add it to (outside an invocation)
                    _record(subsegment, aws, answer)
            return answer

    def _call_once(self, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        model = self._service.operation_model(operation)
        context: dict[str, Any] = {}
        events = self._events
        events.emit(f"before-parameter-build.dynamodb.{operation}", params=params, model=model, context=context)
        body = json.dumps(params, separators=(",", ":")).encode()
        request_dict: dict[str, Any] = {
            "url_path": "/",
            "query_string": "",
            "method": "POST",
            "headers": {"Content-Type": CONTENT_TYPE, "X-Amz-Target": TARGET_PREFIX + operation},
            "body": body,
            "url": self._url,
            "context": context,
        }
        # A handler may answer in the call's place, as botocore's Stubber does.
        _, answered = events.emit_until_response(
            f"before-call.dynamodb.{operation}", model=model, params=request_dict, request_signer=None, context=context
        )
        http_response, parsed = answered if answered is not None else self._send(operation, request_dict)
        events.emit(
            f"after-call.dynamodb.{operation}",
            http_response=http_response,
            parsed=parsed,
            model=model,
            context=context,
        )
        if http_response.status_code >= 300:
            raise ClientError(cast(Any, parsed), operation)
        return parsed

    def _send(self, operation: str, request_dict: dict[str, Any]) -> tuple[AWSResponse, dict[str, Any]]:
        request = AWSRequest(method="POST", url=self._url, data=request_dict["body"], headers=request_dict["headers"])
        if self._credentials is None:
            raise NoCredentialsError()
        SigV4Auth(self._credentials.get_frozen_credentials(), "dynamodb", self._region).add_auth(request)
        prepared = request.prepare()
        # A handler may answer in the network's place, as moto's in-process mock does.
        responses = self._events.emit(f"before-send.dynamodb.{operation}", request=prepared)
        http_response = next((response for _, response in responses if response is not None), None)
        if http_response is None:
            http_response = self._http.send(prepared)
        return http_response, _parse(http_response)


def _parse(response: AWSResponse) -> dict[str, Any]:
    """The answer's JSON, with botocore's ResponseMetadata, and its Error if it is one."""
    body = response.content
    expected = response.headers.get("x-amz-crc32")
    if expected is not None and zlib.crc32(body) != int(expected):
        raise ChecksumError(checksum_type="crc32", expected_checksum=expected, actual_checksum=str(zlib.crc32(body)))
    parsed: dict[str, Any] = json.loads(body) if body else {}
    metadata = {
        "HTTPStatusCode": response.status_code,
        "HTTPHeaders": dict(response.headers.items()),
        "RequestId": response.headers.get("x-amzn-requestid", ""),
    }
    if response.status_code >= 300:
        code = str(parsed.get("__type", "")).rpartition("#")[2] or str(response.status_code)
        message = parsed.get("message") or parsed.get("Message") or ""
        return {"Error": {"Code": code, "Message": message}, "ResponseMetadata": metadata}
    parsed["ResponseMetadata"] = metadata
    return parsed


def _traced_parameters(params: dict[str, Any]) -> dict[str, Any]:
    """The request parameters aws_xray_sdk records of a DynamoDB Query or BatchGetItem (its whitelist)."""
    recorded = {
        snake: params[name]
        for name, snake in (
            ("TableName", "table_name"),
            ("IndexName", "index_name"),
            ("ConsistentRead", "consistent_read"),
            ("Limit", "limit"),
            ("ScanIndexForward", "scan_index_forward"),
            ("Select", "select"),
            ("ProjectionExpression", "projection_expression"),
        )
        if name in params
    }
    if "RequestItems" in params:
        recorded["table_names"] = list(params["RequestItems"])
    return recorded


def _record(subsegment: Any, aws: dict[str, Any], answer: dict[str, Any]) -> None:
    metadata = answer.get("ResponseMetadata", {})
    if "RequestId" in metadata:
        aws["request_id"] = metadata["RequestId"]
    if "ConsumedCapacity" in answer:
        aws["consumed_capacity"] = answer["ConsumedCapacity"]
    subsegment.set_aws(aws)
    if "HTTPStatusCode" in metadata:
        subsegment.put_http_meta("status", metadata["HTTPStatusCode"])


def is_transient(error: BaseException) -> bool:
    """Worth sending again: throttled, a server-side error, a dropped connection, a garbled answer."""
    if isinstance(error, ClientError):
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        return error.response["Error"]["Code"] in THROTTLING_CODES or status >= 500
    return isinstance(error, HTTPClientError | ChecksumError)


@cache
def wire() -> WireDynamoDB:
    """Built once per sandbox, on the shared connection's client and credentials."""
    connection = shared_connection()
    return WireDynamoDB(connection.client, connection.session.get_credentials())
