"""Acknowledge every event no other listener takes.

Bolt answers 404 to an event without a listener, and Slack retries what it sees as a failure;
an event the bot has no use for must still be answered 200.
"""

import re

from slack_bolt import Ack, App


def register(app: App) -> None:
    app.event(re.compile(r".*"))(acknowledge)


def acknowledge(ack: Ack) -> None:
    ack()
