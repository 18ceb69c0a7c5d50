"""Put the built web client (web/dist) into the web bucket, with the `config.json` that tells it where the
WebSocket API is: the same upload for the local runtime (at its start) and for AWS (`make deploy-web`).

    python -m infra.web_deploy --stack chirp          # AWS: the stack's outputs, the upload, an invalidation

Each file gets its Content-Type from its extension and a Cache-Control that lets CloudFront and browsers keep
what never changes: `assets/*` (Vite names them by their content's hash) `public, max-age=31536000, immutable`,
everything else (index.html, sw.js, the manifest, config.json) `no-cache`, so a deploy is seen on the next load.
The hashed assets go first and index.html last: a browser never gets an index naming assets not uploaded yet.
Files an earlier deploy uploaded stay: a tab still running the old index can load its old chunks.
On AWS the distribution caches the files that keep their names for up to a second anyway (CachingOptimized's
minimum TTL), and the invalidation of those drops any copy an edge kept from before.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
DIST_DIR = REPO / "web" / "dist"
WEBSOCKET_URL_OUTPUT = "LiveUpdatesUrl"  # the template's output naming the WebSocket API's URL
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
CONFIG_KEY = "config.json"
# The files whose names do not change between deploys: what an invalidation must drop.
INVALIDATED_PATHS = ("/index.html", "/config.json", "/sw.js", "/manifest.webmanifest")
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".webmanifest": "application/manifest+json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".webp": "image/webp",
    ".jpg": "image/jpeg",
    ".woff2": "font/woff2",
    ".txt": "text/plain; charset=utf-8",
    ".map": "application/json",
}


class WebDeployError(RuntimeError):
    """The web client cannot be deployed (not built, a stack without the outputs it needs)."""


@dataclass(frozen=True)
class WebFile:
    key: str
    path: Path | None  # None: `body` is the content (config.json)
    content_type: str
    cache_control: str
    body: bytes = b""


def is_built(dist_dir: Path = DIST_DIR) -> bool:
    return (dist_dir / "index.html").is_file()


def web_files(dist_dir: Path, websocket_url: str) -> list[WebFile]:
    """What goes into the bucket, in upload order: the hashed assets, the other files, config.json, index.html."""
    if not is_built(dist_dir):
        raise WebDeployError(f"{dist_dir}/index.html does not exist: run make web")
    files = [
        WebFile(
            key=path.relative_to(dist_dir).as_posix(),
            path=path,
            content_type=CONTENT_TYPES.get(path.suffix.lower(), "application/octet-stream"),
            cache_control=IMMUTABLE if path.relative_to(dist_dir).parts[0] == "assets" else REVALIDATE,
        )
        for path in sorted(dist_dir.rglob("*"))
        if path.is_file() and path.relative_to(dist_dir).as_posix() != CONFIG_KEY
    ]
    config = json.dumps({"websocket_url": websocket_url}).encode()
    files.append(WebFile(CONFIG_KEY, None, "application/json", REVALIDATE, config))
    order = {IMMUTABLE: 0, REVALIDATE: 1}
    return sorted(files, key=lambda file: (file.key == "index.html", order[file.cache_control]))


def upload_web_client(s3: Any, bucket: str, dist_dir: Path, websocket_url: str) -> list[str]:
    """Upload web/dist and config.json to `bucket` with their types and cache headers; the keys, in order."""
    keys = []
    for file in web_files(dist_dir, websocket_url):
        body = file.path.read_bytes() if file.path is not None else file.body
        s3.put_object(
            Bucket=bucket, Key=file.key, Body=body, ContentType=file.content_type, CacheControl=file.cache_control
        )
        keys.append(file.key)
    return keys


# ---------------------------------------------------------------------- AWS: make deploy-web
def stack_outputs(cloudformation: Any, stack: str) -> dict[str, str]:
    described = cloudformation.describe_stacks(StackName=stack)["Stacks"][0]
    return {output["OutputKey"]: output["OutputValue"] for output in described.get("Outputs", [])}


def deploy_to_aws(stack: str, dist_dir: Path, session: Any = None) -> str:
    """Upload to the stack's WebBucketName, invalidate the names that do not change; the invalidation's id."""
    import boto3  # lazily: the local runtime imports this module for the upload alone

    session = session or boto3.session.Session()
    outputs = stack_outputs(session.client("cloudformation"), stack)
    missing = [name for name in ("WebBucketName", "WebDistributionId", WEBSOCKET_URL_OUTPUT) if name not in outputs]
    if missing:
        raise WebDeployError(
            f"stack {stack} has no output {', '.join(missing)}: deploy the template first (sam deploy)"
        )
    keys = upload_web_client(session.client("s3"), outputs["WebBucketName"], dist_dir, outputs[WEBSOCKET_URL_OUTPUT])
    print(f"uploaded {len(keys)} files to s3://{outputs['WebBucketName']}")
    invalidation = session.client("cloudfront").create_invalidation(
        DistributionId=outputs["WebDistributionId"],
        InvalidationBatch={
            "Paths": {"Quantity": len(INVALIDATED_PATHS), "Items": list(INVALIDATED_PATHS)},
            "CallerReference": f"deploy-web-{time.time_ns()}",
        },
    )
    return str(invalidation["Invalidation"]["Id"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Upload web/dist to the stack's web bucket and invalidate it.")
    parser.add_argument("--stack", required=True, help="the CloudFormation stack (sam deploy's stack name)")
    parser.add_argument("--dist", type=Path, default=DIST_DIR, help="the built web client (default: web/dist)")
    arguments = parser.parse_args(argv)
    try:
        invalidation = deploy_to_aws(arguments.stack, arguments.dist)
    except WebDeployError as error:
        print(f"deploy-web: {error}", file=sys.stderr)
        return 1
    print(f"invalidation {invalidation}: {', '.join(INVALIDATED_PATHS)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
