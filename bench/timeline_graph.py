"""The follower graph the timelines benchmark loads: heavy-tailed, seeded, the same for every strategy.

Each user follows a number of others drawn from a log-normal distribution (most follow a dozen or two,
a few follow hundreds), and picks whom to follow by popularity: the author of popularity rank r is
chosen with weight 1/r**s (Zipf). With the defaults (3,000 users, median 15 followees, s = 1) the top
authors have one to two and a half thousand followers and the median author has six: a few celebrities
and a long tail, like DeathStarBench's social graphs and like Twitter's.

`readers` are the users whose home timelines the clients read: the active users, the only ones the
fan-out writes to (the product skips followers who have not read their timeline lately).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
from chirp.ids import IdGenerator

BENCH_ID_WORKER = 1017  # the worker bits of ids minted by the benchmark, so they never collide with the API's


@dataclass(frozen=True)
class GraphShape:
    users: int = 3000
    readers: int = 300
    median_following: float = 15.0
    following_spread: float = 0.8  # sigma of the log-normal following count
    max_following: int = 400
    zipf_exponent: float = 1.0
    tweets_per_user: int = 5
    seed: int = 7


@dataclass(frozen=True)
class FollowerGraph:
    user_ids: list[int]
    # followees[i]: the indexes of the users user i follows
    followees: list[list[int]]
    reader_indexes: list[int]
    # tweet ids per user index, oldest first
    tweet_ids: list[list[int]] = field(repr=False)

    @cached_property
    def followers(self) -> list[list[int]]:
        followers: list[list[int]] = [[] for _ in self.user_ids]
        for follower, followed in enumerate(self.followees):
            for followee in followed:
                followers[followee].append(follower)
        return followers

    @cached_property
    def reader_set(self) -> frozenset[int]:
        return frozenset(self.reader_indexes)

    @property
    def edge_count(self) -> int:
        return sum(len(followed) for followed in self.followees)

    def follower_count(self, index: int) -> int:
        return len(self.followers[index])

    def celebrity_indexes(self, threshold: int) -> list[int]:
        """Users with at least `threshold` followers, most followed first."""
        celebrities = [index for index in range(len(self.user_ids)) if self.follower_count(index) >= threshold]
        return sorted(celebrities, key=self.follower_count, reverse=True)

    def active_followers(self, index: int) -> list[int]:
        """The followers of a user that are readers (the ones the fan-out writes to)."""
        return [follower for follower in self.followers[index] if follower in self.reader_set]


def generate_follower_graph(shape: GraphShape) -> FollowerGraph:
    rng = np.random.default_rng(shape.seed)
    count = shape.users
    popularity_rank = rng.permutation(count)  # user i has popularity rank popularity_rank[i] (0 = most followed)
    weights = 1.0 / (popularity_rank + 1.0) ** shape.zipf_exponent
    weights /= weights.sum()
    wanted = np.clip(
        np.round(rng.lognormal(np.log(shape.median_following), shape.following_spread, count)),
        1,
        min(shape.max_following, count - 1),
    ).astype(int)
    followees: list[list[int]] = []
    for user in range(count):
        picked = rng.choice(count, size=int(wanted[user]) + 1, replace=False, p=weights)
        followees.append(sorted(int(index) for index in picked if index != user)[: int(wanted[user])])
    readers = sorted(int(index) for index in rng.choice(count, size=min(shape.readers, count), replace=False))
    ids = IdGenerator(worker_id=BENCH_ID_WORKER)
    user_ids = [ids.next_id() for _ in range(count)]
    tweet_ids = [[ids.next_id() for _ in range(shape.tweets_per_user)] for _ in range(count)]
    return FollowerGraph(user_ids=user_ids, followees=followees, reader_indexes=readers, tweet_ids=tweet_ids)
