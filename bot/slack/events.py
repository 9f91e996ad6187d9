"""Slack's `message` events, read once into what a person did: posted, edited or deleted.

Which Slack shape is which (all arrive as `message` events):
- a new message: no subtype (or thread_broadcast / file_share); in a thread when it has a
  `thread_ts` differing from its `ts`;
- an edit: subtype message_changed, the message in `event.message`, the version it replaced in
  `event.previous_message`; without `message.edited` it is Slack adding a link preview, not an
  edit;
- a deletion: subtype message_deleted, `deleted_ts` and `previous_message`.

Only people's messages are read: bot posts (the bot's own included), joins, topic changes and
every other subtype come back as None.  Agenda-item threads (bot/comments.py) and drafting
groups' channels (bot/group_capture.py) both start from here.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.core.clock import ts_to_datetime

NEW_MESSAGE_SUBTYPES = {None, "thread_broadcast", "file_share"}


@dataclass(frozen=True)
class Posted:
    channel: str
    ts: str
    thread_ts: str | None
    user_id: str
    text: str

    @property
    def is_reply(self) -> bool:
        return _is_reply(self.ts, self.thread_ts)


@dataclass(frozen=True)
class Edited:
    channel: str
    ts: str  # the message's own ts, which keys it
    thread_ts: str | None
    user_id: str
    text: str
    edited_ts: str | None  # None: a link preview added, not an edit
    previous_text: str | None
    previous_edited_ts: str | None

    @property
    def is_reply(self) -> bool:
        return _is_reply(self.ts, self.thread_ts)


@dataclass(frozen=True)
class Deleted:
    channel: str
    ts: str
    thread_ts: str | None
    user_id: str | None
    previous_text: str | None
    deleted_at: datetime

    @property
    def is_reply(self) -> bool:
        return _is_reply(self.ts, self.thread_ts)


MessageChange = Posted | Edited | Deleted


def read_message_event(event: dict[str, Any]) -> MessageChange | None:
    """What a person did, or None for anything that is not a person's message."""
    subtype = event.get("subtype")
    channel = event.get("channel") or ""
    if subtype in NEW_MESSAGE_SUBTYPES:
        if not _by_a_person(event):
            return None
        return Posted(
            channel, event["ts"], event.get("thread_ts"), event["user"], event.get("text") or ""
        )
    if subtype == "message_changed":
        message = event.get("message") or {}
        if not _by_a_person(message):
            return None
        previous = event.get("previous_message") or {}
        return Edited(
            channel,
            message["ts"],
            message.get("thread_ts"),
            message["user"],
            message.get("text") or "",
            edited_ts=(message.get("edited") or {}).get("ts"),
            previous_text=previous.get("text"),
            previous_edited_ts=(previous.get("edited") or {}).get("ts"),
        )
    if subtype == "message_deleted":
        previous = event.get("previous_message") or {}
        ts = event.get("deleted_ts") or previous.get("ts")
        if not ts or previous.get("bot_id") or previous.get("subtype") == "bot_message":
            return None
        return Deleted(
            channel,
            ts,
            previous.get("thread_ts"),
            previous.get("user"),
            previous.get("text"),
            deleted_at=ts_to_datetime(event.get("event_ts") or event["ts"]),
        )
    return None


def _by_a_person(message: dict[str, Any]) -> bool:
    return bool(
        message.get("ts")
        and message.get("user")
        and not message.get("bot_id")
        and message.get("subtype") != "bot_message"
    )


def _is_reply(ts: str, thread_ts: str | None) -> bool:
    return bool(thread_ts) and thread_ts != ts
