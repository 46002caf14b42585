"""The PII policy, the hash key and deterministic sampling."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from charter.contract import load_charter
from charter.predlog import HASH_PREFIX, apply_pii_policy, keyed_hash, load_hash_key, should_sample


@pytest.fixture
def charter(adult_charter_path: Path) -> object:
    text = adult_charter_path.read_text().replace(
        "  customer_id: {log: hash, entity_key: true}",
        "  customer_id: {log: hash, entity_key: true}\n  email: {log: drop}\n  branch: {log: keep}",
    )
    path = adult_charter_path.parent / "pii_charter.yaml"
    path.write_text(text)
    return load_charter(path)


def test_identifiers_follow_their_policy(charter: object) -> None:
    row = {
        "age": 40,
        "customer_id": "C-1",
        "email": "a@b.example",
        "branch": "north",
        "sex": "Male",
        "undeclared": "secret",
    }
    logged = apply_pii_policy(row, charter, hash_key=b"k")  # type: ignore[arg-type]
    assert logged == {
        "age": 40,
        "customer_id": keyed_hash("C-1", b"k"),
        "branch": "north",
        "sex": "Male",
    }
    assert logged["customer_id"].startswith(HASH_PREFIX)
    assert "C-1" not in str(logged)
    other_key = apply_pii_policy(row, charter, hash_key=b"other")  # type: ignore[arg-type]
    assert other_key["customer_id"] != logged["customer_id"]


def test_hash_key_comes_from_env_or_a_private_file(tmp_path: Path) -> None:
    assert load_hash_key(tmp_path, {"CHARTER_LOG_HASH_KEY": "from-env"}) == b"from-env"
    key = load_hash_key(tmp_path, {})
    path = tmp_path / "secrets" / "log_hash.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_hash_key(tmp_path, {}) == key
    assert len(key) == 64


def test_sampling_is_deterministic_and_close_to_the_rate() -> None:
    ids = [f"req-{i}" for i in range(20_000)]
    kept = [i for i in ids if should_sample(i, 0.1)]
    assert kept == [i for i in ids if should_sample(i, 0.1)]
    assert 0.09 < len(kept) / len(ids) < 0.11
    assert all(should_sample(i, 1.0) for i in ids[:100])
    assert not any(should_sample(i, 0.0) for i in ids[:100])
