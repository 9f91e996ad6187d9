"""Where an agenda item stands now: open, closed, in silence, decided, open for final concerns.

Every change that concerns an item (a decision, a deadline passing or moving, a silence
procedure, a revised document) redraws the item's root message from `item_state`, read from
the database, so the message never shows a state the record does not hold.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlmodel import Session, col, select

from bot.domain.concern_phase import item_revisions, open_window
from bot.domain.meetings import item_documents
from models import AgendaItem, Decision, Document, Meeting, RevisedDocument, SilenceProcedure

# What became of posting an item's root message (bot/clock/posting.py does it; views say it).
PostOutcome = Literal[
    "posted", "already_posted", "not_open", "claimed_elsewhere", "failed", "unknown"
]


@dataclass(frozen=True)
class ItemState:
    """Everything an item's root message shows, as of one `now`."""

    meeting: Meeting
    item: AgendaItem
    documents: list[Document]
    decision: Decision | None
    closed: bool  # the comment deadline has passed
    silence: SilenceProcedure | None  # the latest procedure, ended or not
    revised: list[RevisedDocument]
    concerns_until: datetime | None  # the open final-concerns window's deadline


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


def item_state(session: Session, *, meeting: Meeting, item: AgendaItem, now: datetime) -> ItemState:
    assert item.id is not None
    revised = item_revisions(session, item_id=item.id)
    window = open_window(revised, now=now)
    return ItemState(
        meeting=meeting,
        item=item,
        documents=item_documents(session, item_id=item.id),
        decision=current_decision(session, item_id=item.id),
        closed=item.deadline_at is not None and item.deadline_at <= now,
        silence=latest_silence(session, item_id=item.id),
        revised=list(revised),
        concerns_until=window.concerns_deadline_at if window else None,
    )


def lock_for_decision(
    session: Session,
    item: AgendaItem,
    *,
    requested: datetime,
    clock: Callable[[], datetime] | None,
) -> tuple[AgendaItem, Decision | None, datetime]:
    """Lock `item` until the transaction ends, then read its current decision and the time.

    Another decision on the item waits here until this one commits, and then reads it as the
    decision to supersede.  `FOR NO KEY UPDATE` (PostgreSQL) excludes other decisions but not
    the comments being added to the item meanwhile (their foreign key only takes a key-share
    lock); SQLite renders no lock, its writer's turn is already held.
    """
    locked = session.exec(
        select(AgendaItem)
        .where(AgendaItem.id == item.id)
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    ).one()
    assert locked.id is not None
    previous = current_decision(session, item_id=locked.id)
    decided_at = clock() if clock is not None else requested
    # Workers' clocks may differ slightly: a decision never predates the one it supersedes.
    if previous is not None and previous.decided_at > decided_at:
        decided_at = previous.decided_at
    return locked, previous, decided_at
