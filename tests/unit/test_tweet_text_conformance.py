"""Entity extraction against twitter-text's own conformance suite, in every script.

The cases (`tests/unit/twitter_text_cases.py`) restate the suite's extraction sections for hashtags,
mentions, cashtags and URLs, with and without indices. Left out, because Chirp reports neither:

- `replies`: the screen name a text replies to (Chirp derives no reply target from the text);
- the list slugs of `mentions_or_lists_with_indices`: Chirp has no lists, so those cases are kept with
  only their plain mentions expected (a `@user/slug` list is not a mention, as in twitter-text's own
  mention extraction).

Each case runs through `extract_entities`, which extracts the four kinds together and drops overlaps as
twitter-text's extractEntitiesWithIndices does; `make bench-text` prints the pass rate per kind.
"""

from __future__ import annotations

import pytest
from chirp.tweets.text import extract_entities

from tests.unit.twitter_text_cases import CASES, VALUE_FIELDS, Span

PLAIN = [
    pytest.param(kind, text, expected, id=f"{kind}: {description}")
    for kind, (plain, _) in CASES.items()
    for description, text, expected in plain
]
INDEXED = [
    pytest.param(kind, text, expected, id=f"{kind}: {description}")
    for kind, (_, indexed) in CASES.items()
    for description, text, expected in indexed
]


@pytest.mark.parametrize(("kind", "text", "expected"), PLAIN)
def test_extracts_the_values_twitter_text_extracts(kind: str, text: str, expected: list[str]) -> None:
    # When
    found = extract_entities(text).as_dict()[kind]
    # Then
    assert [entity[VALUE_FIELDS[kind]] for entity in found] == expected


@pytest.mark.parametrize(("kind", "text", "expected"), INDEXED)
def test_extracts_the_values_and_offsets_twitter_text_extracts(kind: str, text: str, expected: list[Span]) -> None:
    # When
    found = extract_entities(text).as_dict()[kind]
    # Then
    assert [(entity[VALUE_FIELDS[kind]], entity["start"], entity["end"]) for entity in found] == expected
