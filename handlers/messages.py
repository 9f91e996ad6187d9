"""Message events: replies in agenda-item threads become formal comments.

`bot/message_events.py` reads which Slack shape is which (a new message, an edit, a deletion).
A person's reply in an item's thread is captured here; anything else a person writes is handed
to handlers/groups.py, which records it if it is in a drafting group's channel.  Everything
else (bot posts, top-level messages, joins) is acknowledged and ignored, so Slack does not
retry it.

This is the hot path, so it departs from the other listeners in two ways (both measured, see
BENCHMARKS.md): no event-id bookkeeping, since every capture is keyed by (channel, ts) and a
redelivery only finds its comment already there; and the receipt is handed to `after_ack`
(over HTTP `AfterResponse`: sent by the request's thread once the 200 has gone; in Socket Mode
`AfterAck`), never to a Bolt lazy listener, which would deep-copy the request.
"""

from datetime import datetime
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from sqlmodel import Session

from bot.core.db import Database
from bot.core.metrics import count_comment
from bot.domain.comments import (
    Capture,
    NewReply,
    capture_deletion,
    capture_edit,
    capture_replies,
    capture_reply,
)
from bot.slack.api import Call, SendsCalls
from bot.slack.events import Deleted, Edited, MessageChange, Posted, read_message_event
from bot.views.i18n import speaking
from bot.views.notices import late_reply_notice, stray_notice
from handlers.enrolment_offer import stray_offer_calls
from handlers.groups import capture_group_change
from handlers.outbound import ephemeral, receipt


def register(app: App) -> None:
    # No Home refresh per reply: Slack sends app_home_opened each time a Home is opened and the
    # Home is rebuilt then; republishing on every reply cost more than the capture itself.
    app.event("message")(capture_message)


def capture_message(ack: Ack, event: dict[str, Any], context: BoltContext) -> None:
    """The Bolt listener (Socket Mode; over HTTP the web face calls `handle_message_event`
    itself, without Bolt's dispatch: bot/slack/http.py)."""
    handle_message_event(
        event,
        database=context["db"],
        now=context["now"],
        after_ack=context["after_ack"],
        client=context.client,
    )
    ack()


def handle_message_event(
    event: dict[str, Any],
    *,
    database: Database,
    now: datetime,
    after_ack: SendsCalls,
    client: WebClient,
) -> None:
    """Capture what a message event says, commit it, then queue its receipt and notices to be
    sent beside the acknowledgement.  Raises when nothing could be committed (the caller
    answers 500 and Slack redelivers)."""
    change = read_message_event(event)
    if change is None:
        return  # not a person's message

    def work(session: Session) -> tuple[Capture | None, list[Call]]:
        capture = _capture(session, change, now) if change.is_reply else None
        calls = calls_for(capture, session) if capture is not None else []
        if capture is None or capture.outcome == "ignored":
            # In no agenda item's thread: perhaps in a drafting group's channel.
            calls += capture_group_change(session, change, now)
        return capture, calls

    # Committed with the replies other threads are capturing at the same moment (one COMMIT
    # for all: bot/core/group_commit.py); it returns once this reply is committed.  New
    # replies are also recorded together, in a few statements for the whole batch.
    prepare = None
    if isinstance(change, Posted) and change.thread_ts is not None and change.is_reply:
        reply = NewReply(
            change.channel, change.thread_ts, change.ts, change.user_id, change.text, now
        )
        prepare = (capture_replies, reply)
    capture, calls = database.in_group_commit(work, prepare=prepare)
    if capture is not None and capture.outcome == "recorded":
        count_comment()  # docket_comments_captured_total
    # Committed: the receipt and any notice may go out now, beside the acknowledgement.
    after_ack.send(client, calls)


def _capture(session: Session, change: MessageChange, now: datetime) -> Capture:
    """A person's reply in a thread (`change.is_reply`): captured if the thread is an item's."""
    assert change.thread_ts is not None
    if isinstance(change, Posted):
        return capture_reply(
            session,
            channel=change.channel,
            thread_ts=change.thread_ts,
            ts=change.ts,
            user_id=change.user_id,
            text=change.text,
            now=now,
        )
    if isinstance(change, Edited):
        return capture_edit(
            session,
            channel=change.channel,
            thread_ts=change.thread_ts,
            ts=change.ts,
            user_id=change.user_id,
            text=change.text,
            edited_ts=change.edited_ts,
            previous_text=change.previous_text,
            previous_edited_ts=change.previous_edited_ts,
            now=now,
        )
    assert isinstance(change, Deleted)
    return capture_deletion(
        session,
        channel=change.channel,
        thread_ts=change.thread_ts,
        ts=change.ts,
        user_id=change.user_id,
        previous_text=change.previous_text,
        deleted_at=change.deleted_at,
        now=now,
    )


def calls_for(capture: Capture, session: Session | None = None) -> list[Call]:
    if capture.outcome in ("recorded", "duplicate") and capture.item_number is not None:
        calls = [receipt(capture.channel, capture.ts)]
        if capture.outcome == "recorded" and capture.late and capture.user_id:
            assert capture.deadline_at is not None
            with speaking(capture.language):  # private: in the author's language
                text = late_reply_notice(
                    capture.timezone,
                    capture.item_number,
                    capture.deadline_at,
                    final_concern=capture.final_concern,
                )
            calls.append(
                ephemeral(capture.channel, capture.user_id, text, thread_ts=capture.thread_ts)
            )
        return calls
    if capture.outcome == "stray" and capture.user_id:
        if session is not None:  # kept aside, and the offer to ask to join (enrolment_offer.py)
            return stray_offer_calls(session, capture)
        with speaking(capture.language):
            text = stray_notice(capture.meeting_title, capture.item_number, capture.secretariat)
        return [ephemeral(capture.channel, capture.user_id, text, thread_ts=capture.thread_ts)]
    return []
