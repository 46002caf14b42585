"""Where a model came from: the code version it was built with."""

from __future__ import annotations

import subprocess
from pathlib import Path

__all__ = ["code_version"]


def _git(args: list[str], cwd: Path) -> str | None:
    try:
        out = subprocess.run(
            ["git", *args], cwd=cwd, capture_output=True, text=True, timeout=10, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() if out.returncode == 0 else None


def code_version(cwd: str | Path | None = None) -> str:
    """The git commit of the working directory, with ``-dirty`` for uncommitted changes.

    Empty when the directory is not a git checkout or git is unavailable: lineage records what is
    known and never invents a value.
    """
    where = Path(cwd or Path.cwd())
    commit = _git(["rev-parse", "HEAD"], where)
    if not commit:
        return ""
    status = _git(["status", "--porcelain", "--untracked-files=no"], where)
    return f"git:{commit}{'-dirty' if status else ''}"
