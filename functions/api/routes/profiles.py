"""Profiles: the caller's own (read and change), and anyone's by id or by username."""

from __future__ import annotations

from chirp.errors import NotFound
from chirp.http import schemas, views
from chirp.ids import parse_id
from chirp.users import service as users
from chirp.users.inputs import ProfileUpdate
from chirp.wiring.api import dependencies

from routes.routing import ApiBlueprint

blueprint = ApiBlueprint(__name__)


@blueprint.operation("/api/users/me", "GET", "The caller's profile", auth=True, raises=(NotFound,))
def get_me() -> schemas.UserResponse:
    return {"data": views.user_json(users.get_user(dependencies().users, blueprint.caller_id()))}


@blueprint.operation(
    "/api/users/me", "PATCH", "Change the caller's profile", auth=True, body=ProfileUpdate, raises=(NotFound,)
)
def update_me() -> schemas.UserResponse:
    changed = users.update_profile(dependencies().users, blueprint.caller_id(), blueprint.body(ProfileUpdate))
    return {"data": views.user_json(changed)}


@blueprint.operation("/api/users/{userId}", "GET", "A user's profile", raises=(NotFound,))
def get_user(userId: str) -> schemas.UserResponse:  # noqa: N803 (the path's parameter name)
    return {"data": views.user_json(users.get_user(dependencies().users, parse_id(userId, "userId")))}


@blueprint.operation("/api/users/by/username/{username}", "GET", "A user's profile by username", raises=(NotFound,))
def get_user_by_username(username: str) -> schemas.UserResponse:
    return {"data": views.user_json(users.get_user_by_username(dependencies().users, username))}
