"""What clients send about accounts and profiles, with the rules each field obeys.

Pydantic models in strict mode: wrong types are refused, not coerced, and unknown
fields are refused, so a typo never silently does nothing.
"""

from __future__ import annotations

import re
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, EmailStr, Field, StringConstraints

from chirp.ids import is_id_text

USERNAME_PATTERN = r"^[A-Za-z0-9_]{1,15}$"
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def no_control_characters(value: str) -> str:
    if _CONTROL.search(value):
        raise ValueError("must not contain control characters")
    return value


def single_line(value: str) -> str:
    if "\n" in value or "\r" in value or "\t" in value:
        raise ValueError("must be a single line")
    return value


def http_url(value: str) -> str:
    if value == "":
        return value
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or " " in value:
        raise ValueError("must be an http:// or https:// URL")
    return value


def media_id_text(value: str) -> str:
    """Digits the pattern admits but no id has (0, or past 2**63 - 1) are refused as the field's own error."""
    if not is_id_text(value):
        raise ValueError("must be a media id (a positive 64-bit integer as a string)")
    return value


Text = Annotated[str, AfterValidator(no_control_characters)]
Line = Annotated[Text, AfterValidator(single_line)]
# A media id, as POST /api/media answers it (Twitter's media_id_string).
MediaIdText = Annotated[str, StringConstraints(pattern=r"^[0-9]{1,19}$"), AfterValidator(media_id_text)]


class StrictInput(BaseModel):
    # defer_build: a model's validator is built on its first use, not at import: building all of
    # them up front cost ~200 ms of every cold start, whichever route it served.
    model_config = ConfigDict(strict=True, extra="forbid", str_strip_whitespace=False, frozen=True, defer_build=True)


class Registration(StrictInput):
    username: Annotated[str, StringConstraints(pattern=USERNAME_PATTERN)] = Field(
        description="1-15 letters, digits or underscores; unique ignoring case"
    )
    email: Annotated[EmailStr, StringConstraints(max_length=254)]
    password: Annotated[Text, StringConstraints(min_length=8, max_length=256)]
    name: Annotated[Line, StringConstraints(min_length=1, max_length=50)] | None = None


class Credentials(StrictInput):
    username: Annotated[str, StringConstraints(min_length=1, max_length=254)] = Field(description="username or email")
    password: Annotated[str, StringConstraints(min_length=1, max_length=256)]


class PasswordChange(StrictInput):
    current_password: Annotated[str, StringConstraints(min_length=1, max_length=256)]
    # The same rule as a registration's password.
    new_password: Annotated[Text, StringConstraints(min_length=8, max_length=256)] = Field(
        description="8-256 characters, no control characters; not the current password"
    )


class AccountDeletion(StrictInput):
    password: Annotated[str, StringConstraints(min_length=1, max_length=256)] = Field(
        description="the account's current password (a wrong one is 403)"
    )


class RefreshTokenInput(StrictInput):
    # Optional: a browser app's is in the chirp_refresh cookie instead (chirp.http.cookies).
    refresh_token: Annotated[str, StringConstraints(min_length=1, max_length=512)] | None = Field(
        default=None,
        description="the refresh token; leave it out (or null) to spend the chirp_refresh cookie's, with"
        " X-Chirp-Token-Transport: cookie",
    )


class ProfileUpdate(StrictInput):
    name: Annotated[Line, StringConstraints(min_length=1, max_length=50)] | None = None
    description: Annotated[Text, StringConstraints(max_length=160)] | None = None
    location: Annotated[Line, StringConstraints(max_length=30)] | None = None
    url: Annotated[Line, StringConstraints(max_length=100), AfterValidator(http_url)] | None = None
    avatar_media_id: MediaIdText | None = Field(
        default=None, description="one of the caller's ready images, not attached elsewhere (null: remove the avatar)"
    )
    banner_media_id: MediaIdText | None = Field(
        default=None, description="one of the caller's ready images, not attached elsewhere (null: remove the banner)"
    )
