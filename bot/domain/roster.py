"""A meeting's roster from a spreadsheet (`python -m bot roster import|export`).

The file's rows (bot/parse/roster.py, validated and resolved) replace the meeting's roster of
delegations and people, as a reload of the meeting file does (bot/domain/meetings.py): in
place, delegations keyed by name, people by Slack user id, pending people (an e-mail Slack did
not find) by e-mail.  Nothing is deleted: what the file no longer lists is retired (`active`
False) and its comments stay.  What the import adds or changes gets the source "roster"; a row
the file leaves as it was keeps its source, so importing the roster just exported changes
nothing at all.

`plan_roster` says what an import would change and writes nothing (`--dry-run`);
`import_roster` makes those changes and writes one audit entry, and nothing when there are none.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, cast

from sqlmodel import Session, col, select

from bot.domain.audit import record_audit
from bot.domain.meetings import pending_people, person_name
from bot.parse.roster import RosterRow
from models import Delegation, Meeting, Participant, PendingPerson, Role

# "matched": a pending person (an e-mail Slack did not find) the file now gives a Slack user id
# for; they are on the roster by that id from now on, as when a load or a request matches them.
ChangeKind = Literal["added", "changed", "retired", "matched"]
# What may change on a person: their kind (role), delegation, name, language, e-mail; on a
# delegation: its kind, or how its name is written.
PersonField = Literal["kind", "delegation", "name", "language", "email"]
DelegationField = Literal["kind", "name"]


@dataclass(frozen=True)
class DelegationChange:
    change: ChangeKind
    name: str  # as the file writes it (retired: as stored)
    kind: str
    fields: tuple[DelegationField, ...] = ()  # what changed, for "changed"


@dataclass(frozen=True)
class PersonChange:
    change: ChangeKind
    user_id: str | None  # None: a pending person, known by e-mail only
    email: str | None
    name: str | None
    role: str
    delegation: str | None  # its name; None for the chair and the secretariat
    fields: tuple[PersonField, ...] = ()  # what changed, for "changed"

    @property
    def pending(self) -> bool:
        return self.user_id is None


@dataclass(frozen=True)
class RosterDiff:
    """What an import changes: delegations and people (pending people among them) added,
    changed, retired, and whether the delegations' order changes."""

    delegations: tuple[DelegationChange, ...]
    people: tuple[PersonChange, ...]
    reordered: bool

    @property
    def unchanged(self) -> bool:
        return not (self.delegations or self.people or self.reordered)

    def count(self, what: Literal["delegations", "people"], change: ChangeKind) -> int:
        changes: Sequence[DelegationChange | PersonChange] = getattr(self, what)
        return sum(1 for c in changes if c.change == change)


# -- the plan ----------------------------------------------------------------------------------


class _Plan:
    """The meeting's roster now, and what the file wants it to be."""

    def __init__(self, session: Session, meeting_id: int, rows: Sequence[RosterRow]) -> None:
        self.session = session
        self.meeting_id = meeting_id
        self.rows = rows
        stored = list(
            session.exec(
                select(Delegation)
                .where(Delegation.meeting_id == meeting_id)
                .order_by(col(Delegation.position), col(Delegation.id))
            )
        )
        self.stored_delegations = stored
        self.delegation_by_id = {d.id: d for d in stored}
        by_name = {d.name: d for d in stored}
        by_folded: dict[str, list[Delegation]] = {}
        for delegation in stored:
            by_folded.setdefault(delegation.name.casefold(), []).append(delegation)

        # The file's delegations in the order it first names them, matched to stored ones by
        # name, else by the name written in another case (a new spelling of the same one).
        self.wanted: list[tuple[str, str, Delegation | None]] = []  # name, kind, stored
        seen: set[str] = set()
        for row in rows:
            if row.delegation is None or row.delegation in seen:
                continue
            seen.add(row.delegation)
            match = by_name.get(row.delegation)
            if match is None:
                folded = by_folded.get(row.delegation.casefold(), [])
                match = folded[0] if len(folded) == 1 else None
            self.wanted.append((row.delegation, row.kind, match))

        self.participants = {
            p.user_id: p
            for p in session.exec(select(Participant).where(Participant.meeting_id == meeting_id))
        }
        self.pending = {
            p.email: p
            for p in session.exec(
                select(PendingPerson).where(PendingPerson.meeting_id == meeting_id)
            )
        }

    def diff(self) -> RosterDiff:
        delegations: list[DelegationChange] = []
        matched = {stored.id for _, _, stored in self.wanted if stored is not None}
        for name, kind, stored in self.wanted:
            if stored is None:
                delegations.append(DelegationChange("added", name, kind))
                continue
            if not stored.active:
                delegations.append(DelegationChange("added", name, kind))
                continue
            fields: list[DelegationField] = []
            if stored.kind != kind:
                fields.append("kind")
            if stored.name != name:
                fields.append("name")
            if fields:
                delegations.append(DelegationChange("changed", name, kind, tuple(fields)))
        for delegation in self.stored_delegations:
            if delegation.active and delegation.id not in matched:
                delegations.append(DelegationChange("retired", delegation.name, delegation.kind))

        before = [d.id for d in self.stored_delegations if d.active and d.id in matched]
        after = [s.id for _, _, s in self.wanted if s is not None and s.active]
        reordered = before != after

        people: list[PersonChange] = []
        wanted_ids: set[str] = set()
        wanted_emails: set[str] = set()
        found: dict[str, str] = {}  # e-mail -> user id, for the rows that give both
        for row in self.rows:
            if not row.person:
                continue
            if row.slack_id is not None:
                wanted_ids.add(row.slack_id)
                if row.email is not None:
                    found[row.email] = row.slack_id
                people.extend(self._person_change(row))
            else:
                assert row.email is not None
                wanted_emails.add(row.email)
                people.extend(self._pending_change(row))
        for user_id, participant in self.participants.items():
            if participant.active and user_id not in wanted_ids:
                people.append(
                    PersonChange(
                        "retired",
                        user_id,
                        participant.email,
                        person_name(participant),
                        participant.role,
                        self._delegation_name(participant.delegation_id),
                    )
                )
        for email, pending in self.pending.items():
            if pending.active and pending.matched_user_id is None and email not in wanted_emails:
                people.append(
                    PersonChange(
                        "matched" if email in found else "retired",
                        found.get(email),
                        email,
                        pending.name,
                        pending.role,
                        self._delegation_name(pending.delegation_id),
                    )
                )
        return RosterDiff(tuple(delegations), tuple(people), reordered)

    def _delegation_name(self, delegation_id: int | None) -> str | None:
        delegation = self.delegation_by_id.get(delegation_id)
        return delegation.name if delegation is not None else None

    def _stored_delegation_of(self, row: RosterRow) -> Delegation | None:
        for name, _, stored in self.wanted:
            if name == row.delegation:
                return stored
        return None

    def _person_change(self, row: RosterRow) -> list[PersonChange]:
        assert row.slack_id is not None
        participant = self.participants.get(row.slack_id)
        change = PersonChange("added", row.slack_id, row.email, row.name, row.kind, row.delegation)
        if participant is None or not participant.active:
            return [change]
        fields: list[PersonField] = []
        if participant.role != row.kind:
            fields.append("kind")
        stored = self._stored_delegation_of(row)
        if participant.delegation_id != (stored.id if stored is not None else None) or (
            row.delegation is not None and stored is None
        ):
            fields.append("delegation")
        if not _same_name(participant, row.name):
            fields.append("name")
        if participant.language != row.language:
            fields.append("language")
        if participant.email != row.email:
            fields.append("email")
        if not fields:
            return []
        return [
            PersonChange(
                "changed",
                row.slack_id,
                row.email,
                row.name,
                row.kind,
                row.delegation,
                tuple(fields),
            )
        ]

    def _pending_change(self, row: RosterRow) -> list[PersonChange]:
        assert row.email is not None
        pending = self.pending.get(row.email)
        change = PersonChange("added", None, row.email, row.name, row.kind, row.delegation)
        if pending is not None and pending.matched_user_id is not None:
            # known_emails gives the caller their user id: the row is not pending
            raise ValueError(f"{row.email} is matched to {pending.matched_user_id}: not pending")
        if pending is None or not pending.active:
            return [change]
        fields: list[PersonField] = []
        if pending.role != row.kind:
            fields.append("kind")
        stored = self._stored_delegation_of(row)
        if pending.delegation_id != (stored.id if stored is not None else None) or (
            row.delegation is not None and stored is None
        ):
            fields.append("delegation")
        if pending.name != row.name:
            fields.append("name")
        if pending.language != row.language:
            fields.append("language")
        if not fields:
            return []
        return [
            PersonChange(
                "changed", None, row.email, row.name, row.kind, row.delegation, tuple(fields)
            )
        ]

    # -- applying it ---------------------------------------------------------------------------

    def apply(self, diff: RosterDiff, *, now: datetime) -> None:
        changed_delegations = {c.name for c in diff.delegations if c.change != "retired"}
        ids: dict[str, int | None] = {}
        for position, (name, kind, stored) in enumerate(self.wanted):
            delegation = stored
            if delegation is None:
                delegation = Delegation(meeting_id=self.meeting_id, name=name, kind=kind)
                self.session.add(delegation)
            if name in changed_delegations:
                delegation.name, delegation.kind = name, kind
                delegation.active, delegation.source = True, "roster"
            delegation.position = position
            self.session.flush()
            ids[name] = delegation.id
        kept = {stored.id for _, _, stored in self.wanted if stored is not None}
        for delegation in self.stored_delegations:
            if delegation.id not in kept:
                delegation.active = False

        changed_people = {
            (c.user_id, c.email if c.user_id is None else None)
            for c in diff.people
            if c.change in ("added", "changed")
        }
        for row in self.rows:
            if not row.person:
                continue
            delegation_id = ids[row.delegation] if row.delegation is not None else None
            if row.slack_id is not None:
                if (row.slack_id, None) in changed_people:
                    self._apply_person(row, delegation_id)
            elif (None, row.email) in changed_people:
                self._apply_pending(row, delegation_id, now=now)
        for change in diff.people:
            if change.change == "matched" and change.email is not None:
                pending = self.pending[change.email]
                pending.active, pending.matched_user_id = False, change.user_id
            elif change.change != "retired":
                continue
            elif change.user_id is not None:
                self.participants[change.user_id].active = False
            elif change.email is not None:
                self.pending[change.email].active = False
        meeting = self.session.get(Meeting, self.meeting_id)
        if meeting is not None:
            meeting.updated_at = now

    def _apply_person(self, row: RosterRow, delegation_id: int | None) -> None:
        assert row.slack_id is not None
        participant = self.participants.get(row.slack_id)
        if participant is None:
            participant = Participant(
                meeting_id=self.meeting_id, user_id=row.slack_id, role=row.kind
            )
            self.session.add(participant)
        if not _same_name(participant, row.name):
            participant.name = row.name
        participant.role, participant.delegation_id = row.kind, delegation_id
        participant.email, participant.language = row.email, row.language
        participant.active, participant.source = True, "roster"

    def _apply_pending(self, row: RosterRow, delegation_id: int | None, *, now: datetime) -> None:
        assert row.email is not None
        pending = self.pending.get(row.email)
        if pending is None:
            pending = PendingPerson(
                meeting_id=self.meeting_id, email=row.email, role=row.kind, created_at=now
            )
            self.session.add(pending)
        pending.name, pending.role, pending.delegation_id = row.name, row.kind, delegation_id
        pending.language, pending.active, pending.source = row.language, True, "roster"


def _same_name(participant: Participant, name: str | None) -> bool:
    """Whether the file's `name` is the one the participant already goes by: the name given
    them, or, when none was, the name of their Slack profile (which the export writes)."""
    if participant.name is not None:
        return participant.name == name
    return name is None or name == participant.profile_name


# -- the entry points ----------------------------------------------------------------------------


def plan_roster(session: Session, *, meeting_id: int, rows: Sequence[RosterRow]) -> RosterDiff:
    """What importing `rows` would change; writes nothing."""
    return _Plan(session, meeting_id, rows).diff()


def import_roster(
    session: Session,
    *,
    meeting_id: int,
    rows: Sequence[RosterRow],
    now: datetime,
    actor: str = "cli",
) -> RosterDiff:
    """Replace the meeting's roster with `rows`; audited (action "roster_import") when
    anything changes, untouched otherwise."""
    plan = _Plan(session, meeting_id, rows)
    diff = plan.diff()
    if diff.unchanged:
        return diff
    plan.apply(diff, now=now)
    record_audit(
        session,
        now=now,
        actor=actor,
        action="roster_import",
        meeting_id=meeting_id,
        detail=audit_detail(diff)[:4000],
    )
    return diff


def audit_detail(diff: RosterDiff) -> str:
    """The audit entry's detail: counts, then each change in short."""
    marks = {"added": "+", "changed": "~", "retired": "-", "matched": "="}
    counts = ", ".join(
        f"{what} "
        + " ".join(f"{marks[c]}{diff.count(what, c)}" for c in ("added", "changed", "retired"))
        for what in ("delegations", "people")
    )
    parts = [counts + (", reordered" if diff.reordered else "")]
    for d in diff.delegations:
        parts.append(f"{marks[d.change]}delegation {d.name}" + _fields(d.fields))
    for p in diff.people:
        who = p.user_id or f"pending {p.email}"
        if p.change == "matched":
            who = f"pending {p.email} as {p.user_id}"
        parts.append(f"{marks[p.change]}{who}" + _fields(p.fields))
    return "; ".join(parts)


def _fields(fields: Sequence[str]) -> str:
    return f" ({', '.join(fields)})" if fields else ""


# -- what the roster is -----------------------------------------------------------------------


def roster_rows(session: Session, *, meeting_id: int) -> list[RosterRow]:
    """The active roster as rows of a roster file: the chair, the secretariat, then each
    delegation in its order with its people (pending people after them); a delegation without
    anyone is one row with no person.  Names as they are shown (the name given, else Slack's),
    e-mails when known, languages as stored."""
    delegations = list(
        session.exec(
            select(Delegation)
            .where(Delegation.meeting_id == meeting_id)
            .order_by(col(Delegation.position), col(Delegation.id))
        )
    )
    participants = list(
        session.exec(
            select(Participant)
            .where(Participant.meeting_id == meeting_id, col(Participant.active))
            .order_by(col(Participant.id))
        )
    )
    pending = pending_people(session, meeting_id=meeting_id)
    rows: list[RosterRow] = []

    def add(
        delegation: str | None,
        kind: Role,
        name: str | None,
        email: str | None,
        slack_id: str | None,
        language: str | None,
    ) -> None:
        rows.append(RosterRow(len(rows) + 2, delegation, kind, name, email, slack_id, language))

    roles: tuple[Role, ...] = ("chair", "secretariat")
    for role in roles:
        for p in participants:
            if p.role == role:
                add(None, role, person_name(p), p.email, p.user_id, p.language)
        for q in pending:
            if q.role == role:
                add(None, role, q.name, q.email, None, q.language)
    for delegation in delegations:
        people = [p for p in participants if p.delegation_id == delegation.id]
        waiting = [q for q in pending if q.delegation_id == delegation.id]
        if not delegation.active and not people and not waiting:
            continue
        kind = cast(Role, delegation.kind)
        for p in people:
            add(delegation.name, kind, person_name(p), p.email, p.user_id, p.language)
        for q in waiting:
            add(delegation.name, kind, q.name, q.email, None, q.language)
        if not people and not waiting:
            add(delegation.name, kind, None, None, None, None)
    return rows


def known_emails(session: Session, *, meeting_id: int) -> dict[str, str]:
    """E-mail -> Slack user id, as the meeting already knows them (people loaded or imported by
    e-mail, pending people matched by an approved request): for e-mails Slack's look-up does not
    find, such as a delegate's from another organisation's workspace."""
    known: dict[str, str] = {}
    for pending in session.exec(
        select(PendingPerson).where(
            PendingPerson.meeting_id == meeting_id, col(PendingPerson.matched_user_id).is_not(None)
        )
    ):
        assert pending.matched_user_id is not None
        known[pending.email.lower()] = pending.matched_user_id
    for participant in session.exec(
        select(Participant)
        .where(Participant.meeting_id == meeting_id, col(Participant.email).is_not(None))
        .order_by(col(Participant.active), col(Participant.id))  # the active ones win
    ):
        assert participant.email is not None
        known[participant.email.lower()] = participant.user_id
    return known
