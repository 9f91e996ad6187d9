"""`/extend` (chair or secretariat) and `/object` (member delegations, during silence)."""

from typing import Any

from slack_bolt import Ack, App, BoltContext

from bot.domain.deadlines import extend_deadline
from bot.domain.silence import object_to
from bot.views.messages import item_message
from handlers.home import ask_refresh, refresh_homes
from handlers.outbound import (
    answer,
    in_meeting,
    plan,
    post,
    send_planned_calls,
    silence_calls,
    update,
)


def register(app: App) -> None:
    app.command("/extend")(ack=extend, lazy=[send_planned_calls, refresh_homes])
    app.command("/object")(ack=object_, lazy=[send_planned_calls, refresh_homes])


def extend(ack: Ack, command: dict[str, Any], context: BoltContext) -> None:
    found = in_meeting(
        ack,
        command,
        context,
        lambda session, meeting: extend_deadline(
            session,
            meeting=meeting,
            user_id=command["user_id"],
            text=command.get("text") or "",
            now=context["now"],
        ),
    )
    if found is None:
        return
    meeting, outcome = found
    item = outcome.item
    if item is not None:  # the deadline moved: every Home shows it
        ask_refresh(context, meeting_id=meeting.id, everyone=True)
    if item is not None and item.post_ts and outcome.notice and outcome.root:
        plan(
            context,
            [
                post(item.post_channel, outcome.notice, thread_ts=item.post_ts),
                update(item.post_channel, item.post_ts, item_message(outcome.root)),
            ],
        )
    answer(ack, outcome.reply)


def object_(ack: Ack, command: dict[str, Any], context: BoltContext) -> None:
    found = in_meeting(
        ack,
        command,
        context,
        lambda session, meeting: object_to(
            session,
            meeting=meeting,
            user_id=command["user_id"],
            text=command.get("text") or "",
            now=context["now"],
        ),
    )
    if found is None:
        return
    meeting, outcome = found
    plan(context, silence_calls(outcome, channel=meeting.channel))
    if outcome.procedure is not None:
        ask_refresh(context, meeting_id=meeting.id, chair=True, everyone=True)
    answer(ack, outcome.reply)
