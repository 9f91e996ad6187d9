"""The drafting groups in the summary record: each group, its members and what they wrote.

Plain data, like bot/summary.py (which adds it to the record), read in three queries whatever the
number of groups or messages.  A group's messages are given in conversation order: each thread
after the message it answers, top-level messages by time.
"""

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from bot.core.clock import ts_to_datetime
from bot.domain.attribution import attribution
from bot.domain.record_rows import readable_text
from models import (
    AgendaItem,
    Delegation,
    DraftingGroup,
    DraftingGroupMember,
    GroupContribution,
    Participant,
)


@dataclass(frozen=True)
class GroupMemberEntry:
    user: str
    delegation: str  # the delegation's name, or "Chair" / "Secretariat"
    kind: str  # member | observer | chair | secretariat
    name: str = ""  # the person's name; "": none known (shown by user id)


@dataclass(frozen=True)
class ContributionEntry:
    contribution_id: str  # stable: "<channel>-<ts>"
    user: str
    delegation: str  # "" for someone not on the roster
    kind: str  # member | observer | chair | secretariat, or "not registered"
    posted_at: datetime  # aware UTC, from the message's own ts
    in_thread: bool  # a reply in a thread of the group's channel
    status: str  # active | withdrawn
    member: bool  # false: not a member of the group, kept apart
    text: str  # the latest text, Slack's markup as readable text (record_rows.readable_text)
    revisions: int
    author: str = ""  # the person's name; "": none known (shown by user id)


@dataclass(frozen=True)
class GroupEntry:
    name: str
    item: int | None  # the agenda item's number, or None for a free topic
    item_title: str
    topic: str
    purpose: str
    channel: str | None
    channel_name: str | None
    created_by: str
    created_at: datetime
    members: list[GroupMemberEntry]
    contributions: list[ContributionEntry]  # the members' (and secretariat's), in order
    kept_apart: list[ContributionEntry]  # from anyone else, in order


def group_entries(
    session: Session,
    *,
    meeting_id: int,
    names: Mapping[str, str] | None = None,
    channels: Mapping[str, str] | None = None,
) -> list[GroupEntry]:
    """The meeting's drafting groups; `names` (Slack user id -> name) names the people who
    wrote and those their text mentions, `channels` (id -> name) the channels it links."""
    names = names or {}
    groups = list(
        session.exec(
            select(DraftingGroup, AgendaItem)
            .join(AgendaItem, col(AgendaItem.id) == col(DraftingGroup.item_id), isouter=True)
            .where(DraftingGroup.meeting_id == meeting_id)
            .order_by(col(DraftingGroup.created_at), col(DraftingGroup.id))
        )
    )
    ids = [group.id for group, _ in groups]
    members: dict[int, list[GroupMemberEntry]] = defaultdict(list)
    for member, participant, delegation in session.exec(
        select(DraftingGroupMember, Participant, Delegation)
        .join(Participant, col(Participant.id) == col(DraftingGroupMember.participant_id))
        .join(Delegation, col(Delegation.id) == col(Participant.delegation_id), isouter=True)
        .where(col(DraftingGroupMember.group_id).in_(ids))
        .order_by(col(DraftingGroupMember.group_id), col(DraftingGroupMember.position))
    ):
        name, kind = attribution(participant.role, delegation)
        members[member.group_id].append(
            GroupMemberEntry(member.user_id, name, kind, names.get(member.user_id, ""))
        )
    written: dict[int, list[ContributionEntry]] = defaultdict(list)
    rows = session.exec(
        select(GroupContribution, Delegation)
        .join(Delegation, col(Delegation.id) == col(GroupContribution.delegation_id), isouter=True)
        .where(col(GroupContribution.group_id).in_(ids))
    )
    ordered = sorted(rows, key=lambda r: (_conversation_key(r[0]), r[0].id or 0))
    for contribution, delegation in ordered:
        if contribution.role is None:
            name, kind = "", "not registered"
        else:
            name, kind = attribution(contribution.role, delegation)
        written[contribution.group_id].append(
            ContributionEntry(
                contribution_id=f"{contribution.channel}-{contribution.ts}",
                user=contribution.user_id,
                delegation=name,
                kind=kind,
                posted_at=contribution.posted_at,
                in_thread=contribution.thread_ts is not None,
                status=contribution.status,
                member=contribution.member,
                text=readable_text(contribution.text, names, channels),
                revisions=contribution.revisions,
                author=names.get(contribution.user_id, ""),
            )
        )
    entries = []
    for group, item in groups:
        assert group.id is not None
        everything = written.get(group.id, [])
        entries.append(
            GroupEntry(
                name=group.name,
                item=item.number if item is not None else None,
                item_title=item.title if item is not None else "",
                topic=group.topic,
                purpose=group.purpose,
                channel=group.channel,
                channel_name=group.channel_name,
                created_by=group.created_by,
                created_at=group.created_at,
                members=members.get(group.id, []),
                contributions=[c for c in everything if c.member],
                kept_apart=[c for c in everything if not c.member],
            )
        )
    return entries


def _conversation_key(contribution: GroupContribution) -> tuple[datetime, datetime]:
    """A thread's replies follow the message they answer (a Slack ts is its time)."""
    root = contribution.thread_ts or contribution.ts
    return ts_to_datetime(root), contribution.posted_at
