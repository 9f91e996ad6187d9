"""The meeting record's data: every formal comment as a row, in the record's order.

Built with a fixed number of queries whatever the meeting's size: one for the comments with
their items, authors and delegations.
"""

from dataclasses import dataclass

from sqlmodel import Session, col, select

from bot.domain.attribution import attribution
from bot.domain.concern_phase import COMMENTS, phase_of
from models import AgendaItem, Comment, Delegation


@dataclass(frozen=True)
class CommentRow:
    item: int
    comment_id: str
    delegation: str
    delegation_kind: str
    user: str
    role: str
    posted_at: str
    status: str
    late: bool
    text: str
    revisions: int
    kind: str | None = None  # general | drafting | support | reservation; None: not classified
    phase: str = COMMENTS  # comments | final_concerns


def unescape_slack(text: str) -> str:
    """Slack sends &, < and > as entities; the record holds what the delegate typed.
    `&amp;` goes last so an escaped entity ("&amp;lt;") is not unescaped twice."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def comment_id(comment: Comment) -> str:
    """Stable across exports and databases: the Slack message it came from."""
    return f"{comment.channel}-{comment.ts}"


def comment_rows(session: Session, *, meeting_id: int) -> list[CommentRow]:
    rows = session.exec(
        select(Comment, AgendaItem.number, Delegation)
        .join(AgendaItem, col(AgendaItem.id) == col(Comment.item_id))
        .join(Delegation, col(Delegation.id) == col(Comment.delegation_id), isouter=True)
        .where(AgendaItem.meeting_id == meeting_id)
        .order_by(col(AgendaItem.position), col(AgendaItem.number), col(Comment.posted_at))
    )
    out: list[CommentRow] = []
    for comment, number, delegation in rows:
        name, kind = attribution(comment.role, delegation)
        out.append(
            CommentRow(
                item=number,
                comment_id=comment_id(comment),
                delegation=name,
                delegation_kind=kind,
                user=comment.user_id,
                role=comment.role,
                posted_at=comment.posted_at.isoformat(),
                status=comment.status,
                late=comment.late,
                text=unescape_slack(comment.text),
                revisions=comment.revisions,
                kind=comment.kind,
                phase=phase_of(comment.final_concerns_id),
            )
        )
    return out
