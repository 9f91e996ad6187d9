"""`/agenda`: anyone sees the items, their status and deadlines, privately; the secretariat
can post an item that is not posted yet, or post an open item again (pointing at its thread).

The agenda and the notes under it are in the reader's language; an item posted again is a
channel post, in every meeting language, made as a claimed delivery (bot/clock/announcements.py):
owed from the press on, sent right after it, finished by the clock if this process cannot.
"""

import json
import logging
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from sqlmodel import Session

from bot.clock.announcements import announce_now, schedule_announcement
from bot.clock.claims import Attempt, deadline_key
from bot.clock.posting import post_items
from bot.domain.agenda import agenda_for
from bot.domain.languages import language_of
from bot.domain.meetings import find_item
from bot.domain.permissions import Permission, require
from bot.slack.api import Outbound
from bot.views.forms import (
    ANNOUNCE_ITEM,
    NOT_POSTED_YET,
    POST_ITEM,
    agenda_blocks,
    agenda_text,
    post_result_note,
    posted_again_note,
)
from bot.views.i18n import _, speaking
from bot.views.refusals import refusal_text
from handlers.outbound import in_meeting
from models import Meeting

log = logging.getLogger(__name__)


def register(app: App) -> None:
    app.command("/agenda")(show_agenda)
    for action in (POST_ITEM, ANNOUNCE_ITEM):
        app.action(action)(ack=accept_post, lazy=[carry_out_post])


def show_agenda(ack: Ack, command: dict[str, Any], context: BoltContext) -> None:
    now_ts = context["now"].timestamp()

    def render(session: Session, meeting: Meeting) -> tuple[str, list[dict[str, Any]]]:
        # Inside in_meeting: in the language the user reads this meeting in.
        agenda = agenda_for(session, meeting=meeting, user_id=command["user_id"])
        blocks = agenda_blocks(
            agenda.meeting,
            agenda.items,
            agenda.decisions,
            now_ts=now_ts,
            can_post=agenda.can_post,
        )
        return agenda_text(agenda.meeting), blocks

    found = in_meeting(ack, command, context, render)
    if found is None:
        return
    _meeting, (text, blocks) = found
    ack(text=text, blocks=blocks, response_type="ephemeral")


def accept_post(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], context: BoltContext
) -> None:
    ack()
    value = json.loads(action.get("value") or "{}")
    user_id = body["user"]["id"]
    with context["db"].session() as session:
        meeting = session.get(Meeting, value.get("meeting_id"))
        if meeting is None:
            return
        refused = require(
            session,
            meeting=meeting,
            user_id=user_id,
            permission=Permission.MANAGE,
            action="agenda",
            now=context["now"],
            detail="not secretariat",
        )
        language = language_of(session, meeting=meeting, user_id=user_id)
        with speaking(language):
            refusal = refusal_text(refused) if refused is not None else None
        again = action["action_id"] == ANNOUNCE_ITEM
        announce = None
        if again and refused is None:
            announce = _owe_announcement(session, meeting, value.get("number"), action, context)
    context["post_task"] = {
        "meeting_key": meeting.key,
        "number": value.get("number"),
        "again": again,
        "announce": announce,
        "refusal": refusal,
        "language": language,
    }


def _owe_announcement(
    session: Session,
    meeting: Meeting,
    number: Any,
    action: dict[str, Any],
    context: BoltContext,
) -> str | None:
    """In the request's transaction, the item posted again is owed (its delivery's key), or
    None when the item is not in the channel.  Keyed by the press (its action ts), so the same
    press seen twice is announced once."""
    item = find_item(session, meeting_id=meeting.id or 0, number=number)
    if item is None:
        return None
    now = context["now"]
    press = str(action.get("action_ts") or deadline_key(now))
    return schedule_announcement(session, item, press=press, now=now)


def carry_out_post(context: BoltContext, client: WebClient, respond: Respond) -> None:
    task = context.get("post_task")
    if not task:
        return
    if task["refusal"]:
        tell(respond, task["refusal"])
        return
    engine = context["db"].engine
    now = context["now"]
    if not task["again"]:
        [result] = post_items(
            engine,
            client,
            meeting_key=task["meeting_key"],
            numbers=[task["number"]],
            now=now,
            actor=context.get("user_id") or "agenda",
        )
        with speaking(task["language"]):
            tell(respond, post_result_note(result.number, result.outcome, result.detail))
        return
    _post_again(context, client, respond, task)


def _post_again(
    context: BoltContext, client: WebClient, respond: Respond, task: dict[str, Any]
) -> None:
    key, number = task["announce"], task["number"]
    attempt: Attempt[str] | None = None
    if key is not None:
        try:
            attempt = announce_now(context["db"].engine, Outbound(client), key, now=context["now"])
        except OSError:
            # Slack's answer was lost: the post may be in the channel.  The claim stays and the
            # clock finishes the delivery (finding that post) once the claim timeout has passed,
            # so the item is posted again either way; pressing again would post it twice.
            log.warning("announcement %s: Slack's answer was lost; the clock finishes it", key)
            with speaking(task["language"]):
                tell(respond, posted_again_note(number))
            return
    with speaking(task["language"]):
        tell(respond, _again_note(number, attempt))


def _again_note(number: int, attempt: Attempt[str] | None) -> str:
    if attempt is None:  # the item is not in the channel
        return _(NOT_POSTED_YET)
    if attempt.outcome in ("failed", "gave_up"):  # Slack refused: said as "Post now" says it
        return post_result_note(number, "failed", attempt.error)
    if attempt.outcome == "held_elsewhere":
        return post_result_note(number, "claimed_elsewhere", "")
    return posted_again_note(number)


def tell(respond: Respond, text: str) -> None:
    """A private note under the agenda (through the action's response_url)."""
    respond(text=text.strip(), response_type="ephemeral", replace_original=False)
