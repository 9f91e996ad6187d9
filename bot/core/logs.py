"""Logging: plain text by default, one JSON object per line with LOG_FORMAT=json.

Secrets never reach the log: a filter masks Slack tokens (xoxb-, xoxp-, xapp-, ...) and any
configured secret value in every message and argument, whoever logs it.
"""

import json
import logging
import os
import re
from datetime import UTC, datetime
from typing import Any

TOKEN = re.compile(r"\b(xox[abposr]|xapp)-[A-Za-z0-9-]+")
# Loggers whose libraries test `logger.level <= DEBUG` themselves (see configure_logging):
# slack_sdk's WebClient, and Docket's Bolt logger (bot/app.py), which Bolt's dispatch asks.
LEVEL_ASKED = ("slack_sdk.web.base_client", "docket.bolt")
STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


class RedactSecrets(logging.Filter):
    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s and len(s) >= 8]

    def scrub(self, text: str) -> str:
        text = TOKEN.sub(lambda m: f"{m.group(1)}-***", text)
        for secret in self.secrets:
            text = text.replace(secret, "***")
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        # Render once, scrub, and freeze: arguments may hold tokens (a client's repr, a URL).
        record.msg = self.scrub(record.getMessage())
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.scrub(record.exc_text)
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update({k: v for k, v in vars(record).items() if k not in STANDARD})
        if record.exc_text:
            entry["exception"] = record.exc_text
        return json.dumps(entry, default=str, ensure_ascii=False)


def configure_logging(*, secrets: list[str] | None = None, level: int = logging.INFO) -> None:
    handler = logging.StreamHandler()
    if os.environ.get("LOG_FORMAT", "").lower() == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactSecrets(secrets or []))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # slack_sdk and Bolt ask their logger's own level, not the one it inherits, whether to build
    # a debug line: left at NOTSET (0), the answer is yes, and every Web API call formatted its
    # parameters and headers for a line that was then dropped (8 of the 45 microseconds slack_sdk
    # spends on a receipt).  They get the level they would inherit anyway.
    for name in LEVEL_ASKED:
        logging.getLogger(name).setLevel(level)
