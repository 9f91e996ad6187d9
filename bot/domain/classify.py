"""Classified comments: what kind of comment a formal comment is.

The comment's author (the Slack user who wrote it) or the meeting's secretariat may mark a
comment as a general comment, a drafting suggestion, support or a reservation, and change it
later; anyone else is refused, privately, and the refusal is audited.  The comment keeps its
current kind and who set it last; every change is written to the audit log with the kind it
replaced, so the history of a classification is never lost.

The record, the CSV (column `kind`) and the digest show the kind; `None` means not classified.
"""

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, or_, select

from bot.domain.attribution import attribution
from bot.domain.audit import record_audit
from bot.domain.meetings import find_participant
from bot.domain.record_rows import comment_id, unescape_slack
from models import COMMENT_KINDS, AgendaItem, Comment, Delegation, Meeting

ACTION = "classify_comment"  # the audit log's action, and the shortcut's and modal's callback_id
KIND_BLOCK = "kind"  # the modal's input block and its radio buttons' action_id

COMMENT_KIND_LABELS = {
    "general": "General comment",
    "drafting": "Drafting suggestion",
    "support": "Support",
    "reservation": "Reservation",
}
COMMENT_KIND_HINTS = {
    "general": "A comment on the document or the proposal as a whole.",
    "drafting": "A change to the wording of the text.",
    "support": "Support for the proposal.",
    "reservation": "A reservation to be noted in the record.",
}
UNCLASSIFIED = "unclassified"
UNCLASSIFIED_LABEL = "Not classified"
EXCERPT = 600  # of the comment's text, in the modal

NOT_A_COMMENT = (
    "Only formal comments can be classified, and this message is not one: formal comments are "
    "the replies of registered participants in an agenda item's thread."
)
INVALID_KIND = "Choose one of: " + ", ".join(COMMENT_KIND_LABELS.values()) + "."
EXPIRED_FORM = "This form no longer names a comment: use “Classify comment” on the comment again."


def kind_label(kind: str | None) -> str:
    """ "Reservation", or "Not classified" for None (and any value this release does not know)."""
    return COMMENT_KIND_LABELS.get(kind or "", UNCLASSIFIED_LABEL)


@dataclass(frozen=True)
class ClassifyTarget:
    """A comment someone wants to classify, or why they may not.

    `refusal` is None when the modal may open; otherwise it is the private answer, and
    `in_meeting_channel` says whether it can be shown in the channel (the bot is there) or
    must go by direct message.
    """

    channel: str
    ts: str
    refusal: str | None = None
    in_meeting_channel: bool = False
    meeting_title: str = ""
    item_number: int | None = None
    item_title: str = ""
    delegation: str = ""
    author: str = ""
    text: str = ""  # the latest text, Slack's entities unescaped
    kind: str | None = None
    withdrawn: bool = False


@dataclass(frozen=True)
class ClassifyOutcome:
    """What a submitted classification did.  `error` is the modal's field error, if any."""

    outcome: str  # classified | unchanged | invalid | refused | missing
    kind: str | None = None
    previous: str | None = None
    error: str | None = None


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
        return ClassifyTarget(channel, ts, refusal=NOT_A_COMMENT, in_meeting_channel=known)
    comment, item, meeting, delegation = found
    refusal = _refuse_unless_allowed(session, comment, meeting, user_id=user_id, now=now)
    if refusal is not None:
        return ClassifyTarget(channel, ts, refusal=refusal, in_meeting_channel=True)
    name, _ = attribution(comment.role, delegation)
    return ClassifyTarget(
        channel,
        ts,
        in_meeting_channel=True,
        meeting_title=meeting.title,
        item_number=item.number,
        item_title=item.title,
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
        return ClassifyOutcome("missing", error=NOT_A_COMMENT)
    comment, _, meeting, _ = found
    refusal = _refuse_unless_allowed(session, comment, meeting, user_id=user_id, now=now)
    if refusal is not None:
        return ClassifyOutcome("refused", previous=comment.kind, error=refusal)
    if kind not in COMMENT_KINDS:
        return ClassifyOutcome("invalid", previous=comment.kind, error=INVALID_KIND)
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


# -- the modal (a pure builder: the target in, the view out) -------------------------------------


def classify_modal(target: ClassifyTarget) -> dict[str, Any]:
    """The modal the shortcut opens: the comment, and the four kinds with the current one chosen.

    The comment is named in `private_metadata` (its channel and ts), as Slack sends it back.
    """
    options = {
        kind: {
            "text": {"type": "plain_text", "text": label},
            "description": {"type": "plain_text", "text": COMMENT_KIND_HINTS[kind]},
            "value": kind,
        }
        for kind, label in COMMENT_KIND_LABELS.items()
    }
    element: dict[str, Any] = {
        "type": "radio_buttons",
        "action_id": KIND_BLOCK,
        "options": list(options.values()),
    }
    if target.kind in options:
        element["initial_option"] = options[target.kind]
    text = target.text if len(target.text) <= EXCERPT else target.text[: EXCERPT - 1] + "…"
    about = f"Item {target.item_number}: {target.item_title}"
    blocks: list[dict[str, Any]] = [
        {
            "type": "context",
            "elements": [{"type": "plain_text", "text": _clip(about, 2000)}],
        },
        {
            "type": "section",
            "text": {
                "type": "plain_text",
                "text": _clip(f"{target.delegation}: {text}" if text else target.delegation, 3000),
            },
        },
    ]
    if target.withdrawn:
        blocks.append(
            {
                "type": "context",
                "elements": [
                    {
                        "type": "plain_text",
                        "text": "This comment was withdrawn; it stays in the record, marked.",
                    }
                ],
            }
        )
    blocks.append(
        {
            "type": "input",
            "block_id": KIND_BLOCK,
            "label": {"type": "plain_text", "text": "Kind of comment"},
            "element": element,
        }
    )
    return {
        "type": "modal",
        "callback_id": ACTION,
        "title": {"type": "plain_text", "text": "Classify comment"},
        "submit": {"type": "plain_text", "text": "Save"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "private_metadata": json.dumps({"channel": target.channel, "ts": target.ts}),
        "blocks": blocks,
    }


def read_modal_comment(private_metadata: str) -> tuple[str, str] | None:
    """The (channel, ts) a submitted modal names, or None when it names none."""
    try:
        meta = json.loads(private_metadata or "{}")
    except json.JSONDecodeError:
        return None
    if not isinstance(meta, dict):
        return None
    channel, ts = meta.get("channel"), meta.get("ts")
    if not isinstance(channel, str) or not isinstance(ts, str) or not channel or not ts:
        return None
    return channel, ts


def read_modal_kind(values: dict[str, Any]) -> str | None:
    """The chosen kind's value as submitted (radio buttons or a static select), unchecked."""
    chosen = (values.get(KIND_BLOCK) or {}).get(KIND_BLOCK) or {}
    option = chosen.get("selected_option") or {}
    value = option.get("value") if isinstance(option, dict) else None
    return value if isinstance(value, str) else None


# -- internals ----------------------------------------------------------------------------------


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


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
) -> str | None:
    """None for the comment's author or the meeting's secretariat; else the audited refusal."""
    if comment.user_id == user_id:
        return None
    assert meeting.id is not None
    participant = find_participant(session, meeting_id=meeting.id, user_id=user_id)
    if participant is not None and participant.role == "secretariat":
        return None
    record_audit(
        session,
        now=now,
        actor=user_id,
        action=ACTION,
        meeting_id=meeting.id,
        outcome="refused",
        detail=f"comment {comment_id(comment)}: not the author or the secretariat",
    )
    return f"Only the author of this comment or the secretariat of {meeting.title} can classify it."


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
