"""Who holds a job slot: ``host:pid:start``, so a restart on the same host can tell a dead holder.

A slot claimed by a process that has since died (killed, crashed, the machine rebooted) was never
finished, so running it again repeats nothing; ``is_dead`` lets the next scheduler take it over
at once instead of waiting for the lease to run out. The process start time in the name guards
against a recycled pid.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

__all__ = ["current_owner", "is_dead"]


def _stat(pid: int) -> list[str]:
    """Fields 3 onwards of ``/proc/<pid>/stat`` (Linux), or [] where unknown."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return []
    # The command name (field 2) may hold spaces, so split after its closing bracket.
    return stat.rsplit(")", 1)[1].split()


def _start_ticks(pid: int) -> str:
    """The process's start time in clock ticks since boot (field 22), or "" where unknown."""
    fields = _stat(pid)
    return fields[19] if len(fields) > 19 else ""


def current_owner() -> str:
    """This process's owner name."""
    pid = os.getpid()
    return f"{socket.gethostname()}:{pid}:{_start_ticks(pid)}"


def is_dead(owner: str) -> bool:
    """Whether ``owner`` names a process on this host that is no longer running."""
    host, _, rest = owner.partition(":")
    pid_text, _, started = rest.partition(":")
    if host != socket.gethostname() or not pid_text.isdigit():
        return False  # another host's process: only its lease can tell
    pid = int(pid_text)
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        pass  # alive, owned by someone else
    fields = _stat(pid)
    if fields and fields[0] in ("Z", "X"):
        return True  # killed and not yet reaped by its parent
    return bool(started) and len(fields) > 19 and fields[19] != started
