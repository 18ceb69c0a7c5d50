"""Opening and closing a live connection (the WebSocket API's `$connect` and `$disconnect`).

A browser cannot set an Authorization header on a WebSocket, so the access token comes as the
`token` query parameter of the connection URL (`wss://.../v1?token=<access token>`). It is checked
before the connection is accepted: a missing, expired or forged token refuses the handshake (401), and so
does a revoked one (issued before the user's password changed, or the user suspended or deleted:
chirp.auth.revocation), as the HTTP API refuses it. An access token lives 15 minutes; a connection then
stays open up to API Gateway's two hours.
"""

from __future__ import annotations

from collections.abc import Mapping

from chirp.auth.revocation import TokenStates, accepts
from chirp.auth.tokens import verify_access_claims
from chirp.errors import NotAuthenticated
from chirp.notifications.repository import LiveConnections


def open_connection(
    connections: LiveConnections,
    signing_key: str,
    connection_id: str,
    query: Mapping[str, str] | None,
    now_s: int,
    *,
    states: TokenStates,
) -> int:
    """The user the connection is opened for; NotAuthenticated refuses it (`states`: the users' token versions)."""
    token = (query or {}).get("token", "")
    if not token:
        raise NotAuthenticated("connect with ?token=<access_token>")
    claims = verify_access_claims(signing_key, token)
    if not accepts(states.current(claims.user_id), claims.version):
        raise NotAuthenticated("access token was revoked (the password changed or the account was suspended)")
    connections.connect(claims.user_id, connection_id, now_s)
    return claims.user_id


def close_connection(connections: LiveConnections, connection_id: str) -> int | None:
    return connections.disconnect(connection_id)
