"""Each function's identity policies, exactly as SAM expands them, resolved against the provisioned resources.

1. `translate`: SAM's own translator (aws-sam-translator) turns the template into CloudFormation, offline. Local
   `CodeUri`/`ContentUri`/`DefinitionUri` folders become placeholder S3 URIs, as `sam package` would make them
   (and an image function built from its Dockerfile gets a placeholder ImageUri, as `sam package` pushes it);
   the managed-policy loader, which would list the account's policies, knows none (SAM finds the ARN of an AWS
   managed policy named without one in its own bundled list; policy templates and the policies it adds for
   event destinations need no lookup). The region reaches SAM's `Translator` through its `boto_session`:
   `samtranslator.translator.transform.transform`, a thin wrapper around it, reads the region from the
   environment only. ~0.2 s after a ~0.9 s import: `RoleTranslation` runs it in a thread while the emulators
   start.
2. `function_principals`: for each function, the role it runs with: the one SAM generated (`<Function>Role`), or
   the template's `AWS::IAM::Role` its `Role` names (a role from outside the template cannot be known: refused).
   Its inline policies (`Policies[*].PolicyDocument`, including e.g. `<Function><Event>SQSPolicy`, which SAM adds
   for an event's OnFailure destination), its managed policies (`ManagedPolicyArns`: AWS's, from moto's copy of
   them, `moto.iam.aws_managed_policies`; or the template's own `AWS::IAM::ManagedPolicy`), the template's
   `AWS::IAM::Policy`/`RolePolicy`/`ManagedPolicy` resources attached to it, and its permissions boundary.
   Intrinsic functions are resolved by the runtime's resolver, after provisioning, so that resource references
   resolve; DynamoDB Local's ARNs (`arn:aws:dynamodb:ddblocal:000000000000:...`) get the runtime's region and
   account, as requests do.
"""

from __future__ import annotations

import concurrent.futures
import copy
import json
from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

from infra.local.functions import FunctionSpec
from infra.local.iam.actions import canonical_arn
from infra.local.iam.errors import PolicyError
from infra.local.iam.principal import Identity, NamedPolicy, Principal
from infra.local.intrinsics import Resolver
from infra.local.template import JsonValue, Resource, Template

PLACEHOLDER_S3_URI = "s3://placeholder/code.zip"
PLACEHOLDER_IMAGE_URI = "123456789012.dkr.ecr.us-east-1.amazonaws.com/placeholder:latest"
_LOCAL_URI_KEYS = ("CodeUri", "ContentUri", "DefinitionUri")
_ATTACHED_POLICY_TYPES = ("AWS::IAM::Policy", "AWS::IAM::RolePolicy", "AWS::IAM::ManagedPolicy")
AWS_MANAGED_POLICY_PREFIX = "arn:aws:iam::aws:policy"


# ---------------------------------------------------------------------- 1. SAM's translation
def translate(template: Template, parameters: Mapping[str, JsonValue], region: str) -> dict[str, Any]:
    """The template as SAM translates it to CloudFormation (without touching AWS)."""
    import boto3
    from samtranslator.model.exceptions import ExceptionWithMessage
    from samtranslator.parser.parser import Parser
    from samtranslator.translator.translator import Translator

    document = copy.deepcopy(template.document)
    function_globals = (document.get("Globals") or {}).get("Function") or {}
    for properties in [function_globals, *((body.get("Properties") or {}) for body in document["Resources"].values())]:
        for key in _LOCAL_URI_KEYS:
            if isinstance(properties.get(key), str) and not properties[key].startswith("s3://"):
                properties[key] = PLACEHOLDER_S3_URI
        if properties.get("PackageType") == "Image" and "ImageUri" not in properties:
            properties["ImageUri"] = PLACEHOLDER_IMAGE_URI
    translator = Translator(None, Parser(), boto_session=boto3.session.Session(region_name=region))
    try:
        translated: dict[str, Any] = translator.translate(
            document, parameter_values=dict(parameters), get_managed_policy_map=dict
        )
    except ExceptionWithMessage as error:
        raise PolicyError(f"SAM cannot translate the template: {error.message}") from error
    return translated


class RoleTranslation:
    """SAM's translation, started at once in a thread of its own (with moto's evaluator imported there too)."""

    def __init__(self, template: Template, parameters: Mapping[str, JsonValue], region: str) -> None:
        executor = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="sam-translate")
        self._future = executor.submit(self._translate, template, dict(parameters), region)
        executor.shutdown(wait=False)

    @staticmethod
    def _translate(template: Template, parameters: dict[str, JsonValue], region: str) -> dict[str, Any]:
        translated = translate(template, parameters, region)
        import infra.local.iam.evaluator  # noqa: F401 - moto's import (~0.6 s), paid while the emulators start

        return translated

    def result(self) -> dict[str, Any]:
        return self._future.result()


# ---------------------------------------------------------------------- 2. each function's principal
def function_principals(
    translated: dict[str, Any], template: Template, functions: Sequence[FunctionSpec], resolver: Resolver
) -> dict[str, Principal]:
    """Every function's identity and policies, resolved (call after provisioning)."""
    expanded = Template(document=translated, base_dir=template.base_dir)
    role_resolver = Resolver(
        expanded,
        resolver.parameters,
        resolver.pseudo,
        placeholder_ids={logical_id for logical_id in expanded.resources if logical_id not in resolver.outputs},
    )
    role_resolver.outputs = resolver.outputs  # the same provisioned resources
    symbols = resource_symbols(resolver)
    return {
        function.logical_id: _RoleReader(expanded, template, role_resolver).principal(function, symbols)
        for function in functions
    }


class _RoleReader:
    def __init__(self, expanded: Template, original: Template, resolver: Resolver) -> None:
        self.expanded = expanded
        self.original = original
        self.resolver = resolver

    @property
    def region(self) -> str:
        return self.resolver.pseudo.region

    @property
    def account_id(self) -> str:
        return self.resolver.pseudo.account_id

    def principal(self, function: FunctionSpec, symbols: dict[str, str]) -> Principal:
        role = self._role_of(function)
        policies = [self._inline(function, role, entry) for entry in role.properties.get("Policies") or []]
        policies += [self._managed(value, role, function) for value in role.properties.get("ManagedPolicyArns") or []]
        policies += self._attached(role)
        boundary = role.properties.get("PermissionsBoundary")
        role_name = role.properties.get("RoleName")
        identity = Identity(
            function_id=function.logical_id,
            function_name=function.name,
            role_name=self.resolver.resolve_string(role_name, f"{role.logical_id}.RoleName")
            if role_name
            else self.resolver.placeholder_ref(role.logical_id),
            account_id=self.account_id,
            region=self.region,
        )
        return Principal(
            identity=identity,
            policies=tuple(policies),
            boundary=(self._managed(boundary, role, function),) if boundary else (),
            symbols=symbols,
        )

    def _role_of(self, function: FunctionSpec) -> Resource:
        resource = self.expanded.resources.get(function.logical_id)
        reference = resource.properties.get("Role") if resource else None
        target = _get_att_target(reference)
        role = self.expanded.resources.get(target or "")
        if role is None or role.type != "AWS::IAM::Role":
            raise PolicyError(
                f"{function.logical_id}: its Role ({_short(reference)}) is not an AWS::IAM::Role of the template, so "
                "its policies cannot be known locally: declare the role in the template, or let SAM generate it"
            )
        return role

    # ------------------------------------------------------------------ documents
    def _document(self, value: JsonValue, where: str) -> dict[str, Any]:
        document = self.resolver.resolve(value)
        if not isinstance(document, dict):
            raise PolicyError(f"{where}: the policy document does not resolve to an object")
        canonical: dict[str, Any] = _canonical(document, self.region, self.account_id)
        return canonical

    def _inline(self, function: FunctionSpec, role: Resource, entry: dict[str, Any]) -> NamedPolicy:
        name = self.resolver.resolve_string(entry.get("PolicyName"), f"{role.logical_id} policy name")
        document = self._document(entry.get("PolicyDocument"), f"{role.logical_id}.{name}")
        return NamedPolicy(name=name, document=document, origin=self._origin(function, role, name))

    def _managed(self, value: JsonValue, role: Resource, function: FunctionSpec) -> NamedPolicy:
        reference = value.get("Ref") if isinstance(value, dict) else None
        own = self.expanded.resources.get(str(reference)) if reference else None
        if own is not None and own.type == "AWS::IAM::ManagedPolicy":
            name = str(own.properties.get("ManagedPolicyName") or own.logical_id)
            document = self._document(own.properties.get("PolicyDocument"), own.logical_id)
            return NamedPolicy(name=name, document=document, origin=f"the template's managed policy {own.logical_id}")
        arn = self.resolver.resolve_string(value, f"{role.logical_id} managed policy")
        name, document = aws_managed_policy(arn, f"{function.logical_id} ({role.logical_id})")
        listed = json.dumps(self._original_policies(function))  # by ARN, or by name (SAM finds its ARN)
        added_by_sam = (
            role.logical_id == f"{function.logical_id}Role" and arn not in listed and f'"{name}"' not in listed
        )
        origin = f"AWS managed policy {name}" + (", added by SAM" if added_by_sam else "")
        return NamedPolicy(name=name, document=document, origin=origin)

    def _attached(self, role: Resource) -> list[NamedPolicy]:
        """The template's AWS::IAM::Policy, RolePolicy and ManagedPolicy resources that name this role."""
        attached = []
        for resource in self.expanded.resources.values():
            if resource.type not in _ATTACHED_POLICY_TYPES or not self.resolver.is_included(resource.condition):
                continue
            roles = resource.properties.get("Roles") or [resource.properties.get("RoleName")]
            if {"Ref": role.logical_id} not in roles:
                continue
            name = str(
                resource.properties.get("PolicyName")
                or resource.properties.get("ManagedPolicyName")
                or resource.logical_id
            )
            document = self._document(resource.properties.get("PolicyDocument"), resource.logical_id)
            attached.append(
                NamedPolicy(
                    name=name, document=document, origin=f"the template's {resource.type} {resource.logical_id}"
                )
            )
        return attached

    # ------------------------------------------------------------------ origins, for people
    def _original_policies(self, function: FunctionSpec) -> list[Any]:
        resource = self.original.resources.get(function.logical_id)
        policies = resource.properties.get("Policies") if resource else None
        if policies is None:
            return []
        return list(policies) if isinstance(policies, list) else [policies]

    def _origin(self, function: FunctionSpec, role: Resource, policy_name: str) -> str:
        """Where in the template a SAM-generated inline policy comes from."""
        if role.logical_id != f"{function.logical_id}Role":
            return f"{role.logical_id}.Policies {policy_name}"
        prefix = f"{role.logical_id}Policy"
        if policy_name.startswith(prefix) and policy_name[len(prefix) :].isdigit():
            index = int(policy_name[len(prefix) :])
            policies = self._original_policies(function)
            if index < len(policies):
                return f"Policies[{index}]: {_describe_policy_entry(policies[index])}"
        for event in function.events:
            for kind in ("SQS", "SNS"):
                if policy_name == f"{function.logical_id}{event.name}{kind}Policy":
                    return f"added by SAM for the {event.name} event's OnFailure destination"
        return f"added by SAM ({policy_name})"


def _get_att_target(reference: JsonValue) -> str | None:
    if isinstance(reference, dict) and "Fn::GetAtt" in reference:
        target = reference["Fn::GetAtt"]
        return str(target[0] if isinstance(target, list) else str(target).partition(".")[0])
    return None


@cache
def _aws_managed_policies() -> dict[str, Any]:
    from moto.iam.aws_managed_policies import aws_managed_policies_data

    policies: dict[str, Any] = json.loads(aws_managed_policies_data)
    return policies


def aws_managed_policy(arn: str, where: str) -> tuple[str, dict[str, Any]]:
    """(name, document) of an AWS managed policy, from moto's copy of AWS's."""
    if not arn.startswith(f"{AWS_MANAGED_POLICY_PREFIX}/"):
        if not arn.startswith("arn:"):
            raise PolicyError(f"{where}: managed policy {arn!r} is named without its ARN; name it by ARN")
        raise PolicyError(f"{where}: managed policy {arn} is not in the template, so its document is unknown locally")
    path, _, name = arn[len(AWS_MANAGED_POLICY_PREFIX) :].rpartition("/")
    known = _aws_managed_policies().get(name)
    if known is None or known.get("Path", "/") != f"{path}/":
        raise PolicyError(f"{where}: {arn} is not an AWS managed policy known to moto")
    return name, dict(known["Document"])


def _canonical(value: Any, region: str, account_id: str) -> Any:
    if isinstance(value, str):
        return canonical_arn(value, region, account_id)
    if isinstance(value, list):
        return [_canonical(item, region, account_id) for item in value]
    if isinstance(value, dict):
        return {key: _canonical(item, region, account_id) for key, item in value.items()}
    return value


def resource_symbols(resolver: Resolver) -> dict[str, str]:
    """Concrete values of the provisioned resources (names, ARNs, URLs) -> the template's names for them."""
    region, account = resolver.pseudo.region, resolver.pseudo.account_id
    symbols: dict[str, str] = {f":{region}:": ":${AWS::Region}:", f":{account}:": ":${AWS::AccountId}:"}
    for logical_id in sorted(resolver.placeholder_ids):
        symbols[resolver.placeholder_ref(logical_id)] = f"${{{logical_id}}}"
    for logical_id, outputs in resolver.outputs.items():
        for attribute, value in outputs.attributes.items():
            if _is_name_like(attribute, value):
                symbols[canonical_arn(value, region, account)] = f"${{{logical_id}.{attribute}}}"
        if len(outputs.ref) >= 4:
            symbols[canonical_arn(outputs.ref, region, account)] = f"${{{logical_id}}}"
    return symbols


def _is_name_like(attribute: str, value: str) -> bool:
    return value.startswith(("arn:", "http")) or attribute.endswith(("Arn", "Name", "Url", "Id"))


def _describe_policy_entry(entry: Any) -> str:
    """`DynamoDBCrudPolicy {TableName: !Ref UsersTable}`, an ARN, or `inline policy`."""
    if isinstance(entry, dict) and "Statement" in entry:
        return "inline policy"
    if isinstance(entry, dict) and len(entry) == 1:
        ((name, parameters),) = entry.items()
        return f"{name} {_short(parameters)}"
    return _short(entry)


def _short(value: Any) -> str:
    """A template value as YAML short forms would write it."""
    if isinstance(value, dict) and len(value) == 1:
        ((key, argument),) = value.items()
        if key == "Ref":
            return f"!Ref {argument}"
        if key == "Fn::GetAtt":
            return "!GetAtt " + (".".join(map(str, argument)) if isinstance(argument, list) else str(argument))
        if key.startswith("Fn::"):
            return f"!{key[4:]} {json.dumps(argument)}"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key}: {_short(item)}" for key, item in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_short(item) for item in value) + "]"
    return str(value)
