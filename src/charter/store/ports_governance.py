"""The governance part of the registry port: approvals, tokens and webhooks."""

from __future__ import annotations

import abc

__all__ = ["GovernancePort"]


class GovernancePort(abc.ABC):  # noqa: B024 - methods arrive with the governance work
    """Storage the sign-off, promotion and token rules need."""
