"""One AWS endpoint for the runtimes under test, metering every DynamoDB request that passes through.

The timelines benchmark starts one DynamoDB Local and one moto server, and points each runtime at this
router (`AWS_ENDPOINT_URL`, the runtime's endpoint mode, as it would point at LocalStack). The router
sends DynamoDB and DynamoDB Streams requests (their `X-Amz-Target` header names them) to DynamoDB Local
and everything else to moto, and counts, per table and operation, the requests and the read and write
units DynamoDB Local reports: it adds `ReturnConsumedCapacity: TOTAL` to requests that did not ask for
it and reads `ConsumedCapacity` from the answers, which it passes on unchanged (their CRC32 still holds).
That is how the benchmark sees what the API, the fan-out and the timeline writer cost, in whatever
process they run, without touching the product code.

    python -m bench.timeline_router --port 4566 --dynamodb http://127.0.0.1:8001 --moto http://127.0.0.1:5001

`GET /_meter` answers the counters as JSON: {"tables": {table: {operation: {"requests", "read_units",
"write_units", "errors"}}}, "stream_requests": n}.
"""

from __future__ import annotations

import argparse
import http.client
import json
import threading
import urllib.parse
from collections import defaultdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

METER_PATH = "/_meter"
DYNAMODB_TARGET = "DynamoDB_20120810."
STREAMS_TARGET = "DynamoDBStreams_20120810."
READ_OPERATIONS = frozenset({"GetItem", "BatchGetItem", "Query", "Scan", "TransactGetItems"})
WRITE_OPERATIONS = frozenset({"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"})
HOP_BY_HOP = frozenset({"connection", "keep-alive", "transfer-encoding", "content-length", "proxy-connection"})
UPSTREAM_TIMEOUT_SECONDS = 60.0


class DynamoDBMeter:
    """Requests and consumed capacity per table and operation (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counters: dict[str, dict[str, dict[str, float]]] = defaultdict(
            lambda: defaultdict(lambda: {"requests": 0, "read_units": 0.0, "write_units": 0.0, "errors": 0})
        )
        self._stream_requests = 0

    def record(self, operation: str, request: dict[str, Any], status: int, response: dict[str, Any]) -> None:
        tables = tables_named_in(request)
        units = units_by_table(operation, response.get("ConsumedCapacity"))
        with self._lock:
            for table in tables:
                counters = self._counters[table][operation]
                counters["requests"] += 1
                counters["errors"] += int(status >= 300)
            for table, (read_units, write_units) in units.items():
                counters = self._counters[table][operation]
                counters["read_units"] += read_units
                counters["write_units"] += write_units

    def record_stream_request(self) -> None:
        with self._lock:
            self._stream_requests += 1

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            tables = {table: {op: dict(values) for op, values in ops.items()} for table, ops in self._counters.items()}
            return {"tables": tables, "stream_requests": self._stream_requests}


def tables_named_in(request: dict[str, Any]) -> list[str]:
    """The tables a DynamoDB request touches (one for most operations; several for batches and transactions)."""
    if "TableName" in request:
        return [str(request["TableName"])]
    if "RequestItems" in request:
        return [str(table) for table in request["RequestItems"]]
    tables: dict[str, None] = {}
    for item in request.get("TransactItems", []):
        for action in item.values():
            tables[str(action["TableName"])] = None
    return list(tables)


def units_by_table(operation: str, consumed: Any) -> dict[str, tuple[float, float]]:
    """(read units, write units) per table from a response's ConsumedCapacity (one entry or a list)."""
    entries = consumed if isinstance(consumed, list) else [consumed] if isinstance(consumed, dict) else []
    units: dict[str, tuple[float, float]] = {}
    for entry in entries:
        total = float(entry.get("CapacityUnits", 0.0))
        read = float(entry.get("ReadCapacityUnits", total if operation in READ_OPERATIONS else 0.0))
        write = float(entry.get("WriteCapacityUnits", total if operation in WRITE_OPERATIONS else 0.0))
        previous = units.get(entry["TableName"], (0.0, 0.0))
        units[entry["TableName"]] = (previous[0] + read, previous[1] + write)
    return units


class Upstreams:
    """One keep-alive connection per thread and upstream."""

    def __init__(self, dynamodb_url: str, moto_url: str) -> None:
        self.dynamodb = urllib.parse.urlsplit(dynamodb_url).netloc
        self.moto = urllib.parse.urlsplit(moto_url).netloc
        self._local = threading.local()

    def send(self, netloc: str, method: str, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, Any, bytes]:
        try:
            return self._exchange(self._connection(netloc, fresh=False), method, path, body, headers)
        except (ConnectionError, http.client.HTTPException):
            # Most likely a keep-alive connection the upstream closed meanwhile: once more, on a new one.
            return self._exchange(self._connection(netloc, fresh=True), method, path, body, headers)

    @staticmethod
    def _exchange(
        connection: http.client.HTTPConnection, method: str, path: str, body: bytes, headers: dict[str, str]
    ) -> tuple[int, Any, bytes]:
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            return response.status, response.getheaders(), response.read()
        except (ConnectionError, http.client.HTTPException):
            connection.close()
            raise

    def _connection(self, netloc: str, *, fresh: bool) -> http.client.HTTPConnection:
        connections: dict[str, http.client.HTTPConnection] = self._local.__dict__.setdefault("connections", {})
        if fresh or netloc not in connections:
            connections[netloc] = http.client.HTTPConnection(netloc, timeout=UPSTREAM_TIMEOUT_SECONDS)
        return connections[netloc]


class RouterHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # The answer's headers and body leave in two writes; with Nagle's algorithm on, the body waited for the
    # client's delayed ACK of the headers: 40 ms on Linux, on every DynamoDB call the runtimes made through the
    # router (measured: a Query + BatchGetItem pair, 104 ms p50 through the router against 22 ms direct; 21 ms
    # with this). That was the ~50 ms between the home read in its handler and over HTTP (issue 14).
    disable_nagle_algorithm = True
    server: RouterServer

    def do_GET(self) -> None:
        if self.path == METER_PATH:
            self._answer(200, [("Content-Type", "application/json")], json.dumps(self.server.meter.snapshot()).encode())
        else:
            self._forward()

    def do_POST(self) -> None:
        self._forward()

    def do_PUT(self) -> None:
        self._forward()

    def do_DELETE(self) -> None:
        self._forward()

    def do_HEAD(self) -> None:
        self._forward()

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the router serves thousands of requests a second."""

    def _forward(self) -> None:
        try:
            self._forward_to_upstream()
        except (OSError, http.client.HTTPException) as error:
            message = json.dumps({"message": f"router: upstream unreachable: {error}"}).encode()
            self._answer(502, [("Content-Type", "application/json")], message)

    def _forward_to_upstream(self) -> None:
        body = self._read_body()
        headers = {name: value for name, value in self.headers.items() if name.lower() not in HOP_BY_HOP}
        target = self.headers.get("X-Amz-Target", "")
        upstreams = self.server.upstreams
        if target.startswith(DYNAMODB_TARGET):
            operation = target.removeprefix(DYNAMODB_TARGET)
            request = json.loads(body or b"{}")
            if (
                operation in READ_OPERATIONS or operation in WRITE_OPERATIONS
            ) and "ReturnConsumedCapacity" not in request:
                request["ReturnConsumedCapacity"] = "TOTAL"
                body = json.dumps(request).encode()
            status, response_headers, response_body = upstreams.send(
                upstreams.dynamodb, self.command, self.path, body, headers
            )
            parsed = json.loads(response_body) if response_body.startswith(b"{") else {}
            self.server.meter.record(operation, request, status, parsed)
        else:
            if target.startswith(STREAMS_TARGET):
                self.server.meter.record_stream_request()
            netloc = upstreams.dynamodb if target.startswith(STREAMS_TARGET) else upstreams.moto
            status, response_headers, response_body = upstreams.send(netloc, self.command, self.path, body, headers)
        kept = [(name, value) for name, value in response_headers if name.lower() not in HOP_BY_HOP]
        self._answer(status, kept, response_body)

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _answer(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        self.send_response_only(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


class RouterServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], upstreams: Upstreams) -> None:
        super().__init__(address, RouterHandler)
        self.upstreams = upstreams
        self.meter = DynamoDBMeter()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--dynamodb", required=True, help="DynamoDB Local's URL")
    parser.add_argument("--moto", required=True, help="moto server's URL")
    args = parser.parse_args()
    server = RouterServer(("127.0.0.1", args.port), Upstreams(args.dynamodb, args.moto))
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
