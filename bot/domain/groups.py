"""Drafting mini-groups: the secretariat sets up a group of named members for an agenda item or a
free topic; the bot creates a private channel, invites them, welcomes them there and links the
channel from the item's thread.

Two halves, as everywhere in Docket.  `create_group` (here) runs inside the acknowledgement (the
slash command's or the modal's): it checks everything, then writes the group and its members, or
nothing.  `bot.clock.groups.set_up_group` runs after it and makes the Web API calls, from the
plan `set_up_plan` reads here, and reports what it did as a `SetUpReport`.

This module holds the rules and the data; bot/views/groups.py says them.  The messages written
in the group's channel are recorded by `bot/domain/group_capture.py`.
"""

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlmodel import Session, col, select

from bot.core.db import insert_or_ignore
from bot.domain.audit import record_audit
from bot.domain.meetings import find_item, list_items
from bot.domain.permissions import Permission, Refusal, require
from bot.parse.group import GroupRequest
from models import (
    AgendaItem,
    Delegation,
    DraftingGroup,
    DraftingGroupMember,
    Meeting,
    Participant,
)

ACTION = "group"  # the audit log's action, as for the other secretariat commands
NAME_LIMIT = 80  # characters of a group's name
TOPIC_LIMIT = NAME_LIMIT * 2
PURPOSE_LIMIT = 1000
CHANNEL_LIMIT = 80  # Slack's limit on a channel name

# -- creating a group (inside the acknowledgement) ----------------------------------------------

# The form's fields, which are also its block ids: a problem is shown under its field.
GroupField = Literal["name", "item", "topic", "members", "purpose"]
ProblemCode = Literal[
    "name_missing",
    "name_too_long",
    "name_taken",  # `existing` is the group that has it
    "no_such_item",  # `item_number` is the one asked for
    "topic_missing",
    "topic_too_long",
    "purpose_too_long",
    "no_members",
    "not_on_roster",  # `users` are those not on it
]


@dataclass(frozen=True)
class GroupProblem:
    """One thing wrong with a request, under the field it is about."""

    field: GroupField
    code: ProblemCode
    item_number: int | None = None
    users: tuple[str, ...] = ()
    existing: DraftingGroup | None = None


@dataclass(frozen=True)
class GroupOutcome:
    """What `create_group` did.

    created: the group and its members are written; `members` are those named (the convener is
    invited too), `item` the item it works on.  resumed: a group of that name whose set-up never
    finished, to be finished.  invalid: nothing written, `problems` in the order they are told.
    refused: not the secretariat (already audited).
    """

    outcome: Literal["created", "resumed", "invalid", "refused"]
    group: DraftingGroup | None = None
    item: AgendaItem | None = None
    members: tuple[str, ...] = ()
    problems: tuple[GroupProblem, ...] = ()
    refusal: Refusal | None = None


def create_group(
    session: Session, *, meeting: Meeting, user_id: str, request: GroupRequest, now: datetime
) -> GroupOutcome:
    """Write the group and its members, or nothing: the secretariat only, everything checked.

    Asking again for a group whose set-up never finished (Slack refused, or a worker died)
    resumes that set-up rather than refusing the name.
    """
    assert meeting.id is not None
    refusal = require(
        session,
        meeting=meeting,
        user_id=user_id,
        permission=Permission.MANAGE,
        action=ACTION,
        now=now,
        detail="not secretariat",
    )
    if refusal is not None:
        return GroupOutcome("refused", refusal=refusal)
    problems: list[GroupProblem] = []
    name = " ".join(request.name.split())
    if not name:
        problems.append(GroupProblem("name", "name_missing"))
    elif len(name) > NAME_LIMIT:
        problems.append(GroupProblem("name", "name_too_long"))
    item: AgendaItem | None = None
    if request.item_number is not None:
        item = find_item(session, meeting_id=meeting.id, number=request.item_number)
        if item is None:
            problems.append(GroupProblem("item", "no_such_item", item_number=request.item_number))
    topic = " ".join(request.topic.split())
    if request.item_number is None and not topic:
        problems.append(GroupProblem("topic", "topic_missing"))
    elif len(topic) > TOPIC_LIMIT:
        problems.append(GroupProblem("topic", "topic_too_long"))
    purpose = request.purpose.strip()
    if len(purpose) > PURPOSE_LIMIT:
        problems.append(GroupProblem("purpose", "purpose_too_long"))
    members = list(dict.fromkeys(request.members))
    found = _participants(session, meeting_id=meeting.id, user_ids=[*members, user_id])
    if not members:
        problems.append(GroupProblem("members", "no_members"))
    elif unknown := [m for m in members if m not in found]:
        problems.append(GroupProblem("members", "not_on_roster", users=tuple(unknown)))
    slug = group_slug(name) if name else ""
    existing = _group_by_slug(session, meeting_id=meeting.id, slug=slug) if slug else None
    if existing is not None and all(p.field != "name" for p in problems):
        if existing.set_up_at is None:
            return GroupOutcome("resumed", existing)
        problems.append(GroupProblem("name", "name_taken", existing=existing))
    if problems:
        return GroupOutcome("invalid", problems=tuple(problems))

    inserted = insert_or_ignore(
        session,
        DraftingGroup,
        {
            "meeting_id": meeting.id,
            "item_id": item.id if item is not None else None,
            "topic": topic,
            "name": name,
            "slug": slug,
            "purpose": purpose,
            "created_by": user_id,
            "created_at": now,
            "note": "",
        },
        ["meeting_id", "slug"],
    )
    group = _group_by_slug(session, meeting_id=meeting.id, slug=slug)
    assert group is not None and group.id is not None
    if not inserted:  # the same group submitted twice at once: the other request made it
        return GroupOutcome("resumed", group)
    # The convener (the secretariat member setting it up) is invited too, last.
    for position, member in enumerate(dict.fromkeys([*members, user_id])):
        participant = found[member]
        session.add(
            DraftingGroupMember(
                group_id=group.id,
                participant_id=participant.id or 0,
                user_id=member,
                position=position,
            )
        )
    about = f"item {item.number}" if item is not None else f"topic “{topic}”"
    record_audit(
        session,
        now=now,
        actor=user_id,
        action=ACTION,
        meeting_id=meeting.id,
        detail=f"group {group.id} “{name}” on {about}: " + ", ".join(members),
    )
    session.flush()
    return GroupOutcome("created", group, item=item, members=tuple(members))


def _participants(
    session: Session, *, meeting_id: int, user_ids: list[str]
) -> dict[str, Participant]:
    rows = session.exec(
        select(Participant).where(
            Participant.meeting_id == meeting_id,
            col(Participant.user_id).in_(user_ids),
            col(Participant.active),
        )
    )
    return {p.user_id: p for p in rows}


def _group_by_slug(session: Session, *, meeting_id: int, slug: str) -> DraftingGroup | None:
    return session.exec(
        select(DraftingGroup).where(
            DraftingGroup.meeting_id == meeting_id, DraftingGroup.slug == slug
        )
    ).first()


def group_slug(name: str) -> str:
    """The name folded to what a channel name may hold (ASCII letters, digits, hyphens).

    A name with nothing foldable (e.g. only CJK characters) gets a stable stem from its hash.
    """
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    slug = re.sub(r"[^a-z0-9]+", "-", folded).strip("-")
    if slug:
        return slug
    return "group-" + hashlib.sha256(name.casefold().encode()).hexdigest()[:8]


def channel_name(meeting_key: str, slug: str, attempt: int = 1) -> str:
    """`ptc-2020-rules-of-procedure`, then `…-2`, `…-3` after a clash: the meeting's key first,
    so the workspace sees which meeting a private channel belongs to."""
    prefix = group_slug(meeting_key)
    suffix = "" if attempt == 1 else f"-{attempt}"
    stem = f"{prefix}-{slug}" if not prefix.startswith("group-") else slug
    return stem[: CHANNEL_LIMIT - len(suffix)].rstrip("-") + suffix


# -- what the set-up needs, and what it reports ---------------------------------------------------

MemberRow = tuple[DraftingGroupMember, Participant, Delegation | None]


@dataclass(frozen=True)
class GroupPlan:
    """A group to set up, with its meeting, item and members (in the order they are invited)."""

    group: DraftingGroup
    meeting: Meeting
    item: AgendaItem | None
    members: list[MemberRow]


@dataclass(frozen=True)
class LinkTarget:
    """Where the link to the group's channel goes: the item's thread when the item is posted
    (`item_number` set), else the meeting channel (`thread_ts` and `item_number` None)."""

    channel: str
    thread_ts: str | None
    item_number: int | None


def set_up_plan(session: Session, group_id: int) -> GroupPlan | None:
    group = session.get(DraftingGroup, group_id)
    if group is None:
        return None
    meeting = session.get(Meeting, group.meeting_id)
    assert meeting is not None
    item = session.get(AgendaItem, group.item_id) if group.item_id is not None else None
    rows = session.exec(
        select(DraftingGroupMember, Participant, Delegation)
        .join(Participant, col(Participant.id) == col(DraftingGroupMember.participant_id))
        .join(Delegation, col(Delegation.id) == col(Participant.delegation_id), isouter=True)
        .where(DraftingGroupMember.group_id == group_id)
        .order_by(col(DraftingGroupMember.position))
    )
    members: list[MemberRow] = [(m, p, d) for m, p, d in rows]
    return GroupPlan(group, meeting, item, members)


def link_target(plan: GroupPlan) -> LinkTarget:
    """The item's thread when the item is posted; else the meeting channel."""
    item = plan.item
    if item is not None and item.post_channel and item.post_ts:
        return LinkTarget(item.post_channel, item.post_ts, item.number)
    return LinkTarget(plan.meeting.channel, None, None)


# The set-up's steps, in order; a failed one is named in the report and the group's note.
SetUpStep = Literal["create_channel", "invite", "welcome", "link"]


@dataclass(frozen=True)
class SetUpReport:
    """What the set-up did, for the private report to the convener.

    done: every step ran (`not_invited` lists the invitations Slack refused, with its error).
    busy: finished already, or another worker holds it.  failed: `failed_step` with Slack's
    `slack_error`; the next `/group` resumes.  missing: no such group.
    """

    outcome: Literal["done", "busy", "failed", "missing"]
    group_id: int
    name: str = ""
    creator: str = ""
    channel: str | None = None
    invited: tuple[str, ...] = ()
    not_invited: tuple[tuple[str, str], ...] = ()  # (user, Slack's error)
    linked_item: int | None = None  # done: the item whose thread links it; None: the channel
    failed_step: SetUpStep | None = None
    slack_error: str = ""


# -- finding groups -----------------------------------------------------------------------------


def meeting_groups(
    session: Session, *, meeting_id: int
) -> list[tuple[DraftingGroup, AgendaItem | None]]:
    rows = session.exec(
        select(DraftingGroup, AgendaItem)
        .join(AgendaItem, col(AgendaItem.id) == col(DraftingGroup.item_id), isouter=True)
        .where(DraftingGroup.meeting_id == meeting_id)
        .order_by(col(DraftingGroup.created_at), col(DraftingGroup.id))
    )
    return [(g, i) for g, i in rows]


def group_of_channel(session: Session, *, channel: str) -> DraftingGroup | None:
    if not channel:
        return None
    return session.exec(select(DraftingGroup).where(DraftingGroup.channel == channel)).first()


# -- the command as a whole ---------------------------------------------------------------------


@dataclass(frozen=True)
class GroupCommand:
    """What `/group` comes to.

    form: open the form (`items` to choose from, `request.item_number` prefilled).  list: the
    meeting's `groups`.  help: the usage (`request.error` says what could not be read).
    no_such_item: `/group N` for an item the meeting lacks.  refused: not the secretariat.
    create: `created` says what became of the one-line request.
    """

    outcome: Literal["form", "list", "help", "no_such_item", "refused", "create"]
    request: GroupRequest
    refusal: Refusal | None = None
    items: tuple[AgendaItem, ...] = ()
    groups: tuple[tuple[DraftingGroup, AgendaItem | None], ...] = ()
    created: GroupOutcome | None = None

    @property
    def set_up(self) -> int | None:
        """The group whose channel to set up after the acknowledgement, if any."""
        created = self.created
        if created is None or created.outcome not in ("created", "resumed"):
            return None
        return created.group.id if created.group is not None else None


def group_command(
    session: Session, *, meeting: Meeting, user_id: str, request: GroupRequest, now: datetime
) -> GroupCommand:
    """Every form of `/group`, the secretariat's only: anyone else is refused and audited."""
    assert meeting.id is not None
    if request.action != "create":
        refusal = require(
            session,
            meeting=meeting,
            user_id=user_id,
            permission=Permission.MANAGE,
            action=ACTION,
            now=now,
            detail="not secretariat",
        )
        if refusal is not None:
            return GroupCommand("refused", request, refusal=refusal)
    if request.action == "form":
        items = list_items(session, meeting_id=meeting.id)
        if request.item_number is not None and all(i.number != request.item_number for i in items):
            return GroupCommand("no_such_item", request)
        return GroupCommand("form", request, items=tuple(items))
    if request.action == "list":
        groups = meeting_groups(session, meeting_id=meeting.id)
        return GroupCommand("list", request, groups=tuple(groups))
    if request.action == "help":
        return GroupCommand("help", request)
    outcome = create_group(session, meeting=meeting, user_id=user_id, request=request, now=now)
    return GroupCommand("create", request, created=outcome)
