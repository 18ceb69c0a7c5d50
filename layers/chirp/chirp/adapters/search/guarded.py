"""The search indexes as the API reads them: behind one circuit breaker (chirp.resilience) per sandbox, and every
failure of the backend a 503 with Retry-After rather than a 500 or a wait.

Search is the one dependency of the API that is not DynamoDB, and nothing else depends on it: posting writes
tables only (the indexer is a consumer of its own queue), timelines read tables only. So when the backend is
down, only the search routes notice, and they answer at once:

- OpenSearch unreachable: refused at connect, or no answer within SEARCH_TIMEOUT_SECONDS (2 s, no retries:
  chirp.adapters.search.opensearch); throttled or a gateway's 5xx: SearchThrottled; any other error of the backend
  (a 500, a certificate refused, the embedded engine's folder gone): SearchUnavailable. All three are 503s;
- after SEARCH_BREAKER_FAILURES of them in a row, the breaker opens: for SEARCH_BREAKER_COOL_DOWN_S the routes
  answer 503 without calling the backend (Retry-After: the seconds left), then one request tries it again.

A caller's own mistake (a query the backend refuses as malformed: a ChirpError other than Retryable) is raised as
it is and says nothing of the backend's health.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import TypeVar

from chirp.errors import ChirpError, Retryable
from chirp.pages import Page, PageRequest
from chirp.resilience import CircuitBreaker
from chirp.search.index import Rejected, TweetDocument, TweetIndex, UserDocument, UserIndex
from chirp.search.query import TweetQuery
from chirp.tracing import remote_subsegment

logger = logging.getLogger(__name__)

T = TypeVar("T")

# Failures in a row (the first within the window) that open the breaker, and how long it stays open.
SEARCH_BREAKER_FAILURES = 5
SEARCH_BREAKER_WINDOW_S = 30.0
SEARCH_BREAKER_COOL_DOWN_S = 30.0

Opened = Callable[[], tuple[TweetIndex, UserIndex]]


class SearchUnavailable(Retryable):
    """The search backend failed in a way no retry of ours would fix now (see the module's docstring)."""


def backend_failure(error: Exception) -> bool:
    """Whether an error says the backend is unwell (not the request's own mistake)."""
    return isinstance(error, Retryable) or not isinstance(error, ChirpError)


def guarded_indexes(opened: Opened, breaker: CircuitBreaker | None = None) -> tuple[TweetIndex, UserIndex]:
    """The indexes `opened()` gives (opened on their first use, inside the breaker too), behind `breaker` (one
    shared by both: they are one backend)."""
    shared = breaker or CircuitBreaker(
        "search",
        failures=SEARCH_BREAKER_FAILURES,
        window_s=SEARCH_BREAKER_WINDOW_S,
        cool_down_s=SEARCH_BREAKER_COOL_DOWN_S,
    )
    return GuardedTweetIndex(opened, shared), GuardedUserIndex(opened, shared)


class _Guarded:
    def __init__(self, opened: Opened, breaker: CircuitBreaker) -> None:
        self._opened = opened
        self._breaker = breaker

    def _call(self, action: Callable[[], T]) -> T:
        try:
            with remote_subsegment("search"):  # an X-Ray subsegment on Lambda with tracing on
                return self._breaker.call(action, counts=backend_failure)
        except ChirpError:
            raise
        except Exception as error:
            logger.warning("the search backend failed", extra={"error": repr(error)})
            raise SearchUnavailable("search is unavailable for now; try again later") from error


class GuardedTweetIndex(_Guarded):
    def put(self, documents: Sequence[TweetDocument]) -> list[Rejected]:
        return self._call(lambda: self._opened()[0].put(documents))

    def delete(self, tweet_ids: Sequence[int]) -> list[Rejected]:
        return self._call(lambda: self._opened()[0].delete(tweet_ids))

    def delete_by_author(self, author_id: int) -> None:
        self._call(lambda: self._opened()[0].delete_by_author(author_id))

    def search(self, query: TweetQuery, page: PageRequest) -> Page[int]:
        return self._call(lambda: self._opened()[0].search(query, page))

    def search_scored(self, query: TweetQuery, limit: int) -> list[tuple[int, float]]:
        return self._call(lambda: self._opened()[0].search_scored(query, limit))


class GuardedUserIndex(_Guarded):
    def put(self, documents: Sequence[UserDocument]) -> list[Rejected]:
        return self._call(lambda: self._opened()[1].put(documents))

    def delete(self, user_ids: Sequence[int]) -> list[Rejected]:
        return self._call(lambda: self._opened()[1].delete(user_ids))

    def search(self, prefix: str, page: PageRequest) -> Page[int]:
        return self._call(lambda: self._opened()[1].search(prefix, page))
