"""Who to follow: the accounts the caller's follows follow, most followed-by first, then the most followed
accounts; served from the lists the suggestions function precomputes (functions/suggestions), checked
against the caller's follows as they are now (`chirp.suggestions.service`)."""

from __future__ import annotations

from chirp.errors import MalformedRequest
from chirp.http import schemas, views
from chirp.http.openapi import QueryParameter
from chirp.suggestions import service as suggestions
from chirp.suggestions.models import Suggestion
from chirp.wiring.api import dependencies

from routes.routing import ApiBlueprint

blueprint = ApiBlueprint(__name__)


LIMIT = QueryParameter(
    "limit", "how many accounts", bounds=(1, suggestions.MAX_LIMIT), default=suggestions.DEFAULT_LIMIT
)


@blueprint.operation(
    "/api/users/me/suggestions",
    "GET",
    "Who to follow: accounts followed by those the caller follows, then popular ones",
    auth=True,
    query=(LIMIT,),
    raises=(MalformedRequest,),
)
def who_to_follow() -> schemas.SuggestionsResponse:
    store = dependencies()
    limit = blueprint.query_int(LIMIT)
    shown = suggestions.who_to_follow(store.suggestions, store.users, blueprint.caller_id(), limit)
    return {"data": [suggested_user_json(suggestion, store.settings.media_base_url) for suggestion in shown]}


def suggested_user_json(suggestion: Suggestion, media_base_url: str) -> schemas.SuggestedUser:
    return {
        **views.user_json(suggestion.user, media_base_url),
        "followed_by": [views.author_json(user) for user in suggestion.followed_by],
        "followed_by_count": suggestion.followed_by_count,
    }
