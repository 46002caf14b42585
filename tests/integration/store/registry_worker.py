"""A child process for the store's concurrency and crash tests (not a test module).

Usage: ``python registry_worker.py MODE URL MODEL COUNT GO_FILE``

- ``race``: wait for GO_FILE, open the store (so several children migrate a fresh database at
  once), print ``ready``, wait for ``GO_FILE.2``, register COUNT versions (so several children
  race on one model's numbering) and print their numbers as JSON.
- ``hang``: register one version but stop inside its transaction, right after the audit event is
  written and before the commit, print ``inside`` and sleep until killed. Done by wrapping the
  store's audit append in this process only: the product has no test hooks.
- ``loop``: register versions until killed, printing each committed number.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

from charter.store import NewVersion, open_registry_store


def new_version(model: str, index: int) -> NewVersion:
    return NewVersion(
        model_name=model,
        flavor="sklearn",
        artifact_uri=f"file:///artifacts/{model}/{index}/model.joblib",
        artifact_sha256=f"{index:064x}",
        artifact_size=index,
        signature={"inputs": [{"name": "x", "type": "float64"}]},
        charter_hash=f"{index % 3:064x}",
        charter_content=f"charter {index % 3}",
        registered_by="worker",
    )


def wait_for(path: Path, timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not path.exists():
        if time.monotonic() > deadline:
            raise SystemExit(f"{path} never appeared")
        time.sleep(0.002)


def main(mode: str, url: str, model: str, count: int, go_file: Path) -> None:
    if mode == "race":
        wait_for(go_file)
    store = open_registry_store(url)
    if mode == "hang":
        from charter.store.sql import store as sql_store

        original = sql_store.append_event_row

        def append_then_hang(*args: Any, **kwargs: Any) -> Any:
            row = original(*args, **kwargs)
            print("inside", flush=True)
            time.sleep(600)
            return row

        sql_store.append_event_row = append_then_hang  # type: ignore[assignment]
        store.create_version(new_version(model, 0))
        return
    if mode == "loop":
        for index in range(10_000):
            print(store.create_version(new_version(model, index)).version, flush=True)
        return
    print("ready", flush=True)
    wait_for(go_file.with_name(go_file.name + ".2"))
    versions = [store.create_version(new_version(model, index)).version for index in range(count)]
    store.close()
    print(json.dumps(versions), flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), Path(sys.argv[5]))
