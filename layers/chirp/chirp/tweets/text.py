r"""Tweet text: Twitter's weighted length rule and entity extraction.

The weighted length (280; every URL counts 23; CJK and emoji count 2) and URL
extraction come from `twitter-text-parser`, a port of Twitter's own twitter-text
with its v3 configuration. That library takes ~330 ms to import (it parses the
Unicode emoji table and imports pkg_resources), so it is imported on first use,
not at module import: only the cold start of a tweet-posting request pays it.

Hashtags, mentions and cashtags follow twitter-text's rules, restated with the
`regex` module (Unicode properties such as \p{M}, which `re` lacks): an entity
starts after a non-word character, and never inside a URL. Offsets are Unicode code points (Python string indices), as
in Twitter API v2. Text is NFC-normalised first, as twitter-text does before it
counts.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from chirp.errors import InvalidInput

MAX_WEIGHTED_LENGTH = 280

_HASHTAG_CHAR = r"[\p{L}\p{M}\p{Nd}_]"
_MENTION = re.compile(r"(?:^|(?<=[^A-Za-z0-9_!#$%&*@＠]))[@＠]([A-Za-z0-9_]{1,15})(?![A-Za-z0-9_@＠]|://)")
_CASHTAG = re.compile(r"(?:^|(?<=\s))\$([A-Za-z]{1,6}(?:[._][A-Za-z]{1,2})?)(?=$|\s|[.,!?:;\"')\]])")
_FORBIDDEN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class Entities:
    hashtags: list[dict[str, Any]] = field(default_factory=list)
    mentions: list[dict[str, Any]] = field(default_factory=list)
    urls: list[dict[str, Any]] = field(default_factory=list)
    cashtags: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, list[dict[str, Any]]]:
        return {
            "hashtags": self.hashtags,
            "mentions": self.mentions,
            "urls": self.urls,
            "cashtags": self.cashtags,
        }


@dataclass(frozen=True)
class ParsedText:
    text: str
    weighted_length: int
    entities: Entities


def parse_tweet_text(raw: str) -> ParsedText:
    """Validate a tweet's text and extract its entities; InvalidInput names the rule broken."""
    from twitter_text import extract_urls_with_indices, parse_tweet

    text = unicodedata.normalize("NFC", raw)
    if not text.strip():
        raise InvalidInput("text: must not be empty or only whitespace")
    if _FORBIDDEN.search(text):
        raise InvalidInput("text: must not contain control characters")
    result = parse_tweet(text)
    if result.weightedLength > MAX_WEIGHTED_LENGTH:
        raise InvalidInput(
            f"text: is {result.weightedLength} weighted characters; the limit is {MAX_WEIGHTED_LENGTH} "
            "(every URL counts 23, CJK characters and emoji count 2)"
        )
    if not result.valid:
        raise InvalidInput("text: contains characters Twitter's text rules do not allow (such as U+FFFE or U+FEFF)")
    urls = [
        {"start": u["indices"][0], "end": u["indices"][1], "url": u["url"]} for u in extract_urls_with_indices(text)
    ]
    return ParsedText(text=text, weighted_length=result.weightedLength, entities=extract_entities(text, urls))


@cache
def _hashtag_pattern() -> Any:
    import regex  # compiled on first use: only tweet posting needs it

    char = _HASHTAG_CHAR
    return regex.compile(
        rf"(?:^|(?<=[^&\p{{L}}\p{{M}}\p{{Nd}}_]))[#＃](?!\ufe0f|\u20e3)({char}*[\p{{L}}\p{{M}}]{char}*)"
    )


def extract_entities(text: str, urls: list[dict[str, Any]]) -> Entities:
    def outside_urls(start: int) -> bool:
        return not any(url["start"] <= start < url["end"] for url in urls)

    hashtags = [
        {"start": m.start(), "end": m.end(), "tag": m.group(1)}
        for m in _hashtag_pattern().finditer(text)
        if outside_urls(m.start())
    ]
    mentions = [
        {"start": m.start(), "end": m.end(), "username": m.group(1)}
        for m in _MENTION.finditer(text)
        if outside_urls(m.start())
    ]
    cashtags = [
        {"start": m.start(), "end": m.end(), "tag": m.group(1)}
        for m in _CASHTAG.finditer(text)
        if outside_urls(m.start())
    ]
    return Entities(hashtags=hashtags, mentions=mentions, urls=urls, cashtags=cashtags)
