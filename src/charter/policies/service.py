"""``evaluate_policies``: judge every policy of the production version's charter, then act.

For each policy (deduplicated by ``policy_key``) it reads the metric's points of the production
version, judges them (``judge.judge_policy``) against the policy's last firing kept in the
registry, and for each that fires: claims the firing (``record_firing``, a compare-and-set that
also appends the ``policy.fired`` audit event with the evidence), then runs the action and
audits its outcome. Claiming before acting makes evaluation idempotent and safe from two
processes at once: the same windows never fire twice, and a lost claim does nothing.

A crash between the claim and the action leaves the firing recorded and the action undone
(at most once); the ``policy.fired`` event without an outcome event shows it.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from charter.contract import Charter, PolicySpec
from charter.contract.catalog import is_known_metric
from charter.errors import NotFoundError
from charter.governance import GovernanceService
from charter.policies.actions import policy_actor, run_action
from charter.policies.alerts import AlertSender
from charter.policies.decision import ActionOutcome, PolicyDecision, policy_key
from charter.policies.judge import judge_policy
from charter.policies.retrain import RetrainOptions, retrain
from charter.store.ports_policies import PolicyFiring

if TYPE_CHECKING:
    from charter.registry import Registry

__all__ = ["evaluate_policies"]


def evaluate_policies(
    registry: Registry,
    name: str,
    *,
    now: datetime | None = None,
    dry_run: bool = False,
    sender: AlertSender | None = None,
    governance: GovernanceService | None = None,
    retraining: RetrainOptions | None = None,
) -> list[PolicyDecision]:
    """Judge and act on every policy of ``name``'s production version; one decision each.

    ``dry_run`` decides only: nothing is recorded and no action runs. ``retraining`` says where
    a retrain finds the prediction log (without it a retrain is recorded as pending). Raise
    ``NotFoundError``
    when the model has no production version and ``ContractError`` when its charter cannot be
    read; an unknown metric, a failed alert or a refused rollback is a decision, not an error.
    """
    store = registry.store
    moment = now if now is not None else datetime.now(UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    try:
        production = store.get_alias(name, "production")
    except NotFoundError:
        store.get_model(name)  # an unknown model says so
        raise NotFoundError(
            f"model {name!r} has no production version; policies watch production only"
        ) from None
    version = store.get_version(name, production.version)
    charter: Charter = registry.charter_of(version)
    firings = store.policy_firings(name)
    decisions: list[PolicyDecision] = []
    seen: set[str] = set()
    for spec in charter.policies:
        key = policy_key(spec)
        if key in seen:
            continue
        seen.add(key)
        problem = is_known_metric(spec.metric, charter)
        if problem is not None:
            decisions.append(_error(name, version.version, spec, key, problem))
            continue
        points = store.list_points(name, metric=spec.metric)
        decision = judge_policy(
            spec, points, firings.get(key), model=name, version=version.version, now=moment
        )
        if decision.fires and dry_run:
            decision = dataclasses.replace(decision, is_dry_run=True)
        elif decision.fires:
            decision = _fire(registry, charter, decision, firings.get(key), moment,
                             _Actors(sender, governance, retraining))  # fmt: skip
        decisions.append(decision)
    return decisions


def _fire(
    registry: Registry,
    charter: Charter,
    decision: PolicyDecision,
    last: PolicyFiring | None,
    moment: datetime,
    actors: _Actors,
) -> PolicyDecision:
    store = registry.store
    newest = decision.windows[-1]
    assert decision.version is not None  # a decision that fires always has a version
    claimed = store.record_firing(
        PolicyFiring(
            model=decision.model,
            policy_key=decision.key,
            metric=decision.metric,
            action=decision.action,
            version=decision.version,
            window_start=newest.window_start,
            window_end=newest.window_end,
            fired_at=moment,
            evidence=decision.evidence(),
        ),
        previous_window_end=None if last is None else last.window_end,
        actor=policy_actor(decision),
    )
    if not claimed:
        return dataclasses.replace(
            decision, state="holding", reason="another evaluator fired it on these windows first"
        )
    sender = actors.sender if actors.sender is not None else AlertSender(store)
    governance = actors.governance if actors.governance is not None else GovernanceService(store)
    options = actors.retraining

    def retrainer(chosen: PolicyDecision) -> ActionOutcome:
        assert options is not None  # only handed over when there are options
        return retrain(
            registry,
            chosen,
            options,
            governance=governance,
            sender=sender,
            now=moment,
            actor=policy_actor(chosen),
        )

    outcome = run_action(
        store,
        decision,
        alerts=charter.alerts,
        sender=sender,
        governance=governance,
        fired_at=moment,
        retrainer=None if options is None else retrainer,
    )
    return dataclasses.replace(
        decision, outcome=outcome, last_fired_at=moment, last_fired_window_end=newest.window_end
    )


@dataclasses.dataclass(frozen=True)
class _Actors:
    """What carries out a firing's action (defaults built from the registry when None)."""

    sender: AlertSender | None
    governance: GovernanceService | None
    retraining: RetrainOptions | None


def _error(name: str, version: int, spec: PolicySpec, key: str, problem: str) -> PolicyDecision:
    return PolicyDecision(
        model=name,
        key=key,
        metric=spec.metric,
        comparison="above" if spec.above is not None else "below",
        threshold=float(spec.above if spec.above is not None else spec.below or 0.0),
        for_windows=spec.for_windows,
        action=spec.action,
        cooldown_seconds=None if spec.cooldown is None else spec.cooldown.total_seconds(),
        version=version,
        state="error",
        reason=problem,
    )
