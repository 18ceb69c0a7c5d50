"""The media kinds, their limits, and a file's real type by its first bytes (chirp.media.kinds)."""

from __future__ import annotations

import io

import pytest
from chirp.media.kinds import (
    LIMITS,
    SNIFF_BYTES,
    MediaKind,
    RealType,
    declared_type,
    matches,
    sniff,
)
from PIL import Image

MB = 1024 * 1024


def _encoded(fmt: str, **options: object) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(out, fmt, **options)
    return out.getvalue()


def _ftyp(major: bytes, *compatible: bytes) -> bytes:
    body = major + b"\x00\x00\x02\x00" + b"".join(compatible)
    return (8 + len(body)).to_bytes(4, "big") + b"ftyp" + body + b"\x00\x00\x00\x08free"


def test_limits_are_twitters() -> None:
    # Given / When the limits as data / Then images 5 MB, GIFs 15 MB and 350 frames, video 512 MB and 140 s
    assert LIMITS[MediaKind.IMAGE].max_bytes == 5 * MB
    assert LIMITS[MediaKind.GIF].max_bytes == 15 * MB
    assert LIMITS[MediaKind.GIF].max_frames == 350
    assert LIMITS[MediaKind.GIF].max_total_pixels == 300_000_000
    assert LIMITS[MediaKind.VIDEO].max_bytes == 512 * MB
    assert LIMITS[MediaKind.VIDEO].max_duration_s == 140.0
    assert LIMITS[MediaKind.IMAGE].max_pixels == 8192 * 8192


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (_encoded("JPEG"), RealType.JPEG),
        (_encoded("PNG"), RealType.PNG),
        (_encoded("WEBP"), RealType.WEBP),
        (_encoded("GIF"), RealType.GIF),
        (b"GIF87a" + bytes(20), RealType.GIF),
        (_ftyp(b"isom", b"isom", b"iso2", b"avc1", b"mp41"), RealType.MP4),
        (_ftyp(b"mp42", b"mp42", b"isom"), RealType.MP4),
        (_ftyp(b"M4V ", b"M4V ", b"mp42"), RealType.MP4),
        (_ftyp(b"qt  ", b"qt  "), RealType.MOV),
        (b"\x00\x00\x00\x20moov" + bytes(24), RealType.MOV),
    ],
    ids=["jpeg", "png", "webp", "gif89a", "gif87a", "mp4-isom", "mp4-mp42", "m4v", "mov", "mov-without-ftyp"],
)
def test_sniff_recognises_each_accepted_type_by_its_bytes(data: bytes, expected: RealType) -> None:
    # Given the first bytes of a real file / When sniffed / Then its real type, and the kind it is accepted as
    assert sniff(data[:SNIFF_BYTES]) is expected
    assert expected.kind is not None


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b"<!DOCTYPE html><html><script>alert(1)</script>", RealType.HTML),
        (b"\xef\xbb\xbf  \n<HTML>\n<body>", RealType.HTML),
        (b"<script>alert(document.cookie)</script>", RealType.HTML),
        (b"<!-- a comment --><p>hi</p>", RealType.HTML),
        (b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', RealType.SVG),
        (b"<svg xmlns='http://www.w3.org/2000/svg'></svg>", RealType.SVG),
        (b"just some words, nothing else\n", RealType.TEXT),
    ],
    ids=["html-doctype", "html-bom-whitespace", "script", "comment", "svg-xml", "svg", "text"],
)
def test_sniff_names_markup_and_text_so_they_are_refused(head: bytes, expected: RealType) -> None:
    # Given a document, not media / When sniffed / Then it is named, and no kind accepts it
    real = sniff(head)
    assert real is expected
    assert real.kind is None


@pytest.mark.parametrize(
    "head",
    [
        b"",
        b"\x00\x01\x02\x03binary junk",
        b"RIFF\x24\x00\x00\x00WAVEfmt ",
        _ftyp(b"heic", b"mif1", b"heic"),
        _ftyp(b"avif", b"avif", b"mif1"),
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3",
        b"\x89PNG\r\n",  # a PNG signature cut short
    ],
    ids=["empty", "binary", "wav", "heic", "avif", "pdf", "short-png"],
)
def test_sniff_answers_none_for_what_it_does_not_know(head: bytes) -> None:
    # Given bytes of no accepted type (HEIC and AVIF share MP4's box but are stills) / When sniffed / Then None
    assert sniff(head) is None


def test_declared_types_are_the_accepted_ones_case_and_parameters_ignored() -> None:
    # Given Content-Types as clients send them / When read / Then the accepted ones map to their type
    assert declared_type("image/jpeg") is RealType.JPEG
    assert declared_type("IMAGE/PNG; charset=binary") is RealType.PNG
    assert declared_type("video/quicktime") is RealType.MOV
    # And documents, and formats Chirp does not accept, are not
    for refused in ("text/html", "image/svg+xml", "text/plain", "image/heic", "application/octet-stream", ""):
        assert declared_type(refused) is None


def test_matches_is_exact_except_between_the_two_iso_video_containers() -> None:
    # Given a declared type and a real one / When compared / Then only the same type matches...
    assert matches(RealType.JPEG, RealType.JPEG)
    assert not matches(RealType.JPEG, RealType.PNG)
    assert not matches(RealType.PNG, RealType.HTML)
    assert not matches(RealType.GIF, RealType.WEBP)
    assert not matches(RealType.MP4, RealType.JPEG)
    # ...except MP4 and MOV, one container family that browsers label by extension only
    assert matches(RealType.MP4, RealType.MOV)
    assert matches(RealType.MOV, RealType.MP4)
