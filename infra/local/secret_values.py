"""Secret values for `AWS::SecretsManager::Secret` resources, generated once and kept in the data dir.

A secret with `GenerateSecretString` gets a value generated like Secrets Manager would (length and
character classes honoured) the first time the runtime sees it; the value is stored under
`<data>/secrets/<LogicalId>` so that tokens signed before a restart still verify after it.
"""

from __future__ import annotations

import json
import os
import secrets
import string
from collections.abc import Mapping
from pathlib import Path
from typing import Any

_DEFAULT_LENGTH = 32


def generate_secret_string(spec: Mapping[str, Any]) -> str:
    """A value for a `GenerateSecretString` specification."""
    password = generate_password(spec)
    template = spec.get("SecretStringTemplate")
    key = spec.get("GenerateStringKey")
    if template is None or key is None:
        return password
    document = json.loads(str(template))
    document[str(key)] = password
    return json.dumps(document)


def generate_password(spec: Mapping[str, Any]) -> str:
    classes = _character_classes(spec)
    alphabet = "".join(classes)
    if not alphabet:
        raise ValueError("GenerateSecretString excludes every character")
    length = int(spec.get("PasswordLength", _DEFAULT_LENGTH))
    require_each = _flag(spec, "RequireEachIncludedType", default=True) and length >= len(classes)
    while True:
        password = "".join(secrets.choice(alphabet) for _ in range(length))
        if not require_each or all(any(char in group for char in password) for group in classes):
            return password


def _character_classes(spec: Mapping[str, Any]) -> list[str]:
    excluded = set(str(spec.get("ExcludeCharacters", "")))
    candidates = [
        ("ExcludeLowercase", string.ascii_lowercase),
        ("ExcludeUppercase", string.ascii_uppercase),
        ("ExcludeNumbers", string.digits),
        ("ExcludePunctuation", string.punctuation),
    ]
    classes = [chars for flag, chars in candidates if not _flag(spec, flag, default=False)]
    if _flag(spec, "IncludeSpace", default=False):
        classes.append(" ")
    filtered = ("".join(char for char in chars if char not in excluded) for chars in classes)
    return [chars for chars in filtered if chars]


def _flag(spec: Mapping[str, Any], name: str, *, default: bool) -> bool:
    value = spec.get(name, default)
    return value.lower() == "true" if isinstance(value, str) else bool(value)


def persisted_secret_value(secrets_dir: Path, logical_id: str, spec: Mapping[str, Any]) -> str:
    """The value stored for `logical_id`, generating and storing it on first use."""
    path = secrets_dir / logical_id
    if path.exists():
        return path.read_text(encoding="utf-8")
    value = generate_secret_string(spec)
    secrets_dir.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(value)
    temporary.replace(path)
    return value
