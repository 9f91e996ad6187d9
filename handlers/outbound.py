"""The lazy half of every listener: the Web API calls its ack half planned.

The ack half stores `bot.slack.api.Call` values in `context["calls"]`; Bolt copies the context
into this lazy listener, which runs on the listener executor after Slack has its answer.
"""

import logging
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlmodel import Session, col, select

from bot.clock.decisions import deliver_decision
from bot.clock.extensions import deliver_extension
from bot.clock.silence_notices import deliver_silence_notice
from bot.domain.languages import language_of, meeting_languages
from bot.domain.meetings import NoMeeting, resolve_command_meeting
from bot.slack.api import Call, Outbound, send_calls
from bot.views.i18n import in_languages, speaking
from bot.views.messages import RECEIPT_REACTION, SlackMessage
from bot.views.notices import no_meeting_text
from handlers.enrolment_offer import command_offer_calls
from models import Meeting

R = TypeVar("R")


def answer(ack: Ack, text: str) -> None:
    """Acknowledge a command with a private answer (JSON, so Slack shows it as ephemeral)."""
    ack(text=text, response_type="ephemeral")


# What a request may owe the channel as a claimed delivery, by kind: each is scheduled in the
# request's own transaction, sent right after the acknowledgement by its sender here, and
# finished by the clock if that send cannot be made (bot/clock/scheduler.py, run_due).
SENDERS: dict[str, Callable[..., object]] = {
    "decision": deliver_decision,  # bot/clock/decisions.py: the decision's id
    "silence_notice": deliver_silence_notice,  # bot/clock/silence_notices.py: its key
    "extension": deliver_extension,  # bot/clock/extensions.py: its key
}


def plan(
    context: BoltContext, calls: Sequence[Call], *, owed: Sequence[tuple[str, Any]] = ()
) -> None:
    """What the lazy listener sends after the acknowledgement: first the claimed deliveries the
    request owes (`owed`: (kind in SENDERS, what names it); None entries are skipped), then
    `calls`, plain Web API calls (direct messages, updates, forms)."""
    context["calls"] = list(calls)
    context["owed"] = [(kind, name) for kind, name in owed if name is not None]


def send_planned_calls(context: BoltContext, client: WebClient, logger: logging.Logger) -> None:
    calls: list[Any] = context.get("calls") or []
    for kind, name in context.get("owed") or []:
        try:
            SENDERS[kind](context["db"].engine, Outbound(client), name, now=context["now"])
        except SlackApiError as exc:  # released: the clock sends it at a later beat
            logger.warning("%s %s: posting it failed, will retry: %s", kind, name, exc)
        except OSError as exc:  # the answer was lost: the claim stays, the clock reconciles it
            logger.warning(
                "%s %s: Slack's answer was lost, the clock finishes it: %s", kind, name, exc
            )
    errors = send_calls(client, calls)
    if errors:
        logger.warning("after-ack Slack calls failed: %s", "; ".join(errors))


def for_channel(meeting: Meeting, render: Callable[[], SlackMessage]) -> SlackMessage:
    """A channel post (an item's root, a notice in its thread): every meeting language, in one
    message."""
    return in_languages(meeting_languages(meeting), render)


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
    """Run `act` in one session on the meeting the slash command is about, in the language the
    user reads that meeting in (`speaking`): what `act` renders answers them in their language.

    When there is no such meeting, or several, the user is told privately (in the language of
    the first of their meetings, else English) and None returned.
    """
    user_id = command["user_id"]
    with context["db"].session() as session:
        meeting = resolve_command_meeting(session, channel=command["channel_id"], user_id=user_id)
        if isinstance(meeting, NoMeeting):
            with speaking(_language_without_meeting(session, meeting, user_id)):
                answer(ack, no_meeting_text(command["command"], meeting))
            return None
        # Someone not on this meeting's roster is offered, privately, to ask to join it.
        offer = command_offer_calls(
            session, meeting=meeting, user_id=user_id, channel=command["channel_id"]
        )
        context["after_ack"].send(context.client, offer)
        with speaking(language_of(session, meeting=meeting, user_id=user_id)):
            return meeting, act(session, meeting)


def _language_without_meeting(session: Session, found: NoMeeting, user_id: str) -> str | None:
    """Someone with a role in several meetings reads the language of the first (by key); someone
    with none, the default."""
    if not found.keys:
        return None
    first = session.exec(
        select(Meeting).where(col(Meeting.key).in_(found.keys)).order_by(col(Meeting.key))
    ).first()
    return language_of(session, meeting=first, user_id=user_id) if first is not None else None
