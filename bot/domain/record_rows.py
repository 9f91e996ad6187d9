"""The meeting record's data: every formal comment as a row, in the record's order.

Built with a fixed number of queries whatever the meeting's size: one for the comments with
their items, authors and delegations.

`readable_text` turns Slack's markup in a person's text (mentions, channel links, links and
entities) into what a reader of the record expects: `@Jane Doe`, `#ptc-2020`, `text (url)`.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass

from sqlmodel import Session, col, select

from bot.domain.attribution import attribution
from bot.domain.concern_phase import COMMENTS, phase_of
from models import AgendaItem, Comment, Delegation, Participant

SLACK_MARKUP = re.compile(r"<([^<>\n]*)>")  # Slack sends a typed < or > as &lt; &gt;


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
    author: str = ""  # the person's name (see person_name), else their Slack user id


def unescape_slack(text: str) -> str:
    """Slack sends &, < and > as entities; the record holds what the delegate typed.
    `&amp;` goes last so an escaped entity ("&amp;lt;") is not unescaped twice."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def readable_text(
    text: str,
    names: Mapping[str, str] | None = None,
    channels: Mapping[str, str] | None = None,
) -> str:
    """Slack's markup as plain readable text: `<@U…>` as `@` and the person's name (from
    `names`, user id -> name; else the label Slack gave, else the id), `<#C…|name>` as `#name`,
    `<!here>` as `@here`, `<url|text>` as `text (url)` and `<url>` as the url; then `&lt;`,
    `&gt;` and `&amp;` as the characters typed."""
    names = names or {}
    channels = channels or {}

    def one(match: re.Match[str]) -> str:
        inside = match.group(1)
        target, _, label = inside.partition("|")
        if target.startswith("@"):
            user = target[1:]
            return "@" + (names.get(user) or label.lstrip("@") or user)
        if target.startswith("#"):
            channel = target[1:]
            return "#" + (label or channels.get(channel) or channel)
        if target.startswith("!"):
            if label:  # <!subteam^S…|@team>, <!date^…|fallback>
                return label
            return "@" + target[1:].split("^", 1)[0]
        if not label:
            return target.removeprefix("mailto:")
        if label in (target, target.removeprefix("mailto:")):
            return label
        return f"{label} ({target})"

    return unescape_slack(SLACK_MARKUP.sub(one, text))


def comment_id(comment: Comment) -> str:
    """Stable across exports and databases: the Slack message it came from."""
    return f"{comment.channel}-{comment.ts}"


def comment_rows(session: Session, *, meeting_id: int) -> list[CommentRow]:
    rows = session.exec(
        select(Comment, AgendaItem.number, Delegation, Participant)
        .join(AgendaItem, col(AgendaItem.id) == col(Comment.item_id))
        .join(Participant, col(Participant.id) == col(Comment.participant_id))
        .join(Delegation, col(Delegation.id) == col(Comment.delegation_id), isouter=True)
        .where(AgendaItem.meeting_id == meeting_id)
        .order_by(col(AgendaItem.position), col(AgendaItem.number), col(Comment.posted_at))
    )
    out: list[CommentRow] = []
    for comment, number, delegation, participant in rows:
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
                author=participant.name or participant.profile_name or comment.user_id,
            )
        )
    return out
