"""Classified comments: what kind of comment a formal comment is.

The comment's author (the Slack user who wrote it) or the meeting's secretariat may mark a
comment as a general comment, a drafting suggestion, support or a reservation, and change it
later; anyone else is refused, privately, and the refusal is audited.  The comment keeps its
current kind and who set it last; every change is written to the audit log with the kind it
replaced, so the history of a classification is never lost.

The record, the CSV (column `kind`) and the digest show the kind; `None` means not classified.
The modal and every word about a classification live in bot/views/classify.py.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Literal, TypeGuard

from sqlmodel import Session, col, or_, select

from bot.domain.attribution import attribution
from bot.domain.audit import record_audit
from bot.domain.permissions import Permission, Refusal, require
from bot.domain.record_rows import comment_id, unescape_slack
from models import COMMENT_KINDS, AgendaItem, Comment, CommentKind, Delegation, Meeting

ACTION = "classify_comment"  # the audit log's action, and the shortcut's and modal's callback_id
UNCLASSIFIED = "unclassified"  # the audit log's word for "no kind yet"


@dataclass(frozen=True)
class ClassifyTarget:
    """A comment someone wants to classify, or why they may not.

    `status` is "open" when the modal may open.  Otherwise the message is no recorded comment
    ("not_a_comment") or the person is neither its author nor the secretariat ("refused", with
    the audited `refusal`); `in_meeting_channel` says whether the private answer can be shown
    in the channel (the bot is there) or must go by direct message.
    """

    channel: str
    ts: str
    status: Literal["open", "not_a_comment", "refused"] = "open"
    refusal: Refusal | None = None
    in_meeting_channel: bool = False
    meeting_title: str = ""
    item_number: int | None = None
    item_title: str = ""
    item_translations: str = ""  # the item's texts in the meeting's other languages (JSON)
    delegation: str = ""
    author: str = ""
    text: str = ""  # the latest text, Slack's entities unescaped
    kind: str | None = None  # as stored: one of COMMENT_KINDS, or None
    withdrawn: bool = False


@dataclass(frozen=True)
class ClassifyOutcome:
    """What a submitted classification did.

    classified: the kind changed; unchanged: it already was that kind; invalid: no known kind
    was chosen; refused: neither the author nor the secretariat (`refusal`, audited); missing:
    the message is no recorded comment (audited).
    """

    outcome: Literal["classified", "unchanged", "invalid", "refused", "missing"]
    kind: CommentKind | None = None
    previous: str | None = None
    refusal: Refusal | None = None


def find_classification_target(
    session: Session, *, channel: str, ts: str, user_id: str, now: datetime
) -> ClassifyTarget:
    """The comment the message shortcut was used on, if `user_id` may classify it.

    A refusal (no recorded comment there, or neither the author nor the secretariat) is
    written to the audit log before it is returned.
    """
    found = _find_comment(session, channel=channel, ts=ts)
    if found is None:
        known = _refuse_not_a_comment(session, channel=channel, ts=ts, user_id=user_id, now=now)
        return ClassifyTarget(channel, ts, "not_a_comment", in_meeting_channel=known)
    comment, item, meeting, delegation = found
    refusal = _refuse_unless_allowed(session, comment, meeting, user_id=user_id, now=now)
    if refusal is not None:
        return ClassifyTarget(channel, ts, "refused", refusal, in_meeting_channel=True)
    name, _ = attribution(comment.role, delegation)
    return ClassifyTarget(
        channel,
        ts,
        in_meeting_channel=True,
        meeting_title=meeting.title,
        item_number=item.number,
        item_title=item.title,
        item_translations=item.translations,
        delegation=name,
        author=comment.user_id,
        text=unescape_slack(comment.text),
        kind=comment.kind,
        withdrawn=comment.status == "withdrawn",
    )


def classify_comment(
    session: Session, *, channel: str, ts: str, user_id: str, kind: str | None, now: datetime
) -> ClassifyOutcome:
    """Set the comment's kind, checking again who may (roles can change while a modal is open,
    and a submission names its comment in a field the client sends back)."""
    found = _find_comment(session, channel=channel, ts=ts)
    if found is None:
        _refuse_not_a_comment(session, channel=channel, ts=ts, user_id=user_id, now=now)
        return ClassifyOutcome("missing")
    comment, _, meeting, _ = found
    refusal = _refuse_unless_allowed(session, comment, meeting, user_id=user_id, now=now)
    if refusal is not None:
        return ClassifyOutcome("refused", previous=comment.kind, refusal=refusal)
    if not _is_kind(kind):
        return ClassifyOutcome("invalid", previous=comment.kind)
    previous = comment.kind
    if previous == kind:
        return ClassifyOutcome("unchanged", kind=kind, previous=previous)
    comment.kind = kind
    comment.kind_by = user_id
    comment.kind_at = now
    session.add(comment)
    record_audit(
        session,
        now=now,
        actor=user_id,
        action=ACTION,
        meeting_id=meeting.id,
        detail=f"comment {comment_id(comment)}: {previous or UNCLASSIFIED} -> {kind}",
    )
    session.flush()
    return ClassifyOutcome("classified", kind=kind, previous=previous)


# -- internals ----------------------------------------------------------------------------------


def _is_kind(value: str | None) -> TypeGuard[CommentKind]:
    return value in COMMENT_KINDS


def _find_comment(
    session: Session, *, channel: str, ts: str
) -> tuple[Comment, AgendaItem, Meeting, Delegation | None] | None:
    row = session.exec(
        select(Comment, AgendaItem, Meeting, Delegation)
        .join(AgendaItem, col(AgendaItem.id) == col(Comment.item_id))
        .join(Meeting, col(Meeting.id) == col(AgendaItem.meeting_id))
        .join(Delegation, col(Delegation.id) == col(Comment.delegation_id), isouter=True)
        .where(Comment.channel == channel, Comment.ts == ts)
    ).first()
    return (row[0], row[1], row[2], row[3]) if row else None


def _channel_meeting(session: Session, *, channel: str) -> tuple[int | None, bool]:
    """The meeting whose channel this is (for the audit log), and whether the bot posts there."""
    meeting_id = session.exec(
        select(Meeting.id)
        .join(AgendaItem, col(AgendaItem.meeting_id) == col(Meeting.id), isouter=True)
        .where(or_(Meeting.channel == channel, AgendaItem.post_channel == channel))
        .order_by(col(Meeting.id))
    ).first()
    return meeting_id, meeting_id is not None


def _refuse_unless_allowed(
    session: Session, comment: Comment, meeting: Meeting, *, user_id: str, now: datetime
) -> Refusal | None:
    """None for the comment's author or whoever may classify any comment (the secretariat);
    else the audited refusal."""
    if comment.user_id == user_id:
        return None
    return require(
        session,
        meeting=meeting,
        user_id=user_id,
        permission=Permission.CLASSIFY_ANY,
        action=ACTION,
        now=now,
        detail=f"comment {comment_id(comment)}: not the author or the secretariat",
    )


def _refuse_not_a_comment(
    session: Session, *, channel: str, ts: str, user_id: str, now: datetime
) -> bool:
    """Audit a shortcut or submission on a message that is no recorded comment.

    Returns whether the channel is a meeting's channel (where a private reply can be posted).
    """
    meeting_id, known = _channel_meeting(session, channel=channel)
    record_audit(
        session,
        now=now,
        actor=user_id,
        action=ACTION,
        meeting_id=meeting_id,
        outcome="refused",
        detail=f"message {channel}-{ts}: not a recorded comment",
    )
    return known
