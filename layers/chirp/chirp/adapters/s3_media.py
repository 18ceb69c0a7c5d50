"""The media bucket: `S3MediaStorage` (the media function's `MediaStorage`: uploads read by their ETag, variants
written as CloudFront serves them) and `S3MediaObjects` (the cleanup consumer's `MediaObjects`: variants re-tagged
or deleted).

- **Reads** are GetObject with `If-Match: <etag>`; S3 answers 412 PreconditionFailed when the key holds
  another object by now (`UploadReplaced`). The body is read in 1 MiB chunks from the response's stream.
- **Variants** are PutObject with their real Content-Type, `Cache-Control: public, max-age=31536000,
  immutable` (keys never change: CloudFront and browsers keep them a year) and the tag `chirp-media=unattached`,
  which the bucket's lifecycle rule expires a day later unless the media cleanup function re-tags it.
- **A video** is copied server-side (CopyObject, up to 5 GB in one call) with `CopySourceIf-Match`, and the
  REPLACE directives for its metadata (Content-Type, Cache-Control) and its tags: the upload's own are not
  what a variant is served with.
- **Deletions** are DeleteObjects calls of at most 1,000 keys (a media item has six variants at most); a key
  already gone counts as deleted.
- **Tags** are set one object at a time (PutObjectTagging has no batch form); a key already gone is skipped.

Any other error (throttling, a network failure, access denied: S3 answers 403, not 404, for a missing key
when the caller may not list the bucket) raises as it is: the message is retried.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from botocore.exceptions import ClientError

from chirp.media.lifecycle import TAG_KEY, UNATTACHED_TAG
from chirp.media.storage import UploadReplaced

CACHE_CONTROL = "public, max-age=31536000, immutable"
UNATTACHED_TAGGING = urlencode({TAG_KEY: UNATTACHED_TAG})
CHUNK_BYTES = 1024 * 1024
DELETE_BATCH = 1000  # DeleteObjects' limit
_PRECONDITION_FAILED = ("PreconditionFailed", "412")


@dataclass(frozen=True)
class _S3Upload:
    size: int
    body: Any  # botocore's StreamingBody

    def chunks(self) -> Iterator[bytes]:
        yield from self.body.iter_chunks(CHUNK_BYTES)


class S3MediaStorage:
    def __init__(self, client: Any, bucket: str) -> None:
        self._s3 = client
        self._bucket = bucket

    @contextmanager
    def open_upload(self, key: str, etag: str) -> Iterator[_S3Upload]:
        try:
            response = self._s3.get_object(Bucket=self._bucket, Key=key, IfMatch=_quoted(etag))
        except ClientError as error:
            raise _replaced_or(error) from error
        body = response["Body"]
        try:
            yield _S3Upload(size=int(response["ContentLength"]), body=body)
        finally:
            body.close()

    def put_variant(self, key: str, data: bytes, content_type: str) -> None:
        self._s3.put_object(
            Bucket=self._bucket,
            Key=key,
            Body=data,
            ContentType=content_type,
            CacheControl=CACHE_CONTROL,
            Tagging=UNATTACHED_TAGGING,
        )

    def copy_upload(self, key: str, etag: str, target_key: str, content_type: str) -> None:
        try:
            self._s3.copy_object(
                Bucket=self._bucket,
                Key=target_key,
                CopySource={"Bucket": self._bucket, "Key": key},
                CopySourceIfMatch=_quoted(etag),
                MetadataDirective="REPLACE",
                ContentType=content_type,
                CacheControl=CACHE_CONTROL,
                TaggingDirective="REPLACE",
                Tagging=UNATTACHED_TAGGING,
            )
        except ClientError as error:
            raise _replaced_or(error) from error

    def delete_variants(self, keys: Sequence[str]) -> None:
        _delete(self._s3, self._bucket, keys)


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
                if str(error.response.get("Error", {}).get("Code")) not in ("NoSuchKey", "404"):
                    raise

    def delete(self, keys: Sequence[str]) -> None:
        _delete(self._s3, self._bucket, keys)


def _delete(s3: Any, bucket: str, keys: Sequence[str]) -> None:
    unique = list(dict.fromkeys(keys))
    for start in range(0, len(unique), DELETE_BATCH):
        batch = unique[start : start + DELETE_BATCH]
        answer = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": key} for key in batch], "Quiet": True})
        errors = [error for error in answer.get("Errors", []) if error.get("Code") != "NoSuchKey"]
        if errors:
            first = errors[0]
            example = f"{first.get('Key')}: {first.get('Code')}"
            raise RuntimeError(f"S3 kept {len(errors)} of {len(batch)} keys, e.g. {example}")


def _quoted(etag: str) -> str:
    """An ETag as HTTP's conditional headers carry it (S3 event notifications give it bare)."""
    return f'"{etag.strip(chr(34))}"'


def _replaced_or(error: ClientError) -> Exception:
    code = str(error.response.get("Error", {}).get("Code", ""))
    return UploadReplaced(str(error)) if code in _PRECONDITION_FAILED else error
