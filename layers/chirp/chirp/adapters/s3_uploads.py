"""UploadSigner on S3: boto3's `generate_presigned_post`, set up as a browser's upload needs it.

- **Conditions**: the Content-Type declared (also a field, so the form sends it) and a `content-length-range`
  of exactly the size declared (a browser knows `File.size`; the media item records that size, and nothing
  larger or smaller is admitted). boto3 adds the bucket's and the exact key's conditions itself, and the
  signature's: `x-amz-algorithm`, `x-amz-credential`, `x-amz-date`, and `x-amz-security-token` whenever the
  credentials carry a session token, as a Lambda role's always do (S3 refuses a POST signed with temporary
  credentials without it). The POST is valid until the earlier of its policy's expiration and the expiry of
  the credentials that signed it.
- **SigV4** (`s3v4`): the only signature S3 accepts in every region.
- **The regional, virtual-hosted endpoint** on AWS (`https://<bucket>.s3.<region>.amazonaws.com/`). Left to
  itself boto3 presigns a POST for the global name (`<bucket>.s3.amazonaws.com`), which for a new bucket
  outside us-east-1 answers temporary redirects until DNS catches up, and a browser's cross-origin upload does
  not get through a redirect.
- **A configured endpoint** (the local runtime's `AWS_ENDPOINT_URL_S3`, or `AWS_ENDPOINT_URL`: boto3 reads
  them itself): path-style, `http://127.0.0.1:<port>/<bucket>`, since `<bucket>.localhost` does not resolve
  everywhere.

The client is built by the first upload asked for, not at the API's init: S3's service model and endpoint
rules cost every cold start otherwise, whichever route it serves.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any
from urllib.parse import urlsplit

from chirp.media.uploads import PresignedPost

_AWS_HOST_SUFFIXES = (".amazonaws.com", ".amazonaws.com.cn")


class S3UploadSigner:
    def __init__(self, bucket: str) -> None:
        self._bucket = bucket

    @cached_property
    def client(self) -> Any:
        return s3_presigning_client()

    def presign_post(self, key: str, content_type: str, size: int, expires_in_s: int) -> PresignedPost:
        post = self.client.generate_presigned_post(
            Bucket=self._bucket,
            Key=key,
            Fields={"Content-Type": content_type},
            Conditions=[{"Content-Type": content_type}, ["content-length-range", size, size]],
            ExpiresIn=expires_in_s,
        )
        return PresignedPost(url=post["url"], fields=dict(post["fields"]))


def s3_presigning_client() -> Any:
    """An S3 client for presigning: virtual-hosted on AWS's regional endpoint, path-style on any other."""
    import boto3
    from botocore.config import Config

    regional = {"us_east_1_regional_endpoint": "regional"}
    client = boto3.client("s3", config=Config(signature_version="s3v4", s3={**regional, "addressing_style": "virtual"}))
    if is_aws_endpoint(client.meta.endpoint_url):
        return client
    path_style = Config(signature_version="s3v4", s3={**regional, "addressing_style": "path"})
    return boto3.client("s3", endpoint_url=client.meta.endpoint_url, config=path_style)


def is_aws_endpoint(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    return host.endswith(_AWS_HOST_SUFFIXES)
