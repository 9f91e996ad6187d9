"""`/extend` (chair or secretariat) and `/object` (member delegations, during silence)."""

from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack, App, BoltContext
from sqlmodel import Session

from bot.clock.extensions import schedule_extension
from bot.clock.silence_notices import schedule_silence_notice
from bot.domain.deadlines import ExtendOutcome, extend_deadline
from bot.domain.silence import SilenceOutcome, object_to
from bot.views.silence import extend_reply, silence_reply
from handlers.home import ask_refresh, refresh_homes
from handlers.outbound import (
    answer,
    in_meeting,
    plan,
    send_planned_calls,
)
from models import Meeting


def register(app: App) -> None:
    app.command("/extend")(ack=extend, lazy=[send_planned_calls, refresh_homes])
    app.command("/object")(ack=object_, lazy=[send_planned_calls, refresh_homes])


def extend(ack: Ack, command: dict[str, Any], context: BoltContext) -> None:
    def respond(session: Session, meeting: Meeting) -> tuple[ExtendOutcome, str, str | None]:
        now = context["now"]
        outcome = extend_deadline(
            session,
            meeting=meeting,
            user_id=command["user_id"],
            text=command.get("text") or "",
            now=now,
        )
        # In the extension's transaction: its notice and the root's redraw are owed from now.
        owed = None
        if outcome.kind == "moved" and outcome.item is not None:
            owed = schedule_extension(session, outcome.item, old=outcome.old, now=now)
        return outcome, extend_reply(outcome), owed  # the reply in the user's language

    found = in_meeting(ack, command, context, respond)
    if found is None:
        return
    meeting, (outcome, reply, owed) = found
    if outcome.kind == "moved":  # every Home shows the deadline
        ask_refresh(context, meeting_id=meeting.id, everyone=True)
    plan(context, [], owed=[("extension", owed)])
    answer(ack, reply)


@dataclass(frozen=True)
class _Objection:
    """`/object` rendered: what it did, the private reply in the delegate's language, and the
    delivery of its notices (bot/clock/silence_notices.py)."""

    outcome: SilenceOutcome
    reply: str
    notice: str | None  # the objection's notices, a claimed delivery


def object_(ack: Ack, command: dict[str, Any], context: BoltContext) -> None:
    def respond(session: Session, meeting: Meeting) -> _Objection:
        outcome = object_to(
            session,
            meeting=meeting,
            user_id=command["user_id"],
            text=command.get("text") or "",
            now=context["now"],
        )
        # Scheduled in the objection's transaction: the clock sends it if this process does not.
        notice = schedule_silence_notice(session, outcome, now=context["now"])
        return _Objection(outcome, silence_reply(outcome), notice)

    found = in_meeting(ack, command, context, respond)
    if found is None:
        return
    meeting, result = found
    outcome = result.outcome
    plan(context, [], owed=[("silence_notice", result.notice)])
    if outcome.kind == "objected":
        ask_refresh(context, meeting_id=meeting.id, chair=True, everyone=True)
    answer(ack, result.reply)
