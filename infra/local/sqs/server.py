"""The HTTP front of the local SQS and SNS: one port, both services, as boto3 calls them.

SQS speaks AWS's JSON protocol (`X-Amz-Target: AmazonSQS.<Operation>`, `application/x-amz-json-1.0`; errors
as `{"__type", "message"}` with the `x-amzn-query-error` header whose code botocore reports); SNS speaks the
query protocol (form-encoded `Action=...`, XML answers). Requests are not authenticated: the runtime's IAM
guard has checked each function's call against its policies before it leaves the sandbox.

It runs as a child process of the runtime (`infra.local.emulators.start_local_sqs`), like the other
emulators: it dies with the runtime (kill -9 included) and its request threads and SQLite work do not
compete with the handlers and pollers for the runtime's GIL. `python -m infra.local.sqs --data DIR --port N`.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
import urllib.parse
import uuid
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import FrameType
from typing import Any
from xml.sax.saxutils import escape

from infra.local.sqs.queues import QueueService, SqsError
from infra.local.sqs.store import Store
from infra.local.sqs.topics import SnsError, TopicService, XmlMap

DEFAULT_ACCOUNT_ID = "123456789012"  # the emulators' account (moto server's default)
SNS_NAMESPACE = "http://sns.amazonaws.com/doc/2010-03-31/"


class LocalSqsServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def __init__(self, data_dir: Path, host: str, port: int, region: str, account_id: str = DEFAULT_ACCOUNT_ID) -> None:
        super().__init__((host, port), _Handler)
        self.store = Store(data_dir)
        actual_host, actual_port = self.server_address[:2]
        self.url = f"http://{actual_host!s}:{actual_port}"
        self.queues = QueueService(self.store, region, account_id, self.url)
        self.topics = TopicService(self.store, self.queues)
        self.sqs_operations: dict[str, Callable[[dict[str, Any], str], dict[str, Any]]] = {
            "CreateQueue": lambda request, _: self.queues.create_queue(request),
            "GetQueueUrl": lambda request, _: self.queues.get_queue_url(request),
            "GetQueueAttributes": lambda request, _: self.queues.get_queue_attributes(request),
            "SetQueueAttributes": lambda request, _: self.queues.set_queue_attributes(request),
            "ListQueues": lambda request, _: self.queues.list_queues(request),
            "DeleteQueue": lambda request, _: self.queues.delete_queue(request),
            "PurgeQueue": lambda request, _: self.queues.purge_queue(request),
            "SendMessage": self.queues.send_message,
            "SendMessageBatch": self.queues.send_message_batch,
            "ReceiveMessage": lambda request, _: self.queues.receive_message(request),
            "DeleteMessage": lambda request, _: self.queues.delete_message(request),
            "DeleteMessageBatch": lambda request, _: self.queues.delete_message_batch(request),
            "ChangeMessageVisibility": lambda request, _: self.queues.change_message_visibility(request),
            "ChangeMessageVisibilityBatch": lambda request, _: self.queues.change_message_visibility_batch(request),
            "ListDeadLetterSourceQueues": lambda request, _: self.queues.list_dead_letter_source_queues(request),
            "TagQueue": lambda request, _: self.queues.tag_queue(request),
            "UntagQueue": lambda request, _: self.queues.untag_queue(request),
            "ListQueueTags": lambda request, _: self.queues.list_queue_tags(request),
        }
        self.sns_actions: dict[str, Callable[[dict[str, str]], dict[str, Any]]] = {
            "CreateTopic": self.topics.create_topic,
            "DeleteTopic": self.topics.delete_topic,
            "ListTopics": self.topics.list_topics,
            "GetTopicAttributes": self.topics.get_topic_attributes,
            "SetTopicAttributes": self.topics.set_topic_attributes,
            "Subscribe": self.topics.subscribe,
            "Unsubscribe": self.topics.unsubscribe,
            "GetSubscriptionAttributes": self.topics.get_subscription_attributes,
            "SetSubscriptionAttributes": self.topics.set_subscription_attributes,
            "ListSubscriptionsByTopic": self.topics.list_subscriptions_by_topic,
            "ListSubscriptions": self.topics.list_subscriptions,
            "Publish": self.topics.publish,
            "PublishBatch": self.topics.publish_batch,
        }

    def server_close(self) -> None:
        super().server_close()
        self.store.close()


class _Handler(BaseHTTPRequestHandler):
    server: LocalSqsServer
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out as separate writes: no 40 ms delayed-ACK stall

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: one line per request would drown the log; errors are answered to the caller."""

    def do_GET(self) -> None:
        self._send(200, "text/plain", b"local SQS and SNS\n")

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        target = self.headers.get("X-Amz-Target", "")
        if target.startswith("AmazonSQS."):
            self._sqs(target.removeprefix("AmazonSQS."), body)
        else:
            self._sns(dict(urllib.parse.parse_qsl(body.decode(), keep_blank_values=True)))

    def _caller(self) -> str:
        """The access key id the request was signed with: what SQS shows as a message's SenderId."""
        authorization = self.headers.get("Authorization", "")
        credential = authorization.partition("Credential=")[2]
        return credential.split("/", 1)[0] or "anonymous"

    def _sqs(self, operation: str, body: bytes) -> None:
        handler = self.server.sqs_operations.get(operation)
        try:
            if handler is None:
                raise SqsError("UnsupportedOperation", f"{operation} is not emulated by the local SQS")
            answer = handler(json.loads(body or b"{}"), self._caller())
        except SqsError as error:
            document = {"__type": f"com.amazonaws.sqs#{error.code}", "message": error.message}
            fault = "Sender" if error.status < 500 else "Receiver"
            self._send(
                error.status, "application/x-amz-json-1.0", json.dumps(document).encode(),
                {"x-amzn-query-error": f"{error.query_code};{fault}"},
            )  # fmt: skip
            return
        self._send(200, "application/x-amz-json-1.0", json.dumps(answer).encode())

    def _sns(self, params: dict[str, str]) -> None:
        action = params.get("Action", "")
        handler = self.server.sns_actions.get(action)
        request_id = str(uuid.uuid4())
        try:
            if handler is None:
                raise SnsError("InvalidAction", f"{action or 'the action'} is not emulated by the local SNS")
            result = handler(params)
        except SnsError as error:
            fault = "Sender" if error.status < 500 else "Receiver"
            xml = (
                f'<ErrorResponse xmlns="{SNS_NAMESPACE}"><Error><Type>{fault}</Type><Code>{escape(error.code)}</Code>'
                f"<Message>{escape(error.message)}</Message></Error><RequestId>{request_id}</RequestId></ErrorResponse>"
            )
            self._send(error.status, "text/xml", xml.encode())
            return
        xml = (
            f'<{action}Response xmlns="{SNS_NAMESPACE}"><{action}Result>{_xml(result)}</{action}Result>'
            f"<ResponseMetadata><RequestId>{request_id}</RequestId></ResponseMetadata></{action}Response>"
        )
        self._send(200, "text/xml", xml.encode())

    def _send(self, status: int, content_type: str, payload: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)


def _xml(value: Any) -> str:
    """The query protocol's XML for a result: elements by name, lists as `member`s, maps as `entry`s."""
    if isinstance(value, XmlMap):
        return "".join(
            f"<entry><key>{escape(key)}</key><value>{escape(text)}</value></entry>" for key, text in value.items()
        )
    if isinstance(value, dict):
        return "".join(f"<{key}>{_xml(item)}</{key}>" for key, item in value.items())
    if isinstance(value, list):
        return "".join(f"<member>{_xml(item)}</member>" for item in value)
    return escape(str(value))


def serve_in_thread(data_dir: Path, region: str, port: int = 0, host: str = "127.0.0.1") -> LocalSqsServer:
    """Start a server on a thread of this process (tests); stop it with `shutdown()` and `server_close()`."""
    server = LocalSqsServer(data_dir, host, port, region)
    threading.Thread(target=server.serve_forever, name="local-sqs", daemon=True).start()
    return server


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.local.sqs", description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, required=True, help="directory of the SQLite database")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--region", default="us-east-1")
    parser.add_argument("--account", default=DEFAULT_ACCOUNT_ID)
    arguments = parser.parse_args(argv)
    server = LocalSqsServer(arguments.data, arguments.host, arguments.port, arguments.region, arguments.account)

    def stop(_signal_number: int, _frame: FrameType | None) -> None:
        raise SystemExit(0)  # every acknowledged write is committed: nothing to flush

    signal.signal(signal.SIGTERM, stop)
    print(f"local SQS and SNS on {server.url}, data {arguments.data}", file=sys.stderr, flush=True)
    try:
        server.serve_forever()
    finally:
        server.server_close()
    return 0
