"""The rate limiter (HTTP middleware, after `authenticate_callers`): each request of a limited route counted
against its class's limit (`chirp.limits`), and every answer of such a route carrying x-rate-limit-limit,
x-rate-limit-remaining and x-rate-limit-reset; past the limit, 429 with Retry-After, and the view never runs.

Which class a route is: `ROUTE_CLASSES`, the one table; every other route counts as a read of its caller
(READS, per user) or, without one, an anonymous request (ANONYMOUS, per client IP: API Gateway's
`requestContext.identity.sourceIp`, which a client cannot forge with a header). The service's own routes
(`UNLIMITED`) count nothing and cost no write.

Two kinds of request are also counted per IP as ANONYMOUS, since no user can be charged for them: a login
attempt (beside its own backoff per account and IP, so one IP cannot try account after account), and a
request `authenticate_callers` refused 401 (a bad, expired or revoked token, or none), counted by
`limit_refused_callers`, which sits outside it: its 401 carries the x-rate-limit-* headers, and past the
limit the answer is 429 (otherwise only the stage's throttling would bound token guessing).

When the counters cannot be reached (DynamoDB throttling or down, after botocore's retries), the request is
let through without the headers (fail open), logged as a warning and counted as the RateLimiterUnavailable
metric (an alarm's subject): a counter table's outage must not take the API down with it, and API Gateway's
stage throttling still stands as the outer wall.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable

from aws_lambda_powertools import Logger
from aws_lambda_powertools.metrics import MetricUnit
from chalice import Chalice, Response
from chalice.app import Request
from chirp.errors import RateLimited, Retryable
from chirp.http.openapi import Operation
from chirp.limits import service as limits
from chirp.limits.policy import ActionClass, Decision
from chirp.wiring.api import ApiDependencies

from routes.routing import CALLER, Middleware, error_response, metrics, operation_for

logger = Logger()

ROUTE_CLASSES: dict[tuple[str, str], ActionClass] = {
    # Replies and quotes are tweets (POST /api/tweets): they count as posts, as retweets do.
    ("/api/tweets", "POST"): ActionClass.POSTING,
    ("/api/tweets/{tweetId}/retweet", "POST"): ActionClass.POSTING,
    ("/api/tweets/{tweetId}/like", "POST"): ActionClass.LIKES,
    ("/api/users/{userId}/follow", "POST"): ActionClass.FOLLOWS,
    ("/api/users/register", "POST"): ActionClass.SIGNUPS,
    ("/api/users/login", "POST"): ActionClass.LOGIN,
}
UNLIMITED = {("/api/health", "GET"), ("/api/openapi.json", "GET")}
PER_IP = {ActionClass.ANONYMOUS, ActionClass.SIGNUPS}


def is_rate_limited(operation: Operation) -> bool:
    return (operation.path, operation.method) not in UNLIMITED


def action_class(operation: Operation, caller: int | None) -> ActionClass | None:
    """What a request of this route counts as (None: nothing)."""
    if not is_rate_limited(operation):
        return None
    declared = ROUTE_CLASSES.get((operation.path, operation.method))
    if declared is not None:
        return declared
    return ActionClass.READS if caller is not None else ActionClass.ANONYMOUS


def limit_rates(app: Chalice, dependencies: Callable[[], ApiDependencies]) -> Middleware:
    def limit_rate(request: Request, get_response: Callable[[Request], Response]) -> Response:
        operation = operation_for(app, request.path, request.method)
        store = dependencies()
        if operation is None or not store.settings.rate_limits_enabled:
            return get_response(request)
        caller = request.context.get(CALLER)
        action = action_class(operation, caller if isinstance(caller, int) else None)
        if action is None:
            return get_response(request)
        try:
            if action is ActionClass.LOGIN and (account := _login_account(request)):
                return _guard_login(store, account, client_ip(request), request, get_response)
            if action is ActionClass.LOGIN:
                action = ActionClass.ANONYMOUS  # no account named: the body's 4xx, counted per IP
            subject = client_ip(request) if action in PER_IP else str(caller)
            decision = limits.count_request(
                store.rate_counters, action, subject, store.settings.limit_of(action), time.time()
            )
        except Retryable as error:
            return _fail_open(error, request, get_response)
        if not decision.allowed:
            return refusal(decision, action)
        return with_headers(get_response(request), decision)

    return limit_rate


def limit_refused_callers(app: Chalice, dependencies: Callable[[], ApiDependencies]) -> Middleware:
    """HTTP middleware, registered just outside `authenticate_callers`: a request it refused (no caller put
    on the request, the view never ran) is counted per IP as ANONYMOUS. Counted once refused rather than
    before, so a valid token costs nothing more here; a refused one costs this one write."""

    def limit_refused(request: Request, get_response: Callable[[Request], Response]) -> Response:
        response = get_response(request)
        operation = operation_for(app, request.path, request.method)
        store = dependencies()
        if (
            response.status_code != 401
            or operation is None
            or not (operation.auth or operation.viewer)
            or isinstance(request.context.get(CALLER), int)
            or not store.settings.rate_limits_enabled
        ):
            return response
        try:
            decision = _count_anonymous(store, request)
        except Retryable as error:
            _report_unavailable(error)
            return response
        if not decision.allowed:
            return refusal(decision, ActionClass.ANONYMOUS)
        return with_headers(response, decision)

    return limit_refused


def _count_anonymous(store: ApiDependencies, request: Request) -> Decision:
    limit = store.settings.limit_of(ActionClass.ANONYMOUS)
    return limits.count_request(store.rate_counters, ActionClass.ANONYMOUS, client_ip(request), limit, time.time())


def _guard_login(
    store: ApiDependencies,
    account: str,
    ip: str,
    request: Request,
    get_response: Callable[[Request], Response],
) -> Response:
    """A locked (account, IP) pair, or account, is refused before its password is checked; a failure counted.
    Every attempt is also an anonymous request of its IP (so one IP cannot try many accounts' passwords)."""
    attempts = _count_anonymous(store, request)
    if not attempts.allowed:
        return refusal(attempts, ActionClass.ANONYMOUS)
    login = store.settings.login
    decision = limits.check_login(store.rate_counters, login, account, ip, time.time())
    if not decision.allowed:
        return refusal(decision, ActionClass.LOGIN)
    response = get_response(request)
    if response.status_code == 401:
        try:
            decision = limits.record_login_failure(store.rate_counters, login, account, ip, time.time())
        except Retryable as error:
            _report_unavailable(error)
            return response
    return with_headers(response, decision)


def _login_account(request: Request) -> str | None:
    """The account a login body names (None when it names none: the view answers the body's 4xx)."""
    try:
        login = json.loads(request.raw_body or b"{}").get("username")
    except (ValueError, AttributeError):
        return None
    return limits.account_subject(login) if isinstance(login, str) and login.strip() else None


def client_ip(request: Request) -> str:
    identity = request.context.get("identity") or {}
    return str(identity.get("sourceIp") or "unknown")


def refusal(decision: Decision, action: ActionClass) -> Response:
    error = RateLimited(f"too many requests ({action.value}): try again in {decision.retry_after} s")
    return with_headers(error_response(error), decision, {"Retry-After": str(decision.retry_after)})


def with_headers(response: Response, decision: Decision, extra: dict[str, str] | None = None) -> Response:
    # A new dict: a view's response may share its headers with others (routing.JSON_HEADERS).
    response.headers = {**response.headers, **decision.headers(), **(extra or {})}
    return response


def _fail_open(error: Retryable, request: Request, get_response: Callable[[Request], Response]) -> Response:
    _report_unavailable(error)
    return get_response(request)


def _report_unavailable(error: Retryable) -> None:
    logger.warning("rate limiter unavailable: request let through", extra={"error": error.message})
    metrics.add_metric(name="RateLimiterUnavailable", unit=MetricUnit.Count, value=1)
