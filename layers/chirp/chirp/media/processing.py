"""Turning an upload into what Chirp serves: check the file is what it was declared to be and within its kind's
limits, then write its variants with every metadata block stripped.

Pillow and ffmpeg (the static binary of the `imageio-ffmpeg` wheel) are imported inside the functions that
use them: they ship only in the media function's package (functions/media_processor/requirements.txt), and
every other function imports the chirp layer without them.

Decisions (figures measured on the development machine, 2 cores, Pillow 13.0.0, libwebp via Pillow's wheel):
- **Every check before decoding.** The real type comes from the first bytes (`kinds.sniff`) and must be the
  declared one; the dimensions come from the header and are checked against the kind's limits before a
  pixel is decoded (a 100,000 x 100,000 PNG of a few hundred bytes is refused in under a millisecond), with
  Pillow's own decompression-bomb guard set to the same cap and its warning turned into a refusal. A GIF's
  frames are counted from its block structure without decoding, and the count stops past the limit (a
  50,000-frame GIF is refused after reading 351 frame headers).
- **Variants** are WEBP, lossy quality 80, method 4 (libwebp's default effort): a square `thumb` (150 x 150,
  centre crop) and `small` 680, `medium` 1200, `large` 2048 px on the long edge. Never upscaled: the first
  size at or above the original's long edge is written at the original's size, and the larger ones are skipped
  (a 1000 x 800 photo gets `small` 680 x 544 and `medium` 1000 x 800, no `large`). Each size is resized
  (Lanczos) from the next larger one, and a JPEG at least twice `large` on both sides is decoded at 1/2, 1/4
  or 1/8 of its size through libjpeg's DCT scaling (Pillow's `draft`), never below `large`: both cut the time
  and memory of a big photo. Measured on a 4000 x 3000 photo-like JPEG of 3.7 MB with EXIF (decode included,
  best of 3, one core): all four variants take 1.07 s in WEBP q80 method 4 against 0.53 s in JPEG q85, and the
  WEBP files are about half the size (large 169 KB vs 376 KB, medium 87 KB vs 173 KB); method 2 takes 0.77 s
  for files 5-10 % larger, method 6 1.67 s for 1-5 % smaller. WEBP is kept: a second per photo is cheap in an
  asynchronous pipeline, and every browser reads it. Peak RSS of the process for that photo: 121 MB, 27 MB of
  which is the interpreter with Pillow imported (tracemalloc sees ~1 MB: Pillow's pixel buffers are allocated
  in C, outside it).
- **Metadata**: EXIF orientation is applied (`ImageOps.exif_transpose`), then nothing of the original's
  metadata is written: no EXIF (so no GPS), no XMP, no comments, no ICC profile. A profile is used once, to
  convert the pixels to sRGB (LittleCMS through `ImageCms`, perceptual intent); an unreadable profile is
  ignored (the pixels are taken as sRGB). Transparency is kept (RGBA WEBP) unless the alpha is all opaque.
- **Animated GIFs become MP4** (H.264, yuv420p, no audio), as Twitter does: a GIF is typically several times
  the size of the same animation in H.264, and every browser plays a muted looping `<video>`. The player
  loops it (MP4 carries no loop count); transparency is lost (as on Twitter). A one-frame GIF is an image.
  Worst case allowed (217 frames of 1280 x 1080: the 300-million-pixel budget, an 11.5 MB GIF of ffmpeg's
  testsrc2): 4.7 s, ffmpeg's peak RSS 223 MB, a 4.1 MB MP4.
  An animated WEBP is refused (upload it as a GIF or an MP4); an animated PNG is processed as its first
  frame, which is what a viewer without APNG support shows.
- **Video is not transcoded here**: the upload is served as it is; ffmpeg only reads its duration,
  dimensions and rotation (from `ffmpeg -i`'s report: no full decode, so a 512 MB file is probed in
  milliseconds) and decodes one poster frame at 1 s (or mid-video for shorter ones), which gets `thumb` and
  `poster` (1200 on the long edge) variants. ffmpeg is always told the container (`-f mov`) and may open only
  files, so a file cannot steer it to another demuxer or protocol. A file truncated after its index passes
  the probe: only a full decode would see it, which this does not pay for. A 30 s 1080p MP4 (58 MB) is
  probed and its poster written in 0.46 s (ffmpeg's peak RSS 79 MB).
- **Package size**: the imageio-ffmpeg 0.8.1 wheel is 68 MB zipped, 172.8 MB unzipped (one static binary,
  ffmpeg 9.0.2, dynamically linked to glibc only: manylinux_2_28, so python3.12+ runtimes); Pillow 13.0.0 is
  21.7 MB unzipped; the chirp layer's dependencies 110.9 MB. 305 MB in all is over Lambda's 250 MB
  (262,144,000 bytes) unzipped limit for a function and its layers: the media function is a container image
  (10 GB limit; `functions/media_processor/Dockerfile`, template `MediaProcessorFunction`).
- **Deterministic**: the same input gives the same bytes (libwebp, libjpeg and x264 are deterministic; ffmpeg
  runs with `+bitexact` and writes no creation time), so a redelivered S3 event rewrites identical objects.
  Upgrading Pillow or the ffmpeg wheel may change the bytes (not the images): pin both.
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import tempfile
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from chirp.errors import ChirpError
from chirp.media.kinds import LIMITS, SNIFF_BYTES, KindLimits, MediaKind, RealType, declared_type, matches, sniff

if TYPE_CHECKING:
    from PIL import Image

THUMB_SIDE = 150
# The sizes on the long edge, smallest first.
SIZES: tuple[tuple[str, int], ...] = (("small", 680), ("medium", 1200), ("large", 2048))
# The poster of a video or an animated GIF, on the long edge.
POSTER_EDGE = 1200
POSTER_AT_S = 1.0
WEBP_QUALITY = 80
WEBP_METHOD = 4
WEBP = "image/webp"
MP4 = "video/mp4"
# H.264 for animated GIFs: CRF 23 is x264's default quality; veryfast keeps a 350-frame GIF within seconds.
GIF_VIDEO_CRF = 23
GIF_VIDEO_PRESET = "veryfast"
FFMPEG_TIMEOUT_S = 120

_PILLOW_FORMATS = {RealType.JPEG: "JPEG", RealType.PNG: "PNG", RealType.WEBP: "WEBP", RealType.GIF: "GIF"}
_ALPHA_MODES = frozenset({"RGBA", "LA", "PA", "RGBa", "La"})
_ICC_MODES = frozenset({"RGB", "CMYK", "L"})


class MediaRejected(ChirpError):
    """The upload cannot be served; `reason` says why in words its owner can act on."""

    code = "media_rejected"

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Variant:
    """One file to serve: `thumb`, `small`, `medium`, `large`, `poster` or `video`."""

    name: str
    content_type: str
    width: int
    height: int
    data: bytes = field(repr=False)


@dataclass(frozen=True)
class ProcessedMedia:
    """What an upload turned out to be. `content_type` is the original's real type (a video is served as
    uploaded); width and height are as displayed (after EXIF orientation or a video's rotation)."""

    kind: MediaKind
    content_type: str
    width: int
    height: int
    variants: tuple[Variant, ...]
    duration_ms: int | None = None

    def variant(self, name: str) -> Variant:
        return next(variant for variant in self.variants if variant.name == name)


def process_image(data: bytes, declared: str) -> ProcessedMedia:
    """Check an image or GIF upload (declared with Content-Type `declared`) and write its variants; raises
    MediaRejected when it cannot be served."""
    expected = _declared(declared)
    if expected.kind is MediaKind.VIDEO:
        raise ValueError("a video is processed from its file, by process_video")
    real = _verified_type(data[:SNIFF_BYTES], expected)
    _check_size(len(data), LIMITS[_kind(expected)])
    if real is RealType.GIF:
        width, height, frames = _gif_frames(data, LIMITS[MediaKind.GIF])
        if frames > 1:
            _check_dimensions(width, height, LIMITS[MediaKind.GIF], "GIF")
            return _process_animated_gif(data, width, height)
    return _process_still(data, real)


def process_video(path: str | os.PathLike[str], declared: str) -> ProcessedMedia:
    """Check a video upload (a file on disk: up to 512 MB) and write its poster's variants. The video itself
    is served as uploaded."""
    expected = _declared(declared)
    if expected.kind is not MediaKind.VIDEO:
        raise ValueError("an image or GIF is processed from its bytes, by process_image")
    with open(path, "rb") as file:
        real = _verified_type(file.read(SNIFF_BYTES), expected)
    limits = LIMITS[MediaKind.VIDEO]
    _check_size(os.path.getsize(path), limits)
    source = f"file:{os.path.abspath(path)}"
    probe = _probe_video(source)
    _check_video(probe, limits)
    poster = _poster_frame(source, at_s=min(POSTER_AT_S, probe.duration_s / 2))
    return ProcessedMedia(
        kind=MediaKind.VIDEO,
        content_type=real.value,
        width=probe.width,
        height=probe.height,
        duration_ms=round(probe.duration_s * 1000),
        variants=tuple(_poster_variants(poster)),
    )


# --- checks -------------------------------------------------------------------------------------------


def _declared(content_type: str) -> RealType:
    expected = declared_type(content_type)
    if expected is None:
        raise MediaRejected(f"{content_type or 'An empty type'} is not a media type Chirp accepts.")
    return expected


def _kind(real: RealType) -> MediaKind:
    kind = real.kind
    assert kind is not None, "only accepted types are declared"
    return kind


def _verified_type(head: bytes, expected: RealType) -> RealType:
    real = sniff(head)
    if real is None:
        raise MediaRejected("The file is not a JPEG, PNG, WebP, GIF, MP4 or MOV file (or it is truncated).")
    if real.kind is None:
        raise MediaRejected(f"The file is {real.label}, which cannot be uploaded as media.")
    if not matches(expected, real):
        raise MediaRejected(f"The file is {real.label}, but it was uploaded as {expected.value}.")
    return real


def _check_size(size: int, limits: KindLimits) -> None:
    if size > limits.max_bytes:
        raise MediaRejected(f"The file is {size / 2**20:.1f} MB; at most {limits.max_bytes // 2**20} MB is allowed.")


def _check_dimensions(width: int, height: int, limits: KindLimits, what: str) -> None:
    if min(width, height) < limits.min_side:
        raise MediaRejected(f"The {what} is {width}x{height} pixels; at least {limits.min_side} on each side.")
    if width > limits.max_width or height > limits.max_height or width * height > limits.max_pixels:
        raise MediaRejected(
            f"The {what} is {width}x{height} pixels; at most {limits.max_width}x{limits.max_height} "
            f"({limits.max_pixels:,} pixels) is allowed."
        )


# --- still images ---------------------------------------------------------------------------------------


def _process_still(data: bytes, real: RealType) -> ProcessedMedia:
    image = _decoded(data, real)
    try:
        srgb = _to_srgb(image)
    finally:
        image.close()
    return ProcessedMedia(
        kind=MediaKind.IMAGE,
        content_type=real.value,
        width=srgb.width,
        height=srgb.height,
        variants=tuple(_image_variants(srgb)),
    )


def _decoded(data: bytes, real: RealType) -> Image.Image:
    """The image decoded and turned upright, after its header passed the checks; anything Pillow cannot
    read whole (truncated, corrupt, a bomb past our cap) is a rejection."""
    from PIL import Image, ImageOps

    limits = LIMITS[MediaKind.IMAGE]
    # Pillow warns past MAX_IMAGE_PIXELS and refuses past twice that; the warning is made an error below.
    Image.MAX_IMAGE_PIXELS = limits.max_pixels
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data), formats=[_PILLOW_FORMATS[real]])
            _check_dimensions(image.width, image.height, limits, "image")
            if real is RealType.WEBP and getattr(image, "n_frames", 1) > 1:
                raise MediaRejected("Animated WebP is not supported: upload the animation as a GIF or an MP4.")
            if real is RealType.JPEG:
                # libjpeg's DCT scaling: decode at 1/2, 1/4 or 1/8 while both sides stay >= the largest size.
                largest = SIZES[-1][1]
                image.draft(None, (largest, largest))
            image.load()
            ImageOps.exif_transpose(image, in_place=True)
            return image
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
            raise MediaRejected(
                f"The image declares more than {limits.max_pixels:,} pixels (a decompression bomb); at most "
                f"{limits.max_width}x{limits.max_height} is allowed."
            ) from error
        except (OSError, SyntaxError, ValueError, EOFError) as error:
            raise MediaRejected("The image is truncated or corrupt.") from error


def _to_srgb(image: Image.Image) -> Image.Image:
    """RGB or RGBA pixels in sRGB, with no metadata: the ICC profile, if any, is applied, not kept."""
    alpha = _alpha(image)
    if alpha is not None:
        image = image.convert("RGBA").convert("RGB")
    icc = image.info.get("icc_profile")
    srgb = _profile_to_srgb(image, icc) if icc else None
    if srgb is None:
        srgb = image.convert("RGB")
    if alpha is not None:
        srgb.putalpha(alpha)
    srgb.info = {}
    return srgb


def _alpha(image: Image.Image) -> Image.Image | None:
    """The alpha channel, or None when there is none or it is opaque everywhere."""
    if image.mode not in _ALPHA_MODES and "transparency" not in image.info:
        return None
    alpha = image.convert("RGBA").getchannel("A")
    return None if alpha.getextrema() == (255, 255) else alpha


def _profile_to_srgb(image: Image.Image, icc: bytes) -> Image.Image | None:
    from PIL import ImageCms

    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        pixels = image if image.mode in _ICC_MODES else image.convert("RGB")
        converted = ImageCms.profileToProfile(pixels, source, ImageCms.createProfile("sRGB"), outputMode="RGB")
    except (ImageCms.PyCMSError, OSError, ValueError):
        return None  # an unreadable profile, or one that does not fit the pixels: taken as sRGB
    return converted


def _image_variants(image: Image.Image) -> list[Variant]:
    """`large`, `medium`, `small` (those that fit, see the module's doc) and `thumb`, each WEBP."""
    long_edge = max(image.size)
    sizes: list[tuple[str, int]] = []
    for name, edge in SIZES:
        sizes.append((name, min(edge, long_edge)))
        if edge >= long_edge:
            break
    variants: list[Variant] = []
    source = image
    for name, edge in reversed(sizes):
        source = _scaled(source, edge)
        variants.append(_webp_variant(name, source))
    thumb_source = next(
        (candidate for candidate in (source, image) if min(candidate.size) >= min(THUMB_SIDE, *image.size)), image
    )
    variants.append(_webp_variant("thumb", _square(thumb_source)))
    return variants[::-1]


def _poster_variants(frame: Image.Image) -> list[Variant]:
    poster = _scaled(frame, min(POSTER_EDGE, max(frame.size)))
    return [_webp_variant("thumb", _square(poster)), _webp_variant("poster", poster)]


def _scaled(image: Image.Image, long_edge: int) -> Image.Image:
    from PIL import Image

    scale = long_edge / max(image.size)
    if scale >= 1:
        return image
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    return image.resize(size, Image.Resampling.LANCZOS)


def _square(image: Image.Image) -> Image.Image:
    from PIL import Image, ImageOps

    side = min(THUMB_SIDE, *image.size)
    return ImageOps.fit(image, (side, side), method=Image.Resampling.LANCZOS, centering=(0.5, 0.5))


def _webp_variant(name: str, image: Image.Image) -> Variant:
    out = io.BytesIO()
    # Nothing but pixels: no EXIF, XMP or ICC chunk (Pillow writes only what it is given here).
    image.save(out, "WEBP", quality=WEBP_QUALITY, method=WEBP_METHOD, exif=b"", icc_profile=None, xmp=b"")
    return Variant(name=name, content_type=WEBP, width=image.width, height=image.height, data=out.getvalue())


# --- GIF -----------------------------------------------------------------------------------------------


def _gif_frames(data: bytes, limits: KindLimits) -> tuple[int, int, int]:
    """Width, height and frame count of a GIF from its blocks, without decoding an image; refuses it as soon
    as it has more frames or pixels than allowed."""
    width, height = int.from_bytes(data[6:8], "little"), int.from_bytes(data[8:10], "little")
    position = _after_color_table(data, 13, data[10] if len(data) > 10 else 0)
    frames = 0
    max_frames = limits.max_frames or 1
    max_total = limits.max_total_pixels or width * height * max_frames
    while position < len(data) and data[position] != 0x3B:  # the trailer
        block = data[position]
        if block == 0x21:  # an extension: label, then sub-blocks
            position = _after_sub_blocks(data, position + 2)
        elif block == 0x2C:  # an image: descriptor, local colour table, LZW code size, sub-blocks
            frames += 1
            if frames > max_frames:
                raise MediaRejected(f"The GIF has more than {max_frames} frames.")
            if frames > 1 and width * height * frames > max_total:
                raise MediaRejected(f"The GIF has more than {max_total:,} pixels in all its frames.")
            if position + 10 > len(data):
                raise MediaRejected("The GIF is truncated.")
            position = _after_sub_blocks(data, _after_color_table(data, position + 10, data[position + 9]) + 1)
        else:
            raise MediaRejected("The GIF is corrupt.")
    if frames == 0:
        raise MediaRejected("The GIF is truncated: it has no image.")
    return width, height, frames


def _after_color_table(data: bytes, position: int, flags: int) -> int:
    return position + 3 * (2 << (flags & 0x07)) if flags & 0x80 else position


def _after_sub_blocks(data: bytes, position: int) -> int:
    while True:
        if position >= len(data):
            raise MediaRejected("The GIF is truncated.")
        length = data[position]
        position += 1 + length
        if length == 0:
            return position


def _process_animated_gif(data: bytes, width: int, height: int) -> ProcessedMedia:
    from PIL import Image

    with tempfile.TemporaryDirectory(prefix="chirp-gif-") as folder:
        source, target = Path(folder) / "in.gif", Path(folder) / "out.mp4"
        source.write_bytes(data)
        even = (max(2, width - width % 2), max(2, height - height % 2))
        _run_ffmpeg(
            [
                *("-protocol_whitelist", "file", "-f", "gif", "-i", f"file:{source}"),
                *("-map", "0:v:0", "-an", "-sn", "-dn", "-map_metadata", "-1", "-vf", f"scale={even[0]}:{even[1]}"),
                *("-c:v", "libx264", "-preset", GIF_VIDEO_PRESET, "-crf", str(GIF_VIDEO_CRF), "-pix_fmt", "yuv420p"),
                *("-movflags", "+faststart", "-fflags", "+bitexact", "-flags:v", "+bitexact", "-y", f"file:{target}"),
            ],
            failure="The GIF is corrupt.",
        )
        video = target.read_bytes()
        probe = _probe_video(f"file:{target}")
    with Image.open(io.BytesIO(data), formats=["GIF"]) as gif:
        first = _to_srgb(gif.convert("RGBA"))  # the first frame (Pillow opens a GIF on it)
    return ProcessedMedia(
        kind=MediaKind.GIF,
        content_type=RealType.GIF.value,
        width=width,
        height=height,
        duration_ms=round(probe.duration_s * 1000),
        variants=(
            *_poster_variants(first),
            Variant(name="video", content_type=MP4, width=probe.width, height=probe.height, data=video),
        ),
    )


# --- video ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _VideoProbe:
    duration_s: float
    width: int  # as displayed (rotation applied)
    height: int


_DURATION = re.compile(rb"Duration: (\d+):(\d\d):(\d\d(?:\.\d+)?)")
_VIDEO_STREAM = re.compile(rb"Stream #\d+:\d+.*?: Video: [^\n]*?[ ,](\d{1,5})x(\d{1,5})[ ,\n]")
_ROTATION = re.compile(rb"rotation of (-?\d+(?:\.\d+)?) degrees")


def _probe_video(source: str) -> _VideoProbe:
    """Duration and displayed dimensions from `ffmpeg -i`'s report (the container's index: no decoding)."""
    report = _run_ffmpeg(["-protocol_whitelist", "file", "-f", "mov", "-i", source], failure=None).stderr
    stream = _VIDEO_STREAM.search(report)
    if stream is None:
        if b"moov atom not found" in report or b"Invalid data found" in report:
            raise MediaRejected("The video is truncated or corrupt.")
        raise MediaRejected("The file has no video track.")
    duration = _DURATION.search(report)
    if duration is None:
        raise MediaRejected("The video's duration cannot be read.")
    hours, minutes, seconds = duration.groups()
    width, height = int(stream.group(1)), int(stream.group(2))
    rotation = _ROTATION.search(report, stream.end())
    if rotation is not None and round(float(rotation.group(1))) % 180 == 90:
        width, height = height, width
    return _VideoProbe(duration_s=int(hours) * 3600 + int(minutes) * 60 + float(seconds), width=width, height=height)


def _check_video(probe: _VideoProbe, limits: KindLimits) -> None:
    shortest, longest = limits.min_duration_s or 0.0, limits.max_duration_s or float("inf")
    if not shortest <= probe.duration_s <= longest:
        raise MediaRejected(
            f"The video is {probe.duration_s:.1f} seconds long; it must be {shortest:g} to {longest:g} seconds."
        )
    width, height = sorted((probe.width, probe.height))
    _check_dimensions(width, height, limits, "video")
    if limits.max_aspect_ratio and height / width > limits.max_aspect_ratio:
        raise MediaRejected(f"The video is {probe.width}x{probe.height}; its aspect ratio must be between 1:3 and 3:1.")


def _poster_frame(source: str, at_s: float) -> Image.Image:
    """One frame at `at_s` seconds, decoded by ffmpeg (rotation applied) and read as raw RGB."""
    from PIL import Image

    arguments = [
        *("-v", "error", "-protocol_whitelist", "file", "-ss", f"{at_s:.3f}", "-f", "mov", "-i", source),
        *("-map", "0:v:0", "-frames:v", "1", "-an", "-sn", "-dn", "-pix_fmt", "rgb24"),
        *("-c:v", "ppm", "-f", "image2pipe", "pipe:1"),
    ]
    frame = _run_ffmpeg(arguments, failure="The video's frames cannot be decoded.").stdout
    if not frame:
        raise MediaRejected("The video's frames cannot be decoded.")
    with Image.open(io.BytesIO(frame), formats=["PPM"]) as image:
        image.load()
        return image.convert("RGB")


def _run_ffmpeg(arguments: Sequence[str], failure: str | None) -> subprocess.CompletedProcess[bytes]:
    """ffmpeg from the imageio-ffmpeg wheel (or IMAGEIO_FFMPEG_EXE); a non-zero exit is `failure`, unless
    None (`ffmpeg -i` alone always exits 1: it has no output)."""
    import imageio_ffmpeg

    command = [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-nostdin", *arguments]
    try:
        result = subprocess.run(command, capture_output=True, timeout=FFMPEG_TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired as error:
        raise MediaRejected("The file took too long to process.") from error
    if failure is not None and result.returncode != 0:
        raise MediaRejected(failure)
    return result
