"""The decision form: `/approve N` alone, or the button on an item's message, opens a modal
prefilled with the proposal; submitting it records the decision exactly as the command does."""

import json
from typing import Any

from slack_bolt import Ack, App, BoltContext

from bot.domain.decisions import decide
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
from handlers.approve import calls_for, form_calls
from handlers.home import ask_refresh, refresh_homes
from handlers.outbound import plan, send_planned_calls
from models import Meeting


def register(app: App) -> None:
    app.view(DECISION_FORM)(ack=submit, lazy=[send_planned_calls, refresh_homes])
    app.action(OPEN_FORM)(ack=open_form, lazy=[send_planned_calls])


def submit(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
    meeting_id, number, outcome, text = read_decision_form(view)
    if outcome is None:
        ack(response_action="errors", errors={"outcome": CHOOSE_OUTCOME})
        return
    if not text:
        ack(response_action="errors", errors={TEXT_BLOCK: WRITE_DECISION})
        return
    request = ApproveRequest("decide", number=number, kind=outcome, text=text)
    with context["db"].session() as session:
        meeting = session.get(Meeting, meeting_id) if meeting_id is not None else None
        if meeting is None or number is None:
            ack(response_action="errors", errors={TEXT_BLOCK: FORM_OUT_OF_DATE})
            return
        result = decide(
            session,
            meeting=meeting,
            user_id=body["user"]["id"],
            request=request,
            now=context["now"],
        )
    if result.kind != "decided":  # refused (not the chair) or the item is gone
        ack(
            response_action="errors",
            errors={TEXT_BLOCK: decision_reply(result)[:REFUSAL_LIMIT]},
        )
        return
    plan(context, calls_for(result))
    ask_refresh(context, meeting_id=meeting_id, chair=True)
    ack()  # closes the modal


def open_form(ack: Ack, body: dict[str, Any], action: dict[str, Any], context: BoltContext) -> None:
    ack()
    value = json.loads(action.get("value") or "{}")
    user_id = body["user"]["id"]
    with context["db"].session() as session:
        meeting = session.get(Meeting, value.get("meeting_id"))
        if meeting is None:
            return
        result = decide(
            session,
            meeting=meeting,
            user_id=user_id,
            request=ApproveRequest("form", number=value.get("number")),
            now=context["now"],
        )
    if result.kind == "form":
        plan(context, form_calls(result, body["trigger_id"]))
    else:
        channel = (body.get("channel") or {}).get("id") or user_id
        plan(
            context,
            [
                Call(
                    "chat_postEphemeral",
                    {"channel": channel, "user": user_id, "text": decision_reply(result)},
                )
            ],
        )
