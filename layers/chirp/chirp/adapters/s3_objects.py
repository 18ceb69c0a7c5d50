"""The media bucket's objects as the media lifecycle sees them (`chirp.media.lifecycle.MediaObjects`): tags
set one object at a time (PutObjectTagging has no batch form), deletions 1,000 keys per DeleteObjects."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from botocore.exceptions import ClientError

from chirp.media.lifecycle import TAG_KEY

DELETE_BATCH = 1000  # DeleteObjects' limit


class S3MediaObjects:
    def __init__(self, client: Any, bucket: str) -> None:
        self._s3 = client
        self._bucket = bucket

    def tag(self, keys: Sequence[str], value: str) -> None:
        for key in keys:
            try:
                self._s3.put_object_tagging(
                    Bucket=self._bucket, Key=key, Tagging={"TagSet": [{"Key": TAG_KEY, "Value": value}]}
                )
            except ClientError as error:
                if error.response.get("Error", {}).get("Code") not in ("NoSuchKey", "404"):
                    raise

    def delete(self, keys: Sequence[str]) -> None:
        unique = list(dict.fromkeys(keys))
        for start in range(0, len(unique), DELETE_BATCH):
            batch = unique[start : start + DELETE_BATCH]
            answer = self._s3.delete_objects(
                Bucket=self._bucket, Delete={"Objects": [{"Key": key} for key in batch], "Quiet": True}
            )
            errors = [error for error in answer.get("Errors", []) if error.get("Code") != "NoSuchKey"]
            if errors:
                first = errors[0]
                raise RuntimeError(
                    f"S3 kept {len(errors)} of {len(batch)} keys, e.g. {first.get('Key')}: {first.get('Code')}"
                )
