"""The curated public API of ``charter.contract``: other packages code against these names."""

from __future__ import annotations

import charter.contract as contract

PROMISED = {
    "Charter",
    "FeatureSpec",
    "IdentifierSpec",
    "SensitiveSpec",
    "TargetSpec",
    "Duration",
    "load_charter",
    "parse_charter",
    "check_charter",
    "charter_hash",
    "charter_json_schema",
    "render_template",
    "infer_features",
    "CheckResult",
    "is_known_metric",
}


def test_promised_names_are_exported() -> None:
    assert set(contract.__all__) >= PROMISED


def test_all_is_sorted_and_resolvable() -> None:
    assert contract.__all__ == sorted(contract.__all__)
    for name in contract.__all__:
        assert getattr(contract, name) is not None, name


def test_contract_does_not_import_outer_layers() -> None:
    import subprocess
    import sys

    code = (
        "import sys, charter.contract; "
        "bad = [m for m in sys.modules if m.split('.')[0] in "
        "('sqlalchemy', 'fastapi', 'typer', 'fsspec') or m.startswith(('charter.store', "
        "'charter.models', 'charter.cli'))]; print(','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
