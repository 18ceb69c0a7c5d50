"""A DynamoDB Streams event source mapping: read shards, batch records, invoke, retry, checkpoint.

Behaves like Lambda's: shards are listed with DescribeStream and a child shard is read only after its
parent is finished; records reach the function in batches of at most BatchSize (waiting up to
MaximumBatchingWindowInSeconds to fill one), in Lambda's event format. A batch that fails is retried
(split in halves first when BisectBatchOnFunctionError is set); with ReportBatchItemFailures only the
records from the first reported failure on are retried. After MaximumRetryAttempts the failed records
are described to the OnFailure destination and skipped. Each shard's position is checkpointed in the
data dir, so a restart neither loses nor re-delivers handled records.

With fault injection (`infra.local.faults`): CHIRP_FAULT_REDELIVER re-invokes a share of the batches that
succeeded (their checkpoint is not advanced, so the same batch comes again, as after a poller's crash), and
CHIRP_FAULT_POLLER_RESTART, after a share of the rounds that delivered a batch, drops the poller's shards,
iterators and fetched records and reads its checkpoint file again, as a restarted poller resumes.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from infra.local.aws import AwsClients
from infra.local.checkpoints import CheckpointStore
from infra.local.event_filter import record_passes
from infra.local.faults import FaultInjector
from infra.local.pollers import (
    InvocationOutcome,
    MappingSettings,
    PollerThread,
    failure_envelope,
    invoke_batch,
    iso_timestamp,
    log,
    send_to_destination,
)
from infra.local.records import stream_record_event
from infra.local.sandbox import Invoker

SHARD_REFRESH_SECONDS = 5.0
MAX_GET_RECORDS = 1000
MAX_RETRY_DELAY_SECONDS = 5.0


@dataclass
class ShardState:
    shard_id: str
    parent_id: str | None
    iterator: str | None = None
    exhausted: bool = False  # closed, and every record of it fetched
    from_horizon: bool = False  # read from TRIM_HORIZON (skipping checkpointed records) next time
    pending: list[dict[str, Any]] = field(default_factory=list)  # fetched, not yet handled, in order
    attempts: int = 0  # failed invocations of the batch at the head of `pending`
    batch_limit: int | None = None  # set while bisecting a failing batch
    retry_at: float = 0.0
    window_started: float | None = None


@dataclass(frozen=True)
class _Batch:
    span: list[dict[str, Any]]  # the pending records it covers, filtered-out ones included
    events: list[dict[str, Any]]  # what the function receives


class StreamPoller(PollerThread):
    def __init__(
        self,
        settings: MappingSettings,
        clients: AwsClients,
        invoker: Invoker,
        checkpoints: CheckpointStore,
        faults: FaultInjector | None = None,
    ) -> None:
        super().__init__(settings.name)
        self.settings = settings
        self.clients = clients
        self.invoker = invoker
        self.checkpoints = checkpoints
        self.faults = faults
        self.shards: dict[str, ShardState] = {}
        self._next_refresh = 0.0
        self._delivered = False  # whether this round invoked the function

    @property
    def _streams(self) -> Any:
        return self.clients.client("dynamodbstreams")

    # ------------------------------------------------------------------ the loop
    def poll_once(self) -> bool:
        if not self.checkpoints.initialized:
            self._initialize()
        if time.monotonic() >= self._next_refresh:
            self._refresh_shards()
        busy = False
        self._delivered = False
        for shard in self._readable_shards():
            busy = self._process_shard(shard) or busy
        if self._delivered and self.faults is not None:
            details = f"{self.settings.name}: resumes from {self.checkpoints.path.name}"
            if self.faults.poller_restart(self.settings.function_id, details):
                self.restart_from_checkpoints()
                return True
        return busy

    def restart_from_checkpoints(self) -> None:
        """Forget everything held in memory (shards, iterators, fetched records) and read the checkpoint file again."""
        self.checkpoints = CheckpointStore(self.checkpoints.path, self.checkpoints.stream_arn)
        self.shards = {}
        self._next_refresh = 0.0

    def _initialize(self) -> None:
        """First run of this mapping: with LATEST, skip what the stream already holds."""
        if self.settings.starting_position == "LATEST":
            for description in self._describe_shards():
                self._skip_to_latest(description)
        self.checkpoints.mark_initialized()

    def _skip_to_latest(self, description: dict[str, Any]) -> None:
        shard_id = description["ShardId"]
        if "EndingSequenceNumber" in description.get("SequenceNumberRange", {}):
            self.checkpoints.finish(shard_id)
            return
        iterator = self._iterator(shard_id, "TRIM_HORIZON")
        last_sequence_number = None
        while iterator:
            response = self._streams.get_records(ShardIterator=iterator, Limit=MAX_GET_RECORDS)
            if not response["Records"]:
                break
            last_sequence_number = response["Records"][-1]["dynamodb"]["SequenceNumber"]
            iterator = response.get("NextShardIterator")
        if last_sequence_number is not None:
            self.checkpoints.advance(shard_id, last_sequence_number)

    def _describe_shards(self) -> list[dict[str, Any]]:
        shards: list[dict[str, Any]] = []
        arguments: dict[str, Any] = {"StreamArn": self.settings.source_arn}
        while True:
            description = self._streams.describe_stream(**arguments)["StreamDescription"]
            shards.extend(description.get("Shards", []))
            last = description.get("LastEvaluatedShardId")
            if not last:
                return shards
            arguments["ExclusiveStartShardId"] = last

    def _refresh_shards(self) -> None:
        listed = self._describe_shards()
        for description in listed:
            shard_id = description["ShardId"]
            if shard_id not in self.shards:
                self.shards[shard_id] = ShardState(shard_id, description.get("ParentShardId"))
        listed_ids = {description["ShardId"] for description in listed}
        for shard_id in set(self.shards) - listed_ids:
            del self.shards[shard_id]
        self.checkpoints.forget_shards_except(listed_ids)
        self._next_refresh = time.monotonic() + SHARD_REFRESH_SECONDS

    def _readable_shards(self) -> list[ShardState]:
        """Unfinished shards whose parent (if the stream still lists it) is finished."""
        return [
            shard
            for shard in list(self.shards.values())
            if not self.checkpoints.is_finished(shard.shard_id)
            and (shard.parent_id not in self.shards or self.checkpoints.is_finished(shard.parent_id))
        ]

    # ------------------------------------------------------------------ one shard
    def _process_shard(self, shard: ShardState) -> bool:
        """Fetch and deliver at most one batch; True when more is waiting right now."""
        if time.monotonic() < shard.retry_at:
            return False
        if len(shard.pending) < self.settings.batch_size and not shard.exhausted:
            self._fetch(shard)
        if not shard.pending:
            if shard.exhausted:
                self.checkpoints.finish(shard.shard_id)
                self._next_refresh = 0.0  # look for its children now
            return False
        if self._filling_window(shard):
            return False
        batch = self._next_batch(shard)
        if not batch.events:
            self._complete(shard, batch.span)
            return bool(shard.pending)
        outcome = invoke_batch(self.invoker, self.settings, batch.events, _sequence_number)
        self._delivered = True
        self._apply_outcome(shard, batch, outcome)
        return bool(shard.pending) and time.monotonic() >= shard.retry_at

    def _fetch(self, shard: ShardState) -> None:
        if shard.iterator is None:
            shard.iterator = self._resume_iterator(shard)
        limit = max(1, min(MAX_GET_RECORDS, self.settings.batch_size - len(shard.pending)))
        try:
            response = self._streams.get_records(ShardIterator=shard.iterator, Limit=limit)
        except ClientError as error:
            code = _error_code(error)
            if code not in ("ExpiredIteratorException", "TrimmedDataAccessException"):
                raise
            # Iterators expire after 15 minutes; and DynamoDB Local refuses a TRIM_HORIZON iterator taken
            # while the shard was empty once records arrive. Either way: read again past the checkpoint.
            shard.iterator, shard.pending = None, []
            shard.from_horizon = code == "TrimmedDataAccessException"
            return
        checkpoint = self.checkpoints.sequence_number(shard.shard_id)
        records = [record for record in response.get("Records", []) if _is_after(record, checkpoint)]
        if records and not shard.pending:
            shard.window_started = time.monotonic()
        shard.pending.extend(records)
        shard.iterator = response.get("NextShardIterator")
        shard.exhausted = shard.iterator is None

    def _resume_iterator(self, shard: ShardState) -> str | None:
        """An iterator just past the checkpoint (records up to it are skipped when read again)."""
        sequence_number = self.checkpoints.sequence_number(shard.shard_id)
        if sequence_number is None or shard.from_horizon:
            return self._iterator(shard.shard_id, "TRIM_HORIZON")
        try:
            return self._iterator(shard.shard_id, "AFTER_SEQUENCE_NUMBER", sequence_number)
        except ClientError as error:
            if _error_code(error) != "TrimmedDataAccessException":
                raise
            log(f"{self.settings.name}: records after the checkpoint expired; reading {shard.shard_id} afresh")
            return self._iterator(shard.shard_id, "TRIM_HORIZON")

    def _iterator(self, shard_id: str, iterator_type: str, sequence_number: str | None = None) -> str | None:
        arguments = {
            "StreamArn": self.settings.source_arn,
            "ShardId": shard_id,
            "ShardIteratorType": iterator_type,
        }
        if sequence_number is not None:
            arguments["SequenceNumber"] = sequence_number
        return self._streams.get_shard_iterator(**arguments).get("ShardIterator")

    def _filling_window(self, shard: ShardState) -> bool:
        """Whether to wait for more records (the batching window is open and the batch not full)."""
        window = self.settings.batching_window_seconds
        if window <= 0 or shard.exhausted or len(shard.pending) >= self.settings.batch_size:
            return False
        started = shard.window_started or time.monotonic()
        return time.monotonic() - started < window

    def _next_batch(self, shard: ShardState) -> _Batch:
        limit = shard.batch_limit or self.settings.batch_size
        span: list[dict[str, Any]] = []
        events: list[dict[str, Any]] = []
        for record in shard.pending:
            if len(events) >= limit:
                break
            span.append(record)
            event = stream_record_event(record, self.settings.source_arn, self.clients.region)
            if record_passes(self.settings.filter_patterns, event):
                events.append(event)
        return _Batch(span, events)

    # ------------------------------------------------------------------ outcomes
    def _apply_outcome(self, shard: ShardState, batch: _Batch, outcome: InvocationOutcome) -> None:
        if outcome.succeeded and self._redeliver(batch):
            return  # left pending, unchecked: the same batch is invoked again
        if outcome.succeeded:
            self._complete(shard, batch.span)
        elif outcome.failed_ids is not None:
            self._retry_from_first_failure(shard, batch, outcome.failed_ids)
        elif self.settings.bisect_on_error and len(batch.events) > 1:
            shard.batch_limit = max(1, len(batch.events) // 2)
        else:
            self._count_failure(shard, batch, function_error=True)

    def _redeliver(self, batch: _Batch) -> bool:
        if self.faults is None:
            return False
        first, last = _sequence_number(batch.span[0]), _sequence_number(batch.span[-1])
        details = f"{self.settings.name}: batch of {len(batch.events)} ({first}..{last}) invoked again"
        return self.faults.redeliver(self.settings.function_id, details)

    def _retry_from_first_failure(self, shard: ShardState, batch: _Batch, failed_ids: list[str]) -> None:
        """Records before the first reported failure are done; the rest of the batch is retried."""
        failed = set(failed_ids)
        first = next(index for index, record in enumerate(batch.span) if _sequence_number(record) in failed)
        self._complete(shard, batch.span[:first], keep_attempts=True)
        rest = batch.span[first:]
        rest_ids = {_sequence_number(record) for record in rest}
        rest_events = [event for event in batch.events if _sequence_number(event) in rest_ids]
        self._count_failure(shard, _Batch(rest, rest_events), function_error=False)

    def _count_failure(self, shard: ShardState, batch: _Batch, *, function_error: bool) -> None:
        shard.attempts += 1
        maximum = self.settings.maximum_retry_attempts
        if 0 <= maximum < shard.attempts:
            self._send_to_on_failure(shard, batch, function_error)
            self._complete(shard, batch.span)
            return
        shard.retry_at = time.monotonic() + min(0.25 * 2 ** (shard.attempts - 1), MAX_RETRY_DELAY_SECONDS)

    def _complete(self, shard: ShardState, span: list[dict[str, Any]], *, keep_attempts: bool = False) -> None:
        """Records of `span` are handled: drop them and checkpoint the last one."""
        if not span:
            return
        del shard.pending[: len(span)]
        self.checkpoints.advance(shard.shard_id, span[-1]["dynamodb"]["SequenceNumber"])
        if not keep_attempts:
            shard.attempts, shard.batch_limit, shard.retry_at = 0, None, 0.0
        shard.window_started = time.monotonic() if shard.pending else None

    def _send_to_on_failure(self, shard: ShardState, batch: _Batch, function_error: bool) -> None:
        destination = self.settings.on_failure_arn
        if not destination:
            log(f"{self.settings.name}: retries exhausted, skipped {len(batch.events)} records (no destination)")
            return
        function_arn = self.invoker.function(self.settings.function_id).arn
        message = failure_envelope(function_arn, shard.attempts, function_error)
        message["DDBStreamBatchInfo"] = self._batch_info(shard, batch)
        send_to_destination(self.clients, destination, message)
        log(f"{self.settings.name}: retries exhausted, {len(batch.events)} records described to {destination}")

    def _batch_info(self, shard: ShardState, batch: _Batch) -> dict[str, Any]:
        first, last = batch.span[0]["dynamodb"], batch.span[-1]["dynamodb"]
        return {
            "shardId": shard.shard_id,
            "startSequenceNumber": first["SequenceNumber"],
            "endSequenceNumber": last["SequenceNumber"],
            "approximateArrivalOfFirstRecord": _arrival(first),
            "approximateArrivalOfLastRecord": _arrival(last),
            "batchSize": len(batch.events),
            "streamArn": self.settings.source_arn,
        }


def _sequence_number(record: dict[str, Any]) -> str:
    """The id Lambda's partial batch responses use for a stream record."""
    return str(record["dynamodb"]["SequenceNumber"])


def _is_after(record: dict[str, Any], checkpoint: str | None) -> bool:
    return checkpoint is None or int(_sequence_number(record)) > int(checkpoint)


def _arrival(dynamodb: dict[str, Any]) -> str | None:
    created = dynamodb.get("ApproximateCreationDateTime")
    return iso_timestamp(created) if isinstance(created, datetime) else None


def _error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))
