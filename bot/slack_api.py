"""Outbound Slack: the Web API client and the calls made after a request is acknowledged.

The client retries what Slack asks to be retried: 429 with its Retry-After, 5xx answers and
dropped connections.  Listeners describe their Web API calls as `Call` values and send them
after acknowledging, so Slack's 3-second limit never waits on our own Web API traffic.
"""

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from bot.config import Settings

log = logging.getLogger(__name__)


def make_client(settings: Settings, *, token: str | None = None) -> WebClient:
    return WebClient(
        token=token or settings.slack_bot_token,
        base_url=settings.slack_api_url,
        timeout=10,
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=2),
            RateLimitErrorRetryHandler(max_retry_count=3),
            ServerErrorRetryHandler(max_retry_count=2),
        ],
    )


@dataclass(frozen=True)
class Call:
    """One Web API call to make later, as plain data (Bolt deep-copies it to a lazy listener)."""

    method: str  # the WebClient method name, e.g. "chat_postMessage"
    args: dict[str, Any] = field(default_factory=dict)
    tolerate: tuple[str, ...] = ()  # Slack errors that mean "already done", e.g. already_reacted


def send_calls(client: WebClient, calls: Iterable[Call]) -> list[str]:
    """Make each call in order; one failure is logged and does not stop the others.

    Returns the errors met (empty when all went through), for the caller's log line.
    """
    errors: list[str] = []
    for call in calls:
        try:
            getattr(client, call.method)(**call.args)
        except SlackApiError as exc:
            error = str(exc.response.get("error", "unknown_error"))
            if error in call.tolerate:
                continue
            log.warning("Slack %s failed: %s", call.method, error)
            errors.append(f"{call.method}: {error}")
    return errors
