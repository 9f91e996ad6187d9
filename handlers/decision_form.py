"""The decision form: `/approve N` alone, or the button on an item's message, opens a modal
prefilled with the proposal; submitting it records the decision exactly as the command does."""

import json
from typing import Any

from slack_bolt import Ack, App, BoltContext

from bot.domain.decisions import decide
from bot.domain.languages import language_of
from bot.parse.approve import ApproveRequest
from bot.slack.api import Call
from bot.views.decisions import decision_reply
from bot.views.forms import (
    CHOOSE_OUTCOME,
    DECISION_FORM,
    FORM_OUT_OF_DATE,
    OPEN_FORM,
    REFUSAL_LIMIT,
    TEXT_BLOCK,
    WRITE_DECISION,
    read_decision_form,
)
from bot.views.i18n import _, speaking
from handlers.approve import announced, form_calls, schedule_posts, superseded_calls
from handlers.home import ask_refresh, refresh_homes
from handlers.outbound import plan, send_planned_calls
from models import Meeting


def register(app: App) -> None:
    app.view(DECISION_FORM)(ack=submit, lazy=[send_planned_calls, refresh_homes])
    app.action(OPEN_FORM)(ack=open_form, lazy=[send_planned_calls])


def submit(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
    """Record the decision; every error under the form is in the chair's language."""
    meeting_id, number, outcome, text = read_decision_form(view)
    user_id = body["user"]["id"]
    errors: dict[str, str] = {}
    calls: list[Call] = []
    decision: int | None = None
    with context["db"].session() as session:
        meeting = session.get(Meeting, meeting_id) if meeting_id is not None else None
        language = language_of(session, meeting=meeting, user_id=user_id) if meeting else None
        with speaking(language):
            if outcome is None:
                errors = {"outcome": _(CHOOSE_OUTCOME)}
            elif not text:
                errors = {TEXT_BLOCK: _(WRITE_DECISION)}
            elif meeting is None or number is None:
                errors = {TEXT_BLOCK: _(FORM_OUT_OF_DATE)}
            else:
                request = ApproveRequest("decide", number=number, kind=outcome, text=text)
                result = decide(
                    session,
                    meeting=meeting,
                    user_id=user_id,
                    request=request,
                    now=context["now"],
                    clock=context.get("clock"),
                )
                if result.kind == "decided":
                    calls = superseded_calls(session, result)
                    schedule_posts(session, result)
                    decision = announced(result)
                else:  # refused (not the chair) or the item is gone
                    errors = {TEXT_BLOCK: decision_reply(result)[:REFUSAL_LIMIT]}
    if errors:
        ack(response_action="errors", errors=errors)
        return
    plan(context, calls, owed=[("decision", decision)])
    ask_refresh(context, meeting_id=meeting_id, chair=True)
    ack()  # closes the modal


def open_form(ack: Ack, body: dict[str, Any], action: dict[str, Any], context: BoltContext) -> None:
    """The button on an item's root message: the form for the chair, a private refusal (in the
    reader's language) for anyone else."""
    ack()
    value = json.loads(action.get("value") or "{}")
    user_id = body["user"]["id"]
    with context["db"].session() as session:
        meeting = session.get(Meeting, value.get("meeting_id"))
        if meeting is None:
            return
        with speaking(language_of(session, meeting=meeting, user_id=user_id)):
            result = decide(
                session,
                meeting=meeting,
                user_id=user_id,
                request=ApproveRequest("form", number=value.get("number")),
                now=context["now"],
            )
            if result.kind == "form":
                calls = form_calls(result, body["trigger_id"])
            else:
                channel = (body.get("channel") or {}).get("id") or user_id
                reply = decision_reply(result)
                calls = [
                    Call("chat_postEphemeral", {"channel": channel, "user": user_id, "text": reply})
                ]
    plan(context, calls)
