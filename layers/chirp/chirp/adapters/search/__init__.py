"""Search backends: OpenSearch (AWS) and the embedded engine (local), behind chirp.search.index.

Which one a function talks to is its SEARCH_ENDPOINT: on AWS the domain's endpoint (the template's
`!GetAtt SearchDomain.DomainEndpoint`, a bare host), locally `embedded:<data dir>/search/<domain>`, the
folder the local runtime provisions for the domain. Each backend's library is imported only when its
indexes are opened.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from chirp.search.index import TweetIndex, UserIndex

EMBEDDED_SCHEME = "embedded:"


@dataclass(frozen=True)
class EmbeddedDomain:
    """The embedded engine's stand-in for a domain: a folder holding one index per subfolder."""

    folder: Path


def embedded_domain(endpoint: str) -> EmbeddedDomain | None:
    """The folder an `embedded:<absolute folder>` endpoint names; None for any other (an OpenSearch one)."""
    if not endpoint.startswith(EMBEDDED_SCHEME):
        return None
    folder = Path(endpoint.removeprefix(EMBEDDED_SCHEME))
    if not folder.is_absolute():
        raise ValueError(f"{endpoint!r}: an embedded search domain is an absolute folder, as in embedded:/data/search")
    return EmbeddedDomain(folder)


def open_indexes(
    endpoint: str,
    *,
    tweets_index: str = "tweets",
    users_index: str = "users",
    ensure: bool = False,
    replace_outdated: bool = False,
) -> tuple[TweetIndex, UserIndex]:
    """The tweets and users indexes of the search domain at `endpoint`.

    `ensure`: create the OpenSearch indexes (their settings and mapping) when missing, and refuse indexes of
    another mapping version (`SearchMappingOutdated`); what the indexer asks as it starts, not the search
    routes (they need no right to create an index). `replace_outdated` (with `ensure`; `make reindex`, which
    fills them anew): delete such indexes and create them with this mapping instead. The embedded engine
    creates its folders as it opens them."""
    domain = embedded_domain(endpoint)
    if domain is not None:
        from chirp.adapters.search.embedded import EmbeddedTweetIndex, EmbeddedUserIndex

        return EmbeddedTweetIndex(domain.folder / tweets_index), EmbeddedUserIndex(domain.folder / users_index)
    from chirp.adapters.search.opensearch import (
        OpenSearchTweetIndex,
        OpenSearchUserIndex,
        ensure_indexes,
        open_search_client,
    )

    client = open_search_client(endpoint)
    if ensure:
        ensure_indexes(client, tweets_index=tweets_index, users_index=users_index, replace_outdated=replace_outdated)
    return OpenSearchTweetIndex(client, tweets_index), OpenSearchUserIndex(client, users_index)
