"""PynamoDB models of Chirp's tables. Table names come from settings at bind time."""

from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    JSONAttribute,
    ListAttribute,
    NumberAttribute,
    NumberSetAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, KeysOnlyProjection, LocalSecondaryIndex
from pynamodb.models import Model

USER_PREFIX = "USER#"
USERNAME_PREFIX = "USERNAME#"
EMAIL_PREFIX = "EMAIL#"
REFRESH_PREFIX = "REFRESH#"
FAMILY_PREFIX = "FAMILY#"


class ErasingIndex(GlobalSecondaryIndex["UserItem"]):
    """The accounts being erased (sparse: only their items carry `erasing`), for the erasure's sweeper."""

    class Meta:
        index_name = "erasing_index"
        projection = KeysOnlyProjection()

    erasing = NumberAttribute(hash_key=True)
    pk = UnicodeAttribute(range_key=True)


class UserItem(Model):
    """pk = USER#<id>: a user's profile, credentials and exact counters."""

    class Meta:
        table_name = ""

    pk = UnicodeAttribute(hash_key=True)
    user_id = NumberAttribute()
    username = UnicodeAttribute()
    email = UnicodeAttribute()
    password_hash = UnicodeAttribute()
    name = UnicodeAttribute()
    description = UnicodeAttribute(null=True)
    location = UnicodeAttribute(null=True)
    url = UnicodeAttribute(null=True)
    created_at_ms = NumberAttribute()
    followers_count = NumberAttribute(default=0)
    following_count = NumberAttribute(default=0)
    tweet_count = NumberAttribute(default=0)
    # How many tweets the user has liked: counted by the engagement counter function (absent: none).
    like_count = NumberAttribute(null=True)
    # Set by the fan-out function when followers_count crosses the celebrity threshold.
    celebrity = BooleanAttribute(null=True)
    # The avatar and the banner: each one's media item (attached to the profile) and the key of the variant
    # shown; absent: none.
    avatar_media_id = NumberAttribute(null=True)
    avatar_key = UnicodeAttribute(null=True)
    banner_media_id = NumberAttribute(null=True)
    banner_key = UnicodeAttribute(null=True)
    # The token version (chirp.auth.revocation): ADDed 1 by a password change and by a suspension; absent: 0.
    token_version = NumberAttribute(null=True)
    # Set only by the operator command (infra/moderation.py); absent: not a moderator.
    moderator = BooleanAttribute(null=True)
    # When a moderator suspended the account; absent: not suspended.
    suspended_at_ms = NumberAttribute(null=True)
    # When its owner deleted the account (`DELETE /api/users/me`); absent: not deleted. While it is set, the
    # account's data is being erased (chirp.erasure): `erasing` (always 1) keys the sparse `erasing_index` the
    # erasure's sweeper reads, `erasure_phase` / `erasure_cursor` say how far it got, `erasure_lease_until_ms`
    # until when a worker holds it.
    deleted_at_ms = NumberAttribute(null=True)
    erasing = NumberAttribute(null=True)
    erasure_phase = UnicodeAttribute(null=True)
    erasure_cursor = UnicodeAttribute(null=True)
    erasure_lease_until_ms = NumberAttribute(null=True)
    erasing_index = ErasingIndex()


class HandleClaim(Model):
    """pk = USERNAME#<lowercase> or EMAIL#<lowercase>: who holds a unique handle. A deleted account's username
    stays claimed by nobody (no `user_id`) until `expires_at` (epoch seconds, the table's TTL): the grace period
    in which nobody can take it over (chirp.erasure)."""

    class Meta:
        table_name = ""

    pk = UnicodeAttribute(hash_key=True)
    user_id = NumberAttribute(null=True)
    expires_at = NumberAttribute(null=True)


class PostClaimItem(Model):
    """id = TWEET#<author>#<Idempotency-Key>, in the IdempotencyTable beside Powertools' records (whose ids are
    `<function>.<route>#<hash>`): the tweet a post with that key made, written in the posting transaction itself,
    so a retry that runs the view again (its Powertools record expired with a sandbox killed mid-request) finds the
    tweet instead of making a second one. Expires with the key (`expires_at`, the table's TTL)."""

    class Meta:
        table_name = ""

    id = UnicodeAttribute(hash_key=True)
    tweet_id = NumberAttribute()
    expires_at = NumberAttribute()


class AuthorIndex(GlobalSecondaryIndex["TweetItem"]):
    class Meta:
        index_name = "author_index"
        projection = AllProjection()

    author_id = NumberAttribute(hash_key=True)
    tweet_id = NumberAttribute(range_key=True)


class TweetItem(Model):
    class Meta:
        table_name = ""

    tweet_id = NumberAttribute(hash_key=True)
    author_id = NumberAttribute()
    text = UnicodeAttribute()
    entities = JSONAttribute()
    # Engagement counters, absent until first counted (a page reads up to a hundred tweets: fewer
    # attributes to parse); an absent counter is 0, and ADD starts it from there.
    like_count = NumberAttribute(null=True)
    retweet_count = NumberAttribute(null=True)
    reply_count = NumberAttribute(null=True)
    quote_count = NumberAttribute(null=True)
    # What the tweet refers to; absent for a plain tweet. A retweet is a tweet of its own with no text.
    retweet_of = NumberAttribute(null=True)
    retweet_of_author = NumberAttribute(null=True)
    quoted_tweet_id = NumberAttribute(null=True)
    quoted_author_id = NumberAttribute(null=True)
    in_reply_to_tweet_id = NumberAttribute(null=True)
    in_reply_to_user_id = NumberAttribute(null=True)
    # The thread's root (absent: the tweet is a root), and a reply's ancestors, root first, parent last
    # (at most MAX_ANCESTORS: the root and the nearest ones).
    conversation_id = NumberAttribute(null=True)
    ancestors = ListAttribute(of=NumberAttribute, null=True)
    # The media it carries, as a page shows them: one compact JSON string (chirp.adapters.dynamodb.tweet_items),
    # parsed in one piece; absent for a tweet without media.
    media = UnicodeAttribute(null=True)
    by_author = AuthorIndex()


# The highest sort key a partition can hold: above every Snowflake id (ids are below 2**63).
TOP_OF_PARTITION = 2**63 - 1


class AuthorTweetItem(Model):
    """(author_id, tweet_id): which tweets of an author exist, readable with a consistent Query."""

    class Meta:
        table_name = ""

    author_id = NumberAttribute(hash_key=True)
    tweet_id = NumberAttribute(range_key=True)


class RecentTweetsItem(Model):
    """tweet_id = TOP_OF_PARTITION of an author's partition: the author's newest tweets as a page
    shows them, one attribute each (`recent_attribute`: top-level, so a transaction can add one to
    an item that does not exist yet), written in the tweets' own transactions, so a consistent read
    is exact; trimmed by the fan-out function. `has_older`: tweets were trimmed away below them.
    A home-timeline read gets the items of every celebrity it follows in one BatchGetItem."""

    class Meta:
        table_name = ""

    author_id = NumberAttribute(hash_key=True)
    tweet_id = NumberAttribute(range_key=True, default=TOP_OF_PARTITION)
    has_older = BooleanAttribute(null=True)
    # About how many tweets the item holds: each post adds 1, a trim sets it (deletes leave it, so it
    # may run high). A post finding it at RECENT_TWEETS_HARD_LIMIT trims the item first.
    kept = NumberAttribute(null=True)
    # About how many bytes they take, the same way (chirp.adapters.dynamodb.tweets.recent_bytes): a post that
    # would take it past RECENT_TWEETS_BYTES_LIMIT trims the item first.
    kept_bytes = NumberAttribute(null=True)


RECENT_PREFIX = "t:"
# Beside each kept tweet, its counts (the counter function adds to them in the same transactions as to the
# tweet's own): `l:<id>` likes, `r:<id>` retweets, `p:<id>` replies, `q:<id>` quotes; absent: 0.
COUNT_PREFIXES = {"like_count": "l:", "retweet_count": "r:", "reply_count": "p:", "quote_count": "q:"}
# The most tweets an item may hold before a post trims it itself (the fan-out function normally
# trims it at 30).
RECENT_TWEETS_HARD_LIMIT = 100
# DynamoDB caps an item at 400 KB, and one tweet may take ~25 KB of it (4,000 characters of long URLs and their
# entities; four photos, each with 1,000 characters of alt text): the item is bounded in bytes too. A post that
# would take it past the limit trims it first; a trim keeps the newest tweets that fit in RECENT_TWEETS_BYTES_KEPT
# (and trims whenever they take more), so a page still reads a heavy author's newest tweets from it.
RECENT_TWEETS_BYTES_LIMIT = 300_000
RECENT_TWEETS_BYTES_KEPT = 150_000


def recent_attribute(tweet_id: int) -> str:
    return f"{RECENT_PREFIX}{tweet_id}"


class FollowersByTimeIndex(GlobalSecondaryIndex["FollowItem"]):
    """Who follows X, newest follow first."""

    class Meta:
        index_name = "followers_by_time_index"
        projection = KeysOnlyProjection()

    followee_id = NumberAttribute(hash_key=True)
    follow_id = NumberAttribute(range_key=True)


class FollowingByTimeIndex(GlobalSecondaryIndex["FollowItem"]):
    """Whom X follows, newest follow first."""

    class Meta:
        index_name = "following_by_time_index"
        projection = KeysOnlyProjection()

    follower_id = NumberAttribute(hash_key=True)
    follow_id = NumberAttribute(range_key=True)


class FollowItem(Model):
    """One follow edge: follower_id follows followee_id."""

    class Meta:
        table_name = ""

    follower_id = NumberAttribute(hash_key=True)
    followee_id = NumberAttribute(range_key=True)
    # A Snowflake id minted when the follow happened: orders the lists, and serves as their cursor.
    follow_id = NumberAttribute()
    followers = FollowersByTimeIndex()
    following = FollowingByTimeIndex()


# The owner's activity record sits above every entry: the first page's Query returns it.
ACTIVITY_ENTRY_ID = TOP_OF_PARTITION


class TimelineItem(Model):
    """One home-timeline entry of `owner_id`, ordered by `entry_id` (the owner's activity record
    is at ACTIVITY_ENTRY_ID, above every real entry)."""

    class Meta:
        table_name = ""

    owner_id = NumberAttribute(hash_key=True)
    entry_id = NumberAttribute(range_key=True)
    tweet_id = NumberAttribute()
    author_id = NumberAttribute()
    via_id = NumberAttribute(null=True)
    # A quote's quoted tweet and its author: read with the page's tweets, in the same call.
    quoted_id = NumberAttribute(null=True)
    quoted_author_id = NumberAttribute(null=True)
    expires_at = NumberAttribute()


class TimelineActivityItem(Model):
    """entry_id = ACTIVITY_ENTRY_ID: when the owner last read their home timeline and when it was rebuilt."""

    class Meta:
        table_name = ""

    owner_id = NumberAttribute(hash_key=True)
    entry_id = NumberAttribute(range_key=True, default=ACTIVITY_ENTRY_ID)
    # Absent until the owner first reads (the record may exist before, for `pulls`).
    last_seen_ms = NumberAttribute(null=True)
    rebuilt_at_ms = NumberAttribute(null=True)
    # The celebrities the owner follows (hybrid): their tweets are pulled at read time.
    pulls = NumberSetAttribute(null=True)
    # The authors of whom the owner liked or retweeted something, so has a summary of (EngagementSummaryItem):
    # a home page reads the summaries of those of its authors only.
    engaged = NumberSetAttribute(null=True)
    # Whom the owner blocks, who blocks the owner, whom it mutes and the words it mutes: copies of the
    # relations table (chirp.adapters.dynamodb.relations), written in the same transactions, so a home
    # read filters them with the record it reads anyway.
    blocked = NumberSetAttribute(null=True)
    blocked_by = NumberSetAttribute(null=True)
    muted = NumberSetAttribute(null=True)
    muted_words = UnicodeSetAttribute(null=True)


class RefreshTokenItem(Model):
    """pk = REFRESH#<sha256 of the token>. `spent_at_ms` is set once it has been rotated."""

    class Meta:
        table_name = ""

    pk = UnicodeAttribute(hash_key=True)
    user_id = NumberAttribute()
    family_id = UnicodeAttribute()
    spent_at_ms = NumberAttribute(null=True)
    expires_at = NumberAttribute()
    # The user's token version when the family was started (carried to each successor); a refresh under an
    # older version than the user's is refused (chirp.auth.revocation). Absent: 0.
    token_version = NumberAttribute(null=True)


class TokenFamilyItem(Model):
    """pk = FAMILY#<id>: one login's chain of refresh tokens; revoking it ends them all."""

    class Meta:
        table_name = ""

    pk = UnicodeAttribute(hash_key=True)
    user_id = NumberAttribute()
    revoked_at_ms = NumberAttribute(null=True)
    expires_at = NumberAttribute()


# ---------------------------------------------------------------------- engagements
LIKE = "L#"
RETWEET = "R#"
REPLY = "P#"
QUOTE = "Q#"
SUMMARY = "A#"


class ByTargetIndex(GlobalSecondaryIndex["EngagementItem"]):
    """Who liked or retweeted a tweet, and its replies and quotes, newest first (`target`: kind + tweet id)."""

    class Meta:
        index_name = "by_target_index"
        projection = KeysOnlyProjection()

    target = UnicodeAttribute(hash_key=True)
    edge_id = NumberAttribute(range_key=True)


class ByActorIndex(GlobalSecondaryIndex["EngagementItem"]):
    """What a user liked, newest like first (`actor`: L# + user id)."""

    class Meta:
        index_name = "by_actor_index"
        projection = KeysOnlyProjection()

    actor = UnicodeAttribute(hash_key=True)
    edge_id = NumberAttribute(range_key=True)


class EngagementItem(Model):
    """One engagement of `user_id` with a tweet. `edge`: L#<tweet> (a like), R#<tweet> (a retweet: one
    per user and tweet), P#<reply> (a reply the user posted), Q#<quote> (a quote the user posted).
    `tweet_id` is the tweet engaged with and `author_id` its author; `edge_id` orders the lists: the
    like's own id, or the retweet's, reply's or quote's tweet id. Written in the same transactions as
    what they record; the counter function counts them from this table's stream."""

    class Meta:
        table_name = ""

    user_id = NumberAttribute(hash_key=True)
    edge = UnicodeAttribute(range_key=True)
    tweet_id = NumberAttribute()
    author_id = NumberAttribute()
    edge_id = NumberAttribute()
    target = UnicodeAttribute(null=True)
    actor = UnicodeAttribute(null=True)
    by_target = ByTargetIndex()
    by_actor = ByActorIndex()


class EngagementSummaryItem(Model):
    """edge = A#<author>: the tweets of `author` that `user_id` has liked and retweeted, so that a page
    reads a viewer's flags for every tweet of an author with one key it knows before it has the tweets
    (a celebrity's, pulled at read time). The largest ids are kept (SUMMARY_KEPT of the two sets together,
    trimmed past SUMMARY_LIMIT); `complete_from`: the sets are exact for tweet ids from there up (0: for all)."""

    class Meta:
        table_name = ""

    user_id = NumberAttribute(hash_key=True)
    edge = UnicodeAttribute(range_key=True)
    liked = NumberSetAttribute(null=True)
    retweeted = NumberSetAttribute(null=True)
    # How many ids the sets were given (a removal does not count down, so it may run high): the trigger of
    # a trim, which recounts it.
    kept = NumberAttribute(null=True)
    complete_from = NumberAttribute(null=True)


SUMMARY_KEPT = 200
SUMMARY_LIMIT = 250


class CountedRecordItem(Model):
    """An engagement stream record the counter function has counted (its eventID), written in the same
    transaction as the counts it moved: a record delivered again is never counted twice."""

    class Meta:
        table_name = ""

    event_id = UnicodeAttribute(hash_key=True)
    expires_at = NumberAttribute()


# A stream keeps a record for 24 hours: after two days it can no longer be delivered again.
COUNTED_RECORD_TTL_SECONDS = 2 * 86_400


# ---------------------------------------------------------------------- notifications
class BySortIndex(LocalSecondaryIndex["NotificationItem"]):
    """A user's notifications, latest change first (only notifications carry `sort_id`)."""

    class Meta:
        index_name = "by_sort_index"
        projection = AllProjection()

    user_id = NumberAttribute(hash_key=True)
    sort_id = NumberAttribute(range_key=True)


class NotificationItem(Model):
    """key = <kind>-<tweet>-<window> (likes, retweets), follow-<window>, tweet-<tweet> (a reply, a quote, a
    mention): one notification. `actors`: the most recent first, at most ACTORS_KEPT."""

    class Meta:
        table_name = ""

    user_id = NumberAttribute(hash_key=True)
    key = UnicodeAttribute(range_key=True)
    kind = UnicodeAttribute()
    sort_id = NumberAttribute()
    # How many actors it counts (`count` is a Model method).
    actor_count = NumberAttribute(default=0)
    actors = ListAttribute(of=NumberAttribute, null=True)
    tweet_id = NumberAttribute(null=True)
    about_tweet_id = NumberAttribute(null=True)
    expires_at = NumberAttribute()
    by_sort = BySortIndex()


class NotificationMarkerItem(Model):
    """key = <notification key>@<actor>: the actor is counted on that notification (written in the same
    transaction), so a redelivered event or a like-unlike-like counts nothing twice. Expires after its window."""

    class Meta:
        table_name = ""

    user_id = NumberAttribute(hash_key=True)
    key = UnicodeAttribute(range_key=True)
    expires_at = NumberAttribute()


class NotificationStateItem(Model):
    """key = #state: the user's read mark and the kinds it switched off."""

    class Meta:
        table_name = ""

    user_id = NumberAttribute(hash_key=True)
    key = UnicodeAttribute(range_key=True)
    read_mark = NumberAttribute(null=True)
    switched_off = UnicodeSetAttribute(null=True)


class PushSubscriptionItem(Model):
    """key = push#<sha-256 of the endpoint>: one browser's Web Push subscription."""

    class Meta:
        table_name = ""

    user_id = NumberAttribute(hash_key=True)
    key = UnicodeAttribute(range_key=True)
    endpoint = UnicodeAttribute()
    p256dh = UnicodeAttribute()
    auth = UnicodeAttribute()


NOTIFICATION_TTL_SECONDS = 90 * 86_400
STATE_KEY = "#state"
PUSH_PREFIX = "push#"
MARKER_SEPARATOR = "@"


# ---------------------------------------------------------------------- live connections
class LivePresenceItem(Model):
    """pk = USER#<id>: the user's open WebSocket connections, one attribute per connection (`c:<id>`,
    its expiry in epoch seconds), so one BatchGetItem tells who of a hundred owners is online."""

    class Meta:
        table_name = ""

    pk = UnicodeAttribute(hash_key=True)
    expires_at = NumberAttribute(null=True)


class LiveConnectionItem(Model):
    """pk = CONN#<connection id>: whose connection it is ($disconnect is told only the connection id)."""

    class Meta:
        table_name = ""

    pk = UnicodeAttribute(hash_key=True)
    user_id = NumberAttribute()
    expires_at = NumberAttribute()


CONNECTION_PREFIX = "CONN#"
CONNECTION_ATTRIBUTE_PREFIX = "c:"
# API Gateway closes a WebSocket connection after two hours, whatever happens on it.
CONNECTION_LIFETIME_SECONDS = 2 * 3600
