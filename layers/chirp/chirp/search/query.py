"""The search query language, parsed once into a structure every backend reads the same way.

    word            all words must match (case- and accent-insensitive: the backends' analysis)
    "exact phrase"  the words, adjacent, in order (straight or curly quotes)
    -word -"phrase" -#tag -@user   excluded
    #hashtag $cashtag @mention     the entity, as twitter-text extracts it (a hashtag also matches as a word)
    from:username   tweets by that user             to:username   replies to that user
    since:YYYY-MM-DD  until:YYYY-MM-DD   posted on or after the first day, before the second (UTC)
    has:media       tweets with media               lang:xx       tweets in that language (ISO 639-1)

Anything else with a colon (`https://x.y`, `10:30`) is a word. A query must ask for something: at least one
word, phrase, entity or `from:`/`to:`; a query that only excludes or only filters by date is refused, as
Twitter refuses it. Bad input raises MalformedRequest with a message that names the problem.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from enum import StrEnum

from chirp.errors import MalformedRequest

MAX_QUERY_CHARS = 500  # Twitter's standard search takes 512
MAX_TERMS = 25
USERNAME = re.compile(r"^@?([A-Za-z0-9_]{1,15})$")
LANGUAGE = re.compile(r"^[a-z]{2}$")
HAS_VALUES = frozenset({"media"})
_OPEN_QUOTES = {'"': '"', "\u201c": "\u201d", "\u201e": "\u201d"}
_CLOSE_QUOTES = frozenset({'"', "\u201d"})


class TermKind(StrEnum):
    WORD = "word"
    PHRASE = "phrase"
    HASHTAG = "hashtag"
    CASHTAG = "cashtag"
    MENTION = "mention"


@dataclass(frozen=True)
class Term:
    """One thing the text must (or, `excluded`, must not) contain. A hashtag's, cashtag's or mention's
    value has no sign and is lower-cased (entities match regardless of case); a word or phrase is kept as
    typed (the backend folds case and accents as it analyses the text)."""

    kind: TermKind
    value: str
    excluded: bool = False


@dataclass(frozen=True)
class TweetQuery:
    terms: tuple[Term, ...] = ()
    from_user: str | None = None  # a username, lower-cased
    to_user: str | None = None
    since: date | None = None  # inclusive
    until: date | None = None  # exclusive
    has: frozenset[str] = field(default_factory=frozenset)
    lang: str | None = None
    # from:/to: as user ids (`resolve_users`): what the backends match, so a renamed user's tweets are
    # found by the new name.
    from_user_id: int | None = None
    to_user_id: int | None = None

    @property
    def required(self) -> tuple[Term, ...]:
        return tuple(term for term in self.terms if not term.excluded)

    @property
    def excluded(self) -> tuple[Term, ...]:
        return tuple(term for term in self.terms if term.excluded)


def resolve_users(query: TweetQuery, user_id_of: Callable[[str], int | None]) -> TweetQuery | None:
    """The query with from:/to: usernames resolved to ids; None when one names no user (nothing matches)."""
    ids: dict[str, int | None] = {}
    for name in (query.from_user, query.to_user):
        if name is not None:
            ids[name] = user_id_of(name)
            if ids[name] is None:
                return None
    return replace(
        query,
        from_user_id=ids[query.from_user] if query.from_user is not None else None,
        to_user_id=ids[query.to_user] if query.to_user is not None else None,
    )


def require_resolved(query: TweetQuery) -> None:
    """What a backend calls first: it matches users by id only."""
    if (query.from_user is not None and query.from_user_id is None) or (
        query.to_user is not None and query.to_user_id is None
    ):
        raise ValueError("resolve the query's from:/to: usernames (resolve_users) before searching")


def parse_tweet_query(text: str) -> TweetQuery:
    """The query `text` asks for (see the module's docstring); MalformedRequest says what is wrong."""
    if len(text) > MAX_QUERY_CHARS:
        raise MalformedRequest(f"q is {len(text)} characters long; at most {MAX_QUERY_CHARS}")
    terms, filters = _terms_and_filters(text)
    if len(terms) > MAX_TERMS:
        raise MalformedRequest(f"q has {len(terms)} terms; at most {MAX_TERMS}")
    query = TweetQuery(
        terms=tuple(terms),
        from_user=filters.get("from"),
        to_user=filters.get("to"),
        since=_date(filters, "since"),
        until=_date(filters, "until"),
        has=frozenset({filters["has"]}) if "has" in filters else frozenset(),
        lang=filters.get("lang"),
    )
    if query.since and query.until and query.since >= query.until:
        raise MalformedRequest(f"since:{query.since} is not before until:{query.until}")
    if not query.required and query.from_user is None and query.to_user is None:
        raise MalformedRequest("q asks for nothing: give a word, a phrase, a #hashtag, an @mention, from: or to:")
    return query


def _terms_and_filters(text: str) -> tuple[list[Term], dict[str, str]]:
    terms: list[Term] = []
    filters: dict[str, str] = {}
    for body, quoted, excluded in _tokens(text):
        if quoted:
            phrase = " ".join(body.split())
            if phrase:
                terms.append(Term(TermKind.PHRASE, phrase, excluded))
            continue
        operator, colon, value = body.partition(":")
        if colon and operator.lower() in _FILTERS:
            if excluded:
                raise MalformedRequest(f"{operator.lower()}: cannot be excluded")
            _add_filter(filters, operator.lower(), value)
        elif (term := _term(body, excluded)) is not None:
            terms.append(term)
    return terms, filters


_FILTERS = frozenset({"from", "to", "since", "until", "has", "lang"})


def _tokens(text: str) -> list[tuple[str, bool, bool]]:
    """(token, is a quoted phrase, is excluded) in order: whitespace separates tokens, except inside a
    phrase; a leading `-` excludes what follows it."""
    tokens: list[tuple[str, bool, bool]] = []
    position, length = 0, len(text)
    while position < length:
        if text[position].isspace():
            position += 1
            continue
        negated = text[position] == "-" and position + 1 < length and text[position + 1] in _OPEN_QUOTES
        start = position + 1 if negated else position
        if text[start] in _OPEN_QUOTES:
            end = next((i for i in range(start + 1, length) if text[i] in _CLOSE_QUOTES), -1)
            if end == -1:
                raise MalformedRequest(f"the phrase opened at character {start + 1} of q has no closing quote")
            tokens.append((text[start + 1 : end], True, negated))
            position = end + 1
            continue
        end = position
        while end < length and not text[end].isspace():
            end += 1
        token = text[position:end]
        excluded = token.startswith("-") and len(token) > 1
        tokens.append((token[1:] if excluded else token, False, excluded))
        position = end
    return tokens


def _add_filter(filters: dict[str, str], operator: str, value: str) -> None:
    if not value:
        raise MalformedRequest(f"{operator}: needs a value, as in {_EXAMPLES[operator]}")
    if operator in filters:
        raise MalformedRequest(f"{operator}: is given twice")
    if operator in ("from", "to"):
        match = USERNAME.match(value)
        if match is None:
            raise MalformedRequest(f"{operator}:{value} is not a username (1-15 letters, digits or underscores)")
        value = match.group(1).lower()
    elif operator == "has" and value.lower() not in HAS_VALUES:
        raise MalformedRequest(f"has:{value} is not known; has: takes {', '.join(sorted(HAS_VALUES))}")
    elif operator == "lang" and not LANGUAGE.match(value.lower()):
        raise MalformedRequest(f"lang:{value} is not a two-letter language code (ISO 639-1), as in lang:en")
    filters[operator] = value.lower() if operator in ("has", "lang") else value


_EXAMPLES = {
    "from": "from:ada",
    "to": "to:ada",
    "since": "since:2026-11-01",
    "until": "until:2026-12-01",
    "has": "has:media",
    "lang": "lang:en",
}


def _date(filters: dict[str, str], operator: str) -> date | None:
    value = filters.get(operator)
    if value is None:
        return None
    try:
        return date.fromisoformat(value) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value) else _bad_date(operator, value)
    except ValueError:
        return _bad_date(operator, value)


def _bad_date(operator: str, value: str) -> date:
    raise MalformedRequest(f"{operator}:{value} is not a date (YYYY-MM-DD), as in {_EXAMPLES[operator]}")


_ENTITY_KINDS = {"#": TermKind.HASHTAG, "$": TermKind.CASHTAG, "@": TermKind.MENTION}


def _term(body: str, excluded: bool) -> Term | None:
    """A word or an entity; None for a lone sign or punctuation the text could never match alone."""
    kind = _ENTITY_KINDS.get(body[:1])
    if kind is not None:
        value = body[1:].lower()
        if kind is TermKind.MENTION:
            match = USERNAME.match(value)
            if match is None:
                raise MalformedRequest(f"{body} is not a mention of a username (1-15 letters, digits or underscores)")
            value = match.group(1)
        if value:
            return Term(kind, value, excluded)
        return None
    if not any(character.isalnum() or not character.isascii() for character in body):
        return None  # "-", "...", "!": nothing a word could match (emoji and other symbols are kept)
    return Term(TermKind.WORD, body, excluded)
