"""`/group` and its form: the secretariat sets up a drafting group in a private channel.

The acknowledgement checks and writes the group (or answers privately why not); the channel is
created, the members invited, welcomed and linked after it, in the lazy listener, which then
tells the secretariat member privately how it went.

`capture_group_change` is how handlers/messages.py hands over a message that is in no agenda
item's thread: when it is in a drafting group's channel, it is recorded for the group.
"""

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from sqlmodel import Session

from bot.clock.groups import set_up_group
from bot.domain.group_capture import (
    GroupCapture,
    capture_group_deletion,
    capture_group_edit,
    capture_group_message,
)
from bot.domain.groups import create_group, group_command, group_of_channel
from bot.domain.languages import language_of
from bot.parse.group import parse_group
from bot.slack.api import Call, send_calls
from bot.slack.events import Edited, MessageChange, Posted
from bot.views.groups import (
    GROUP_FORM,
    NAME,
    command_reply,
    expired_form_text,
    form_errors,
    group_modal,
    outsider_notice,
    read_group_form,
    set_up_error,
    set_up_text,
)
from bot.views.i18n import speaking
from handlers.home import publish_homes
from handlers.outbound import answer, ephemeral, in_meeting, plan, receipt, send_planned_calls
from models import DraftingGroup, Meeting


def register(app: App) -> None:
    app.command("/group")(ack=accept, lazy=[send_planned_calls, set_up])
    app.view(GROUP_FORM)(ack=submit, lazy=[set_up])


@dataclass(frozen=True)
class _Answer:
    """`/group` rendered: a private reply or a form to open, and a group to set up after."""

    reply: str = ""
    form: dict[str, Any] | None = None
    set_up: int | None = None


def accept(ack: Ack, command: dict[str, Any], context: BoltContext) -> None:
    request = parse_group(command.get("text") or "")
    user_id = command["user_id"]

    def respond(session: Session, meeting: Meeting) -> _Answer:
        result = group_command(
            session, meeting=meeting, user_id=user_id, request=request, now=context["now"]
        )
        if result.outcome == "form":
            return _Answer(form=group_modal(meeting, result.items, item_number=request.item_number))
        return _Answer(command_reply(meeting, result), set_up=result.set_up)

    found = in_meeting(ack, command, context, respond)
    if found is None:
        return
    _, result = found
    if result.form is not None:
        # The trigger is good for 3 seconds: the lazy listener opens the form right away.
        plan(
            context,
            [Call("views_open", {"trigger_id": command["trigger_id"], "view": result.form})],
        )
        ack()
        return
    if result.set_up is not None:
        context["group_set_up"] = {"group_id": result.set_up, "user": user_id}
    answer(ack, result.reply)


def submit(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
    meeting_id, request = read_group_form(view)
    user_id = body["user"]["id"]
    with context["db"].session() as session:
        meeting = session.get(Meeting, meeting_id) if meeting_id is not None else None
        if meeting is None:
            ack(response_action="errors", errors={NAME: expired_form_text()})
            return
        outcome = create_group(
            session, meeting=meeting, user_id=user_id, request=request, now=context["now"]
        )
        # The form's errors are the submitter's to read, in their language.
        with speaking(language_of(session, meeting=meeting, user_id=user_id)):
            errors = form_errors(meeting, outcome)
    if errors:
        ack(response_action="errors", errors=errors)
        return
    assert outcome.group is not None
    context["group_set_up"] = {"group_id": outcome.group.id, "user": user_id}
    ack()  # closes the form; the report follows by direct message


def set_up(context: BoltContext, client: WebClient, logger: logging.Logger) -> None:
    task = context.get("group_set_up")
    if not task:
        return
    report = set_up_group(
        context["db"].engine, client, group_id=task["group_id"], now=context["now"]
    )
    error = set_up_error(report)
    logger.info("drafting group %s set-up: %s %s", report.group_id, report.outcome, error)
    if report.outcome not in ("done", "failed"):
        return
    with context["db"].session(read_only=True) as session:
        group = session.get(DraftingGroup, report.group_id)
        meeting = session.get(Meeting, group.meeting_id) if group is not None else None
        language = language_of(session, meeting=meeting, user_id=task["user"]) if meeting else None
    with speaking(language):  # a direct message to the convener, in their language
        text = set_up_text(report)
    errors = send_calls(client, [Call("chat_postMessage", {"channel": task["user"], "text": text})])
    if errors:
        logger.warning("drafting group report not sent: %s", "; ".join(errors))
    if report.outcome == "done" and group is not None:
        # Its members (and the secretariat) find the group's channel on their Home from now on.
        members = [*report.invited, report.creator]
        publish_homes(context, client, logger, meeting_id=group.meeting_id, users=members)


# -- messages in a group's channel --------------------------------------------------------------


def capture_group_change(session: Session, change: MessageChange, now: datetime) -> list[Call]:
    """Record what a person did if it is in a drafting group's channel; the calls to make after.

    One indexed lookup for a message in any other channel, so a top-level message in the meeting
    channel costs next to nothing.
    """
    group = group_of_channel(session, channel=change.channel)
    if group is None:
        return []
    if isinstance(change, Posted):
        capture = capture_group_message(
            session,
            group=group,
            channel=change.channel,
            ts=change.ts,
            thread_ts=change.thread_ts,
            user_id=change.user_id,
            text=change.text,
            now=now,
        )
    elif isinstance(change, Edited):
        capture = capture_group_edit(
            session,
            group=group,
            channel=change.channel,
            ts=change.ts,
            thread_ts=change.thread_ts,
            user_id=change.user_id,
            text=change.text,
            edited_ts=change.edited_ts,
            previous_text=change.previous_text,
            previous_edited_ts=change.previous_edited_ts,
            now=now,
        )
    else:
        capture = capture_group_deletion(
            session,
            group=group,
            channel=change.channel,
            ts=change.ts,
            thread_ts=change.thread_ts,
            user_id=change.user_id,
            previous_text=change.previous_text,
            deleted_at=change.deleted_at,
            now=now,
        )
    if capture is None:
        return []
    language = None
    if capture.outcome == "kept_aside" and capture.user_id:  # told privately, in their language
        meeting = session.get(Meeting, group.meeting_id)
        if meeting is not None:
            language = language_of(session, meeting=meeting, user_id=capture.user_id)
    with speaking(language):
        return calls_for_group(capture)


def calls_for_group(capture: GroupCapture) -> list[Call]:
    """The receipt of a recorded message; for someone not in the group, the private notice (in
    the active language)."""
    if capture.outcome in ("recorded", "duplicate"):
        return [receipt(capture.channel, capture.ts)]
    if capture.outcome == "kept_aside" and capture.user_id:
        text = outsider_notice(capture.group_name, capture.secretariat)
        return [ephemeral(capture.channel, capture.user_id, text, thread_ts=capture.thread_ts)]
    return []
