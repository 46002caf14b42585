"""Admin routes always need a token with the right role; the governance rules still apply."""

from __future__ import annotations

import httpx

from charter.governance import issue_token
from conftest import MODEL, ServedHome


def test_promote_and_rollback_need_a_deployer_token(
    http: httpx.Client, shared_home: ServedHome
) -> None:
    with shared_home.registry() as registry:
        viewer = issue_token(registry.store, "viewer", by="test").token
        deployer = issue_token(registry.store, "deployer", by="test").token
    path = f"/admin/models/{MODEL}/promote"
    anonymous = http.post(path, json={"version": 2})
    assert anonymous.status_code == 401
    assert anonymous.json()["error"] == "unauthorized"
    forged = http.post(path, json={"version": 2}, headers={"Authorization": "Bearer chr_nope"})
    assert forged.status_code == 401
    read_only = http.post(path, json={"version": 2}, headers={"Authorization": f"Bearer {viewer}"})
    assert read_only.status_code == 403
    # a deployer may ask, but version 2 has neither a passing gate nor approvals
    refused = http.post(path, json={"version": 2}, headers={"Authorization": f"Bearer {deployer}"})
    assert refused.status_code == 409, refused.text
    bad = http.post(path, json={"version": 0}, headers={"Authorization": f"Bearer {deployer}"})
    assert bad.status_code == 400
    rollback = http.post(
        f"/admin/models/{MODEL}/rollback", headers={"Authorization": f"Bearer {deployer}"}
    )
    assert rollback.status_code == 409, rollback.text
