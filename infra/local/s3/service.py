"""The embedded target's S3 as one thing to start, configure and stop: SeaweedFS behind the S3 front.

`<data>/s3/` holds `weed/` (SeaweedFS's data: the objects, buckets and their CORS), `identities.json` (the
key pair weed accepts), `notifications.json` (each bucket's notification configuration as last put, so a
restart with an unchanged template sends no new s3:TestEvent) and `spool/` (POST bodies being checked).
"""

from __future__ import annotations

import json
import shutil
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import boto3
import botocore.config
import botocore.exceptions
from botocore.exceptions import ClientError

from infra.local.emulators import ChildProcess, free_port
from infra.local.s3.cors import cors_rules
from infra.local.s3.errors import request_ids
from infra.local.s3.front import S3Front
from infra.local.s3.notifications import NotificationDispatcher, check_destinations, queue_notifications
from infra.local.s3.server import WeedPorts, remove_sockets, start_weed


class LocalS3:
    """SeaweedFS and the front: `spawn`, then `wait_until_serving`; `url` is the S3 endpoint."""

    def __init__(
        self, root: Path, log_dir: Path, region: str, credentials: Mapping[str, str], port: int | None = None
    ) -> None:
        self.root = root
        self.log_dir = log_dir
        self.region = region
        self.credentials = dict(credentials)
        self.port = port
        self.weed: ChildProcess | None = None
        self._weed_ports: WeedPorts | None = None
        self.front: S3Front | None = None
        self._front_thread: threading.Thread | None = None
        self._dispatcher: NotificationDispatcher | None = None
        self._storage: Any = None

    @property
    def url(self) -> str:
        if self.front is None:
            raise RuntimeError("the local S3 is not serving yet")
        return self.front.url

    def spawn(self) -> None:
        """Start SeaweedFS without waiting for it (the other emulators start meanwhile)."""
        self.weed, self._weed_ports = start_weed(self.root, self.log_dir, self.credentials)

    def wait_until_serving(self, timeout: float) -> None:
        """Wait for SeaweedFS, then serve the front."""
        if self.weed is None:
            self.spawn()
        assert self.weed is not None
        self.weed.wait_until_serving(timeout)
        weed_url = self.weed.url
        access_key, secret_key = next(iter(self.credentials.items()))
        self._storage = boto3.client(
            "s3",
            endpoint_url=weed_url,
            region_name=self.region,
            aws_access_key_id=access_key,
            aws_secret_access_key=secret_key,
            config=botocore.config.Config(retries={"max_attempts": 3, "mode": "standard"}),
        )
        self._wait_until_signed_requests_pass(timeout)
        self._dispatcher = NotificationDispatcher(self.region, self._describe)
        spool = self.root / "spool"
        shutil.rmtree(spool, ignore_errors=True)  # what a killed runtime left half-read
        host, port = weed_url.removeprefix("http://").split(":")
        self.front = S3Front(
            ("127.0.0.1", self.port or free_port()), (host, int(port)), self.credentials, spool, self._dispatcher
        )
        self._front_thread = threading.Thread(target=self.front.serve_forever, name="s3-front", daemon=True)
        self._front_thread.start()

    def _wait_until_signed_requests_pass(self, timeout: float) -> None:
        """SeaweedFS answers HTTP before its S3 gateway has loaded the identities and reached its filer: until
        then a signed request is refused (403) or fails. Seen on a loaded machine: wait for a signed ListBuckets."""
        assert self._storage is not None
        deadline = time.monotonic() + timeout
        while True:
            try:
                self._storage.list_buckets()
                return
            except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as error:
                if time.monotonic() > deadline:
                    message = f"SeaweedFS's S3 did not accept signed requests within {timeout:.0f} s: {error}"
                    raise RuntimeError(message) from error
                time.sleep(0.1)

    def configure_bucket(
        self,
        bucket: str,
        cors: list[dict[str, Any]],
        notifications: dict[str, Any] | None,
        sqs: Any,
        account_id: str,
    ) -> None:
        """What the front keeps of a bucket's configuration: its CORS rules and its notification queues.

        Checks each queue as AWS does when the configuration is put (TemplateError when AWS would refuse it),
        and sends the s3:TestEvent AWS sends when the configuration changed."""
        assert self.front is not None and self._dispatcher is not None
        self.front.cors[bucket] = cors_rules(cors)
        configured = queue_notifications(bucket, notifications or {})
        if configured:
            check_destinations(sqs, bucket, account_id, configured)
        self._dispatcher.configure(bucket, configured, sqs, account_id)
        if configured and self._remember_notifications(bucket, notifications or {}):
            self._dispatcher.send_test_events(bucket, *request_ids())

    def wait_for_notifications(self) -> None:
        """Block until every notification published so far has been sent (tests)."""
        if self._dispatcher is not None:
            self._dispatcher.wait_until_sent()

    def stop(self) -> None:
        if self.front is not None:
            if self._front_thread is not None:
                self.front.shutdown()
            self.front.server_close()
        if self._dispatcher is not None:
            self._dispatcher.close()
        if self.weed is not None:
            self.weed.stop()
        if self._weed_ports is not None:
            remove_sockets(self._weed_ports)

    def _describe(self, bucket: str, key: str) -> tuple[int, str] | None:
        try:
            head = self._storage.head_object(Bucket=bucket, Key=key)
        except ClientError:
            return None
        return int(head["ContentLength"]), str(head["ETag"])

    def _remember_notifications(self, bucket: str, configuration: dict[str, Any]) -> bool:
        """Store the bucket's configuration; whether it differs from the one stored before."""
        path = self.root / "notifications.json"
        try:
            known = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            known = {}
        if known.get(bucket) == configuration:
            return False
        known[bucket] = configuration
        path.write_text(json.dumps(known, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        return True
