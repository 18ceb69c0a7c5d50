"""Translate a SAM template to plain CloudFormation, offline, and print it as JSON.

Runs in .venv-sam (aws-sam-translator pins an older pydantic than the app's, so it cannot live in .venv):

    .venv-sam/bin/python tests/template/sam_translate.py template.yaml

It goes through SAM CLI's own validator, the code `sam validate` runs: local CodeUri/ContentUri paths
become placeholder S3 URIs (as `sam package` would make them), then samtranslator expands every
AWS::Serverless::* resource. The one thing `sam validate` needs AWS for, looking up managed policies
named without an ARN, is refused here, so the check never needs credentials or a network.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from samcli.lib.translate.sam_template_validator import SamTemplateValidator
from samcli.yamlhelper import yaml_parse

REGION = "us-east-1"


class OfflineManagedPolicies:
    """Stands in for samtranslator's ManagedPolicyLoader, which lists the account's IAM policies."""

    def load(self) -> dict[str, str]:
        raise SystemExit("the template names an IAM managed policy without its ARN; use the ARN (no IAM lookup)")


def translate(template_path: Path) -> dict[str, Any]:
    sam_template = yaml_parse(template_path.read_text())
    validator = SamTemplateValidator(sam_template, OfflineManagedPolicies(), region=REGION)
    translated: dict[str, Any] = yaml_parse(validator.get_translated_template_if_valid())
    return translated


if __name__ == "__main__":
    json.dump(translate(Path(sys.argv[1])), sys.stdout, indent=1, sort_keys=True)
