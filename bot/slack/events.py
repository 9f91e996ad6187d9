"""Slack's `message` events, read once into what a person did: posted, edited or deleted.

Which Slack shape is which (all arrive as `message` events):
- a new message: no subtype (or thread_broadcast / file_share); in a thread when it has a
  `thread_ts` differing from its `ts`;
- an edit: subtype message_changed, the message in `event.message`, the version it replaced in
  `event.previous_message`; without `message.edited` it is Slack adding a link preview, not an
  edit;
- a deletion: subtype message_deleted, `deleted_ts` and `previous_message`.

People from other organisations are people like any other: a message from someone who reaches
the channel through Slack Connect carries their own workspace in `user_team` (and often
`source_team` and `team`), different from the envelope's `team_id`, and a guest's looks like a
member's; both are read by their user id, with the workspace the message names as `user_team`
(None when it names none, as for the host's own members).

Only people's messages are read: bot posts (the bot's own included), joins, topic changes and
every other subtype come back as None.  So does an event whose fields do not have the types
Slack gives them (`user` a number, `ts` not a timestamp string): it is logged and ignored, and
`event_problem` lets the HTTP face answer such a body 200 before Bolt trips over it, so Slack
does not send it three more times.  Agenda-item threads (bot/comments.py) and drafting
groups' channels (bot/group_capture.py) both start from here.
"""

import logging
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.core.clock import ts_to_datetime

log = logging.getLogger(__name__)

NEW_MESSAGE_SUBTYPES = {None, "thread_broadcast", "file_share"}


@dataclass(frozen=True)
class Posted:
    channel: str
    ts: str
    thread_ts: str | None
    user_id: str
    text: str
    user_team: str | None = None  # the author's own workspace, when Slack says (Slack Connect)

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
    user_team: str | None = None

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
    problem = message_problem(event)
    if problem is not None:
        log.warning("message event ignored: %s", problem)
        return None
    subtype = event.get("subtype")
    channel = event.get("channel") or ""
    if subtype in NEW_MESSAGE_SUBTYPES:
        if not _by_a_person(event):
            return None
        return Posted(
            channel,
            event["ts"],
            event.get("thread_ts"),
            event["user"],
            event.get("text") or "",
            user_team=_user_team(event),
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
            user_team=_user_team(message) or _user_team(event),
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


def _user_team(message: dict[str, Any]) -> str | None:
    """The author's workspace as the message gives it: `user_team`, else `source_team`."""
    for key in ("user_team", "source_team"):
        value = message.get(key)
        if isinstance(value, str) and value:
            return value
    return None


def _is_reply(ts: str, thread_ts: str | None) -> bool:
    return bool(thread_ts) and thread_ts != ts


# -- shapes Slack never sends -------------------------------------------------------------------

# A message's ts: seconds, a dot, a sequence ("1594375200.000100").
_TS = re.compile(r"\d{1,12}\.\d{1,9}", re.ASCII)
# Where Bolt itself looks for who and where (slack_bolt.request.internals); a value there that
# is neither text nor an object makes Bolt fail before any listener runs.
_BOLT_READS = ("user", "channel", "team")
_NESTED = ("message", "previous_message", "item")


def event_problem(body: Any) -> str | None:
    """What in an Events API body has a type Slack never gives it, or None when it reads well.

    Checked before Bolt sees the body: Bolt fails on a `user` that is a number, and a listener
    on a `ts` that is one; either would answer 500 and Slack would send the event again.
    """
    if not isinstance(body, dict) or body.get("type") != "event_callback":
        return None
    event = body.get("event")
    if not isinstance(event, dict):
        return f"event is {_type_name(event)}, not an object"
    if not isinstance(event.get("type"), str):
        return f"event.type is {_type_name(event.get('type'))}, not a string"
    objects = [("event", event)]
    for key in _NESTED:
        value = event.get(key)
        if value is not None and not isinstance(value, dict):
            return f"event.{key} is {_type_name(value)}, not an object"
        if value is not None:
            objects.append((f"event.{key}", value))
    for where, found in objects:
        for key in _BOLT_READS:
            value = found.get(key)
            if value is not None and not isinstance(value, str | dict):
                return f"{where}.{key} is {_type_name(value)}, not a string"
    if event["type"] == "message":
        return message_problem(event)
    if event["type"] == "app_home_opened" and not isinstance(event.get("user"), str):
        return f"event.user is {_type_name(event.get('user'))}, not a string"
    return None


def message_problem(event: dict[str, Any]) -> str | None:
    """What in a `message` event has a type Slack never gives it, or None."""
    for key in ("subtype", "channel"):
        if event.get(key) is not None and not isinstance(event[key], str):
            return f"event.{key} is {_type_name(event[key])}, not a string"
    for key in ("deleted_ts", "event_ts"):
        if (problem := _ts_problem(event, key, "event")) is not None:
            return problem
    messages = [("event", event)]
    for key in ("message", "previous_message"):
        value = event.get(key)
        if value is not None and not isinstance(value, dict):
            return f"event.{key} is {_type_name(value)}, not an object"
        if value is not None:
            messages.append((f"event.{key}", value))
    for where, message in messages:
        for key in ("ts", "thread_ts"):
            if (problem := _ts_problem(message, key, where)) is not None:
                return problem
        for key in ("user", "text", "bot_id", "subtype", "user_team", "source_team"):
            value = message.get(key)
            if value is not None and not isinstance(value, str):
                return f"{where}.{key} is {_type_name(value)}, not a string"
        edited = message.get("edited")
        if edited is not None and not isinstance(edited, dict):
            return f"{where}.edited is {_type_name(edited)}, not an object"
        if edited is not None and (problem := _ts_problem(edited, "ts", f"{where}.edited")):
            return problem
    return None


def _ts_problem(found: dict[str, Any], key: str, where: str) -> str | None:
    value = found.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        return f"{where}.{key} is {_type_name(value)}, not a timestamp string"
    if not _TS.fullmatch(value):
        return f"{where}.{key} {value[:40]!r} is not a Slack timestamp"
    return None


def _type_name(value: Any) -> str:
    return {type(None): "null", dict: "an object", list: "a list", str: "a string"}.get(
        type(value), f"a {type(value).__name__}"
    )
