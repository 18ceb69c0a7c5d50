"""`make bench-media`: how long an upload takes to become `ready`, and how much memory processing it needs.

1. **Upload -> ready** on the local runtime (its own data folder): for a 4 MB photo (JPEG, 4000x3000), a
   10 MB animated GIF (640x480) and a 30 s video (1280x720 H.264), `--repeat` times each: ask for an upload
   (`POST /api/media`), send the bytes with the presigned POST as a browser does, then poll
   `GET /api/media/{id}` every 50 ms until it is `ready`. p50/p99 of the time from the upload's answer to
   `ready` (the path: the bucket's notification, the uploads queue, the media function, the media table).
2. **Peak memory of the media function's work**: each file processed (`chirp.media.processing`, as the
   function does it) in a fresh child process; its peak RSS and its ffmpeg children's (getrusage), which is
   what the function's MemorySize must hold, and the seconds it took on this machine.

Prints a table; writes bench/results/media.json.

    python -m bench.media [--repeat 10]
"""

from __future__ import annotations

import argparse
import io
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from bench.api_latency import RESULTS, local_runtime
from bench.engagement import register, summary

MB = 1024 * 1024
POLL_SECONDS = 0.05
READY_TIMEOUT_SECONDS = 300.0


def photo(target_bytes: int = 4 * MB) -> bytes:
    """A 4000x3000 JPEG of about `target_bytes`: smooth bands plus noise, as a phone photo compresses."""
    from PIL import Image

    rng = random.Random(1)
    width, height = 4000, 3000
    noise = Image.frombytes("L", (width, height), rng.randbytes(width * height)).convert("RGB")
    base = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    image = Image.blend(base, noise, 0.35)
    for quality in (95, 90, 85, 80, 75, 70, 60):
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=quality)
        if buffer.tell() <= target_bytes:
            break
    return buffer.getvalue()


def animated_gif(target_bytes: int = 10 * MB) -> bytes:
    """A 640x480 animated GIF of about `target_bytes` (64-colour noise frames, which compress little)."""
    from PIL import Image

    rng = random.Random(2)

    def frame() -> Image.Image:
        return Image.frombytes("P", (640, 480), bytes(b % 64 for b in rng.randbytes(640 * 480)))

    def encoded(frames: list[Image.Image]) -> bytes:
        buffer = io.BytesIO()
        frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:], duration=80, loop=0)
        return buffer.getvalue()

    per_frame = len(encoded([frame(), frame()])) / 2
    return encoded([frame() for _ in range(max(2, int(target_bytes / per_frame)))])


def video(seconds: int = 30) -> bytes:
    """A 1280x720 30 fps H.264 MP4 made by the static ffmpeg of imageio-ffmpeg (the function's own)."""
    import imageio_ffmpeg

    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "clip.mp4"
        subprocess.run(
            [imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-f", "lavfi", "-i",
             f"testsrc2=size=1280x720:rate=30:duration={seconds}", "-f", "lavfi", "-i",
             f"sine=frequency=440:duration={seconds}", "-c:v", "libx264", "-preset", "veryfast",
             "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", str(out)],
            check=True,
        )  # fmt: skip
        return out.read_bytes()


def upload_to_ready(api: httpx.Client, token: str, content: bytes, media_type: str) -> tuple[float, dict[str, Any]]:
    headers = {"authorization": f"Bearer {token}"}
    asked = api.post("/media", json={"media_type": media_type, "total_bytes": len(content)}, headers=headers)
    asked.raise_for_status()
    body = asked.json()["data"]
    upload = body["upload"]
    sent = httpx.post(upload["url"], data=upload["fields"], files={"file": ("f", content, media_type)}, timeout=300)
    sent.raise_for_status()
    uploaded = time.perf_counter()
    deadline = uploaded + READY_TIMEOUT_SECONDS
    while time.perf_counter() < deadline:
        state = api.get(f"/media/{body['media_id']}", headers=headers).json()["data"]
        if state["state"] != "processing":
            if state["state"] != "ready":
                raise SystemExit(f"{media_type} ended {state['state']}: {state.get('reason')}")
            return (time.perf_counter() - uploaded) * 1000, state
        time.sleep(POLL_SECONDS)
    raise SystemExit(f"{media_type} was not ready within {READY_TIMEOUT_SECONDS:.0f} s")


_CHILD = """
import json, resource, sys, time
from pathlib import Path
from chirp.media.processing import process_image, process_video
path, declared = sys.argv[1], sys.argv[2]
started = time.perf_counter()
if declared.startswith("video/"):
    process_video(path, declared)
else:
    process_image(Path(path).read_bytes(), declared)
print(json.dumps({
    "seconds": time.perf_counter() - started,
    # VmHWM: this process image's own peak (ru_maxrss would count the parent's pages it was forked with).
    "python_kib": int(next(l for l in open("/proc/self/status") if l.startswith("VmHWM")).split()[1]),
    "ffmpeg_kib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
}))
"""


def peak_memory(content: bytes, media_type: str) -> dict[str, float]:
    """Peak RSS (MiB) of a fresh process processing `content`, of the largest ffmpeg it ran (an upper bound:
    ru_maxrss also counts the pages ffmpeg was forked with), and the seconds the work took. The function waits
    for ffmpeg while holding its own memory: it needs about the sum."""
    with tempfile.NamedTemporaryFile() as file:
        file.write(content)
        file.flush()
        done = subprocess.run(
            [sys.executable, "-c", _CHILD, file.name, media_type], check=True, capture_output=True, text=True
        )
    measured = json.loads(done.stdout.strip().splitlines()[-1])
    return {
        "python_peak_mib": measured["python_kib"] / 1024,
        "ffmpeg_peak_mib": measured["ffmpeg_kib"] / 1024,
        "seconds": measured["seconds"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()
    inputs = {
        "photo 4 MB (JPEG 4000x3000)": (photo(), "image/jpeg"),
        "GIF 10 MB (640x480, animated)": (animated_gif(), "image/gif"),
        "video 30 s (MP4 1280x720)": (video(), "video/mp4"),
    }
    results: dict[str, Any] = {"inputs": {name: len(content) for name, (content, _) in inputs.items()}}
    results["memory"] = {name: peak_memory(content, kind) for name, (content, kind) in inputs.items()}
    with local_runtime() as (base_url, _), httpx.Client(base_url=base_url, timeout=60) as api:
        token = register(api)["token"]["access_token"]
        latency: dict[str, Any] = {}
        for name, (content, kind) in inputs.items():
            samples = [upload_to_ready(api, token, content, kind)[0] for _ in range(args.repeat)]
            latency[name] = summary(samples)
        results["upload_to_ready"] = latency
    report(results)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "media.json").write_text(json.dumps(results, indent=2))


def report(results: dict[str, Any]) -> None:
    print(f"{'input':32} {'bytes':>10} {'ready p50':>10} {'ready p99':>10} {'python':>8} {'ffmpeg':>8} {'work s':>7}")
    for name, size in results["inputs"].items():
        latency, memory = results["upload_to_ready"][name], results["memory"][name]
        print(
            f"{name:32} {size:>10,} {latency['p50_ms']:>8.0f}ms {latency['p99_ms']:>8.0f}ms "
            f"{memory['python_peak_mib']:>5.0f}MiB {memory['ffmpeg_peak_mib']:>5.0f}MiB {memory['seconds']:>7.2f}"
        )


if __name__ == "__main__":
    main()
