"""Fixtures for the governance tests: a service over each backend with webhooks off."""

from __future__ import annotations

import pytest
from governance_seed import RecordingNotifier

from charter.governance import GovernanceService
from charter.store import RegistryStore


@pytest.fixture
def notifier() -> RecordingNotifier:
    return RecordingNotifier()


@pytest.fixture
def service(registry_store: RegistryStore, notifier: RecordingNotifier) -> GovernanceService:
    """Governance over a fresh registry, once per backend."""
    return GovernanceService(registry_store, notifier=notifier)
