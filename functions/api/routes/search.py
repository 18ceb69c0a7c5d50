"""Search: tweets by the query language (chirp.search.query), users by prefix (autocomplete).

Both the seed's `GET /api/search?q=&type=tweets|users` and explicit routes are served: `/api/search/tweets`
and `/api/search/users` answer one shape each (what a typed client wants), `/api/users/search` is the
autocomplete a compose box calls as one types. All are the same two service calls."""

from __future__ import annotations

import time

from chirp.errors import MalformedRequest, Retryable
from chirp.http import schemas, views
from chirp.http.openapi import QueryParameter
from chirp.search import service
from chirp.wiring.api import dependencies

from routes.routing import ApiBlueprint

blueprint = ApiBlueprint(__name__)

QUERY = QueryParameter("q", "what to search for (tweets: the query language in the README)", required=True)
PREFIX = QueryParameter("q", "the first letters of a username or a name", required=True)
TYPE = QueryParameter("type", "what to search: tweets or users", choices=service.TYPES)
SORT = QueryParameter("sort", "tweets: newest first, or by relevance (README)", choices=service.SORTS)


@blueprint.operation(
    "/api/search",
    "GET",
    "Search tweets or users (type=tweets|users)",
    viewer=True,
    paginated=True,
    query=(QUERY, TYPE, SORT),
    raises=(MalformedRequest, Retryable),
)
def search() -> schemas.TweetPage | schemas.UserPage:
    if blueprint.query(TYPE) == "users":
        return search_users()
    return search_tweets()


@blueprint.operation(
    "/api/search/tweets",
    "GET",
    "Search tweets",
    viewer=True,
    paginated=True,
    query=(QUERY, SORT),
    raises=(MalformedRequest, Retryable),
)
def search_tweets() -> schemas.TweetPage:
    store = dependencies()
    found = service.search_tweets(
        store.search(),
        viewer_id=blueprint.viewer_id(),
        text=blueprint.query(QUERY) or "",
        sort=blueprint.query(SORT) or service.SORTS[0],
        page=blueprint.page(),
        now_ms=int(time.time() * 1000),
    )
    return views.tweet_page_json(found, store.settings.media_base_url)


@blueprint.operation(
    "/api/search/users",
    "GET",
    "Search users by the first letters of a username or a name",
    viewer=True,
    paginated=True,
    query=(PREFIX,),
    raises=(MalformedRequest, Retryable),
)
def search_users() -> schemas.UserPage:
    store = dependencies()
    found = service.search_users(
        store.search(), viewer_id=blueprint.viewer_id(), prefix=blueprint.query(PREFIX) or "", page=blueprint.page()
    )
    return views.user_page_json(found, store.settings.media_base_url)


@blueprint.operation(
    "/api/users/search",
    "GET",
    "Autocomplete users from the first character (as /api/search/users)",
    viewer=True,
    paginated=True,
    query=(PREFIX,),
    raises=(MalformedRequest, Retryable),
)
def autocomplete_users() -> schemas.UserPage:
    return search_users()
