"""Meetings and their rosters: loading a meeting file into the database, and finding things.

Loading is an in-place update keyed by the meeting's `key`, delegations by name, people by
Slack user id and items by number, so comments always keep pointing at the same rows.  What
disappears from the file is marked inactive, never deleted: the record must stay whole.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from sqlmodel import Session, col, select

from bot.domain.audit import record_audit
from bot.domain.concern_phase import rejudge_item
from bot.parse.meeting_file import MeetingSpec, Person
from models import AgendaItem, Delegation, Document, Meeting, Participant


@dataclass
class LoadResult:
    meeting: Meeting
    created: bool
    unchanged: bool
    changes: list[str] = field(default_factory=list)


def load_meeting(session: Session, *, spec: MeetingSpec, now: datetime) -> LoadResult:
    meeting = session.exec(select(Meeting).where(Meeting.key == spec.key)).first()
    digest = spec.digest()
    if meeting is not None and meeting.source_digest == digest:
        return LoadResult(meeting=meeting, created=False, unchanged=True)

    created = meeting is None
    changes: list[str] = []
    if meeting is None:
        meeting = Meeting(
            key=spec.key,
            title=spec.title,
            channel=spec.channel,
            timezone=spec.timezone,
            created_at=now,
            updated_at=now,
        )
        session.add(meeting)
        session.flush()
        changes.append(f"created meeting {spec.key}")
    calendar = {
        "reminders": ",".join(str(seconds) for seconds in spec.reminders),
        "nudge_seconds": spec.nudge,
        "nudge_observers": spec.nudge_observers,
        "silence_minimum_seconds": spec.silence_minimum,
        "digest_at": spec.digest_at,
        "digest_horizon_seconds": spec.digest_horizon,
        "quiet_digest": spec.quiet_digest,
        "secretariat_channel": spec.secretariat_channel,
    }
    settings = {"title": spec.title, "channel": spec.channel, "timezone": spec.timezone, **calendar}
    if not created:
        for attr, value in settings.items():
            if getattr(meeting, attr) != value:
                changes.append(f"{attr}: {getattr(meeting, attr)} -> {value}")
    for attr, value in settings.items():
        setattr(meeting, attr, value)
    meeting.source_digest = digest
    meeting.updated_at = now
    assert meeting.id is not None
    changes += _sync_delegations_and_people(session, meeting.id, spec)
    changes += _sync_agenda(session, meeting.id, spec)
    record_audit(
        session,
        now=now,
        actor="cli",
        action="load_meeting",
        meeting_id=meeting.id,
        detail="; ".join(changes)[:4000],
    )
    return LoadResult(meeting=meeting, created=created, unchanged=False, changes=changes)


def _sync_delegations_and_people(session: Session, meeting_id: int, spec: MeetingSpec) -> list[str]:
    changes: list[str] = []
    delegations = {
        d.name: d
        for d in session.exec(select(Delegation).where(Delegation.meeting_id == meeting_id))
    }
    wanted: dict[str, tuple[str, int | None, Person]] = {}  # user id -> role, delegation, person
    for person in spec.chair:
        wanted[person.user_id] = ("chair", None, person)
    for person in spec.secretariat:
        wanted[person.user_id] = ("secretariat", None, person)
    for position, dspec in enumerate(spec.delegations):
        delegation = delegations.get(dspec.name)
        if delegation is None:
            delegation = Delegation(meeting_id=meeting_id, name=dspec.name, kind=dspec.kind)
            session.add(delegation)
            delegations[dspec.name] = delegation
            changes.append(f"added delegation {dspec.name}")
        elif (delegation.kind, delegation.active) != (dspec.kind, True):
            changes.append(f"updated delegation {dspec.name}")
        delegation.kind, delegation.position, delegation.active = dspec.kind, position, True
        session.flush()
        for person in dspec.delegates:
            wanted[person.user_id] = (dspec.kind, delegation.id, person)
    names = {d.name for d in spec.delegations}
    for name, delegation in delegations.items():
        if name not in names and delegation.active:
            delegation.active = False
            changes.append(f"retired delegation {name}")

    existing = {
        p.user_id: p
        for p in session.exec(select(Participant).where(Participant.meeting_id == meeting_id))
    }
    for user_id, (role, delegation_id, person) in wanted.items():
        participant = existing.get(user_id)
        if participant is None:
            participant = Participant(meeting_id=meeting_id, user_id=user_id, role=role)
            session.add(participant)
            changes.append(f"added {user_id} as {role}")
        elif (participant.role, participant.delegation_id, participant.active) != (
            role,
            delegation_id,
            True,
        ):
            changes.append(f"updated {user_id}: {role}")
        elif participant.name != person.name:
            changes.append(f"renamed {user_id}: {person.name or 'name from Slack'}")
        participant.role, participant.delegation_id = role, delegation_id
        participant.email, participant.active = person.email, True
        participant.name = person.name
    for user_id, participant in existing.items():
        if user_id not in wanted and participant.active:
            participant.active = False
            changes.append(f"removed {user_id} from the roster (comments kept)")
    return changes


# -- names from Slack ----------------------------------------------------------------------------


def profile_name(user: Mapping[str, Any]) -> str | None:
    """A person's name from Slack's user object (users.info): the profile's real name, else its
    display name, else the user object's own real name; None when Slack gives none."""
    profile = user.get("profile")
    profile = profile if isinstance(profile, Mapping) else {}
    for value in (profile.get("real_name"), profile.get("display_name"), user.get("real_name")):
        if isinstance(value, str) and value.strip():
            return " ".join(value.split())
    return None


def person_name(participant: Participant) -> str | None:
    """How a participant is named: the meeting file's name, else their Slack profile's."""
    return participant.name or participant.profile_name


def profiles_wanted(session: Session, *, meeting_id: int) -> list[str]:
    """The Slack user ids whose profile names a load fetches: the active roster's people the
    meeting file does not name itself."""
    return list(
        session.exec(
            select(Participant.user_id)
            .where(
                Participant.meeting_id == meeting_id,
                col(Participant.active),
                col(Participant.name).is_(None),
            )
            .order_by(col(Participant.id))
        )
    )


def update_names(
    session: Session,
    *,
    meeting_id: int,
    profiles: Mapping[str, str | None],
    channel_name: str | None = None,
    now: datetime,
) -> list[str]:
    """Store the profile names fetched from Slack (user id -> name; None: Slack gave none) and
    the meeting channel's name, when they changed.  Returns what changed, for the caller to
    print; an unchanged name writes nothing.  Not audited: no one acted, Slack's profile moved."""
    changes: list[str] = []
    meeting = session.get(Meeting, meeting_id)
    if meeting is None:
        return changes
    if channel_name and meeting.channel_name != channel_name:
        changes.append(f"channel name: {meeting.channel_name} -> {channel_name}")
        meeting.channel_name = channel_name
    people = session.exec(
        select(Participant).where(
            Participant.meeting_id == meeting_id, col(Participant.user_id).in_(list(profiles))
        )
    )
    for participant in people:
        name = profiles[participant.user_id]
        if name and participant.profile_name != name:
            changes.append(f"name of {participant.user_id} from Slack: {name}")
            participant.profile_name = name
    if changes:
        meeting.updated_at = now
    return changes


def _sync_agenda(session: Session, meeting_id: int, spec: MeetingSpec) -> list[str]:
    changes: list[str] = []
    items = {
        i.number: i
        for i in session.exec(select(AgendaItem).where(AgendaItem.meeting_id == meeting_id))
    }
    for position, ispec in enumerate(spec.agenda):
        item = items.get(ispec.number)
        values: dict[str, Any] = {
            "title": ispec.title,
            "proposal": ispec.proposal,
            "opens_at": ispec.opens_at,
            "deadline_at": ispec.deadline_at,
            "position": position,
            "active": True,
        }
        changed: list[str] = []
        if item is None:
            item = AgendaItem(meeting_id=meeting_id, number=ispec.number, **values)
            session.add(item)
            changes.append(f"added item {ispec.number}")
        else:
            changed = [k for k, v in values.items() if getattr(item, k) != v]
            if changed:
                changes.append(f"updated item {ispec.number}: {', '.join(changed)}")
            for attr, value in values.items():
                setattr(item, attr, value)
        session.flush()
        if "deadline_at" in changed:
            recompute_late(session, item=item)  # lateness follows the deadline in force
        assert item.id is not None
        docs = list(
            session.exec(
                select(Document).where(Document.item_id == item.id).order_by(col(Document.position))
            )
        )
        wanted = [(d.code, d.title, d.url) for d in ispec.documents]
        if [(d.code, d.title, d.url) for d in docs] != wanted:
            for doc in docs:
                session.delete(doc)
            for doc_position, (code, title, url) in enumerate(wanted):
                session.add(
                    Document(
                        item_id=item.id, code=code, title=title, url=url, position=doc_position
                    )
                )
            if item.number in items:
                changes.append(f"updated documents of item {ispec.number}")
    numbers = {i.number for i in spec.agenda}
    for number, item in items.items():
        if number not in numbers and item.active:
            item.active = False
            changes.append(f"retired item {number} (its comments are kept)")
    return changes


def recompute_late(session: Session, *, item: AgendaItem) -> None:
    # Final concerns are late by their window's deadline, not the item's: see concern_phase.
    rejudge_item(session, item=item)


# -- finding things -----------------------------------------------------------------------------


class MeetingNotFound(LookupError):
    """No meeting matches `key` (or, without a key, none or several are loaded).

    `reason` says which; `loaded` holds the keys of the loaded meetings, for the caller to
    suggest (bot/views/notices.py:meeting_not_found_text puts it into words).
    """

    def __init__(
        self,
        reason: Literal["unknown_key", "none_loaded", "several_loaded"],
        *,
        key: str | None = None,
        loaded: tuple[str, ...] = (),
    ) -> None:
        super().__init__(reason, key, loaded)
        self.reason = reason
        self.key = key
        self.loaded = loaded


def find_meeting(session: Session, key: str | None) -> Meeting:
    """The meeting named by `key`, or the only one; MeetingNotFound says why there is none."""
    if key is not None:
        meeting = session.exec(select(Meeting).where(Meeting.key == key)).first()
        if meeting is None:
            raise MeetingNotFound("unknown_key", key=key, loaded=_keys(session))
        return meeting
    meetings = list(session.exec(select(Meeting).order_by(col(Meeting.key))))
    if not meetings:
        raise MeetingNotFound("none_loaded")
    if len(meetings) > 1:
        raise MeetingNotFound("several_loaded", loaded=tuple(m.key for m in meetings))
    return meetings[0]


def _keys(session: Session) -> tuple[str, ...]:
    return tuple(session.exec(select(Meeting.key).order_by(col(Meeting.key))))


def meetings_for_command(session: Session, *, channel: str, user_id: str) -> list[Meeting]:
    """Where a slash command applies: the meeting of its channel, else the user's meetings."""
    here = list(session.exec(select(Meeting).where(Meeting.channel == channel)))
    if here:
        return here
    return list(
        session.exec(
            select(Meeting)
            .join(Participant, col(Participant.meeting_id) == col(Meeting.id))
            .where(Participant.user_id == user_id, col(Participant.active))
            .order_by(col(Meeting.key))
        )
    )


@dataclass(frozen=True)
class NoMeeting:
    """Why a slash command has no one meeting to act on: the channel is no meeting's and the
    user has a role in none (`none`), or in several (`several`, their keys in `keys`)."""

    kind: Literal["none", "several"]
    keys: tuple[str, ...] = ()


def resolve_command_meeting(session: Session, *, channel: str, user_id: str) -> Meeting | NoMeeting:
    """The one meeting a slash command acts on, or why there is none."""
    meetings = meetings_for_command(session, channel=channel, user_id=user_id)
    if not meetings:
        return NoMeeting("none")
    if len(meetings) > 1:
        return NoMeeting("several", tuple(m.key for m in meetings))
    return meetings[0]


def find_participant(session: Session, *, meeting_id: int, user_id: str) -> Participant | None:
    return session.exec(
        select(Participant).where(
            Participant.meeting_id == meeting_id,
            Participant.user_id == user_id,
            col(Participant.active),
        )
    ).first()


def find_item(session: Session, *, meeting_id: int, number: int) -> AgendaItem | None:
    return session.exec(
        select(AgendaItem).where(
            AgendaItem.meeting_id == meeting_id, AgendaItem.number == number, col(AgendaItem.active)
        )
    ).first()


def list_items(session: Session, *, meeting_id: int) -> list[AgendaItem]:
    return list(
        session.exec(
            select(AgendaItem)
            .where(AgendaItem.meeting_id == meeting_id, col(AgendaItem.active))
            .order_by(col(AgendaItem.position), col(AgendaItem.number))
        )
    )


def item_documents(session: Session, *, item_id: int) -> list[Document]:
    return list(
        session.exec(
            select(Document).where(Document.item_id == item_id).order_by(col(Document.position))
        )
    )


def role_ids(session: Session, *, meeting_id: int, role: str) -> list[str]:
    """Slack user ids of the active participants with `role` (chair, secretariat, ...)."""
    return list(
        session.exec(
            select(Participant.user_id).where(
                Participant.meeting_id == meeting_id,
                Participant.role == role,
                col(Participant.active),
            )
        )
    )
