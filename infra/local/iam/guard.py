"""Every AWS call a process makes, checked against a function's IAM policies before botocore builds it.

A refused call raises `botocore.exceptions.ClientError` shaped like the service's own access-denied answer
(DynamoDB, Secrets Manager, EventBridge: `AccessDeniedException`, 400; SQS and S3: `AccessDenied`, 403; SNS:
`AuthorizationError`, 403; ...), with AWS's message: "User: arn:aws:sts::<account>:assumed-role/<role>/<function>
is not authorized to perform: <action> on resource: <arn> because no identity-based policy allows the <action>
action". An operation `infra.local.iam.actions` cannot map is refused the same way, the message naming the file
to extend. STS GetCallerIdentity needs no permission, as on AWS. A presigned URL is checked too, but only
reported (on stderr and in the usage log): AWS refuses it when it is used, not when it is signed. So is a presigned
S3 POST, as what S3 checks when it receives the form: s3:PutObject on its bucket and key (botocore builds it on
CreateBucket's model, which it is not: `_before_sign_presigned_post`).

How it hooks in: botocore registers the handlers listed in `botocore.handlers.BUILTIN_HANDLERS` on every session
it creates (moto's in-process mock hooks in the same way). `install()` appends three: one on
`before-parameter-build`, which every client emits with the operation and its API parameters (boto3's clients,
PynamoDB's, and the home-timeline read's lean client, `chirp.adapters.dynamodb.wire`, which emits it on the
DynamoDB client's events), one on `before-call` for the API Gateway management API, whose resource is in the
request's URL, and one on `before-sign.s3.PutObject`, where a presigned POST's key is known. A client made from a
session created before `install()` is not checked, except boto3's default session, which `install()` also hooks.

Who is checked: in a sandbox, its function, always (`enforce_in_sandbox`, called by the worker before the handler
is imported: the guard plays the part of AWS's authorization, not of the function); decisions come from the
runtime (`infra.local.iam.channel`), so a sandbox never imports moto. In a test process, whoever
`acting_as(principal)` names, while it is active (calls outside it, or inside `unchecked()`, are not checked);
decisions are made in-process. Either way each distinct (action, resource) is decided once and remembered: a
call whose pairs were decided before costs the mapping and a dictionary lookup per pair (a few microseconds).

Imports botocore and the standard library only (and, for `acting_as`, moto when it is used).
"""

from __future__ import annotations

import sys
import threading
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import botocore.handlers
from botocore.exceptions import ClientError

from infra.local.iam.actions import URL_MAPPED_SERVICES, CallSite, Mapper, Pair, UnmappedOperation, mapper_for
from infra.local.iam.channel import AuthorityClient
from infra.local.iam.principal import Decision, Identity, Principal

Decide = Callable[[str, str], Decision]
MAX_REMEMBERED_DECISIONS = 50_000

# The service's own answer to a refused call: (error code, HTTP status, query-protocol error type).
_DENIALS: dict[str, tuple[str, int, str | None]] = {
    "sqs": ("AccessDenied", 403, "Sender"),
    "sns": ("AuthorizationError", 403, "Sender"),
    "s3": ("AccessDenied", 403, None),
    "sts": ("AccessDenied", 403, "Sender"),
    "cloudwatch": ("AccessDenied", 403, "Sender"),
    "apigatewaymanagementapi": ("ForbiddenException", 403, None),
    "lambda": ("AccessDeniedException", 403, None),
    "xray": ("AccessDeniedException", 403, None),
}
_DEFAULT_DENIAL = ("AccessDeniedException", 400, None)  # DynamoDB, Secrets Manager, EventBridge, SSM, Logs...


class Enforcement:
    """The checks of one identity: its remembered decisions and where to ask for new ones."""

    def __init__(self, identity: Identity, decide: Decide) -> None:
        self.identity = identity
        self._decide = decide
        self._decisions: dict[Pair, Decision] = {}
        self._sites: dict[str | None, CallSite] = {}
        self._reported: set[Pair] = set()
        self._lock = threading.Lock()

    def site(self, region: str | None, url: str | None = None) -> CallSite:
        if url is not None:
            return CallSite(region or self.identity.region, self.identity.account_id, url)
        site = self._sites.get(region)
        if site is None:
            site = self._sites[region] = CallSite(region or self.identity.region, self.identity.account_id)
        return site

    def check(self, service: str, operation: str, pairs: list[Pair], *, presigned: bool = False) -> None:
        """Raise the service's access-denied error unless every pair is allowed."""
        for pair in pairs:
            decision = self._decisions.get(pair)
            if decision is None:
                decision = self._remember(pair)
            if decision is Decision.ALLOWED:
                continue
            error = access_denied(service, operation, self.identity, pair, decision)
            self._report_once(pair, error, presigned)
            if not presigned:
                raise error

    def refuse_unmapped(self, service: str, operation: str, problem: Exception) -> None:
        error = _client_error(service, operation, f"User: {self.identity.caller_arn} is not authorized: {problem}")
        self._report_once((f"{service}:{operation}", "?"), error, presigned=False)
        raise error

    def _remember(self, pair: Pair) -> Decision:
        decision = self._decide(*pair)
        with self._lock:
            if len(self._decisions) >= MAX_REMEMBERED_DECISIONS:
                self._decisions.clear()
            self._decisions[pair] = decision
        return decision

    def _report_once(self, pair: Pair, error: ClientError, presigned: bool) -> None:
        if pair in self._reported:
            return
        self._reported.add(pair)
        details = error.response["Error"]
        what = "a presigned URL will be refused: " if presigned else ""
        print(f"[iam] {self.identity.function_id}: {what}{details['Code']}: {details['Message']}",
              file=sys.stderr, flush=True)  # fmt: skip


class _Sandboxed(Enforcement):
    """A sandbox's enforcement: for the life of the process, never suspended."""


def access_denied(service: str, operation: str, identity: Identity, pair: Pair, decision: Decision) -> ClientError:
    action, resource = pair
    message = (
        f"User: {identity.caller_arn} is not authorized to perform: {action} on resource: {resource} "
        f"{decision.reason(action)}"
    )
    return _client_error(service, operation, message)


def _client_error(service: str, operation: str, message: str) -> ClientError:
    code, status, error_type = _DENIALS.get(service, _DEFAULT_DENIAL)
    error: dict[str, str] = {"Code": code, "Message": message}
    if error_type:
        error["Type"] = error_type
    response: Any = {
        "Error": error,
        "ResponseMetadata": {"RequestId": str(uuid.uuid4()), "HTTPStatusCode": status, "HTTPHeaders": {}},
    }
    return ClientError(response, operation)


# ---------------------------------------------------------------------- the botocore handlers
class _Guard:
    """The process's state: whether the handlers are installed, and whose calls they check now."""

    def __init__(self) -> None:
        self.active: Enforcement | None = None
        self.installed = False
        self.lock = threading.Lock()


_guard = _Guard()
# event name -> (service, operation, mapper or the reason there is none)
_operations: dict[str, tuple[str, str, Mapper | UnmappedOperation]] = {}


def _operation(event_name: str, model: Any) -> tuple[str, str, Mapper | UnmappedOperation]:
    entry = _operations.get(event_name)
    if entry is None:
        service, operation = model.service_model.service_name, model.name
        try:
            mapper: Mapper | UnmappedOperation = mapper_for(service, operation)
        except UnmappedOperation as unmapped:
            mapper = unmapped
        entry = _operations[event_name] = (service, operation, mapper)
    return entry


def _check_call(
    enforcement: Enforcement, entry: tuple[str, str, Mapper | UnmappedOperation], params: Mapping[str, Any],
    site: CallSite, presigned: bool,
) -> None:  # fmt: skip
    service, operation, mapper = entry
    if isinstance(mapper, UnmappedOperation):
        enforcement.refuse_unmapped(service, operation, mapper)
        return
    try:
        pairs = mapper(params, site)
    except KeyError:
        return  # a required parameter is missing: botocore or the service refuses the request itself
    except (ValueError, TypeError) as problem:
        enforcement.refuse_unmapped(service, operation, problem)
        return
    enforcement.check(service, operation, pairs, presigned=presigned)


def _before_parameter_build(
    params: Mapping[str, Any], model: Any, context: Mapping[str, Any], event_name: str, **_kwargs: Any
) -> None:
    enforcement = _guard.active
    if enforcement is None:
        return
    entry = _operation(event_name, model)
    if entry[0] in URL_MAPPED_SERVICES:
        return  # checked at before-call, once the request's URL is known
    presigned = bool(context.get("is_presign_request"))
    if presigned and entry[:2] == ("s3", "CreateBucket"):
        return  # a presigned POST (generate_presigned_post borrows CreateBucket's model): checked when it is signed
    site = enforcement.site(context.get("client_region"))
    _check_call(enforcement, entry, params, site, presigned=presigned)


def _before_sign_presigned_post(request: Any, region_name: str | None = None, **_: Any) -> None:
    """A presigned S3 POST, as S3 authorises it when the form arrives: s3:PutObject on the policy's bucket and key
    (reported, not refused). A PutObject call's own signing is left alone: it was checked before it was built."""
    enforcement = _guard.active
    fields = request.context.get("s3-presign-post-fields")
    if enforcement is None or fields is None:
        return
    conditions = request.context.get("s3-presign-post-policy", {}).get("conditions", [])
    bucket = next((c["bucket"] for c in conditions if isinstance(c, dict) and "bucket" in c), None)
    if bucket is None or "key" not in fields:
        return
    entry = ("s3", "PutObject", mapper_for("s3", "PutObject"))
    params = {"Bucket": bucket, "Key": fields["key"]}
    _check_call(enforcement, entry, params, enforcement.site(region_name), presigned=True)


def _before_call(params: Mapping[str, Any], model: Any, context: Mapping[str, Any], event_name: str, **_: Any) -> None:
    enforcement = _guard.active
    if enforcement is None:
        return
    entry = _operation(event_name, model)
    site = enforcement.site(context.get("client_region"), url=str(params.get("url") or ""))
    _check_call(enforcement, entry, {}, site, presigned=False)


def install() -> None:
    """Hook the guard into every botocore session created from now on (and boto3's default one). Idempotent."""
    with _guard.lock:
        if _guard.installed:
            return
        handlers: list[tuple[Any, ...]] = [("before-parameter-build", _before_parameter_build)]
        handlers += [(f"before-call.{service}", _before_call) for service in sorted(URL_MAPPED_SERVICES)]
        handlers.append(("before-sign.s3.PutObject", _before_sign_presigned_post))
        botocore.handlers.BUILTIN_HANDLERS.extend(handlers)
        boto3 = sys.modules.get("boto3")
        default_session = getattr(boto3, "DEFAULT_SESSION", None) if boto3 else None
        if default_session is not None:
            for event_name, handler in handlers:
                default_session._session.register(event_name, handler)
        _guard.installed = True


def enforce_in_sandbox(settings: Mapping[str, Any]) -> None:
    """Check every call of this process as its function's: `{"identity": {...}, "authority_fd": <fd>}`."""
    install()
    authority = AuthorityClient(int(settings["authority_fd"]))
    _guard.active = _Sandboxed(Identity.from_json(dict(settings["identity"])), authority.decide)


@contextmanager
def acting_as(principal: Principal, *, record: bool = True) -> Iterator[Principal]:
    """While active, every call this process makes is checked against `principal`'s policies (in-process).

    Decisions go to the usage log when `CHIRP_IAM_USAGE_DIR` is set, unless `record` is False (a test that is
    refused on purpose keeps its refusals out of the usage report).
    """
    from infra.local.iam.authority import FunctionAuthority
    from infra.local.iam.usage import shared_usage_log

    install()
    authority = FunctionAuthority(principal, shared_usage_log("in-process") if record else None)
    previous, _guard.active = _guard.active, Enforcement(principal.identity, authority.decide)
    try:
        yield principal
    finally:
        _guard.active = previous


@contextmanager
def unchecked() -> Iterator[None]:
    """Suspend the checks of `acting_as` (a test seeding data inside one); in a sandbox, nothing is suspended."""
    if isinstance(_guard.active, _Sandboxed):
        yield
        return
    previous, _guard.active = _guard.active, None
    try:
        yield
    finally:
        _guard.active = previous


def active_identity() -> Identity | None:
    """Whose calls are being checked right now, if anyone's."""
    active = _guard.active
    return active.identity if active is not None else None
