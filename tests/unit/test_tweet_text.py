"""Tweet text: Twitter's weighted length (280; URLs 23; CJK and emoji 2), entity extraction with
code-point offsets, NFC normalisation, and the characters refused."""

from __future__ import annotations

from typing import Any

import pytest
from chirp.errors import InvalidInput
from chirp.tweets.text import MAX_WEIGHTED_LENGTH, parse_tweet_text

LONG_URL = "https://example.com/" + "a" * 100


def entities(text: str, kind: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = parse_tweet_text(text).entities.as_dict()[kind]
    return found


def spans(text: str, kind: str) -> list[str]:
    parsed = parse_tweet_text(text)
    return [parsed.text[entity["start"] : entity["end"]] for entity in parsed.entities.as_dict()[kind]]


# ---------------------------------------------------------------- weighted length


@pytest.mark.parametrize(
    ("text", "weight"),
    [
        ("hello", 5),
        ("a" * 280, 280),
        ("日本語", 6),
        ("日" * 140, 280),
        ("한국어", 6),
        ("\U0001f600", 2),
        ("\U0001f468\u200d\U0001f469\u200d\U0001f467", 2),  # a ZWJ family is one emoji
        ("é", 1),
        ("Ω", 1),
        (LONG_URL, 23),
        ("example.com", 23),
        ("see https://t.co/x", 4 + 23),
    ],
)
def test_weighted_length_counts_like_twitter(text: str, weight: int) -> None:
    # Then
    assert parse_tweet_text(text).weighted_length == weight


def test_the_limit_is_280() -> None:
    # Then
    assert MAX_WEIGHTED_LENGTH == 280


@pytest.mark.parametrize(
    ("text", "weight"),
    [("a" * 281, 281), ("日" * 141, 282), ("\U0001f600" * 141, 282), ("a" * 257 + " " + LONG_URL, 281)],
)
def test_over_280_weighted_is_refused_saying_how_long_it_is(text: str, weight: int) -> None:
    # When / Then
    with pytest.raises(InvalidInput, match=rf"^text: is {weight} weighted characters; the limit is 280"):
        parse_tweet_text(text)


def test_a_long_url_weighs_23_so_a_text_of_any_raw_length_can_fit() -> None:
    # Given 256 letters, a space and a 120-character URL
    text = "a" * 256 + " " + LONG_URL
    # When
    parsed = parse_tweet_text(text)
    # Then
    assert len(text) == 377
    assert parsed.weighted_length == 280


# ---------------------------------------------------------------- refused text


@pytest.mark.parametrize("text", ["", " ", "\n\t \r\n", "\u3000\u2003"])
def test_empty_or_whitespace_text_is_refused(text: str) -> None:
    # When / Then
    with pytest.raises(InvalidInput, match=r"^text: must not be empty"):
        parse_tweet_text(text)


@pytest.mark.parametrize("character", ["\x00", "\x07", "\x0b", "\x0c", "\x1b", "\x1f", "\x7f"])
def test_control_characters_are_refused(character: str) -> None:
    # When / Then
    with pytest.raises(InvalidInput, match=r"^text: must not contain control characters"):
        parse_tweet_text(f"a{character}b")


@pytest.mark.parametrize("character", ["\n", "\r", "\t"])
def test_newlines_and_tabs_are_kept(character: str) -> None:
    # Then
    assert parse_tweet_text(f"a{character}b").text == f"a{character}b"


@pytest.mark.parametrize("character", ["\ufeff", "\ufffe", "\uffff"])
def test_characters_twitter_text_forbids_are_refused(character: str) -> None:
    # When / Then
    with pytest.raises(InvalidInput, match=r"^text: contains characters"):
        parse_tweet_text(f"a{character}b")


# ---------------------------------------------------------------- NFC


def test_text_is_normalised_to_nfc() -> None:
    # When
    parsed = parse_tweet_text("Cafe\u0301 \u212b")  # e + combining acute; the Angstrom sign
    # Then
    assert parsed.text == "Caf\u00e9 \u00c5"


def test_decomposed_accents_count_once_each() -> None:
    # When 280 letters written as letter + combining accent (560 code points)
    parsed = parse_tweet_text("e\u0301" * 280)
    # Then
    assert parsed.weighted_length == 280


def test_entity_offsets_index_the_normalised_text() -> None:
    # When
    parsed = parse_tweet_text("Cafe\u0301 #tag")
    # Then
    assert parsed.entities.hashtags == [{"start": 5, "end": 9, "tag": "tag"}]
    assert parsed.text[5:9] == "#tag"


# ---------------------------------------------------------------- hashtags


def test_hashtags_have_code_point_offsets_after_an_emoji() -> None:
    # Then
    assert entities("\U0001f600 #fun", "hashtags") == [{"start": 2, "end": 6, "tag": "fun"}]


@pytest.mark.parametrize(
    ("text", "tags"),
    [
        ("#one #two", ["one", "two"]),
        ("start #mid end", ["mid"]),
        ("#a1 #1a #_x", ["a1", "1a", "_x"]),
        ("#日本語 #café", ["日本語", "café"]),
        ("＃fullwidth", ["fullwidth"]),
        ("(#paren)", ["paren"]),
        ("#tag!", ["tag"]),
        ("\U0001f600#afteremoji", ["afteremoji"]),
    ],
)
def test_hashtags_are_found(text: str, tags: list[str]) -> None:
    # Then
    assert [entity["tag"] for entity in entities(text, "hashtags")] == tags


@pytest.mark.parametrize(
    "text",
    [
        "#123",  # digits only
        "#",
        "a#tag",  # glued to a word
        "&#39;",  # an HTML entity
        "https://example.com/page#section",
        "example.com/#anchor",
        "#\ufe0f",
        "#\u20e3",
    ],
)
def test_no_hashtag_is_found_where_twitter_finds_none(text: str) -> None:
    # Then
    assert entities(text, "hashtags") == []


def test_hashtags_keep_combining_marks() -> None:
    # Then
    assert [entity["tag"] for entity in entities("#हिन्दी", "hashtags")] == ["हिन्दी"]


# ---------------------------------------------------------------- mentions


def test_mentions_have_code_point_offsets_after_an_emoji() -> None:
    # Then
    assert entities("\U0001f389\U0001f389 @alice hi", "mentions") == [{"start": 3, "end": 9, "username": "alice"}]


def test_a_mention_of_15_characters_is_found() -> None:
    # Then
    assert spans("hi @abcdefghij_1234", "mentions") == ["@abcdefghij_1234"]


@pytest.mark.parametrize("username", ["abcdefghij_12345", "abcdefghij_123456789"])
def test_a_mention_of_16_to_20_characters_is_found_as_twitter_text_finds_it(username: str) -> None:
    # Given a name longer than a Chirp username (15) but within twitter-text's 20 (older Twitter accounts)
    # Then
    assert entities(f"hi @{username}", "mentions") == [{"start": 3, "end": 4 + len(username), "username": username}]


def test_a_name_longer_than_20_characters_yields_its_first_20_as_twitter_text_links_it() -> None:
    # Then
    assert entities("@username9012345678901", "mentions") == [
        {"start": 0, "end": 21, "username": "username901234567890"}
    ]


@pytest.mark.parametrize(
    ("text", "usernames"),
    [
        ("@a @b_c", ["a", "b_c"]),
        ("(@paren)", ["paren"]),
        ("@alice's", ["alice"]),
        ("＠fullwidth", ["fullwidth"]),
        ("@alice.", ["alice"]),
    ],
)
def test_mentions_are_found(text: str, usernames: list[str]) -> None:
    # Then
    assert [entity["username"] for entity in entities(text, "mentions")] == usernames


@pytest.mark.parametrize(
    "text", ["alice@example.com", "@", "@@alice", "a@alice", "@alice@bob", "https://example.com/@alice", "@alice://x"]
)
def test_no_mention_is_found_where_twitter_finds_none(text: str) -> None:
    # Then
    assert entities(text, "mentions") == []


# ---------------------------------------------------------------- cashtags


@pytest.mark.parametrize(
    ("text", "tags"),
    [
        ("$AAPL", ["AAPL"]),
        ("buy $TSLA now", ["TSLA"]),
        ("$BRK.A and $RDS_B", ["BRK.A", "RDS_B"]),
        ("$aapl", ["aapl"]),
        ("$GOOG, $MSFT!", ["GOOG", "MSFT"]),
    ],
)
def test_cashtags_are_found(text: str, tags: list[str]) -> None:
    # Then
    assert [entity["tag"] for entity in entities(text, "cashtags")] == tags


@pytest.mark.parametrize("text", ["$100", "$TOOLONG", "a$AAPL", "$AAPL1", "($AAPL)", "$"])
def test_no_cashtag_is_found_where_twitter_finds_none(text: str) -> None:
    # Then
    assert entities(text, "cashtags") == []


def test_cashtags_have_code_point_offsets_after_cjk() -> None:
    # Then
    assert entities("日本 $AAPL", "cashtags") == [{"start": 3, "end": 8, "tag": "AAPL"}]


# ---------------------------------------------------------------- urls


def test_urls_have_code_point_offsets_after_emoji_and_cjk() -> None:
    # When
    found = entities("\U0001f600\U0001f600 https://example.com/a 日本 example.org", "urls")
    # Then
    assert found == [
        {"start": 3, "end": 24, "url": "https://example.com/a"},
        {"start": 28, "end": 39, "url": "example.org"},
    ]


def test_a_url_leaves_out_trailing_punctuation() -> None:
    # Then
    assert spans("see http://example.com.", "urls") == ["http://example.com"]


def test_a_url_that_a_hyphen_follows_ends_at_its_domain_and_weighs_23() -> None:
    # Given a URL glued to the next words by a hyphen (twitter-text links the URL; the library alone does not)
    text = "see http://domain.com-that-you-should-have-put-a-space-after"
    # When
    parsed = parse_tweet_text(text)
    # Then
    assert parsed.entities.urls == [{"start": 4, "end": 21, "url": "http://domain.com"}]
    assert parsed.weighted_length == len(text) - len("http://domain.com") + 23


def test_every_entity_span_is_its_text() -> None:
    # Given
    text = "\U0001f600 #tag @user $CASH https://example.com/x\U0001f600"
    # Then
    assert spans(text, "hashtags") == ["#tag"]
    assert spans(text, "mentions") == ["@user"]
    assert spans(text, "cashtags") == ["$CASH"]
    assert spans(text, "urls") == ["https://example.com/x"]


def test_text_without_entities_has_four_empty_lists() -> None:
    # Then
    assert parse_tweet_text("just words").entities.as_dict() == {
        "hashtags": [],
        "mentions": [],
        "urls": [],
        "cashtags": [],
    }
