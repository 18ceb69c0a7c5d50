"""Tweets: post one (a reply or a quote too; an Idempotency-Key makes a retry safe: routes.idempotency), read and
delete one; a user's tweets, newest first."""

from __future__ import annotations

from aws_lambda_powertools.metrics import MetricUnit
from chirp.errors import Conflict, Forbidden, InvalidRequest, NotFound, Retryable
from chirp.http import schemas, views
from chirp.ids import parse_id
from chirp.tweets import service as tweets
from chirp.tweets.inputs import TweetDraft
from chirp.wiring.api import dependencies

from routes.routing import ApiBlueprint, metrics

blueprint = ApiBlueprint(__name__)


@blueprint.operation(
    "/api/tweets",
    "POST",
    "Post a tweet, a reply (reply.in_reply_to_tweet_id) or a quote (quote_tweet_id), with media (media.media_ids)",
    status=201,
    auth=True,
    body=TweetDraft,
    raises=(InvalidRequest, Forbidden, NotFound, Conflict, Retryable),
    idempotent=True,
)
def post_tweet() -> schemas.TweetResponse:
    store = dependencies()
    draft = blueprint.body(TweetDraft)
    tweet = tweets.post_tweet(
        store.tweets,
        store.users,
        store.media,
        blueprint.caller_id(),
        draft,
        relations=store.relations,
        idempotency_key=blueprint.idempotency_key(),
    )
    metrics.add_metric(name="TweetPosted", unit=MetricUnit.Count, value=1)
    return views.tweet_response_json(tweet, store.settings.media_base_url)


@blueprint.operation(
    "/api/tweets/{tweetId}",
    "GET",
    "A tweet, with its author, what it embeds and (signed in) the viewer's state",
    viewer=True,
    raises=(NotFound, Retryable),
)
def get_tweet(tweetId: str) -> schemas.ShownTweetResponse:  # noqa: N803 (the path's parameter name)
    store = dependencies()
    tweet_id = parse_id(tweetId, "tweetId")
    shown = tweets.shown_tweet(
        store.tweets,
        store.users,
        store.engagements,
        store.relations,
        viewer_id=blueprint.viewer_id(),
        tweet_id=tweet_id,
    )
    return views.shown_tweet_response_json(shown, store.settings.media_base_url)


@blueprint.operation(
    "/api/tweets/{tweetId}",
    "DELETE",
    "Delete one of the caller's tweets (a retweet: undo it)",
    status=204,
    auth=True,
    raises=(Forbidden, NotFound, Retryable),
)
def delete_tweet(tweetId: str) -> None:  # noqa: N803
    tweets.delete_tweet(dependencies().tweets, blueprint.caller_id(), parse_id(tweetId, "tweetId"))


@blueprint.operation(
    "/api/users/{userId}/tweets",
    "GET",
    "A user's tweets and retweets, newest first",
    viewer=True,
    paginated=True,
    raises=(NotFound, Retryable),
)
def user_timeline(userId: str) -> schemas.TweetPage:  # noqa: N803
    store = dependencies()
    user_id = parse_id(userId, "userId")
    found = tweets.user_timeline(
        store.users,
        store.tweets,
        store.engagements,
        store.relations,
        viewer_id=blueprint.viewer_id(),
        user_id=user_id,
        page=blueprint.page(),
    )
    return views.tweet_page_json(found, store.settings.media_base_url)
