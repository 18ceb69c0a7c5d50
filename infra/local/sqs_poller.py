"""An SQS event source mapping: receive messages, invoke in batches, delete what succeeded.

Behaves like Lambda's: up to BatchSize messages per invocation (waiting up to
MaximumBatchingWindowInSeconds to fill a batch), in Lambda's event format. When the function
succeeds the batch is deleted; when it fails nothing is deleted and the messages come back after the
queue's visibility timeout; with ReportBatchItemFailures only the reported messages come back.
Messages that keep failing move to the queue's dead-letter queue through the queue's own
RedrivePolicy, which the SQS service applies on receive, as AWS does (`infra.local.sqs`, or LocalStack's).
Messages that FilterCriteria reject are deleted without an invocation.

With fault injection's CHIRP_FAULT_REDELIVER (`infra.local.faults`), a share of the messages a function handled
come again, as SQS's at-least-once delivery may bring them: half are left undeleted (they come back after their
visibility timeout), half are handed over again at once (in the next batch, before being deleted).
"""

from __future__ import annotations

import time
from typing import Any

from infra.local.aws import AwsClients
from infra.local.event_filter import record_passes, sqs_filterable
from infra.local.faults import FaultInjector
from infra.local.pollers import MappingSettings, PollerThread, invoke_batch, queue_url_of_arn
from infra.local.records import sqs_record_event
from infra.local.sandbox import Invoker

MAX_RECEIVE = 10  # ReceiveMessage's own limit
# Long polls of a second, as Lambda's pollers long-poll: a new message is handed over as it arrives
# (short polls four times a second added up to 250 ms to every queue's delivery: a like's notification
# measured p99 1.07 s on its WebSocket with them, 0.77 s with these, `make bench-notifications`). The local
# SQS (`infra.local.sqs`) answers a long poll as soon as a message is sent or a visibility timeout runs out.
LONG_POLL_SECONDS = 1


class SqsPoller(PollerThread):
    def __init__(
        self, settings: MappingSettings, clients: AwsClients, invoker: Invoker, faults: FaultInjector | None = None
    ) -> None:
        super().__init__(settings.name)
        self.settings = settings
        self.clients = clients
        self.invoker = invoker
        self.faults = faults
        self._queue_url: str | None = None
        self._collected: list[dict[str, Any]] = []
        self._window_started = 0.0

    @property
    def _sqs(self) -> Any:
        return self.clients.client("sqs")

    @property
    def queue_url(self) -> str:
        if self._queue_url is None:
            self._queue_url = queue_url_of_arn(self.clients, self.settings.source_arn)
        return self._queue_url

    def poll_once(self) -> bool:
        received = self._receive()
        if received and not self._collected:
            self._window_started = time.monotonic()
        self._collect(received)
        if not self._collected:
            return False
        if self._batch_window_open():
            if not received:
                self.stopping.wait(0.05)
            return True
        batch, self._collected = self._collected, []
        self._deliver(batch)
        return True

    def _collect(self, received: list[dict[str, Any]]) -> None:
        """Add to the batch; a message received again (its visibility timed out) keeps its newest handle."""
        fresh_ids = {message["MessageId"] for message in received}
        self._collected = [message for message in self._collected if message["MessageId"] not in fresh_ids]
        self._collected.extend(received)

    def _receive(self) -> list[dict[str, Any]]:
        wanted = min(MAX_RECEIVE, self.settings.batch_size - len(self._collected))
        if wanted <= 0:
            return []
        response = self._sqs.receive_message(
            QueueUrl=self.queue_url,
            MaxNumberOfMessages=wanted,
            WaitTimeSeconds=LONG_POLL_SECONDS,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        )
        return list(response.get("Messages", []))

    def _batch_window_open(self) -> bool:
        window = self.settings.batching_window_seconds
        full = len(self._collected) >= self.settings.batch_size
        return not full and window > 0 and time.monotonic() - self._window_started < window

    def _deliver(self, messages: list[dict[str, Any]]) -> None:
        records = [sqs_record_event(message, self.settings.source_arn, self.clients.region) for message in messages]
        passing = [record for record in records if record_passes(self.settings.filter_patterns, sqs_filterable(record))]
        rejected = [record for record in records if record not in passing]
        self._delete_records(rejected)
        if not passing:
            return
        outcome = invoke_batch(self.invoker, self.settings, passing, lambda record: str(record["messageId"]))
        if outcome.failed_ids is None:
            return  # all of them come back after the visibility timeout
        failed = set(outcome.failed_ids)
        handled = [record for record in passing if record["messageId"] not in failed]
        self._delete_records(self._redelivered_apart(handled, messages))

    def _redelivered_apart(self, handled: list[dict[str, Any]], messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The handled records to delete: all but those fault injection redelivers (at-least-once, on purpose)."""
        if self.faults is None:
            return handled
        by_id = {message["MessageId"]: message for message in messages}
        to_delete = []
        for record in handled:
            message_id = record["messageId"]
            if not self.faults.redeliver(self.settings.function_id, f"{self.settings.name} message {message_id}"):
                to_delete.append(record)
            elif self.faults.uniform(0.0, 1.0) < 0.5:
                self._collect([by_id[message_id]])  # handed again at once, in the next batch
            # else left undeleted: it comes back after its visibility timeout
        return to_delete

    def _delete_records(self, records: list[dict[str, Any]]) -> None:
        for start in range(0, len(records), MAX_RECEIVE):
            chunk = records[start : start + MAX_RECEIVE]
            entries = [
                {"Id": str(index), "ReceiptHandle": record["receiptHandle"]} for index, record in enumerate(chunk)
            ]
            self._sqs.delete_message_batch(QueueUrl=self.queue_url, Entries=entries)
