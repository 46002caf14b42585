"""A policy over stored points fires once per episode: after N consecutive windows, not again
while the condition stays true, again once it cleared and returned and the cooldown passed."""

from __future__ import annotations

from pathlib import Path

from policy_kit import MODEL, bare_registry, charter_text, end_of, events, points

from charter.policies import RETRAIN_PENDING, evaluate_policies
from charter.store import RegistryStore

DRIFT = "{metric: drift.psi.max, above: 0.25, for_windows: 2, action: retrain, cooldown: 7d}"
KEY = "retrain:drift.psi.max>0.25x2"


def test_fires_once_per_episode_with_hysteresis_and_cooldown(
    registry_store: RegistryStore, tmp_path: Path
) -> None:
    registry = bare_registry(registry_store, tmp_path, charter_text(DRIFT))
    store = registry.store

    def evaluate(day: int) -> tuple[str, str]:
        (decision,) = evaluate_policies(registry, MODEL, now=end_of(day))
        assert decision.key == KEY
        return decision.state, decision.reason

    assert evaluate(0)[0] == "no_data"
    store.record_points(points("drift.psi.max", [0.30]))
    assert evaluate(0) == ("building", "condition held 1 of 2 consecutive windows")

    store.record_points(points("drift.psi.max", [0.31], first_day=1))
    dry = evaluate_policies(registry, MODEL, now=end_of(1), dry_run=True)
    assert [(d.state, d.is_dry_run, d.outcome) for d in dry] == [("fired", True, None)]
    assert events(store, "policy.fired") == []  # a dry run records nothing

    (fired,) = evaluate_policies(registry, MODEL, now=end_of(1))
    assert fired.state == "fired"
    assert [w.value for w in fired.windows] == [0.30, 0.31]
    assert fired.outcome is not None
    assert (fired.outcome.status, fired.outcome.detail) == ("pending", RETRAIN_PENDING)
    assert evaluate(1)[0] == "holding"  # the same windows never fire twice

    store.record_points(points("drift.psi.max", [0.40], first_day=2))
    assert evaluate(2)[0] == "holding"  # still true: no new firing (hysteresis)
    store.record_points(points("drift.psi.max", [0.10], first_day=3))
    assert evaluate(3)[0] == "ok"
    store.record_points(points("drift.psi.max", [0.50, 0.60], first_day=4))
    state, reason = evaluate(5)
    assert (
        state,
        reason,
    ) == ("cooldown", "would fire, but cooling down until 2026-03-10T00:00:00+00:00")
    assert evaluate(8)[0] == "fired"  # cleared, returned, and 7 days passed
    assert evaluate(9)[0] == "holding"

    fired_events = events(store, "policy.fired")
    assert len(fired_events) == 2
    first, second = fired_events
    assert first == {
        "policy": KEY,
        "action": "retrain",
        "metric": "drift.psi.max",
        "comparison": "above",
        "threshold": 0.25,
        "for_windows": 2,
        "version": 1,
        "windows": [
            {
                "window_start": "2026-03-01T00:00:00+00:00",
                "window_end": "2026-03-02T00:00:00+00:00",
                "value": 0.30,
            },
            {
                "window_start": "2026-03-02T00:00:00+00:00",
                "window_end": "2026-03-03T00:00:00+00:00",
                "value": 0.31,
            },
        ],
    }
    assert [w["value"] for w in second["windows"]] == [0.50, 0.60]
    pending = events(store, "policy.retrain_pending")
    assert [e["outcome"]["detail"] for e in pending] == [RETRAIN_PENDING] * 2
    actors = {e.actor for e in store.list_events(MODEL) if e.action.startswith("policy.")}
    assert {f"policy:{KEY}"} == actors


def test_missing_windows_and_empty_values_break_the_run(
    registry_store: RegistryStore, tmp_path: Path
) -> None:
    registry = bare_registry(registry_store, tmp_path, charter_text(DRIFT))
    store = registry.store
    store.record_points(points("drift.psi.max", [0.3]))
    store.record_points(points("drift.psi.max", [0.3], first_day=2))  # day 1 is missing
    (gap,) = evaluate_policies(registry, MODEL, now=end_of(2))
    assert (gap.state, gap.run) == ("building", 1)

    store.record_points(points("drift.psi.max", [None, 0.3], first_day=3))  # day 3 empty
    (empty,) = evaluate_policies(registry, MODEL, now=end_of(4))
    assert (empty.state, empty.run) == ("building", 1)

    store.record_points(points("drift.psi.max", [0.3], first_day=5))
    (fired,) = evaluate_policies(registry, MODEL, now=end_of(5))
    assert fired.state == "fired"
    # other versions' points never count for the production version
    store.record_points(points("drift.psi.max", [0.9, 0.9, 0.9], version=2, first_day=6))
    (still,) = evaluate_policies(registry, MODEL, now=end_of(8))
    assert still.state == "holding"


def test_labelled_metrics_are_judged_up_to_their_newest_window_with_labels(
    registry_store: RegistryStore, tmp_path: Path
) -> None:
    """With delayed labels the newest windows of ``performance.*`` have no value yet: the run
    ends at the newest labelled window, where a drift metric's empty newest window breaks it."""
    auc = "{metric: performance.roc_auc, below: 0.8, for_windows: 2, action: alert}"
    registry = bare_registry(registry_store, tmp_path, charter_text(auc, DRIFT))
    store = registry.store
    store.record_points(points("performance.roc_auc", [None, None, None]))  # no labels yet
    store.record_points(points("drift.psi.max", [0.3, 0.3, None]))  # day 2: no traffic
    decisions = {d.metric: d for d in evaluate_policies(registry, MODEL, now=end_of(2))}
    assert decisions["performance.roc_auc"].state == "no_data"
    assert (decisions["drift.psi.max"].state, decisions["drift.psi.max"].run) == ("ok", 0)

    store.record_points(points("performance.roc_auc", [0.75, 0.70]))  # days 0-1 labelled
    store.record_points(points("performance.roc_auc", [None, None], first_day=3))
    decisions = {d.metric: d for d in evaluate_policies(registry, MODEL, now=end_of(4))}
    late = decisions["performance.roc_auc"]
    assert (late.state, late.run) == ("fired", 2)
    assert [w.value for w in late.windows] == [0.75, 0.70]
    assert late.latest is not None and late.latest.window_end == end_of(1)

    store.record_points(points("performance.roc_auc", [0.9], first_day=2))  # day 2's labels
    decisions = {d.metric: d for d in evaluate_policies(registry, MODEL, now=end_of(4))}
    cleared = decisions["performance.roc_auc"]
    assert (cleared.state, cleared.reason) == (
        "ok",
        "newest labelled window 0.9; condition performance.roc_auc < 0.8 does not hold",
    )
