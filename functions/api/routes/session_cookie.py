"""Where a route's tokens travel: the JSON body (API clients), or the chirp_refresh HttpOnly cookie for a browser
app that asks with `X-Chirp-Token-Transport: cookie` (what the cookie is, and why another site cannot spend it:
chirp.http.cookies). The account routes read the request's choice first, then hand it their grant."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from chirp.auth.service import TokenGrant
from chirp.errors import InvalidInput
from chirp.http import cookies, schemas, views

from routes.routing import ApiBlueprint


@dataclass(frozen=True)
class TokenTransport:
    """The transport one request asked for, and what it answers with."""

    blueprint: ApiBlueprint
    cookie: bool
    secure: bool
    refresh_ttl_seconds: int

    @classmethod
    def asked(cls, blueprint: ApiBlueprint, refresh_ttl_seconds: int) -> TokenTransport:
        """The request's choice, read before the route does anything (a bad header value: 400, nothing done)."""
        headers: Mapping[str, str] = blueprint.current_request.headers
        return cls(blueprint, cookies.wants_cookie(headers), cookies.is_secure(headers), refresh_ttl_seconds)

    def answer(self, grant: TokenGrant) -> schemas.TokenResponse:
        """The token response: with the cookie transport, the refresh token set as the cookie and left out."""
        if not self.cookie:
            return views.token_json(grant)
        cookie = cookies.refresh_cookie(grant.refresh_token, max_age=self.refresh_ttl_seconds, secure=self.secure)
        self.blueprint.add_response_header("Set-Cookie", cookie)
        return views.token_json(grant, with_refresh_token=False)

    def refresh_token(self, sent: str | None) -> str:
        """The refresh token the body sent, else (with the cookie transport only) the cookie's."""
        token = sent
        if token is None and self.cookie:
            token = cookies.refresh_token_from(self.blueprint.current_request.headers.get("cookie"))
        if token is None and self.cookie:
            raise InvalidInput(
                f"refresh_token: is required: no {cookies.REFRESH_COOKIE} cookie came with the request, and the body"
                " has none (log in again)"
            )
        if token is None:
            raise InvalidInput(
                f"refresh_token: is required (a browser app keeping it in the {cookies.REFRESH_COOKIE} cookie sends"
                f" {cookies.TRANSPORT_HEADER}: {cookies.COOKIE})"
            )
        return token

    def forget(self) -> None:
        """With the cookie transport, the browser told to drop its refresh cookie (logout, account deletion)."""
        if self.cookie:
            self.blueprint.add_response_header("Set-Cookie", cookies.cleared_refresh_cookie(secure=self.secure))
