"""Moving an item's deadline: `/extend N DATETIME` (chair or secretariat).

Late flags, reminders, nudges and closing all follow the new deadline: late flags are
recomputed at once, and the scheduler's delivery keys include the deadline.
"""

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot.domain.audit import record_audit
from bot.domain.items import ItemState, item_state
from bot.domain.meetings import find_item, find_participant, recompute_late, role_ids
from bot.parse.commands import split_moment, split_number
from bot.parse.timeparse import parse_moment
from bot.views.messages import SlackMessage, extension_notice, local_time
from models import AgendaItem, Meeting

USAGE = (
    "*How to use /extend* (chair or secretariat)\n"
    "• `/extend 3 2020-07-24T17:00` moves item 3's deadline (meeting time zone)\n"
    "• `/extend 3 2020-07-24T17:00+02:00` with an explicit offset\n"
    "Reminders, nudges, closing and late flags follow the new deadline; a closed item reopens."
)


@dataclass(frozen=True)
class ExtendOutcome:
    reply: str
    item: AgendaItem | None = None
    notice: SlackMessage | None = None
    root: ItemState | None = None


def set_deadline(session: Session, *, item: AgendaItem, deadline: datetime) -> None:
    """Move the deadline and re-judge lateness by it (a comment's time never changes)."""
    item.deadline_at = deadline
    session.add(item)
    session.flush()
    recompute_late(session, item=item)


def extend_deadline(
    session: Session, *, meeting: Meeting, user_id: str, text: str, now: datetime
) -> ExtendOutcome:
    assert meeting.id is not None
    participant = find_participant(session, meeting_id=meeting.id, user_id=user_id)
    if participant is None or participant.role not in ("chair", "secretariat"):
        record_audit(
            session,
            now=now,
            actor=user_id,
            action="extend",
            meeting_id=meeting.id,
            outcome="refused",
            detail=f"not chair or secretariat: {text[:200]}",
        )
        chairs = ", ".join(
            f"<@{u}>" for u in role_ids(session, meeting_id=meeting.id, role="chair")
        )
        return ExtendOutcome(
            f"Only the chair ({chairs}) or the secretariat can move a deadline of {meeting.title}."
        )
    if text.strip().lower() in ("", "help"):
        return ExtendOutcome(USAGE)
    number, rest, head = split_number(text)
    if number is None:
        return ExtendOutcome(f"`{head}` is not an agenda item number.\n\n{USAGE}")
    item = find_item(session, meeting_id=meeting.id, number=number)
    if item is None:
        return ExtendOutcome(f"There is no item {number} on the agenda of {meeting.title}.")
    moment_text, extra = split_moment(rest)
    if moment_text is None:
        return ExtendOutcome(f"Give the new deadline after the item number.\n\n{USAGE}")
    if extra:
        return ExtendOutcome(f"Unexpected text after the date: `{extra}`.\n\n{USAGE}")
    try:
        deadline = parse_moment(moment_text, ZoneInfo(meeting.timezone))
    except ValueError as exc:
        return ExtendOutcome(f"{exc}\n\n{USAGE}")
    if deadline <= now:
        return ExtendOutcome(
            f"{local_time(deadline, meeting.timezone)} is in the past; a deadline must be ahead."
        )
    if item.opens_at is not None and deadline <= item.opens_at:
        return ExtendOutcome(
            f"Item {number} opens {local_time(item.opens_at, meeting.timezone)}; "
            "the deadline must come after that."
        )
    old = item.deadline_at
    reopened = old is not None and old <= now and item.post_ts is not None
    set_deadline(session, item=item, deadline=deadline)
    record_audit(
        session,
        now=now,
        actor=user_id,
        action="extend",
        meeting_id=meeting.id,
        detail=f"item {number}: {old.isoformat() if old else '-'} -> {deadline.isoformat()}",
    )
    when = local_time(deadline, meeting.timezone)
    if item.post_ts is None:
        return ExtendOutcome(f"Item {number} (not posted yet) now closes {when}.", item=item)
    return ExtendOutcome(
        f"Item {number} now closes {when}"
        + (" and is open for comments again." if reopened else "."),
        item=item,
        notice=extension_notice(meeting, item, old, reopened),
        root=item_state(session, meeting=meeting, item=item, now=now),
    )
