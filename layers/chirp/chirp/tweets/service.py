"""Posting (tweets, replies, quotes), retweeting, reading and deleting tweets, and the user timeline.

A retweet is a tweet of its own (no text) that names the original; retweeting, liking, replying to or
quoting a retweet acts on its original, as on Twitter. A retweet carries no media of its own (its original's
show with it); a tweet, a reply or a quote may carry media: only `ready` media (chirp.media.attaching), so a
tweet never shows an upload that might still fail; a client polls GET /api/media/{id} before posting.
"""

from __future__ import annotations

from dataclasses import replace

from chirp.engagements.repository import EngagementRepository
from chirp.errors import Forbidden, NotFound
from chirp.ids import id_timestamp_ms, minted, parse_id
from chirp.media.attaching import attachable
from chirp.media.models import Attachment, Media, Purpose
from chirp.media.repository import MediaRepository
from chirp.pages import Page, PageRequest
from chirp.relations.repository import RelationRepository
from chirp.relations.service import hidden_from_viewer, hide_from_viewer, refuse_if_blocked
from chirp.tweets.inputs import MediaDraft, TweetDraft
from chirp.tweets.media_rules import FIELD, check_media_mix, tweet_text
from chirp.tweets.models import MAX_ANCESTORS, Tweet
from chirp.tweets.repository import AlreadyRetweeted, PostedBefore, TweetRepository
from chirp.tweets.shown import ShownTweet, show
from chirp.users.repository import UserRepository


def post_tweet(
    tweets: TweetRepository,
    users: UserRepository,
    media: MediaRepository,
    author_id: int,
    draft: TweetDraft,
    *,
    relations: RelationRepository,
    idempotency_key: str | None = None,
) -> Tweet:
    """A tweet, a reply (`draft.reply`) or a quote (`draft.quote_tweet_id`), or both, with its media
    (`draft.media`). With the request's `idempotency_key`, the tweet an earlier post with that key made, if any,
    rather than a second one. NotFound if what it replies to or quotes does not exist (or is deleted meanwhile:
    the write checks it again) or its author blocks the author; Forbidden if the author blocks its author; the
    media errors of chirp.media.attaching and chirp.tweets.media_rules (a media item taken by a concurrent tweet
    meanwhile: MediaAttachedElsewhere, from the write)."""
    refers = draft.reply is not None or draft.quote_tweet_id is not None
    hidden = hidden_from_viewer(relations, author_id if refers else None)
    parsed = tweet_text(draft.text, carries_media=draft.media is not None)
    carried = tweet_media(media, author_id, draft.media)
    tweet = Tweet(
        id=0,  # minted as it is written (`created`)
        author_id=author_id,
        text=parsed.text,
        created_at_ms=0,
        entities=with_mentioned_ids(users, parsed.entities.as_dict()),
        media=carried,
    )
    if draft.reply is not None:
        parent = original(tweets, parse_id(draft.reply.in_reply_to_tweet_id, "reply.in_reply_to_tweet_id"))
        refuse_if_blocked(hidden.result(), parent.author_id, f"tweet {parent.id} does not exist")
        tweet = replace(
            tweet,
            in_reply_to_tweet_id=parent.id,
            in_reply_to_user_id=parent.author_id,
            root_id=parent.conversation_id,
            ancestors=ancestors_of_reply_to(parent),
        )
    if draft.quote_tweet_id is not None:
        quoted = original(tweets, parse_id(draft.quote_tweet_id, "quote_tweet_id"))
        refuse_if_blocked(hidden.result(), quoted.author_id, f"tweet {quoted.id} does not exist")
        tweet = replace(tweet, quoted_tweet_id=quoted.id, quoted_author_id=quoted.author_id)
    try:
        return created(tweets, tweet, idempotency_key)
    except PostedBefore as before:
        return get_tweet(tweets, before.tweet_id)


def created(tweets: TweetRepository, draft: Tweet, idempotency_key: str | None = None) -> Tweet:
    """The tweet written under a newly minted id (its time, its media's attachment), minted again should the id
    be taken already (chirp.ids: a collision refused by the write, never an overwrite). PostedBefore when
    `idempotency_key` was claimed by an earlier post."""

    def write(tweet_id: int) -> Tweet:
        tweet = replace(
            draft,
            id=tweet_id,
            created_at_ms=id_timestamp_ms(tweet_id),
            media=tuple(replace(item, attached_to=Attachment(Purpose.TWEET, tweet_id)) for item in draft.media),
        )
        tweets.create(tweet, idempotency_key)
        return tweet

    return minted(write)


def tweet_media(media: MediaRepository, author_id: int, draft: MediaDraft | None) -> tuple[Media, ...]:
    """The media a draft names, read (one BatchGetItem) and checked: the author's own, ready, attached to
    nothing, and a mix a tweet carries."""
    if draft is None:
        return ()
    wanted = [parse_id(media_id, FIELD) for media_id in draft.media_ids]
    carried = attachable(media.get_many(wanted), wanted, author_id, FIELD)
    check_media_mix(carried)
    return tuple(carried)


def ancestors_of_reply_to(parent: Tweet) -> tuple[int, ...]:
    """A reply's ancestors: its parent's, then the parent; at most MAX_ANCESTORS, the root and the nearest."""
    chain = (*parent.ancestors, parent.id)
    if len(chain) <= MAX_ANCESTORS:
        return chain
    return (chain[0], *chain[len(chain) - MAX_ANCESTORS + 1 :])


def with_mentioned_ids(users: UserRepository, entities: dict[str, list[dict[str, object]]]) -> dict[str, list]:
    """Each mention of an existing user gets its `id` (Twitter API v2's mention entity has it)."""
    mentions = entities.get("mentions", [])
    if not mentions:
        return entities
    ids = users.ids_by_username(str(mention["username"]) for mention in mentions)
    return entities | {
        "mentions": [
            mention | ({"id": str(ids[key])} if (key := str(mention["username"]).lower()) in ids else {})
            for mention in mentions
        ]
    }


def original(tweets: TweetRepository, tweet_id: int) -> Tweet:
    """The tweet, or for a retweet its original; NotFound if either is gone."""
    tweet = get_tweet(tweets, tweet_id)
    if tweet.retweet_of is None:
        return tweet
    return get_tweet(tweets, tweet.retweet_of)


def retweet(tweets: TweetRepository, relations: RelationRepository, user_id: int, tweet_id: int) -> Tweet:
    """The user's retweet of the tweet's original, made now if there is none (one per user and tweet);
    refused across a block (chirp.relations.service.refuse_if_blocked)."""
    hidden = hidden_from_viewer(relations, user_id)
    tweet = original(tweets, tweet_id)
    refuse_if_blocked(hidden.result(), tweet.author_id, f"tweet {tweet_id} does not exist")
    draft = Tweet(
        id=0, author_id=user_id, text="", created_at_ms=0, retweet_of=tweet.id, retweet_of_author=tweet.author_id
    )
    try:
        return created(tweets, draft)
    except AlreadyRetweeted:
        existing = tweets.retweet_of(user_id, tweet.id)
        found = tweets.get(existing) if existing is not None else None
        return found if found is not None else created(tweets, draft)  # undone meanwhile: retweet anew


def unretweet(tweets: TweetRepository, user_id: int, tweet_id: int) -> bool:
    """Undo the user's retweet of the tweet (or of the original of a retweet given); False if there
    was none. A retweet of a deleted original can still be undone."""
    given = tweets.get(tweet_id)
    original_id = given.retweet_of if given is not None and given.retweet_of is not None else tweet_id
    retweet_id = tweets.retweet_of(user_id, original_id)
    found = tweets.get(retweet_id) if retweet_id is not None else None
    if found is None:
        if given is None:
            raise NotFound(f"tweet {tweet_id} does not exist")
        return False
    return tweets.delete(found)


def get_tweet(tweets: TweetRepository, tweet_id: int) -> Tweet:
    tweet = tweets.get(tweet_id)
    if tweet is None:
        raise NotFound(f"tweet {tweet_id} does not exist")
    return tweet


def shown_tweet(
    tweets: TweetRepository,
    users: UserRepository,
    engagements: EngagementRepository,
    relations: RelationRepository,
    *,
    viewer_id: int | None,
    tweet_id: int,
) -> ShownTweet:
    """The tweet as the viewer sees it (a retweet with its original); NotFound if it is gone, or is a
    retweet whose original is gone, or its author (or its original's) blocks the viewer."""
    hidden = hidden_from_viewer(relations, viewer_id)
    tweet = get_tweet(tweets, tweet_id)
    for author_id in (tweet.author_id, tweet.retweet_of_author):
        if author_id is not None:
            hide_from_viewer(hidden.result(), author_id, f"tweet {tweet_id} does not exist")
    shown = show(tweets, users, engagements, viewer_id, [tweet], hidden=hidden.result())
    if not shown:
        raise NotFound(f"tweet {tweet_id} does not exist")
    return shown[0]


def delete_tweet(tweets: TweetRepository, caller_id: int, tweet_id: int) -> None:
    """Delete one of the caller's tweets (a retweet too: that undoes it). Its replies stay."""
    tweet = get_tweet(tweets, tweet_id)
    if tweet.author_id != caller_id:
        raise Forbidden("only its author can delete a tweet")
    if not tweets.delete(tweet):
        raise NotFound(f"tweet {tweet_id} does not exist")


def user_timeline(
    users: UserRepository,
    tweets: TweetRepository,
    engagements: EngagementRepository,
    relations: RelationRepository,
    *,
    viewer_id: int | None,
    user_id: int,
    page: PageRequest,
) -> Page[ShownTweet]:
    """The user's tweets and retweets, newest first, as the viewer sees them (a retweet whose original is
    gone is left out, and one of a user who blocks the viewer); NotFound for a viewer the user blocks."""
    hidden = hidden_from_viewer(relations, viewer_id)
    page_of_tweets = tweets.by_author(user_id, page)
    hide_from_viewer(hidden.result(), user_id, f"user {user_id}'s tweets are not available to you")
    # Only an empty page needs the extra read that tells "no tweets" from "no such user".
    if not page_of_tweets.items and users.get(user_id) is None:
        raise NotFound(f"user {user_id} does not exist")
    blocked_by = hidden.result().blocked_by
    listed = [tweet for tweet in page_of_tweets.items if tweet.retweet_of_author not in blocked_by]
    shown = show(tweets, users, engagements, viewer_id, listed, hidden=hidden.result())
    return Page(items=shown, next_cursor=page_of_tweets.next_cursor)
