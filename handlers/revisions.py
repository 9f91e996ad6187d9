"""`/revise` and its form: the secretariat publishes a revised document on an item.

The ack half checks and stores (bot/revisions.py) and answers privately; posting in the
thread, redrawing the root and telling the delegations that commented happen after the
answer, in the lazy listener, through the same claimed deliveries the clock uses to finish
an announcement a crash interrupted.  The form's submission answers in its acknowledgement:
no body closes the modal, `response_action: errors` keeps it open with the reasons.
"""

import logging
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.domain.revisions import (
    RevisionRequest,
    announce_revision,
    publish_revision,
    revise_command,
)
from bot.slack.api import Call, Outbound
from bot.views.revisions import CODE_BLOCK, REVISE_FORM, read_revise_form
from handlers.home import ask_refresh, refresh_homes
from handlers.outbound import answer, in_meeting, plan, send_planned_calls
from models import Meeting

EXPIRED_FORM = "This form is out of date: use /revise again."


def register(app: App) -> None:
    app.command("/revise")(ack=revise, lazy=[send_planned_calls, announce, refresh_homes])
    app.view(REVISE_FORM)(ack=submit, lazy=[announce, refresh_homes])


def revise(ack: Ack, command: dict[str, Any], context: BoltContext) -> None:
    found = in_meeting(
        ack,
        command,
        context,
        lambda session, meeting: revise_command(
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
    if outcome.form is not None:
        # The modal must open within 3 s of the trigger: the lazy listener does it at once.
        plan(
            context,
            [Call("views_open", {"trigger_id": command["trigger_id"], "view": outcome.form})],
        )
        ack()
        return
    _published(context, outcome.revision_id, meeting.id)
    answer(ack, outcome.reply)


def submit(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
    form = read_revise_form(view)
    with context["db"].session() as session:
        meeting = session.get(Meeting, form["meeting_id"]) if form["meeting_id"] else None
        if meeting is None or not isinstance(form["number"], int):
            ack(response_action="errors", errors={CODE_BLOCK: EXPIRED_FORM})
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
            session,
            meeting=meeting,
            user_id=body["user"]["id"],
            request=request,
            now=context["now"],
        )
    if outcome.errors:
        errors = {block: message[:300] for block, message in outcome.errors.items()}
        ack(response_action="errors", errors=errors)
        return
    _published(context, outcome.revision_id, meeting.id)
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
