"""Message metadata and conversation history, as Slack's Web API answers them.

Pure functions over the stand-in's stored messages (dicts in posting order, as chat.postMessage
stores them), so server.py only resolves the channel and holds the lock.

- Metadata (`chat.postMessage` / `chat.update`): a JSON object, or its JSON string in a form body,
  `{"event_type": str, "event_payload": object}`. Slack answers `invalid_metadata_format` for a
  value that is not a JSON object and `invalid_metadata_schema` for an object without a string
  `event_type` and an object `event_payload`. (Slack also has `metadata_too_large`, but publishes
  no figure for it, so the stand-in does not guess one.)
- `conversations.history`: the channel's messages, newest first, thread replies left out (they
  are read with `conversations.replies`); a thread's parent carries thread_ts, reply_count,
  reply_users, reply_users_count and latest_reply. Default limit 100, at most 999.
- `conversations.replies`: the thread's parent first, then its replies oldest first; a `ts` of a
  reply reads its whole thread; a continuation page (cursor) leaves the parent out. Default
  limit 1000.
- Both: `oldest` / `latest` bound the range, excluded unless `inclusive`; no `latest` means no
  upper bound (Slack's "now", but an injected clock that stands still still mints later ts);
  `metadata` only with `include_all_metadata`; `has_more` and `response_metadata.next_cursor`
  for paging; `invalid_cursor`, `invalid_ts_oldest`, `invalid_ts_latest` for bad values.
"""

from __future__ import annotations

import base64
import binascii
import copy
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

Message = dict[str, Any]

HISTORY_DEFAULT_LIMIT = 100
REPLIES_DEFAULT_LIMIT = 1000
MAX_LIMIT = 999  # Slack's documented maximum for a page of history


class HistoryError(Exception):
    """Slack's error code for a history or metadata request it refuses."""

    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error


def check_metadata(value: Any) -> dict[str, Any]:
    """The metadata to store, or HistoryError with Slack's code (value as _read_params left it:
    decoded when it was a JSON string, the raw string when it was not JSON)."""
    if not isinstance(value, dict):
        raise HistoryError("invalid_metadata_format")
    event_type = value.get("event_type")
    if not isinstance(event_type, str) or not event_type.strip():
        raise HistoryError("invalid_metadata_schema")
    if not isinstance(value.get("event_payload"), dict):
        raise HistoryError("invalid_metadata_schema")
    return copy.deepcopy(value)


def is_true(value: Any) -> bool:
    """Slack's boolean arguments: true, "true" or "1"."""
    return value is True or str(value).lower() in ("true", "1")


def history(messages: Sequence[Message], params: dict[str, Any]) -> dict[str, Any]:
    """conversations.history's answer over one channel's stored messages."""
    top_level = [m for m in messages if m.get("thread_ts", m["ts"]) == m["ts"]]
    in_range = _in_range(top_level, params)
    newest_first = sorted(in_range, key=lambda m: _ts(m["ts"]), reverse=True)
    start = _cursor_start(newest_first, params.get("cursor"))
    limit = _limit(params.get("limit"), HISTORY_DEFAULT_LIMIT)
    page = newest_first[start : start + limit]
    shown = [_shown(m, messages, params) for m in page]
    return _answer(shown, newest_first, start + limit)


def replies(messages: Sequence[Message], params: dict[str, Any], ts: str) -> dict[str, Any]:
    """conversations.replies's answer for the thread holding `ts` (HistoryError when none)."""
    found = next((m for m in messages if m["ts"] == ts), None)
    if found is None:
        raise HistoryError("thread_not_found")
    parent_ts = found.get("thread_ts", found["ts"])
    parent = next((m for m in messages if m["ts"] == parent_ts), None)
    if parent is None:
        raise HistoryError("thread_not_found")
    thread_replies = [m for m in messages if m.get("thread_ts") == parent_ts and m is not parent]
    ordered = [parent, *sorted(_in_range(thread_replies, params), key=lambda m: _ts(m["ts"]))]
    start = _cursor_start(ordered, params.get("cursor"))
    limit = _limit(params.get("limit"), REPLIES_DEFAULT_LIMIT)
    page = ordered[start : start + limit]
    shown = [_shown(m, messages, params) for m in page]
    return _answer(shown, ordered, start + limit)


def _answer(shown: list[Message], ordered: list[Message], end: int) -> dict[str, Any]:
    has_more = end < len(ordered)
    answer: dict[str, Any] = {"ok": True, "messages": shown, "has_more": has_more}
    next_cursor = _encode_cursor(ordered[end]["ts"]) if has_more else ""
    answer["response_metadata"] = {"next_cursor": next_cursor}
    return answer


def _shown(message: Message, messages: Sequence[Message], params: dict[str, Any]) -> Message:
    """A stored message as history shows it: thread summary on a parent, metadata on request."""
    shown = copy.deepcopy(message)
    if not is_true(params.get("include_all_metadata")):
        shown.pop("metadata", None)
    if "thread_ts" in message and message["thread_ts"] != message["ts"]:
        return shown  # a reply
    thread = [m for m in messages if m.get("thread_ts") == message["ts"] and m is not message]
    if thread:
        users = list(dict.fromkeys(str(m.get("user", "")) for m in thread))
        shown.update(
            thread_ts=message["ts"],
            reply_count=len(thread),
            reply_users_count=len(users),
            reply_users=users,
            latest_reply=max((m["ts"] for m in thread), key=_ts),
        )
    return shown


def _in_range(messages: list[Message], params: dict[str, Any]) -> list[Message]:
    oldest = _bound(params.get("oldest"), "invalid_ts_oldest")
    latest = _bound(params.get("latest"), "invalid_ts_latest")
    inclusive = is_true(params.get("inclusive"))

    def within(message: Message) -> bool:
        ts = _ts(message["ts"])
        if oldest is not None and (ts < oldest or (ts == oldest and not inclusive)):
            return False
        return latest is None or ts < latest or (ts == latest and inclusive)

    return [m for m in messages if within(m)]


def _bound(value: Any, error: str) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        bound = Decimal(str(value))
    except InvalidOperation as exc:
        raise HistoryError(error) from exc
    if not bound.is_finite() or bound < 0:
        raise HistoryError(error)
    return bound


def _ts(ts: str) -> Decimal:
    return Decimal(ts)


def _limit(value: Any, default: int) -> int:
    """Slack's page size: a missing, unreadable or non-positive limit gives the default."""
    try:
        limit = int(str(value))
    except ValueError:
        return default
    return min(limit, MAX_LIMIT) if limit > 0 else default


def _encode_cursor(ts: str) -> str:
    # Slack's cursors are opaque base64 ("bmV4dF90czox..." is "next_ts:1..."); so is this one.
    return base64.b64encode(f"next_ts:{ts}".encode()).decode()


def _cursor_start(ordered: list[Message], cursor: Any) -> int:
    """Where the page a cursor names starts in `ordered` (0 without a cursor)."""
    if cursor is None or cursor == "":
        return 0
    try:
        decoded = base64.b64decode(str(cursor), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise HistoryError("invalid_cursor") from exc
    prefix, _, ts = decoded.partition(":")
    for index, message in enumerate(ordered):
        if prefix == "next_ts" and message["ts"] == ts:
            return index
    raise HistoryError("invalid_cursor")
