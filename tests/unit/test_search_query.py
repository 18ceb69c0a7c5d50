"""The search query language (chirp.search.query): every operator, and every malformed query answered with
a message that names the problem."""

from __future__ import annotations

from datetime import date

import pytest
from chirp.errors import MalformedRequest
from chirp.search.query import MAX_QUERY_CHARS, Term, TermKind, TweetQuery, parse_tweet_query

WORD, PHRASE, HASHTAG, CASHTAG, MENTION = (
    TermKind.WORD,
    TermKind.PHRASE,
    TermKind.HASHTAG,
    TermKind.CASHTAG,
    TermKind.MENTION,
)


def test_words_are_all_required_and_kept_as_typed() -> None:
    assert parse_tweet_query("Café  au lait") == TweetQuery(
        terms=(Term(WORD, "Café"), Term(WORD, "au"), Term(WORD, "lait"))
    )


def test_a_quoted_phrase_is_one_term_with_its_spaces_collapsed() -> None:
    assert parse_tweet_query('"serverless   python" rocks').terms == (
        Term(PHRASE, "serverless python"),
        Term(WORD, "rocks"),
    )


def test_curly_quotes_make_a_phrase_too() -> None:
    assert parse_tweet_query("\u201chello world\u201d").terms == (Term(PHRASE, "hello world"),)


def test_a_minus_excludes_a_word_a_phrase_or_an_entity() -> None:
    query = parse_tweet_query('cats -dogs -"hot dogs" -#pets -@bob')
    assert query.required == (Term(WORD, "cats"),)
    assert query.excluded == (
        Term(WORD, "dogs", excluded=True),
        Term(PHRASE, "hot dogs", excluded=True),
        Term(HASHTAG, "pets", excluded=True),
        Term(MENTION, "bob", excluded=True),
    )


def test_a_minus_inside_a_phrase_or_a_word_does_not_exclude() -> None:
    assert parse_tweet_query('"-10 degrees" well-known').terms == (
        Term(PHRASE, "-10 degrees"),
        Term(WORD, "well-known"),
    )


def test_entities_lose_their_sign_and_their_case() -> None:
    assert parse_tweet_query("#Serverless $AAPL @Ada_Lovelace").terms == (
        Term(HASHTAG, "serverless"),
        Term(CASHTAG, "aapl"),
        Term(MENTION, "ada_lovelace"),
    )


def test_cjk_arabic_and_emoji_are_words() -> None:
    assert parse_tweet_query("東京 مرحبا 🎉").terms == (Term(WORD, "東京"), Term(WORD, "مرحبا"), Term(WORD, "🎉"))


def test_the_filters() -> None:
    query = parse_tweet_query("launch from:@Ada to:bob since:2026-11-01 until:2026-12-01 has:media lang:EN")
    assert query == TweetQuery(
        terms=(Term(WORD, "launch"),),
        from_user="ada",
        to_user="bob",
        since=date(2026, 11, 1),
        until=date(2026, 12, 1),
        has=frozenset({"media"}),
        lang="en",
    )


def test_from_alone_is_a_query() -> None:
    assert parse_tweet_query("from:ada") == TweetQuery(from_user="ada")


def test_an_unknown_operator_and_a_url_are_words() -> None:
    assert parse_tweet_query("https://chirp.example/x at 10:30").terms == (
        Term(WORD, "https://chirp.example/x"),
        Term(WORD, "at"),
        Term(WORD, "10:30"),
    )


def test_lone_signs_and_punctuation_are_ignored() -> None:
    assert parse_tweet_query("cats - ... # !").terms == (Term(WORD, "cats"),)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('"unbalanced phrase', "no closing quote"),
        ("x" * (MAX_QUERY_CHARS + 1), f"at most {MAX_QUERY_CHARS}"),
        ("from:", "from: needs a value"),
        ("cats since:", "since: needs a value"),
        ("cats since:yesterday", "since:yesterday is not a date"),
        ("cats until:2026-02-30", "until:2026-02-30 is not a date"),
        ("cats since:2026-12-01 until:2026-11-01", "is not before"),
        ("from:ada from:bob", "from: is given twice"),
        ("from:not-a-name", "is not a username"),
        ("cats has:videos", "has:videos is not known"),
        ("cats lang:english", "lang:english is not a two-letter language code"),
        ("cats -from:ada", "cannot be excluded"),
        ("@not-a-name", "is not a mention"),
        ("-cats -dogs", "q asks for nothing"),
        ("since:2026-11-01", "q asks for nothing"),
        ("   ", "q asks for nothing"),
        (" ".join(f"w{n}" for n in range(26)), "at most 25"),
    ],
)
def test_a_malformed_query_is_refused_naming_the_problem(text: str, message: str) -> None:
    with pytest.raises(MalformedRequest) as refused:
        parse_tweet_query(text)
    assert message in refused.value.message
