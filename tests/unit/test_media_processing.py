"""Checking uploads and writing their variants (chirp.media.processing), on real files made here with Pillow
and with ffmpeg's lavfi `testsrc` (the imageio-ffmpeg binary the media function ships)."""

from __future__ import annotations

import io
import json
import struct
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import imageio_ffmpeg
import pytest
from chirp.media.kinds import MediaKind, RealType, sniff
from chirp.media.processing import (
    MediaRejected,
    ProcessedMedia,
    Variant,
    process_image,
    process_video,
)
from PIL import Image, ImageCms

MAKE = "ChirpTestCamera"
XMP = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:Description ChirpXmpMarker="1"/></x:xmpmeta>'
COMMENT = b"ChirpCommentMarker"
RED, BLUE = (220, 20, 20), (20, 20, 220)


# --- files made for the tests ------------------------------------------------------------------------------


def _two_halves(size: tuple[int, int], mode: str = "RGB") -> Image.Image:
    """Left half red, right half blue: where the red half ends up shows how the image was turned."""
    image = Image.new(mode, size, BLUE)
    image.paste(RED, (0, 0, size[0] // 2, size[1]))
    return image


def _exif(orientation: int = 1) -> Image.Exif:
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010F] = MAKE
    exif[0x8825] = {1: "N", 2: (48.0, 51.0, 29.0), 3: "E", 4: (2.0, 17.0, 40.0)}  # the GPS IFD: Paris
    return exif


def _jpeg(image: Image.Image, **options: object) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90, **options)
    return out.getvalue()


def _encoded(image: Image.Image, fmt: str, **options: object) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def _icc_swapping_red_and_blue() -> bytes:
    """An ICC v2 RGB matrix/TRC profile whose red primary is sRGB's blue and whose blue is sRGB's red: pure
    red in it is blue in sRGB, so a conversion (or its absence) cannot be missed."""

    def s15(value: float) -> bytes:
        return struct.pack(">i", round(value * 65536))

    def xyz(x: float, y: float, z: float) -> bytes:
        return b"XYZ " + bytes(4) + s15(x) + s15(y) + s15(z)

    curve = b"curv" + bytes(4) + struct.pack(">IH", 1, 0x0233) + bytes(2)  # gamma 2.2
    text = b"swapped"
    desc = b"desc" + bytes(4) + struct.pack(">I", len(text) + 1) + text + b"\0" + bytes(4 + 4 + 2 + 1 + 67)
    tags = [
        (b"desc", desc),
        (b"wtpt", xyz(0.9642, 1.0, 0.8249)),
        (b"rXYZ", xyz(0.1431, 0.0606, 0.7141)),  # sRGB's blue, D50
        (b"gXYZ", xyz(0.3851, 0.7169, 0.0971)),
        (b"bXYZ", xyz(0.4361, 0.2225, 0.0139)),  # sRGB's red, D50
        (b"rTRC", curve),
        (b"gTRC", curve),
        (b"bTRC", curve),
    ]
    offset = 128 + 4 + 12 * len(tags)
    table, data = b"", b""
    for signature, body in tags:
        padded = body + bytes(-len(body) % 4)
        table += signature + struct.pack(">II", offset + len(data), len(body))
        data += padded
    size = offset + len(data)
    header = (
        struct.pack(">I", size)
        + bytes(4)
        + struct.pack(">I", 0x02100000)
        + b"mntrRGB XYZ "
        + struct.pack(">6H", 2026, 1, 1, 0, 0, 0)
        + b"acsp"
        + bytes(24)
        + struct.pack(">I", 0)
        + s15(0.9642)
        + s15(1.0)
        + s15(0.8249)
        + bytes(48)
    )
    assert len(header) == 128
    return header + struct.pack(">I", len(tags)) + table + data


def _png_header_only(width: int, height: int) -> bytes:
    """A PNG that declares width x height but holds one tiny compressed row: a decompression bomb's header."""
    import zlib

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")


def _gif_of_tiny_frames(frames: int) -> bytes:
    """A GIF of `frames` 1x1 frames, written block by block (Pillow would take minutes for 50,000 frames)."""
    header = b"GIF89a" + struct.pack("<HHBBB", 1, 1, 0x80, 0, 0) + b"\x00\x00\x00\xff\xff\xff"
    loop = b"\x21\xff\x0bNETSCAPE2.0\x03\x01\x00\x00\x00"
    frame = (
        b"\x21\xf9\x04\x04\x02\x00\x00\x00"  # graphic control: 2/100 s
        + b"\x2c"
        + struct.pack("<HHHHB", 0, 0, 1, 1, 0)
        + b"\x02\x02\x44\x01\x00"  # LZW: minimum code size 2, one sub-block, terminator
    )
    return header + loop + frame * frames + b"\x3b"


def _animated_gif(frames: int = 8, size: tuple[int, int] = (64, 48)) -> bytes:
    images = [Image.new("RGB", size, (index * 30 % 256, 80, 160)) for index in range(frames)]
    return _encoded(images[0], "GIF", save_all=True, append_images=images[1:], duration=100, loop=0)


def _ffmpeg(*arguments: str) -> None:
    command = [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-nostdin", "-v", "error", "-y", *arguments]
    subprocess.run(command, check=True, capture_output=True, timeout=60)


@pytest.fixture(scope="module")
def videos(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Path]]:
    folder = tmp_path_factory.mktemp("videos")
    made = {
        "mp4": folder / "three-seconds.mp4",
        "mov": folder / "one-second.mov",
        "long": folder / "long.mp4",
    }
    _ffmpeg(*_lavfi("320x240", 25, 3), *_x264(), str(made["mp4"]))
    _ffmpeg(*_lavfi("160x120", 25, 1), *_x264(), "-f", "mov", str(made["mov"]))
    _ffmpeg(*_lavfi("32x32", 1, 150), *_x264(), str(made["long"]))  # 150 frames of 32x32: tiny and fast
    made["rotated"] = folder / "rotated.mp4"
    _ffmpeg("-display_rotation", "90", "-i", str(made["mp4"]), "-c", "copy", str(made["rotated"]))
    yield made


def _lavfi(size: str, rate: int, seconds: float) -> list[str]:
    return ["-f", "lavfi", "-i", f"testsrc=size={size}:rate={rate}:duration={seconds}"]


def _x264() -> list[str]:
    return ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"]


# --- helpers on the outputs -----------------------------------------------------------------------------


def _opened(variant: Variant) -> Image.Image:
    image = Image.open(io.BytesIO(variant.data))
    image.load()
    return image


def _webp_chunks(data: bytes) -> list[bytes]:
    """The chunk names of a WEBP file's RIFF container."""
    assert data[:4] == b"RIFF" and data[8:12] == b"WEBP"
    names, position = [], 12
    while position + 8 <= len(data):
        name, size = data[position : position + 4], struct.unpack("<I", data[position + 4 : position + 8])[0]
        names.append(name)
        position += 8 + size + size % 2
    return names


def _assert_no_metadata(variant: Variant) -> None:
    chunks = _webp_chunks(variant.data)
    assert not {b"EXIF", b"XMP ", b"ICCP"} & set(chunks), (variant.name, chunks)
    for marker in (b"Exif", MAKE.encode(), b"ChirpXmpMarker", COMMENT, b"GPS"):
        assert marker not in variant.data, (variant.name, marker)
    image = _opened(variant)
    assert not image.getexif()
    assert not {"exif", "xmp", "icc_profile", "comment"} & set(image.info)


def _assert_webp_variants(result: ProcessedMedia) -> None:
    for variant in result.variants:
        assert variant.content_type == "image/webp"
        assert sniff(variant.data) is RealType.WEBP
        assert _opened(variant).size == (variant.width, variant.height)


def _pixel(image: Image.Image, xy: tuple[int, int]) -> tuple[int, ...]:
    pixel = image.getpixel(xy)
    assert isinstance(pixel, tuple)
    return pixel


def _near(pixel: tuple[int, ...], colour: tuple[int, int, int], tolerance: int = 40) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel[:3], colour, strict=True))


def test_importing_the_media_package_imports_neither_pillow_nor_ffmpeg() -> None:
    # Given a fresh interpreter with the layer alone on its path, as any Chirp function's sandbox
    root = Path(__file__).resolve().parents[2]
    probe = (
        "import json, sys\n"
        "import chirp.media.kinds, chirp.media.processing\n"
        "print(json.dumps(sorted(n for n in ('PIL', 'imageio_ffmpeg') if n in sys.modules)))"
    )
    # When it imports the media modules
    result = subprocess.run(
        [sys.executable, "-c", probe],
        env={"PYTHONPATH": str(root / "layers/chirp"), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    # Then neither Pillow nor imageio-ffmpeg was imported (only the media function ships them)
    assert result.returncode == 0, result.stderr[-2000:]
    assert json.loads(result.stdout.strip().splitlines()[-1]) == []


# --- images ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "declared"),
    [("JPEG", "image/jpeg"), ("PNG", "image/png"), ("WEBP", "image/webp"), ("GIF", "image/gif")],
)
def test_every_accepted_image_format_gets_webp_variants(fmt: str, declared: str) -> None:
    # Given a 2100x1400 image in each accepted format (a one-frame GIF is an image)
    data = _encoded(_two_halves((2100, 1400)), fmt)
    # When processed
    result = process_image(data, declared)
    # Then it is an image with its size, and the four variants: a square thumb and three long-edge sizes
    assert (result.kind, result.content_type, result.width, result.height) == (MediaKind.IMAGE, declared, 2100, 1400)
    assert [(v.name, v.width, v.height) for v in result.variants] == [
        ("thumb", 150, 150),
        ("small", 680, 453),
        ("medium", 1200, 800),
        ("large", 2048, 1365),
    ]
    _assert_webp_variants(result)


def test_a_small_image_is_never_upscaled_its_size_is_capped_once_then_skipped() -> None:
    # Given a 1000x800 PNG
    data = _encoded(_two_halves((1000, 800)), "PNG")
    # When processed
    result = process_image(data, "image/png")
    # Then `small` is 680 wide, `medium` is the original's size, and there is no `large`
    assert [(v.name, v.width, v.height) for v in result.variants] == [
        ("thumb", 150, 150),
        ("small", 680, 544),
        ("medium", 1000, 800),
    ]


def test_exif_with_gps_xmp_and_comments_are_stripped_from_every_variant() -> None:
    # Given a JPEG carrying EXIF (camera make, a GPS position), XMP and a comment
    data = _jpeg(_two_halves((2400, 1600)), exif=_exif(), xmp=XMP, comment=COMMENT)
    given = Image.open(io.BytesIO(data))
    assert given.getexif().get_ifd(0x8825) and MAKE.encode() in data and b"ChirpXmpMarker" in data
    # When processed
    result = process_image(data, "image/jpeg")
    # Then no variant carries any of it: no EXIF/XMP/ICC chunk, none of the bytes, nothing Pillow reads back
    assert len(result.variants) == 4
    for variant in result.variants:
        _assert_no_metadata(variant)


def test_exif_orientation_is_applied_before_the_metadata_goes() -> None:
    # Given a 400x200 JPEG (left half red) tagged orientation 6: shown turned 90 degrees clockwise, 200x400
    data = _jpeg(_two_halves((400, 200)), exif=_exif(orientation=6))
    # When processed
    result = process_image(data, "image/jpeg")
    # Then the original is reported upright, and the variant is portrait with the red half on top
    assert (result.width, result.height) == (200, 400)
    small = _opened(result.variant("small"))
    assert small.size == (200, 400)
    assert _near(_pixel(small, (100, 20)), RED)
    assert _near(_pixel(small, (100, 380)), BLUE)
    _assert_no_metadata(result.variant("small"))


def test_an_icc_profile_is_converted_to_srgb_and_not_embedded() -> None:
    # Given a pure-red PNG whose embedded profile says its red primary is sRGB's blue
    icc = _icc_swapping_red_and_blue()
    ImageCms.ImageCmsProfile(io.BytesIO(icc))  # (a profile LittleCMS reads)
    data = _encoded(Image.new("RGB", (300, 200), (255, 0, 0)), "PNG", icc_profile=icc)
    # When processed
    result = process_image(data, "image/png")
    # Then the pixels were converted (they are blue in sRGB), and no variant embeds a profile
    for variant in result.variants:
        assert _near(_pixel(_opened(variant), (10, 10)), (0, 0, 255), tolerance=60), variant.name
        _assert_no_metadata(variant)
    # And without the profile, the same pixels stay red
    plain = process_image(_encoded(Image.new("RGB", (300, 200), (255, 0, 0)), "PNG"), "image/png")
    assert _near(_pixel(_opened(plain.variant("small")), (10, 10)), (255, 0, 0), tolerance=60)


def test_a_png_with_alpha_keeps_its_alpha() -> None:
    # Given a PNG whose right half is transparent
    image = Image.new("RGBA", (800, 600), (*RED, 255))
    image.paste((0, 0, 0, 0), (400, 0, 800, 600))
    # When processed
    result = process_image(_encoded(image, "PNG"), "image/png")
    # Then every variant is RGBA, opaque on the left and transparent on the right
    for variant in result.variants:
        opened = _opened(variant)
        assert opened.mode == "RGBA", variant.name
        assert _pixel(opened, (2, opened.height // 2))[3] == 255
        assert _pixel(opened, (opened.width - 3, opened.height // 2))[3] == 0


def test_an_opaque_alpha_channel_is_dropped() -> None:
    # Given an RGBA PNG opaque everywhere / When processed / Then its variants are plain RGB
    result = process_image(_encoded(Image.new("RGBA", (300, 300), (*RED, 255)), "PNG"), "image/png")
    assert _opened(result.variant("small")).mode == "RGB"


def test_the_same_image_gives_the_same_bytes() -> None:
    # Given a JPEG with EXIF / When processed twice / Then every variant is byte for byte the same
    data = _jpeg(_two_halves((2400, 1600)), exif=_exif(orientation=6))
    first, second = process_image(data, "image/jpeg"), process_image(data, "image/jpeg")
    assert [v.data for v in first.variants] == [v.data for v in second.variants]


# --- refusals -------------------------------------------------------------------------------------------


def _reason(data: bytes, declared: str) -> str:
    with pytest.raises(MediaRejected) as raised:
        process_image(data, declared)
    return raised.value.reason


def test_a_png_declared_as_jpeg_is_rejected() -> None:
    # Given a real PNG uploaded as image/jpeg (a PNG renamed .jpg) / When processed / Then refused, saying so
    reason = _reason(_encoded(_two_halves((64, 64)), "PNG"), "image/jpeg")
    assert reason == "The file is a PNG image, but it was uploaded as image/jpeg."


def test_an_html_file_declared_as_png_is_rejected() -> None:
    # Given an HTML page uploaded as image/png / When processed / Then refused as the document it is
    reason = _reason(b"<!DOCTYPE html><html><script>alert(document.cookie)</script></html>", "image/png")
    assert reason == "The file is an HTML document, which cannot be uploaded as media."


def test_an_svg_is_rejected_whatever_it_is_declared_as() -> None:
    # Given an SVG (it can carry script) declared as an image, or as itself / Then refused both ways
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>'
    assert "SVG document" in _reason(svg, "image/png")
    assert "not a media type Chirp accepts" in _reason(svg, "image/svg+xml")


def test_a_truncated_jpeg_is_rejected() -> None:
    # Given the first half of a real JPEG
    data = _jpeg(_two_halves((1200, 900)))
    # When processed / Then refused as truncated
    assert _reason(data[: len(data) // 2], "image/jpeg") == "The image is truncated or corrupt."


def test_a_truncated_png_is_rejected() -> None:
    # Given the first half of a real PNG / When processed / Then refused as truncated
    data = _encoded(Image.effect_noise((300, 300), 50), "PNG")
    assert _reason(data[: len(data) // 2], "image/png") == "The image is truncated or corrupt."


def test_a_decompression_bomb_is_rejected_from_its_header_fast() -> None:
    # Given a tiny PNG declaring 100,000 x 100,000 pixels (30 GB decoded)
    data = _png_header_only(100_000, 100_000)
    assert len(data) < 200
    # When processed
    started = time.perf_counter()
    reason = _reason(data, "image/png")
    # Then refused before decoding, in well under a second
    assert time.perf_counter() - started < 0.5
    assert "decompression bomb" in reason


def test_pillows_bomb_warning_is_a_rejection_too() -> None:
    # Given a PNG just past the pixel cap (8192 x 8200), where Pillow only warns / When processed / Then refused
    assert "decompression bomb" in _reason(_png_header_only(8192, 8200), "image/png")


def test_an_image_past_a_side_limit_is_rejected_from_its_header() -> None:
    # Given a PNG 10,000 x 100 (few pixels, but wider than 8192) / When processed / Then refused for its size
    reason = _reason(_png_header_only(10_000, 100), "image/png")
    assert reason == "The image is 10000x100 pixels; at most 8192x8192 (67,108,864 pixels) is allowed."


def test_an_oversized_file_is_rejected() -> None:
    # Given a "JPEG" of 5 MB and one byte / When processed / Then refused for its size
    data = _jpeg(_two_halves((16, 16)))
    assert "at most 5 MB" in _reason(data + bytes(5 * 1024 * 1024 + 1 - len(data)), "image/jpeg")


def test_a_gif_with_50000_frames_is_rejected_without_decoding_them() -> None:
    # Given a GIF of 50,000 1x1 frames, made in a few milliseconds (and a real GIF: Pillow reads its frames)
    started = time.perf_counter()
    data = _gif_of_tiny_frames(50_000)
    assert time.perf_counter() - started < 0.5
    with Image.open(io.BytesIO(_gif_of_tiny_frames(3))) as small:
        assert getattr(small, "n_frames", 1) == 3
    # When processed
    started = time.perf_counter()
    reason = _reason(data, "image/gif")
    # Then refused for its frame count, fast
    assert time.perf_counter() - started < 0.5
    assert reason == "The GIF has more than 350 frames."


def test_a_gif_bomb_screen_is_rejected() -> None:
    # Given GIFs declaring a 65,535 x 65,535 screen, with one 1x1 frame, and with two
    one, two = bytearray(_gif_of_tiny_frames(1)), bytearray(_gif_of_tiny_frames(2))
    one[6:10] = two[6:10] = struct.pack("<HH", 65535, 65535)
    # When processed / Then the still one is a bomb, the animated one has too many pixels in all
    assert "decompression bomb" in _reason(bytes(one), "image/gif")
    assert _reason(bytes(two), "image/gif") == "The GIF has more than 300,000,000 pixels in all its frames."


# --- animated GIFs --------------------------------------------------------------------------------------


def test_an_animated_gif_becomes_an_mp4_with_a_poster() -> None:
    # Given an 8-frame 64x48 GIF at 100 ms a frame
    data = _animated_gif(frames=8)
    # When processed
    result = process_image(data, "image/gif")
    # Then it is a GIF kind, 0.8 s long, with a thumb and a poster (WEBP) and the animation as an H.264 MP4
    assert (result.kind, result.width, result.height) == (MediaKind.GIF, 64, 48)
    assert result.duration_ms is not None and 700 <= result.duration_ms <= 900
    assert [v.name for v in result.variants] == ["thumb", "poster", "video"]
    video = result.variant("video")
    assert (video.content_type, video.width, video.height) == ("video/mp4", 64, 48)
    assert sniff(video.data) is RealType.MP4
    assert _opened(result.variant("poster")).size == (64, 48)
    # And the same GIF gives the same MP4 bytes
    assert process_image(data, "image/gif").variant("video").data == video.data


def test_an_odd_sized_animated_gif_gets_even_video_dimensions() -> None:
    # Given a 65x33 animated GIF (H.264 in yuv420p needs even sides) / When processed / Then 64x32 video
    result = process_image(_animated_gif(frames=3, size=(65, 33)), "image/gif")
    assert (result.variant("video").width, result.variant("video").height) == (64, 32)


# --- video ----------------------------------------------------------------------------------------------


def test_a_video_gets_its_duration_dimensions_and_a_poster(videos: dict[str, Path]) -> None:
    # Given a 3 s 320x240 MP4 / When processed
    result = process_video(videos["mp4"], "video/mp4")
    # Then its duration and size are read, and its poster frame gets a thumb and a poster variant
    assert (result.kind, result.content_type, result.width, result.height) == (MediaKind.VIDEO, "video/mp4", 320, 240)
    assert result.duration_ms == 3000
    assert [(v.name, v.width, v.height) for v in result.variants] == [("thumb", 150, 150), ("poster", 320, 240)]
    _assert_webp_variants(result)
    for variant in result.variants:
        _assert_no_metadata(variant)


def test_a_mov_is_accepted_and_served_as_what_it_is(videos: dict[str, Path]) -> None:
    # Given a QuickTime file (declared as MOV, then as MP4 as a browser may label it) / When processed
    for declared in ("video/quicktime", "video/mp4"):
        result = process_video(videos["mov"], declared)
        # Then it is read, and its content type is the real one
        assert (result.content_type, result.width, result.height, result.duration_ms) == (
            "video/quicktime",
            160,
            120,
            1000,
        )


def test_a_rotated_video_reports_its_displayed_dimensions(videos: dict[str, Path]) -> None:
    # Given a 320x240 video whose display matrix turns it 90 degrees / When processed
    result = process_video(videos["rotated"], "video/mp4")
    # Then it is 240x320 as shown, and so is its poster (ffmpeg turns the frame)
    assert (result.width, result.height) == (240, 320)
    assert (result.variant("poster").width, result.variant("poster").height) == (240, 320)


def test_a_video_over_140_seconds_is_rejected(videos: dict[str, Path]) -> None:
    # Given a 150 s video / When processed / Then refused for its length
    with pytest.raises(MediaRejected) as raised:
        process_video(videos["long"], "video/mp4")
    assert raised.value.reason == "The video is 150.0 seconds long; it must be 0.5 to 140 seconds."


def test_a_truncated_video_is_rejected(videos: dict[str, Path], tmp_path: Path) -> None:
    # Given the first half of an MP4 whose index (moov) is at its end / When processed / Then refused
    data = videos["mp4"].read_bytes()
    truncated = tmp_path / "cut.mp4"
    truncated.write_bytes(data[: len(data) // 2])
    with pytest.raises(MediaRejected) as raised:
        process_video(truncated, "video/mp4")
    assert raised.value.reason == "The video is truncated or corrupt."


def test_an_image_declared_as_video_is_rejected(tmp_path: Path) -> None:
    # Given a JPEG uploaded as video/mp4 / When processed / Then refused by its bytes, ffmpeg never run
    path = tmp_path / "photo.mp4"
    path.write_bytes(_jpeg(_two_halves((64, 64))))
    with pytest.raises(MediaRejected) as raised:
        process_video(path, "video/mp4")
    assert raised.value.reason == "The file is a JPEG image, but it was uploaded as video/mp4."


def test_the_two_entry_points_refuse_each_others_kind(videos: dict[str, Path]) -> None:
    # Given a caller that routes by the wrong kind / Then it is a programming error, not a user's
    with pytest.raises(ValueError, match="process_video"):
        process_image(b"", "video/mp4")
    with pytest.raises(ValueError, match="process_image"):
        process_video(videos["mp4"], "image/jpeg")
