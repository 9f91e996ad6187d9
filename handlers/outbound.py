"""The lazy half of every listener: the Web API calls its ack half planned.

The ack half stores `bot.slack_api.Call` values in `context["calls"]`; Bolt copies the context
into this lazy listener, which runs on the listener executor after Slack has its answer.
"""

import logging
from collections.abc import Sequence
from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient

from bot.slack_api import Call, send_calls


def answer(ack: Ack, text: str) -> None:
    """Acknowledge a command with a private answer (JSON, so Slack shows it as ephemeral)."""
    ack(text=text, response_type="ephemeral")


def plan(context: BoltContext, calls: Sequence[Call]) -> None:
    context["calls"] = list(calls)


def send_planned_calls(context: BoltContext, client: WebClient, logger: logging.Logger) -> None:
    calls: list[Any] = context.get("calls") or []
    errors = send_calls(client, calls)
    if errors:
        logger.warning("after-ack Slack calls failed: %s", "; ".join(errors))
