"""ChangePublisher on SQS: timeline changes, ten per SendMessageBatch call."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from typing import Any

import boto3

from chirp.timelines.changes import TimelineChange

MAX_MESSAGES_PER_CALL = 10


class SqsChangePublisher:
    def __init__(self, queue_url: str) -> None:
        self._queue_url = queue_url

    @cached_property
    def client(self) -> Any:
        return boto3.client("sqs")

    def publish(self, changes: Sequence[TimelineChange]) -> None:
        for start in range(0, len(changes), MAX_MESSAGES_PER_CALL):
            chunk = changes[start : start + MAX_MESSAGES_PER_CALL]
            response = self.client.send_message_batch(
                QueueUrl=self._queue_url,
                Entries=[{"Id": str(n), "MessageBody": change.model_dump_json()} for n, change in enumerate(chunk)],
            )
            failed = response.get("Failed", [])
            if failed:
                raise RuntimeError(f"SQS refused {len(failed)} timeline changes: {failed[0].get('Message')}")
