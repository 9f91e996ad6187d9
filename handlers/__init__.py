"""Slack listeners: thin adapters from Slack payloads to `bot/` and back.

Each module exposes `register(app)`.  Every listener reads the payload, calls one domain
function inside one database session, answers Slack, and leaves its Web API calls to a lazy
listener that runs after the answer has gone (see `handlers/outbound.py`).
"""

from slack_bolt import App

from handlers import (
    agenda,
    approve,
    calendar,
    classify,
    decision_form,
    fallback,
    groups,
    home,
    messages,
    revisions,
    secretariat,
)


def register_all(app: App) -> None:
    messages.register(app)
    approve.register(app)
    calendar.register(app)
    secretariat.register(app)
    decision_form.register(app)
    agenda.register(app)
    classify.register(app)
    groups.register(app)
    revisions.register(app)
    home.register(app)
    fallback.register(app)  # last: Bolt runs the first listener that matches
