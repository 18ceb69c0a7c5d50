"""Revoking access tokens before they expire, cheaply.

Every access token carries the user's token version when it was issued (`ver`); the user item holds the
current one, and a password change or a suspension adds 1 to it. An access token under an older version, or a
suspended user's, is refused. The API reads a user's version at most once per `token_version_cache_seconds`
per sandbox (`TokenStates`): a hot sandbox pays one small GetItem per active user per window, not one per
request, and a changed password kills old access tokens within that bound (5 s by default; immediately in the
sandbox that served the change). Refresh tokens are checked against the same version on every refresh (a read
the refresh pays anyway), so one bump revokes every refresh token family of the user at once, with no list of
families to walk.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable

from chirp.users.models import TokenState

# Users whose state one sandbox remembers (the least recently read are forgotten first): a few hundred KB.
MAX_CACHED_USERS = 10_000


class TokenStates:
    """Users' token states as read from the user table, each trusted for `max_age_seconds`."""

    def __init__(
        self,
        read: Callable[[int], TokenState | None],
        max_age_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._read = read
        self._max_age = max_age_seconds
        self._clock = clock
        self._cached: OrderedDict[int, tuple[float, TokenState | None]] = OrderedDict()

    def current(self, user_id: int) -> TokenState | None:
        """The user's state (None: no such user), from this sandbox's cache while it is fresh enough."""
        now = self._clock()
        cached = self._cached.get(user_id)
        if cached is not None and now - cached[0] < self._max_age:
            return cached[1]
        state = self._read(user_id)
        if self._max_age > 0:
            self._cached[user_id] = (now, state)
            self._cached.move_to_end(user_id)
            while len(self._cached) > MAX_CACHED_USERS:
                self._cached.popitem(last=False)
        return state

    def forget(self, user_id: int) -> None:
        """Drop what this sandbox remembers of the user (its version just changed here)."""
        self._cached.pop(user_id, None)


def accepts(state: TokenState | None, version: int) -> bool:
    """Whether a token issued under `version` still holds for a user in `state`."""
    return state is not None and not state.suspended and not state.deleted and version == state.version
