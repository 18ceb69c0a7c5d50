"""What a tweet may carry, as Twitter has it: up to 4 images, or exactly 1 GIF, or exactly 1 video (never a mix);
and its text may be empty only when it carries media."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from chirp.media.attaching import WrongMediaKind
from chirp.media.kinds import MediaKind
from chirp.media.models import Media
from chirp.tweets.text import Entities, ParsedText, parse_tweet_text

MAX_IMAGES = 4
FIELD = "media.media_ids"


def check_media_mix(media: Sequence[Media]) -> None:
    """WrongMediaKind unless `media` is 1-4 images, or a single GIF or video."""
    kinds = Counter(item.kind for item in media)
    if set(kinds) <= {MediaKind.IMAGE} and len(media) <= MAX_IMAGES:
        return
    if len(media) == 1:
        return
    found = ", ".join(f"{count} {kind.value}{'s' if count > 1 else ''}" for kind, count in sorted(kinds.items()))
    raise WrongMediaKind(f"{FIELD}: a tweet carries up to {MAX_IMAGES} images, or 1 GIF, or 1 video; not {found}")


def tweet_text(raw: str, *, carries_media: bool) -> ParsedText:
    """The text of a tweet (chirp.tweets.text's rules); empty or only whitespace is a media-only tweet's text
    (stored as ""), and InvalidInput for a tweet without media."""
    if carries_media and not raw.strip():
        return ParsedText(text="", weighted_length=0, entities=Entities())
    return parse_tweet_text(raw)
