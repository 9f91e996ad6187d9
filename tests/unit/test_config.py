"""Settings: the real environment, then .env, the environment winning; missing secrets named."""

from datetime import timedelta
from pathlib import Path

import pytest

from bot.core.config import ConfigError, Settings, load_settings

VARIABLES = (
    "SLACK_BOT_TOKEN",
    "SLACK_SIGNING_SECRET",
    "SLACK_APP_TOKEN",
    "SLACK_API_URL",
    "DATABASE_URL",
    "PORT",
    "DOCKET_CLAIM_TIMEOUT",
)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No variable from the machine running the tests, and no stray .env in the cwd."""
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


def write_env(path: Path, **values: str) -> Path:
    path.write_text("".join(f"{name}={value}\n" for name, value in values.items()))
    return path


def test_settings_are_read_from_the_env_file(tmp_path: Path):
    env_file = write_env(
        tmp_path / "prod.env",
        SLACK_BOT_TOKEN="xoxb-from-file",
        SLACK_SIGNING_SECRET="secret-from-file",
        SLACK_APP_TOKEN="xapp-from-file",
        SLACK_API_URL="http://127.0.0.1:9999/api/",
        DATABASE_URL="sqlite:////var/lib/docket.db",
        PORT="8080",
    )
    assert load_settings(env_file) == Settings(
        slack_bot_token="xoxb-from-file",
        slack_signing_secret="secret-from-file",
        slack_app_token="xapp-from-file",
        slack_api_url="http://127.0.0.1:9999/api/",
        database_url="sqlite:////var/lib/docket.db",
        port=8080,
    )


def test_real_environment_wins_over_the_env_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    env_file = write_env(
        tmp_path / ".env", SLACK_BOT_TOKEN="xoxb-from-file", PORT="8080", DATABASE_URL="sqlite://"
    )
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-from-environment")
    monkeypatch.setenv("PORT", "9090")
    settings = load_settings(env_file)
    assert settings.slack_bot_token == "xoxb-from-environment"
    assert settings.port == 9090
    assert settings.database_url == "sqlite://"  # not in the environment: the file's value


def test_default_env_file_is_dot_env_in_the_working_directory(tmp_path: Path):
    write_env(tmp_path / ".env", SLACK_BOT_TOKEN="xoxb-dotenv")
    assert load_settings().slack_bot_token == "xoxb-dotenv"


def test_env_file_quotes_and_comments_are_understood(tmp_path: Path):
    env_file = tmp_path / ".env"
    env_file.write_text(
        '# Docket settings\nSLACK_BOT_TOKEN="xoxb-quoted"  # the bot token\nPORT=4000\n'
    )
    settings = load_settings(env_file)
    assert (settings.slack_bot_token, settings.port) == ("xoxb-quoted", 4000)


@pytest.mark.parametrize("env_file", [None, "absent.env"])
def test_defaults_apply_when_nothing_is_set(env_file: str | None):
    settings = load_settings(env_file)
    assert settings.database_url == "sqlite:///docket.db"
    assert settings.port == 3000
    assert settings.slack_api_url == "https://slack.com/api/"
    assert settings.slack_bot_token is None
    assert settings.slack_signing_secret is None
    assert settings.slack_app_token is None


def test_blank_values_count_as_unset(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("SLACK_BOT_TOKEN", "   ")
    monkeypatch.setenv("DATABASE_URL", "")
    monkeypatch.setenv("PORT", " ")
    settings = load_settings(None)
    assert settings.slack_bot_token is None
    assert settings.database_url == "sqlite:///docket.db"
    assert settings.port == 3000
    with pytest.raises(ConfigError, match="SLACK_BOT_TOKEN"):
        settings.require("SLACK_BOT_TOKEN")


def test_values_are_stripped(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("SLACK_BOT_TOKEN", "  xoxb-padded \n")
    assert load_settings(None).slack_bot_token == "xoxb-padded"


def test_api_url_without_trailing_slash_gets_one(monkeypatch: pytest.MonkeyPatch):
    # slack_sdk appends the method name to the base URL as it is.
    monkeypatch.setenv("SLACK_API_URL", "http://127.0.0.1:9999/api")
    assert load_settings(None).slack_api_url == "http://127.0.0.1:9999/api/"


def test_require_names_every_missing_variable():
    settings = load_settings(None)
    with pytest.raises(ConfigError) as caught:
        settings.require("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN")
    message = str(caught.value)
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN"):
        assert f"{name} is not set" in message
    assert ".env" in message


def test_require_names_only_what_is_missing(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-set")
    settings = load_settings(None)
    settings.require("SLACK_BOT_TOKEN")  # present: no error
    with pytest.raises(ConfigError) as caught:
        settings.require("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET")
    assert "SLACK_SIGNING_SECRET is not set" in str(caught.value)
    assert "SLACK_BOT_TOKEN" not in str(caught.value)


@pytest.mark.parametrize(
    ("port", "expected"),
    [
        ("http", "PORT must be a whole number, got 'http'"),
        ("80.5", "PORT must be a whole number, got '80.5'"),
        ("0", "PORT must be between 1 and 65535, got 0"),
        ("-1", "PORT must be between 1 and 65535, got -1"),
        ("65536", "PORT must be between 1 and 65535, got 65536"),
    ],
)
def test_bad_port_is_a_config_error(monkeypatch: pytest.MonkeyPatch, port: str, expected: str):
    monkeypatch.setenv("PORT", port)
    with pytest.raises(ConfigError) as caught:
        load_settings(None)
    assert str(caught.value).startswith(expected)


def test_bad_port_in_the_env_file_is_a_config_error(tmp_path: Path):
    env_file = write_env(tmp_path / ".env", PORT="eighty")
    with pytest.raises(ConfigError, match="PORT must be a whole number"):
        load_settings(env_file)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("90s", 90), ("5m", 300), ("1h", 3600), ("45", 45), ("1.5m", 90), (" 2M ", 120)],
)
def test_the_claim_timeout_is_a_duration(monkeypatch: pytest.MonkeyPatch, text: str, seconds: int):
    monkeypatch.setenv("DOCKET_CLAIM_TIMEOUT", text)
    assert load_settings(None).claim_timeout == timedelta(seconds=seconds)


def test_the_claim_timeout_is_five_minutes_unless_set():
    assert load_settings(None).claim_timeout == timedelta(minutes=5)


@pytest.mark.parametrize("text", ["soon", "5 minutes", "-5m", "0", "0s", "5d", "m", "1e3"])
def test_a_claim_timeout_that_is_not_a_duration_is_a_config_error(
    monkeypatch: pytest.MonkeyPatch, text: str
):
    monkeypatch.setenv("DOCKET_CLAIM_TIMEOUT", text)
    with pytest.raises(ConfigError) as caught:
        load_settings(None)
    assert str(caught.value).startswith("DOCKET_CLAIM_TIMEOUT must be a duration such as 90s")
    assert repr(text) in str(caught.value)
