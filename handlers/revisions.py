"""`/revise` and its form: the secretariat publishes a revised document on an item.

The ack half checks and stores (bot/domain/revisions.py) and answers privately; posting in the
thread, redrawing the root and telling the delegations that commented happen after the
answer, in the lazy listener, through the same claimed deliveries the clock uses to finish
an announcement a crash interrupted (bot/clock/revisions.py).  The form's submission answers
in its acknowledgement: no body closes the modal, `response_action: errors` keeps it open with
the reasons.
"""

import logging
from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from sqlmodel import Session

from bot.clock.revisions import announce_revision
from bot.domain.languages import language_of
from bot.domain.revisions import publish_revision, revise_command
from bot.parse.revise import RevisionRequest, parse_revise
from bot.slack.api import Call, Outbound
from bot.views.i18n import speaking
from bot.views.revisions import (
    CODE_BLOCK,
    REVISE_FORM,
    command_reply,
    expired_form_text,
    form_errors,
    read_revise_form,
    revise_form,
)
from handlers.home import ask_refresh, refresh_homes
from handlers.outbound import answer, in_meeting, plan, send_planned_calls
from models import Meeting


def register(app: App) -> None:
    app.command("/revise")(ack=revise, lazy=[send_planned_calls, announce, refresh_homes])
    app.view(REVISE_FORM)(ack=submit, lazy=[announce, refresh_homes])


@dataclass(frozen=True)
class _Answer:
    """`/revise` rendered: a private reply or a form to open, and a revision to announce."""

    reply: str = ""
    form: dict[str, Any] | None = None
    revision_id: int | None = None


def revise(ack: Ack, command: dict[str, Any], context: BoltContext) -> None:
    parsed = parse_revise(command.get("text") or "")

    def respond(session: Session, meeting: Meeting) -> _Answer:
        outcome = revise_command(
            session,
            meeting=meeting,
            user_id=command["user_id"],
            command=parsed,
            now=context["now"],
        )
        if outcome.outcome == "form":
            assert outcome.item is not None
            return _Answer(
                form=revise_form(meeting, outcome.item, suggested_code=outcome.suggested_code)
            )
        revision_id = outcome.revision.id if outcome.revision is not None else None
        return _Answer(command_reply(meeting, outcome), revision_id=revision_id)

    found = in_meeting(ack, command, context, respond)
    if found is None:
        return
    meeting, result = found
    if result.form is not None:
        # The modal must open within 3 s of the trigger: the lazy listener does it at once.
        plan(
            context,
            [Call("views_open", {"trigger_id": command["trigger_id"], "view": result.form})],
        )
        ack()
        return
    _published(context, result.revision_id, meeting.id)
    answer(ack, result.reply)


def submit(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
    form = read_revise_form(view)
    user_id = body["user"]["id"]
    with context["db"].session() as session:
        meeting = session.get(Meeting, form["meeting_id"]) if form["meeting_id"] else None
        if meeting is None or not isinstance(form["number"], int):
            ack(response_action="errors", errors={CODE_BLOCK: expired_form_text()})
            return
        request = RevisionRequest(
            form["number"],
            form["code"],
            form["url"],
            title=form["title"],
            note=form["note"],
            until=form["until"],
        )
        outcome = publish_revision(
            session, meeting=meeting, user_id=user_id, request=request, now=context["now"]
        )
        # The form's errors are the submitter's to read, in their language.
        with speaking(language_of(session, meeting=meeting, user_id=user_id)):
            errors = form_errors(meeting, outcome)
    if errors:
        ack(response_action="errors", errors=errors)
        return
    revision_id = outcome.revision.id if outcome.revision is not None else None
    _published(context, revision_id, meeting.id)
    ack()  # closes the modal; the thread post is the confirmation


def _published(context: BoltContext, revision_id: int | None, meeting_id: int | None) -> None:
    """After the answer: announce the revision, and republish the Homes (delegates see an open
    final-concerns window there)."""
    if revision_id is None:
        return
    context["announce_revision"] = revision_id
    ask_refresh(context, meeting_id=meeting_id, everyone=True)


def announce(context: BoltContext, client: WebClient, logger: logging.Logger) -> None:
    revision_id = context.get("announce_revision")
    if revision_id is None:
        return
    told = announce_revision(
        context["db"].engine, Outbound(client), revision_id=revision_id, now=context["now"]
    )
    logger.info("revision %s announced; %s delegate(s) told", revision_id, told)
