"""The JSON bodies the API answers, each declared once, as a TypedDict.

The views (`chirp.http.views`) build exactly these shapes, which mypy checks; the OpenAPI document
(`chirp.http.openapi`) turns them into JSON Schema with pydantic, only when the document is asked
for. At run time a TypedDict is a plain dict: rendering a page costs nothing beyond building it.

Every object forbids properties it does not declare, so the document describes the whole answer and
a test that checks answers against it (tests/e2e/test_api_fuzz.py) notices a field added to a view
but not here.
"""

from typing import Annotated, Any, Literal, NotRequired, TypedDict

from pydantic import ConfigDict, Field, with_config

Id = Annotated[str, Field(pattern=r"^[0-9]{1,19}$", description="a 64-bit Snowflake id, as a decimal string")]
Timestamp = Annotated[str, Field(description="UTC, to the millisecond", json_schema_extra={"format": "date-time"})]
Offset = Annotated[int, Field(ge=0, description="in Unicode code points")]
Closed = ConfigDict(extra="forbid")


# ---------------------------------------------------------------- users


@with_config(Closed)
class UserMetrics(TypedDict):
    followers_count: int
    following_count: int
    tweet_count: int
    like_count: Annotated[int, Field(description="how many tweets the user has liked")]


@with_config(Closed)
class User(TypedDict):
    """A user, after Twitter API v2's user object."""

    id: Id
    username: str
    name: str
    description: str
    location: str
    url: str
    created_at: Timestamp
    public_metrics: UserMetrics
    profile_image_url: NotRequired[
        Annotated[str, Field(description="the avatar: 680 pixels on the long edge, uncropped (absent: none set)")]
    ]
    profile_banner_url: NotRequired[
        Annotated[str, Field(description="the banner: 1200 pixels on the long edge (absent: none set)")]
    ]


# ---------------------------------------------------------------- tweets


@with_config(Closed)
class HashtagEntity(TypedDict):
    start: Offset
    end: Offset
    tag: str


@with_config(Closed)
class CashtagEntity(TypedDict):
    start: Offset
    end: Offset
    tag: str


@with_config(Closed)
class MentionEntity(TypedDict):
    start: Offset
    end: Offset
    username: str
    id: NotRequired[Annotated[Id, Field(description="the mentioned user's id, when such a user exists")]]


@with_config(Closed)
class UrlEntity(TypedDict):
    start: Offset
    end: Offset
    url: str


@with_config(Closed)
class Entities(TypedDict):
    hashtags: list[HashtagEntity]
    mentions: list[MentionEntity]
    urls: list[UrlEntity]
    cashtags: list[CashtagEntity]


@with_config(Closed)
class TweetMetrics(TypedDict):
    retweet_count: int
    reply_count: int
    like_count: int
    quote_count: int


@with_config(Closed)
class ReferencedTweet(TypedDict):
    type: Literal["retweeted", "quoted", "replied_to"]
    id: Id


@with_config(Closed)
class Attachments(TypedDict):
    media_keys: Annotated[
        list[str], Field(description="the media it carries, in order: their objects are the answer's includes.media")
    ]


@with_config(Closed)
class Tweet(TypedDict):
    """A tweet, after Twitter API v2's tweet object. A retweet is a tweet of its own, with no text, whose
    `referenced_tweets` names the original as `retweeted`; a quote names the quoted tweet as `quoted`; a
    reply names its parent as `replied_to`."""

    id: Id
    text: str
    author_id: Id
    created_at: Timestamp
    conversation_id: Annotated[Id, Field(description="the id of the thread's root (its own id for a root)")]
    in_reply_to_user_id: Annotated[Id | None, Field(description="for a reply: the author of its parent")]
    referenced_tweets: list[ReferencedTweet]
    entities: Entities
    public_metrics: TweetMetrics
    attachments: NotRequired[Annotated[Attachments, Field(description="present when it carries media")]]


@with_config(Closed)
class TweetAuthor(TypedDict):
    id: Id
    username: str
    name: str


@with_config(Closed)
class Viewer(TypedDict):
    """What the signed-in reader has done to the tweet (a retweet: to its original)."""

    liked: bool
    retweeted: bool


@with_config(Closed)
class EmbeddedTweet(Tweet):
    """A retweet's original or a quote's quoted tweet, as the tweet that embeds it shows it."""

    author: TweetAuthor
    viewer: Annotated[Viewer | None, Field(description="null when nobody is signed in, and for a quoted tweet")]


@with_config(Closed)
class TimelineTweet(Tweet):
    """A tweet as a list shows it: with its author, the viewer's state, and what it embeds. A retweet
    carries its original's counts and the viewer's state of the original."""

    author: TweetAuthor
    viewer: Annotated[Viewer | None, Field(description="null when nobody is signed in")]
    retweeted_tweet: Annotated[EmbeddedTweet | None, Field(description="a retweet's original")]
    quoted_tweet: Annotated[EmbeddedTweet | None, Field(description="a quote's quoted tweet; null if unavailable")]


# ---------------------------------------------------------------- envelopes


@with_config(Closed)
class PageMeta(TypedDict):
    next_cursor: Annotated[str | None, Field(description="pass it back as ?cursor= for the next page; null: no more")]


@with_config(Closed)
class UserResponse(TypedDict):
    data: User


@with_config(Closed)
class UserPage(TypedDict):
    data: list[User]
    meta: PageMeta


@with_config(Closed)
class TweetResponse(TypedDict):
    data: Tweet
    includes: NotRequired["Includes"]


@with_config(Closed)
class ShownTweetResponse(TypedDict):
    data: TimelineTweet
    includes: NotRequired["Includes"]


@with_config(Closed)
class TweetPage(TypedDict):
    data: list[TimelineTweet]
    meta: PageMeta
    includes: NotRequired["Includes"]


@with_config(Closed)
class UnavailableTweet(TypedDict):
    """A tweet of a thread that was deleted: its place, without its content."""

    id: Id
    unavailable: Literal[True]


@with_config(Closed)
class Conversation(TypedDict):
    ancestors: Annotated[
        list[TimelineTweet | UnavailableTweet], Field(description="the tweet's ancestors, the root first")
    ]
    tweet: TimelineTweet
    replies: Annotated[list[TimelineTweet], Field(description="its replies, newest first, one page")]


@with_config(Closed)
class ConversationResponse(TypedDict):
    data: Conversation
    meta: PageMeta
    includes: NotRequired["Includes"]


@with_config(Closed)
class LikeState(TypedDict):
    liked: bool


@with_config(Closed)
class LikeResponse(TypedDict):
    data: LikeState


@with_config(Closed)
class RetweetState(TypedDict):
    retweeted: bool
    retweet_id: Annotated[Id | None, Field(description="the retweet's own id (null once undone)")]


@with_config(Closed)
class RetweetResponse(TypedDict):
    data: RetweetState


@with_config(Closed)
class FollowState(TypedDict):
    following: bool


@with_config(Closed)
class FollowResponse(TypedDict):
    data: FollowState


@with_config(Closed)
class BlockState(TypedDict):
    blocking: bool


@with_config(Closed)
class BlockResponse(TypedDict):
    data: BlockState


@with_config(Closed)
class MuteState(TypedDict):
    muting: bool


@with_config(Closed)
class MuteResponse(TypedDict):
    data: MuteState


@with_config(Closed)
class MutedWord(TypedDict):
    word: Annotated[str, Field(description="as matched: trimmed, case-folded")]


@with_config(Closed)
class MutedWordResponse(TypedDict):
    data: MutedWord


@with_config(Closed)
class MutedWordList(TypedDict):
    data: list[MutedWord]


# ---------------------------------------------------------------- notifications

NotificationKind = Literal["follow", "like", "retweet", "quote", "reply", "mention"]


@with_config(Closed)
class Notification(TypedDict):
    """Likes and retweets of one tweet group per six-hour window ("ada, bob and 12 others liked your
    tweet"), follows too; a reply, a quote or a mention is one notification each."""

    id: Annotated[str, Field(description="stable while the notification groups more actors")]
    kind: NotificationKind
    count: Annotated[int, Field(ge=1, description="how many people did it (the actors listed are the latest)")]
    actors: Annotated[list[TweetAuthor], Field(description="the most recent first, at most three")]
    tweet: Annotated[
        TimelineTweet | None,
        Field(description="a like's or retweet's tweet (yours); a reply, quote or mention itself; null: a follow"),
    ]
    updated_at: Timestamp
    read: bool


@with_config(Closed)
class NotificationPage(TypedDict):
    data: list[Notification]
    meta: PageMeta
    includes: NotRequired["Includes"]


@with_config(Closed)
class UnreadCount(TypedDict):
    unread_count: Annotated[int, Field(ge=0, le=100, description="counted up to 100 (show 99+)")]


@with_config(Closed)
class UnreadCountResponse(TypedDict):
    data: UnreadCount


@with_config(Closed)
class NotificationSettings(TypedDict):
    follow: bool
    like: bool
    retweet: bool
    quote: bool
    reply: bool
    mention: bool


@with_config(Closed)
class NotificationSettingsResponse(TypedDict):
    data: NotificationSettings


@with_config(Closed)
class PushSubscribed(TypedDict):
    subscribed: bool


@with_config(Closed)
class PushSubscribedResponse(TypedDict):
    data: PushSubscribed


@with_config(Closed)
class PushKey(TypedDict):
    application_server_key: Annotated[
        str, Field(description="the VAPID public key, base64url: pass it to pushManager.subscribe()")
    ]


@with_config(Closed)
class PushKeyResponse(TypedDict):
    data: PushKey


# ---------------------------------------------------------------- accounts and tokens


@with_config(Closed)
class TokenResponse(TypedDict):
    """An OAuth 2-style token response."""

    access_token: Annotated[str, Field(description="an HS256 JWT; send it as `Authorization: Bearer ...`")]
    refresh_token: NotRequired[
        Annotated[
            str,
            Field(
                description="opaque; single use: /api/auth/refresh rotates it. Absent when the request asked for the"
                " cookie transport (X-Chirp-Token-Transport: cookie): it is then in the chirp_refresh HttpOnly cookie"
            ),
        ]
    ]
    token_type: Literal["Bearer"]
    expires_in: Annotated[int, Field(description="seconds until the access token expires")]


@with_config(Closed)
class Registered(TypedDict):
    data: User
    token: TokenResponse


class DeletionState(TypedDict):
    id: Annotated[str, Field(description="the deleted account's id")]
    state: Literal["erasing"]


class AccountDeleted(TypedDict):
    """The account is deleted: its data is being erased (README: Account deletion)."""

    data: DeletionState


# ---------------------------------------------------------------- service and errors


@with_config(Closed)
class Health(TypedDict):
    status: Literal["ok"]


OpenApiDocument = dict[str, Any]


@with_config(Closed)
class ErrorDetail(TypedDict):
    code: Annotated[str, Field(description="stable, machine-readable: not_found, invalid_input, ...")]
    message: Annotated[str, Field(description="for people: names the field and the rule broken")]


@with_config(Closed)
class ErrorResponse(TypedDict):
    error: ErrorDetail


# ---------------------------------------------------------------- who to follow


@with_config(Closed)
class SuggestedUser(User):
    """An account to follow: a user as every list shows it, with those of the caller's follows that follow it
    ("followed by ada and 3 others")."""

    followed_by: Annotated[
        list[TweetAuthor], Field(description="at most two of the accounts the caller follows that follow this one")
    ]
    followed_by_count: Annotated[
        int, Field(ge=0, description="how many of the accounts the caller follows follow this one (0: a popular one)")
    ]


@with_config(Closed)
class SuggestionsResponse(TypedDict):
    data: Annotated[list[SuggestedUser], Field(description="best first: at most `limit` (1-50, default 20)")]


# ---------------------------------------------------------------- trends


@with_config(Closed)
class Trend(TypedDict):
    """A hashtag whose use by distinct authors in the last hour rises most over its own baseline."""

    tag: Annotated[str, Field(description="the hashtag as counted: case-folded (NFKC), without its #")]
    name: Annotated[str, Field(description="the hashtag as its first author of the hour typed it, with its #")]
    count: Annotated[int, Field(ge=0, description="distinct authors in the last hour (estimated from hourly counts)")]
    score: Annotated[float, Field(ge=0, description="how far the tag rose over its baseline; decays once it stops")]
    series: Annotated[
        list[int],
        Field(description="distinct authors per hour over the last 24 hours, oldest first, this hour so far last"),
    ]


@with_config(Closed)
class TrendsMeta(TypedDict):
    as_of: Annotated[Timestamp | None, Field(description="when the list was computed; null before its first run")]


@with_config(Closed)
class TrendsResponse(TypedDict):
    data: Annotated[list[Trend], Field(description="best first")]
    meta: TrendsMeta


# ---------------------------------------------------------------- media

MediaState = Literal["processing", "ready", "failed"]


@with_config(Closed)
class MediaVariant(TypedDict):
    """One file the media is served as: an immutable URL (cached a year)."""

    name: Annotated[
        str,
        Field(
            description="thumb (150x150), small (680), medium (1200), large (2048 on the long edge) for a photo; "
            "thumb, poster and video (MP4) for a GIF or a video"
        ),
    ]
    url: str
    content_type: str
    width: int
    height: int


@with_config(Closed)
class Media(TypedDict):
    """A media, after Twitter API v2's media object."""

    media_key: Annotated[str, Field(description="3_<id> for a photo, 16_<id> for a GIF, 7_<id> for a video")]
    type: Literal["photo", "animated_gif", "video"]
    url: Annotated[
        str | None,
        Field(description="a photo's medium variant (or its largest); a GIF's or a video's MP4; null until ready"),
    ]
    preview_image_url: Annotated[
        str | None, Field(description="a photo's thumb; a GIF's or a video's poster; null until ready")
    ]
    width: Annotated[int | None, Field(description="in pixels, as displayed; null until ready")]
    height: Annotated[int | None, Field(description="in pixels, as displayed; null until ready")]
    duration_ms: Annotated[int | None, Field(description="a GIF's or a video's; null for a photo and until ready")]
    alt_text: Annotated[str, Field(description='"" when none was given')]
    variants: Annotated[list[MediaVariant], Field(description="empty until ready")]


@with_config(Closed)
class OwnMedia(Media):
    """A media as its owner follows it before posting it."""

    media_id: Id
    state: Annotated[
        MediaState,
        Field(description="processing (waiting for its upload, or being processed), then ready or failed"),
    ]
    reason: NotRequired[Annotated[str, Field(description="why it failed, for people (failed only)")]]


@with_config(Closed)
class MediaResponse(TypedDict):
    data: OwnMedia


@with_config(Closed)
class PresignedUpload(TypedDict):
    """A presigned S3 POST: send a multipart/form-data POST to `url` with every field of `fields`, then the
    file last, as the field `file`."""

    url: str
    fields: Annotated[dict[str, str], Field(description="form fields to send as they are, before the file")]
    expires_at: Annotated[Timestamp, Field(description="S3 refuses the POST after this")]


@with_config(Closed)
class CreatedUpload(TypedDict):
    media_id: Id
    media_key: str
    state: Literal["processing"]
    expires_after_secs: Annotated[int, Field(description="the media is forgotten this long after, unless attached")]
    upload: PresignedUpload


@with_config(Closed)
class UploadResponse(TypedDict):
    data: CreatedUpload


@with_config(Closed)
class Includes(TypedDict):
    """What an answer's tweets refer to, each once (Twitter API v2's `includes`); present when there is any."""

    media: Annotated[list[Media], Field(description="the media of the answer's tweets (their attachments.media_keys)")]


# ---------------------------------------------------------------- reports and moderation


@with_config(Closed)
class ReportTarget(TypedDict):
    type: Literal["tweet", "user"]
    id: Id


@with_config(Closed)
class Report(TypedDict):
    id: Id
    target: ReportTarget
    reason: Annotated[str, Field(description="one of the reasons POST /api/reports accepts")]
    comment: str
    state: Literal["open", "resolved"]
    created_at: Timestamp
    action: Annotated[
        Literal["dismiss", "remove_tweet", "suspend_user"] | None, Field(description="how it was resolved; null: open")
    ]


@with_config(Closed)
class ModeratedReport(Report):
    """A report as moderators see it: who filed it, whom it is about, who resolved it."""

    reporter_id: Id
    target_author_id: Annotated[str, Field(description="the reported user, or the reported tweet's author")]
    resolved_by: Id | None
    resolved_at: Timestamp | None


@with_config(Closed)
class ReportFiled(TypedDict):
    created: Annotated[bool, Field(description="false: the caller's open report of the same target, answered again")]


@with_config(Closed)
class ReportResponse(TypedDict):
    data: Report
    meta: ReportFiled


@with_config(Closed)
class ModeratedReportResponse(TypedDict):
    data: ModeratedReport


@with_config(Closed)
class ReportPage(TypedDict):
    data: list[ModeratedReport]
    meta: PageMeta


# ---------------------------------------------------------------- data export


@with_config(Closed)
class Export(TypedDict):
    state: Annotated[
        Literal["pending", "ready", "failed"],
        Field(description="failed: not built within an hour of the request; ask again"),
    ]
    requested_at: Timestamp
    completed_at: Timestamp | None
    expires_at: Annotated[Timestamp, Field(description="when the archive is deleted: 7 days after the request")]
    size_bytes: Annotated[int | None, Field(description="the ZIP's size, once ready")]
    download_url: Annotated[str | None, Field(description="a presigned GET of the ZIP, valid 15 minutes, once ready")]


@with_config(Closed)
class ExportResponse(TypedDict):
    data: Export
