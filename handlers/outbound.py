"""The lazy half of every listener: the Web API calls its ack half planned.

The ack half stores `bot.slack.api.Call` values in `context["calls"]`; Bolt copies the context
into this lazy listener, which runs on the listener executor after Slack has its answer.
"""

import logging
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient
from sqlmodel import Session

from bot.domain.meetings import NoMeeting, resolve_command_meeting
from bot.domain.silence import SilenceOutcome, record_notice
from bot.slack.api import Call, send_calls
from bot.views.messages import RECEIPT_REACTION, SlackMessage, item_message
from bot.views.notices import no_meeting_text
from bot.views.silence import silence_notices
from models import Meeting

R = TypeVar("R")
SILENCE_NOTICE = "silence_notice:"  # a Call's `remember`: the channel notice of procedure N


def answer(ack: Ack, text: str) -> None:
    """Acknowledge a command with a private answer (JSON, so Slack shows it as ephemeral)."""
    ack(text=text, response_type="ephemeral")


def plan(context: BoltContext, calls: Sequence[Call]) -> None:
    context["calls"] = list(calls)


def send_planned_calls(context: BoltContext, client: WebClient, logger: logging.Logger) -> None:
    calls: list[Any] = context.get("calls") or []

    def remember(call: Call, response: Any) -> None:
        # A silence procedure's channel notice is updated in place later: keep its ts.
        if call.remember and call.remember.startswith(SILENCE_NOTICE):
            procedure_id = int(call.remember.removeprefix(SILENCE_NOTICE))
            with context["db"].session() as session:
                record_notice(
                    session,
                    procedure_id=procedure_id,
                    channel=str(response["channel"]),
                    ts=str(response["ts"]),
                )

    errors = send_calls(client, calls, on_sent=remember)
    if errors:
        logger.warning("after-ack Slack calls failed: %s", "; ".join(errors))


def silence_calls(outcome: SilenceOutcome, *, channel: str | None) -> list[Call]:
    """The posts a silence procedure change makes: thread, channel notice, root, alerts."""
    item, procedure = outcome.item, outcome.procedure
    notices = silence_notices(outcome)
    if item is None or procedure is None or item.post_ts is None or notices is None:
        return []
    calls = posts(item.post_channel, notices.thread, thread_ts=item.post_ts)
    if procedure.notice_ts:
        calls.append(update(procedure.notice_channel, procedure.notice_ts, notices.channel))
    elif procedure.status == "running":
        notice = post(channel or item.post_channel, notices.channel)
        calls.append(Call(notice.method, notice.args, remember=f"{SILENCE_NOTICE}{procedure.id}"))
    if outcome.root is not None:
        calls.append(update(item.post_channel, item.post_ts, item_message(outcome.root)))
    if notices.alert is not None:
        calls += [call for user in outcome.alert_users for call in posts(user, notices.alert)]
    return calls


def post(channel: str | None, message: SlackMessage, *, thread_ts: str | None = None) -> Call:
    args: dict[str, Any] = {"channel": channel, "text": message.text, "blocks": message.blocks}
    if thread_ts is not None:
        args["thread_ts"] = thread_ts
    return Call("chat_postMessage", args)


def posts(
    channel: str | None, message: SlackMessage, *, thread_ts: str | None = None
) -> list[Call]:
    """`message` and its continuations (`SlackMessage.more`), one post each, in one place."""
    return [post(channel, part, thread_ts=thread_ts) for part in message.parts()]


def receipt(channel: str, ts: str) -> Call:
    """The reaction that tells a writer their message was recorded; a redelivery sends it again
    (the first attempt may have died before it went out), and Slack keeps one."""
    return Call(
        "reactions_add",
        {"channel": channel, "timestamp": ts, "name": RECEIPT_REACTION},
        tolerate=("already_reacted", "message_not_found"),
    )


def ephemeral(channel: str, user: str, text: str, *, thread_ts: str | None = None) -> Call:
    """A private notice to `user`, shown inside the thread when there is one."""
    args: dict[str, Any] = {"channel": channel, "user": user, "text": text}
    if thread_ts:
        args["thread_ts"] = thread_ts
    return Call("chat_postEphemeral", args, tolerate=("user_not_in_channel",))


def update(channel: str | None, ts: str, message: SlackMessage) -> Call:
    return Call(
        "chat_update",
        {"channel": channel, "ts": ts, "text": message.text, "blocks": message.blocks},
    )


def in_meeting(
    ack: Ack,
    command: dict[str, Any],
    context: BoltContext,
    act: Callable[[Session, Meeting], R],
) -> tuple[Meeting, R] | None:
    """Run `act` in one session on the meeting the slash command is about.

    When there is no such meeting, or several, the user is told privately and None returned.
    """
    with context["db"].session() as session:
        meeting = resolve_command_meeting(
            session, channel=command["channel_id"], user_id=command["user_id"]
        )
        if isinstance(meeting, NoMeeting):
            answer(ack, no_meeting_text(command["command"], meeting))
            return None
        return meeting, act(session, meeting)
