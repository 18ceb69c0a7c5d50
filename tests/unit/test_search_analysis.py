"""How text becomes search terms (chirp.search.analysis): one analysis for documents and queries alike,
so that every backend matches the same way."""

from __future__ import annotations

import random
import string

import pytest
from chirp.search.analysis import terms


def found_in(query: str, document: str) -> bool:
    """Whether the query's terms occur in the document's terms at consecutive positions (a phrase match)."""
    wanted, text = terms(query), terms(document)
    return bool(wanted) and any(text[i : i + len(wanted)] == wanted for i in range(len(text) - len(wanted) + 1))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Café au LAIT", ["cafe", "au", "lait"]),
        ("naïve résumé", ["naive", "resume"]),
        ("Straße ｔｅｓｔ", ["strasse", "test"]),
        ("Привет Ёжик", ["привет", "ежик"]),
        ("don\u2019t stop", ["don't", "stop"]),
        ("snake_case 10:30", ["snake_case", "10", "30"]),
        ("#Serverless @ada $AAPL", ["serverless", "ada", "aapl"]),
    ],
)
def test_words_fold_case_accents_and_compatibility_forms(text: str, expected: list[str]) -> None:
    assert terms(text) == expected


def test_accents_fold_where_they_decorate_and_stay_where_they_are_letters() -> None:
    # Arabic harakat and Hebrew niqqud are dropped; Devanagari's vowel signs are part of the word
    assert terms("مَرْحَبًا") == terms("مرحبا") == ["مرحبا"]
    assert terms("שָׁלוֹם") == ["שלום"]
    assert terms("नमस्ते") == ["नमस्ते"]


def test_a_cjk_run_becomes_its_overlapping_bigrams() -> None:
    assert terms("東京都") == ["東京", "京都"]
    assert terms("猫") == ["猫"]
    assert terms("맛집추천") == ["맛집", "집추", "추천"]


@pytest.mark.parametrize(
    ("query", "document"),
    [
        ("京都", "東京都に行きます"),
        ("行きます", "東京都に行きます"),
        ("추천", "서울 맛집추천"),
        ("CAFE", "un café, s'il vous plaît"),
        ("🎉", "launch day 🎉🎉"),
        ("👍🏽", "nice 👍🏽"),
        ("serverless", "loving #Serverless today"),
    ],
)
def test_any_word_of_a_text_is_found_in_it(query: str, document: str) -> None:
    assert found_in(query, document)


@pytest.mark.parametrize(
    ("query", "document"),
    [
        ("大阪", "東京都に行きます"),
        ("👍", "nice 👍🏽"),  # a skin tone is part of the emoji
        ("serverless", "servers less"),
    ],
)
def test_what_a_text_does_not_say_is_not_found_in_it(query: str, document: str) -> None:
    assert not found_in(query, document)


def test_each_emoji_is_a_term_of_its_own_whole_grapheme() -> None:
    assert terms("party 🎉👍🏽👨\u200d👩\u200d👧") == ["party", "🎉", "👍🏽", "👨\u200d👩\u200d👧"]


def test_punctuation_and_spaces_make_no_terms() -> None:
    assert terms("  ... !!! — ") == []


def test_ascii_text_is_analysed_as_any_other_text() -> None:
    # Given ASCII strings of every printable character (ASCII takes a fast path), each also analysed with a
    # non-ASCII word after it (which takes the general rule)
    rng = random.Random(11)
    for _ in range(2_000):
        text = "".join(rng.choice(string.printable) for _ in range(rng.randint(0, 40)))
        # Then both give the same terms for the ASCII part
        assert terms(text) == terms(f"{text} \u00e9t\u00e9")[:-1], text
