"""The queues Chirp sends to itself: timeline changes (ChangePublisher), account erasures (ErasureQueue)."""

from __future__ import annotations

import json
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


class SqsErasureQueue:
    """ErasureQueue on SQS: one message per account, `{"user_id": <id>}`, ten per SendMessageBatch call."""

    def __init__(self, queue_url: str) -> None:
        self._queue_url = queue_url

    @cached_property
    def client(self) -> Any:
        return boto3.client("sqs")

    def start(self, user_ids: Sequence[int]) -> None:
        for start in range(0, len(user_ids), MAX_MESSAGES_PER_CALL):
            chunk = user_ids[start : start + MAX_MESSAGES_PER_CALL]
            response = self.client.send_message_batch(
                QueueUrl=self._queue_url,
                Entries=[{"Id": str(n), "MessageBody": erasure_message(user_id)} for n, user_id in enumerate(chunk)],
            )
            failed = response.get("Failed", [])
            if failed:
                raise RuntimeError(f"SQS refused {len(failed)} erasure messages: {failed[0].get('Message')}")

    def settle(self, user_id: int, delay_s: int) -> None:
        # SQS delays a message 15 minutes at most; a longer settling period is not needed (nothing stays in flight
        # that long but a failing message, which its own retries and DLQ answer for).
        body = json.dumps({"user_id": user_id, "settle": True})
        self.client.send_message(QueueUrl=self._queue_url, MessageBody=body, DelaySeconds=min(delay_s, 900))


def erasure_message(user_id: int) -> str:
    return json.dumps({"user_id": user_id})
