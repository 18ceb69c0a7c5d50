"""The live-connections function's composition root (functions/live_connections): the WebSocket API's
`$connect`, `$disconnect` and `$default` routes, with the connections table, the JWT signing key and the
users' token versions (the users table, read only: GetItem)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from chirp.auth.revocation import TokenStates
from chirp.notifications.repository import LiveConnections
from chirp.settings import SigningKeySettings, TableName, load
from chirp.wiring import secret_signing_key

# A handshake reads the user's token version every time (no cache): a client connects once per page load,
# so a read per handshake is cheap, and a token revoked a second ago must not open a connection that then
# lasts two hours.
TOKEN_VERSION_CACHE_SECONDS = 0


class LiveConnectionsSettings(SigningKeySettings):
    live_connections_table: TableName
    users_table: TableName


@dataclass(frozen=True)
class LiveConnectionsDependencies:
    settings: LiveConnectionsSettings
    connections: LiveConnections
    signing_key: str
    token_states: TokenStates


def build(settings: LiveConnectionsSettings) -> LiveConnectionsDependencies:
    from chirp.adapters.dynamodb.connection import Tables, bind_models, shared_connection
    from chirp.adapters.dynamodb.live_connections import DynamoLiveConnections
    from chirp.adapters.dynamodb.users import DynamoUserRepository

    bind_models(Tables(live_connections=settings.live_connections_table, users=settings.users_table))
    _ = shared_connection().client
    return LiveConnectionsDependencies(
        settings=settings,
        connections=DynamoLiveConnections(),
        signing_key=secret_signing_key(settings.jwt_secret, settings.jwt_secret_arn),
        token_states=TokenStates(DynamoUserRepository().token_state, TOKEN_VERSION_CACHE_SECONDS),
    )


@cache
def dependencies() -> LiveConnectionsDependencies:
    """Built once per process from the function's environment."""
    return build(load(LiveConnectionsSettings))
