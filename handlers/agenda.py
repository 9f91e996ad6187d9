"""`/agenda`: anyone sees the items, their status and deadlines, privately; the secretariat
can post an item that is not posted yet, or post an open item again (pointing at its thread).

The agenda and the notes under it are in the reader's language; an item posted again is a
channel post, in every meeting language.
"""

import json
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from sqlmodel import Session

from bot.clock.posting import post_items
from bot.domain.agenda import agenda_for
from bot.domain.languages import language_of, meeting_languages
from bot.domain.meetings import find_item, find_meeting
from bot.domain.permissions import Permission, require
from bot.slack.api import Outbound
from bot.views.forms import (
    ANNOUNCE_ITEM,
    NOT_POSTED_YET,
    POST_ITEM,
    agenda_blocks,
    agenda_text,
    announcement,
    post_result_note,
    posted_again_note,
)
from bot.views.i18n import _, speaking
from bot.views.refusals import refusal_text
from handlers.outbound import in_meeting
from models import Meeting


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
    context["post_task"] = {
        "meeting_key": meeting.key,
        "number": value.get("number"),
        "again": action["action_id"] == ANNOUNCE_ITEM,
        "refusal": refusal,
        "language": language,
    }


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
    with context["db"].session() as session:
        meeting = find_meeting(session, task["meeting_key"])
        item = find_item(session, meeting_id=meeting.id or 0, number=task["number"])
    if item is None or item.post_ts is None or item.post_channel is None:
        with speaking(task["language"]):
            tell(respond, _(NOT_POSTED_YET))
        return
    out = Outbound(client)
    link = out.permalink(item.post_channel, item.post_ts)
    closed = item.deadline_at is not None and item.deadline_at <= context["now"]
    text = in_every_language(
        meeting_languages(meeting), lambda: announcement(item, link, closed=closed)
    )
    client.chat_postMessage(channel=item.post_channel, text=text)
    with speaking(task["language"]):
        tell(respond, posted_again_note(item.number))


def in_every_language(languages: Iterable[str], render: Callable[[], str]) -> str:
    """A one-line channel post in every meeting language, the main one first (one language:
    exactly what `render` says)."""
    texts = []
    for language in dict.fromkeys(languages):
        with speaking(language):
            texts.append(render())
    return "\n\n".join(texts)


def tell(respond: Respond, text: str) -> None:
    """A private note under the agenda (through the action's response_url)."""
    respond(text=text.strip(), response_type="ephemeral", replace_original=False)
