"""The pure parts of governance: readiness, token roles, signatures, the card document."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime
from pathlib import Path

import pytest

import charter
from charter.contract import parse_charter
from charter.errors import DataError
from charter.governance import Principal, Standing, parse_token_role, sign_payload
from charter.governance.card_document import CardDocument, Fields, Section, Table
from charter.store import ValidationRunRecord, VersionRecord
from charter.store.ports_governance import ApprovalRecord, WebhookRecord

NOW = datetime(2025, 1, 2, 3, 4, tzinfo=UTC)
CHARTER = parse_charter(
    (Path(charter.__file__).parent / "examples" / "adult_charter.yaml").read_text("utf-8")
)
VERSION = VersionRecord("m", 1, "candidate", "sklearn", "u", "s", 1, {}, "h", "ds", NOW)


def _decision(index: int, role: str, decision: str, actor: str) -> ApprovalRecord:
    return ApprovalRecord(index, "m", 1, role, decision, actor, "h", "", "", NOW)  # type: ignore[arg-type]


def _standing(status: str | None, *decisions: ApprovalRecord) -> Standing:
    gate = None
    if status is not None:
        gate = ValidationRunRecord(7, "m", 1, "h", status, {}, "fp", "ci", NOW)  # type: ignore[arg-type]
    return Standing(VERSION, "h", CHARTER, gate, decisions)


def test_missing_lists_the_gate_and_every_role_not_standing() -> None:
    standing = _standing(
        "fail",
        _decision(1, "privacy", "approved", "dpo"),
        _decision(2, "business", "approved", "owner"),
        _decision(3, "business", "rejected", "cfo"),
    )
    assert standing.missing_for_production() == [
        "a passing gate (the latest gate run of m@1 (run 7, 2025-01-02 03:04 UTC) failed)",
        "approval by role 'validation'",
        "approval by role 'business' (rejected by cfo)",
    ]


def test_latest_decision_per_role_wins() -> None:
    standing = _standing(
        "warn",
        _decision(1, "validation", "rejected", "a"),
        _decision(2, "validation", "approved", "b"),
        _decision(3, "privacy", "approved", "c"),
        _decision(4, "business", "approved", "d"),
    )
    assert standing.missing_for_production() == []
    assert {r: d.actor for r, d in standing.approved_roles().items()} == {
        "validation": "b",
        "privacy": "c",
        "business": "d",
    }


@pytest.mark.parametrize(
    ("role", "action", "as_role", "allowed"),
    [
        ("viewer", "read", None, True),
        ("viewer", "promote", None, False),
        ("deployer", "rollback", None, True),
        ("deployer", "approve", "privacy", False),
        ("approver:privacy", "approve", "privacy", True),
        ("approver:privacy", "reject", "business", False),
        ("approver:privacy", "promote", None, False),
        ("admin", "admin", None, True),
    ],
)
def test_token_roles(role: str, action: str, as_role: str | None, allowed: bool) -> None:
    assert Principal(1, "t", role).can(action, approval_role=as_role) is allowed  # type: ignore[arg-type]


def test_token_role_names_are_checked() -> None:
    assert parse_token_role("approver:privacy") == "approver:privacy"
    with pytest.raises(DataError) as info:
        parse_token_role("approver:")
    assert str(info.value) == (
        "The 'role' of a token must be viewer, deployer, admin or approver:ROLE (e.g. "
        "approver:privacy). Got 'approver:' instead."
    )


def test_signature_is_the_hmac_sha256_of_the_body() -> None:
    expected = hmac.new(b"k", b'{"a":1}', hashlib.sha256).hexdigest()
    assert sign_payload("k", b'{"a":1}') == f"sha256={expected}"


def test_webhook_secret_stays_out_of_repr_and_filters_events() -> None:
    hook = WebhookRecord(1, "http://x", ("version.promoted",), "", "me", NOW, secret="topsecret")
    assert "topsecret" not in repr(hook)
    assert hook.wants("version.promoted") and not hook.wants("version.approved")


def test_card_document_escapes_in_both_renderings() -> None:
    document = CardDocument(
        "T <1>",
        "sub",
        [Section("S", [Fields((("a|b", "<x>"),)), Table(("h",), (("fail",),), "cap")])],
    )
    markdown = document.to_markdown()
    assert "| a\\|b | <x> |" in markdown and "**cap**" in markdown
    page = document.to_html()
    assert "<title>T &lt;1&gt;</title>" in page and "<td>&lt;x&gt;</td>" in page
    assert '<td class="fail">fail</td>' in page
