"""Where Charter keeps its state, read from ``CHARTER_*`` environment variables.

Defaults make a laptop work with no services: SQLite (WAL) at ``.charter/charter.db`` and artifacts
under ``.charter/artifacts/`` in the working directory. Teams point ``CHARTER_DB_URL`` at
PostgreSQL and ``CHARTER_ARTIFACTS`` at any fsspec URL (``s3://…``).
"""

from __future__ import annotations

import getpass
import os
import re
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["Secret", "Settings", "current_user", "redact_url"]

_URL_PASSWORD = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://[^:/@]+):(?P<pw>[^@]+)@")


def redact_url(url: str) -> str:
    """Hide the password in a connection URL so it can be printed or logged."""
    return _URL_PASSWORD.sub(r"\g<scheme>:***@", url)


class Secret:
    """A string that hides itself in ``repr`` and ``str`` so it never lands in a log."""

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('**********')"

    def __str__(self) -> str:
        return "**********"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


@dataclass(frozen=True)
class Settings:
    """Resolved locations of the registry database and artifact store."""

    home: Path
    db_url: Secret
    artifacts_url: str
    user: str | None = None
    extra: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_env(
        cls,
        environ: Mapping[str, str] | None = None,
        *,
        home: str | Path | None = None,
        cwd: Path | None = None,
    ) -> Settings:
        """Build settings from ``CHARTER_HOME``, ``CHARTER_DB_URL``, ``CHARTER_ARTIFACTS``.

        ``home`` (the CLI's ``--home``) wins over ``CHARTER_HOME``; the database and artifacts live
        under the home unless their own variables say otherwise.
        """
        env = os.environ if environ is None else environ
        base = cwd or Path.cwd()
        home_path = Path(home or env.get("CHARTER_HOME") or base / ".charter")
        if not home_path.is_absolute():
            home_path = (base / home_path).resolve()
        db_url = env.get("CHARTER_DB_URL") or f"sqlite:///{home_path / 'charter.db'}"
        artifacts = env.get("CHARTER_ARTIFACTS") or str(home_path / "artifacts")
        return cls(
            home=home_path,
            db_url=Secret(db_url),
            artifacts_url=artifacts,
            user=env.get("CHARTER_USER") or None,
        )

    @property
    def is_sqlite(self) -> bool:
        return self.db_url.reveal().startswith("sqlite")


def current_user(explicit: str | None = None, settings: Settings | None = None) -> str:
    """Who is acting: ``--by``, else ``CHARTER_USER``, else the git user, else the OS login."""
    if explicit:
        return explicit
    if settings is not None and settings.user:
        return settings.user
    env_user = os.environ.get("CHARTER_USER")
    if env_user:
        return env_user
    try:
        out = subprocess.run(
            ["git", "config", "user.email"], capture_output=True, text=True, timeout=5, check=False
        )
        if out.returncode == 0 and out.stdout.strip():
            return out.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        pass
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry, e.g. in some containers
        return "unknown"
