"""One upgraded WebSocket connection: its socket, the protocol state, and API Gateway's limits on it.

The protocol is `websockets`' sans-I/O `ServerProtocol`: this module does the I/O on the socket the HTTP
server accepted. One thread reads (the one that served the handshake: `messages()` yields each complete
text message); any thread may send or close, one at a time (a lock per connection), since pushes come
from the management API's requests, each on its own thread.

API Gateway's limits: a frame over 32 KB or a message over 128 KB closes the connection with 1009; a
binary frame closes it with 1003 (API Gateway accepts text only); 10 minutes without a data frame
either way (pings do not count) or 2 hours in all close it with 1001. A message sent to the client
goes in frames of 32 KB at most, as API Gateway splits them.
"""

from __future__ import annotations

import contextlib
import select
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from websockets.frames import Close, CloseCode, Frame, Opcode
from websockets.http11 import Response
from websockets.protocol import State
from websockets.server import ServerProtocol

MAX_FRAME_BYTES = 32 * 1024
MAX_MESSAGE_BYTES = 128 * 1024
CLOSE_TIMEOUT_SECONDS = 5.0  # how long a closed connection waits for the client's close frame
_POLL_SECONDS = 1.0  # the reader looks at its deadlines at least this often
_RECEIVE_BYTES = 65536
_DATA_OPCODES = frozenset({Opcode.TEXT, Opcode.BINARY, Opcode.CONT})

DELETED = (int(CloseCode.NORMAL_CLOSURE), "Connection Closed Normally")  # DeleteConnection, as AWS reports it
GOING_AWAY = (int(CloseCode.GOING_AWAY), "Going away")
NO_STATUS_REASON = "Client-side close frame status not set"  # AWS's reason for a close frame without a code


@dataclass(frozen=True)
class ConnectionLimits:
    """API Gateway's timeouts; tests shorten them."""

    idle_timeout_seconds: float = 600.0
    max_duration_seconds: float = 7200.0


class ConnectionGone(Exception):
    """The connection is closed or closing: API Gateway answers 410 Gone."""


def server_protocol() -> ServerProtocol:
    """A protocol that refuses frames over 32 KB and messages over 128 KB (1009), with no extension:
    API Gateway negotiates no compression."""
    return ServerProtocol(extensions=[], max_size=(MAX_MESSAGE_BYTES, MAX_FRAME_BYTES))


class Connection:
    """An open connection (the handshake's 101 answer included); see the module's docstring."""

    def __init__(
        self, sock: socket.socket, protocol: ServerProtocol, limits: ConnectionLimits, handshake: Response
    ) -> None:
        self.sock = sock
        self.protocol = protocol
        self.limits = limits
        self.last_active_at = datetime.now(UTC)
        self._opened = self._last_active = time.monotonic()
        self._lock = threading.Lock()
        self._closing_deadline: float | None = None
        self._closed_by_gateway: tuple[int, str] | None = None
        self._broken = False
        self._fragments: list[bytes] = []
        sock.settimeout(CLOSE_TIMEOUT_SECONDS)  # bounds a send to a client that stopped reading
        with self._lock:
            protocol.send_response(handshake)
            self._flush()

    # ------------------------------------------------------------------ any thread
    def send(self, data: bytes) -> None:
        """Send `data` as one message: text when it is UTF-8, else binary; ConnectionGone if closed."""
        with self._lock:
            if self.protocol.state is not State.OPEN or self._broken:
                raise ConnectionGone
            self._send_message(data)
            self._flush()
            if self._broken:
                raise ConnectionGone
            self._touch()

    def close(self, code: int, reason: str) -> None:
        """Close with `code`; `reason` is what `$disconnect` will be told. No-op once closing."""
        with self._lock:
            if self.protocol.state is not State.OPEN:
                return
            self._closed_by_gateway = (code, reason)
            self.protocol.send_close(code)
            self._flush()
            self._closing_deadline = time.monotonic() + CLOSE_TIMEOUT_SECONDS

    def abort(self) -> None:
        """Drop the TCP connection now (the reader then finishes)."""
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)

    @property
    def is_open(self) -> bool:
        return self.protocol.state is State.OPEN and not self._broken

    # ------------------------------------------------------------------ the reading thread
    def messages(self) -> Iterator[str]:
        """Each text message the client sends, until the connection is closed."""
        while self.protocol.state is not State.CLOSED and not self._broken:
            data = self._receive()
            if data is None:
                continue
            with self._lock:
                if data:
                    self.protocol.receive_data(data)
                else:
                    self.protocol.receive_eof()
                frames = self.protocol.events_received()
                self._flush()
            for frame in frames:
                if isinstance(frame, Frame):
                    message = self._assemble(frame)
                    if message is not None:
                        yield message
            if not data:
                return

    def disconnect_status(self) -> tuple[int, str]:
        """The close code and reason `$disconnect` reports, once the connection is closed."""
        if self._closed_by_gateway is not None:
            return self._closed_by_gateway
        received: Close | None = self.protocol.close_rcvd
        if received is not None:
            if received.code == CloseCode.NO_STATUS_RCVD:
                return int(received.code), NO_STATUS_REASON
            return int(received.code), received.reason
        sent: Close | None = self.protocol.close_sent  # the protocol failed the connection (1002, 1007, 1009)
        if sent is not None:
            return int(sent.code), sent.reason
        return int(CloseCode.ABNORMAL_CLOSURE), ""

    def _receive(self) -> bytes | None:
        """Bytes from the client (b"" at its end), or None when a deadline passed first."""
        wait = self._seconds_to_deadline()
        if wait > 0:
            readable, _, _ = select.select([self.sock], [], [], min(wait, _POLL_SECONDS))
            if readable:
                try:
                    return self.sock.recv(_RECEIVE_BYTES)
                except OSError:
                    return b""
            if wait > _POLL_SECONDS:
                return None
        self._on_deadline()
        return None

    def _seconds_to_deadline(self) -> float:
        now = time.monotonic()
        if self._closing_deadline is None and self.protocol.state is not State.OPEN:  # closing, by either side
            self._closing_deadline = now + CLOSE_TIMEOUT_SECONDS
        if self._closing_deadline is not None:
            return self._closing_deadline - now
        idle_end = self._last_active + self.limits.idle_timeout_seconds
        return min(idle_end, self._opened + self.limits.max_duration_seconds) - now

    def _on_deadline(self) -> None:
        if self._closing_deadline is not None:  # the client never finished closing
            self._broken = True
            self.abort()
        else:  # idle for too long, or open for too long
            self.close(*GOING_AWAY)

    def _assemble(self, frame: Frame) -> str | None:
        """The complete text message `frame` ends, if it ends one; a binary one closes the connection."""
        if frame.opcode not in _DATA_OPCODES:
            return None
        self._touch()
        if frame.opcode is Opcode.BINARY:
            self._fail(CloseCode.UNSUPPORTED_DATA)
            return None
        self._fragments.append(bytes(frame.data))
        if not frame.fin:
            return None
        payload, self._fragments = b"".join(self._fragments), []
        try:
            return payload.decode("utf-8")
        except UnicodeDecodeError:
            self._fail(CloseCode.INVALID_DATA)
            return None

    def _fail(self, code: CloseCode) -> None:
        with self._lock:
            if self.protocol.state is State.OPEN:
                self._closed_by_gateway = (int(code), "")
                self.protocol.fail(code)
                self._flush()

    # ------------------------------------------------------------------ with the lock held
    def _send_message(self, data: bytes) -> None:
        chunks = [data[start : start + MAX_FRAME_BYTES] for start in range(0, len(data), MAX_FRAME_BYTES)] or [b""]
        first, *rest = chunks
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            self.protocol.send_binary(first, fin=not rest)
        else:
            self.protocol.send_text(first, fin=not rest)
        for index, chunk in enumerate(rest, start=1):
            self.protocol.send_continuation(chunk, fin=index == len(rest))

    def _flush(self) -> None:
        """Write what the protocol has to send; an empty chunk means: end our side of the TCP stream."""
        for chunk in self.protocol.data_to_send():
            try:
                if chunk:
                    self.sock.sendall(chunk)
                else:
                    self.sock.shutdown(socket.SHUT_WR)
            except OSError:  # the client is gone, or stopped reading: the connection cannot go on
                self._broken = True
                self.abort()
                return

    def _touch(self) -> None:
        self._last_active = time.monotonic()
        self.last_active_at = datetime.now(UTC)
