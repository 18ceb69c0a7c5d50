"""The SQLite database behind the local SQS and SNS: queues, messages, topics and subscriptions.

One connection, used under one lock: every operation is a short transaction, and SQLite serializes
writers anyway. The lock is also a condition variable: a long-polling ReceiveMessage waits on it and
each committed write wakes the waiters, so a receive answers as soon as a message arrives.

Durability: WAL journal, and every acknowledged write is committed before its answer is sent. With
`synchronous=NORMAL` a commit is in the WAL file (the OS's page cache) when it returns: it survives a
kill -9 of the process at any moment, which is what the runtime must survive; only a crash of the
machine itself could lose the last commits (`synchronous=FULL` would fsync each one, ~10x slower).

Times are wall-clock milliseconds (`time.time()`), so a message's visibility timeout keeps running across
a restart: an in-flight message becomes visible again when its timeout ends, whether or not the process
was up meanwhile.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS queues (
    name TEXT PRIMARY KEY,
    attributes TEXT NOT NULL,          -- JSON: the settable attributes, as strings
    tags TEXT NOT NULL DEFAULT '{}',
    created_ms INTEGER NOT NULL,
    modified_ms INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS messages (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,  -- send order: receives hand out the oldest first
    queue TEXT NOT NULL,
    id TEXT NOT NULL,
    body TEXT NOT NULL,
    attributes TEXT NOT NULL,          -- JSON: message attributes as sent
    system_attributes TEXT NOT NULL,   -- JSON: AWSTraceHeader, DeadLetterQueueSourceArn
    sender_id TEXT NOT NULL,
    sent_ms INTEGER NOT NULL,
    visible_ms INTEGER NOT NULL,       -- not receivable before (delay, visibility timeout)
    receive_count INTEGER NOT NULL DEFAULT 0,
    first_receive_ms INTEGER,
    received_ms INTEGER,               -- the latest receive: a visibility timeout's 12-hour limit counts from it
    receipt TEXT                       -- the latest receive's token: older receipt handles are stale
);
CREATE INDEX IF NOT EXISTS messages_by_queue ON messages (queue, visible_ms, seq);
CREATE UNIQUE INDEX IF NOT EXISTS messages_by_id ON messages (queue, id);
CREATE TABLE IF NOT EXISTS topics (
    arn TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    attributes TEXT NOT NULL,
    tags TEXT NOT NULL DEFAULT '{}'
);
CREATE TABLE IF NOT EXISTS subscriptions (
    arn TEXT PRIMARY KEY,
    topic_arn TEXT NOT NULL,
    protocol TEXT NOT NULL,
    endpoint TEXT NOT NULL,
    attributes TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS subscriptions_by_topic ON subscriptions (topic_arn);
"""


def now_ms() -> int:
    return int(time.time() * 1000)


class Store:
    """The database file `<directory>/sqs.db` and the lock every operation holds."""

    def __init__(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.path = directory / "sqs.db"
        self._connection = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._connection.row_factory = sqlite3.Row
        self._connection.execute("PRAGMA journal_mode=WAL")
        self._connection.execute("PRAGMA synchronous=NORMAL")
        self._connection.executescript(SCHEMA)
        self.changed = threading.Condition(threading.RLock())  # notified after each committed write

    @contextlib.contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        with self.changed:
            yield self._connection

    @contextlib.contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One transaction, committed (or rolled back on an exception) before the block's caller answers."""
        with self.changed:
            if self._connection.in_transaction:  # nested in the caller's own transaction: part of it
                yield self._connection
                return
            self._connection.execute("BEGIN IMMEDIATE")
            try:
                yield self._connection
            except BaseException:
                self._connection.execute("ROLLBACK")
                raise
            self._connection.execute("COMMIT")
            self.changed.notify_all()

    def close(self) -> None:
        with self.changed:
            self._connection.close()
