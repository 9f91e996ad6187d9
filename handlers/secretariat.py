"""`/digest`, `/record` and `/close`: the secretariat's commands.

Each answers at once, privately; the work (building the digest or the record, uploading,
posting the closing) runs after the acknowledgement, in the lazy listener.
"""

import logging
from typing import Any, cast

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from sqlmodel import Session

from bot.clock.digest import send_digest
from bot.clock.session_end import finish_sessions, record_documents
from bot.domain.languages import language_of
from bot.domain.permissions import Permission, require
from bot.domain.record_texts import record_texts
from bot.domain.session_end import request_close
from bot.domain.summary import build_summary
from bot.record.languages import in_language
from bot.slack.api import Outbound
from bot.views.digest import SecretariatTask, close_reply, summary_upload_comment, task_reply
from bot.views.i18n import speaking
from bot.views.refusals import refusal_text
from handlers.outbound import answer, in_meeting
from models import Meeting


def register(app: App) -> None:
    for name in ("digest", "record", "close"):
        app.command(f"/{name}")(ack=accept, lazy=[carry_out])


def accept(ack: Ack, command: dict[str, Any], context: BoltContext) -> None:
    user_id = command["user_id"]
    action = command["command"].lstrip("/")
    now = context["now"]

    def check(session: Session, meeting: Meeting) -> tuple[str, bool]:
        if action == "close":
            request = request_close(session, meeting=meeting, user_id=user_id, now=now)
            return close_reply(request), request.send_now
        refusal = require(
            session,
            meeting=meeting,
            user_id=user_id,
            permission=Permission.MANAGE,
            action=action,
            now=now,
            detail="not secretariat",
        )
        if refusal is not None:
            return refusal_text(refusal), False
        return task_reply(cast(SecretariatTask, action)), True

    found = in_meeting(ack, command, context, check)
    if found is None:
        return
    meeting, (reply, accepted) = found
    if accepted:
        context["task"] = {"action": action, "meeting_id": meeting.id, "user": user_id}
    answer(ack, reply)


def carry_out(context: BoltContext, client: WebClient, logger: logging.Logger) -> None:
    task = context.get("task")
    if not task:
        return
    out = Outbound(client)
    engine = context["db"].engine
    now = context["now"]
    if task["action"] == "digest":
        send_digest(
            engine, out, meeting_id=task["meeting_id"], recipient=task["user"], now=now, forced=True
        )
    elif task["action"] == "record":
        # The record in every meeting language (a file of each format per language); the
        # upload's words in the asker's language.
        with context["db"].session(read_only=True) as session:
            summary = build_summary(session, meeting_id=task["meeting_id"], now=now)
            texts = record_texts(session, meeting_id=task["meeting_id"])
            meeting = session.get(Meeting, task["meeting_id"])
            assert meeting is not None
            language = language_of(session, meeting=meeting, user_id=task["user"])
        files = record_documents(summary, texts)
        with speaking(language):
            comment = summary_upload_comment(in_language(summary, texts).title)
        out.upload(task["user"], files, comment=comment)
    elif task["action"] == "close":
        finish_sessions(engine, out, now=now)
    logger.info("/%s carried out for %s", task["action"], task["user"])
