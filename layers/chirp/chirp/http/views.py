"""The JSON bodies of responses, after Twitter API v2's objects: each view builds exactly the shape
`chirp.http.schemas` declares for it (mypy checks), as plain dicts, so a page costs no more than
building its dicts.

Media URLs are built under the media domain's base URL (`media_base_url`: CloudFront's, or the local runtime's),
which the views that may show media are given. A tweet with media names them in `attachments.media_keys`; the
answer that holds it carries their objects once, in `includes.media` (Twitter API v2's expansions, always on).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Literal, cast

from chirp.auth.service import TokenGrant
from chirp.engagements.service import Conversation
from chirp.exports.models import Export, ExportState
from chirp.http import schemas
from chirp.ids import id_timestamp_ms, iso_timestamp
from chirp.media.kinds import MediaKind
from chirp.media.models import UNATTACHED_LIFETIME_S, Media, MediaState, StoredVariant
from chirp.media.service import Upload
from chirp.notifications.models import ACTORS_SHOWN, Kind, NotificationSettings
from chirp.notifications.service import ShownNotification
from chirp.pages import Page
from chirp.reports.models import Report
from chirp.tweets.models import Tweet, ViewerState
from chirp.tweets.shown import ShownTweet
from chirp.users.models import User


def user_json(user: User, media_base_url: str) -> schemas.User:
    body: schemas.User = {
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
    if user.avatar is not None:
        body["profile_image_url"] = f"{media_base_url}/{user.avatar.key}"
    if user.banner is not None:
        body["profile_banner_url"] = f"{media_base_url}/{user.banner.key}"
    return body


def tweet_json(tweet: Tweet) -> schemas.Tweet:
    body: schemas.Tweet = {
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
    if tweet.media:
        body["attachments"] = {"media_keys": [media.media_key for media in tweet.media]}
    return body


def includes_json(tweets: Iterable[Tweet], media_base_url: str) -> schemas.Includes | None:
    """The media of these tweets, each once, in the order they first appear; None when they carry none."""
    media = {item.id: item for tweet in tweets for item in tweet.media}
    return {"media": [media_json(item, media_base_url) for item in media.values()]} if media else None


def tweets_of(shown: ShownTweet) -> Iterator[Tweet]:
    """The tweets a shown tweet holds: itself, a retweet's original, a quote's quoted tweet."""
    yield shown.tweet
    for embedded in (shown.retweeted, shown.quoted):
        if embedded is not None:
            yield embedded.tweet


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


def token_json(grant: TokenGrant, *, with_refresh_token: bool = True) -> schemas.TokenResponse:
    """`with_refresh_token=False`: the refresh token went into an HttpOnly cookie (chirp.http.cookies)."""
    answer: schemas.TokenResponse = {
        "access_token": grant.access_token,
        "token_type": "Bearer",
        "expires_in": grant.expires_in,
    }
    if with_refresh_token:
        answer["refresh_token"] = grant.refresh_token
    return answer


def user_page_json(page: Page[User], media_base_url: str) -> schemas.UserPage:
    return {
        "data": [user_json(user, media_base_url) for user in page.items],
        "meta": {"next_cursor": page.next_cursor},
    }


def tweet_response_json(tweet: Tweet, media_base_url: str) -> schemas.TweetResponse:
    """A tweet just posted."""
    body: schemas.TweetResponse = {"data": tweet_json(tweet)}
    if (includes := includes_json([tweet], media_base_url)) is not None:
        body["includes"] = includes
    return body


def shown_tweet_response_json(shown: ShownTweet, media_base_url: str) -> schemas.ShownTweetResponse:
    body: schemas.ShownTweetResponse = {"data": shown_json(shown)}
    if (includes := includes_json(tweets_of(shown), media_base_url)) is not None:
        body["includes"] = includes
    return body


def tweet_page_json(page: Page[ShownTweet], media_base_url: str) -> schemas.TweetPage:
    body: schemas.TweetPage = {
        "data": [shown_json(shown) for shown in page.items],
        "meta": {"next_cursor": page.next_cursor},
    }
    listed = (tweet for shown in page.items for tweet in tweets_of(shown))
    if (includes := includes_json(listed, media_base_url)) is not None:
        body["includes"] = includes
    return body


def conversation_json(conversation: Conversation, media_base_url: str) -> schemas.ConversationResponse:
    ancestors: list[schemas.TimelineTweet | schemas.UnavailableTweet] = [
        shown_json(shown) if shown is not None else {"id": str(ancestor), "unavailable": True}
        for ancestor, shown in conversation.ancestors
    ]
    body: schemas.ConversationResponse = {
        "data": {
            "ancestors": ancestors,
            "tweet": shown_json(conversation.tweet),
            "replies": [shown_json(reply) for reply in conversation.replies.items],
        },
        "meta": {"next_cursor": conversation.replies.next_cursor},
    }
    thread = [shown for _, shown in conversation.ancestors if shown is not None]
    thread += [conversation.tweet, *conversation.replies.items]
    listed = (tweet for shown in thread for tweet in tweets_of(shown))
    if (includes := includes_json(listed, media_base_url)) is not None:
        body["includes"] = includes
    return body


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


def notification_page_json(page: Page[ShownNotification], media_base_url: str) -> schemas.NotificationPage:
    body: schemas.NotificationPage = {
        "data": [notification_json(shown) for shown in page.items],
        "meta": {"next_cursor": page.next_cursor},
    }
    listed = (tweet for shown in page.items if shown.tweet is not None for tweet in tweets_of(shown.tweet))
    if (includes := includes_json(listed, media_base_url)) is not None:
        body["includes"] = includes
    return body


def notification_settings_json(settings: NotificationSettings) -> schemas.NotificationSettings:
    return {
        "follow": settings.allows(Kind.FOLLOW),
        "like": settings.allows(Kind.LIKE),
        "retweet": settings.allows(Kind.RETWEET),
        "quote": settings.allows(Kind.QUOTE),
        "reply": settings.allows(Kind.REPLY),
        "mention": settings.allows(Kind.MENTION),
    }


# ---------------------------------------------------------------- media

# Twitter API v2's media types, by kind.
_MEDIA_TYPES: dict[MediaKind, Literal["photo", "animated_gif", "video"]] = {
    MediaKind.IMAGE: "photo",
    MediaKind.GIF: "animated_gif",
    MediaKind.VIDEO: "video",
}
# What `url` and `preview_image_url` show, by kind: variant names as the media function writes them
# (chirp.media.processing: a photo's thumb/small/medium/large, a GIF's or a video's thumb/poster/video).
_MAIN_VARIANT = {MediaKind.IMAGE: "medium", MediaKind.GIF: "video", MediaKind.VIDEO: "video"}
_PREVIEW_VARIANT = {MediaKind.IMAGE: "thumb", MediaKind.GIF: "poster", MediaKind.VIDEO: "poster"}
_STATES: dict[MediaState, schemas.MediaState] = {
    MediaState.PROCESSING: "processing",
    MediaState.READY: "ready",
    MediaState.FAILED: "failed",
}


def media_json(media: Media, base_url: str) -> schemas.Media:
    """Twitter API v2's media object, each variant's URL under `base_url` (the media domain). Whatever the
    media's state: a media being processed has no variants yet (URLs, dimensions null)."""

    def url_of(variant: StoredVariant | None) -> str | None:
        return f"{base_url}/{variant.key}" if variant is not None else None

    return {
        "media_key": media.media_key,
        "type": _MEDIA_TYPES[media.kind],
        "url": url_of(media.variant(_MAIN_VARIANT[media.kind]) or _largest_variant(media)),
        "preview_image_url": url_of(media.variant(_PREVIEW_VARIANT[media.kind])),
        "width": media.width,
        "height": media.height,
        "duration_ms": media.duration_ms,
        "alt_text": media.alt_text,
        "variants": [
            {
                "name": variant.name,
                "url": f"{base_url}/{variant.key}",
                "content_type": variant.content_type,
                "width": variant.width,
                "height": variant.height,
            }
            for variant in media.variants
        ],
    }


def _largest_variant(media: Media) -> StoredVariant | None:
    """A photo smaller than the medium size has no medium variant: its largest stands in (never the thumb, a crop)."""
    shown = [variant for variant in media.variants if variant.name != "thumb"]
    return max(shown, key=lambda variant: variant.width * variant.height, default=None)


def own_media_json(media: Media, base_url: str) -> schemas.OwnMedia:
    """A media as its owner follows it: the media object with its id, state, and why it failed."""
    body: schemas.OwnMedia = {**media_json(media, base_url), "media_id": str(media.id), "state": _STATES[media.state]}
    if media.reason is not None:
        body["reason"] = media.reason
    return body


def upload_json(upload: Upload) -> schemas.CreatedUpload:
    return {
        "media_id": str(upload.media.id),
        "media_key": upload.media.media_key,
        "state": "processing",
        "expires_after_secs": UNATTACHED_LIFETIME_S,
        "upload": {
            "url": upload.post.url,
            "fields": upload.post.fields,
            "expires_at": iso_timestamp(upload.expires_at_ms),
        },
    }


def report_json(report: Report) -> schemas.Report:
    return {
        "id": str(report.id),
        "target": {"type": report.target_type.value, "id": str(report.target_id)},
        "reason": report.reason,
        "comment": report.comment,
        "state": report.state.value,
        "created_at": iso_timestamp(id_timestamp_ms(report.id)),
        "action": report.action.value if report.action else None,
    }


def moderated_report_json(report: Report) -> schemas.ModeratedReport:
    resolved_at = iso_timestamp(report.resolved_at_ms) if report.resolved_at_ms is not None else None
    return {
        **report_json(report),
        "reporter_id": str(report.reporter_id),
        "target_author_id": str(report.target_author_id),
        "resolved_by": str(report.resolved_by) if report.resolved_by is not None else None,
        "resolved_at": resolved_at,
    }


def report_page_json(page: Page[Report]) -> schemas.ReportPage:
    return {"data": [moderated_report_json(report) for report in page.items], "meta": {"next_cursor": page.next_cursor}}


def export_json(export: Export, state: ExportState, download_url: str | None) -> schemas.Export:
    completed = export.completed_at_ms
    return {
        "state": state.value,
        "requested_at": iso_timestamp(export.requested_at_ms),
        "completed_at": iso_timestamp(completed) if completed is not None and state is ExportState.READY else None,
        "expires_at": iso_timestamp(export.expires_at_ms),
        "size_bytes": export.size_bytes if state is ExportState.READY else None,
        "download_url": download_url,
    }
