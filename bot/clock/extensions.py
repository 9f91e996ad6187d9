"""A moved comment deadline (`/extend`) in the channel, as a claimed delivery.

Two steps (bot/clock/claims.py, `deliver_in_steps`): the notice in the item's thread ("deadline
extended", or "comments reopened"), then the item's root message redrawn from the record as it
stands when that step is sent.  The delivery's row is written in the extension's own
transaction (`schedule_extension`) and sent right after the request (handlers/calendar.py); if
that sender dies, the clock sends it once the claim timeout has passed
(`deliver_pending_extensions`), and a notice Slack posted whose answer was lost is found in the
thread rather than posted twice (its metadata names the delivery: bot/slack/api.py).

The key names the item and both deadlines, which is all the notice says: what it was, what it
is now, and (from the moment of the extension, the row's `due_at`) whether comments had closed
and are reopened.  A later extension is a delivery of its own; each notice keeps its own dates.
"""

import logging
from datetime import UTC, datetime

from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.clock.claims import (
    Due,
    StepsOutcome,
    deadline_key,
    finish_unfinished,
    schedule,
)
from bot.clock.posting import notice_then_root
from bot.core.db import session_scope
from bot.domain.languages import meeting_languages
from bot.slack.api import Outbound
from bot.views.i18n import in_languages
from bot.views.silence import extension_notice
from models import AgendaItem, Delivery, Meeting

log = logging.getLogger(__name__)

KIND = "extension"
_NONE = "-"  # the key's old deadline when the item had none


def extension_key(item: AgendaItem, old: datetime | None, new: datetime) -> str:
    before = deadline_key(old) if old is not None else _NONE
    return f"{KIND}:{item.id}:{before}>{deadline_key(new)}"


def schedule_extension(
    session: Session, item: AgendaItem, *, old: datetime | None, now: datetime
) -> str | None:
    """In the extension's transaction: its notice and the root's redraw are owed from now on;
    the delivery's key, or None when the item is not in the channel (its root will show the
    new deadline when it is posted)."""
    if item.post_ts is None or item.deadline_at is None or item.id is None:
        return None
    key = extension_key(item, old, item.deadline_at)
    schedule(session, Due(key, KIND, item.meeting_id, item.id, now))
    return key


def deliver_extension(
    engine: Engine, out: Outbound, key: str, *, now: datetime
) -> StepsOutcome | None:
    """The notice in the item's thread, then the root redrawn; None when there is nothing to
    post (the row or the item is gone, or the item left the channel)."""
    with session_scope(engine, read_only=True) as session:
        row = session.exec(select(Delivery).where(Delivery.key == key)).first()
        item = session.get(AgendaItem, row.item_id) if row and row.item_id else None
        meeting = session.get(Meeting, item.meeting_id) if item else None
        if row is None or item is None or meeting is None or item.post_ts is None:
            return None
        old, new = _deadlines(key)
        # The notice says the dates of this extension, whatever the deadline is by now.
        extended = replace_deadline(item, new)
        reopened = old is not None and old <= row.due_at
        notice = in_languages(
            meeting_languages(meeting),
            lambda: extension_notice(meeting, extended, old, reopened),
        )
        channel, ts = item.post_channel or meeting.channel, item.post_ts
        due = Due(key, KIND, item.meeting_id, item.id, row.due_at)

    return notice_then_root(engine, out, due, notice, thread=(channel, ts), now=now)


def replace_deadline(item: AgendaItem, deadline: datetime) -> AgendaItem:
    """A detached copy of `item` with another comment deadline, for rendering only."""
    copy = AgendaItem.model_validate(item.model_dump())
    copy.deadline_at = deadline
    return copy


def _deadlines(key: str) -> tuple[datetime | None, datetime]:
    """The old deadline (None if there was none) and the new one, read back from the key."""
    before, after = key.split(":", 2)[2].split(">")
    return (None if before == _NONE else _moment(before)), _moment(after)


def _moment(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


def deliver_pending_extensions(engine: Engine, out: Outbound, *, now: datetime) -> list[str]:
    """The clock's share: extensions whose posts a sender left unfinished (it died, or its
    Slack call failed) once the claim timeout has passed since they were made."""
    finished = finish_unfinished(
        engine,
        kind=KIND,
        now=now,
        send=lambda key: deliver_extension(engine, out, key, now=now) == "finished",
        last_step=":root",
        scheduled=lambda key: not key.endswith(":root"),
    )
    return [f"{key} announced" for key in finished]
