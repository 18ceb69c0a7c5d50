"""The suggestions function's composition root (functions/suggestions): a consumer of the bus (follows,
unfollows, deleted accounts) that recomputes who to follow (SuggestionsTable) from the follows table, with
the users table's followers counts."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from chirp.follows.repository import FollowRepository
from chirp.settings import EnvironmentSettings, TableName, load
from chirp.suggestions.repository import SuggestionRepository
from chirp.users.repository import UserRepository


class SuggestionsSettings(EnvironmentSettings):
    suggestions_table: TableName
    follows_table: TableName
    users_table: TableName


@dataclass(frozen=True)
class SuggestionsDependencies:
    settings: SuggestionsSettings
    suggestions: SuggestionRepository
    follows: FollowRepository
    users: UserRepository


def build(settings: SuggestionsSettings) -> SuggestionsDependencies:
    from chirp.adapters.dynamodb.connection import Tables, bind_models, shared_connection
    from chirp.adapters.dynamodb.follows import DynamoFollowRepository
    from chirp.adapters.dynamodb.suggestions import DynamoSuggestionRepository, bind_suggestions_table
    from chirp.adapters.dynamodb.users import DynamoUserRepository

    bind_models(Tables(follows=settings.follows_table, users=settings.users_table))
    bind_suggestions_table(settings.suggestions_table)
    _ = shared_connection().client  # built at init, not in the first invocation
    return SuggestionsDependencies(
        settings=settings,
        suggestions=DynamoSuggestionRepository(),
        follows=DynamoFollowRepository(),
        users=DynamoUserRepository(),
    )


@cache
def dependencies() -> SuggestionsDependencies:
    """The suggestions function's dependencies, built once per process from its environment."""
    return build(load(SuggestionsSettings))
