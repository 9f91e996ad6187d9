"""Which phase a reply belongs to: the ordinary comment period, or a final-concerns window.

A revised document published with a final-concerns deadline opens a window on its item.  A
reply written after the item's comment deadline and at or after the window opened is a final
concern of that window (the latest such window, when there are several), and it is late only
after the window's own deadline; a reply after the comment deadline with no window open is a
late comment, as before.

This module imports only the models, so the capture path (bot/domain/comments.py) and
deadline changes (bot/domain/meetings.py) can use it without import cycles.  Judging a reply
written before the comment deadline makes no query at all: the capture path's common case
stays as fast as it was.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import update
from sqlmodel import Session, col, select

from models import AgendaItem, Comment, RevisedDocument

Phase = Literal["comments", "final_concerns"]  # as the record's `phase` column says it
COMMENTS: Phase = "comments"
FINAL_CONCERNS: Phase = "final_concerns"


def phase_of(final_concerns_id: int | None) -> Phase:
    """ "final_concerns" for a reply written in a final-concerns window, else "comments"."""
    return COMMENTS if final_concerns_id is None else FINAL_CONCERNS


@dataclass(frozen=True)
class Judgement:
    """How a reply stands against the deadline it is judged by."""

    late: bool
    final_concerns_id: int | None = None  # the window it falls in, when a final concern
    deadline_at: datetime | None = None  # the window's deadline for a final concern


def judge_reply(
    session: Session, *, item_id: int, deadline_at: datetime | None, posted_at: datetime
) -> Judgement:
    """How a reply written at `posted_at` on an item with that comment deadline stands."""
    if deadline_at is None or posted_at <= deadline_at:
        return Judgement(late=False)
    window = session.exec(
        select(RevisedDocument)
        .where(
            RevisedDocument.item_id == item_id,
            col(RevisedDocument.concerns_deadline_at).is_not(None),
            col(RevisedDocument.published_at) <= posted_at,
        )
        .order_by(col(RevisedDocument.published_at).desc(), col(RevisedDocument.id).desc())
    ).first()
    if window is None or window.concerns_deadline_at is None:
        return Judgement(late=True)
    return Judgement(
        late=posted_at > window.concerns_deadline_at,
        final_concerns_id=window.id,
        deadline_at=window.concerns_deadline_at,
    )


def rejudge_item(session: Session, *, item: AgendaItem) -> None:
    """Judge every comment of `item` again: after its deadline moved or a window opened.

    A few UPDATEs whatever the number of comments: everyone by the comment deadline first,
    then each window in the order they opened, so a later window wins for the replies in it.
    """
    if item.deadline_at is None:
        return
    session.execute(
        update(Comment)
        .where(col(Comment.item_id) == item.id)
        .values(late=col(Comment.posted_at) > item.deadline_at, final_concerns_id=None)
    )
    windows = session.exec(
        select(RevisedDocument)
        .where(
            RevisedDocument.item_id == item.id,
            col(RevisedDocument.concerns_deadline_at).is_not(None),
        )
        .order_by(col(RevisedDocument.published_at), col(RevisedDocument.id))
    )
    for window in windows:
        assert window.concerns_deadline_at is not None
        session.execute(
            update(Comment)
            .where(
                col(Comment.item_id) == item.id,
                col(Comment.posted_at) > item.deadline_at,
                col(Comment.posted_at) >= window.published_at,
            )
            .values(
                late=col(Comment.posted_at) > window.concerns_deadline_at,
                final_concerns_id=window.id,
            )
        )


def item_revisions(session: Session, *, item_id: int) -> list[RevisedDocument]:
    """The revised documents published on an item, oldest first."""
    return list(
        session.exec(
            select(RevisedDocument)
            .where(RevisedDocument.item_id == item_id)
            .order_by(col(RevisedDocument.published_at), col(RevisedDocument.id))
        )
    )


def open_window(revisions: list[RevisedDocument], *, now: datetime) -> RevisedDocument | None:
    """Of an item's revisions, the one whose final-concerns window is open at `now`, if any."""
    running = [
        r
        for r in revisions
        if r.concerns_deadline_at is not None and r.published_at <= now < r.concerns_deadline_at
    ]
    return running[-1] if running else None
