"""SuggestionRepository on the suggestions table (and the follow edges it checks, on the follows table).

The table is this module's own: its model is bound here (`bind_suggestions_table`), by the composition
roots of the functions given SUGGESTIONS_TABLE (the suggestions function, the API)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pynamodb.attributes import JSONAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import PutError
from pynamodb.models import Model

from chirp.adapters.dynamodb.models import FollowItem
from chirp.adapters.dynamodb.users import user_key
from chirp.suggestions.models import Candidate, SuggestionList

POPULAR_KEY = "POPULAR"
CONDITION_FAILED = "ConditionalCheckFailedException"


class SuggestionsItem(Model):
    """pk = USER#<id>: the user's own list; pk = POPULAR: the most followed accounts. `candidates`, best
    first, each as [user id, followed-by count, followers count, [followed-by ids]]: one JSON attribute
    (about 7 KB for a hundred), parsed in one call."""

    class Meta:
        table_name = ""
        # Reads run side by side (chirp.concurrency): one pooled connection per thread.
        max_pool_connections = 32

    pk = UnicodeAttribute(hash_key=True)
    candidates = JSONAttribute()
    computed_at_ms = NumberAttribute()
    # The popular list's writes, counted: each is conditioned on the version it read.
    version = NumberAttribute(default=0)


def bind_suggestions_table(table_name: str) -> None:
    """Point the model at its table (idempotent; resets its cached connection on change), as
    `connection.bind_models` does for the other tables."""
    if SuggestionsItem.Meta.table_name != table_name:
        SuggestionsItem.Meta.table_name = table_name
        SuggestionsItem._connection = None


class DynamoSuggestionRepository:
    def lists(self, user_id: int) -> tuple[SuggestionList | None, SuggestionList | None]:
        found = {item.pk: _to_list(item) for item in SuggestionsItem.batch_get([user_key(user_id), POPULAR_KEY])}
        return found.get(user_key(user_id)), found.get(POPULAR_KEY)

    def save(self, user_id: int, candidates: Sequence[Candidate], computed_at_ms: int) -> bool:
        item = SuggestionsItem(pk=user_key(user_id), candidates=_encode(candidates), computed_at_ms=computed_at_ms)
        later_stored = SuggestionsItem.pk.does_not_exist() | (SuggestionsItem.computed_at_ms <= computed_at_ms)
        return _saved(item, later_stored)

    def delete(self, user_id: int) -> None:
        SuggestionsItem(pk=user_key(user_id)).delete()

    def popular(self) -> SuggestionList | None:
        try:
            return _to_list(SuggestionsItem.get(POPULAR_KEY, consistent_read=True))
        except SuggestionsItem.DoesNotExist:
            return None

    def replace_popular(self, candidates: Sequence[Candidate], read: SuggestionList | None, now_ms: int) -> bool:
        version = read.version if read is not None else 0
        item = SuggestionsItem(
            pk=POPULAR_KEY, candidates=_encode(candidates), computed_at_ms=now_ms, version=version + 1
        )
        unchanged = SuggestionsItem.pk.does_not_exist() if read is None else SuggestionsItem.version == version
        return _saved(item, unchanged)

    def followed_among(self, user_id: int, candidate_ids: Sequence[int]) -> set[int]:
        keys = [(user_id, candidate) for candidate in dict.fromkeys(candidate_ids)]
        if not keys:
            return set()
        edges = FollowItem.batch_get(keys, consistent_read=True, attributes_to_get=["followee_id"])
        return {int(edge.followee_id) for edge in edges}


def _saved(item: SuggestionsItem, condition: Any) -> bool:
    try:
        item.save(condition=condition)
    except PutError as error:
        if error.cause_response_code == CONDITION_FAILED:
            return False
        raise
    return True


def _encode(candidates: Sequence[Candidate]) -> list[list[Any]]:
    return [
        [candidate.user_id, candidate.followed_by_count, candidate.followers_count, list(candidate.followed_by)]
        for candidate in candidates
    ]


def _to_list(item: SuggestionsItem) -> SuggestionList:
    return SuggestionList(
        candidates=tuple(
            Candidate(
                user_id=int(user_id),
                followed_by_count=int(followed_by_count),
                followers_count=int(followers_count),
                followed_by=tuple(int(follower) for follower in followed_by),
            )
            for user_id, followed_by_count, followers_count, followed_by in item.candidates
        ),
        computed_at_ms=int(item.computed_at_ms),
        version=int(item.version),
    )
