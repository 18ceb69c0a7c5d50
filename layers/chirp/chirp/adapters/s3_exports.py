"""ArchiveStorage on the exports bucket (private: no distribution reads it; its objects expire after 7 days by the
bucket's lifecycle rule): archives uploaded by the export worker, presigned GETs by the API, deletions by erasure.

- **Uploads** are boto3's `upload_file` (multipart past 8 MB, so an archive is never held in memory whole), with
  `Content-Type: application/zip` and `Content-Disposition: attachment` so a browser saves it.
- **Download links** are presigned GETs (SigV4), built without a request: the client is the presigning one the
  media uploads use (`chirp.adapters.s3_uploads.s3_presigning_client`: the regional endpoint on AWS, path-style
  on the local runtime's). A link signed with a Lambda role's temporary credentials stops working when they
  expire, which may be before its 15 minutes; a client asks GET /api/users/me/export again for a fresh one.
- **Deletions** list the prefix and delete up to 1,000 keys per DeleteObjects call (a user has an archive or two).
"""

from __future__ import annotations

import os
from functools import cached_property
from typing import Any

from chirp.adapters.s3_uploads import s3_presigning_client

DELETE_BATCH = 1000  # DeleteObjects' limit


class S3ArchiveStorage:
    def __init__(self, client: Any, bucket: str) -> None:
        self._s3 = client
        self._bucket = bucket

    @cached_property
    def presigner(self) -> Any:
        return s3_presigning_client()

    def put_archive(self, key: str, path: str) -> int:
        extra = {"ContentType": "application/zip", "ContentDisposition": 'attachment; filename="chirp-archive.zip"'}
        self._s3.upload_file(path, self._bucket, key, ExtraArgs=extra)
        return os.path.getsize(path)

    def download_url(self, key: str, expires_in_s: int) -> str:
        url: str = self.presigner.generate_presigned_url(
            "get_object", Params={"Bucket": self._bucket, "Key": key}, ExpiresIn=expires_in_s
        )
        return url

    def delete_prefix(self, prefix: str) -> int:
        deleted = 0
        pages = self._s3.get_paginator("list_objects_v2").paginate(Bucket=self._bucket, Prefix=prefix)
        for page in pages:
            keys = [{"Key": entry["Key"]} for entry in page.get("Contents", [])]
            for start in range(0, len(keys), DELETE_BATCH):
                batch = keys[start : start + DELETE_BATCH]
                answer = self._s3.delete_objects(Bucket=self._bucket, Delete={"Objects": batch, "Quiet": True})
                if answer.get("Errors"):
                    raise RuntimeError(f"archives not deleted: {answer['Errors'][:3]}")
                deleted += len(batch)
        return deleted
