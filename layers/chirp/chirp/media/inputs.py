"""What clients send about media: an upload asked for (Twitter's INIT names, `media_type` and `total_bytes`),
and a media's alt text.

The rules themselves (the accepted types, each kind's size limit, the alt text's length) are the service's
(`chirp.media.service`), which answers 400 naming the rule; the bounds below only document them in the OpenAPI
document.
"""

from __future__ import annotations

from pydantic import Field

from chirp.media.kinds import ACCEPTED_CONTENT_TYPES, LIMITS, MB, MediaKind
from chirp.media.models import MAX_ALT_TEXT
from chirp.users.inputs import StrictInput

_ACCEPTED = ", ".join(ACCEPTED_CONTENT_TYPES)


class UploadRequest(StrictInput):
    media_type: str = Field(description=f"the file's type: one of {_ACCEPTED}")
    total_bytes: int = Field(
        description=(
            "the file's exact size in bytes (a browser's File.size): at most "
            f"{LIMITS[MediaKind.IMAGE].max_bytes // MB} MB for an image, {LIMITS[MediaKind.GIF].max_bytes // MB} MB "
            f"for a GIF, {LIMITS[MediaKind.VIDEO].max_bytes // MB} MB for a video"
        ),
        json_schema_extra={"minimum": 1, "maximum": max(limits.max_bytes for limits in LIMITS.values())},
    )


class AltTextChange(StrictInput):
    alt_text: str = Field(
        description=f"what the media shows, for people who cannot see it: up to {MAX_ALT_TEXT:,} characters "
        '(Unicode code points); "" removes it',
        json_schema_extra={"maxLength": MAX_ALT_TEXT},
    )
