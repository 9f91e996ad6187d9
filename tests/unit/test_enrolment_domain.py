"""Enrolment's rules: the offer, one request per person, only the secretariat decides and only
once, approval puts the person on the roster, replies kept aside are attached once with their own
times.  The domain alone, on an in-memory database at chosen `now`s."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, update
from sqlalchemy.pool import StaticPool
from sqlmodel import Session, SQLModel, col, select

from bot.core.clock import datetime_to_ts
from bot.domain.comments import capture_reply
from bot.domain.enrolment import (
    Submitted,
    attach_replies,
    decide_request,
    join_lines,
    match_pending,
    notices_of,
    offer_for,
    offer_in_thread,
    open_form,
    pending_requests,
    remember_notice,
    submit_request,
)
from bot.domain.home import build_homes
from bot.domain.languages import language_of
from bot.domain.meetings import load_meeting
from bot.parse.meeting_file import parse_meeting
from models import (
    AgendaItem,
    AuditEntry,
    Comment,
    CommentRevision,
    Decision,
    Delegation,
    EnrolmentRequest,
    Meeting,
    Participant,
    PendingPerson,
    StrayReply,
)

DATA = Path(__file__).resolve().parents[1] / "data"
NOW = datetime(2020, 7, 10, 10, 0, tzinfo=UTC)
DEADLINE_3 = datetime(2020, 7, 17, 15, 0, tzinfo=UTC)  # 17:00 in Brussels
STRANGER = "U0NEW0001"
SECRETARIAT = "U0SEC0001"
CHANNEL = "C0TEST0001"
ROOTS = {3: "1594000000.000100", 4: "1594000000.000200"}


@pytest.fixture
def session() -> Iterator[Session]:
    engine = create_engine("sqlite://", poolclass=StaticPool)
    SQLModel.metadata.create_all(engine)
    with Session(engine, expire_on_commit=False) as session:
        yield session


@pytest.fixture
def meeting(session: Session) -> Meeting:
    """The bilingual meeting, items 3 and 4 posted."""
    text = (DATA / "bilingual.yaml").read_text(encoding="utf-8")
    spec = parse_meeting(
        text, name="m.yaml", lookup_email={"jane.doe@customs.example": "U0AUJANE1"}.get
    )
    loaded = load_meeting(session, spec=spec, now=NOW).meeting
    for item_number, ts in ROOTS.items():
        session.execute(
            update(AgendaItem)
            .where(col(AgendaItem.meeting_id) == loaded.id, col(AgendaItem.number) == item_number)
            .values(post_channel=CHANNEL, post_ts=ts, posted_at=NOW)
        )
    session.commit()
    return loaded


def delegation(session: Session, name: str) -> Delegation:
    return session.exec(select(Delegation).where(Delegation.name == name)).one()


def ask(session: Session, meeting: Meeting, **changes: object) -> Submitted:
    values: dict[str, object] = {
        "meeting_id": meeting.id,
        "user_id": STRANGER,
        "user_team": "T0OTHER01",
        "delegation_id": delegation(session, "Côte d'Ivoire").id,
        "name": "Awa Diop",
        "about": "Côte d'Ivoire Customs, tariff division",
        "language": "fr",
        "now": NOW,
    }
    values.update(changes)
    submitted = submit_request(session, **values)  # type: ignore[arg-type]
    session.commit()
    return submitted


def stray(session: Session, number: int, text: str, at: datetime) -> str:
    ts = datetime_to_ts(at)
    capture = capture_reply(
        session,
        channel=CHANNEL,
        thread_ts=ROOTS[number],
        ts=ts,
        user_id=STRANGER,
        text=text,
        now=at,
    )
    assert capture.outcome == "stray"
    session.commit()
    return ts


def requests(session: Session) -> list[EnrolmentRequest]:
    return list(session.exec(select(EnrolmentRequest)))


def audit(session: Session, action: str) -> list[AuditEntry]:
    return list(session.exec(select(AuditEntry).where(AuditEntry.action == action)))


# -- the offer ------------------------------------------------------------------------------------


def test_someone_not_on_the_roster_is_offered_to_ask_and_someone_on_it_is_not(
    session: Session, meeting: Meeting
):
    offer = offer_for(session, meeting=meeting, user_id=STRANGER)
    assert offer is not None and offer.languages == ("en", "fr") and offer.status is None
    assert set(offer.secretariat) == {"U0SEC0001", "U0SEC0002"}
    assert offer_for(session, meeting=meeting, user_id="U0AU00001") is None
    found = offer_in_thread(session, channel=CHANNEL, thread_ts=ROOTS[3], user_id=STRANGER)
    assert found is not None and found.meeting.id == meeting.id
    assert offer_in_thread(session, channel=CHANNEL, thread_ts="1.2", user_id=STRANGER) is None
    meeting.closed_at = NOW
    assert offer_for(session, meeting=meeting, user_id=STRANGER) is None


def test_the_form_lists_active_delegations_members_first_and_prefills_a_pending_request(
    session: Session, meeting: Meeting
):
    form = open_form(session, meeting_id=meeting.id, user_id=STRANGER)
    assert form.kind == "form" and form.request is None
    assert [(c.name, c.kind) for c in form.choices] == [
        ("Australia", "member"),
        ("Côte d'Ivoire", "member"),
        ("Universal Postal Union", "observer"),
    ]
    ask(session, meeting)
    form = open_form(session, meeting_id=meeting.id, user_id=STRANGER)
    assert form.request is not None and form.request.name == "Awa Diop"
    assert open_form(session, meeting_id=meeting.id, user_id="U0AU00001").kind == "on_roster"
    assert open_form(session, meeting_id=9999, user_id=STRANGER).kind == "gone"


# -- one request per person -----------------------------------------------------------------------


def test_a_request_is_validated_and_asking_twice_is_one_request(session: Session, meeting: Meeting):
    invalid = ask(session, meeting, name="   ", about="", delegation_id=9999, language="de")
    assert invalid.kind == "invalid"
    assert set(invalid.problems) == {"name", "about", "delegation", "language"}
    assert requests(session) == []

    first = ask(session, meeting)
    assert first.kind == "requested"
    assert set(first.secretariat) == {"U0SEC0001", "U0SEC0002"}
    [request] = requests(session)
    assert (request.status, request.user_team, request.language) == ("pending", "T0OTHER01", "fr")
    remember_notice(
        session, request_id=request.id or 0, channel="D1", ts="1.1", user_id=SECRETARIAT
    )
    remember_notice(
        session, request_id=request.id or 0, channel="D1", ts="1.1", user_id=SECRETARIAT
    )
    session.commit()

    again = ask(
        session, meeting, name="Awa  Diop  Sow", delegation_id=delegation(session, "Australia").id
    )
    assert again.kind == "updated"
    assert [(n.channel, n.ts, n.user_id) for n in again.notices] == [("D1", "1.1", SECRETARIAT)]
    [request] = requests(session)
    assert (
        request.name == "Awa Diop Sow"
        and request.delegation_id == delegation(session, "Australia").id
    )
    assert len(audit(session, "enrolment_request")) == 2


def test_a_declined_request_is_reopened_by_asking_again(session: Session, meeting: Meeting):
    ask(session, meeting)
    [request] = requests(session)
    remember_notice(
        session, request_id=request.id or 0, channel="D1", ts="1.1", user_id=SECRETARIAT
    )
    declined = decide_request(
        session, request_id=request.id, user_id=SECRETARIAT, approve=False, now=NOW
    )
    session.commit()
    assert declined.kind == "declined" and declined.request is not None
    assert declined.request.status == "declined" and declined.request.decided_by == SECRETARIAT
    assert offer_for(session, meeting=meeting, user_id=STRANGER).status == "declined"  # type: ignore[union-attr]

    later = NOW + timedelta(days=1)
    reopened = ask(session, meeting, now=later)
    assert reopened.kind == "reopened"
    [request] = requests(session)
    assert (request.status, request.decided_by, request.requested_at) == ("pending", None, later)
    assert notices_of(request) == ()  # the old messages stay declined; new ones are sent


# -- the decision ---------------------------------------------------------------------------------


def test_only_the_secretariat_decides_and_a_refusal_is_audited(session: Session, meeting: Meeting):
    ask(session, meeting)
    [request] = requests(session)
    refused = decide_request(
        session, request_id=request.id, user_id="U0AU00001", approve=True, now=NOW
    )
    assert refused.kind == "refused" and refused.refusal is not None
    [entry] = audit(session, "approve_enrolment")
    assert entry.outcome == "refused" and entry.actor == "U0AU00001"
    session.refresh(request)
    assert request.status == "pending"
    assert session.exec(select(Participant).where(Participant.user_id == STRANGER)).first() is None


def test_approval_puts_the_person_on_the_roster_once_in_their_language(
    session: Session, meeting: Meeting
):
    ask(session, meeting)
    [request] = requests(session)
    ruling = decide_request(
        session, request_id=request.id, user_id=SECRETARIAT, approve=True, now=NOW
    )
    session.commit()
    assert ruling.kind == "approved" and ruling.participant_added
    person = session.exec(select(Participant).where(Participant.user_id == STRANGER)).one()
    assert (person.role, person.source, person.name, person.language, person.active) == (
        "member",
        "enrolled",
        "Awa Diop",
        "fr",
        True,
    )
    assert person.delegation_id == delegation(session, "Côte d'Ivoire").id
    assert language_of(session, meeting=meeting, user_id=STRANGER) == "fr"
    [entry] = audit(session, "approve_enrolment")
    assert entry.outcome == "ok" and entry.actor == SECRETARIAT

    # Pressed again, or by the other secretariat member, or Decline after: decided once.
    for who, approve in (("U0SEC0002", True), (SECRETARIAT, False)):
        again = decide_request(
            session, request_id=request.id, user_id=who, approve=approve, now=NOW
        )
        assert again.kind == "already" and again.request is not None
        assert again.request.status == "approved" and again.request.decided_by == SECRETARIAT
    assert len(audit(session, "approve_enrolment")) == 1
    assert audit(session, "decline_enrolment") == []
    assert ask(session, meeting).kind == "on_roster"
    assert offer_for(session, meeting=meeting, user_id=STRANGER) is None


def test_approval_matches_the_pending_entry_of_the_same_email(session: Session, meeting: Meeting):
    ivory = delegation(session, "Côte d'Ivoire")
    session.add(
        PendingPerson(
            meeting_id=meeting.id or 0,
            email="awa.diop@douanes.example",
            role="member",
            delegation_id=ivory.id,
            created_at=NOW,
        )
    )
    ask(session, meeting)
    [request] = requests(session)
    decide_request(session, request_id=request.id, user_id=SECRETARIAT, approve=True, now=NOW)
    matched = match_pending(
        session,
        request_id=request.id or 0,
        email="Awa.Diop@douanes.example",
        profile_name="Awa Diop",
        locale="fr-FR",
        now=NOW,
    )
    assert matched is not None and matched.matched_user_id == STRANGER
    person = session.exec(select(Participant).where(Participant.user_id == STRANGER)).one()
    assert person.email == "awa.diop@douanes.example" and person.locale == "fr-FR"
    assert len(audit(session, "match_pending_person")) == 1


# -- replies kept aside ---------------------------------------------------------------------------


def test_replies_kept_aside_on_open_items_are_attached_once_with_their_times_and_late_flags(
    session: Session, meeting: Meeting
):
    on_time = stray(session, 3, "Côte d'Ivoire supports.", NOW + timedelta(hours=1))
    late = stray(session, 3, "One more point.", DEADLINE_3 + timedelta(hours=2))
    decided = stray(session, 4, "On item 4.", NOW + timedelta(hours=2))
    item_4 = session.exec(select(AgendaItem).where(AgendaItem.number == 4)).one()
    session.add(
        Decision(
            item_id=item_4.id or 0,
            kind="approved",
            text="Approved.",
            decided_by="U0CHAIR01",
            decided_at=NOW,
        )
    )
    ask(session, meeting)
    [request] = requests(session)

    early = attach_replies(session, request_id=request.id, user_id=SECRETARIAT, now=NOW)
    assert early.kind == "not_enrolled"  # pending: nothing attached yet
    ruling = decide_request(
        session, request_id=request.id, user_id=SECRETARIAT, approve=True, now=NOW
    )
    assert ruling.request is not None and ruling.request.attachable == 2

    refused = attach_replies(session, request_id=request.id, user_id="U0AU00001", now=NOW)
    assert refused.kind == "refused" and session.exec(select(Comment)).all() == []

    attached_at = DEADLINE_3 + timedelta(days=1)
    attached = attach_replies(session, request_id=request.id, user_id=SECRETARIAT, now=attached_at)
    session.commit()
    assert attached.kind == "attached"
    assert attached.replies == ((CHANNEL, on_time), (CHANNEL, late))
    assert attached.request is not None
    assert (attached.request.attachable, attached.request.attached) == (0, 2)
    comments = {c.ts: c for c in session.exec(select(Comment))}
    assert set(comments) == {on_time, late}  # not the reply on the decided item
    assert decided not in comments
    first, second = comments[on_time], comments[late]
    assert (first.late, second.late) == (False, True)
    assert first.posted_at == NOW + timedelta(hours=1) and first.recorded_at == attached_at
    assert first.delegation_id == delegation(session, "Côte d'Ivoire").id and first.role == "member"
    assert first.thread_ts == ROOTS[3] and first.text == "Côte d'Ivoire supports."
    assert len(session.exec(select(CommentRevision)).all()) == 2
    assert len(session.exec(select(StrayReply)).all()) == 3  # kept as they were

    again = attach_replies(session, request_id=request.id, user_id="U0SEC0002", now=attached_at)
    assert again.kind == "nothing" and again.replies == ()
    assert len(session.exec(select(Comment)).all()) == 2
    assert len(audit(session, "attach_replies")) == 2  # the refusal, and the one attachment


def test_after_approval_a_new_reply_is_a_comment_of_the_delegation(
    session: Session, meeting: Meeting
):
    ask(session, meeting)
    [request] = requests(session)
    decide_request(session, request_id=request.id, user_id=SECRETARIAT, approve=True, now=NOW)
    capture = capture_reply(
        session,
        channel=CHANNEL,
        thread_ts=ROOTS[3],
        ts=datetime_to_ts(NOW + timedelta(minutes=5)),
        user_id=STRANGER,
        text="Now as a delegate.",
        now=NOW,
    )
    assert capture.outcome == "recorded" and capture.language == "fr"
    comment = session.exec(select(Comment)).one()
    assert comment.delegation_id == delegation(session, "Côte d'Ivoire").id


# -- the Home -------------------------------------------------------------------------------------


def test_homes_offer_meetings_to_strangers_and_list_pending_requests_to_the_secretariat(
    session: Session, meeting: Meeting
):
    lines = join_lines(session, user_ids=[STRANGER])[STRANGER]
    assert [(line.meeting.id, line.status) for line in lines] == [(meeting.id, None)]
    ask(session, meeting)
    homes = build_homes(session, user_ids=[STRANGER, SECRETARIAT], now=NOW, team_url=None)
    assert [(line.status, line.delegation) for line in homes[STRANGER].joinable] == [
        ("pending", "Côte d'Ivoire")
    ]
    [section] = homes[SECRETARIAT].meetings
    assert section.secretariat is not None
    assert [line.user_id for line in section.secretariat.requests] == [STRANGER]
    assert homes[SECRETARIAT].joinable == []
    assert list(pending_requests(session, meeting_ids=[meeting.id or 0])) == [meeting.id]
