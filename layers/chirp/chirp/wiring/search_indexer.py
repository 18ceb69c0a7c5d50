"""The search indexer's composition root (functions/search_indexer): the search backend's two indexes, and
the users table, read for what a user is now."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from chirp.search.index import TweetIndex, UserIndex
from chirp.settings import SearchSettings, TableName, load
from chirp.users.repository import UserRepository


class SearchIndexerSettings(SearchSettings):
    users_table: TableName


@dataclass(frozen=True)
class SearchIndexerDependencies:
    settings: SearchIndexerSettings
    tweets: TweetIndex
    users: UserIndex
    user_rows: UserRepository


def build(settings: SearchIndexerSettings) -> SearchIndexerDependencies:
    from chirp.adapters.dynamodb.connection import Tables, bind_models, shared_connection
    from chirp.adapters.dynamodb.users import DynamoUserRepository
    from chirp.adapters.search import open_indexes

    bind_models(Tables(users=settings.users_table))
    _ = shared_connection().client
    tweets, users = open_indexes(settings.search_endpoint, ensure=True)
    return SearchIndexerDependencies(settings=settings, tweets=tweets, users=users, user_rows=DynamoUserRepository())


@cache
def dependencies() -> SearchIndexerDependencies:
    return build(load(SearchIndexerSettings))
