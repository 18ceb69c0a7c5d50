"""Reading what a client sent: JSON bodies into input models, ids and pages from
paths and query strings. Every way a request can be wrong ends in a domain error
with a message that names the field and the rule, never in an unhandled exception."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel, ValidationError

from chirp.errors import InvalidInput, MalformedRequest, PayloadTooLarge, UnsupportedMediaType
from chirp.pages import PageRequest, page_request

if TYPE_CHECKING:
    from chirp.http.openapi import QueryParameter

Model = TypeVar("Model", bound=BaseModel)

# Pydantic's message for a pattern names the regex; say the rule in words instead.
_PATTERN_RULES = {
    "username": "must be 1-15 characters, each a letter, digit or underscore",
    "quote_tweet_id": "must be a tweet id (a positive 64-bit integer as a string)",
    "reply.in_reply_to_tweet_id": "must be a tweet id (a positive 64-bit integer as a string)",
}


def parse_json_body(raw: bytes | str | None, content_type: str | None, max_bytes: int, model: type[Model]) -> Model:
    document = read_json_object(raw, content_type, max_bytes)
    try:
        return model.model_validate(document)
    except ValidationError as error:
        raise InvalidInput(describe_validation_error(error)) from None


def read_json_object(raw: bytes | str | None, content_type: str | None, max_bytes: int) -> dict[str, Any]:
    raw = raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else (raw or b"")
    if len(raw) > max_bytes:
        raise PayloadTooLarge(f"request body is {len(raw)} bytes; the limit is {max_bytes}")
    media_type = (content_type or "application/json").split(";")[0].strip().lower()
    if media_type != "application/json":
        raise UnsupportedMediaType(f"send the body as application/json, not {media_type}")
    if not raw.strip():
        return {}
    try:
        document = json.loads(raw.decode("utf-8"), parse_constant=_reject_constant)
    except UnicodeDecodeError:
        raise MalformedRequest("request body is not valid UTF-8") from None
    except (ValueError, RecursionError) as error:
        raise MalformedRequest(f"request body is not valid JSON: {_short(error)}") from None
    if not isinstance(document, dict):
        raise MalformedRequest("request body must be a JSON object")
    _reject_lone_surrogates(document)
    return document


def describe_validation_error(error: ValidationError) -> str:
    messages = []
    for detail in error.errors(include_url=False, include_input=False):
        field = ".".join(str(part) for part in detail["loc"]) or "body"
        if detail["type"] == "extra_forbidden":
            message = "is not a field this endpoint accepts"
        elif detail["type"] == "string_pattern_mismatch" and field in _PATTERN_RULES:
            message = _PATTERN_RULES[field]
        elif detail["type"] == "missing":
            message = "is required"
        else:
            message = detail["msg"].removeprefix("Value error, ")
            message = message[0].lower() + message[1:] if message else message
        messages.append(f"{field}: {message}")
    return "; ".join(messages)


def page_from_query(query: Mapping[str, str] | None) -> PageRequest:
    query = query or {}
    return page_request(query.get("limit"), query.get("cursor"))


def query_value(parameter: QueryParameter, value: str | None) -> str | None:
    """What a declared query parameter (`chirp.http.openapi.QueryParameter`) says, checked. An empty text is
    no text (`?q=`), but an empty number is no number (`?limit=` is refused, as a page's limit is)."""
    if parameter.bounds is not None and value is not None:
        low, high = parameter.bounds
        if not value.isascii() or not value.isdigit() or len(value) > 6 or not low <= int(value) <= high:
            raise MalformedRequest(f"{parameter.name} must be an integer from {low} to {high}")
        return value
    if value is None or value == "":
        if parameter.required:
            raise MalformedRequest(f"{parameter.name} is required: {parameter.description}")
        if parameter.default is not None:
            return str(parameter.default)
        return parameter.choices[0] if parameter.choices else None
    if parameter.choices and value not in parameter.choices:
        raise MalformedRequest(f"{parameter.name} must be one of {', '.join(parameter.choices)}; got {value[:40]!r}")
    if parameter.max_length is not None and len(value) > parameter.max_length:
        raise MalformedRequest(f"{parameter.name} is {len(value)} characters long; at most {parameter.max_length}")
    return value


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not a JSON number")


def _reject_lone_surrogates(value: object) -> None:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                raise MalformedRequest("request body contains an unpaired UTF-16 surrogate escape") from None
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def _short(error: Exception) -> str:
    return str(error)[:120]
