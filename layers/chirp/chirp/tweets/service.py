"""Posting, reading and deleting tweets, and the user timeline."""

from __future__ import annotations

from chirp.errors import Forbidden, NotFound
from chirp.ids import id_timestamp_ms, new_id
from chirp.pages import Page, PageRequest
from chirp.tweets.inputs import TweetDraft
from chirp.tweets.models import Tweet
from chirp.tweets.repository import TweetRepository
from chirp.tweets.text import parse_tweet_text
from chirp.users.repository import UserRepository


def post_tweet(tweets: TweetRepository, author_id: int, draft: TweetDraft) -> Tweet:
    parsed = parse_tweet_text(draft.text)
    tweet_id = new_id()
    tweet = Tweet(
        id=tweet_id,
        author_id=author_id,
        text=parsed.text,
        created_at_ms=id_timestamp_ms(tweet_id),
        entities=parsed.entities.as_dict(),
    )
    tweets.create(tweet)
    return tweet


def get_tweet(tweets: TweetRepository, tweet_id: int) -> Tweet:
    tweet = tweets.get(tweet_id)
    if tweet is None:
        raise NotFound(f"tweet {tweet_id} does not exist")
    return tweet


def delete_tweet(tweets: TweetRepository, caller_id: int, tweet_id: int) -> None:
    tweet = get_tweet(tweets, tweet_id)
    if tweet.author_id != caller_id:
        raise Forbidden("only its author can delete a tweet")
    if not tweets.delete(tweet):
        raise NotFound(f"tweet {tweet_id} does not exist")


def user_timeline(users: UserRepository, tweets: TweetRepository, user_id: int, page: PageRequest) -> Page[Tweet]:
    page_of_tweets = tweets.by_author(user_id, page)
    # Only an empty page needs the extra read that tells "no tweets" from "no such user".
    if not page_of_tweets.items and users.get(user_id) is None:
        raise NotFound(f"user {user_id} does not exist")
    return page_of_tweets
