"""The meeting record: formal comments as rows, in the contract's column order (then `kind`).

Built with a fixed number of queries whatever the meeting's size: one for the comments with
their items, authors and delegations.
"""

import csv
from dataclasses import dataclass
from pathlib import Path

from sqlmodel import Session, col, select

from bot.domain.attribution import attribution
from bot.domain.concern_phase import COMMENTS, phase_of
from models import AgendaItem, Comment, Delegation

CONTRACT_COLUMNS = [
    "item",
    "comment_id",
    "delegation",
    "delegation_kind",
    "user",
    "role",
    "posted_at",
    "status",
    "late",
    "text",
    "revisions",
]
# Columns after the contract's: `kind` is the comment's classification (bot/classify.py), empty
# when it is not classified; `phase` is "comments" or "final_concerns" (a reply in a revised
# document's final-concerns window, bot/concern_phase.py).
CSV_COLUMNS = [*CONTRACT_COLUMNS, "kind", "phase"]


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

    def as_csv(self) -> list[str]:
        return [
            str(self.item),
            self.comment_id,
            self.delegation,
            self.delegation_kind,
            self.user,
            self.role,
            self.posted_at,
            self.status,
            "true" if self.late else "false",
            self.text,
            str(self.revisions),
            self.kind or "",
            self.phase,
        ]


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


def write_csv(rows: list[CommentRow], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    # Write beside the target and rename, so a failed export never leaves half a file.
    with tmp.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(CSV_COLUMNS)
        writer.writerows(row.as_csv() for row in rows)
    tmp.replace(path)
