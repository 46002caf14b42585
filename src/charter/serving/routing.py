"""Which version answers: production, a sticky canary share, and the shadow that gets a copy.

The registry is the source of truth: ``DeploymentWatcher.poll`` reads each served model's aliases
(``production``, ``shadow``, ``canary``; a version whose *stage* is production when no alias
exists) and, where the store offers it (``current_canary``), the canary's traffic percentage;
otherwise the server's ``canary_percent`` applies. A change is loaded completely (off the event
loop) before the routing table is swapped in one assignment, so requests in flight finish on the
version they started with and no request ever sees a half-loaded model.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from charter.errors import ModelRetiredError, NotFoundError
from charter.registry import Registry
from charter.serving.runtime import ModelRuntime
from charter.store import VersionRecord

__all__ = ["Deployment", "DeploymentState", "DeploymentWatcher", "Router", "canary_bucket"]


def canary_bucket(key: str) -> float:
    """A stable number in [0, 100) for a key: the same entity always lands in the same bucket."""
    digest = hashlib.sha256(key.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") / 2.0**64 * 100.0


@dataclass(frozen=True)
class DeploymentState:
    """The versions the registry says a model should serve (compared to detect a change)."""

    production: int
    shadow: int | None = None
    canary: int | None = None
    canary_percent: float = 0.0


@dataclass(frozen=True)
class Deployment:
    """The loaded runtimes of one model's current state."""

    state: DeploymentState
    production: ModelRuntime
    shadow: ModelRuntime | None = None
    canary: ModelRuntime | None = None

    def live(self) -> dict[int, ModelRuntime]:
        out = {self.production.version: self.production}
        for runtime in (self.canary, self.shadow):
            if runtime is not None:
                out.setdefault(runtime.version, runtime)
        return out


class Router:
    """The routing table; replaced one model at a time, read without locks."""

    def __init__(self) -> None:
        self._table: dict[str, Deployment] = {}
        self._retired: dict[str, str] = {}

    @property
    def models(self) -> list[str]:
        return list(self._table)

    def set(self, name: str, deployment: Deployment) -> None:
        self._table = {**self._table, name: deployment}

    @property
    def retired(self) -> list[str]:
        """Models refused as retired (named with ``--models`` or retired while served)."""
        return list(self._retired)

    def retire(self, name: str, message: str) -> None:
        """Stop serving ``name``: its requests get ``ModelRetiredError`` (410) with ``message``."""
        self._retired = {**self._retired, name: message}
        self._table = {k: v for k, v in self._table.items() if k != name}

    def deployment(self, name: str) -> Deployment:
        found = self._table.get(name)
        if found is None and name in self._retired:
            raise ModelRetiredError(self._retired[name])
        if found is None:
            served = ", ".join(sorted(self._table)) or "none"
            raise NotFoundError(f"model {name!r} is not served here (served: {served})")
        return found

    def pick(self, name: str, key: str) -> tuple[ModelRuntime, str]:
        """The runtime for a request and its log source (``served`` or ``canary``)."""
        deployment = self.deployment(name)
        canary = deployment.canary
        if canary is not None and canary_bucket(key) < deployment.state.canary_percent:
            return canary, "canary"
        return deployment.production, "served"

    def version(self, name: str, version: str | int) -> ModelRuntime:
        """A live version by number: production, canary or shadow."""
        deployment = self.deployment(name)
        try:
            number = int(version)
        except (TypeError, ValueError):
            raise NotFoundError(
                f"version {str(version)[:20]!r} of model {name!r} is not a version number"
            ) from None
        live = deployment.live()
        if number not in live:
            serving = ", ".join(str(v) for v in sorted(live))
            raise NotFoundError(
                f"version {number} of model {name!r} is not being served (serving: {serving})"
            )
        return live[number]


class DeploymentWatcher:
    """Reads the registry and builds deployments, caching runtimes by version."""

    def __init__(
        self,
        registry: Registry,
        load: Callable[[VersionRecord], ModelRuntime],
        *,
        canary_percent: float = 10.0,
        allow_unpromoted: bool = False,
        cache_size: int = 6,
    ) -> None:
        self.registry = registry
        self._load = load
        self.canary_percent = canary_percent
        self.allow_unpromoted = allow_unpromoted
        self._cache: OrderedDict[tuple[str, int], ModelRuntime] = OrderedDict()
        self._cache_size = cache_size

    def state(self, name: str) -> DeploymentState:
        """What the registry says now (small queries); ``ModelRetiredError`` for a retired model."""
        store = self.registry.store
        model = store.get_model(name)
        if model.is_retired:
            successor = f"; use its successor {model.successor!r}" if model.successor else ""
            raise ModelRetiredError(
                f"model {name!r} was retired on {model.retired_at:%Y-%m-%d} "
                f"({model.retire_reason}) and is no longer served{successor}"
            )
        aliases = {a.alias: a.version for a in store.list_aliases(name)}
        production = aliases.get("production")
        if production is None:
            production = self._production_by_stage(name)
        canary = aliases.get("canary")
        percent = self.canary_percent
        current_canary: Any = getattr(store, "current_canary", None)
        if callable(current_canary):
            try:
                record = current_canary(name)
            except Exception:  # an older store without the governance tables
                record = None
            if record is not None:
                canary = int(record.version)
                if record.canary_percent is not None:
                    percent = float(record.canary_percent)
        return DeploymentState(
            production=production,
            shadow=aliases.get("shadow"),
            canary=canary if canary != production else None,
            canary_percent=percent if canary is not None else 0.0,
        )

    def _production_by_stage(self, name: str) -> int:
        versions = self.registry.store.list_versions(name)
        staged = [v.version for v in versions if v.stage == "production"]
        if staged:
            return max(staged)
        if self.allow_unpromoted and versions:
            return max(v.version for v in versions)
        raise NotFoundError(f"model {name!r} has no production version to serve")

    def runtime(self, name: str, version: int) -> ModelRuntime:
        key = (name, version)
        cached = self._cache.get(key)
        if cached is not None:
            self._cache.move_to_end(key)
            return cached
        runtime = self._load(self.registry.store.get_version(name, version))
        self._cache[key] = runtime
        while len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return runtime

    def build(self, name: str, state: DeploymentState) -> Deployment:
        """Load every runtime the state needs (blocking: seconds on a cold version)."""
        return Deployment(
            state=state,
            production=self.runtime(name, state.production),
            shadow=self.runtime(name, state.shadow) if state.shadow is not None else None,
            canary=self.runtime(name, state.canary) if state.canary is not None else None,
        )
