"""The local runtime's S3 endpoint: a proxy in front of SeaweedFS that adds what S3 does and it does not.

Every request goes to SeaweedFS as it came (method, path, headers with the signed Host, body streamed), and
its answer comes back as it went, except:

- a browser upload (POST Object: a multipart form to `/<bucket>`) is checked first as S3 checks it
  (`infra.local.s3.post_policy`): its body is spooled to a file under the data dir while its fields are
  parsed (the file is counted, never held in memory), and it reaches the storage only once accepted;
- CORS is answered from the bucket's CorsConfiguration (`infra.local.s3.cors`): preflights here, and the
  storage's own CORS headers replaced by S3's on every answer;
- after an object is created (POST, PUT, CopyObject, CompleteMultipartUpload) or deleted (DeleteObject,
  DeleteObjects), its event goes to the bucket's notification queues (`infra.local.s3.notifications`).

Path-style addressing only (`http://127.0.0.1:<port>/<bucket>/<key>`): what boto3 uses with an IP endpoint.
"""

from __future__ import annotations

import contextlib
import http.client
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import BufferedIOBase
from pathlib import Path
from typing import IO, Any
from urllib.parse import parse_qsl, quote, unquote, urlsplit
from xml.etree import ElementTree
from xml.sax.saxutils import escape

from infra.local.s3.cors import CorsRule, preflight_headers, requested_headers, response_headers
from infra.local.s3.errors import S3Error, request_ids, s3_headers
from infra.local.s3.notifications import NotificationDispatcher, ObjectEvent
from infra.local.s3.post_form import form_boundary, read_post_form
from infra.local.s3.post_policy import (
    MAX_POST_OBJECT_BYTES,
    AcceptedPost,
    PostForm,
    check_post,
    check_post_fields,
    check_post_size,
)

STORAGE_TIMEOUT_SECONDS = 600.0
_COPY_CHUNK = 256 * 1024
_HOP_BY_HOP = frozenset({"connection", "keep-alive", "proxy-connection", "te", "trailer", "upgrade", "expect"})
# Query parameters that authenticate or label a request rather than name a sub-resource (`?tagging`, `?acl`).
_NOT_SUBRESOURCES = frozenset({
    "x-amz-algorithm", "x-amz-credential", "x-amz-date", "x-amz-expires", "x-amz-signedheaders",
    "x-amz-signature", "x-amz-security-token", "x-amz-user-agent", "awsaccesskeyid", "signature", "expires",
    "x-id", "versionid",
})  # fmt: skip
# Operations whose 200 answer may still carry an error, or whose answer names what changed: read whole.
_READ_WHOLE = frozenset({"CopyObject", "CompleteMultipartUpload", "DeleteObjects"})
_CREATED_EVENTS = {
    "PutObject": "ObjectCreated:Put",
    "PostObject": "ObjectCreated:Post",
    "CopyObject": "ObjectCreated:Copy",
    "CompleteMultipartUpload": "ObjectCreated:CompleteMultipartUpload",
}


@dataclass(frozen=True)
class S3Request:
    """A request as S3 reads it: the bucket, the key and the operation it names."""

    method: str
    bucket: str
    key: str
    query: dict[str, str]
    headers: Message

    @classmethod
    def parse(cls, method: str, target: str, headers: Message) -> S3Request:
        split = urlsplit(target)
        bucket, _, key = split.path.lstrip("/").partition("/")
        query = dict(parse_qsl(split.query, keep_blank_values=True))
        return cls(method.upper(), unquote(bucket), unquote(key), query, headers)

    @property
    def subresources(self) -> set[str]:
        return {name for name in self.query if name.lower() not in _NOT_SUBRESOURCES}

    @property
    def is_preflight(self) -> bool:
        return self.method == "OPTIONS" and "Origin" in self.headers and "Access-Control-Request-Method" in self.headers

    @property
    def operation(self) -> str | None:
        """The object operation this request is, when it is one that creates or deletes objects."""
        if not self.bucket:
            return None
        if self.key:
            return self._object_operation()
        if self.method == "POST" and self.subresources == {"delete"}:
            return "DeleteObjects"
        content_type = self.headers.get("Content-Type", "")
        if self.method == "POST" and not self.subresources and form_boundary(content_type):
            return "PostObject"
        return None

    def _object_operation(self) -> str | None:
        subresources = self.subresources
        if self.method == "PUT" and not subresources:
            return "CopyObject" if "x-amz-copy-source" in self.headers else "PutObject"
        if self.method == "POST" and subresources == {"uploadId"}:
            return "CompleteMultipartUpload"
        if self.method == "DELETE" and not subresources:
            return "DeleteObject"
        return None

    @property
    def access_key(self) -> str | None:
        """Who signed the request (SigV4 header or query, SigV2 header)."""
        authorization = self.headers.get("Authorization", "")
        if "Credential=" in authorization:
            return authorization.split("Credential=", 1)[1].split("/", 1)[0]
        if authorization.startswith("AWS "):
            return authorization[4:].split(":", 1)[0]
        credential = self.query.get("X-Amz-Credential") or self.query.get("AWSAccessKeyId")
        return credential.split("/", 1)[0] if credential else None


class S3Front(ThreadingHTTPServer):
    """The proxy's HTTP server; `cors` holds each bucket's CORS rules (set at provisioning)."""

    daemon_threads = True
    request_queue_size = 128
    allow_reuse_address = True

    def __init__(
        self,
        address: tuple[str, int],
        storage: tuple[str, int],
        credentials: dict[str, str],
        spool_dir: Path,
        dispatcher: NotificationDispatcher,
    ) -> None:
        self.storage = storage
        self.credentials = credentials
        self.spool_dir = spool_dir
        self.dispatcher = dispatcher
        self.cors: dict[str, tuple[CorsRule, ...]] = {}
        super().__init__(address, _FrontHandler)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hung up is no error of the server's; anything else is printed."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


BodySender = Callable[[http.client.HTTPConnection], None]


class _FrontHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server: S3Front
    _answered = False
    _accepted_key = ""

    def do_request(self) -> None:
        self._answered = False
        self._accepted_key = ""
        request = S3Request.parse(self.command, self.path, self.headers)
        try:
            if request.is_preflight:
                self._preflight(request)
            elif request.operation == "PostObject":
                self._post_object(request)
            else:
                self._forward(request, self._relay_body, self.headers.items())
        except S3Error as error:
            # A refused POST may leave part of its body unread: the connection cannot carry another request.
            self.close_connection = self.close_connection or request.operation == "PostObject"
            self._send_error(request, error)
        except (http.client.HTTPException, OSError) as error:
            self.close_connection = True
            print(f"[chirp-local] S3 {self.command} {self.path}: {type(error).__name__}: {error}", file=sys.stderr)
            if not self._answered:
                unavailable = S3Error(503, "ServiceUnavailable", "Service is unable to handle request.")
                with contextlib.suppress(OSError):
                    self._send_error(request, unavailable)

    do_GET = do_HEAD = do_PUT = do_POST = do_DELETE = do_OPTIONS = do_PATCH = do_request  # noqa: N815

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the runtime's output is the API's; refusals are printed where they happen."""

    # ------------------------------------------------------------------ CORS
    def _preflight(self, request: S3Request) -> None:
        self._drain_body()
        origin = self.headers["Origin"]
        method = self.headers["Access-Control-Request-Method"]
        wanted = requested_headers(self.headers.get("Access-Control-Request-Headers"))
        cors = preflight_headers(self.server.cors.get(request.bucket), origin, method, wanted, bool(request.key))
        request_id, host_id = request_ids()
        self._send_head(200, "OK", [*s3_headers(request_id, host_id), *cors, ("Content-Length", "0")])

    def _cors_headers(self, request: S3Request) -> list[tuple[str, str]]:
        return response_headers(self.server.cors.get(request.bucket), self.headers.get("Origin"), request.method)

    # ------------------------------------------------------------------ POST Object
    def _post_object(self, request: S3Request) -> None:
        boundary = form_boundary(self.headers.get("Content-Type", "")) or b""
        self.server.spool_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=self.server.spool_dir, prefix="post-") as spool:
            form, accepted = self._read_form(request, boundary, spool)
            length = spool.tell()
            spool.seek(0)
            headers = [(name, value) for name, value in self.headers.items() if name.lower() not in (
                "content-length", "transfer-encoding")] + [("Content-Length", str(length))]  # fmt: skip
            self._accepted_key = accepted.key
            self._forward(request, lambda connection: _send_file(spool, connection), headers, (form, accepted))

    def _read_form(self, request: S3Request, boundary: bytes, spool: IO[bytes]) -> tuple[PostForm, AcceptedPost]:
        """The form once S3 would accept it, spooled; S3Error (the whole body read) when S3 would refuse it."""
        now = datetime.now(UTC)
        verdict: list[AcceptedPost | S3Error] = []

        def on_file(fields: PostForm) -> int:
            try:
                verdict.append(check_post_fields(fields, request.bucket, self.server.credentials, now))
            except S3Error as refused:
                verdict.append(refused)
                return -1
            size_range = verdict[0].size_range if isinstance(verdict[0], AcceptedPost) else None
            return size_range.maximum if size_range else MAX_POST_OBJECT_BYTES

        try:
            form = read_post_form(self._body_reader(), boundary, spool, on_file)
            accepted = verdict[0] if verdict else check_post(form, request.bucket, self.server.credentials, now)
            if isinstance(accepted, S3Error):
                raise accepted
            check_post_size(form.file_size, accepted.size_range)
        except S3Error as refused:
            print(f"[chirp-local] S3 POST /{request.bucket} refused: {refused}", file=sys.stderr, flush=True)
            raise
        return form, accepted

    # ------------------------------------------------------------------ relaying
    def _forward(
        self,
        request: S3Request,
        send_body: BodySender,
        headers: Any,
        post: tuple[PostForm, AcceptedPost] | None = None,
    ) -> None:
        connection = http.client.HTTPConnection(*self.server.storage, timeout=STORAGE_TIMEOUT_SECONDS)
        try:
            connection.putrequest(self.command, self.path, skip_host=True, skip_accept_encoding=True)
            for name, value in headers:
                if name.lower() not in _HOP_BY_HOP:
                    connection.putheader(name, value)
            connection.endheaders()
            send_body(connection)
            response = connection.getresponse()
            body = response.read() if _read_whole(request, response.status) else None
            events = self._events(request, response, body, post)  # before the answer: the object is there yet
            self._relay_answer(request, response, body)
        finally:
            connection.close()
        for event in events:
            self.server.dispatcher.publish(event)

    def _relay_answer(self, request: S3Request, response: http.client.HTTPResponse, body: bytes | None) -> None:
        headers = [(name, value) for name, value in response.getheaders() if not _storage_only(name, value)]
        headers += [("Server", "AmazonS3"), *self._cors_headers(request)]
        bodiless = self.command == "HEAD" or response.status in (204, 304) or response.status < 200
        chunked = not bodiless and body is None and response.getheader("Content-Length") is None
        if body is not None and request.operation == "PostObject":
            body = self._with_location(request, body)
            if not any(name.lower() == "location" for name, _value in headers):
                headers.append(("Location", self._object_url(request)))
        if body is not None and not bodiless:
            headers = [(name, value) for name, value in headers if name.lower() != "content-length"]
            headers.append(("Content-Length", str(len(body))))
        elif chunked:
            headers.append(("Transfer-Encoding", "chunked"))
        self._send_head(response.status, response.reason, headers)
        if body is not None and not bodiless:
            self.wfile.write(body)
        elif not bodiless:
            _copy_response(response, self.wfile, chunked)

    def _with_location(self, request: S3Request, body: bytes) -> bytes:
        """A 201 PostResponse names the object's URL in Location (the storage leaves it empty)."""
        if b"<Location></Location>" not in body:
            return body
        location = escape(self._object_url(request))
        return body.replace(b"<Location></Location>", f"<Location>{location}</Location>".encode())

    def _object_url(self, request: S3Request) -> str:
        """Where an uploaded object is, as S3 tells a POST's client (`Location`)."""
        key = self._accepted_key or request.key
        return f"http://{self.headers.get('Host', '')}/{quote(request.bucket)}/{quote(key)}"

    def _send_head(self, status: int, reason: str, headers: list[tuple[str, str]]) -> None:
        self._answered = True
        self.send_response_only(status, reason)
        for name, value in headers:
            self.send_header(name, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()

    def _send_error(self, request: S3Request, error: S3Error) -> None:
        request_id, host_id = request_ids()
        document = error.document(request_id, host_id)
        headers = [*s3_headers(request_id, host_id), ("Content-Type", "application/xml")]
        headers += [*self._cors_headers(request), ("Content-Length", str(len(document)))]
        self._send_head(error.status, http.client.responses.get(error.status, ""), headers)
        self.wfile.write(document)

    # ------------------------------------------------------------------ request bodies
    def _relay_body(self, connection: http.client.HTTPConnection) -> None:
        """The client's body to the storage as it comes: Content-Length bytes, or the chunks as framed."""
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            _copy_chunked(self.rfile, connection.send)
            return
        remaining = int(self.headers.get("Content-Length") or 0)
        while remaining > 0:
            chunk = self.rfile.read(min(_COPY_CHUNK, remaining))
            if not chunk:
                raise ConnectionResetError("the client closed before sending its whole body")
            connection.send(chunk)
            remaining -= len(chunk)

    def _body_reader(self) -> Callable[[int], bytes]:
        """read(n) over the request's body, de-chunked, b"" at its end."""
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            return _ChunkedReader(self.rfile).read
        remaining = [int(self.headers.get("Content-Length") or 0)]

        def read(size: int) -> bytes:
            chunk = self.rfile.read(min(size, remaining[0])) if remaining[0] > 0 else b""
            remaining[0] -= len(chunk)
            return chunk

        return read

    def _drain_body(self) -> None:
        read = self._body_reader()
        while read(_COPY_CHUNK):
            pass

    # ------------------------------------------------------------------ notifications
    def _events(
        self,
        request: S3Request,
        response: http.client.HTTPResponse,
        body: bytes | None,
        post: tuple[PostForm, AcceptedPost] | None,
    ) -> list[ObjectEvent]:
        """The events of this answer for the bucket's notifications, complete (a size or ETag the answer does
        not tell is looked up now, before the client can delete the object)."""
        dispatcher = self.server.dispatcher
        if not dispatcher.sends_for(request.bucket):
            return []
        request_id = response.getheader("x-amz-request-id") or request_ids()[0]
        host_id = response.getheader("x-amz-id-2") or request_ids()[1]
        events = []
        for fields in object_events(request, response.status, _header_map(response), body, post):
            event = ObjectEvent(**fields, source_ip=self.client_address[0], request_id=request_id, host_id=host_id)
            completed = dispatcher.complete(event)
            if completed is not None:
                events.append(completed)
        return events


def object_events(
    request: S3Request,
    status: int,
    headers: dict[str, str],
    body: bytes | None,
    post: tuple[PostForm, AcceptedPost] | None = None,
) -> list[dict[str, Any]]:
    """The events S3 would notify for a relayed answer (ObjectEvent fields but the request's ids)."""
    operation = request.operation
    signer = post[1].access_key if post else request.access_key
    common = {"bucket": request.bucket, "principal_id": f"AWS:{signer}" if signer else "ANONYMOUS"}
    if operation == "DeleteObject" and status == 204:
        return [{**common, "event_name": "ObjectRemoved:Delete", "key": request.key}]
    if operation == "DeleteObjects" and status == 200 and body is not None:
        return [{**common, "event_name": "ObjectRemoved:Delete", "key": key} for key in _deleted_keys(body)]
    if operation not in _CREATED_EVENTS or status not in (200, 201, 204, 303):
        return []
    key, size, etag = request.key, _created_size(request), headers.get("etag")
    if post is not None:
        key, size, etag = post[1].key, post[0].file_size, etag or (_result_etag(body) if body else None)
    elif body is not None:  # CopyObject and CompleteMultipartUpload: a 200 may still be an error
        etag = _result_etag(body)
        if etag is None:
            return []
    return [{**common, "event_name": _CREATED_EVENTS[operation], "key": key, "size": size, "etag": etag}]


def _created_size(request: S3Request) -> int | None:
    """A PutObject's size as its request tells it (None when it does not: a copy, a multipart upload)."""
    if request.operation != "PutObject":
        return None
    decoded = request.headers.get("x-amz-decoded-content-length")
    if decoded:
        return int(decoded)  # an aws-chunked body: Content-Length counts the framing too
    if "aws-chunked" in request.headers.get("Content-Encoding", "") or "Transfer-Encoding" in request.headers:
        return None
    length = request.headers.get("Content-Length")
    return int(length) if length else None


def _result_etag(body: bytes) -> str | None:
    with contextlib.suppress(ElementTree.ParseError):
        root = ElementTree.fromstring(body)
        if not root.tag.endswith("Error"):
            for element in root.iter():
                if element.tag.endswith("ETag") and element.text:
                    return element.text
    return None


def _deleted_keys(body: bytes) -> list[str]:
    try:
        root = ElementTree.fromstring(body)
    except ElementTree.ParseError:
        return []
    keys = []
    for deleted in (element for element in root.iter() if element.tag.endswith("Deleted")):
        for child in deleted:
            if child.tag.endswith("Key") and child.text is not None:
                keys.append(child.text)
    return keys


def _read_whole(request: S3Request, status: int) -> bool:
    """Whether to read the storage's answer before relaying it: small ones the front reads or amends."""
    if request.operation == "PostObject":
        return 200 <= status < 300
    return request.operation in _READ_WHOLE and status == 200


def _storage_only(name: str, value: str) -> bool:
    """Headers of the storage's answer that S3's would not carry (or that the front sets itself)."""
    lowered = name.lower()
    return (
        lowered in _HOP_BY_HOP
        or lowered in ("transfer-encoding", "server")
        or lowered.startswith("access-control-")
        or (lowered == "vary" and value.strip().lower() == "origin")
    )


def _header_map(response: http.client.HTTPResponse) -> dict[str, str]:
    return {name.lower(): value for name, value in response.getheaders()}


def _send_file(spool: IO[bytes], connection: http.client.HTTPConnection) -> None:
    while chunk := spool.read(_COPY_CHUNK):
        connection.send(chunk)


def _copy_response(response: http.client.HTTPResponse, out: BufferedIOBase, chunked: bool) -> None:
    while chunk := response.read(_COPY_CHUNK):
        out.write(b"%x\r\n%b\r\n" % (len(chunk), chunk) if chunked else chunk)
    if chunked:
        out.write(b"0\r\n\r\n")


def _copy_chunked(rfile: BufferedIOBase, send: Callable[[bytes], None]) -> None:
    """Relay a chunked body with its framing (and trailers: aws-chunked checksums ride in them)."""
    while True:
        line = rfile.readline(65537)
        send(line)
        size = int(line.split(b";")[0].strip() or b"0", 16)
        if size == 0:
            while (trailer := rfile.readline(65537)) not in (b"\r\n", b"\n", b""):
                send(trailer)
            send(b"\r\n")
            return
        while size > 0:
            chunk = rfile.read(min(_COPY_CHUNK, size))
            if not chunk:
                raise ConnectionResetError("the client closed inside a chunk")
            send(chunk)
            size -= len(chunk)
        send(rfile.readline(3))


class _ChunkedReader:
    """read(n) over a chunked body, de-chunked."""

    def __init__(self, rfile: BufferedIOBase) -> None:
        self._rfile = rfile
        self._left = 0
        self._done = False

    def read(self, size: int) -> bytes:
        if self._done:
            return b""
        if self._left == 0:
            self._left = int(self._rfile.readline(65537).split(b";")[0].strip() or b"0", 16)
            if self._left == 0:
                while self._rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                    pass
                self._done = True
                return b""
        chunk = self._rfile.read(min(size, self._left))
        if not chunk:
            raise ConnectionResetError("the client closed inside a chunk")
        self._left -= len(chunk)
        if self._left == 0:
            self._rfile.readline(3)
        return chunk
