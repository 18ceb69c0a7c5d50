"""Who makes a call (a function's identity) and what its role holds (its policy documents).

Light on purpose: a sandbox imports it (standard library only).
"""

from __future__ import annotations

import enum
import hashlib
import json
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any


class Decision(enum.Enum):
    """The outcome of IAM's evaluation of one (action, resource) for one principal."""

    ALLOWED = "ALLOWED"
    IMPLICIT_DENY = "IMPLICIT_DENY"  # no identity-based policy allows it
    EXPLICIT_DENY = "EXPLICIT_DENY"  # a Deny statement matches
    BOUNDARY_DENY = "BOUNDARY_DENY"  # the role's permissions boundary does not allow it

    @property
    def allowed(self) -> bool:
        return self is Decision.ALLOWED

    def reason(self, action: str) -> str:
        """The end of AWS's access-denied message."""
        if self is Decision.EXPLICIT_DENY:
            return "with an explicit deny in an identity-based policy"
        if self is Decision.BOUNDARY_DENY:
            return f"because no permissions boundary allows the {action} action"
        return f"because no identity-based policy allows the {action} action"


@dataclass(frozen=True)
class Identity:
    """A function as IAM sees its calls: the role's session, named after the function, in one account."""

    function_id: str  # the template's logical id
    function_name: str
    role_name: str
    account_id: str
    region: str

    @property
    def caller_arn(self) -> str:
        """Lambda's role session: `arn:aws:sts::<account>:assumed-role/<role>/<function name>`."""
        return f"arn:aws:sts::{self.account_id}:assumed-role/{self.role_name}/{self.function_name}"

    @property
    def role_arn(self) -> str:
        return f"arn:aws:iam::{self.account_id}:role/{self.role_name}"

    def as_json(self) -> dict[str, str]:
        return {
            "function_id": self.function_id,
            "function_name": self.function_name,
            "role_name": self.role_name,
            "account_id": self.account_id,
            "region": self.region,
        }

    @classmethod
    def from_json(cls, document: dict[str, str]) -> Identity:
        return cls(**document)


@dataclass(frozen=True)
class NamedPolicy:
    """One policy document of a role, with where it comes from in the template."""

    name: str  # the IAM policy name (`ApiFunctionRolePolicy0`) or the managed policy's name
    document: dict[str, Any]  # resolved: plain JSON, no intrinsic functions left
    origin: str  # for people: `Policies[0]: DynamoDBCrudPolicy {TableName: !Ref UsersTable}`

    def statements(self) -> list[dict[str, Any]]:
        statements = self.document.get("Statement") or []
        return list(statements) if isinstance(statements, list) else [statements]

    def as_json(self) -> dict[str, Any]:
        return {"name": self.name, "origin": self.origin, "document": self.document}

    @classmethod
    def from_json(cls, document: dict[str, Any]) -> NamedPolicy:
        return cls(name=document["name"], document=document["document"], origin=document["origin"])


@dataclass(frozen=True)
class Principal:
    """A function's identity and every policy its role carries.

    `symbols` maps concrete values found in the documents (table ARNs, queue names, the account...) to the
    template's names for them (`${UsersTable.Arn}`), so that a report reads the same whatever the names of a run.
    """

    identity: Identity
    policies: tuple[NamedPolicy, ...]
    boundary: tuple[NamedPolicy, ...] = ()
    symbols: dict[str, str] = field(default_factory=dict)

    @property
    def function_id(self) -> str:
        return self.identity.function_id

    def as_json(self) -> dict[str, Any]:
        return {
            "identity": self.identity.as_json(),
            "policies": [policy.as_json() for policy in self.policies],
            "boundary": [policy.as_json() for policy in self.boundary],
            "symbols": self.symbols,
        }

    @classmethod
    def from_json(cls, document: dict[str, Any]) -> Principal:
        return cls(
            identity=Identity.from_json(document["identity"]),
            policies=tuple(NamedPolicy.from_json(policy) for policy in document["policies"]),
            boundary=tuple(NamedPolicy.from_json(policy) for policy in document.get("boundary", [])),
            symbols=dict(document.get("symbols") or {}),
        )

    @cached_property
    def digest(self) -> str:
        """A short fingerprint of the identity and documents (the usage log names principals by it)."""
        text = json.dumps(self.as_json(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()[:16]
