"""The refresh token as a browser keeps it: an HttpOnly cookie the API sets, never a field page scripts read.

A browser app asks for this "cookie transport" with `X-Chirp-Token-Transport: cookie` on the routes that answer
tokens (register, log in, refresh, password change): the answer then carries the refresh token only in
`Set-Cookie: chirp_refresh=...; HttpOnly; SameSite=Strict; Path=/api/auth; Max-Age=<its lifetime>` (and `Secure`
unless the request came over plain http), and leaves it out of the JSON. So no script, the page's own or one
injected into it, ever reads the long-lived token (HttpOnly), and the browser sends it only to the two routes
that spend it (Path=/api/auth). Without the header, API clients get the token in the body, as ever.

Why another site cannot spend the cookie (CSRF), three locks deep:
- SameSite=Strict: the browser attaches the cookie only to requests a page of the API's own site makes;
- the cookie is read only when the request says `X-Chirp-Token-Transport: cookie`: a header no cross-site form
  can send, and a cross-origin script only after a CORS preflight the API does not grant (it is not among
  routes.headers.ALLOWED_REQUEST_HEADERS);
- the routes take JSON bodies only (415 for a form's `application/x-www-form-urlencoded`, `multipart/form-data`
  or `text/plain`, the bodies a cross-site form can send).
"""

from __future__ import annotations

from collections.abc import Mapping
from http.cookies import CookieError, Morsel, SimpleCookie

from chirp.errors import MalformedRequest

TRANSPORT_HEADER = "X-Chirp-Token-Transport"
BODY = "body"  # the default: the refresh token in the JSON answer
COOKIE = "cookie"
TRANSPORTS = (BODY, COOKIE)
REFRESH_COOKIE = "chirp_refresh"
# Only the routes that spend the refresh token get it (POST /api/auth/refresh and /api/auth/logout).
COOKIE_PATH = "/api/auth"


def wants_cookie(headers: Mapping[str, str]) -> bool:
    """Whether the request asked for the cookie transport (`headers`: case-insensitive, as Chalice's). A value
    that is neither transport is a 400, so a typo (`Cookie`) does not silently hand the token to scripts."""
    value = headers.get(TRANSPORT_HEADER.lower())
    if value is None or value == BODY:
        return False
    if value == COOKIE:
        return True
    raise MalformedRequest(f"{TRANSPORT_HEADER} must be one of {', '.join(TRANSPORTS)}; got {value[:40]!r}")


def is_secure(headers: Mapping[str, str]) -> bool:
    """Whether the cookie may say Secure: not when the client reached the API over plain http (the local
    runtime's gateway says so in X-Forwarded-Proto, as API Gateway does: https on AWS)."""
    return headers.get("x-forwarded-proto", "https").strip().lower() != "http"


def refresh_cookie(token: str, *, max_age: int, secure: bool) -> str:
    """The Set-Cookie value that hands the browser a refresh token living `max_age` seconds."""
    return _morsel(token, max_age=max_age, secure=secure).OutputString()


def cleared_refresh_cookie(*, secure: bool) -> str:
    """The Set-Cookie value that makes the browser forget its refresh token (Max-Age=0)."""
    return _morsel("", max_age=0, secure=secure).OutputString()


def refresh_token_from(cookie_header: str | None) -> str | None:
    """The refresh token in a request's Cookie header (None: none there, or a header that cannot be read)."""
    if not cookie_header:
        return None
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(cookie_header)
    except CookieError:
        return None
    morsel = jar.get(REFRESH_COOKIE)
    return morsel.value if morsel is not None and morsel.value else None


def _morsel(value: str, *, max_age: int, secure: bool) -> Morsel[str]:
    morsel: Morsel[str] = Morsel()
    morsel.set(REFRESH_COOKIE, value, value)
    morsel["httponly"] = True
    morsel["samesite"] = "Strict"
    morsel["path"] = COOKIE_PATH
    morsel["max-age"] = str(max_age)
    morsel["secure"] = secure
    return morsel
