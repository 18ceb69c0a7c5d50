"""The error the runtime stops on when a role cannot be enforced or would be refused by AWS."""

from __future__ import annotations

from infra.local.template import TemplateError


class PolicyError(TemplateError):
    """A function's role cannot be read, or lacks what Lambda itself needs: the runtime does not start."""
