"""Reminders to the channel and nudges to silent delegations, before each deadline.

Offsets come from the meeting file.  A reminder or nudge whose time came while the clock was
down still goes out once if the deadline is ahead; of several reminders for one item that all
passed unsent, only the latest goes out and the others are recorded as skipped.  Nothing is
generated for a time before the item was posted: nobody is reminded of an item they never saw.
"""

import logging
from collections import defaultdict
from datetime import datetime, timedelta
from functools import partial

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from bot.clock.claims import Due, deadline_key, deliver, deliver_one, settled_keys, skip
from bot.core.db import session_scope
from bot.domain.languages import languages_of, meeting_languages
from bot.slack.api import Outbound
from bot.views.i18n import in_languages, speaking
from bot.views.messages import nudge_message, reminder_message
from models import AgendaItem, Comment, Delegation, Meeting, Participant

log = logging.getLogger(__name__)

Entries = list[tuple[Due, AgendaItem]]  # one meeting's reminders due at one beat


def reminder_offsets(meeting: Meeting) -> list[int]:
    return [int(part) for part in meeting.reminders.split(",") if part.strip()]


def _posted_items(session: Session) -> list[tuple[AgendaItem, Meeting]]:
    rows = session.exec(
        select(AgendaItem, Meeting)
        .join(Meeting, col(Meeting.id) == col(AgendaItem.meeting_id))
        .where(col(AgendaItem.active), col(AgendaItem.post_ts).is_not(None))
        .order_by(col(AgendaItem.deadline_at), col(AgendaItem.number))
    )
    return [(item, meeting) for item, meeting in rows if item.deadline_at is not None]


def _floor(item: AgendaItem) -> datetime:
    """The earliest moment a reminder for `item` makes sense: when it was posted."""
    assert item.deadline_at is not None
    return item.posted_at or item.opens_at or item.deadline_at


# -- reminders ----------------------------------------------------------------------------------


def send_reminders(engine: Engine, out: Outbound, *, now: datetime) -> list[str]:
    to_send: dict[int, list[tuple[Due, AgendaItem]]] = defaultdict(list)
    to_skip: list[tuple[Due, str]] = []
    meetings: dict[int, Meeting] = {}
    with session_scope(engine) as session:
        candidates: list[tuple[Due, AgendaItem, Meeting]] = []
        for item, meeting in _posted_items(session):
            assert item.deadline_at is not None and meeting.id is not None
            for offset in reminder_offsets(meeting):
                due_at = item.deadline_at - timedelta(seconds=offset)
                if due_at <= now and due_at >= _floor(item):
                    key = f"reminder:{item.id}:{deadline_key(item.deadline_at)}:{offset}"
                    candidates.append(
                        (Due(key, "reminder", meeting.id, item.id, due_at), item, meeting)
                    )
        settled = settled_keys(session, keys=[d.key for d, _, _ in candidates])
    latest: dict[int | None, tuple[Due, AgendaItem, Meeting]] = {}
    for due, item, meeting in candidates:
        if due.key in settled:
            continue
        assert item.deadline_at is not None
        if item.deadline_at <= now:
            to_skip.append((due, "the deadline passed before it could be sent"))
            continue
        kept = latest.get(item.id)
        if kept is None or due.due_at > kept[0].due_at:
            if kept is not None:
                to_skip.append((kept[0], "superseded by a later reminder for the same item"))
            latest[item.id] = (due, item, meeting)
        else:
            to_skip.append((due, "superseded by a later reminder for the same item"))
    for due, reason in to_skip:
        if skip(engine, [due], now=now, reason=reason):
            log.info("reminder %s skipped: %s", due.key, reason)
    for due, item, meeting in latest.values():
        to_send[meeting.id or 0].append((due, item))
        meetings[meeting.id or 0] = meeting

    done: list[str] = []
    for meeting_id, entries in to_send.items():
        meeting = meetings[meeting_id]

        def remind(held: list[Due], meeting: Meeting = meeting, entries: Entries = entries) -> str:
            # One message for the items this clock holds; another clock may hold the rest.
            keys = {due.key for due in held}
            items = [item for due, item in entries if due.key in keys]
            # Every meeting language in one message; 30 items may take two (or more).
            reminder = in_languages(
                meeting_languages(meeting), partial(reminder_message, meeting, items)
            )
            for part in reminder.parts():
                out.post(meeting.channel, part)
            return ", ".join(str(item.number) for item in items)

        attempt = deliver(engine, [due for due, _ in entries], remind, now=now)
        if attempt.outcome == "failed":
            log.warning("reminder for %s failed, will retry: %s", meeting.key, attempt.error)
        elif attempt.outcome == "sent":
            done.append(f"{meeting.key}: reminded items {attempt.result}")
    return done


# -- nudges -------------------------------------------------------------------------------------


def send_nudges(engine: Engine, out: Outbound, *, now: datetime) -> list[str]:
    """At the nudge offset, a direct message to each delegate of a silent delegation.

    A nudge round per item and deadline is claimed first; within it, each delegate's message
    is its own delivery, so a retried round never messages anyone twice.
    """
    rounds: list[tuple[Due, AgendaItem, Meeting]] = []
    stale: list[Due] = []
    with session_scope(engine) as session:
        for item, meeting in _posted_items(session):
            if meeting.nudge_seconds is None:
                continue
            assert item.deadline_at is not None and meeting.id is not None
            due_at = item.deadline_at - timedelta(seconds=meeting.nudge_seconds)
            if due_at > now or due_at < _floor(item):
                continue
            key = f"nudges:{item.id}:{deadline_key(item.deadline_at)}"
            due = Due(key, "nudge", meeting.id, item.id, due_at)
            if item.deadline_at <= now:
                stale.append(due)
            else:
                rounds.append((due, item, meeting))
        settled = settled_keys(session, keys=[d.key for d, _, _ in rounds] + [d.key for d in stale])
    for due in stale:
        if due.key not in settled and skip(
            engine, [due], now=now, reason="the deadline passed before the nudges could be sent"
        ):
            log.info("nudges %s skipped: the deadline passed while the clock was down", due.key)

    done: list[str] = []
    for round_due, item, meeting in rounds:
        if round_due.key in settled:
            continue
        nudge = partial(_nudge_silent_delegations, engine, out, item, meeting, now=now)
        attempt = deliver_one(engine, round_due, nudge, now=now)
        if attempt.outcome == "failed":
            log.warning("nudges for item %s failed, will retry: %s", item.number, attempt.error)
        elif attempt.outcome == "sent":
            done.append(f"{meeting.key}: nudged {attempt.result} delegate(s) on item {item.number}")
    return done


def silent_delegates(
    session: Session, *, meeting: Meeting, item: AgendaItem
) -> list[tuple[str, str]]:
    """(user id, delegation name) for each delegate of a delegation with no active comment."""
    kinds = ["member", "observer"] if meeting.nudge_observers else ["member"]
    spoke = set(
        session.exec(
            select(Comment.delegation_id).where(
                Comment.item_id == item.id, Comment.status == "active"
            )
        )
    )
    rows = session.exec(
        select(Participant.user_id, Delegation.id, Delegation.name)
        .join(Delegation, col(Delegation.id) == col(Participant.delegation_id))
        .where(
            Participant.meeting_id == meeting.id,
            col(Participant.active),
            col(Delegation.active),
            col(Delegation.kind).in_(kinds),
        )
        .order_by(col(Delegation.position), col(Participant.user_id))
    )
    return [(user_id, name) for user_id, delegation_id, name in rows if delegation_id not in spoke]


def _nudge_silent_delegations(
    engine: Engine, out: Outbound, item: AgendaItem, meeting: Meeting, *, now: datetime
) -> int:
    assert item.deadline_at is not None and meeting.id is not None
    assert item.post_channel is not None and item.post_ts is not None
    with session_scope(engine) as session:
        targets = silent_delegates(session, meeting=meeting, item=item)
        users = list(dict.fromkeys(user_id for user_id, _ in targets))
        languages = languages_of(session, meeting=meeting, user_ids=users) if users else {}
    link = out.permalink(item.post_channel, item.post_ts)
    sent = 0
    for user_id, delegation in targets:
        key = f"nudge:{item.id}:{deadline_key(item.deadline_at)}:{user_id}"
        with speaking(languages.get(user_id)):  # each delegate's nudge in their language
            message = nudge_message(meeting, item, delegation, link)
        due = Due(key, "nudge", meeting.id, item.id, now)
        attempt = deliver_one(engine, due, partial(out.direct, user_id, message), now=now)
        if attempt.exception is not None:
            raise attempt.exception  # the round is released too, and retried from here
        # held_elsewhere: nudged already (an earlier, interrupted round) or being nudged
        sent += attempt.outcome == "sent"
    return sent
