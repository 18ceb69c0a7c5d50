"""The notifier's composition root (functions/notifier): a consumer of the bus that stores notifications
(NotificationsTable), reads the actors' names (users), drops what comes from those a recipient blocks or
mutes (RelationsTable), finds its recipients' open WebSockets (LiveConnectionsTable), pushes through the
WebSocket API's management endpoint, and sends Web Push with the deployment's VAPID key (a Secrets Manager
secret)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from chirp.notifications.push import PushSender
from chirp.notifications.service import Notifier
from chirp.settings import EnvironmentSettings, TableName, load
from chirp.wiring import secret_signing_key

DEFAULT_PUSH_SUBJECT = "mailto:notifications@chirp.invalid"


class NotifierSettings(EnvironmentSettings):
    notifications_table: TableName
    users_table: TableName
    live_connections_table: TableName
    relations_table: TableName
    # The WebSocket API's stage URL (wss://...): its management API is called on the same host.
    live_connections_endpoint: str
    # The VAPID key's secret: a Secrets Manager secret (AWS, the local runtime), or given directly (tests);
    # neither: no Web Push.
    vapid_secret_arn: str = ""
    vapid_secret: str = ""
    push_subject: str = DEFAULT_PUSH_SUBJECT


@dataclass(frozen=True)
class NotifierDependencies:
    settings: NotifierSettings
    notifier: Notifier


def build(settings: NotifierSettings) -> NotifierDependencies:
    from chirp.adapters.dynamodb.connection import Tables, bind_models, shared_connection
    from chirp.adapters.dynamodb.live_connections import DynamoLiveConnections
    from chirp.adapters.dynamodb.notifications import DynamoNotificationRepository
    from chirp.adapters.dynamodb.relations import DynamoRelationRepository, bind_relations_table
    from chirp.adapters.dynamodb.users import DynamoUserRepository
    from chirp.adapters.live_push import ApiGatewayPusher
    from chirp.relations.service import RelationsAudience

    bind_models(
        Tables(
            notifications=settings.notifications_table,
            users=settings.users_table,
            live_connections=settings.live_connections_table,
        )
    )
    bind_relations_table(settings.relations_table)
    _ = shared_connection().client  # built at init, not in the first invocation
    return NotifierDependencies(
        settings=settings,
        notifier=Notifier(
            notifications=DynamoNotificationRepository(),
            users=DynamoUserRepository(),
            connections=DynamoLiveConnections(),
            pusher=ApiGatewayPusher(settings.live_connections_endpoint),
            web_push=_web_push(settings),
            audience=RelationsAudience(DynamoRelationRepository()),
        ),
    )


def _web_push(settings: NotifierSettings) -> PushSender | None:
    if not (settings.vapid_secret or settings.vapid_secret_arn):
        return None
    from chirp.adapters.webpush import VapidPushSender, vapid_key_from_secret

    secret = secret_signing_key(settings.vapid_secret, settings.vapid_secret_arn)
    return VapidPushSender(vapid_key_from_secret(secret), settings.push_subject)


@cache
def dependencies() -> NotifierDependencies:
    """The notifier's dependencies, built once per process from its environment."""
    return build(load(NotifierSettings))
