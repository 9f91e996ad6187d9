"""`/approve`: the chair records a decision on an agenda item.

The private answer travels in the acknowledgement itself (Slack shows it at once, only to the
user); the decision is committed before that answer is sent.  Posting in the item's thread and
redrawing its root message happen after, in the lazy listener.
"""

from typing import Any

from slack_bolt import Ack, App, BoltContext

from bot.decisions import DecisionOutcome, decide, parse_approve
from bot.meetings import meetings_for_command
from bot.slack_api import Call
from bot.views import (
    awaiting_list,
    choose_meeting_notice,
    decision_announcement,
    decision_confirmation,
    item_message,
    no_meeting_notice,
)
from handlers.outbound import answer, plan, send_planned_calls


def register(app: App) -> None:
    app.command("/approve")(ack=approve, lazy=[send_planned_calls])


def approve(ack: Ack, command: dict[str, Any], context: BoltContext) -> None:
    request = parse_approve(command.get("text") or "")
    user_id = command["user_id"]
    with context["db"].session() as session:
        meetings = meetings_for_command(session, channel=command["channel_id"], user_id=user_id)
        if not meetings:
            answer(ack, no_meeting_notice("/approve"))
            return
        if len(meetings) > 1:
            answer(ack, choose_meeting_notice("/approve", [m.key for m in meetings]))
            return
        outcome = decide(
            session, meeting=meetings[0], user_id=user_id, request=request, now=context["now"]
        )
    plan(context, calls_for(outcome))
    answer(ack, reply_for(outcome))


def reply_for(outcome: DecisionOutcome) -> str:
    if outcome.decision is not None and outcome.item is not None:
        return decision_confirmation(outcome.item, outcome.decision, outcome.superseded is not None)
    if outcome.awaiting is not None and outcome.meeting is not None:
        return awaiting_list(outcome.meeting, outcome.awaiting)
    return outcome.reply


def calls_for(outcome: DecisionOutcome) -> list[Call]:
    meeting, item, decision = outcome.meeting, outcome.item, outcome.decision
    if meeting is None or item is None or decision is None:
        return []
    notice = decision_announcement(meeting, item, decision, outcome.superseded)
    root = item_message(meeting, item, outcome.documents, decision)
    return [
        Call(
            "chat_postMessage",
            {
                "channel": item.post_channel,
                "thread_ts": item.post_ts,
                "text": notice.text,
                "blocks": notice.blocks,
            },
        ),
        Call(
            "chat_update",
            {
                "channel": item.post_channel,
                "ts": item.post_ts,
                "text": root.text,
                "blocks": root.blocks,
            },
        ),
    ]
