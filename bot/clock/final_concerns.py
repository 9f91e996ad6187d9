"""The clock's side of final-concerns windows: reminders before each window's deadline and a
closing notice when it passes.

The same rules as the item calendar (bot/clock/reminders.py, closing.py): the meeting's reminder
offsets, counted back from the window's own deadline and never before the window opened; of
several reminders that passed unsent only the latest goes out; a deadline that passed while the
clock was down is closed at the next heartbeat.  Every message is a delivery claimed before it
is sent, keyed by the window and its deadline, so nothing goes out twice.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from slack_sdk.errors import SlackApiError
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from bot.clock.claims import (
    Due,
    deadline_key,
    deliver_in_steps,
    deliver_one,
    settled_keys,
    skip,
)
from bot.clock.reminders import reminder_offsets
from bot.core.db import session_scope
from bot.domain.items import item_state
from bot.domain.languages import meeting_languages
from bot.slack.api import Outbound
from bot.views.i18n import in_languages
from bot.views.messages import item_message
from bot.views.revisions import concerns_closed_notice, concerns_reminder
from models import AgendaItem, Meeting, RevisedDocument

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Window:
    revision: RevisedDocument
    item: AgendaItem
    meeting: Meeting

    @property
    def deadline(self) -> datetime:
        assert self.revision.concerns_deadline_at is not None
        return self.revision.concerns_deadline_at


def _windows(session: Session) -> list[Window]:
    rows = session.exec(
        select(RevisedDocument, AgendaItem, Meeting)
        .join(AgendaItem, col(AgendaItem.id) == col(RevisedDocument.item_id))
        .join(Meeting, col(Meeting.id) == col(AgendaItem.meeting_id))
        .where(
            col(AgendaItem.active),
            col(AgendaItem.post_ts).is_not(None),
            col(RevisedDocument.concerns_deadline_at).is_not(None),
        )
        .order_by(col(RevisedDocument.concerns_deadline_at), col(RevisedDocument.id))
    )
    return [Window(revision, item, meeting) for revision, item, meeting in rows]


def _reminder_moments(window: Window) -> list[tuple[int, datetime]]:
    """(offset, moment) for each reminder that falls inside the window."""
    moments = []
    for offset in reminder_offsets(window.meeting):
        at = window.deadline - timedelta(seconds=offset)
        if at >= window.revision.published_at:
            moments.append((offset, at))
    return moments


def final_concerns_moments(session: Session) -> list[datetime]:
    """For the clock's wake-up: every window's deadline and reminder moments."""
    moments: list[datetime] = []
    for window in _windows(session):
        moments.append(window.deadline)
        moments += [at for _, at in _reminder_moments(window)]
    return moments


def remind_final_concerns(engine: Engine, out: Outbound, *, now: datetime) -> list[str]:
    """A channel message at each reminder offset before a window's deadline."""
    with session_scope(engine) as session:
        candidates: list[tuple[Due, Window]] = []
        for window in _windows(session):
            assert window.meeting.id is not None
            for offset, at in _reminder_moments(window):
                if at > now:
                    continue
                key = (
                    f"concerns-reminder:{window.revision.id}:{deadline_key(window.deadline)}:"
                    f"{offset}"
                )
                due = Due(key, "concerns_reminder", window.meeting.id, window.item.id, at)
                candidates.append((due, window))
        settled = settled_keys(session, keys=[due.key for due, _ in candidates])
    latest: dict[int | None, tuple[Due, Window]] = {}
    for due, window in candidates:
        if due.key in settled:
            continue
        if window.deadline <= now:
            skip(engine, [due], now=now, reason="final concerns closed before it could be sent")
            continue
        kept = latest.get(window.revision.id)
        if kept is not None and kept[0].due_at >= due.due_at:
            skip(engine, [due], now=now, reason="superseded by a later reminder for the window")
            continue
        if kept is not None:
            skip(engine, [kept[0]], now=now, reason="superseded by a later reminder")
        latest[window.revision.id] = (due, window)
    done: list[str] = []
    for due, window in latest.values():
        message = in_languages(
            meeting_languages(window.meeting),
            partial(concerns_reminder, window.meeting, window.item, window.revision),
        )
        post = partial(out.post, window.meeting.channel, message)
        attempt = deliver_one(engine, due, post, now=now)
        if attempt.outcome == "failed":
            log.warning("final-concerns reminder %s failed, will retry: %s", due.key, attempt.error)
        elif attempt.outcome == "sent":
            done.append(
                f"{window.meeting.key}: reminded final concerns on item {window.item.number}"
            )
    return done


def close_final_concerns(engine: Engine, out: Outbound, *, now: datetime) -> list[str]:
    """When a window's deadline passes: a notice in the item's thread, and the root redrawn."""
    with session_scope(engine) as session:
        due = [
            (
                Due(
                    f"concerns-close:{w.revision.id}:{deadline_key(w.deadline)}",
                    "concerns_close",
                    w.meeting.id or 0,
                    w.item.id,
                    w.deadline,
                ),
                w,
            )
            for w in _windows(session)
            if w.deadline <= now
        ]
        settled = settled_keys(session, keys=[d.key + ":root" for d, _ in due])
    done: list[str] = []
    for delivery, window in due:
        if delivery.key + ":root" in settled:
            continue
        item, meeting = window.item, window.meeting
        assert item.post_channel is not None and item.post_ts is not None
        # Channel posts: every meeting language, in one message.
        languages = meeting_languages(meeting)
        with session_scope(engine) as session:
            state = item_state(session, meeting=meeting, item=item, now=now)
            root = in_languages(languages, partial(item_message, state))
        notice = in_languages(
            languages, partial(concerns_closed_notice, meeting, item, window.revision)
        )
        channel, ts = item.post_channel, item.post_ts
        try:
            finished = deliver_in_steps(
                engine,
                delivery,
                [
                    ("", partial(out.post, channel, notice, thread_ts=ts)),
                    (":root", partial(out.update, channel, ts, root)),
                ],
                now=now,
            )
        except SlackApiError as exc:
            log.warning("closing final concerns on item %s failed: %s", item.number, exc)
            continue
        if finished == "finished":
            done.append(f"{meeting.key}: closed final concerns on item {item.number}")
    return done
