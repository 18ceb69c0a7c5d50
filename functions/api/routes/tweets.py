"""Tweets: post, read and delete one; a user's tweets, newest first."""

from __future__ import annotations

from aws_lambda_powertools.metrics import MetricUnit
from chirp.errors import Forbidden, NotFound, Retryable
from chirp.http import schemas, views
from chirp.ids import parse_id
from chirp.tweets import service as tweets
from chirp.tweets.inputs import TweetDraft
from chirp.wiring.api import dependencies

from routes.routing import ApiBlueprint, metrics

blueprint = ApiBlueprint(__name__)


@blueprint.operation(
    "/api/tweets", "POST", "Post a tweet", status=201, auth=True, body=TweetDraft, raises=(NotFound, Retryable)
)
def post_tweet() -> schemas.TweetResponse:
    tweet = tweets.post_tweet(dependencies().tweets, blueprint.caller_id(), blueprint.body(TweetDraft))
    metrics.add_metric(name="TweetPosted", unit=MetricUnit.Count, value=1)
    return {"data": views.tweet_json(tweet)}


@blueprint.operation("/api/tweets/{tweetId}", "GET", "A tweet", raises=(NotFound,))
def get_tweet(tweetId: str) -> schemas.TweetResponse:  # noqa: N803 (the path's parameter name)
    return {"data": views.tweet_json(tweets.get_tweet(dependencies().tweets, parse_id(tweetId, "tweetId")))}


@blueprint.operation(
    "/api/tweets/{tweetId}",
    "DELETE",
    "Delete one of the caller's tweets",
    status=204,
    auth=True,
    raises=(Forbidden, NotFound, Retryable),
)
def delete_tweet(tweetId: str) -> None:  # noqa: N803
    tweets.delete_tweet(dependencies().tweets, blueprint.caller_id(), parse_id(tweetId, "tweetId"))


@blueprint.operation(
    "/api/users/{userId}/tweets", "GET", "A user's tweets, newest first", paginated=True, raises=(NotFound,)
)
def user_timeline(userId: str) -> schemas.TweetPage:  # noqa: N803
    store = dependencies()
    found = tweets.user_timeline(store.users, store.tweets, parse_id(userId, "userId"), blueprint.page())
    return views.tweet_page_json(found)
