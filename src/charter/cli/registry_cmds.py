"""Placeholder replaced by the contract work."""

import typer


def register(app: typer.Typer) -> None:
    """Add the contract commands to ``app``."""
