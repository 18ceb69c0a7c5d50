"""Engagements: like and unlike, retweet and undo it (all idempotent), who liked or retweeted a tweet,
what a user liked, and a tweet's conversation. Acting on a retweet acts on its original."""

from __future__ import annotations

from aws_lambda_powertools.metrics import MetricUnit
from chirp.engagements import service as engagements
from chirp.errors import Forbidden, NotFound, Retryable
from chirp.http import schemas, views
from chirp.ids import parse_id
from chirp.tweets import service as tweets
from chirp.wiring.api import dependencies

from routes.routing import ApiBlueprint, metrics

blueprint = ApiBlueprint(__name__)


# ---------------------------------------------------------------- likes


@blueprint.operation(
    "/api/tweets/{tweetId}/like",
    "POST",
    "Like a tweet (idempotent; a retweet: its original)",
    auth=True,
    raises=(Forbidden, NotFound, Retryable),
)
def like_tweet(tweetId: str) -> schemas.LikeResponse:  # noqa: N803 (the path's parameter name)
    store = dependencies()
    tweet_id = parse_id(tweetId, "tweetId")
    if engagements.like_tweet(store.engagements, store.tweets, store.relations, blueprint.caller_id(), tweet_id):
        metrics.add_metric(name="TweetLiked", unit=MetricUnit.Count, value=1)
    return {"data": {"liked": True}}


@blueprint.operation(
    "/api/tweets/{tweetId}/like",
    "DELETE",
    "Unlike a tweet (idempotent; a retweet: its original)",
    auth=True,
    raises=(NotFound, Retryable),
)
def unlike_tweet(tweetId: str) -> schemas.LikeResponse:  # noqa: N803
    store = dependencies()
    engagements.unlike_tweet(store.engagements, store.tweets, blueprint.caller_id(), parse_id(tweetId, "tweetId"))
    return {"data": {"liked": False}}


@blueprint.operation(
    "/api/tweets/{tweetId}/liking_users",
    "GET",
    "Who liked a tweet, newest like first",
    paginated=True,
    raises=(NotFound,),
)
def liking_users(tweetId: str) -> schemas.UserPage:  # noqa: N803
    store = dependencies()
    tweet_id = parse_id(tweetId, "tweetId")
    found = engagements.liking_users(store.engagements, store.tweets, store.users, tweet_id, blueprint.page())
    return views.user_page_json(found, store.settings.media_base_url)


@blueprint.operation(
    "/api/users/{userId}/liked_tweets",
    "GET",
    "The tweets a user liked, newest like first",
    viewer=True,
    paginated=True,
    raises=(NotFound, Retryable),
)
def liked_tweets(userId: str) -> schemas.TweetPage:  # noqa: N803
    store = dependencies()
    user_id = parse_id(userId, "userId")
    found = engagements.liked_tweets(
        store.engagements,
        store.tweets,
        store.users,
        relations=store.relations,
        viewer_id=blueprint.viewer_id(),
        user_id=user_id,
        page=blueprint.page(),
    )
    return views.tweet_page_json(found, store.settings.media_base_url)


# ---------------------------------------------------------------- retweets


@blueprint.operation(
    "/api/tweets/{tweetId}/retweet",
    "POST",
    "Retweet a tweet (idempotent: one retweet per user; a retweet: its original)",
    auth=True,
    raises=(Forbidden, NotFound, Retryable),
)
def retweet(tweetId: str) -> schemas.RetweetResponse:  # noqa: N803
    store = dependencies()
    made = tweets.retweet(store.tweets, store.relations, blueprint.caller_id(), parse_id(tweetId, "tweetId"))
    return {"data": {"retweeted": True, "retweet_id": str(made.id)}}


@blueprint.operation(
    "/api/tweets/{tweetId}/retweet",
    "DELETE",
    "Undo the caller's retweet of a tweet (idempotent)",
    auth=True,
    raises=(NotFound, Retryable),
)
def unretweet(tweetId: str) -> schemas.RetweetResponse:  # noqa: N803
    tweets.unretweet(dependencies().tweets, blueprint.caller_id(), parse_id(tweetId, "tweetId"))
    return {"data": {"retweeted": False, "retweet_id": None}}


@blueprint.operation(
    "/api/tweets/{tweetId}/retweeted_by",
    "GET",
    "Who retweeted a tweet, newest retweet first",
    paginated=True,
    raises=(NotFound,),
)
def retweeted_by(tweetId: str) -> schemas.UserPage:  # noqa: N803
    store = dependencies()
    tweet_id = parse_id(tweetId, "tweetId")
    found = engagements.retweeted_by(store.engagements, store.tweets, store.users, tweet_id, blueprint.page())
    return views.user_page_json(found, store.settings.media_base_url)


# ---------------------------------------------------------------- conversations


@blueprint.operation(
    "/api/tweets/{tweetId}/conversation",
    "GET",
    "A tweet's thread: its ancestors (the root first), the tweet, and a page of its replies, newest first",
    viewer=True,
    paginated=True,
    raises=(NotFound, Retryable),
)
def conversation(tweetId: str) -> schemas.ConversationResponse:  # noqa: N803
    store = dependencies()
    tweet_id = parse_id(tweetId, "tweetId")
    found = engagements.conversation(
        store.engagements,
        store.tweets,
        store.users,
        store.relations,
        viewer_id=blueprint.viewer_id(),
        tweet_id=tweet_id,
        page=blueprint.page(),
    )
    return views.conversation_json(found, store.settings.media_base_url)
