"""Composition roots: one module per function, named after its folder in `functions/`.

Each declares the settings model of its function's own environment (only the resources the function
uses, as `template.yaml` gives them) and builds, once per process, the repositories and clients that
function uses, and only those: the tables it was not given stay unbound. Handlers call their module's
`dependencies()`, never the adapters.

| function folder     | module                         | builds                                           |
|---------------------|--------------------------------|--------------------------------------------------|
| `api`               | `chirp.wiring.api`             | every repository, the JWT signing key             |
| `timeline_fanout`   | `chirp.wiring.timeline_fanout` | users, tweets, follows, timelines; timeline queue |
| `timeline_writer`   | `chirp.wiring.timeline_writer` | timelines, follows; live connections and the pusher |
| `engagement_counter` | `chirp.wiring.engagement_counter` | the counter store: tweets, author-tweets, counted records |
| `notifier`          | `chirp.wiring.notifier`        | notifications, users, live connections; the pusher, Web Push |
| `live_connections`  | `chirp.wiring.live_connections` | live connections; the JWT signing key                  |
| `trends_counter`    | `chirp.wiring.trends_counter`  | trends (the hourly counts and author markers)      |
| `trends_scorer`     | `chirp.wiring.trends_scorer`   | trends (hourly counts, the current list); scoring rules |
| `suggestions`       | `chirp.wiring.suggestions`     | suggestions, follows, users                       |
| `media_processor`   | `chirp.wiring.media_processor` | media items; the media bucket (uploads in, variants out) |
| `media_cleanup`     | `chirp.wiring.media_cleanup`   | media items; the media bucket (tags, deletions)   |
"""

from __future__ import annotations

import gc
from collections.abc import Callable


def prepare_process(build: Callable[[], object]) -> None:
    """What a function does once, at init (Lambda's INIT phase, before its first event).

    1. `build()`: parse the function's settings (a missing or malformed variable stops the init here,
       with a message naming it) and build the clients every invocation uses (botocore loads its
       service model into ~120k objects on the first client), as Lambda advises: at init, not in the
       first request.
    2. Freeze every object allocated so far (`gc.freeze`): the imports and the clients, ~200k objects
       that live as long as the process. The cyclic garbage collector no longer walks them; before,
       its occasional full collection did, for ~160-260 ms of CPU inside whichever request happened
       to trigger it (`bench/README.md`).
    """
    build()
    gc.freeze()


def secret_signing_key(jwt_secret: str, jwt_secret_arn: str) -> str:
    """The JWT signing key: given directly (tests), or read from the Secrets Manager secret named."""
    if jwt_secret:
        return jwt_secret
    from chirp.adapters.secrets import secret_string

    return secret_string(jwt_secret_arn)
