"""Headers every answer of the API carries (HTTP middleware, outside authentication and the rate limiter, so
a 401, a 429 or any other error gets them too): security headers, and CORS for the web origins allowed.

Security headers (OWASP's REST cheat sheet): HSTS for two years with subdomains, nosniff, no framing, no
Referer; a `default-src 'none'` Content-Security-Policy on JSON answers (a JSON answer opened as a page runs
and loads nothing; the web client is served from elsewhere, with its own policy); and `Cache-Control:
no-store` on answers to a request that carried credentials, so no shared or browser cache keeps one user's
data.

CORS: a request whose `Origin` is one of ALLOWED_ORIGINS (chirp.settings.HttpSettings) is answered with
`Access-Control-Allow-Origin: <that origin>` (never `*`: the API takes bearer tokens, and a list is what
lets several clients in) and the rate-limit headers exposed to its script; its preflight (`OPTIONS` with
`Access-Control-Request-Method`) is answered here, 204, before authentication and the limiter (a preflight
carries no token and counts as nothing). Any other origin gets no CORS header, so the browser keeps the
answer from its script; any other OPTIONS is a 405 with Allow (the HTTP API itself answers a method a path
has no route for 404). Chalice's own `cors=` allows one fixed origin per route; ours is a list, hence this
middleware. The HTTP API passes OPTIONS to the function because template.yaml declares an `options` event per
path (else it would answer them 404 itself).
"""

from __future__ import annotations

from collections.abc import Callable

from chalice import Chalice, Response
from chalice.app import Request
from chirp.http.errors import error_body

from routes.routing import JSON_HEADERS, Middleware

SECURITY_HEADERS = {
    "Strict-Transport-Security": "max-age=63072000; includeSubDomains",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}
JSON_POLICY = {"Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'"}
NOT_STORED = {"Cache-Control": "no-store"}
# What a browser lets a cross-origin script read beyond the CORS-safelisted headers: the limits it must respect.
EXPOSED = "x-rate-limit-limit, x-rate-limit-remaining, x-rate-limit-reset, Retry-After"
ALLOWED_REQUEST_HEADERS = "Authorization, Content-Type"
# How long a browser may reuse a preflight's answer (Chromium caps it at 2 hours; Firefox at 24).
PREFLIGHT_MAX_AGE_SECONDS = 7200


def answer_headers(app: Chalice, allowed_origins: Callable[[], frozenset[str]]) -> Middleware:
    """The middleware: a preflight from an allowed origin answered, and every answer given its headers."""

    def add_headers(request: Request, get_response: Callable[[Request], Response]) -> Response:
        origins = allowed_origins()
        origin = request.headers.get("origin")
        shared = origin is not None and origin in origins
        if request.method == "OPTIONS" and shared and "access-control-request-method" in request.headers:
            response = preflight(app, request.path)
        elif request.method == "OPTIONS":
            response = options_not_allowed(app, request.path)
        else:
            response = get_response(request)
        headers = {**response.headers, **SECURITY_HEADERS}
        if _is_json(headers):
            headers |= JSON_POLICY
        if request.headers.get("authorization"):
            headers |= NOT_STORED
        if origins:
            # The answer depends on Origin wherever CORS is on: a cache must not hand one origin's to another.
            headers["Vary"] = "Origin"
        if shared and origin is not None:
            headers |= {"Access-Control-Allow-Origin": origin, "Access-Control-Expose-Headers": EXPOSED}
        # A new dict: a view's response may share its headers with others (routing.JSON_HEADERS).
        response.headers = headers
        return response

    return add_headers


def preflight(app: Chalice, path: str) -> Response:
    """204 naming what the path (a route's template, as API Gateway resolved it) accepts."""
    methods = sorted(app.routes.get(path, {}))
    return Response(
        body="",
        status_code=204,
        headers={
            "Access-Control-Allow-Methods": ", ".join(methods),
            "Access-Control-Allow-Headers": ALLOWED_REQUEST_HEADERS,
            "Access-Control-Max-Age": str(PREFLIGHT_MAX_AGE_SECONDS),
        },
    )


def options_not_allowed(app: Chalice, path: str) -> Response:
    """An OPTIONS that is not an allowed origin's preflight: 405 in the API's error shape (Chalice's own 405 has
    another), as for any method a path does not serve."""
    allowed = ", ".join(sorted(app.routes.get(path, {})))
    message = f"OPTIONS is not allowed on {path}; allowed: {allowed}"
    return Response(
        body=error_body("method_not_allowed", message), status_code=405, headers={**JSON_HEADERS, "Allow": allowed}
    )


def _is_json(headers: dict[str, str | list[str]]) -> bool:
    content_type = next((value for name, value in headers.items() if name.lower() == "content-type"), "")
    return isinstance(content_type, str) and content_type.startswith("application/json")
