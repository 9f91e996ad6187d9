"""Settings: the real environment first, then `.env` (python-dotenv), the environment winning.

One frozen object; a command that needs a secret asks for it with `require`, which stops
start-up with a message naming the variable rather than failing later inside Slack's SDK.
"""

import os
import re
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from dotenv import dotenv_values

DEFAULT_API_URL = "https://slack.com/api/"
DEFAULT_DATABASE_URL = "sqlite:///docket.db"
# How long a claimed delivery may stay unmarked before another process takes it over
# (DOCKET_CLAIM_TIMEOUT; bot/clock/claims.py).
DEFAULT_CLAIM_TIMEOUT = timedelta(minutes=5)

_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*([smh]?)")
_UNIT_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600}

_HINTS = {
    "SLACK_BOT_TOKEN": "the bot token (xoxb-...) from the Slack app's OAuth & Permissions page",
    "SLACK_SIGNING_SECRET": "the signing secret from the Slack app's Basic Information page",
    "SLACK_APP_TOKEN": "an app-level token (xapp-...) with connections:write, for Socket Mode",
}


class ConfigError(Exception):
    """A setting is missing or malformed; the message says which and what is expected."""


@dataclass(frozen=True)
class Settings:
    slack_bot_token: str | None
    slack_signing_secret: str | None
    slack_app_token: str | None
    slack_api_url: str
    database_url: str
    port: int
    # How often a standby clock tries to take over from the leading one (CLOCK_STANDBY_SECONDS).
    clock_standby_seconds: float = 5.0
    # How long a claim may go unmarked before it counts as left by a dead process
    # (DOCKET_CLAIM_TIMEOUT).
    claim_timeout: timedelta = DEFAULT_CLAIM_TIMEOUT

    def secrets(self) -> list[str]:
        """Values that must never appear in a log line."""
        values = (self.slack_bot_token, self.slack_signing_secret, self.slack_app_token)
        return [value for value in values if value]

    def require(self, *names: str) -> None:
        """Fail loudly, naming every missing variable, before any work starts."""
        values = {
            "SLACK_BOT_TOKEN": self.slack_bot_token,
            "SLACK_SIGNING_SECRET": self.slack_signing_secret,
            "SLACK_APP_TOKEN": self.slack_app_token,
        }
        missing = [name for name in names if not values[name]]
        if missing:
            lines = [f"{name} is not set: {_HINTS[name]}." for name in missing]
            lines.append("Set it in the environment or in .env (see .env.example).")
            raise ConfigError("\n".join(lines))


def load_settings(env_file: str | Path | None = ".env") -> Settings:
    file_values = dotenv_values(env_file) if env_file and Path(env_file).is_file() else {}

    def get(name: str) -> str | None:
        value = os.environ.get(name)
        if value is None:
            value = file_values.get(name)
        return value.strip() if value and value.strip() else None

    port_text = get("PORT") or "3000"
    try:
        port = int(port_text)
    except ValueError:
        raise ConfigError(f"PORT must be a whole number, got {port_text!r}.") from None
    if not 0 < port < 65536:
        raise ConfigError(f"PORT must be between 1 and 65535, got {port}.")
    standby_text = get("CLOCK_STANDBY_SECONDS") or "5"
    try:
        standby = float(standby_text)
    except ValueError:
        raise ConfigError(
            f"CLOCK_STANDBY_SECONDS must be a number of seconds, got {standby_text!r}."
        ) from None
    if not 0 < standby <= 60:
        raise ConfigError(
            f"CLOCK_STANDBY_SECONDS must be more than 0 and at most 60, got {standby}."
        )
    claim_text = get("DOCKET_CLAIM_TIMEOUT")
    claim_timeout = (
        parse_duration("DOCKET_CLAIM_TIMEOUT", claim_text) if claim_text else DEFAULT_CLAIM_TIMEOUT
    )
    api_url = get("SLACK_API_URL") or DEFAULT_API_URL
    if not api_url.endswith("/"):
        api_url += "/"  # slack_sdk joins method names onto the base URL
    return Settings(
        slack_bot_token=get("SLACK_BOT_TOKEN"),
        slack_signing_secret=get("SLACK_SIGNING_SECRET"),
        slack_app_token=get("SLACK_APP_TOKEN"),
        slack_api_url=api_url,
        database_url=get("DATABASE_URL") or DEFAULT_DATABASE_URL,
        port=port,
        clock_standby_seconds=standby,
        claim_timeout=claim_timeout,
    )


def parse_duration(name: str, text: str) -> timedelta:
    """ "90s", "5m", "1h" or plain seconds ("300"); a ConfigError naming `name` otherwise."""
    match = _DURATION.fullmatch(text.strip().lower())
    seconds = float(match[1]) * _UNIT_SECONDS[match[2]] if match else 0.0
    if not seconds > 0:
        raise ConfigError(
            f"{name} must be a duration such as 90s, 5m or 1h (or a number of seconds), "
            f"more than zero; got {text!r}."
        )
    return timedelta(seconds=seconds)
