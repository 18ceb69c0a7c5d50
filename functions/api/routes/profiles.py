"""Profiles: the caller's own (read and change), and anyone's by id or by username."""

from __future__ import annotations

from chirp.errors import Conflict, InvalidRequest, NotFound, Retryable
from chirp.http import schemas, views
from chirp.ids import parse_id
from chirp.users import service as users
from chirp.users.inputs import ProfileUpdate
from chirp.wiring.api import dependencies

from routes.routing import ApiBlueprint

blueprint = ApiBlueprint(__name__)


@blueprint.operation("/api/users/me", "GET", "The caller's profile", auth=True, raises=(NotFound,))
def get_me() -> schemas.UserResponse:
    store = dependencies()
    return {"data": views.user_json(users.get_user(store.users, blueprint.caller_id()), store.settings.media_base_url)}


@blueprint.operation(
    "/api/users/me",
    "PATCH",
    "Change the caller's profile, its avatar and banner too (avatar_media_id, banner_media_id)",
    auth=True,
    body=ProfileUpdate,
    raises=(InvalidRequest, NotFound, Conflict, Retryable),
)
def update_me() -> schemas.UserResponse:
    store = dependencies()
    changed = users.update_profile(store.users, store.media, blueprint.caller_id(), blueprint.body(ProfileUpdate))
    return {"data": views.user_json(changed, store.settings.media_base_url)}


@blueprint.operation("/api/users/{userId}", "GET", "A user's profile", raises=(NotFound,))
def get_user(userId: str) -> schemas.UserResponse:  # noqa: N803 (the path's parameter name)
    store = dependencies()
    found = users.get_user(store.users, parse_id(userId, "userId"))
    return {"data": views.user_json(found, store.settings.media_base_url)}


@blueprint.operation("/api/users/by/username/{username}", "GET", "A user's profile by username", raises=(NotFound,))
def get_user_by_username(username: str) -> schemas.UserResponse:
    store = dependencies()
    return {"data": views.user_json(users.get_user_by_username(store.users, username), store.settings.media_base_url)}
