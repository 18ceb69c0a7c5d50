"""What each change upstream asks of whose home timelines: the fan-out function's logic.

Each function reads what it must and publishes `TimelineChange`s for the writer; none
writes timeline entries itself, so every timeline write goes through one idempotent path.
"""

from __future__ import annotations

from dataclasses import replace

from chirp.pages import PageRequest
from chirp.timelines import changes
from chirp.timelines.changes import ChangePublisher
from chirp.timelines.models import Strategy, TimelineEntry
from chirp.timelines.settings import TimelineSettings
from chirp.timelines.stores import TimelineStores
from chirp.users.models import User


def is_fanned_out(author: User, settings: TimelineSettings) -> bool:
    strategy = settings.timeline_strategy
    return strategy is Strategy.PUSH or (strategy is Strategy.HYBRID and not author.celebrity)


def fan_out_posted(
    stores: TimelineStores, publisher: ChangePublisher, settings: TimelineSettings, entry: TimelineEntry
) -> int:
    """Push a new entry to every follower of whoever brought it (its author; a retweet's retweeter),
    unless that user is pulled: O(1) for a celebrity.

    The bringer's own timeline (which has the entry already, from the posting transaction) gets it
    once more, so that the writer keeps that timeline trimmed like any other. The bringer's
    recent-tweets item (which the posting transaction added the tweet to) is trimmed here too."""
    stores.tweets.trim_recent(entry.bringer, settings.recent_tweets_kept, settings.recent_tweets_slack)
    author = stores.users.get(entry.bringer)
    if author is None or settings.timeline_strategy is Strategy.PULL:
        return 0
    batches = [changes.add([author.id], [entry])]
    if is_fanned_out(author, settings):
        batches += [
            changes.add(followers, [entry])
            for followers in stores.follows.follower_id_chunks(author.id, settings.fanout_owners_per_message)
        ]
    publisher.publish(batches)
    return len(batches)


def fan_out_deleted(
    stores: TimelineStores, publisher: ChangePublisher, settings: TimelineSettings, entry: TimelineEntry
) -> int:
    """Remove a deleted entry (a tweet, or a retweet: `entry.entry_id` is its id) from the followers'
    timelines it was pushed to. Readers never see it meanwhile: a page's tweets (a pushed retweet's
    too) are read back consistently and entries whose tweet is missing are dropped."""
    author = stores.users.get(entry.bringer)
    if author is None or settings.timeline_strategy is Strategy.PULL:
        return 0
    # The bringer's own timeline first: its copy from fan_out_posted may have landed after the delete.
    batches = [changes.remove([author.id], [entry.entry_id])]
    if is_fanned_out(author, settings):
        batches += [
            changes.remove(followers, [entry.entry_id])
            for followers in stores.follows.follower_id_chunks(author.id, settings.fanout_owners_per_message)
        ]
    publisher.publish(batches)
    return len(batches)


def on_followed(
    stores: TimelineStores, publisher: ChangePublisher, settings: TimelineSettings, follower_id: int, followee_id: int
) -> None:
    """Bring the followee's recent tweets into the follower's timeline, or (a celebrity) add it to
    the follower's pulls. A follow that takes the followee to the threshold promotes it first."""
    followee = stores.users.get(followee_id)
    if followee is None or settings.timeline_strategy is Strategy.PULL:
        return
    followee = review_celebrity(stores, publisher, settings, followee)
    if not is_fanned_out(followee, settings):
        stores.timelines.start_pulling([follower_id], followee_id)
        return
    recent = stores.tweets.by_author(followee_id, PageRequest(limit=settings.timeline_backfill_per_author)).items
    if recent:
        publisher.publish([changes.add([follower_id], [TimelineEntry.for_tweet(tweet) for tweet in recent])])


def on_unfollowed(
    stores: TimelineStores, publisher: ChangePublisher, settings: TimelineSettings, follower_id: int, followee_id: int
) -> None:
    """Take the followee's entries out of the follower's timeline; an unfollow that takes a celebrity
    below the floor demotes it."""
    if settings.timeline_strategy is Strategy.PULL:
        return
    publisher.publish([changes.remove_author(follower_id, followee_id)])
    followee = stores.users.get(followee_id)
    if followee is not None:
        review_celebrity(stores, publisher, settings, followee)


def review_celebrity(
    stores: TimelineStores, publisher: ChangePublisher, settings: TimelineSettings, user: User
) -> User:
    """The user as it stands once promoted or demoted if its follower count (read after the follow
    or unfollow that changed it) asks for it."""
    outcome = on_follower_count(
        stores,
        publisher,
        settings,
        user_id=user.id,
        followers_count=user.metrics.followers_count,
        celebrity=user.celebrity,
    )
    return replace(user, celebrity=outcome == "promoted") if outcome else user


def on_follower_count(
    stores: TimelineStores,
    publisher: ChangePublisher,
    settings: TimelineSettings,
    *,
    user_id: int,
    followers_count: int,
    celebrity: bool,
) -> str | None:
    """Promote an author to celebrity at the threshold, demote below the lower floor (hysteresis,
    so an author near the threshold does not flap). Returns "promoted", "demoted" or None.

    Promotion: the flag stops fan-out at once; adding the author to its followers' pulls (so they
    pull its tweets at read time) follows through the queue. Demotion: the flag restarts fan-out at
    once; the author's recent tweets are pushed to the followers, then it leaves their pulls.
    Readers dedupe the overlap."""
    if settings.timeline_strategy is not Strategy.HYBRID:
        return None
    size = settings.fanout_owners_per_message
    if not celebrity and followers_count >= settings.celebrity_threshold:
        batches = [
            changes.mark_celebrity(chunk, user_id, True) for chunk in stores.follows.follower_id_chunks(user_id, size)
        ]
        publisher.publish(batches)
        stores.users.set_celebrity(user_id, True)
        return "promoted"
    if celebrity and followers_count < settings.celebrity_floor:
        stores.users.set_celebrity(user_id, False)
        recent = stores.tweets.by_author(user_id, PageRequest(limit=settings.timeline_backfill_per_author)).items
        entries = [TimelineEntry.for_tweet(tweet) for tweet in recent]
        batches = []
        for chunk in stores.follows.follower_id_chunks(user_id, size):
            if entries:
                batches.append(changes.add(chunk, entries))
            batches.append(changes.mark_celebrity(chunk, user_id, False))
        publisher.publish(batches)
        return "demoted"
    return None
