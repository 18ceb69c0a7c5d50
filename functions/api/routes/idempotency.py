"""`Idempotency-Key` on the creating POSTs declared `idempotent=True` (posting a tweet, a reply or a quote;
asking for a media upload): a client sends one key per compose and the same key on every retry of it. Within 24
hours, the same caller's same key answers the first attempt's answer (its status and body) without running the
view again, so a retry after a lost answer (a timeout, a dropped connection) never makes a second tweet.

- a key outside 1-64 characters of [A-Za-z0-9_-]: 400;
- the same key with another body (or path): 422 (IETF's draft "The Idempotency-Key HTTP Header Field" asks 422
  for a reused key), and nothing written;
- the same key while its first attempt is still being answered (a client's retry racing it): 409 with
  Retry-After, and nothing written; the retry after it gets the first attempt's answer;
- an attempt that failed (any error) leaves no record: the key may be sent again and runs the view again
  (a 4xx answers the same 4xx; a 5xx may succeed);
- no header: as without this module.

Why Powertools' idempotency utility (`idempotent_function`, `DynamoDBPersistenceLayer`, payload validation):
it is the layer's own dependency already, and it does exactly the record's life this needs (a conditional put of
an INPROGRESS record, the answer stored beside it, the record deleted when the attempt fails, a record left by a
sandbox killed mid-request expiring with the invocation's remaining time, payload validation by a hash), with a
table of its own (IdempotencyTable: `id`, TTL on `expires_at`). The record's key is a hash of the caller and the
key, prefixed with the route; the body is validated by a hash of the body and path parameters. Its import and
its boto3 client are paid by the first request that sends a key, never at a cold start.

What the record alone cannot cover: a sandbox killed after the view wrote but before the record was completed
leaves it in progress until it expires, and the retry after that runs the view again. So a post also claims its
key in its own transaction (`chirp.adapters.dynamodb.models.PostClaimItem`, same table): that retry answers the
tweet the first attempt made (`make chaos` found the second tweet this made before).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from chalice.app import Request
from chirp.errors import Conflict, InvalidInput, MalformedRequest, Retryable
from chirp.http.requests import read_json_object
from chirp.tweets.repository import IDEMPOTENCY_KEY_LIFETIME_S

HEADER = "Idempotency-Key"
KEY = re.compile(r"[A-Za-z0-9_-]{1,64}")
# How long a key's first answer is kept, and replayed.
RECORD_LIFETIME_S = IDEMPOTENCY_KEY_LIFETIME_S


class KeyInProgress(Conflict):
    """The key's first attempt is still being answered."""

    retry_after_s = 1


class KeyReused(InvalidInput):
    """The key was sent before with another request."""


def answered_once(
    request: Request,
    *,
    route: str,
    caller_id: int,
    params: Mapping[str, str],
    max_body_bytes: int,
    lambda_context: Any,
    answer: Callable[[], Any],
) -> Any:
    """`answer()`, or the first answer to this caller's `Idempotency-Key` on `route` (see the module)."""
    key = request.headers.get(HEADER.lower())
    if key is None:
        return answer()
    if not KEY.fullmatch(key):
        raise MalformedRequest(f"{HEADER} must be 1 to 64 characters of A-Z, a-z, 0-9, '_' and '-'")
    from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig, idempotent_function
    from aws_lambda_powertools.utilities.idempotency.exceptions import (
        IdempotencyAlreadyInProgressError,
        IdempotencyPersistenceLayerError,
        IdempotencyValidationError,
    )
    from chirp.wiring.api import dependencies

    config = IdempotencyConfig(
        event_key_jmespath="[caller, key]",
        payload_validation_jmespath="request",
        raise_on_no_idempotency_key=True,
        expires_after_seconds=RECORD_LIFETIME_S,
        lambda_context=lambda_context,
    )

    @idempotent_function(
        data_keyword_argument="attempt",
        persistence_store=dependencies().idempotency_store(),
        config=config,
        key_prefix=route,
    )
    def first_answer(attempt: dict[str, Any]) -> Any:
        return answer()

    sent = read_json_object(request.raw_body, request.headers.get("content-type"), max_body_bytes)
    try:
        return first_answer(
            attempt={"caller": caller_id, "key": key, "request": {"params": dict(params), "body": sent}}
        )
    except IdempotencyValidationError:
        raise KeyReused(f"{HEADER} {key!r} was sent before with another request; send a new key") from None
    except IdempotencyAlreadyInProgressError:
        raise KeyInProgress(f"a request with {HEADER} {key!r} is being answered; retry it in a moment") from None
    except IdempotencyPersistenceLayerError as error:
        raise Retryable(f"the {HEADER} record could not be read or written; retry the request ({error})") from None
