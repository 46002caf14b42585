from __future__ import annotations

from pathlib import Path

from charter.config import Secret, Settings, current_user, redact_url


def test_defaults_live_under_dot_charter(tmp_path: Path) -> None:
    settings = Settings.from_env({}, cwd=tmp_path)
    assert settings.home == tmp_path / ".charter"
    assert settings.db_url.reveal() == f"sqlite:///{tmp_path / '.charter' / 'charter.db'}"
    assert settings.artifacts_url == str(tmp_path / ".charter" / "artifacts")
    assert settings.is_sqlite


def test_home_flag_beats_environment(tmp_path: Path) -> None:
    env = {"CHARTER_HOME": str(tmp_path / "env")}
    assert Settings.from_env(env, home=tmp_path / "flag").home == tmp_path / "flag"
    assert Settings.from_env(env).home == tmp_path / "env"


def test_team_urls_come_from_the_environment() -> None:
    env = {
        "CHARTER_DB_URL": "postgresql+psycopg://u:pw@db/charter",
        "CHARTER_ARTIFACTS": "s3://bucket/charter",
        "CHARTER_USER": "ana",
    }
    settings = Settings.from_env(env)
    assert settings.artifacts_url == "s3://bucket/charter"
    assert not settings.is_sqlite
    assert settings.user == "ana"
    assert "pw" not in repr(settings)


def test_secret_hides_itself() -> None:
    secret = Secret("hunter2")
    assert "hunter2" not in repr(secret) and "hunter2" not in str(secret)
    assert secret.reveal() == "hunter2"


def test_redact_url_hides_password_only() -> None:
    assert redact_url("postgresql+psycopg://app:s3cret@db:5432/x") == (
        "postgresql+psycopg://app:***@db:5432/x"
    )
    assert redact_url("sqlite:///tmp/x.db") == "sqlite:///tmp/x.db"


def test_current_user_prefers_explicit_then_settings() -> None:
    settings = Settings.from_env({"CHARTER_USER": "from-env"})
    assert current_user("explicit", settings) == "explicit"
    assert current_user(None, settings) == "from-env"
    assert current_user(None) != ""
