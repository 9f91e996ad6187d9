"""Formal comments: capturing replies in agenda-item threads, their edits and deletions.

A comment is keyed by the Slack message it comes from (channel, ts), and each version of its
text by the time Slack gives that version (the message ts for the original, `edited.ts` for an
edit).  Both keys are enforced by the database, so whatever Slack redelivers, retries or
reorders, a message is recorded once, every version is kept, and the newest version wins.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from bot.clock import ts_to_datetime
from bot.concern_phase import judge_reply
from bot.db import insert_or_ignore
from bot.meetings import find_participant, role_ids
from models import (
    AgendaItem,
    Comment,
    CommentRevision,
    HandledEvent,
    Meeting,
    Participant,
    StrayReply,
)

ACTIVE = "active"
WITHDRAWN = "withdrawn"


@dataclass(frozen=True)
class Capture:
    """What became of one message event; the handler turns it into Slack replies."""

    # recorded | duplicate | edited | stale_edit | unchanged | withdrawn | stray
    # | stray_duplicate | ignored
    outcome: str
    channel: str
    ts: str
    user_id: str | None = None
    item_number: int | None = None
    item_title: str = ""
    meeting_title: str = ""
    late: bool = False
    secretariat: tuple[str, ...] = ()
    deadline_at: datetime | None = None
    timezone: str = "UTC"
    thread_ts: str | None = None  # private notices are shown inside the thread


def mark_event_handled(session: Session, *, event_id: str, now: datetime) -> bool:
    """Remember a Slack event id; False when it was handled before (a redelivery)."""
    return insert_or_ignore(
        session, HandledEvent, {"event_id": event_id, "received_at": now}, ["event_id"]
    )


def find_thread_item(
    session: Session, *, channel: str, thread_ts: str
) -> tuple[AgendaItem, Meeting] | None:
    row = session.exec(
        select(AgendaItem, Meeting)
        .join(Meeting, col(Meeting.id) == col(AgendaItem.meeting_id))
        .where(AgendaItem.post_channel == channel, AgendaItem.post_ts == thread_ts)
    ).first()
    return (row[0], row[1]) if row else None


def capture_reply(
    session: Session,
    *,
    channel: str,
    thread_ts: str,
    ts: str,
    user_id: str,
    text: str,
    now: datetime,
) -> Capture:
    """A new reply in a thread: a formal comment if the thread is an item and the author is
    on the roster, kept aside if not, ignored if the thread is no agenda item."""
    found = find_thread_item(session, channel=channel, thread_ts=thread_ts)
    if found is None:
        return Capture("ignored", channel, ts, user_id)
    item, meeting = found
    participant = _participant(session, meeting, user_id)
    if participant is None:
        return _keep_aside(session, item, meeting, channel, ts, user_id, text, now)
    comment, created = _ensure_comment(
        session, item, participant, channel, ts, thread_ts, text, now, status=ACTIVE
    )
    if not created:
        # Same channel and ts under a new event id: record the original version (an edit may
        # have arrived first) but never a second comment.
        _add_version(session, comment, text, ts_to_datetime(ts), now)
    return _capture("recorded" if created else "duplicate", comment, item, meeting)


def capture_edit(
    session: Session,
    *,
    channel: str,
    thread_ts: str,
    ts: str,
    user_id: str,
    text: str,
    edited_ts: str | None,
    previous_text: str | None,
    previous_edited_ts: str | None,
    now: datetime,
) -> Capture:
    """A `message_changed` event.  Without `edited` it is Slack adding a link preview: no edit,
    but it still records the reply if the original event never arrived."""
    found = find_thread_item(session, channel=channel, thread_ts=thread_ts)
    if found is None:
        return Capture("ignored", channel, ts, user_id)
    item, meeting = found
    participant = _participant(session, meeting, user_id)
    if participant is None:
        return _keep_aside(session, item, meeting, channel, ts, user_id, text, now)

    if edited_ts is None:
        version_text, version_at = text, ts_to_datetime(ts)
    else:
        version_text, version_at = text, ts_to_datetime(edited_ts)
    comment, created = _ensure_comment(
        session,
        item,
        participant,
        channel,
        ts,
        thread_ts,
        version_text,
        now,
        status=ACTIVE,
        version_at=version_at,
    )
    if previous_text is not None:  # the version this edit replaced: fills gaps in history
        previous_at = ts_to_datetime(previous_edited_ts or ts)
        if previous_at < version_at:
            _add_version(session, comment, previous_text, previous_at, now)
    if edited_ts is None:
        outcome = "recorded" if created else "unchanged"
        return _capture(outcome, comment, item, meeting)
    added = created or _add_version(session, comment, version_text, version_at, now)
    session.refresh(comment)
    if not added:
        outcome = "duplicate"
    elif comment.version_at > version_at:
        outcome = "stale_edit"  # kept in the history; a newer version stays current
    else:
        outcome = "edited"
    return _capture(outcome, comment, item, meeting)


def capture_deletion(
    session: Session,
    *,
    channel: str,
    thread_ts: str,
    ts: str,
    user_id: str | None,
    previous_text: str | None,
    deleted_at: datetime,
    now: datetime,
) -> Capture:
    """A deleted reply withdraws its comment; the text stays in the record."""
    found = find_thread_item(session, channel=channel, thread_ts=thread_ts)
    if found is None:
        return Capture("ignored", channel, ts, user_id)
    item, meeting = found
    comment = session.exec(
        select(Comment).where(Comment.channel == channel, Comment.ts == ts)
    ).first()
    if comment is None:
        # The original never reached us: record it from the deletion, already withdrawn.
        participant = _participant(session, meeting, user_id) if user_id else None
        if participant is None or previous_text is None:
            return Capture("ignored", channel, ts, user_id)
        comment, _ = _ensure_comment(
            session, item, participant, channel, ts, thread_ts, previous_text, now, status=ACTIVE
        )
    if comment.status == WITHDRAWN:
        return _capture("duplicate", comment, item, meeting)
    comment.status = WITHDRAWN
    comment.withdrawn_at = deleted_at
    session.add(comment)
    session.flush()
    return _capture("withdrawn", comment, item, meeting)


# -- internals ----------------------------------------------------------------------------------


def _participant(session: Session, meeting: Meeting, user_id: str) -> Participant | None:
    assert meeting.id is not None
    return find_participant(session, meeting_id=meeting.id, user_id=user_id)


def _ensure_comment(
    session: Session,
    item: AgendaItem,
    participant: Participant,
    channel: str,
    ts: str,
    thread_ts: str,
    text: str,
    now: datetime,
    *,
    status: str,
    version_at: datetime | None = None,
) -> tuple[Comment, bool]:
    posted_at = ts_to_datetime(ts)
    version_at = version_at or posted_at
    created = insert_or_ignore(
        session,
        Comment,
        {
            "item_id": item.id,
            "participant_id": participant.id,
            "user_id": participant.user_id,
            "role": participant.role,
            "delegation_id": participant.delegation_id,
            "channel": channel,
            "ts": ts,
            "thread_ts": thread_ts,
            "posted_at": posted_at,
            **judge_reply(session, item=item, posted_at=posted_at),  # late, final concerns
            "text": text,
            "version_at": version_at,
            "revisions": 0,
            "status": status,
            "recorded_at": now,
        },
        ["channel", "ts"],
    )
    comment = session.exec(
        select(Comment).where(Comment.channel == channel, Comment.ts == ts)
    ).one()
    if created:
        assert comment.id is not None
        insert_or_ignore(
            session,
            CommentRevision,
            {"comment_id": comment.id, "version_at": version_at, "text": text, "recorded_at": now},
            ["comment_id", "version_at"],
        )
    return comment, created


def _add_version(
    session: Session, comment: Comment, text: str, version_at: datetime, now: datetime
) -> bool:
    """Keep a version of the text; make it current only if it is the newest.  True if new."""
    added = insert_or_ignore(
        session,
        CommentRevision,
        {"comment_id": comment.id, "version_at": version_at, "text": text, "recorded_at": now},
        ["comment_id", "version_at"],
    )
    if not added:
        return False
    # Conditional UPDATEs rather than read-modify-write, so a racing older edit cannot win.
    session.execute(
        update(Comment)
        .where(col(Comment.id) == comment.id, col(Comment.version_at) < version_at)
        .values(text=text, version_at=version_at)
    )
    versions = (
        select(func.count())
        .select_from(CommentRevision)
        .where(col(CommentRevision.comment_id) == comment.id)
        .scalar_subquery()
    )
    session.execute(
        update(Comment).where(col(Comment.id) == comment.id).values(revisions=versions - 1)
    )
    session.refresh(comment)
    return True


def _keep_aside(
    session: Session,
    item: AgendaItem,
    meeting: Meeting,
    channel: str,
    ts: str,
    user_id: str,
    text: str,
    now: datetime,
) -> Capture:
    new = insert_or_ignore(
        session,
        StrayReply,
        {
            "meeting_id": meeting.id,
            "item_id": item.id,
            "user_id": user_id,
            "channel": channel,
            "ts": ts,
            "text": text,
            "posted_at": ts_to_datetime(ts),
            "recorded_at": now,
        },
        ["channel", "ts"],
    )
    assert meeting.id is not None
    secretariat = tuple(role_ids(session, meeting_id=meeting.id, role="secretariat"))
    return Capture(
        "stray" if new else "stray_duplicate",
        channel,
        ts,
        user_id,
        item_number=item.number,
        item_title=item.title,
        meeting_title=meeting.title,
        secretariat=secretariat,
        thread_ts=item.post_ts,
    )


def _capture(outcome: str, comment: Comment, item: AgendaItem, meeting: Meeting) -> Capture:
    return Capture(
        outcome,
        comment.channel,
        comment.ts,
        comment.user_id,
        item_number=item.number,
        item_title=item.title,
        meeting_title=meeting.title,
        late=comment.late,
        deadline_at=item.deadline_at,
        timezone=meeting.timezone,
        thread_ts=comment.thread_ts,
    )
