r"""Tweet text: Twitter's weighted length rule and entity extraction, as Twitter's own twitter-text has them.

The weighted length (280; every URL counts 23; CJK and emoji count 2) and URL extraction come from
`twitter-text-parser`, a port of twitter-text with its v3 configuration. That library takes ~330 ms to
import (it parses the Unicode emoji table and imports pkg_resources), so it is imported on first use, not
at module import: only the cold start of a tweet-posting request pays it. Its URL pattern refuses a `-` or
`+` right after a top-level domain, which twitter-text allows (`http://domain.com-oops` links
`http://domain.com`); `_let_a_sign_follow_a_top_level_domain` sets that one rule back, for the entities
and the weight alike, the first time a text needs it (recompiling the library's URL pattern takes ~50 ms).

Hashtags, mentions and cashtags are twitter-text's rules restated here, and agree with its conformance
suite in every script (`tests/unit/twitter_text_cases.py`; `make bench-text` prints the pass rate):

- hashtag: `#` or its fullwidth form (U+FF03) at the start, after an emoji's variation selector (U+FE0E,
  U+FE0F) or after any character that is neither a hashtag character nor `&`; not followed by U+FE0F or
  U+20E3 (the emoji and keycap number signs). Then hashtag characters, at least one a letter or a mark:
  letters, marks and decimal digits of any script (the `regex` module's \p{L}, \p{M}, \p{Nd}), `_`, and
  the characters some scripts use inside words: the zero-width non-joiner and joiner (Persian, Sinhala),
  Hebrew maqaf, geresh and gershayim, Tibetan tsheg, the Catalan middle dot, Japanese wave dash,
  fullwidth tilde, voiced sound marks, double hyphen, middle dot and ditto mark, Cyrillic kavyka. Never
  right before another number sign or `://` (`#http://...` is no hashtag).
- mention: `@` or its fullwidth form (U+FF20) at the start, after `RT`/`RT:` (any case), or after any
  character but an ASCII letter or digit, `_!#$%&*` and the at signs; then 1 to 20 of [A-Za-z0-9_];
  never right before an at sign, an accented Latin letter or `://`. Twitter allows 20 (older accounts
  have up to 20), so this does too, although a Chirp username has at most 15: such a mention is reported
  as Twitter reports it and names no Chirp user. A longer run yields its first 20 characters, as
  twitter-text links it. A list (`@user/slug`, the slug starting with a letter) is not a mention; Chirp
  has no lists, so it reports nothing for it.
- cashtag: `$` at the start or after whitespace, then 1 to 6 ASCII letters, optionally `.` or `_` and 1
  or 2 more; followed by the end, whitespace or ASCII punctuation.

Where entities overlap, the one that starts first stays, a URL before the others at the same start (as
twitter-text's extractEntitiesWithIndices): a hashtag or mention inside a URL is part of the URL.
Offsets are Unicode code points (Python string indices), as in Twitter API v2. `parse_tweet_text`
NFC-normalises the text first, as twitter-text does before it counts.
"""

from __future__ import annotations

import importlib
import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache
from types import ModuleType
from typing import Any

from chirp.errors import InvalidInput

MAX_WEIGHTED_LENGTH = 280

_FORBIDDEN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SPACES = "\t-\r \x85\xa0\u1680\u180e\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
_ASCII_PUNCTUATION = r"!'#%&()*+,\\\-./:;<=>?@\[\]^_{|}~$"
_LATIN_ACCENTS = (
    "\xc0-\xd6\xd8-\xf6\xf8-\xff\u0100-\u024f\u0253\u0254\u0256\u0257\u0259\u025b\u0263\u0268\u026f\u0272"
    "\u0289\u028b\u02bb\u0300-\u036f\u1e00-\u1eff"
)
_HASHTAG_WORD_SIGNS = (
    "_\u200c\u200d\ua67e\u05be\u05f3\u05f4\uff5e\u301c\u309b\u309c\u30a0\u30fb\u3003\u0f0b\u0f0c\u00b7"
)

_MENTION = re.compile(
    r"(?P<before>^|[^A-Za-z0-9_!#$%&*@＠]|(?:^|[^A-Za-z0-9_+~.-])(?:RT|Rt|rT|rt):?)"
    r"[@＠](?P<username>[A-Za-z0-9_]{1,20})(?P<list>/[A-Za-z][A-Za-z0-9_-]{0,24})?"
)
_AFTER_MENTION = re.compile(rf"[@＠{_LATIN_ACCENTS}]|://")
_CASHTAG = re.compile(
    rf"(?P<before>^|[{_SPACES}])\$(?P<tag>[A-Za-z]{{1,6}}(?:[._][A-Za-z]{{1,2}})?)(?![^{_SPACES}{_ASCII_PUNCTUATION}])"
)
_AFTER_HASHTAG = re.compile(r"[#＃]|://")
# A dot, then no space nor ASCII punctuation up to a `-` or `+`: where a top-level domain could end right
# before the sign, the one place twitter-text-parser's URL rule and twitter-text's differ.
_SIGN_AFTER_TOP_LEVEL_DOMAIN = re.compile(r"\.[^\s!-/:-@\[-`{-~]+[-+]")


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
    text = unicodedata.normalize("NFC", raw)
    if not text.strip():
        raise InvalidInput("text: must not be empty or only whitespace")
    if _FORBIDDEN.search(text):
        raise InvalidInput("text: must not contain control characters")
    result = _twitter_text_for(text).parse_tweet(text)
    if result.weightedLength > MAX_WEIGHTED_LENGTH:
        raise InvalidInput(
            f"text: is {result.weightedLength} weighted characters; the limit is {MAX_WEIGHTED_LENGTH} "
            "(every URL counts 23, CJK characters and emoji count 2)"
        )
    if not result.valid:
        raise InvalidInput("text: contains characters Twitter's text rules do not allow (such as U+FFFE or U+FEFF)")
    return ParsedText(text=text, weighted_length=result.weightedLength, entities=extract_entities(text))


def extract_entities(text: str) -> Entities:
    """Every URL, mention, hashtag and cashtag of the text, as twitter-text extracts them together."""
    found = [
        *(("urls", url) for url in _urls(text)),
        *(("mentions", mention) for mention in _mentions(text)),
        *(("hashtags", hashtag) for hashtag in _hashtags(text)),
        *(("cashtags", cashtag) for cashtag in _cashtags(text)),
    ]
    found.sort(key=lambda kind_and_entity: kind_and_entity[1]["start"])  # stable: a URL first at a tie
    kept: dict[str, list[dict[str, Any]]] = {"hashtags": [], "mentions": [], "urls": [], "cashtags": []}
    free_from = 0
    for kind, entity in found:
        if entity["start"] >= free_from:
            kept[kind].append(entity)
            free_from = entity["end"]
    return Entities(**kept)


@cache
def _twitter_text() -> ModuleType:
    import twitter_text

    return twitter_text


def _twitter_text_for(text: str) -> ModuleType:
    """twitter-text-parser, its URL rule set back to twitter-text's first if this text is one it tells apart."""
    if _SIGN_AFTER_TOP_LEVEL_DOMAIN.search(text):
        _let_a_sign_follow_a_top_level_domain()
    return _twitter_text()


@cache
def _let_a_sign_follow_a_top_level_domain() -> None:
    """Let a `-` or `+` follow a top-level domain in URLs, for the entities and the weight alike (~50 ms)."""
    module: Any = importlib.import_module("twitter_text.extract_urls")  # the package's attribute is its function
    refused, allowed = "(?=[^0-9a-zA-Z@+-]|$)", "(?=[^0-9a-zA-Z@]|$)"
    module.extract_url = re.compile(module.extract_url.pattern.replace(refused, allowed), module.extract_url.flags)


@cache
def _hashtag_pattern() -> Any:
    import regex  # compiled on first use: only tweet posting needs it

    char = rf"\p{{L}}\p{{M}}\p{{Nd}}{_HASHTAG_WORD_SIGNS}"
    return regex.compile(
        rf"(?P<before>^|[\ufe0e\ufe0f]|[^{char}&])[#＃](?![\ufe0f\u20e3])(?P<tag>[{char}]*[\p{{L}}\p{{M}}][{char}]*)"
    )


def _urls(text: str) -> list[dict[str, Any]]:
    found = _twitter_text_for(text).extract_urls_with_indices(text)
    return [{"start": url["indices"][0], "end": url["indices"][1], "url": url["url"]} for url in found]


def _mentions(text: str) -> list[dict[str, Any]]:
    return [
        {"start": match.end("before"), "end": match.end(), "username": match["username"]}
        for match in _MENTION.finditer(text)
        if not match["list"] and not _AFTER_MENTION.match(text, match.end())
    ]


def _hashtags(text: str) -> list[dict[str, Any]]:
    return [
        {"start": match.end("before"), "end": match.end(), "tag": match["tag"]}
        for match in _hashtag_pattern().finditer(text)
        if not _AFTER_HASHTAG.match(text, match.end())
    ]


def _cashtags(text: str) -> list[dict[str, Any]]:
    return [
        {"start": match.end("before"), "end": match.end(), "tag": match["tag"]} for match in _CASHTAG.finditer(text)
    ]
