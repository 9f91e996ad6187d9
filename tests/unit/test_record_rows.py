"""The summary record and the CSV rows, read as plain rows: the same entries, fields and order as
reading ORM objects one by one, on a meeting with the awkward cases.

Comments stored out of time order and at equal times, a delegation dropped from the meeting that
still has comments, the chair and the secretariat, a member with no delegation, delegation
positions with gaps, people with and without names, Slack markup and entities, an inactive item.
The references below read the same meeting through the ORM, the way the record was first built.
"""

import dataclasses
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import create_engine
from sqlalchemy.pool import StaticPool
from sqlmodel import Session, SQLModel, col, select

from bot.domain.attribution import attribution
from bot.domain.concern_phase import phase_of
from bot.domain.record_rows import (
    CommentRow,
    comment_rows,
    frozen_instance,
    readable_text,
    row_attribution,
    unescape_slack,
)
from bot.domain.summary import CommentEntry, RosterEntry, SummaryRecord, build_summary
from models import (
    AgendaItem,
    Comment,
    Delegation,
    Meeting,
    Participant,
    RevisedDocument,
)

T0 = datetime(2020, 7, 6, 8, 0, tzinfo=UTC)
NOW = datetime(2020, 8, 1, tzinfo=UTC)


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


@pytest.fixture
def session() -> Iterator[Session]:
    engine = create_engine("sqlite://", poolclass=StaticPool)
    SQLModel.metadata.create_all(engine)
    with Session(engine) as session:
        _awkward_meeting(session)
        yield session


def _awkward_meeting(session: Session) -> None:
    meeting = Meeting(
        key="m",
        title="Meeting",
        channel="C0M",
        channel_name="m-2020",
        timezone="Europe/Brussels",
        created_at=T0,
        updated_at=T0,
    )
    session.add(meeting)
    session.flush()
    assert meeting.id is not None
    delegations = {
        name: Delegation(meeting_id=meeting.id, name=name, kind=kind, position=position, active=a)
        for name, kind, position, a in [
            ("Brazil", "member", 7, True),  # positions with gaps, not in name order
            ("Australia", "member", 2, True),
            ("ICC", "observer", 9, True),
            ("Dropped", "member", 1, False),  # dropped from the meeting file; comments stay
        ]
    }
    session.add_all(delegations.values())
    session.flush()
    people = [
        ("U0AU2", "member", "Australia", "Ann", None, True),
        ("U0AU1", "member", "Australia", None, "Bo Profile", True),
        ("U0BR1", "member", "Brazil", None, None, True),
        ("U0IC1", "observer", "ICC", "Iris", None, True),
        ("U0DR1", "member", "Dropped", "Dee", None, False),  # removed with the delegation
        ("U0CH1", "chair", None, "Chris", None, True),
        ("U0SE1", "secretariat", None, "", None, True),  # an empty name is still a name
        ("U0NO1", "member", None, None, None, True),  # a member with no delegation
    ]
    participants = {}
    for user, role, delegation, name, profile, active in people:
        participants[user] = Participant(
            meeting_id=meeting.id,
            user_id=user,
            role=role,
            delegation_id=delegations[delegation].id if delegation else None,
            name=name,
            profile_name=profile,
            active=active,
        )
    session.add_all(participants.values())
    items = [
        AgendaItem(meeting_id=meeting.id, number=4, title="Four", position=1, opens_at=at(0)),
        AgendaItem(meeting_id=meeting.id, number=3, title="Three", position=0, opens_at=at(0)),
        AgendaItem(meeting_id=meeting.id, number=5, title="Gone", position=2, active=False),
    ]
    session.add_all(items)
    session.flush()
    number = {item.number: item for item in items}
    revised = RevisedDocument(
        item_id=number[3].id or 0,
        code="R1",
        url="https://example.org/r1",
        published_by="U0SE1",
        published_at=at(5000),
        concerns_deadline_at=at(9000),
    )
    session.add(revised)
    session.flush()
    # Stored (ids) out of time order; equal times within a delegation and across them.
    comments: list[tuple[int, str, int, str, dict[str, Any]]] = [
        (3, "U0BR1", 300, "Brazil late", {"late": True}),
        (3, "U0AU1", 200, "see <@U0AU2> &amp; <#C0M>", {"revisions": 2}),
        (3, "U0AU2", 100, "first &lt;b&gt;", {}),
        (3, "U0AU2", 200, "same time as Bo", {"kind": "support"}),
        (3, "U0DR1", 50, "from a dropped delegation", {}),
        (3, "U0CH1", 150, "chair <https://example.org|the link>", {"kind": "general"}),
        (3, "U0SE1", 150, "secretariat, same time as the chair", {}),
        (3, "U0NO1", 250, "no delegation", {"kind": "odd"}),
        (3, "U0IC1", 6000, "a final concern", {"final_concerns_id": revised.id}),
        (3, "U0BR1", 120, "withdrawn", {"status": "withdrawn"}),
        (4, "U0IC1", 10, "item four", {}),
        (4, "U0AU1", 10, "item four, same time", {}),
        (5, "U0AU1", 10, "on an inactive item", {}),
    ]
    for n, (item, user, minute, text, extra) in enumerate(comments):
        person = participants[user]
        session.add(
            Comment(
                item_id=number[item].id or 0,
                participant_id=person.id or 0,
                user_id=user,
                role=person.role,
                delegation_id=person.delegation_id,
                channel="C0M",
                ts=f"1594000000.{n:06d}",
                thread_ts="1594000000.000000",
                posted_at=at(minute),
                text=text,
                version_at=at(minute),
                recorded_at=at(minute),
                **extra,
            )
        )
    session.commit()


# -- the references: the meeting read as ORM objects ---------------------------------------------


def _ranks(session: Session) -> dict[str, int]:
    order = {
        d.name: d.position for d in session.exec(select(Delegation).where(col(Delegation.active)))
    }
    order.update({"Chair": len(order), "Secretariat": len(order) + 1})
    return order


def _names(session: Session) -> dict[str, str]:
    return {
        p.user_id: name
        for p in session.exec(select(Participant).order_by(col(Participant.id)))
        if (name := p.name or p.profile_name) is not None
    }


def reference_comments(session: Session, item_number: int) -> list[CommentEntry]:
    """The item's comments by delegation (roster order), then by time, then as stored."""
    order = _ranks(session)
    names = _names(session)
    item = session.exec(select(AgendaItem).where(AgendaItem.number == item_number)).one()
    comments = session.exec(
        select(Comment)
        .where(Comment.item_id == item.id)
        .order_by(col(Comment.posted_at), col(Comment.id))
    )
    entries = []
    for c in comments:
        delegation = session.get(Delegation, c.delegation_id) if c.delegation_id else None
        name, kind = attribution(c.role, delegation)
        entries.append(
            CommentEntry(
                comment_id=f"{c.channel}-{c.ts}",
                item=item_number,
                delegation=name,
                kind=kind,
                user=c.user_id,
                posted_at=c.posted_at,
                status=c.status,
                late=c.late,
                text=readable_text(c.text, names, {"C0M": "m-2020"}),
                revisions=c.revisions,
                comment_kind=c.kind,
                final_concern=c.final_concerns_id is not None,
                author=names.get(c.user_id, ""),
            )
        )
    return sorted(entries, key=lambda c: (order.get(c.delegation, len(order)), c.posted_at))


def reference_roster(session: Session) -> list[RosterEntry]:
    """Everyone on the roster by delegation (roster order), then by user id."""
    order = _ranks(session)
    names = _names(session)
    wrote = {
        c.user_id
        for c in session.exec(
            select(Comment)
            .join(AgendaItem, col(AgendaItem.id) == col(Comment.item_id))
            .where(col(AgendaItem.active), Comment.status == "active")
        )
    }
    roster = []
    for p in session.exec(select(Participant).where(col(Participant.active))):
        delegation = session.get(Delegation, p.delegation_id) if p.delegation_id else None
        name, kind = attribution(p.role, delegation)
        roster.append(
            RosterEntry(
                name, kind, p.user_id, p.email, p.user_id in wrote, names.get(p.user_id, "")
            )
        )
    return sorted(roster, key=lambda r: (order.get(r.delegation, len(order)), r.user))


def reference_rows(session: Session) -> list[CommentRow]:
    """The CSV rows as the record first read them: a comment, its author, its delegation."""
    rows = session.exec(
        select(Comment, AgendaItem.number, Delegation, Participant)
        .join(AgendaItem, col(AgendaItem.id) == col(Comment.item_id))
        .join(Participant, col(Participant.id) == col(Comment.participant_id))
        .join(Delegation, col(Delegation.id) == col(Comment.delegation_id), isouter=True)
        .order_by(col(AgendaItem.position), col(AgendaItem.number), col(Comment.posted_at))
    )
    out = []
    for comment, number, delegation, participant in rows:
        name, kind = attribution(comment.role, delegation)
        out.append(
            CommentRow(
                item=number,
                comment_id=f"{comment.channel}-{comment.ts}",
                delegation=name,
                delegation_kind=kind,
                user=comment.user_id,
                role=comment.role,
                posted_at=comment.posted_at.isoformat(),
                status=comment.status,
                late=comment.late,
                text=unescape_slack(comment.text),
                revisions=comment.revisions,
                kind=comment.kind,
                phase=phase_of(comment.final_concerns_id),
                author=participant.name or participant.profile_name or comment.user_id,
            )
        )
    return out


def _summary(session: Session) -> SummaryRecord:
    meeting = session.exec(select(Meeting)).one()
    return build_summary(session, meeting_id=meeting.id or 0, now=NOW)


def _every_field_set(entry: object) -> bool:
    """Each field is the instance's own, not a class default standing in for a missing one."""
    return set(vars(entry)) == {f.name for f in dataclasses.fields(entry)}  # type: ignore[arg-type]


# -- the record -----------------------------------------------------------------------------------


def test_comments_are_by_delegation_in_roster_order_then_by_time_then_as_stored(
    session: Session,
) -> None:
    record = _summary(session)
    items = {item.number: item for item in record.items}
    assert list(items) == [3, 4]  # agenda order; the inactive item is not in the record
    for number, item in items.items():
        assert item.comments == reference_comments(session, number)
        assert all(_every_field_set(c) for c in item.comments)
    delegations = [c.delegation for c in items[3].comments]
    # By rank: a delegation's position (Australia 2, Brazil 7, ICC 9), the chair and the
    # secretariat the number of active delegations and one more (3 and 4), anything else 5.
    assert delegations == [
        "Australia",
        "Australia",
        "Australia",
        "Chair",
        "Secretariat",
        "Dropped",
        "member",
        "Brazil",
        "Brazil",
        "ICC",
    ]
    same_time = [c.text for c in items[3].comments[1:3]]
    assert same_time == ["see @Ann & #m-2020", "same time as Bo"]  # equal times: as stored


def test_roster_is_in_roster_order_then_by_user_with_every_field(session: Session) -> None:
    record = _summary(session)
    assert record.roster == reference_roster(session)
    assert [(r.delegation, r.user) for r in record.roster] == [
        ("Australia", "U0AU1"),
        ("Australia", "U0AU2"),
        ("Chair", "U0CH1"),
        ("Secretariat", "U0SE1"),
        ("member", "U0NO1"),
        ("Brazil", "U0BR1"),
        ("ICC", "U0IC1"),
    ]
    assert record.roster[0] == RosterEntry("Australia", "member", "U0AU1", None, True, "Bo Profile")
    assert record.roster[3] == RosterEntry("Secretariat", "secretariat", "U0SE1", None, True, "")
    assert all(_every_field_set(r) for r in record.roster)
    assert record.chair == ["U0CH1"] and record.secretariat == ["U0SE1"]
    assert record.names["U0DR1"] == "Dee"  # removed from the roster, still named


def test_figures_count_the_active_comments_of_the_active_items(session: Session) -> None:
    f = _summary(session).figures
    assert f.comments == 11 and f.withdrawn == 1 and f.late == 1 and f.edited == 1
    assert f.by_kind == {"member": 7, "observer": 2, "chair": 1, "secretariat": 1}
    assert f.by_item_classified[3] == {
        "general": 1,
        "drafting": 0,
        "support": 1,
        "reservation": 0,
        "unclassified": 7,
    }
    assert f.members_taking_part == ["Australia", "Brazil"]
    assert f.took_part == 8  # everyone who wrote an active comment, the dropped delegate too


# -- the CSV rows ---------------------------------------------------------------------------------


def test_csv_rows_are_the_rows_read_through_the_orm(session: Session) -> None:
    meeting = session.exec(select(Meeting)).one()
    rows = comment_rows(session, meeting_id=meeting.id or 0)
    assert rows == reference_rows(session)
    assert all(_every_field_set(row) for row in rows)
    assert len(rows) == 13  # the inactive item's comment too, as the CSV always had it
    by_user = {row.user: row for row in rows if row.item == 3}
    assert (by_user["U0NO1"].delegation, by_user["U0NO1"].delegation_kind) == ("member", "member")
    assert by_user["U0DR1"].delegation == "Dropped" and by_user["U0DR1"].author == "Dee"
    assert by_user["U0BR1"].author == "U0BR1"  # no name known: the user id


# -- the helpers ----------------------------------------------------------------------------------


def test_frozen_instance_is_the_instance_the_constructor_makes() -> None:
    fields = {
        "comment_id": "C0M-1.2",
        "item": 3,
        "delegation": "Australia",
        "kind": "member",
        "user": "U1",
        "posted_at": T0,
        "status": "active",
        "late": False,
        "text": "text",
        "revisions": 1,
        "comment_kind": None,
        "final_concern": False,
        "author": "",
    }
    made = frozen_instance(CommentEntry, **fields)
    built = CommentEntry(**fields)  # type: ignore[arg-type]
    assert made == built and hash(made) == hash(built) and repr(made) == repr(built)
    assert type(made) is CommentEntry and _every_field_set(made)
    with pytest.raises(dataclasses.FrozenInstanceError):
        made.text = "changed"  # type: ignore[misc]
    assert dataclasses.replace(made, text="other").text == "other"


def test_row_attribution_is_attribution_for_a_delegation_read_as_a_row(session: Session) -> None:
    australia = session.exec(select(Delegation).where(Delegation.name == "Australia")).one()
    for role in ("member", "observer", "chair", "secretariat"):
        for delegation in (australia, None):
            assert row_attribution(role, delegation) == attribution(role, delegation)


def test_text_with_no_markup_and_no_entity_is_returned_as_it_is() -> None:
    text = "plain text, nothing to turn: a & b"  # a typed & comes as &amp;; this one is bare
    assert readable_text(text, {"U0AU2": "Ann"}) is text and unescape_slack(text) is text
    assert readable_text("") == "" and unescape_slack("") == ""


def test_entities_are_unescaped_with_or_without_markup_and_inside_its_labels() -> None:
    assert unescape_slack("R&amp;D &lt;b&gt; &amp;lt;") == "R&D <b> &lt;"
    assert readable_text("R&amp;D &lt;b&gt;") == "R&D <b>"
    assert (
        readable_text("<https://example.org|R&amp;D> and <@U0AU2>", {"U0AU2": "Ann"})
        == "R&D (https://example.org) and @Ann"
    )
