"""`/extend` (chair or secretariat) and `/object` (member delegations, during silence)."""

from typing import Any

from slack_bolt import Ack, App, BoltContext

from bot.domain.deadlines import extend_deadline
from bot.domain.silence import object_to
from bot.views.messages import item_message
from bot.views.silence import extend_reply, extension_notice, silence_reply
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
    if outcome.kind == "moved":  # every Home shows the deadline
        ask_refresh(context, meeting_id=meeting.id, everyone=True)
    if outcome.kind == "moved" and item is not None and item.post_ts and outcome.root:
        notice = extension_notice(meeting, item, outcome.old, outcome.reopened)
        plan(
            context,
            [
                post(item.post_channel, notice, thread_ts=item.post_ts),
                update(item.post_channel, item.post_ts, item_message(outcome.root)),
            ],
        )
    answer(ack, extend_reply(outcome))


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
    if outcome.kind == "objected":
        ask_refresh(context, meeting_id=meeting.id, chair=True, everyone=True)
    answer(ack, silence_reply(outcome))
