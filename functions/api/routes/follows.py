"""Follows: follow and unfollow (both idempotent), and who follows whom."""

from __future__ import annotations

from chirp.errors import Forbidden, InvalidRequest, NotFound, Retryable
from chirp.follows import service as follows
from chirp.http import schemas, views
from chirp.ids import parse_id
from chirp.wiring.api import dependencies

from routes.routing import ApiBlueprint

blueprint = ApiBlueprint(__name__)


@blueprint.operation(
    "/api/users/{userId}/follow",
    "POST",
    "Follow a user (idempotent; refused across a block)",
    auth=True,
    raises=(InvalidRequest, Forbidden, NotFound, Retryable),
)
def follow_user(userId: str) -> schemas.FollowResponse:  # noqa: N803 (the path's parameter name)
    follows.follow_user(dependencies().follows, blueprint.caller_id(), parse_id(userId, "userId"))
    return {"data": {"following": True}}


@blueprint.operation(
    "/api/users/{userId}/follow",
    "DELETE",
    "Unfollow a user (idempotent)",
    auth=True,
    raises=(InvalidRequest, NotFound, Retryable),
)
def unfollow_user(userId: str) -> schemas.FollowResponse:  # noqa: N803
    store = dependencies()
    follows.unfollow_user(store.follows, store.users, blueprint.caller_id(), parse_id(userId, "userId"))
    return {"data": {"following": False}}


@blueprint.operation("/api/users/{userId}/followers", "GET", "Who follows a user", paginated=True, raises=(NotFound,))
def list_followers(userId: str) -> schemas.UserPage:  # noqa: N803
    store = dependencies()
    found = follows.list_followers(store.follows, store.users, parse_id(userId, "userId"), blueprint.page())
    return views.user_page_json(found, store.settings.media_base_url)


@blueprint.operation("/api/users/{userId}/following", "GET", "Whom a user follows", paginated=True, raises=(NotFound,))
def list_following(userId: str) -> schemas.UserPage:  # noqa: N803
    store = dependencies()
    found = follows.list_following(store.follows, store.users, parse_id(userId, "userId"), blueprint.page())
    return views.user_page_json(found, store.settings.media_base_url)
