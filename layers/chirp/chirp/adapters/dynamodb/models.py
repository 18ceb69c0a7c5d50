"""PynamoDB models of Chirp's tables. Table names come from settings at bind time."""

from __future__ import annotations

from pynamodb.attributes import BooleanAttribute, JSONAttribute, NumberAttribute, NumberSetAttribute, UnicodeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, KeysOnlyProjection
from pynamodb.models import Model

USER_PREFIX = "USER#"
USERNAME_PREFIX = "USERNAME#"
EMAIL_PREFIX = "EMAIL#"
REFRESH_PREFIX = "REFRESH#"
FAMILY_PREFIX = "FAMILY#"


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
    # Set by the fan-out function when followers_count crosses the celebrity threshold.
    celebrity = BooleanAttribute(null=True)


class HandleClaim(Model):
    """pk = USERNAME#<lowercase> or EMAIL#<lowercase>: who holds a unique handle."""

    class Meta:
        table_name = ""

    pk = UnicodeAttribute(hash_key=True)
    user_id = NumberAttribute()


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


RECENT_PREFIX = "t:"
# The most tweets an item may hold before a post trims it itself (the fan-out function normally
# trims it at 30): with the largest tweets (~3 KB each with entities) it stays under 400 KB.
RECENT_TWEETS_HARD_LIMIT = 100


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


class RefreshTokenItem(Model):
    """pk = REFRESH#<sha256 of the token>. `spent_at_ms` is set once it has been rotated."""

    class Meta:
        table_name = ""

    pk = UnicodeAttribute(hash_key=True)
    user_id = NumberAttribute()
    family_id = UnicodeAttribute()
    spent_at_ms = NumberAttribute(null=True)
    expires_at = NumberAttribute()


class TokenFamilyItem(Model):
    """pk = FAMILY#<id>: one login's chain of refresh tokens; revoking it ends them all."""

    class Meta:
        table_name = ""

    pk = UnicodeAttribute(hash_key=True)
    user_id = NumberAttribute()
    revoked_at_ms = NumberAttribute(null=True)
    expires_at = NumberAttribute()
