"""The JSON bodies of responses, after Twitter API v2's objects: each view builds exactly the shape
`chirp.http.schemas` declares for it (mypy checks), as plain dicts, so a page costs no more than
building its dicts."""

from __future__ import annotations

from typing import cast

from chirp.auth.service import TokenGrant
from chirp.engagements.service import Conversation
from chirp.http import schemas
from chirp.ids import id_timestamp_ms, iso_timestamp
from chirp.notifications.models import ACTORS_SHOWN, Kind, NotificationSettings
from chirp.notifications.service import ShownNotification
from chirp.pages import Page
from chirp.tweets.models import Tweet, ViewerState
from chirp.tweets.shown import ShownTweet
from chirp.users.models import User


def user_json(user: User) -> schemas.User:
    return {
        "id": str(user.id),
        "username": user.username,
        "name": user.name,
        "description": user.description,
        "location": user.location,
        "url": user.url,
        "created_at": iso_timestamp(user.created_at_ms),
        "public_metrics": {
            "followers_count": user.metrics.followers_count,
            "following_count": user.metrics.following_count,
            "tweet_count": user.metrics.tweet_count,
            "like_count": user.metrics.like_count,
        },
    }


def tweet_json(tweet: Tweet) -> schemas.Tweet:
    return {
        "id": str(tweet.id),
        "text": tweet.text,
        "author_id": str(tweet.author_id),
        "created_at": iso_timestamp(tweet.created_at_ms),
        "conversation_id": str(tweet.conversation_id),
        "in_reply_to_user_id": str(tweet.in_reply_to_user_id) if tweet.in_reply_to_user_id is not None else None,
        "referenced_tweets": referenced_tweets(tweet),
        # Kept as twitter-text extracted them (chirp.tweets.text: the four kinds, each entity with its
        # start, end and text; a mention with its user's id), stored and read back unchanged: this shape.
        # A retweet has no text, and so none (stored as {}): the four kinds, empty.
        "entities": cast(schemas.Entities, tweet.entities) if tweet.entities else no_entities(),
        "public_metrics": metrics_json(tweet),
    }


def no_entities() -> schemas.Entities:
    return {"hashtags": [], "mentions": [], "urls": [], "cashtags": []}


def metrics_json(tweet: Tweet) -> schemas.TweetMetrics:
    return {
        "retweet_count": tweet.metrics.retweet_count,
        "reply_count": tweet.metrics.reply_count,
        "like_count": tweet.metrics.like_count,
        "quote_count": tweet.metrics.quote_count,
    }


def referenced_tweets(tweet: Tweet) -> list[schemas.ReferencedTweet]:
    found: list[schemas.ReferencedTweet] = []
    if tweet.retweet_of is not None:
        found.append({"type": "retweeted", "id": str(tweet.retweet_of)})
    if tweet.quoted_tweet_id is not None:
        found.append({"type": "quoted", "id": str(tweet.quoted_tweet_id)})
    if tweet.in_reply_to_tweet_id is not None:
        found.append({"type": "replied_to", "id": str(tweet.in_reply_to_tweet_id)})
    return found


def author_json(user: User) -> schemas.TweetAuthor:
    return {"id": str(user.id), "username": user.username, "name": user.name}


def viewer_json(state: ViewerState | None) -> schemas.Viewer | None:
    return {"liked": state.liked, "retweeted": state.retweeted} if state is not None else None


def embedded_json(shown: ShownTweet) -> schemas.EmbeddedTweet:
    return {**tweet_json(shown.tweet), "author": author_json(shown.author), "viewer": viewer_json(shown.viewer)}


def shown_json(shown: ShownTweet) -> schemas.TimelineTweet:
    """A tweet as a list shows it; a retweet with its original's counts and the viewer's state of it."""
    body = tweet_json(shown.tweet)
    if shown.retweeted is not None:
        body["public_metrics"] = metrics_json(shown.retweeted.tweet)
    return {
        **body,
        "author": author_json(shown.author),
        "viewer": viewer_json(shown.viewer),
        "retweeted_tweet": embedded_json(shown.retweeted) if shown.retweeted is not None else None,
        "quoted_tweet": embedded_json(shown.quoted) if shown.quoted is not None else None,
    }


def token_json(grant: TokenGrant) -> schemas.TokenResponse:
    return {
        "access_token": grant.access_token,
        "refresh_token": grant.refresh_token,
        "token_type": "Bearer",
        "expires_in": grant.expires_in,
    }


def user_page_json(page: Page[User]) -> schemas.UserPage:
    return {"data": [user_json(user) for user in page.items], "meta": {"next_cursor": page.next_cursor}}


def tweet_page_json(page: Page[ShownTweet]) -> schemas.TweetPage:
    return {"data": [shown_json(shown) for shown in page.items], "meta": {"next_cursor": page.next_cursor}}


def conversation_json(conversation: Conversation) -> schemas.ConversationResponse:
    ancestors: list[schemas.TimelineTweet | schemas.UnavailableTweet] = [
        shown_json(shown) if shown is not None else {"id": str(ancestor), "unavailable": True}
        for ancestor, shown in conversation.ancestors
    ]
    return {
        "data": {
            "ancestors": ancestors,
            "tweet": shown_json(conversation.tweet),
            "replies": [shown_json(reply) for reply in conversation.replies.items],
        },
        "meta": {"next_cursor": conversation.replies.next_cursor},
    }


def notification_json(shown: ShownNotification) -> schemas.Notification:
    item = shown.notification
    return {
        "id": item.key,
        "kind": item.kind.value,
        "count": item.count,
        "actors": [author_json(actor) for actor in shown.actors[:ACTORS_SHOWN]],
        "tweet": shown_json(shown.tweet) if shown.tweet is not None else None,
        "updated_at": iso_timestamp(id_timestamp_ms(item.sort_id)),
        "read": shown.read,
    }


def notification_page_json(page: Page[ShownNotification]) -> schemas.NotificationPage:
    return {"data": [notification_json(shown) for shown in page.items], "meta": {"next_cursor": page.next_cursor}}


def notification_settings_json(settings: NotificationSettings) -> schemas.NotificationSettings:
    return {
        "follow": settings.allows(Kind.FOLLOW),
        "like": settings.allows(Kind.LIKE),
        "retweet": settings.allows(Kind.RETWEET),
        "quote": settings.allows(Kind.QUOTE),
        "reply": settings.allows(Kind.REPLY),
        "mention": settings.allows(Kind.MENTION),
    }
