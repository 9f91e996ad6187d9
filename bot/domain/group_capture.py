"""Recording what is written in a drafting group's channel: messages, edits, deletions.

The same guarantees as formal comments (bot/domain/comments.py), in tables of their own: a
message is keyed by (channel, ts) and each version of its text by the time Slack gives that
version, both enforced by the database, so whatever Slack redelivers or reorders, a message is
recorded once, every version is kept and the newest wins; a deletion withdraws it and keeps its
text.

Every human message in the channel counts, top-level or in a thread: the channel exists only for
the group, and its welcome asks the members to write there.  A message from someone who is
neither a member of the group nor the meeting's secretariat is kept too, marked `member=False`,
and its author told once, privately.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from bot.core.clock import ts_to_datetime
from bot.core.db import insert_or_ignore
from bot.domain.meetings import find_participant, role_ids
from bot.domain.permissions import Permission, allowed
from models import (
    DraftingGroup,
    DraftingGroupMember,
    GroupContribution,
    GroupContributionRevision,
    Participant,
)

WITHDRAWN = "withdrawn"

CaptureOutcome = Literal[
    "recorded",  # a new message, by a member (or the secretariat)
    "duplicate",  # already recorded: the same event again
    "edited",  # a newer version is now current
    "stale_edit",  # an older version, kept in the history; a newer one stays current
    "unchanged",  # a message_changed that is no edit (a link preview)
    "withdrawn",  # deleted
    "kept_aside",  # a new message by someone outside the group: kept, not the group's
    "kept_aside_duplicate",
    "ignored",  # a deletion of a message never recorded, without its text
]


@dataclass(frozen=True)
class GroupCapture:
    """What became of one message event in a group's channel; the handler answers from it."""

    outcome: CaptureOutcome
    channel: str
    ts: str
    user_id: str | None = None
    thread_ts: str | None = None
    group_name: str = ""
    secretariat: tuple[str, ...] = ()  # for the private notice to an outsider


def capture_group_message(
    session: Session,
    *,
    group: DraftingGroup,
    channel: str,
    ts: str,
    thread_ts: str | None,
    user_id: str,
    text: str,
    now: datetime,
) -> GroupCapture:
    """A new message (top-level or a thread reply) in the group's channel."""
    contribution, created = _ensure(session, group, channel, ts, thread_ts, user_id, text, now)
    if not created:
        # The same message under a new event id: keep its original version (an edit may have
        # come first) but never a second row.
        _add_version(session, contribution, text, ts_to_datetime(ts), now)
    if contribution.member:
        return _capture("recorded" if created else "duplicate", contribution, group)
    outcome: CaptureOutcome = "kept_aside" if created else "kept_aside_duplicate"
    return _capture(outcome, contribution, group, secretariat=_secretariat(session, group))


def capture_group_edit(
    session: Session,
    *,
    group: DraftingGroup,
    channel: str,
    ts: str,
    thread_ts: str | None,
    user_id: str,
    text: str,
    edited_ts: str | None,
    previous_text: str | None,
    previous_edited_ts: str | None,
    now: datetime,
) -> GroupCapture:
    """A `message_changed`: without `edited` it is a link preview, no edit; either way it records
    the message if its own event never arrived."""
    version_at = ts_to_datetime(edited_ts or ts)
    contribution, created = _ensure(
        session, group, channel, ts, thread_ts, user_id, text, now, version_at=version_at
    )
    if previous_text is not None:  # the version this edit replaced fills a gap in the history
        previous_at = ts_to_datetime(previous_edited_ts or ts)
        if previous_at < version_at:
            _add_version(session, contribution, previous_text, previous_at, now)
    if edited_ts is None:
        return _capture("recorded" if created else "unchanged", contribution, group)
    added = created or _add_version(session, contribution, text, version_at, now)
    session.refresh(contribution)
    outcome: CaptureOutcome
    if not added:
        outcome = "duplicate"
    elif contribution.version_at > version_at:
        outcome = "stale_edit"  # kept in the history; a newer version stays current
    else:
        outcome = "edited"
    return _capture(outcome, contribution, group)


def capture_group_deletion(
    session: Session,
    *,
    group: DraftingGroup,
    channel: str,
    ts: str,
    thread_ts: str | None,
    user_id: str | None,
    previous_text: str | None,
    deleted_at: datetime,
    now: datetime,
) -> GroupCapture:
    """A deleted message is withdrawn; its text stays in the record."""
    contribution = session.exec(
        select(GroupContribution).where(
            GroupContribution.channel == channel, GroupContribution.ts == ts
        )
    ).first()
    if contribution is None:
        if user_id is None or previous_text is None:
            return GroupCapture("ignored", channel, ts, user_id)
        # The original never reached us: record it from the deletion, then withdraw it.
        contribution, _ = _ensure(
            session, group, channel, ts, thread_ts, user_id, previous_text, now
        )
    if contribution.status == WITHDRAWN:
        return _capture("duplicate", contribution, group)
    contribution.status = WITHDRAWN
    contribution.withdrawn_at = deleted_at
    session.add(contribution)
    session.flush()
    return _capture("withdrawn", contribution, group)


# -- internals ----------------------------------------------------------------------------------


def _author(
    session: Session, group: DraftingGroup, user_id: str
) -> tuple[Participant | None, bool]:
    """The author's participant row, and whether they write for the group: a member of it, or
    the meeting's secretariat (who runs every group)."""
    participant = find_participant(session, meeting_id=group.meeting_id, user_id=user_id)
    if participant is not None and allowed(participant.role, Permission.WRITE_IN_ANY_GROUP):
        return participant, True
    member = session.exec(
        select(DraftingGroupMember.id).where(
            DraftingGroupMember.group_id == group.id, DraftingGroupMember.user_id == user_id
        )
    ).first()
    return participant, member is not None and participant is not None


def _ensure(
    session: Session,
    group: DraftingGroup,
    channel: str,
    ts: str,
    thread_ts: str | None,
    user_id: str,
    text: str,
    now: datetime,
    *,
    version_at: datetime | None = None,
) -> tuple[GroupContribution, bool]:
    participant, member = _author(session, group, user_id)
    posted_at = ts_to_datetime(ts)
    version_at = version_at or posted_at
    created = insert_or_ignore(
        session,
        GroupContribution,
        {
            "group_id": group.id,
            "user_id": user_id,
            "participant_id": participant.id if participant else None,
            "role": participant.role if participant else None,
            "delegation_id": participant.delegation_id if participant else None,
            "member": member,
            "channel": channel,
            "ts": ts,
            "thread_ts": thread_ts if thread_ts != ts else None,
            "posted_at": posted_at,
            "text": text,
            "version_at": version_at,
            "revisions": 0,
            "status": "active",
            "recorded_at": now,
        },
        ["channel", "ts"],
    )
    contribution = session.exec(
        select(GroupContribution).where(
            GroupContribution.channel == channel, GroupContribution.ts == ts
        )
    ).one()
    if created:
        assert contribution.id is not None
        insert_or_ignore(
            session,
            GroupContributionRevision,
            {
                "contribution_id": contribution.id,
                "version_at": version_at,
                "text": text,
                "recorded_at": now,
            },
            ["contribution_id", "version_at"],
        )
    return contribution, created


def _add_version(
    session: Session,
    contribution: GroupContribution,
    text: str,
    version_at: datetime,
    now: datetime,
) -> bool:
    """Keep a version; make it current only if it is the newest.  True if it was new."""
    added = insert_or_ignore(
        session,
        GroupContributionRevision,
        {
            "contribution_id": contribution.id,
            "version_at": version_at,
            "text": text,
            "recorded_at": now,
        },
        ["contribution_id", "version_at"],
    )
    if not added:
        return False
    # Conditional UPDATEs rather than read-modify-write, so a racing older edit cannot win.
    session.execute(
        update(GroupContribution)
        .where(
            col(GroupContribution.id) == contribution.id,
            col(GroupContribution.version_at) < version_at,
        )
        .values(text=text, version_at=version_at)
    )
    versions = (
        select(func.count())
        .select_from(GroupContributionRevision)
        .where(col(GroupContributionRevision.contribution_id) == contribution.id)
        .scalar_subquery()
    )
    session.execute(
        update(GroupContribution)
        .where(col(GroupContribution.id) == contribution.id)
        .values(revisions=versions - 1)
    )
    session.refresh(contribution)
    return True


def _secretariat(session: Session, group: DraftingGroup) -> tuple[str, ...]:
    return tuple(role_ids(session, meeting_id=group.meeting_id, role="secretariat"))


def _capture(
    outcome: CaptureOutcome,
    contribution: GroupContribution,
    group: DraftingGroup,
    *,
    secretariat: tuple[str, ...] = (),
) -> GroupCapture:
    return GroupCapture(
        outcome,
        contribution.channel,
        contribution.ts,
        contribution.user_id,
        thread_ts=contribution.thread_ts,
        group_name=group.name,
        secretariat=secretariat,
    )
