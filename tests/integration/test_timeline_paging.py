"""Walking a home timeline through the API, page after page until `meta.next_cursor` is null, reaches what the
timeline holds, each entry once, newest first, however it was filled: fan-out to an existing follower, a follow's
backfill, a returning reader's rebuild, pulled celebrities, or a mix; and a page comes back short with a null
cursor only at the end of what the timeline holds.

On moto, through the real pipeline (`pipeline.py`), with the template's settings. A follow's backfill and a rebuild
bring each followee's newest 20 (TimelineBackfillPerAuthor): older tweets of someone followed late are on their
profile, not in the home timeline, by design (a follow writes 20 entries, not the author's whole history).
"""

from __future__ import annotations

from tests.integration.api_client import Account, Api
from tests.integration.pipeline import (
    Pipeline,
    StartPipeline,
    is_celebrity,
    post,
    readers,
    stored_entries,
    walk_home,
)

LIMIT = 25  # 30 entries: a full page and a short one (the default, 20, is test_list_paging.py's)
BACKFILL = 20  # the template's TimelineBackfillPerAuthor


def walked(api: Api, reader: Account) -> list[str]:
    """The ids of every page of the reader's home timeline, in order, until the cursor is null (`home` checks
    that no page shows an original twice; `walk_home` that the cursor runs out)."""
    return [entry["id"] for page in walk_home(api, reader, LIMIT) for entry in page]


def interleaved(api: Api, authors: list[Account], rounds: int) -> list[str]:
    """Each author posts once per round, in turn; the ids, oldest first."""
    return [tweet_id for n in range(rounds) for author in authors for tweet_id in post(api, author, 1, f"r{n}")]


def test_an_existing_follower_reaches_30_pushed_tweets(api: Api, pipeline: Pipeline) -> None:
    # Given an active reader following an author, who then posts 30 tweets (fanned out to it)
    (reader,) = readers(api, 1)
    author = api.register()
    api.follow(reader, author)
    pipeline.run_until_quiet()
    tweet_ids = post(api, author, 30)
    pipeline.run_until_quiet()
    # When the reader walks its timeline, Then it reaches all 30, newest first
    assert walked(api, reader) == tweet_ids[::-1]


def test_a_fresh_follower_reaches_the_backfill_of_the_author_s_newest_tweets(api: Api, pipeline: Pipeline) -> None:
    # Given an author with 30 tweets, fanned out already, and an active reader who then follows it
    author = api.register()
    tweet_ids = post(api, author, 30)
    (reader,) = readers(api, 1)
    pipeline.run_until_quiet()
    api.follow(reader, author)
    pipeline.run_until_quiet()
    # Then the follow's backfill brought the newest 20, and walking the timeline reaches exactly those
    assert len(stored_entries(reader)) == BACKFILL
    assert walked(api, reader) == tweet_ids[::-1][:BACKFILL]


def test_a_rebuilt_reader_reaches_the_newest_tweets_of_each_followee(api: Api, pipeline: Pipeline) -> None:
    # Given a reader who never read, following an author with 30 tweets and another with 5 older ones
    reader, author, quiet = api.register(), api.register(), api.register()
    older = post(api, quiet, 5)
    tweet_ids = post(api, author, 30)
    api.follow(reader, author)
    api.follow(reader, quiet)
    pipeline.run_until_quiet()
    # When it walks its timeline (the first page rebuilds it)
    served = walked(api, reader)
    # Then it reaches the author's newest 20 and the other's 5, newest first
    assert served == tweet_ids[::-1][:BACKFILL] + older[::-1]


def test_a_follower_of_a_celebrity_reaches_its_30_pulled_tweets(api: Api, start_pipeline: StartPipeline) -> None:
    # Given CelebrityThreshold=2 and a celebrity with 30 tweets, pulled at read time
    pipeline = start_pipeline({"CelebrityThreshold": "2"})
    celebrity = api.register()
    reader, other = readers(api, 2)
    api.follow(reader, celebrity)
    api.follow(other, celebrity)
    pipeline.run_until_quiet()
    assert is_celebrity(celebrity)
    tweet_ids = post(api, celebrity, 30)
    pipeline.run_until_quiet()
    # When the reader walks its timeline, Then it reaches all 30, newest first, none of them stored
    assert walked(api, reader) == tweet_ids[::-1]
    assert stored_entries(reader) == {}


def test_a_mix_of_pushed_and_pulled_authors_is_reached_in_full(api: Api, start_pipeline: StartPipeline) -> None:
    # Given CelebrityThreshold=2, a reader following a celebrity and two ordinary authors who post in turn (12 each,
    # the ordinary ones' fanned out)
    pipeline = start_pipeline({"CelebrityThreshold": "2"})
    celebrity, ordinary, another = api.register(), api.register(), api.register()
    reader, other = readers(api, 2)
    for followee in (celebrity, ordinary, another):
        api.follow(reader, followee)
    api.follow(other, celebrity)
    pipeline.run_until_quiet()
    assert is_celebrity(celebrity)
    tweet_ids = interleaved(api, [celebrity, ordinary, another], 12)
    pipeline.run_until_quiet()
    # When the reader walks its timeline, Then it reaches all 36, newest first
    assert walked(api, reader) == tweet_ids[::-1]
