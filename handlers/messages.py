"""Message events: replies in agenda-item threads become formal comments.

Which Slack shape is which (all arrive as `message` events):
- a reply: no subtype (or thread_broadcast / file_share), `thread_ts` differing from `ts`;
- an edit: subtype message_changed, the reply in `event.message`, `event.ts` the edit's time;
  without `message.edited` it is Slack adding a link preview, not an edit;
- a deletion: subtype message_deleted, `deleted_ts` and `previous_message`.
Everything else (bot posts, top-level messages, joins) is acknowledged and ignored, so Slack
does not retry it, unless it is in a drafting group's channel (handlers/groups.py records it).

This is the hot path, so it departs from the other listeners in two ways (both measured, see
BENCHMARKS.md): no event-id bookkeeping, since every capture is keyed by (channel, ts) and a
redelivery only finds its comment already there; and the receipt goes out through
`AfterAck` rather than a Bolt lazy listener, which would deep-copy the request.
"""

from datetime import datetime
from typing import Any

from slack_bolt import Ack, App, BoltContext
from sqlmodel import Session

from bot.clock import ts_to_datetime
from bot.comments import Capture, capture_deletion, capture_edit, capture_reply
from bot.slack_api import Call
from bot.views import RECEIPT_REACTION, late_reply_notice, stray_notice
from handlers.groups import capture_group_event

REPLY_SUBTYPES = {None, "thread_broadcast", "file_share"}


def register(app: App) -> None:
    # No Home refresh per reply: Slack sends app_home_opened each time a Home is opened and the
    # Home is rebuilt then; republishing on every reply cost more than the capture itself.
    app.event("message")(capture_message)


def capture_message(ack: Ack, event: dict[str, Any], context: BoltContext) -> None:
    now: datetime = context["now"]
    with context["db"].session() as session:
        capture = _capture(session, event, now)
        calls = calls_for(capture) if capture is not None else []
        if capture is None or capture.outcome == "ignored":
            # In no agenda item's thread: perhaps in a drafting group's channel.
            calls += capture_group_event(session, event, now)
    # Committed: the receipt and any notice may go out now, beside the acknowledgement.
    context["after_ack"].send(context.client, calls)
    ack()


def _capture(session: Session, event: dict[str, Any], now: datetime) -> Capture | None:
    subtype = event.get("subtype")
    channel = event.get("channel", "")
    if subtype in REPLY_SUBTYPES and _is_human_reply(event):
        return capture_reply(
            session,
            channel=channel,
            thread_ts=event["thread_ts"],
            ts=event["ts"],
            user_id=event["user"],
            text=event.get("text") or "",
            now=now,
        )
    if subtype == "message_changed":
        message = event.get("message") or {}
        if not _is_human_reply(message):
            return None
        previous = event.get("previous_message") or {}
        return capture_edit(
            session,
            channel=channel,
            thread_ts=message["thread_ts"],
            ts=message["ts"],
            user_id=message["user"],
            text=message.get("text") or "",
            edited_ts=(message.get("edited") or {}).get("ts"),
            previous_text=previous.get("text"),
            previous_edited_ts=(previous.get("edited") or {}).get("ts"),
            now=now,
        )
    if subtype == "message_deleted":
        previous = event.get("previous_message") or {}
        ts = event.get("deleted_ts") or previous.get("ts")
        thread_ts = previous.get("thread_ts")
        if not ts or not thread_ts or thread_ts == ts or previous.get("bot_id"):
            return None
        return capture_deletion(
            session,
            channel=channel,
            thread_ts=thread_ts,
            ts=ts,
            user_id=previous.get("user"),
            previous_text=previous.get("text"),
            deleted_at=ts_to_datetime(event.get("event_ts") or event["ts"]),
            now=now,
        )
    return None


def _is_human_reply(message: dict[str, Any]) -> bool:
    thread_ts = message.get("thread_ts")
    return bool(
        thread_ts
        and message.get("ts")
        and thread_ts != message["ts"]
        and message.get("user")
        and not message.get("bot_id")
        and message.get("subtype") != "bot_message"
    )


def calls_for(capture: Capture) -> list[Call]:
    if capture.outcome in ("recorded", "duplicate") and capture.item_number is not None:
        # On a redelivery too: the first attempt may have died before its receipt went out.
        calls = [
            Call(
                "reactions_add",
                {"channel": capture.channel, "timestamp": capture.ts, "name": RECEIPT_REACTION},
                tolerate=("already_reacted", "message_not_found"),
            )
        ]
        if capture.outcome == "recorded" and capture.late and capture.user_id:
            assert capture.deadline_at is not None
            text = late_reply_notice(
                capture.timezone,
                capture.item_number,
                capture.deadline_at,
                final_concern=capture.final_concern,
            )
            calls.append(
                Call(
                    "chat_postEphemeral",
                    {
                        "channel": capture.channel,
                        "user": capture.user_id,
                        "text": text,
                        "thread_ts": capture.thread_ts,
                    },
                    tolerate=("user_not_in_channel",),
                )
            )
        return calls
    if capture.outcome == "stray" and capture.user_id:
        text = stray_notice(capture.meeting_title, capture.item_number, capture.secretariat)
        return [
            Call(
                "chat_postEphemeral",
                {
                    "channel": capture.channel,
                    "user": capture.user_id,
                    "text": text,
                    "thread_ts": capture.thread_ts,
                },
                tolerate=("user_not_in_channel",),
            )
        ]
    return []
