"""Scores into PostgreSQL in one transaction per run; a refused login never shows the password."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from charter.batch import score
from charter.errors import StorageError
from charter.registry import Registry

pytestmark = pytest.mark.postgres


def test_scores_land_in_a_postgres_table_and_reruns_replace(
    registry: Registry,
    adult_test_rows: pd.DataFrame,
    tmp_path: Path,
    home: Path,
    postgres_url: str,
) -> None:
    adult_test_rows.head(30).to_parquet(tmp_path / "in.parquet", index=False)
    for run_id in ("a", "a", "b"):
        result = score(
            registry,
            "adult-income",
            source=str(tmp_path / "in.parquet"),
            sink=f"{postgres_url}#scores",
            run_id=run_id,
            reasons=False,
            home=home,
        )
        assert result.passed and "postgres:***@" in result.output_uri
    engine = create_engine(postgres_url)
    try:
        with engine.connect() as connection:
            counts = dict(
                connection.execute(
                    text("SELECT run_id, COUNT(*) FROM scores GROUP BY run_id")
                ).all()
            )
            types = dict(
                connection.execute(
                    text(
                        "SELECT column_name, data_type FROM information_schema.columns "
                        "WHERE table_name = 'scores'"
                    )
                ).all()
            )
    finally:
        engine.dispose()
    assert counts == {"a": 30, "b": 30}
    assert types["score"] == "double precision"
    assert types["scored_at"] == "timestamp with time zone"


def test_a_wrong_password_is_a_storage_error_without_the_password(
    registry: Registry,
    adult_test_rows: pd.DataFrame,
    tmp_path: Path,
    home: Path,
    postgres_url: str,
) -> None:
    adult_test_rows.head(5).to_parquet(tmp_path / "in.parquet", index=False)
    wrong = make_url(postgres_url).set(password="not-the-Password-42")
    sink = wrong.render_as_string(hide_password=False) + "#scores"
    with pytest.raises(StorageError, match="password authentication failed") as caught:
        score(
            registry,
            "adult-income",
            source=str(tmp_path / "in.parquet"),
            sink=sink,
            reasons=False,
            home=home,
        )
    assert "not-the-Password-42" not in caught.value.message
    assert registry.store.list_batch_runs("adult-income") == []
