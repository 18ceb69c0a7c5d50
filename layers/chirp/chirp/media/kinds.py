"""The media kinds a tweet may carry, Twitter's limits for each as data, and the real type of a file by its
first bytes (never by its name or the Content-Type the client declared: a PNG renamed `.jpg`, or an HTML page
uploaded as `image/png`, must not be served as what it claims to be).

Pure Python on purpose: the API checks a declared type and size when it presigns an upload, and the media
function sniffs the object's first bytes before any decoder sees them; neither needs Pillow for that.

Limits (X's "Media best practices", developer docs, 2026):
- images (JPEG, PNG, WEBP): 5 MB; dimensions 4x4 to 8192x8192 as X accepts them;
- GIF: 15 MB; 1280x1080, at most 350 frames and 300 million pixels in all (width x height x frames);
  a one-frame GIF is processed as an image;
- video (MP4, MOV): 512 MB and 0.5 s to 140 s (the 140 s cap Twitter had before long videos), aspect ratio
  between 1:3 and 3:1, at least 32x32; at most 4096x2304 pixels a frame, so a 4K phone video (3840x2160,
  or DCI 4096x2160) passes: the video is served as uploaded (not transcoded), and only its poster frame is
  decoded.
The image pixel cap (8192 x 8192 = 67 MP) also bounds memory: a decoded RGBA frame of that size is 268 MB,
which the media function's memory is sized for; anything larger is refused from its header, before decoding.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

MB = 1024 * 1024

# How many leading bytes `sniff` looks at: enough for an ftyp box's compatible brands and an HTML/SVG prologue.
SNIFF_BYTES = 512


class MediaKind(StrEnum):
    """What a tweet carries: up to 4 images, or 1 GIF, or 1 video (Twitter's rule)."""

    IMAGE = "image"
    GIF = "gif"
    VIDEO = "video"


class RealType(StrEnum):
    """A file's type as its bytes say; the value is its content type. HTML, SVG and text are recognised only
    to be refused by name (an SVG can carry script; an HTML page served from the media domain is an XSS)."""

    JPEG = "image/jpeg"
    PNG = "image/png"
    WEBP = "image/webp"
    GIF = "image/gif"
    MP4 = "video/mp4"
    MOV = "video/quicktime"
    HTML = "text/html"
    SVG = "image/svg+xml"
    TEXT = "text/plain"

    @property
    def kind(self) -> MediaKind | None:
        """The kind it is accepted as; None: never accepted."""
        return _KINDS.get(self)

    @property
    def label(self) -> str:
        """How a user-readable reason names it."""
        return _LABELS[self]


_KINDS = {
    RealType.JPEG: MediaKind.IMAGE,
    RealType.PNG: MediaKind.IMAGE,
    RealType.WEBP: MediaKind.IMAGE,
    RealType.GIF: MediaKind.GIF,
    RealType.MP4: MediaKind.VIDEO,
    RealType.MOV: MediaKind.VIDEO,
}

_LABELS = {
    RealType.JPEG: "a JPEG image",
    RealType.PNG: "a PNG image",
    RealType.WEBP: "a WebP image",
    RealType.GIF: "a GIF",
    RealType.MP4: "an MP4 video",
    RealType.MOV: "a QuickTime (MOV) video",
    RealType.HTML: "an HTML document",
    RealType.SVG: "an SVG document",
    RealType.TEXT: "a text file",
}


@dataclass(frozen=True)
class KindLimits:
    """What one kind may be. Durations in seconds; `None`: no such limit for the kind."""

    max_bytes: int
    min_side: int
    max_width: int
    max_height: int
    max_pixels: int
    max_frames: int | None = None
    max_total_pixels: int | None = None
    min_duration_s: float | None = None
    max_duration_s: float | None = None
    max_aspect_ratio: float | None = None


LIMITS: dict[MediaKind, KindLimits] = {
    MediaKind.IMAGE: KindLimits(max_bytes=5 * MB, min_side=4, max_width=8192, max_height=8192, max_pixels=8192 * 8192),
    MediaKind.GIF: KindLimits(
        max_bytes=15 * MB,
        min_side=1,
        max_width=1280,
        max_height=1080,
        max_pixels=1280 * 1080,
        max_frames=350,
        max_total_pixels=300_000_000,
    ),
    MediaKind.VIDEO: KindLimits(
        max_bytes=512 * MB,
        min_side=32,
        max_width=4096,
        max_height=4096,
        max_pixels=4096 * 2304,
        min_duration_s=0.5,
        max_duration_s=140.0,
        max_aspect_ratio=3.0,
    ),
}

# The Content-Types a client may declare (what browsers give a File from these extensions).
ACCEPTED_CONTENT_TYPES: dict[str, RealType] = {
    real.value: real for real in (RealType.JPEG, RealType.PNG, RealType.WEBP, RealType.GIF, RealType.MP4, RealType.MOV)
}


def declared_type(content_type: str) -> RealType | None:
    """The accepted type a declared Content-Type names (case and parameters ignored), or None."""
    return ACCEPTED_CONTENT_TYPES.get(content_type.split(";", 1)[0].strip().lower())


def matches(declared: RealType, real: RealType) -> bool:
    """Whether a file whose bytes say `real` may be processed as `declared`. Exact, except MP4 and MOV: one
    container family (ISO-BMFF, read by the same demuxer), and browsers label them by file extension only;
    the real type is what the file is served as."""
    if declared == real:
        return True
    return declared.kind is MediaKind.VIDEO and real.kind is MediaKind.VIDEO


# ISO-BMFF brands (the ftyp box): QuickTime's, and the MP4 family's (ISO base media, MPEG-4, AVC, Apple M4V,
# DASH). HEIF/AVIF stills (heic, mif1, avif) share the box but are neither, and are not accepted.
_QUICKTIME_BRANDS = frozenset({b"qt  "})
_MP4_BRANDS = frozenset(
    {b"isom", b"iso2", b"iso3", b"iso4", b"iso5", b"iso6", b"iso8", b"iso9", b"mp41", b"mp42", b"avc1", b"dash"}
    | {b"M4V ", b"M4VH", b"M4VP", b"f4v ", b"msnv", b"mmp4", b"MSNV", b"XAVC"}
)
_STILL_BRANDS = frozenset({b"heic", b"heix", b"hevc", b"heim", b"heis", b"mif1", b"msf1", b"avif", b"avis"})
# Old QuickTime files start with an atom other than ftyp.
_QUICKTIME_FIRST_ATOMS = frozenset({b"moov", b"mdat", b"wide", b"pnot"})

# WHATWG MIME sniffing's HTML openers (each must be followed by a space or ">").
_HTML_OPENERS = tuple(
    f"<{tag}".encode()
    for tag in (
        "!doctype html", "html", "head", "script", "iframe", "h1", "div", "font", "table", "a", "style",
        "title", "b", "body", "br", "p", "!--", "meta", "link", "form", "img", "svg:svg",
    )
)  # fmt: skip
# Bytes that never occur in text (WHATWG's "binary data bytes").
_BINARY_BYTES = frozenset({*range(0x00, 0x09), 0x0B, *range(0x0E, 0x1B), *range(0x1C, 0x20)})


def sniff(head: bytes) -> RealType | None:
    """The real type of a file from its first bytes (`SNIFF_BYTES` suffice), or None when unrecognised.

    Binary signatures first (they are exact), then markup, then text: a file is "text" only when nothing
    else matched and its head is UTF-8 with no binary control byte (so a PDF is unrecognised, not text)."""
    binary = _sniff_binary(head)
    if binary is not None:
        return binary
    return _sniff_markup(head)


def _sniff_binary(head: bytes) -> RealType | None:
    if head.startswith(b"\xff\xd8\xff"):
        return RealType.JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return RealType.PNG
    if head.startswith((b"GIF87a", b"GIF89a")):
        return RealType.GIF
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return RealType.WEBP
    return _sniff_iso_bmff(head)


def _sniff_iso_bmff(head: bytes) -> RealType | None:
    box_type = head[4:8]
    if box_type in _QUICKTIME_FIRST_ATOMS:
        return RealType.MOV
    if box_type != b"ftyp" or len(head) < 12:
        return None
    return _type_of_brands(head[8:12], _compatible_brands(head))


def _compatible_brands(head: bytes) -> set[bytes]:
    """The ftyp box's compatible brands: after the major brand and the 4-byte minor version, to the box's end."""
    box_end = min(int.from_bytes(head[0:4], "big"), len(head))
    return {head[offset : offset + 4] for offset in range(16, box_end - 3, 4)}


def _type_of_brands(major: bytes, compatible: set[bytes]) -> RealType | None:
    if major in _QUICKTIME_BRANDS:
        return RealType.MOV
    if major in _STILL_BRANDS:
        return None
    if major in _MP4_BRANDS or compatible & _MP4_BRANDS:
        return RealType.MP4
    return RealType.MOV if compatible & _QUICKTIME_BRANDS else None


def _sniff_markup(head: bytes) -> RealType | None:
    text = head.removeprefix(b"\xef\xbb\xbf").lstrip(b" \t\r\n\x0c").lower()
    if not text:
        return None
    if text.startswith(b"<svg") or (text.startswith(b"<?xml") and b"<svg" in text):
        return RealType.SVG
    for opener in _HTML_OPENERS:
        if text.startswith(opener) and text[len(opener) : len(opener) + 1] in (b" ", b">"):
            return RealType.HTML
    return RealType.TEXT if _is_text(head) else None


def _is_text(head: bytes) -> bool:
    """UTF-8 (a character cut by the end of the head allowed) with no binary control byte."""
    if _BINARY_BYTES.intersection(head):
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        return error.reason == "unexpected end of data"
    return True
