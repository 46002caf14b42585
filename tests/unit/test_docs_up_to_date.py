"""The generated references in docs/reference/ match the code (commands and charter schema)."""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest

from charter.cli.docgen import REFERENCE_DIR, render_references

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("name", sorted(render_references()))
def test_reference_is_regenerated(name: str) -> None:
    expected = render_references()[name]
    path = ROOT / REFERENCE_DIR / name
    actual = path.read_text(encoding="utf-8") if path.exists() else ""
    if actual != expected:
        diff = "".join(
            list(
                difflib.unified_diff(
                    actual.splitlines(keepends=True),
                    expected.splitlines(keepends=True),
                    f"{REFERENCE_DIR / name} (in the repository)",
                    f"{REFERENCE_DIR / name} (from the code)",
                    n=1,
                )
            )[:60]
        )
        pytest.fail(
            f"{REFERENCE_DIR / name} is out of date with the code; regenerate it with "
            f"scripts/gen-docs (python -m charter.cli.docgen) and commit the result.\n{diff}"
        )


def test_generator_finds_every_command_and_section() -> None:
    references = render_references()
    assert "## `charter import mlflow`" in references["cli.md"]
    assert "## `charter validate`" in references["cli.md"]
    assert "## DecisionSpec" in references["charter.md"]
    assert "## Top level" in references["charter.md"]
