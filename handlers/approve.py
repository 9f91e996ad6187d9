"""`/approve`: the chair records a decision on an agenda item, or starts a silence procedure.

The private answer travels in the acknowledgement itself (Slack shows it at once, only to the
user, in their language); the decision is committed before that answer is sent.  Posting in the
item's thread and redrawing its root message (in every meeting language) happen after, in the
lazy listener.
"""

from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack, App, BoltContext
from sqlmodel import Session

from bot.clock.decisions import schedule_decision
from bot.clock.silence_notices import schedule_silence_notice
from bot.domain.decisions import DecisionOutcome, decide
from bot.domain.languages import language_of
from bot.parse.approve import parse_approve
from bot.slack.api import Call
from bot.views.decisions import decision_reply, superseded_notice
from bot.views.forms import decision_form
from bot.views.i18n import speaking
from handlers.home import ask_refresh, refresh_homes
from handlers.outbound import (
    answer,
    in_meeting,
    plan,
    send_planned_calls,
)
from models import Meeting


def register(app: App) -> None:
    app.command("/approve")(ack=approve, lazy=[send_planned_calls, refresh_homes])


@dataclass(frozen=True)
class _Answer:
    """`/approve` rendered in the chair's language (inside `in_meeting`): what it did, the
    private reply, and the calls to make after the acknowledgement."""

    outcome: DecisionOutcome
    reply: str
    calls: list[Call]
    silence_notice: str | None = None  # the silence procedure's notices, a claimed delivery


def approve(ack: Ack, command: dict[str, Any], context: BoltContext) -> None:
    request = parse_approve(command.get("text") or "")

    def respond(session: Session, meeting: Meeting) -> _Answer:
        outcome = decide(
            session,
            meeting=meeting,
            user_id=command["user_id"],
            request=request,
            now=context["now"],
            clock=context.get("clock"),
        )
        if outcome.kind == "form":
            return _Answer(outcome, "", form_calls(outcome, command["trigger_id"]))
        calls = superseded_calls(session, outcome)
        schedule_posts(session, outcome)
        notice = (
            schedule_silence_notice(session, outcome.silence, now=context["now"])
            if outcome.silence is not None
            else None
        )
        return _Answer(outcome, decision_reply(outcome), calls, notice)

    found = in_meeting(ack, command, context, respond)
    if found is None:
        return
    _, result = found
    outcome = result.outcome
    owed = [("decision", announced(outcome)), ("silence_notice", result.silence_notice)]
    plan(context, result.calls, owed=owed)
    if outcome.kind == "form":
        # The modal must open within 3 s of the trigger: the lazy listener does it at once.
        ack()
        return
    if outcome.kind in ("decided", "silence"):
        everyone = outcome.kind == "silence"  # members see a running silence procedure
        ask_refresh(context, meeting_id=outcome.meeting.id, chair=True, everyone=everyone)
    answer(ack, result.reply)


def form_calls(outcome: DecisionOutcome, trigger_id: str) -> list[Call]:
    """Open the decision form, in the active language (the chair's)."""
    assert outcome.item is not None
    view = decision_form(outcome.meeting, outcome.item)
    return [Call("views_open", {"trigger_id": trigger_id, "view": view})]


def schedule_posts(session: Session, outcome: DecisionOutcome) -> None:
    """In the decision's transaction: its announcement and the root's redraw are owed, as a
    claimed delivery (bot/clock/decisions.py) the clock finishes if this process does not."""
    if outcome.kind == "decided" and outcome.decision is not None and outcome.item is not None:
        schedule_decision(session, outcome.decision, outcome.item)


def announced(outcome: DecisionOutcome) -> int | None:
    """The decision to announce in the channel after the acknowledgement, if any."""
    decision, item = outcome.decision, outcome.item
    if outcome.kind != "decided" or decision is None or item is None or item.post_ts is None:
        return None
    return decision.id


def superseded_calls(session: Session, outcome: DecisionOutcome) -> list[Call]:
    """Tell the author of a decision this one superseded unawares (two submitted at once, or
    another chair's), in a direct message in their language: the announcement in the thread
    alone could pass them by."""
    user_id, item, decision = outcome.tell_superseded, outcome.item, outcome.decision
    if user_id is None or item is None or decision is None or outcome.superseded is None:
        return []
    meeting, superseded = outcome.meeting, outcome.superseded
    with speaking(language_of(session, meeting=meeting, user_id=user_id)):
        text = superseded_notice(meeting, item, superseded, decision)
    # Posting to a user id opens (or reuses) the bot's direct message with them.
    return [Call("chat_postMessage", {"channel": user_id, "text": text})]
