"""Per-shard positions of a stream poller, kept in a JSON file so a restart resumes where it stopped.

The file records, for one event source mapping, the stream it reads and for each shard the sequence
number of the last record that was handled (delivered successfully, sent to the on-failure
destination, or filtered out) and whether the shard is finished (closed and fully handled).
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any


class CheckpointStore:
    def __init__(self, path: Path, stream_arn: str) -> None:
        self.path = path
        self.stream_arn = stream_arn
        self._lock = threading.Lock()
        self._shards: dict[str, dict[str, Any]] = {}
        self.initialized = False
        self._load()

    def _load(self) -> None:
        if not self.path.exists():
            return
        document = json.loads(self.path.read_text(encoding="utf-8"))
        if document.get("streamArn") != self.stream_arn:
            return  # the table (and so its stream) was recreated: start afresh
        self._shards = dict(document.get("shards") or {})
        self.initialized = bool(document.get("initialized"))

    def sequence_number(self, shard_id: str) -> str | None:
        with self._lock:
            return self._shards.get(shard_id, {}).get("sequenceNumber")

    def is_finished(self, shard_id: str) -> bool:
        with self._lock:
            return bool(self._shards.get(shard_id, {}).get("finished"))

    def advance(self, shard_id: str, sequence_number: str) -> None:
        with self._lock:
            self._shards.setdefault(shard_id, {})["sequenceNumber"] = sequence_number
        self.save()

    def finish(self, shard_id: str) -> None:
        with self._lock:
            self._shards.setdefault(shard_id, {})["finished"] = True
        self.save()

    def mark_initialized(self) -> None:
        self.initialized = True
        self.save()

    def forget_shards_except(self, shard_ids: set[str]) -> None:
        """Drop entries of shards the stream no longer lists (trimmed)."""
        with self._lock:
            gone = set(self._shards) - shard_ids
            for shard_id in gone:
                del self._shards[shard_id]
        if gone:
            self.save()

    def save(self) -> None:
        with self._lock:
            document = {"streamArn": self.stream_arn, "initialized": self.initialized, "shards": self._shards}
            text = json.dumps(document, indent=1, sort_keys=True)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_name(f".{self.path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        temporary.write_text(text, encoding="utf-8")
        temporary.replace(self.path)
