"""Moving an item's deadline: `/extend N DATETIME` (chair or secretariat).

Late flags, reminders, nudges and closing all follow the new deadline: late flags are
recomputed at once, and the scheduler's delivery keys include the deadline.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Literal
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot.domain.audit import record_audit
from bot.domain.meetings import find_item, recompute_late
from bot.domain.permissions import Permission, Refusal, require
from bot.parse.approve import ExtendRequest, parse_extend
from bot.parse.timeparse import parse_moment
from models import AgendaItem, Meeting

ExtendKind = Literal[
    "refused",
    "help",
    "bad_request",  # `request.error` says what could not be read
    "no_such_item",
    "bad_deadline",  # `request.moment` is not a moment in the meeting's time zone
    "in_the_past",  # `deadline` is not ahead of now
    "before_opening",  # `deadline` is not after the item opens
    "moved",
]


@dataclass(frozen=True)
class ExtendOutcome:
    """What `/extend` did.  "moved" has the item (its new deadline set) and the old deadline;
    the channel is told by a claimed delivery (bot/clock/extensions.py)."""

    kind: ExtendKind
    meeting: Meeting
    request: ExtendRequest | None = None
    refusal: Refusal | None = None
    item: AgendaItem | None = None
    deadline: datetime | None = None  # the deadline asked for
    old: datetime | None = None  # moved: the deadline before
    reopened: bool = False  # moved: a closed, posted item is open for comments again


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
    refusal = require(
        session,
        meeting=meeting,
        user_id=user_id,
        permission=Permission.MOVE_DEADLINE,
        action="extend",
        now=now,
        detail=f"not chair or secretariat: {text[:200]}",
    )
    if refusal is not None:
        return ExtendOutcome("refused", meeting, refusal=refusal)
    request = parse_extend(text)
    if request.action == "help":
        return ExtendOutcome("help", meeting, request)
    if request.number is None:  # not a number
        return ExtendOutcome("bad_request", meeting, request)
    # Whether the item exists is said before what is wrong with the rest of the command.
    item = find_item(session, meeting_id=meeting.id, number=request.number)
    if item is None:
        return ExtendOutcome("no_such_item", meeting, request)
    if request.action == "error":
        return ExtendOutcome("bad_request", meeting, request, item=item)
    assert request.moment is not None
    try:
        deadline = parse_moment(request.moment, ZoneInfo(meeting.timezone))
    except ValueError:
        return ExtendOutcome("bad_deadline", meeting, request, item=item)
    if deadline <= now:
        return ExtendOutcome("in_the_past", meeting, request, item=item, deadline=deadline)
    if item.opens_at is not None and deadline <= item.opens_at:
        return ExtendOutcome("before_opening", meeting, request, item=item, deadline=deadline)
    old = item.deadline_at
    reopened = old is not None and old <= now and item.post_ts is not None
    set_deadline(session, item=item, deadline=deadline)
    record_audit(
        session,
        now=now,
        actor=user_id,
        action="extend",
        meeting_id=meeting.id,
        detail=f"item {item.number}: {old.isoformat() if old else '-'} -> {deadline.isoformat()}",
    )
    return ExtendOutcome(
        "moved",
        meeting,
        request,
        item=item,
        deadline=deadline,
        old=old,
        reopened=reopened,
    )
