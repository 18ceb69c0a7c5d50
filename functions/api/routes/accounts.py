"""Accounts and tokens: register, log in, rotate a refresh token, log out, change the password, delete the account.

Each route that answers or spends tokens honours X-Chirp-Token-Transport (routes.session_cookie): a browser app's
refresh token travels in an HttpOnly cookie, never in the JSON its scripts read."""

from __future__ import annotations

import time

from aws_lambda_powertools.metrics import MetricUnit
from chirp.auth import service as auth
from chirp.erasure.service import delete_account
from chirp.errors import Conflict, Forbidden, InvalidInput, NotAuthenticated, NotFound, Retryable
from chirp.http import schemas, views
from chirp.users import service as users
from chirp.users.inputs import AccountDeletion, Credentials, PasswordChange, RefreshTokenInput, Registration
from chirp.wiring.api import dependencies

from routes.routing import ApiBlueprint, metrics
from routes.session_cookie import TokenTransport

blueprint = ApiBlueprint(__name__)


@blueprint.operation(
    "/api/users/register",
    "POST",
    "Create an account",
    status=201,
    body=Registration,
    raises=(Conflict, Retryable),
    token_transport=True,
)
def register_user() -> schemas.Registered:
    store = dependencies()
    transport = TokenTransport.asked(blueprint, store.settings.refresh_token_ttl_seconds)
    user = users.register_user(store.users, store.settings, blueprint.body(Registration))
    grant = auth.start_session(store.sessions, store.settings, store.signing_key(), user.id)
    metrics.add_metric(name="UserRegistered", unit=MetricUnit.Count, value=1)
    return {"data": views.user_json(user, store.settings.media_base_url), "token": transport.answer(grant)}


@blueprint.operation(
    "/api/users/login",
    "POST",
    "Log in with username (or email) and password",
    body=Credentials,
    raises=(NotAuthenticated, Forbidden, Retryable),
    token_transport=True,
)
def log_in() -> schemas.TokenResponse:
    store = dependencies()
    transport = TokenTransport.asked(blueprint, store.settings.refresh_token_ttl_seconds)
    grant = auth.log_in(store.users, store.sessions, store.settings, store.signing_key(), blueprint.body(Credentials))
    return transport.answer(grant)


@blueprint.operation(
    "/api/auth/refresh",
    "POST",
    "Exchange a refresh token (the body's, else the chirp_refresh cookie's) for new tokens (rotating)",
    body=RefreshTokenInput,
    raises=(NotAuthenticated, Retryable),
    token_transport=True,
    reads_refresh_cookie=True,
)
def refresh_tokens() -> schemas.TokenResponse:
    store = dependencies()
    transport = TokenTransport.asked(blueprint, store.settings.refresh_token_ttl_seconds)
    # The body is read first: a form or text body (all a cross-site form can send) is a 415 before any cookie is.
    refresh_token = transport.refresh_token(blueprint.body(RefreshTokenInput).refresh_token)
    grant = auth.refresh(store.users, store.sessions, store.settings, store.signing_key(), refresh_token)
    return transport.answer(grant)


@blueprint.operation(
    "/api/auth/logout",
    "POST",
    "Revoke the session a refresh token (the body's, else the chirp_refresh cookie's) belongs to",
    status=204,
    body=RefreshTokenInput,
    token_transport=True,
    reads_refresh_cookie=True,
)
def log_out() -> None:
    store = dependencies()
    transport = TokenTransport.asked(blueprint, store.settings.refresh_token_ttl_seconds)
    auth.log_out(store.sessions, transport.refresh_token(blueprint.body(RefreshTokenInput).refresh_token))
    transport.forget()


@blueprint.operation(
    "/api/users/me/password",
    "POST",
    "Change the caller's password (current_password: a wrong one is 403): every token the caller holds is revoked"
    " (refresh tokens at once, access tokens within TOKEN_VERSION_CACHE_SECONDS); answers a new session's tokens",
    auth=True,
    body=PasswordChange,
    raises=(Forbidden, InvalidInput, NotFound, Retryable),
    token_transport=True,
)
def change_password() -> schemas.TokenResponse:
    store = dependencies()
    transport = TokenTransport.asked(blueprint, store.settings.refresh_token_ttl_seconds)
    caller = blueprint.caller_id()
    change = blueprint.body(PasswordChange)
    grant = auth.change_password(
        store.users, store.sessions, store.settings, store.signing_key(), user_id=caller, change=change
    )
    store.token_states.forget(caller)  # this sandbox refuses the old access tokens at once
    metrics.add_metric(name="PasswordChanged", unit=MetricUnit.Count, value=1)
    return transport.answer(grant)


@blueprint.operation(
    "/api/users/me",
    "DELETE",
    "Delete the caller's account, given its password (a wrong one is 403): from this answer on its tokens are refused,"
    " its profile answers 404 and its tweets are served nowhere; its data is erased in the background (README:"
    " Account deletion), and its username stays held by nobody for USERNAME_GRACE_DAYS",
    status=202,
    auth=True,
    body=AccountDeletion,
    raises=(Forbidden, NotFound),
    token_transport=True,
)
def delete_own_account() -> schemas.AccountDeleted:
    store = dependencies()
    transport = TokenTransport.asked(blueprint, store.settings.refresh_token_ttl_seconds)
    caller = blueprint.caller_id()
    password = blueprint.body(AccountDeletion).password
    delete_account(
        store.users, store.settings, store.erasure_queue(), user_id=caller, password=password, now_ms=_now_ms()
    )
    store.token_states.forget(caller)  # this sandbox refuses the account's access tokens at once
    metrics.add_metric(name="AccountDeleted", unit=MetricUnit.Count, value=1)
    transport.forget()  # the browser's cookie never reaches this path (Path=/api/auth): only the header says
    return {"data": {"id": str(caller), "state": "erasing"}}


def _now_ms() -> int:
    return int(time.time() * 1000)
