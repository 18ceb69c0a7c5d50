"""The live-connections function's composition root (functions/live_connections): the WebSocket API's
`$connect`, `$disconnect` and `$default` routes, with the connections table and the JWT signing key."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from chirp.notifications.repository import LiveConnections
from chirp.settings import SigningKeySettings, TableName, load
from chirp.wiring import secret_signing_key


class LiveConnectionsSettings(SigningKeySettings):
    live_connections_table: TableName


@dataclass(frozen=True)
class LiveConnectionsDependencies:
    settings: LiveConnectionsSettings
    connections: LiveConnections
    signing_key: str


def build(settings: LiveConnectionsSettings) -> LiveConnectionsDependencies:
    from chirp.adapters.dynamodb.connection import Tables, bind_models, shared_connection
    from chirp.adapters.dynamodb.live_connections import DynamoLiveConnections

    bind_models(Tables(live_connections=settings.live_connections_table))
    _ = shared_connection().client
    return LiveConnectionsDependencies(
        settings=settings,
        connections=DynamoLiveConnections(),
        signing_key=secret_signing_key(settings.jwt_secret, settings.jwt_secret_arn),
    )


@cache
def dependencies() -> LiveConnectionsDependencies:
    """Built once per process from the function's environment."""
    return build(load(LiveConnectionsSettings))
