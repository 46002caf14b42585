"""A child process for the promotion race (not a test module).

Usage: ``python promotion_worker.py URL REF GO_FILE``. Checks the production rules for REF, prints
``checked``, waits until GO_FILE exists (so both racers have read the same production state), then
commits the promotion and prints ``won`` or ``conflict: <message>``. The pause is added by
wrapping the service's read of the current production in this process only.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from charter.errors import ConflictError
from charter.governance import GovernanceService
from charter.store import open_registry_store


def main(url: str, ref: str, go_file: Path) -> None:
    store = open_registry_store(url)
    service = GovernanceService(store)
    original = service._holder

    def holder_then_wait(name: str, stage: str) -> int | None:
        found = original(name, stage)
        print("checked", flush=True)
        deadline = time.monotonic() + 60
        while not go_file.exists() and time.monotonic() < deadline:
            time.sleep(0.002)
        return found

    service._holder = holder_then_wait  # type: ignore[method-assign]
    try:
        service.promote(ref, to="production", by=f"racer-{ref}")
        print("won", flush=True)
    except ConflictError as exc:
        print(f"conflict: {exc}", flush=True)
    finally:
        store.close()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], Path(sys.argv[3]))
