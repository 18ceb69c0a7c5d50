"""`make reindex`: rebuild the search indexes from the tables, the answer to a lost or re-mapped index.

Every user and every tweet (retweets excepted: their originals are indexed) is read with a Scan and
written to the search backend in bulk, as the search indexer writes them, with a progress bar; the indexes
are made sure of first (created with their mappings when missing). Documents are put, never appended, so a
reindex while Chirp runs is safe (a tweet posted meanwhile is indexed by both, the same document). A
document the backend refuses is reported at the end and the command exits 1.

    python -m infra.reindex                       # the local system `make run` started (.chirp-data)
    python -m infra.reindex --data-dir DIR
    python -m infra.reindex --search-endpoint HOST --users-table NAME --tweets-table NAME   # AWS (credentials
                                                  # from the environment, as the AWS CLI finds them)
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from tqdm import tqdm

from infra.running_system import NotRunning, running_local_system

CHUNK = 500
T = TypeVar("T")


@dataclass(frozen=True)
class Target:
    search_endpoint: str
    users_table: str
    tweets_table: str


def parse_args(argv: Sequence[str] | None) -> tuple[Target, argparse.Namespace]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, default=Path(os.environ.get("CHIRP_DATA_DIR", ".chirp-data")))
    parser.add_argument("--search-endpoint")
    parser.add_argument("--users-table")
    parser.add_argument("--tweets-table")
    arguments = parser.parse_args(argv)
    explicit = (arguments.search_endpoint, arguments.users_table, arguments.tweets_table)
    if any(explicit) and not all(explicit):
        parser.error("give --search-endpoint, --users-table and --tweets-table together (or none: the local system)")
    if all(explicit):
        return Target(*explicit), arguments
    return local_target(arguments.data_dir, parser), arguments


def local_target(data_dir: Path, parser: argparse.ArgumentParser) -> Target:
    """The running local system's tables and search domain, from the file `make run` writes."""
    try:
        document = running_local_system(data_dir, "or name an AWS target")
    except NotRunning as error:
        parser.error(str(error))
    indexer = document["functions"]["SearchIndexerFunction"]["environment"]
    return Target(indexer["SEARCH_ENDPOINT"], indexer["USERS_TABLE"], document["resources"]["TweetsTable"]["ref"])


def main(argv: Sequence[str] | None = None) -> int:
    target, _ = parse_args(argv)
    from chirp.adapters.dynamodb.connection import Tables, bind_models
    from chirp.adapters.dynamodb.models import USER_PREFIX, TweetItem, UserItem
    from chirp.adapters.dynamodb.tweet_items import to_tweet
    from chirp.adapters.dynamodb.users import to_user
    from chirp.adapters.search import open_indexes
    from chirp.search.index import Rejected, UserDocument
    from chirp.search.indexing import document_of_tweet

    bind_models(Tables(users=target.users_table, tweets=target.tweets_table))
    # An index whose mapping is not this code's is replaced (emptied) here, then filled again below.
    tweets, users = open_indexes(target.search_endpoint, ensure=True, replace_outdated=True)
    refused: list[Rejected] = []

    user_items: Iterator[UserItem] = scanned(UserItem.scan, "users", lambda item: item.pk.startswith(USER_PREFIX))
    for chunk in chunks(user_items, CHUNK):
        documents = [UserDocument(u.id, u.username, u.name, u.metrics.followers_count) for u in map(to_user, chunk)]
        refused += users.put(documents)
    tweet_items: Iterator[TweetItem] = scanned(TweetItem.scan, "tweets", lambda item: item.retweet_of is None)
    for tweet_chunk in chunks(tweet_items, CHUNK):
        refused += tweets.put([d for item in tweet_chunk if (d := document_of_tweet(to_tweet(item))) is not None])
    for rejection in refused:
        print(f"refused: {rejection.id} ({rejection.status}) {rejection.reason}", file=sys.stderr)
    return 1 if refused else 0


def scanned(scan: Callable[[], Iterator[T]], label: str, keep: Callable[[T], bool]) -> Iterator[T]:
    """Every item of a table (one Scan, page by page, as the writes take it), with a progress bar."""
    with tqdm(desc=label, unit=" items") as progress:
        for item in scan():
            progress.update()
            if keep(item):
                yield item


def chunks(items: Iterator[T], size: int) -> Iterator[list[T]]:
    chunk: list[T] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


if __name__ == "__main__":
    sys.exit(main())
