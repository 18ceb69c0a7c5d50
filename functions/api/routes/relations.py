"""Relations: block and mute a user (both idempotent), and undo them; whom the caller blocks and mutes;
the words the caller mutes. The lists are the caller's own (`me`): nobody reads another's."""

from __future__ import annotations

from chirp.errors import InvalidInput, InvalidRequest, NotFound, Retryable
from chirp.http import schemas, views
from chirp.http.openapi import QueryParameter
from chirp.ids import parse_id
from chirp.relations import service as relations
from chirp.relations.inputs import MutedWordDraft
from chirp.wiring.api import dependencies

from routes.routing import ApiBlueprint

blueprint = ApiBlueprint(__name__)

WORD = QueryParameter("word", "the muted word to unmute, as listed", required=True, max_length=100)


@blueprint.operation(
    "/api/users/{userId}/block",
    "POST",
    "Block a user (idempotent): removes the follows between you both ways",
    auth=True,
    raises=(InvalidRequest, NotFound, Retryable),
)
def block_user(userId: str) -> schemas.BlockResponse:  # noqa: N803 (the path's parameter name)
    relations.block_user(dependencies().relations, blueprint.caller_id(), parse_id(userId, "userId"))
    return {"data": {"blocking": True}}


@blueprint.operation(
    "/api/users/{userId}/block",
    "DELETE",
    "Unblock a user (idempotent; the follows the block removed stay removed)",
    auth=True,
    raises=(InvalidRequest, NotFound, Retryable),
)
def unblock_user(userId: str) -> schemas.BlockResponse:  # noqa: N803
    store = dependencies()
    relations.unblock_user(store.relations, store.users, blueprint.caller_id(), parse_id(userId, "userId"))
    return {"data": {"blocking": False}}


@blueprint.operation(
    "/api/users/{userId}/mute",
    "POST",
    "Mute a user (idempotent, silent): their tweets leave your home timeline, their activity your notifications",
    auth=True,
    raises=(InvalidRequest, NotFound, Retryable),
)
def mute_user(userId: str) -> schemas.MuteResponse:  # noqa: N803
    relations.mute_user(dependencies().relations, blueprint.caller_id(), parse_id(userId, "userId"))
    return {"data": {"muting": True}}


@blueprint.operation(
    "/api/users/{userId}/mute",
    "DELETE",
    "Unmute a user (idempotent)",
    auth=True,
    raises=(InvalidRequest, NotFound, Retryable),
)
def unmute_user(userId: str) -> schemas.MuteResponse:  # noqa: N803
    store = dependencies()
    relations.unmute_user(store.relations, store.users, blueprint.caller_id(), parse_id(userId, "userId"))
    return {"data": {"muting": False}}


@blueprint.operation("/api/users/me/blocking", "GET", "Whom you block, newest first", auth=True, paginated=True)
def list_blocking() -> schemas.UserPage:
    store = dependencies()
    found = relations.list_blocking(store.relations, store.users, blueprint.caller_id(), blueprint.page())
    return views.user_page_json(found, store.settings.media_base_url)


@blueprint.operation("/api/users/me/muting", "GET", "Whom you mute, newest first", auth=True, paginated=True)
def list_muting() -> schemas.UserPage:
    store = dependencies()
    found = relations.list_muting(store.relations, store.users, blueprint.caller_id(), blueprint.page())
    return views.user_page_json(found, store.settings.media_base_url)


@blueprint.operation("/api/users/me/muted_words", "GET", "The words and hashtags you mute, newest first", auth=True)
def list_muted_words() -> schemas.MutedWordList:
    words = dependencies().relations.muted_words(blueprint.caller_id())
    return {"data": [{"word": word} for word in words]}


@blueprint.operation(
    "/api/users/me/muted_words",
    "POST",
    "Mute a word, a phrase or a hashtag in your home timeline (idempotent)",
    auth=True,
    body=MutedWordDraft,
    raises=(InvalidInput, Retryable),
)
def mute_word() -> schemas.MutedWordResponse:
    word = relations.mute_word(dependencies().relations, blueprint.caller_id(), blueprint.body(MutedWordDraft).word)
    return {"data": {"word": word}}


@blueprint.operation(
    "/api/users/me/muted_words",
    "DELETE",
    "Unmute a word (idempotent)",
    status=204,
    auth=True,
    query=(WORD,),
    raises=(InvalidInput, Retryable),
)
def unmute_word() -> None:
    relations.unmute_word(dependencies().relations, blueprint.caller_id(), blueprint.query(WORD) or "")
