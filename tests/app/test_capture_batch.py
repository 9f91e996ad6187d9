"""Replies captured together (`capture_replies`, bot/domain/comments.py) write exactly what
each captured alone (`capture_reply`) writes, and say the same of each reply, on SQLite and
PostgreSQL: on time, late, a final concern, a stranger's reply, a reply in no item's thread,
one message twice in a batch and one seen before.  The batch does it in three statements (two
on PostgreSQL)."""

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event, update
from sqlmodel import Session, col, select

from bot.core.clock import datetime_to_ts
from bot.core.db import Database
from bot.domain.comments import Capture, NewReply, capture_replies, capture_reply
from bot.domain.meetings import load_meeting
from bot.parse.meeting_file import parse_meeting
from models import AgendaItem, Comment, CommentRevision, RevisedDocument, StrayReply

DATA = Path(__file__).resolve().parents[1] / "data"
CHANNEL = "C0TEST0001"
ROOTS = {3: "1594000000.000100", 4: "1594000000.000200"}
LOADED = datetime(2020, 7, 3, 9, 0, tzinfo=UTC)
DEADLINE_3 = datetime(2020, 7, 17, 15, 0, tzinfo=UTC)  # 17:00 in Brussels


def at(when: datetime, n: int) -> str:
    """A reply's ts: `when`, made unique by `n` microseconds."""
    return datetime_to_ts(when + timedelta(microseconds=n))


def reply(n: int, user: str, item: int | None, when: datetime, text: str) -> NewReply:
    thread = ROOTS[item] if item is not None else "1594000000.999999"  # no item's thread
    return NewReply(CHANNEL, thread, at(when, n), user, text, when + timedelta(seconds=1))


ON_TIME = datetime(2020, 7, 10, 10, 0, tzinfo=UTC)
LATE = DEADLINE_3 + timedelta(hours=2)  # before the revised document's window opens
IN_WINDOW = DEADLINE_3 + timedelta(days=2)  # a final concern
REPLIES = [
    reply(1, "U0AU00001", 3, ON_TIME, "Australia supports the proposals."),
    reply(2, "U0CI00001", 4, ON_TIME, "La Côte d'Ivoire approuve les annexes."),
    reply(3, "U0UPU0001", 3, LATE, "The UPU regrets its late comment."),
    reply(4, "U0CI00002", 3, IN_WINDOW, "A final concern on the revised text."),
    reply(5, "U0NEW0001", 3, ON_TIME, "Someone not on the roster."),
    reply(6, "U0AU00001", None, ON_TIME, "In no agenda item's thread."),
    reply(7, "U0SEC0001", 4, ON_TIME, "The secretariat notes the comments."),
]
TWICE = REPLIES[1]  # the same message again in the batch (Slack retried it)
SEEN = reply(8, "U0AU00001", 4, ON_TIME, "Captured before the batch.")


@pytest.fixture
def sessions(database: Database) -> Iterator[Session]:
    with Session(database.engine, expire_on_commit=False) as session:
        text = (DATA / "bilingual.yaml").read_text(encoding="utf-8")
        spec = parse_meeting(
            text, name="m.yaml", lookup_email={"jane.doe@customs.example": "U0AUJANE1"}.get
        )
        meeting = load_meeting(session, spec=spec, now=LOADED).meeting
        for number, ts in ROOTS.items():
            session.execute(
                update(AgendaItem)
                .where(col(AgendaItem.meeting_id) == meeting.id, col(AgendaItem.number) == number)
                .values(post_channel=CHANNEL, post_ts=ts, posted_at=LOADED)
            )
        item_3 = session.exec(
            select(AgendaItem).where(AgendaItem.meeting_id == meeting.id, AgendaItem.number == 3)
        ).one()
        session.add(
            RevisedDocument(
                item_id=item_3.id or 0,
                code="PC0601E2",
                url="https://example.org/PC0601E2.pdf",
                published_by="U0SEC0001",
                published_at=DEADLINE_3 + timedelta(days=1),
                concerns_deadline_at=DEADLINE_3 + timedelta(days=7),
            )
        )
        session.commit()
        yield session


def alone(session: Session, each: NewReply) -> Capture:
    return capture_reply(
        session,
        channel=each.channel,
        thread_ts=each.thread_ts,
        ts=each.ts,
        user_id=each.user_id,
        text=each.text,
        now=each.now,
    )


def written(session: Session) -> dict[str, list[tuple[Any, ...]]]:
    """Every row the capture writes, by what keys it (not by id)."""
    comments = session.exec(select(Comment).order_by(col(Comment.ts))).all()
    ts_of = {comment.id: comment.ts for comment in comments}
    return {
        "comments": [
            tuple(v for k, v in comment.model_dump().items() if k != "id") for comment in comments
        ],
        "versions": sorted(
            (ts_of[v.comment_id], v.version_at, v.text, v.recorded_at)
            for v in session.exec(select(CommentRevision)).all()
        ),
        "strays": sorted(
            tuple(v for k, v in stray.model_dump().items() if k != "id")
            for stray in session.exec(select(StrayReply)).all()
        ),
    }


def statements(engine: Engine) -> list[str]:
    seen: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    return seen


def test_a_batch_writes_and_says_what_each_reply_alone_would(database: Database, sessions: Session):
    batch = [*REPLIES, TWICE]
    session = sessions
    # One run alone, rolled back: what each reply alone writes and says.
    alone(session, SEEN)
    expected = [alone(session, each) for each in batch]
    expected_rows = written(session)
    session.rollback()

    alone(session, SEEN)
    seen = statements(database.engine)
    capture_replies(session, [*batch, SEEN])
    in_batch = len(seen)
    got = [alone(session, each) for each in [*batch, SEEN]]
    assert got[:-1] == expected
    assert written(session) == expected_rows
    outcomes = [capture.outcome for capture in got]
    assert outcomes == [
        "recorded",
        "recorded",
        "recorded",
        "recorded",
        "stray",
        "ignored",
        "recorded",
        "duplicate",  # the same message twice in the batch: recorded once
        "duplicate",  # seen before the batch
    ]
    assert [(c.late, c.final_concern) for c in got[:4]] == [
        (False, False),
        (False, False),
        (True, False),
        (False, True),
    ]
    assert got[1].language == "fr" and got[3].language == "en"  # each author's own
    # The thread query and the two INSERTs (one statement on PostgreSQL), plus the two late
    # replies' look for a final-concerns window (as alone); not three statements a reply.
    inserts = 1 if database.engine.dialect.name == "postgresql" else 2
    assert in_batch == 1 + inserts + 2, seen[:in_batch]
    session.commit()
    assert len(session.exec(select(Comment)).all()) == 6


def test_replies_a_batch_did_not_record_are_captured_alone(sessions: Session):
    """Only replies the batch recorded are handed back; a reply asked for twice gets the
    batch's capture the first time, then is captured alone (a duplicate)."""
    session = sessions
    first = REPLIES[0]
    capture_replies(session, [first])
    assert alone(session, first).outcome == "recorded"
    assert alone(session, first).outcome == "duplicate"
    other = replace(REPLIES[1], ts=at(ON_TIME, 99))
    assert alone(session, other).outcome == "recorded"  # not in the batch: captured alone
    session.commit()
    assert len(session.exec(select(CommentRevision)).all()) == 2
