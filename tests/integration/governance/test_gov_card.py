"""The model card, built from what the registry holds, as Markdown and as HTML."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from governance_seed import REVIEWERS, gate, register

from charter.governance import GovernanceService, WebhookNotifier, render_card
from charter.store import RegistryStore, open_registry_store

REPORT = {
    "checks": [
        {
            "name": "roc_auc",
            "verdict": "pass",
            "value": 0.9012345,
            "threshold": ">= 0.85",
            "reason": "0.9012 above the floor",
        },
        {
            "name": "demographic_parity_ratio[sex]",
            "verdict": "warn",
            "value": 0.3,
            "threshold": ">= 0.25",
            "reason": "close to the floor <b>",
            "details": {
                "by": ["sex"],
                "groups": [
                    {"group": "Female", "size": 300, "selection_rate": 0.11},
                    {"group": "Male", "size": 700, "selection_rate": 0.31},
                ],
            },
        },
    ]
}


@pytest.fixture
def store(sqlite_url: str) -> Iterator[RegistryStore]:
    opened = open_registry_store(sqlite_url)
    yield opened
    opened.close()


@pytest.fixture
def card_store(store: RegistryStore) -> RegistryStore:
    service = GovernanceService(store, notifier=WebhookNotifier(store))
    version = register(store)
    gate(store, version, "warn", report=REPORT)
    service.approve(version.ref, role="privacy", by=REVIEWERS["privacy"], note="DPIA-7 signed")
    return store


def test_markdown_card_has_every_section(card_store: RegistryStore) -> None:
    card = render_card(card_store, "adult-income@1")
    for heading in (
        "# Model card: adult-income@1",
        "## Purpose and decision",
        "## Intended use and consumers",
        "## Data and lineage",
        "## Gate results",
        "## Approvals",
        "## Deployment history",
        "## Known limitations",
        "## Monitoring plan",
    ):
        assert heading in card
    assert "premium card offer made by branch staff" in card
    assert "Consumer: branch-crm" in card
    assert "| roc_auc | pass | 0.9012 | >= 0.85 |" in card
    assert "**Fairness: demographic_parity_ratio[sex]**" in card
    assert "| Female | 300 | 0.11 |" in card
    assert "| privacy | approved | dpo@bank.example |" in card and "DPIA-7 signed" in card
    assert "Missing for production: approval by role 'validation'" in card
    assert "Gate warn: demographic_parity_ratio[sex]" in card
    assert "drift.psi.max" in card and "retrain" in card


def test_html_card_is_self_contained_and_escaped(card_store: RegistryStore) -> None:
    page = render_card(card_store, "adult-income@1", html=True)
    assert page.startswith("<!doctype html>") and "<style>" in page
    assert "<script" not in page and "http://" not in page and "https://" not in page
    assert "close to the floor &lt;b&gt;" in page
    assert '<td class="warn">warn</td>' in page


def test_a_card_before_any_gate_run_says_so(store: RegistryStore) -> None:
    register(store)
    card = render_card(store, "adult-income@1")
    assert "adult-income@1 has not been through the gate." in card
    assert "Not validated: no gate run is recorded for this version." in card
