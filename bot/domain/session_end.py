"""Ending the session: `/close` by the secretariat, and which meetings are done.

It happens once per meeting, when the secretariat runs /close or when the last item is decided
and every deadline has passed, whichever comes first.  `bot.clock.session_end` then claims the
one delivery both paths share and sends the closing message, the final digest, the figures and
the record; `bot.views.digest` words the replies.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import update
from sqlmodel import Session, col, select

from bot.domain.audit import record_audit
from bot.domain.permissions import Permission, Refusal, require
from models import AgendaItem, Decision, Meeting, RevisedDocument


@dataclass(frozen=True)
class CloseRequest:
    """What `/close` did: closed the session now, found it closed already, or was refused."""

    outcome: Literal["closed", "already_closed", "refused"]
    meeting_title: str
    refusal: Refusal | None = None  # set when refused (already audited)

    @property
    def send_now(self) -> bool:
        """The closing (message, final digest, record) is to go out after the answer."""
        return self.outcome == "closed"


def request_close(
    session: Session, *, meeting: Meeting, user_id: str, now: datetime
) -> CloseRequest:
    """`/close` by the secretariat: mark the session closed; the closing goes out after."""
    refusal = require(
        session,
        meeting=meeting,
        user_id=user_id,
        permission=Permission.MANAGE,
        action="close",
        now=now,
        detail="not secretariat",
    )
    if refusal is not None:
        return CloseRequest("refused", meeting.title, refusal)
    if meeting.closed_at is not None:
        return CloseRequest("already_closed", meeting.title)
    mark_closed(session, meeting_id=meeting.id, now=now)
    record_audit(session, now=now, actor=user_id, action="close", meeting_id=meeting.id)
    return CloseRequest("closed", meeting.title)


def mark_closed(session: Session, *, meeting_id: int | None, now: datetime) -> None:
    """Close the meeting at `now` unless it is closed already (then its first moment stays)."""
    session.execute(
        update(Meeting)
        .where(col(Meeting.id) == meeting_id, col(Meeting.closed_at).is_(None))
        .values(closed_at=now)
    )


def sessions_to_close(session: Session, *, now: datetime) -> list[int]:
    """Meetings closed by /close, or whose items are all decided with every deadline passed,
    final-concerns windows included (a concern may still come in while one is open)."""
    closed = list(session.exec(select(Meeting.id).where(col(Meeting.closed_at).is_not(None))))
    items = list(session.exec(select(AgendaItem).where(col(AgendaItem.active))))
    decided = set(session.exec(select(Decision.item_id).distinct()))
    windows_open = set(
        session.exec(
            select(RevisedDocument.item_id).where(col(RevisedDocument.concerns_deadline_at) > now)
        )
    )
    by_meeting: dict[int, list[AgendaItem]] = {}
    for item in items:
        by_meeting.setdefault(item.meeting_id, []).append(item)
    finished = [
        meeting_id
        for meeting_id, agenda in by_meeting.items()
        if agenda
        and all(i.id in decided and i.id not in windows_open for i in agenda)
        and all(i.deadline_at is not None and i.deadline_at <= now for i in agenda)
    ]
    return sorted({m for m in closed + finished if m is not None})
