"""How text becomes search terms, the same for every backend: the documents are indexed, and the queries
asked, as the terms this module makes, so OpenSearch (a `whitespace`-tokenized field) and the embedded
engine match exactly alike, whatever analyzers each ships.

- Case and compatibility forms fold (NFKC, then casefold): `Straße` = `strasse`, full-width `test` = `test`.
- Accents fold where they are decoration (Latin, Greek, Cyrillic; Arabic harakat; Hebrew niqqud), not where
  they are letters (Devanagari's vowel signs stay): `café` = `cafe`.
- A word is a run of letters, digits, marks and underscores; apostrophes inside it join it (`don't`).
- Chinese, Japanese and Korean have no spaces between words: a run of them becomes its overlapping
  bigrams (`東京都` -> `東京 京都`; a single character stays itself), so any word of two or more
  characters is found as a phrase of its bigrams, as Elasticsearch's `cjk_bigram` does.
- Each emoji (a whole grapheme: `👍🏽`, a family) is a term of its own.

Term positions are their order in the list: a phrase matches its terms at consecutive positions.
"""

from __future__ import annotations

import unicodedata

import regex

# Scripts written without spaces between words (Han, Hiragana, Katakana, Hangul).
_CJK = r"\p{Han}\p{Hiragana}\p{Katakana}\p{Hangul}"
_TOKEN = regex.compile(
    rf"(?P<cjk>[{_CJK}]+)"
    r"|(?P<emoji>\p{Extended_Pictographic}(?:\p{Emoji_Modifier}|\uFE0F|\u200D\p{Extended_Pictographic})*)"
    rf"|(?P<word>(?:(?![{_CJK}])[\w\p{{M}}])+(?:['\u2019](?:(?![{_CJK}])[\w\p{{M}}])+)*)",
    regex.VERSION1,
)
_ASCII_WORD = regex.compile(r"\w+(?:'\w+)*", regex.ASCII)
# Combining marks dropped after a base letter of these ranges: accents, harakat, niqqud.
_DECORATED = ((0x0000, 0x052F), (0x0590, 0x05FF), (0x0600, 0x06FF), (0x1E00, 0x1FFF))


def terms(text: str) -> list[str]:
    """The terms of `text`, in order (see the module's docstring)."""
    folded = _fold(text)
    if folded.isascii():  # no CJK, no emoji, no marks: the word rule alone, as _TOKEN's `word` reads ASCII
        return _ASCII_WORD.findall(folded)
    found: list[str] = []
    for match in _TOKEN.finditer(folded):
        kind, value = match.lastgroup, match.group()
        if kind == "cjk":
            found.extend(_bigrams(value))
        elif kind == "emoji":
            found.append(value)
        else:
            found.append(value.replace("\u2019", "'"))
    return found


def _fold(text: str) -> str:
    # Most tweets are ASCII: NFKC leaves it as it is, casefold is lower, and there are no marks. (Indexing
    # 100,000 tweets took 2.4 s of analysis before these fast paths: make bench-search.)
    if text.isascii():
        return text.lower()
    folded = unicodedata.normalize("NFKC", text).casefold()
    decomposed = unicodedata.normalize("NFD", folded)
    if not any(map(unicodedata.combining, decomposed)):
        return folded
    kept: list[str] = []
    base = 0
    for character in decomposed:
        if unicodedata.combining(character):
            if any(low <= base <= high for low, high in _DECORATED):
                continue
        else:
            base = ord(character)
        kept.append(character)
    return unicodedata.normalize("NFC", "".join(kept))


def _bigrams(run: str) -> list[str]:
    if len(run) == 1:
        return [run]
    return [run[index : index + 2] for index in range(len(run) - 1)]
