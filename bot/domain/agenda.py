"""`/agenda`: the items, their status and deadlines, privately; posting for the secretariat."""

from dataclasses import dataclass

from sqlmodel import Session, col, select

from bot.domain.meetings import list_items
from bot.domain.permissions import Permission, allowed, role_in
from models import AgendaItem, Decision, Meeting


@dataclass(frozen=True)
class AgendaView:
    meeting: Meeting
    items: list[AgendaItem]
    decisions: dict[int, Decision]  # item id -> the decision in force
    can_post: bool


def agenda_for(session: Session, *, meeting: Meeting, user_id: str) -> AgendaView:
    """Anyone may see the agenda; only the secretariat gets the posting buttons."""
    assert meeting.id is not None
    items = list_items(session, meeting_id=meeting.id)
    decisions: dict[int, Decision] = {}
    rows = session.exec(
        select(Decision)
        .where(col(Decision.item_id).in_([i.id for i in items]))
        .order_by(col(Decision.decided_at), col(Decision.id))
    )
    for decision in rows:
        decisions[decision.item_id] = decision  # the latest wins: it supersedes the others
    role = role_in(session, meeting_id=meeting.id, user_id=user_id)
    return AgendaView(meeting, items, decisions, can_post=allowed(role, Permission.MANAGE))
