"""Meetings and their rosters: loading a meeting file into the database, and finding things.

Loading is an in-place update keyed by the meeting's `key`, delegations by name, people by
Slack user id and items by number, so comments always keep pointing at the same rows.  What
disappears from the file is marked inactive, never deleted: the record must stay whole.  People
and delegations that came from elsewhere (a roster spreadsheet, a request to join approved in
Slack) stay when the file does not name them; when it does, the file wins.  Entries whose
e-mail Slack does not know are kept pending (`PendingPerson`) until a load finds them.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from sqlmodel import Session, col, select

from bot.domain.audit import record_audit
from bot.domain.concern_phase import rejudge_item
from bot.domain.languages import encode_translations, meeting_languages, reader_language
from bot.parse.meeting_file import MeetingSpec, Person
from models import AgendaItem, Delegation, Document, Meeting, Participant, PendingPerson

# Where a roster entry came from when it is not the meeting file: kept when the file is silent.
KEPT_SOURCES = ("roster", "enrolled")


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
    settings = {
        "title": spec.title,
        "channel": spec.channel,
        "timezone": spec.timezone,
        "languages": ",".join(spec.languages),
        "translations": encode_translations(spec.translations),
        **calendar,
    }
    if not created:
        for attr, value in settings.items():
            if getattr(meeting, attr) == value:
                pass
            elif attr == "translations":
                changes.append("translations of the title changed")
            else:
                changes.append(f"{attr}: {getattr(meeting, attr)} -> {value}")
    for attr, value in settings.items():
        setattr(meeting, attr, value)
    meeting.source_digest = digest
    meeting.updated_at = now
    assert meeting.id is not None
    changes += _sync_delegations_and_people(session, meeting.id, spec)
    changes += _sync_pending(session, meeting.id, spec, now)
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
    # user id -> role, delegation, person, language (the delegate's, else the delegation's)
    wanted: dict[str, tuple[str, int | None, Person, str | None]] = {}
    for person in spec.chair:
        wanted[person.user_id] = ("chair", None, person, person.language)
    for person in spec.secretariat:
        wanted[person.user_id] = ("secretariat", None, person, person.language)
    for position, dspec in enumerate(spec.delegations):
        delegation = delegations.get(dspec.name)
        if delegation is None:
            delegation = Delegation(meeting_id=meeting_id, name=dspec.name, kind=dspec.kind)
            session.add(delegation)
            delegations[dspec.name] = delegation
            changes.append(f"added delegation {dspec.name}")
        elif (delegation.kind, delegation.active, delegation.source) != (dspec.kind, True, "file"):
            changes.append(f"updated delegation {dspec.name}")
        elif delegation.language != dspec.language:
            changes.append(f"language of delegation {dspec.name}: {dspec.language or 'none'}")
        delegation.kind, delegation.position, delegation.active = dspec.kind, position, True
        delegation.language, delegation.source = dspec.language, "file"
        session.flush()
        for person in dspec.delegates:
            language = person.language or dspec.language
            wanted[person.user_id] = (dspec.kind, delegation.id, person, language)
    names = {d.name for d in spec.delegations}
    for name, delegation in delegations.items():
        if name not in names and delegation.active and delegation.source not in KEPT_SOURCES:
            delegation.active = False
            changes.append(f"retired delegation {name}")

    existing = {
        p.user_id: p
        for p in session.exec(select(Participant).where(Participant.meeting_id == meeting_id))
    }
    for user_id, (role, delegation_id, person, language) in wanted.items():
        participant = existing.get(user_id)
        if participant is None:
            participant = Participant(meeting_id=meeting_id, user_id=user_id, role=role)
            session.add(participant)
            changes.append(f"added {user_id} as {role}")
        elif (
            participant.role,
            participant.delegation_id,
            participant.active,
            participant.source,
        ) != (role, delegation_id, True, "file"):
            changes.append(f"updated {user_id}: {role}")
        elif participant.name != person.name:
            changes.append(f"renamed {user_id}: {person.name or 'name from Slack'}")
        elif participant.language != language:
            changes.append(f"language of {user_id}: {language or 'from Slack'}")
        participant.role, participant.delegation_id = role, delegation_id
        participant.email, participant.active = person.email, True
        participant.name, participant.language, participant.source = person.name, language, "file"
    for user_id, participant in existing.items():
        kept = participant.source in KEPT_SOURCES  # not the file's: the file does not retire it
        if user_id not in wanted and participant.active and not kept:
            participant.active = False
            changes.append(f"removed {user_id} from the roster (comments kept)")
    return changes


def _sync_pending(session: Session, meeting_id: int, spec: MeetingSpec, now: datetime) -> list[str]:
    """The entries no Slack user was found for, kept pending; one a load now finds is marked
    matched (its person is on the roster), one the file no longer names is made inactive.  An
    entry already matched (by a request to join) stays as it is."""
    changes: list[str] = []
    rows = {
        p.email: p
        for p in session.exec(select(PendingPerson).where(PendingPerson.meeting_id == meeting_id))
    }
    delegation_ids = {
        d.name: d.id
        for d in session.exec(select(Delegation).where(Delegation.meeting_id == meeting_id))
    }
    found = {
        person.email: person.user_id
        for person in (
            *spec.chair,
            *spec.secretariat,
            *(p for d in spec.delegations for p in d.delegates),
        )
        if person.email
    }
    for entry in spec.pending:
        row = rows.get(entry.email)
        if row is not None and row.matched_user_id is not None:
            continue  # matched already: that person is on the roster
        if row is None:
            row = PendingPerson(
                meeting_id=meeting_id, email=entry.email, role=entry.role, created_at=now
            )
            session.add(row)
            rows[entry.email] = row
            changes.append(f"pending {entry.email}: no Slack user has this e-mail yet")
        elif not row.active:
            changes.append(f"pending again {entry.email}")
        row.name, row.role, row.language, row.active = entry.name, entry.role, entry.language, True
        row.delegation_id = delegation_ids.get(entry.delegation) if entry.delegation else None
        row.source = "file"
    named = {entry.email for entry in spec.pending}
    for email, row in rows.items():
        if email in named or not row.active:
            continue
        if row.source != "file" and email not in found:
            continue  # a roster spreadsheet's entry: the file does not speak for it
        row.active = False
        if email in found:
            row.matched_user_id = found[email]
            changes.append(f"matched pending {email}: {found[email]}")
        else:
            changes.append(f"dropped pending {email} (no longer in the file)")
    return changes


def pending_people(session: Session, *, meeting_id: int) -> list[PendingPerson]:
    """The entries still waiting for a Slack user (active, not matched), in the file's order."""
    return list(
        session.exec(
            select(PendingPerson)
            .where(
                PendingPerson.meeting_id == meeting_id,
                col(PendingPerson.active),
                col(PendingPerson.matched_user_id).is_(None),
            )
            .order_by(col(PendingPerson.id))
        )
    )


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


def people_wanted(session: Session, *, meeting_id: int) -> list[str]:
    """The Slack user ids a load asks users.info about (once each): the whole active roster,
    for everyone's locale; their profile names only for `profiles_wanted`."""
    return list(
        session.exec(
            select(Participant.user_id)
            .where(Participant.meeting_id == meeting_id, col(Participant.active))
            .order_by(col(Participant.id))
        )
    )


def update_locales(
    session: Session, *, meeting_id: int, locales: Mapping[str, str | None], now: datetime
) -> list[str]:
    """Store each person's Slack locale (users.info include_locale, read at load; user id ->
    locale, None: Slack gave none), when it changed.  Returns what changed.  Not audited."""
    changes: list[str] = []
    people = session.exec(
        select(Participant).where(
            Participant.meeting_id == meeting_id, col(Participant.user_id).in_(list(locales))
        )
    )
    for participant in people:
        locale = locales[participant.user_id]
        if locale and participant.locale != locale:
            changes.append(f"locale of {participant.user_id} from Slack: {locale}")
            participant.locale = locale
    return changes


def language_counts(session: Session, *, meeting_id: int) -> dict[str, int]:
    """How many people of the active roster read each of the meeting's languages."""
    meeting = session.get(Meeting, meeting_id)
    if meeting is None:
        return {}
    languages = meeting_languages(meeting)
    counts = dict.fromkeys(languages, 0)
    for participant in session.exec(
        select(Participant).where(Participant.meeting_id == meeting_id, col(Participant.active))
    ):
        language = reader_language(
            languages, explicit=participant.language, locale=participant.locale
        )
        counts[language] += 1
    return counts


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
            "translations": encode_translations(ispec.translations),
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
        wanted = [
            (d.code, d.title, d.url, encode_translations(d.translations)) for d in ispec.documents
        ]
        if [(d.code, d.title, d.url, d.translations) for d in docs] != wanted:
            for doc in docs:
                session.delete(doc)
            for doc_position, (code, title, url, translations) in enumerate(wanted):
                session.add(
                    Document(
                        item_id=item.id,
                        code=code,
                        title=title,
                        url=url,
                        translations=translations,
                        position=doc_position,
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
