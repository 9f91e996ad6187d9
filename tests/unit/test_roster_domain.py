"""A roster spreadsheet's rows against a meeting's roster: the diff, and the diff applied.

On an in-memory database holding tests/data/small.yaml: chair U0CHAIR01, secretariat
U0SEC0001 and U0SEC0002, Australia (U0AU00001, Jane U0AUJANE1 by e-mail), Côte d'Ivoire
(U0CI00001), the Universal Postal Union (observer, U0UPU0001).
"""

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlalchemy.pool import StaticPool
from sqlmodel import Session, SQLModel, col, select

from bot.domain.meetings import find_meeting, load_meeting
from bot.domain.roster import (
    DelegationChange,
    PersonChange,
    import_roster,
    known_emails,
    plan_roster,
    roster_rows,
)
from bot.parse.meeting_file import read_meeting_file
from bot.parse.roster import RosterRow, parse_csv
from models import AuditEntry, Delegation, Participant, PendingPerson

SMALL = Path(__file__).resolve().parents[1] / "data" / "small.yaml"
NOW = datetime(2020, 7, 10, 10, 0, tzinfo=UTC)
LATER = datetime(2020, 7, 11, 10, 0, tzinfo=UTC)
HEADER = "delegation,kind,name,email,slack_id,language\n"
TOP = ",chair,,,U0CHAIR01,\n,secretariat,,,U0SEC0001,\n,secretariat,,,U0SEC0002,\n"


@pytest.fixture
def session() -> Iterator[Session]:
    engine = create_engine("sqlite://", poolclass=StaticPool)
    SQLModel.metadata.create_all(engine)
    spec = read_meeting_file(SMALL, lambda email: "U0AUJANE1")
    with Session(engine) as session:
        load_meeting(session, spec=spec, now=NOW)
        session.flush()
        yield session


def meeting_id(session: Session) -> int:
    return find_meeting(session, "test-ptc").id or 0


def rows(text: str) -> tuple[RosterRow, ...]:
    parsed = parse_csv((HEADER + text).encode(), languages=("en", "fr"))
    assert parsed.problems == ()
    return parsed.rows


def people(session: Session) -> dict[str, tuple[bool, str, str | None, str | None, str]]:
    """user id -> active, role, delegation name, language, source."""
    names = {d.id: d.name for d in session.exec(select(Delegation))}
    return {
        p.user_id: (p.active, p.role, names.get(p.delegation_id), p.language, p.source)
        for p in session.exec(select(Participant))
    }


def delegations(session: Session) -> list[tuple[str, str, bool, int, str]]:
    found = session.exec(select(Delegation).order_by(col(Delegation.position), col(Delegation.id)))
    return [(d.name, d.kind, d.active, d.position, d.source) for d in found]


def audits(session: Session) -> list[AuditEntry]:
    return list(session.exec(select(AuditEntry).where(AuditEntry.action == "roster_import")))


def test_the_roster_as_rows_is_the_chair_the_secretariat_then_each_delegation(session: Session):
    found = [
        (r.row, r.delegation, r.kind, r.email, r.slack_id)
        for r in roster_rows(session, meeting_id=meeting_id(session))
    ]
    assert found == [
        (2, None, "chair", None, "U0CHAIR01"),
        (3, None, "secretariat", None, "U0SEC0001"),
        (4, None, "secretariat", None, "U0SEC0002"),
        (5, "Australia", "member", None, "U0AU00001"),
        (6, "Australia", "member", "jane.doe@customs.example", "U0AUJANE1"),
        (7, "Côte d'Ivoire", "member", None, "U0CI00001"),
        (8, "Universal Postal Union", "observer", None, "U0UPU0001"),
    ]


def test_importing_the_roster_as_it_is_changes_nothing_and_audits_nothing(session: Session):
    mid = meeting_id(session)
    before = (people(session), delegations(session))
    current = roster_rows(session, meeting_id=mid)
    assert plan_roster(session, meeting_id=mid, rows=current).unchanged
    diff = import_roster(session, meeting_id=mid, rows=current, now=LATER)
    assert diff.unchanged and diff.people == () and diff.delegations == ()
    session.flush()
    assert (people(session), delegations(session)) == before  # sources stay "file" too
    assert audits(session) == []


CHANGED = (
    TOP
    + "France,member,Marie Diallo,,U0FR00001,fr\n"  # a new delegation, a new person
    + "Australia,member,,,U0AU00001,\n"
    + "Australia,member,,,U0AU00002,\n"  # a new person in a delegation that stays
    + "Côte d'Ivoire,observer,,,U0CI00001,fr\n"  # the delegation's kind, the person's language
    + "Côte d'Ivoire,observer,Jane Doe,jane.doe@customs.example,U0AUJANE1,\n"  # moved, named
)  # the Universal Postal Union and U0UPU0001 are left out


def test_the_diff_says_what_is_added_changed_and_retired_and_writes_nothing(session: Session):
    mid = meeting_id(session)
    before = (people(session), delegations(session))
    diff = plan_roster(session, meeting_id=mid, rows=rows(CHANGED))
    assert diff.delegations == (
        DelegationChange("added", "France", "member"),
        DelegationChange("changed", "Côte d'Ivoire", "observer", ("kind",)),
        DelegationChange("retired", "Universal Postal Union", "observer"),
    )
    assert not diff.reordered  # France comes first, but the others keep their order
    assert diff.people == (
        PersonChange("added", "U0FR00001", None, "Marie Diallo", "member", "France"),
        PersonChange("added", "U0AU00002", None, None, "member", "Australia"),
        PersonChange(
            "changed", "U0CI00001", None, None, "observer", "Côte d'Ivoire", ("kind", "language")
        ),
        PersonChange(
            "changed",
            "U0AUJANE1",
            "jane.doe@customs.example",
            "Jane Doe",
            "observer",
            "Côte d'Ivoire",
            ("kind", "delegation", "name"),
        ),
        PersonChange("retired", "U0UPU0001", None, None, "observer", "Universal Postal Union"),
    )
    counts = [diff.count("people", c) for c in ("added", "changed", "retired")]
    assert counts == [2, 2, 1] and diff.count("delegations", "retired") == 1
    session.flush()
    assert (people(session), delegations(session)) == before
    assert audits(session) == []


def test_the_import_applies_the_diff_retires_what_is_left_out_and_audits_once(session: Session):
    mid = meeting_id(session)
    ids = {p.user_id: p.id for p in session.exec(select(Participant))}
    diff = import_roster(session, meeting_id=mid, rows=rows(CHANGED), now=LATER)
    session.flush()
    assert people(session) == {
        "U0CHAIR01": (True, "chair", None, None, "file"),  # unchanged: keeps its source
        "U0SEC0001": (True, "secretariat", None, None, "file"),
        "U0SEC0002": (True, "secretariat", None, None, "file"),
        "U0AU00001": (True, "member", "Australia", None, "file"),
        "U0AUJANE1": (True, "observer", "Côte d'Ivoire", None, "roster"),
        "U0CI00001": (True, "observer", "Côte d'Ivoire", "fr", "roster"),
        "U0UPU0001": (False, "observer", "Universal Postal Union", None, "file"),  # retired
        "U0FR00001": (True, "member", "France", "fr", "roster"),
        "U0AU00002": (True, "member", "Australia", None, "roster"),
    }
    assert {p.user_id: p.id for p in session.exec(select(Participant))}.items() >= ids.items()
    assert delegations(session) == [
        ("France", "member", True, 0, "roster"),
        ("Australia", "member", True, 1, "file"),
        ("Côte d'Ivoire", "observer", True, 2, "roster"),
        ("Universal Postal Union", "observer", False, 2, "file"),  # retired, kept
    ]
    jane = session.exec(select(Participant).where(Participant.user_id == "U0AUJANE1")).one()
    assert (jane.name, jane.email) == ("Jane Doe", "jane.doe@customs.example")
    [entry] = audits(session)
    assert (entry.actor, entry.meeting_id, entry.at) == ("cli", mid, LATER)
    assert entry.detail.startswith(
        "delegations +1 ~1 -1, people +2 ~2 -1; +delegation France; "
        "~delegation Côte d'Ivoire (kind); -delegation Universal Postal Union; +U0FR00001; "
    )
    assert "-U0UPU0001" in entry.detail
    assert not diff.unchanged
    # Importing the same file again changes nothing, and the roster exported is that file.
    assert import_roster(session, meeting_id=mid, rows=rows(CHANGED), now=LATER).unchanged
    again = roster_rows(session, meeting_id=mid)
    assert plan_roster(session, meeting_id=mid, rows=again).unchanged
    assert len(audits(session)) == 1


def test_someone_or_a_delegation_listed_again_is_brought_back_on_the_same_row(session: Session):
    mid = meeting_id(session)
    first = roster_rows(session, meeting_id=mid)
    import_roster(session, meeting_id=mid, rows=rows(CHANGED), now=LATER)
    upu = session.exec(select(Participant).where(Participant.user_id == "U0UPU0001")).one()
    back = import_roster(session, meeting_id=mid, rows=first, now=LATER)
    assert DelegationChange("added", "Universal Postal Union", "observer") in back.delegations
    assert DelegationChange("retired", "France", "member") in back.delegations
    assert PersonChange("added", "U0UPU0001", None, None, "observer", "Universal Postal Union") in (
        back.people
    )
    session.flush()
    assert session.exec(select(Participant).where(Participant.user_id == "U0UPU0001")).one() == upu
    assert upu.active and upu.source == "roster"
    assert [d[0] for d in delegations(session) if d[2]] == [
        "Australia",
        "Côte d'Ivoire",
        "Universal Postal Union",
    ]


def test_delegations_in_another_order_are_reordered_and_nothing_else(session: Session):
    mid = meeting_id(session)
    current = roster_rows(session, meeting_id=mid)
    flipped = (*current[:3], current[6], current[5], current[3], current[4])
    diff = import_roster(session, meeting_id=mid, rows=flipped, now=LATER)
    assert diff.reordered and not diff.unchanged and diff.people == diff.delegations == ()
    session.flush()
    assert [d[0] for d in delegations(session)] == [
        "Universal Postal Union",
        "Côte d'Ivoire",
        "Australia",
    ]
    assert audits(session)[0].detail.endswith(", reordered")
    assert plan_roster(session, meeting_id=mid, rows=flipped).unchanged


def test_a_delegation_written_in_another_case_is_renamed_not_replaced(session: Session):
    mid = meeting_id(session)
    text = (
        TOP
        + "AUSTRALIA,member,,,U0AU00001,\nAUSTRALIA,member,,jane.doe@customs.example,U0AUJANE1,\n"
    )
    text += "Côte d'Ivoire,member,,,U0CI00001,\nUniversal Postal Union,observer,,,U0UPU0001,\n"
    diff = import_roster(session, meeting_id=mid, rows=rows(text), now=LATER)
    assert diff.delegations == (DelegationChange("changed", "AUSTRALIA", "member", ("name",)),)
    assert diff.people == () and not diff.reordered
    session.flush()
    assert delegations(session)[0] == ("AUSTRALIA", "member", True, 0, "roster")
    assert people(session)["U0AU00001"][2] == "AUSTRALIA"


def test_the_name_slack_gives_counts_as_the_name_already_known(session: Session):
    mid = meeting_id(session)
    alex = session.exec(select(Participant).where(Participant.user_id == "U0AU00001")).one()
    alex.profile_name = "Alex Adler"  # read from Slack at load; the file names no one
    exported = roster_rows(session, meeting_id=mid)
    assert exported[3].name == "Alex Adler"  # the export writes the name people see
    assert plan_roster(session, meeting_id=mid, rows=exported).unchanged
    text = TOP + "Australia,member,Alexandra Adler,,U0AU00001,\n"
    text += "Australia,member,,jane.doe@customs.example,U0AUJANE1,\n"
    text += "Côte d'Ivoire,member,,,U0CI00001,\nUniversal Postal Union,observer,,,U0UPU0001,\n"
    diff = import_roster(session, meeting_id=mid, rows=rows(text), now=LATER)
    assert [(p.user_id, p.fields) for p in diff.people] == [("U0AU00001", ("name",))]
    assert (alex.name, alex.profile_name) == ("Alexandra Adler", "Alex Adler")


def test_unresolved_people_are_pending_then_retired_when_left_out(session: Session):
    mid = meeting_id(session)
    current = roster_rows(session, meeting_id=mid)
    marie = RosterRow(9, "Côte d'Ivoire", "member", "Marie", "marie@douanes.ci", None, "fr")
    diff = import_roster(session, meeting_id=mid, rows=(*current, marie), now=LATER)
    assert diff.people == (
        PersonChange("added", None, "marie@douanes.ci", "Marie", "member", "Côte d'Ivoire"),
    )
    assert diff.people[0].pending
    session.flush()
    [pending] = session.exec(select(PendingPerson)).all()
    assert (pending.email, pending.role, pending.language, pending.active) == (
        "marie@douanes.ci",
        "member",
        "fr",
        True,
    )
    exported = roster_rows(session, meeting_id=mid)
    assert exported[-2] == RosterRow(
        8, "Côte d'Ivoire", "member", "Marie", "marie@douanes.ci", None, "fr"
    )
    assert plan_roster(session, meeting_id=mid, rows=exported).unchanged
    gone = import_roster(session, meeting_id=mid, rows=current, now=LATER)
    assert [(p.change, p.email) for p in gone.people] == [("retired", "marie@douanes.ci")]
    assert not pending.active


def test_a_delegation_without_anyone_is_one_row_and_stays(session: Session):
    mid = meeting_id(session)
    current = roster_rows(session, meeting_id=mid)
    senegal = RosterRow(9, "Sénégal", "member", None, None, None, None)
    diff = import_roster(session, meeting_id=mid, rows=(*current, senegal), now=LATER)
    assert diff.delegations == (DelegationChange("added", "Sénégal", "member"),)
    exported = roster_rows(session, meeting_id=mid)
    assert exported[-1] == RosterRow(9, "Sénégal", "member", None, None, None, None)
    assert plan_roster(session, meeting_id=mid, rows=exported).unchanged


def test_the_emails_the_meeting_knows(session: Session):
    mid = meeting_id(session)
    session.add(
        PendingPerson(
            meeting_id=mid,
            email="amara@douanes.ci",
            role="member",
            matched_user_id="U0CI00002",
            created_at=NOW,
        )
    )
    session.flush()
    assert known_emails(session, meeting_id=mid) == {
        "jane.doe@customs.example": "U0AUJANE1",
        "amara@douanes.ci": "U0CI00002",
    }


def test_a_pending_person_the_file_gives_a_slack_id_is_matched(session: Session):
    mid = meeting_id(session)
    current = roster_rows(session, meeting_id=mid)
    marie = RosterRow(9, "Côte d'Ivoire", "member", "Marie", "marie@douanes.ci", None, "fr")
    import_roster(session, meeting_id=mid, rows=(*current, marie), now=LATER)
    found = RosterRow(9, "Côte d'Ivoire", "member", "Marie", "marie@douanes.ci", "U0CI00003", "fr")
    diff = import_roster(session, meeting_id=mid, rows=(*current, found), now=LATER)
    assert [(p.change, p.user_id, p.email) for p in diff.people] == [
        ("added", "U0CI00003", "marie@douanes.ci"),
        ("matched", "U0CI00003", "marie@douanes.ci"),
    ]
    session.flush()
    [pending] = session.exec(select(PendingPerson)).all()
    assert (pending.active, pending.matched_user_id) == (False, "U0CI00003")
    assert "=pending marie@douanes.ci as U0CI00003" in audits(session)[-1].detail
    exported = roster_rows(session, meeting_id=mid)
    assert [r.slack_id for r in exported if r.email == "marie@douanes.ci"] == ["U0CI00003"]
    assert plan_roster(session, meeting_id=mid, rows=exported).unchanged
