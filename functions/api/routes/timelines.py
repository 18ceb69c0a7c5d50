"""Home timelines: the caller's own, newest first (hybrid push/pull: chirp.timelines)."""

from __future__ import annotations

from chirp.errors import Forbidden, Retryable
from chirp.http import schemas, views
from chirp.ids import parse_id
from chirp.timelines.service import home_timeline_page, owners_home_timeline_page
from chirp.wiring.api import dependencies

from routes.routing import ApiBlueprint

blueprint = ApiBlueprint(__name__)


@blueprint.operation(
    "/api/timeline", "GET", "The caller's home timeline", auth=True, paginated=True, raises=(Retryable,)
)
def home_timeline() -> schemas.TweetPage:
    store = dependencies()
    found = home_timeline_page(store, store.settings, blueprint.caller_id(), blueprint.page())
    return views.tweet_page_json(found, store.settings.media_base_url)


@blueprint.operation(
    "/api/users/{userId}/timeline",
    "GET",
    "A user's home timeline (its owner only)",
    auth=True,
    paginated=True,
    raises=(Forbidden, Retryable),
)
def user_home_timeline(userId: str) -> schemas.TweetPage:  # noqa: N803 (the path's parameter name)
    store = dependencies()
    owner = parse_id(userId, "userId")
    found = owners_home_timeline_page(store, store.settings, blueprint.caller_id(), owner, blueprint.page())
    return views.tweet_page_json(found, store.settings.media_base_url)
