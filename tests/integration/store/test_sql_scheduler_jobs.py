"""Scheduler job slots in the store: a failed slot is retried until its attempts run out, a live
holder keeps its slot, and the newest done slot is read back in one query."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from charter.store import open_registry_store
from conftest import make_new_version

T0 = datetime(2026, 3, 2, tzinfo=UTC)
LEASE = timedelta(hours=1)


def test_claims_retries_and_the_last_done_slot(db_url: str) -> None:
    store = open_registry_store(db_url)
    try:
        store.create_version(make_new_version())
        claim = {"owner": "a:1:1", "now": T0, "lease": LEASE, "max_attempts": 2}
        assert store.claim_job("churn", "monitor", T0, **claim) is not None
        assert store.claim_job("churn", "monitor", T0, **{**claim, "owner": "b:2:2"}) is None
        store.finish_job("churn", "monitor", T0, owner="a:1:1", status="failed", now=T0)
        second = store.claim_job("churn", "monitor", T0, **claim)
        assert second is not None and second.attempts == 2
        store.finish_job("churn", "monitor", T0, owner="a:1:1", status="failed", now=T0)
        assert store.claim_job("churn", "monitor", T0, **claim) is None  # out of attempts
        assert store.last_done_job("churn", "monitor") is None
        for hour in (1, 2):
            slot = T0 + timedelta(hours=hour)
            assert store.claim_job("churn", "monitor", slot, **claim) is not None
            store.finish_job("churn", "monitor", slot, owner="a:1:1", status="done", now=T0,
                             detail={"until": (slot + timedelta(hours=1)).isoformat()})  # fmt: skip
        last = store.last_done_job("churn", "monitor")
        assert last is not None and last.slot == T0 + timedelta(hours=2)
        assert store.claim_job("churn", "monitor", last.slot, **claim) is None  # done is final
        # a window's second, labelled monitoring is a slot of its own
        labels = store.claim_job("churn", "labels", last.slot, **claim)
        assert labels is not None and labels.job == "labels"
        store.finish_job("churn", "labels", last.slot, owner="a:1:1", status="done", now=T0)
        assert [j.slot for j in store.list_jobs("churn", "labels")] == [last.slot]
        assert store.list_jobs("churn", "monitor", since=last.slot) == [last]
    finally:
        store.close()
