"""The rules alone: domain functions on an in-memory database at a chosen `now`.

No Slack, no HTTP, no stand-in: a rule's typed outcome and what it wrote are all there is to
check, which is what the layering is for.
"""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlalchemy.pool import StaticPool
from sqlmodel import Session, SQLModel, select

from bot.domain.decisions import decide
from bot.domain.items import item_state
from bot.domain.meetings import find_item, find_meeting, load_meeting
from bot.domain.permissions import Permission, allowed, require
from bot.parse.approve import parse_approve
from bot.parse.meeting_file import read_meeting_file
from models import AuditEntry, Decision, Meeting

SMALL = Path(__file__).resolve().parents[1] / "data" / "small.yaml"
NOW = datetime(2020, 7, 10, 10, 0, tzinfo=UTC)
CHAIR, DELEGATE, OBSERVER, SECRETARY = "U0CHAIR01", "U0AU00001", "U0UPU0001", "U0SEC0001"


@pytest.fixture
def session() -> Iterator[Session]:
    engine = create_engine("sqlite://", poolclass=StaticPool)
    SQLModel.metadata.create_all(engine)
    spec = read_meeting_file(SMALL, lambda email: "U0AUJANE1")
    with Session(engine) as session:
        load_meeting(session, spec=spec, now=NOW)
        meeting = find_meeting(session, "test-ptc")
        for number in (3, 4):  # posted, as the clock would have done
            item = find_item(session, meeting_id=meeting.id or 0, number=number)
            assert item is not None
            item.post_channel, item.post_ts = meeting.channel, f"159437{number}000.000100"
            session.add(item)
        session.flush()
        yield session


def the_meeting(session: Session) -> Meeting:
    return find_meeting(session, "test-ptc")


def test_each_role_may_do_only_what_the_rules_give_it():
    assert allowed("chair", Permission.DECIDE) and not allowed("secretariat", Permission.DECIDE)
    assert allowed("member", Permission.OBJECT) and not allowed("observer", Permission.OBJECT)
    assert allowed("secretariat", Permission.MANAGE) and not allowed("chair", Permission.MANAGE)
    assert not allowed(None, Permission.MOVE_DEADLINE)  # not on the roster: nothing


def test_refusal_is_typed_and_written_to_the_audit_log(session: Session):
    refusal = require(
        session,
        meeting=the_meeting(session),
        user_id=OBSERVER,
        permission=Permission.OBJECT,
        action="object",
        now=NOW,
        detail="observer",
    )
    assert refusal is not None
    assert (refusal.permission, refusal.role, refusal.chairs) == (
        Permission.OBJECT,
        "observer",
        (CHAIR,),
    )
    [entry] = session.exec(select(AuditEntry)).all()[-1:]
    assert (entry.actor, entry.action, entry.outcome, entry.detail) == (
        OBSERVER,
        "object",
        "refused",
        "observer",
    )


def test_delegate_cannot_approve_and_nothing_is_decided(session: Session):
    outcome = decide(
        session, meeting=the_meeting(session), user_id=DELEGATE, request=parse_approve("3"), now=NOW
    )
    assert outcome.kind == "refused" and outcome.refusal is not None
    assert session.exec(select(Decision)).all() == []


def test_a_second_decision_supersedes_the_first_and_both_stay(session: Session):
    meeting = the_meeting(session)
    first = decide(
        session, meeting=meeting, user_id=CHAIR, request=parse_approve("3 Endorsed."), now=NOW
    )
    later = NOW + timedelta(hours=1)
    second = decide(
        session, meeting=meeting, user_id=CHAIR, request=parse_approve("3 defer"), now=later
    )
    assert (first.kind, second.kind) == ("decided", "decided")
    assert first.decision is not None and second.decision is not None
    assert second.superseded == first.decision
    assert second.decision.supersedes_id == first.decision.id
    assert len(session.exec(select(Decision)).all()) == 2
    # The record's decision in force, which the root is drawn from when it is sent.
    assert second.item is not None
    state = item_state(session, meeting=meeting, item=second.item, now=later)
    assert state.decision == second.decision


def test_a_decision_is_timed_once_the_item_is_locked_and_never_before_the_one_it_supersedes(
    session: Session,
):
    meeting = the_meeting(session)
    locked_at = NOW + timedelta(seconds=2)  # the request came at NOW, waited for the item
    first = decide(
        session,
        meeting=meeting,
        user_id=CHAIR,
        request=parse_approve("3 Endorsed."),
        now=NOW,
        clock=lambda: locked_at,
    )
    # A worker whose clock is behind: its decision still comes after the one it supersedes.
    second = decide(
        session,
        meeting=meeting,
        user_id=CHAIR,
        request=parse_approve("3 defer"),
        now=NOW,
        clock=lambda: NOW + timedelta(seconds=1),
    )
    assert first.decision is not None and second.decision is not None
    assert first.decision.decided_at == locked_at
    assert second.decision.decided_at == locked_at and second.superseded == first.decision
    # Recorded after the second request was made: its author did not see it coming.
    assert (first.tell_superseded, second.tell_superseded) == (None, CHAIR)


def test_a_chair_correcting_their_own_decision_later_is_not_told(session: Session):
    meeting = the_meeting(session)
    decide(session, meeting=meeting, user_id=CHAIR, request=parse_approve("3 Endorsed."), now=NOW)
    later = NOW + timedelta(hours=1)
    same = decide(
        session, meeting=meeting, user_id=CHAIR, request=parse_approve("3 defer"), now=later
    )
    assert same.tell_superseded is None  # the confirmation already says it supersedes


def test_an_unposted_item_cannot_be_decided_yet(session: Session):
    outcome = decide(
        session, meeting=the_meeting(session), user_id=CHAIR, request=parse_approve("5"), now=NOW
    )
    assert outcome.kind == "not_posted" and outcome.decision is None


def test_item_state_says_comments_close_at_the_deadline(session: Session):
    meeting = the_meeting(session)
    item = find_item(session, meeting_id=meeting.id or 0, number=3)
    assert item is not None and item.deadline_at is not None
    before = item_state(session, meeting=meeting, item=item, now=item.deadline_at - timedelta(1))
    after = item_state(session, meeting=meeting, item=item, now=item.deadline_at)
    assert (before.closed, after.closed) == (False, True)
    assert [d.code for d in before.documents] == ["PC0601E1", "PC0602E1"]
