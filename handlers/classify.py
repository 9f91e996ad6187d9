"""The "Classify comment" message shortcut and its modal.

The shortcut's ack half finds the comment and checks who is asking; the modal (views.open with
the shortcut's trigger_id, which Slack honours for 3 seconds) or the private refusal goes out
in the lazy listener right after the acknowledgement.  The modal's submission is answered in
its acknowledgement: no body closes the modal, `response_action: errors` keeps it open with
the reason under the choice.
"""

from typing import Any

from slack_bolt import Ack, App, BoltContext
from sqlmodel import Session

from bot.domain.classify import ClassifyTarget, classify_comment, find_classification_target
from bot.domain.languages import language_of
from bot.domain.meetings import NoMeeting, resolve_command_meeting
from bot.slack.api import Call
from bot.views.classify import (
    CLASSIFY_FORM,
    KIND_BLOCK,
    classify_error,
    classify_modal,
    expired_form_text,
    read_modal_comment,
    read_modal_kind,
    target_refusal_text,
)
from bot.views.i18n import speaking
from handlers.outbound import plan, send_planned_calls


def register(app: App) -> None:
    app.message_shortcut(CLASSIFY_FORM)(ack=open_classifier, lazy=[send_planned_calls])
    app.view_submission(CLASSIFY_FORM)(save_classification)


def open_classifier(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    user_id = body["user"]["id"]
    channel = (body.get("channel") or {}).get("id") or ""
    message = body.get("message") or {}
    ts = body.get("message_ts") or message.get("ts") or ""
    with context["db"].session() as session:
        target = find_classification_target(
            session, channel=channel, ts=ts, user_id=user_id, now=context["now"]
        )
        language = reader_language(session, channel=channel, user_id=user_id)
    with speaking(language):  # the modal or the refusal: private, in the reader's language
        if target.status == "open":
            view = classify_modal(target)
            calls = [Call("views_open", {"trigger_id": body["trigger_id"], "view": view})]
        else:
            calls = [refusal_call(target, user_id=user_id, thread_ts=message.get("thread_ts"))]
    plan(context, calls)
    ack()


def reader_language(session: Session, *, channel: str, user_id: str) -> str | None:
    """The language `user_id` reads in the meeting of `channel` (a comment's channel is its
    meeting's), else in their one meeting; None (English) when there is no one meeting."""
    meeting = resolve_command_meeting(session, channel=channel, user_id=user_id)
    if isinstance(meeting, NoMeeting):
        return None
    return language_of(session, meeting=meeting, user_id=user_id)


def refusal_call(target: ClassifyTarget, *, user_id: str, thread_ts: str | None) -> Call:
    """Privately: an ephemeral message where the shortcut was used when the bot is in that
    channel, else a direct message (an ephemeral message needs the bot in the channel)."""
    text = target_refusal_text(target)
    if not target.in_meeting_channel:
        return Call("chat_postMessage", {"channel": user_id, "text": text})
    args: dict[str, Any] = {"channel": target.channel, "user": user_id, "text": text}
    if thread_ts:
        args["thread_ts"] = thread_ts
    return Call("chat_postEphemeral", args)


def save_classification(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext
) -> None:
    named = read_modal_comment(view.get("private_metadata") or "")
    if named is None:
        ack(response_action="errors", errors={KIND_BLOCK: expired_form_text()})
        return
    channel, ts = named
    user_id = body["user"]["id"]
    kind = read_modal_kind((view.get("state") or {}).get("values") or {})
    with context["db"].session() as session:
        outcome = classify_comment(
            session, channel=channel, ts=ts, user_id=user_id, kind=kind, now=context["now"]
        )
        language = reader_language(session, channel=channel, user_id=user_id)
    with speaking(language):  # the reason under the choice: the submitter's to read
        error = classify_error(outcome)
    if error is not None:
        ack(response_action="errors", errors={KIND_BLOCK: error})
        return
    ack()
