"""Slack listeners: thin adapters from Slack payloads to `bot/` and back.

One module per Slack surface, each exposing `register(app)`, plus one small shared kit
(`outbound.py`).  Every listener reads the payload, asks `bot.domain` inside one database
session, renders with `bot.views`, answers Slack, and hands its Web API calls to `bot.slack` to
send after the answer has gone.  No module-level state is shared between handlers.  May import
`bot.clock` (to run a send step now) and every layer below; imported only by `bot.app`.
"""

from slack_bolt import App

from handlers import (
    agenda,
    approve,
    calendar,
    classify,
    decision_form,
    enrolment,
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
    enrolment.register(app)
    fallback.register(app)  # last: Bolt runs the first listener that matches
