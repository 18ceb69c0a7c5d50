"""Chirp's HTTP API: the Chalice app, deployed by template.yaml as an ordinary Lambda
function (`Handler: app.app`) behind API Gateway.

Routes only: each one reads the request, calls one domain service and shapes the
response. Domain errors become HTTP responses in one place (`chirp.http.errors`),
through the `route` decorator below, which also records each route for the
OpenAPI document.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from chalice import Chalice, Response
from chalice.app import Request
from chirp.auth import service as auth
from chirp.errors import ChirpError
from chirp.follows import service as follows
from chirp.http import views
from chirp.http.errors import error_body, status_for
from chirp.http.openapi import Operation, document
from chirp.http.requests import page_from_query, parse_json_body
from chirp.ids import parse_id
from chirp.pages import PageRequest
from chirp.settings import get_settings
from chirp.timelines.service import home_timeline_page, owners_home_timeline_page
from chirp.tweets import service as tweets
from chirp.tweets.inputs import TweetDraft
from chirp.users import service as users
from chirp.users.inputs import Credentials, ProfileUpdate, RefreshTokenInput, Registration
from chirp.wiring import prepare_process, repositories, signing_key
from pydantic import BaseModel

# configure_logs=False: Powertools' Logger owns logging (Chalice's own handler would print every line twice).
app = Chalice(app_name="chirp", configure_logs=False)
logger = Logger()
tracer = Tracer()
metrics = Metrics(namespace="Chirp")
OPERATIONS: list[Operation] = []
JSON_HEADERS: dict[str, str | list[str]] = {"Content-Type": "application/json"}

Model = TypeVar("Model", bound=BaseModel)
View = Callable[..., Any]


def route(path: str, method: str, summary: str, **spec: Any) -> Callable[[View], View]:
    """Register a Chalice route whose domain errors become JSON error responses."""

    def register(view: View) -> View:
        operation = Operation(path=path, method=method, name=view.__name__, summary=summary, **spec)
        OPERATIONS.append(operation)

        @functools.wraps(view)
        def endpoint(**params: str) -> Response:
            try:
                result = view(**params)
                if operation.status == 204:
                    return Response(body="", status_code=204)
                return Response(body=result, status_code=operation.status, headers=JSON_HEADERS)
            except ChirpError as error:
                return Response(
                    body=error_body(error.code, error.message), status_code=status_for(error), headers=JSON_HEADERS
                )

        # content_types=*/*: the body's media type is checked by chirp.http, so the error has our shape.
        app.route(path, methods=[method], content_types=["*/*"])(
            tracer.capture_method(capture_response=False)(endpoint)
        )
        return view

    return register


@app.middleware("http")
def observe(request: Request, get_response: Callable[[Request], Response]) -> Response:
    """Correlation id and one structured log line and metric per request."""
    logger.set_correlation_id(request.context.get("requestId"))
    response = get_response(request)
    logger.info("request", extra={"method": request.method, "path": request.path, "status": response.status_code})
    metrics.add_metric(name=f"Http{response.status_code // 100}xx", unit=MetricUnit.Count, value=1)
    metrics.flush_metrics(raise_on_empty_metrics=False)
    return response


# ---------------------------------------------------------------- request helpers


def body(model: type[Model]) -> Model:
    request = app.current_request
    assert request is not None
    return parse_json_body(request.raw_body, request.headers.get("content-type"), get_settings().max_body_bytes, model)


def caller_id() -> int:
    request = app.current_request
    assert request is not None
    return auth.authenticate(signing_key(), request.headers.get("authorization"))


def page() -> PageRequest:
    request = app.current_request
    assert request is not None
    return page_from_query(request.query_params)


# ---------------------------------------------------------------- service


@route("/api/health", "GET", "Liveness check")
def health() -> dict[str, str]:
    return {"status": "ok"}


@route("/api/openapi.json", "GET", "This API's OpenAPI 3 document")
def openapi() -> dict[str, Any]:
    return document(OPERATIONS, title="Chirp API", version="1.0.0")


# ---------------------------------------------------------------- accounts


@route("/api/users/register", "POST", "Create an account", status=201, body=Registration, response="Registered")
def register_user() -> dict[str, Any]:
    store = repositories()
    user = users.register_user(store.users, get_settings(), body(Registration))
    grant = auth.start_session(store.sessions, get_settings(), signing_key(), user.id)
    metrics.add_metric(name="UserRegistered", unit=MetricUnit.Count, value=1)
    return {"data": views.user_json(user), "token": views.token_json(grant)}


@route(
    "/api/users/login",
    "POST",
    "Log in with username (or email) and password",
    body=Credentials,
    response="TokenResponse",
)
def log_in() -> dict[str, Any]:
    store = repositories()
    grant = auth.log_in(store.users, store.sessions, get_settings(), signing_key(), body(Credentials))
    return views.token_json(grant)


@route(
    "/api/auth/refresh",
    "POST",
    "Exchange a refresh token for new tokens (rotating)",
    body=RefreshTokenInput,
    response="TokenResponse",
)
def refresh_tokens() -> dict[str, Any]:
    grant = auth.refresh(repositories().sessions, get_settings(), signing_key(), body(RefreshTokenInput).refresh_token)
    return views.token_json(grant)


@route("/api/auth/logout", "POST", "Revoke the session a refresh token belongs to", status=204, body=RefreshTokenInput)
def log_out() -> None:
    auth.log_out(repositories().sessions, body(RefreshTokenInput).refresh_token)


# ---------------------------------------------------------------- profiles


@route("/api/users/me", "GET", "The caller's profile", auth=True, response="User")
def get_me() -> dict[str, Any]:
    return {"data": views.user_json(users.get_user(repositories().users, caller_id()))}


@route("/api/users/me", "PATCH", "Change the caller's profile", auth=True, body=ProfileUpdate, response="User")
def update_me() -> dict[str, Any]:
    user_id = caller_id()
    return {"data": views.user_json(users.update_profile(repositories().users, user_id, body(ProfileUpdate)))}


@route("/api/users/{userId}", "GET", "A user's profile", response="User")
def get_user(userId: str) -> dict[str, Any]:  # noqa: N803 (the path's parameter name)
    return {"data": views.user_json(users.get_user(repositories().users, parse_id(userId, "userId")))}


@route("/api/users/by/username/{username}", "GET", "A user's profile by username", response="User")
def get_user_by_username(username: str) -> dict[str, Any]:
    return {"data": views.user_json(users.get_user_by_username(repositories().users, username))}


# ---------------------------------------------------------------- follows


@route("/api/users/{userId}/follow", "POST", "Follow a user (idempotent)", auth=True)
def follow_user(userId: str) -> dict[str, Any]:  # noqa: N803
    follower = caller_id()
    followee = parse_id(userId, "userId")
    follows.follow_user(repositories().follows, follower, followee)
    return {"data": {"following": True}}


@route("/api/users/{userId}/follow", "DELETE", "Unfollow a user (idempotent)", auth=True)
def unfollow_user(userId: str) -> dict[str, Any]:  # noqa: N803
    follower = caller_id()
    followee = parse_id(userId, "userId")
    store = repositories()
    follows.unfollow_user(store.follows, store.users, follower, followee)
    return {"data": {"following": False}}


@route("/api/users/{userId}/followers", "GET", "Who follows a user", paginated=True, response="User[]")
def list_followers(userId: str) -> dict[str, Any]:  # noqa: N803
    store = repositories()
    found = follows.list_followers(store.follows, store.users, parse_id(userId, "userId"), page())
    return views.list_json(found, views.user_json)


@route("/api/users/{userId}/following", "GET", "Whom a user follows", paginated=True, response="User[]")
def list_following(userId: str) -> dict[str, Any]:  # noqa: N803
    store = repositories()
    found = follows.list_following(store.follows, store.users, parse_id(userId, "userId"), page())
    return views.list_json(found, views.user_json)


# ---------------------------------------------------------------- tweets


@route("/api/users/{userId}/tweets", "GET", "A user's tweets, newest first", paginated=True, response="Tweet[]")
def user_timeline(userId: str) -> dict[str, Any]:  # noqa: N803
    store = repositories()
    found = tweets.user_timeline(store.users, store.tweets, parse_id(userId, "userId"), page())
    return views.list_json(found, views.tweet_json)


@route("/api/tweets", "POST", "Post a tweet", status=201, auth=True, body=TweetDraft, response="Tweet")
def post_tweet() -> dict[str, Any]:
    author = caller_id()
    tweet = tweets.post_tweet(repositories().tweets, author, body(TweetDraft))
    metrics.add_metric(name="TweetPosted", unit=MetricUnit.Count, value=1)
    return {"data": views.tweet_json(tweet)}


@route("/api/tweets/{tweetId}", "GET", "A tweet", response="Tweet")
def get_tweet(tweetId: str) -> dict[str, Any]:  # noqa: N803
    return {"data": views.tweet_json(tweets.get_tweet(repositories().tweets, parse_id(tweetId, "tweetId")))}


@route("/api/tweets/{tweetId}", "DELETE", "Delete one of the caller's tweets", status=204, auth=True)
def delete_tweet(tweetId: str) -> None:  # noqa: N803
    caller = caller_id()
    tweets.delete_tweet(repositories().tweets, caller, parse_id(tweetId, "tweetId"))


# ---------------------------------------------------------------- home timeline


@route("/api/timeline", "GET", "The caller's home timeline", auth=True, paginated=True, response="TimelineTweet[]")
def home_timeline() -> dict[str, Any]:
    found = home_timeline_page(repositories(), get_settings(), caller_id(), page())
    return views.list_json(found, views.home_timeline_item_json)


@route(
    "/api/users/{userId}/timeline",
    "GET",
    "A user's home timeline (its owner only)",
    auth=True,
    paginated=True,
    response="TimelineTweet[]",
)
def user_home_timeline(userId: str) -> dict[str, Any]:  # noqa: N803
    caller = caller_id()
    found = owners_home_timeline_page(repositories(), get_settings(), caller, parse_id(userId, "userId"), page())
    return views.list_json(found, views.home_timeline_item_json)


# Last, at init: the clients built and everything above frozen out of the garbage collector's walks.
prepare_process()
