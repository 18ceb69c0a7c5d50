"""The archive: a ZIP of JSON files holding a user's own data, read through the domain's repositories.

- `profile.json`: the user's profile (the API's user object: avatar and banner URLs included);
- `tweets.json`: every tweet, reply, quote and retweet they posted, newest first, each with its media objects
  (every variant's URL);
- `following.json`, `followers.json`: the users they follow, and who follow them;
- `likes.json`: the tweets they liked (the tweet while it still exists);
- `blocks.json`, `mutes.json`: the users they block, and mute;
- `muted_words.json`: the words and hashtags they mute;
- `README.txt`: this list, for whoever opens the archive.

Tweets and users are in the API's own shapes (`chirp.http.views`: Twitter API v2's objects), so a client that
reads the API reads the archive. Lists are read page by page (100 at a time) but each file is built whole in
memory before it is written: a user's whole data in memory, acceptable for now (a heavy user's tens of thousands
of tweets are tens of MB within the worker's 1 GB); streaming each file's JSON out page by page would bound it.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from chirp.engagements.repository import EngagementRepository
from chirp.follows.repository import FollowRepository
from chirp.http import views
from chirp.ids import iso_timestamp
from chirp.pages import Page, PageRequest, page_request
from chirp.relations.repository import RelationRepository
from chirp.tweets.repository import TweetRepository
from chirp.users.models import User
from chirp.users.repository import UserRepository

PAGE_SIZE = 100
README = """Your Chirp archive, made {made}.

Each file is JSON (UTF-8):

profile.json      your profile
tweets.json       your tweets, replies, quotes and retweets, newest first, with their media (every variant's URL)
following.json    the accounts you follow
followers.json    the accounts that follow you
likes.json        the tweets you liked (the tweet itself while it still exists)
blocks.json       the accounts you block
mutes.json        the accounts you mute
muted_words.json  the words and hashtags you mute

Tweets and users have the shapes the Chirp API answers (Twitter API v2's objects).
Media links point at the media as it is served; they stop working if the media is deleted.
"""


@dataclass(frozen=True)
class ArchiveSources:
    """The repositories an archive is read from."""

    users: UserRepository
    tweets: TweetRepository
    follows: FollowRepository
    engagements: EngagementRepository
    relations: RelationRepository


def write_archive(sources: ArchiveSources, user: User, media_base_url: str, path: str, made_at_ms: int) -> None:
    """Write `user`'s archive to a ZIP file at `path`."""
    files = archive_files(sources, user, media_base_url)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, json.dumps(content, ensure_ascii=False, indent=1))
        archive.writestr("README.txt", README.format(made=iso_timestamp(made_at_ms)))


def archive_files(sources: ArchiveSources, user: User, media_base_url: str) -> dict[str, Any]:
    """Each JSON file's content, by file name."""
    user_id = user.id
    return {
        "profile.json": views.user_json(user, media_base_url),
        "tweets.json": [_tweet_with_media(tweet, media_base_url) for tweet in _all(sources.tweets.by_author, user_id)],
        "following.json": _accounts(sources.users, list(_all(sources.follows.following, user_id))),
        "followers.json": _accounts(sources.users, list(_all(sources.follows.followers, user_id))),
        "likes.json": _likes(sources, list(_all(sources.engagements.liked_tweets, user_id))),
        "blocks.json": _accounts(sources.users, list(_all(sources.relations.blocking, user_id))),
        "mutes.json": _accounts(sources.users, list(_all(sources.relations.muting, user_id))),
        "muted_words.json": sorted(sources.relations.muted_words(user_id)),
    }


def _all[T](read: Callable[[int, PageRequest], Page[T]], user_id: int) -> Iterator[T]:
    """Every item of a paged list, page after page."""
    request = PageRequest(limit=PAGE_SIZE)
    while True:
        page = read(user_id, request)
        yield from page.items
        if page.next_cursor is None:
            return
        request = page_request(str(PAGE_SIZE), page.next_cursor)


def _tweet_with_media(tweet: Any, media_base_url: str) -> dict[str, Any]:
    body: dict[str, Any] = dict(views.tweet_json(tweet))
    if tweet.media:
        body["media"] = [views.media_json(item, media_base_url) for item in tweet.media]
    return body


def _accounts(users: UserRepository, user_ids: Sequence[int]) -> list[dict[str, str]]:
    """Each account as id, username and name; an account gone since (erased) as its id alone."""
    found: dict[int, User] = {}
    for start in range(0, len(user_ids), PAGE_SIZE):
        found.update(users.get_many(user_ids[start : start + PAGE_SIZE]))
    return [_account(found.get(user_id), user_id) for user_id in user_ids]


def _account(user: User | None, user_id: int) -> dict[str, str]:
    if user is None:
        return {"id": str(user_id)}
    return {"id": str(user.id), "username": user.username, "name": user.name}


def _likes(sources: ArchiveSources, tweet_ids: Sequence[int]) -> list[dict[str, Any]]:
    """Each liked tweet's id, and the tweet while it exists."""
    found = {}
    for start in range(0, len(tweet_ids), PAGE_SIZE):
        found.update(sources.tweets.get_many(tweet_ids[start : start + PAGE_SIZE]))
    return [
        {"tweet_id": str(tweet_id), "tweet": dict(views.tweet_json(found[tweet_id])) if tweet_id in found else None}
        for tweet_id in tweet_ids
    ]
