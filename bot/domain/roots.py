"""An agenda item's root message as it should look now: open, closed, in silence, decided.

Every change that concerns an item (a decision, a deadline passing or moving, a silence
procedure) redraws the root message from the database through this one function, so the
message never shows a state the record does not hold.
"""

from datetime import datetime

from sqlmodel import Session, col, select

from bot.domain.concern_phase import item_revisions, open_window
from bot.domain.meetings import item_documents
from bot.views.messages import SlackMessage, item_message
from models import AgendaItem, Decision, Meeting, SilenceProcedure


def current_decision(session: Session, *, item_id: int) -> Decision | None:
    return session.exec(
        select(Decision)
        .where(Decision.item_id == item_id)
        .order_by(col(Decision.decided_at).desc(), col(Decision.id).desc())
    ).first()


def latest_silence(session: Session, *, item_id: int) -> SilenceProcedure | None:
    return session.exec(
        select(SilenceProcedure)
        .where(SilenceProcedure.item_id == item_id)
        .order_by(col(SilenceProcedure.started_at).desc(), col(SilenceProcedure.id).desc())
    ).first()


def root_message(
    session: Session, *, meeting: Meeting, item: AgendaItem, now: datetime
) -> SlackMessage:
    assert item.id is not None
    revised = item_revisions(session, item_id=item.id)
    window = open_window(revised, now=now)
    return item_message(
        meeting,
        item,
        item_documents(session, item_id=item.id),
        current_decision(session, item_id=item.id),
        closed=item.deadline_at is not None and item.deadline_at <= now,
        silence=latest_silence(session, item_id=item.id),
        revised=revised,
        concerns_until=window.concerns_deadline_at if window else None,
    )
