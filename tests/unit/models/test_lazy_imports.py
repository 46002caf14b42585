"""Commands that only read the registry never pay for importing scikit-learn (~1.5 s)."""

from __future__ import annotations

import subprocess
import sys


def test_the_cli_and_registry_start_without_scikit_learn() -> None:
    code = (
        "import sys, charter.cli.main, charter.registry\n"
        "print(sorted(m for m in ('sklearn', 'lightgbm', 'xgboost', 'onnxruntime') "
        "if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_a_scikit_learn_model_is_still_recognised_once_loaded() -> None:
    from sklearn.linear_model import LogisticRegression

    from charter.models import detect_flavor

    model = LogisticRegression().fit([[0.0], [1.0]], [0, 1])
    assert detect_flavor(model).name == "sklearn"
