"""Formal comments: capturing replies in agenda-item threads, their edits and deletions.

A comment is keyed by the Slack message it comes from (channel, ts), and each version of its
text by the time Slack gives that version (the message ts for the original, `edited.ts` for an
edit).  Both keys are enforced by the database, so whatever Slack redelivers, retries or
reorders, a message is recorded once, every version is kept, and the newest version wins.

Capturing a new reply is the hot path (every delegate's every reply): one query finds the
thread's item and the author on its roster, one INSERT … RETURNING records the comment and one
more its first version.  Replies committed together (bot/core/group_commit.py) share those
three statements: `capture_replies` runs them once for the whole batch, and `capture_reply`
then hands each reply its result.  Redeliveries need no event-id table: (channel, ts) already
makes them harmless.  The rarer paths (edits, deletions, strangers) may read more.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any, Literal

from sqlalchemy import and_, bindparam, func, insert, text, tuple_, update
from sqlalchemy import select as select_columns
from sqlmodel import Session, col, select

from bot.core.clock import ts_to_datetime
from bot.core.db import insert_many_or_ignore, insert_or_ignore, insert_returning
from bot.domain.concern_phase import Judgement, judge_reply
from bot.domain.languages import DEFAULT_LANGUAGES, reader_language
from bot.domain.meetings import role_ids
from models import (
    AgendaItem,
    Comment,
    CommentRevision,
    CommentStatus,
    Meeting,
    Participant,
    Role,
    StrayReply,
    UTCDateTime,
)

ACTIVE: CommentStatus = "active"
WITHDRAWN: CommentStatus = "withdrawn"

CaptureOutcome = Literal[
    "recorded",  # a new formal comment
    "duplicate",  # seen before (a redelivery, a retry): nothing new
    "edited",  # a new version, now the current one
    "stale_edit",  # an older version arriving late: kept in the history only
    "unchanged",  # Slack changed the message (a link preview), not its text
    "withdrawn",  # deleted in Slack: withdrawn, its text kept
    "stray",  # a reply by someone not on the roster: kept aside
    "stray_duplicate",  # that reply again
    "ignored",  # in no agenda item's thread
]


@dataclass(frozen=True)
class Capture:
    """What became of one message event; the handler turns it into Slack replies."""

    outcome: CaptureOutcome
    channel: str
    ts: str
    user_id: str | None = None
    item_number: int | None = None
    item_title: str = ""
    meeting_title: str = ""
    late: bool = False
    final_concern: bool = False  # written in a final-concerns window (bot/concern_phase.py)
    secretariat: tuple[str, ...] = ()
    deadline_at: datetime | None = None  # the one it is judged by: the window's, if in one
    timezone: str = "UTC"
    thread_ts: str | None = None  # private notices are shown inside the thread
    # The language the author reads Docket in (bot/domain/languages.py): their private notices
    # are in it.  Found by the capture's one query, never asked for separately.
    language: str = DEFAULT_LANGUAGES[0]


@dataclass(frozen=True)
class Thread:
    """An agenda item's thread: what capturing a reply in it needs to know."""

    channel: str
    ts: str
    item_id: int
    item_number: int
    item_title: str
    deadline_at: datetime | None
    meeting_id: int
    meeting_title: str
    timezone: str
    languages: tuple[str, ...] = DEFAULT_LANGUAGES  # the meeting's, the main one first


@dataclass(frozen=True)
class Author:
    """The reply's author as the meeting's roster has them (active participants only)."""

    participant_id: int
    user_id: str
    role: Role
    delegation_id: int | None
    language: str = DEFAULT_LANGUAGES[0]  # the one they read Docket in


# The item whose thread (channel, thread_ts) is, its meeting, and the author's active roster
# entry if any, in that order.  Built once: statement construction was a third of the cost.
_THREAD_COLUMNS: tuple[Any, ...] = (
    AgendaItem.id,
    AgendaItem.number,
    AgendaItem.title,
    AgendaItem.deadline_at,
    Meeting.id,
    Meeting.title,
    Meeting.timezone,
    Meeting.languages,
    Participant.id,
    Participant.role,
    Participant.delegation_id,
    Participant.language,
    Participant.locale,
)
_FIND_THREAD = (
    select_columns(*_THREAD_COLUMNS)
    .join(Meeting, col(Meeting.id) == col(AgendaItem.meeting_id))
    .outerjoin(
        Participant,
        and_(
            col(Participant.meeting_id) == col(Meeting.id),
            col(Participant.user_id) == bindparam("user_id"),
            col(Participant.active),
        ),
    )
    .where(
        col(AgendaItem.post_channel) == bindparam("channel"),
        col(AgendaItem.post_ts) == bindparam("thread_ts"),
    )
    .limit(1)
)
# The same for the threads of many replies at once (`capture_replies`): every item posted as
# one of `threads`, with the roster entries of any of `user_ids` (one row per entry found, one
# row without when none is).  The thread and the user come back first, to sort the rows out.
_FIND_THREADS = (
    select_columns(
        *(col(AgendaItem.post_channel), col(AgendaItem.post_ts), col(Participant.user_id)),
        *_THREAD_COLUMNS,
    )
    .join(Meeting, col(Meeting.id) == col(AgendaItem.meeting_id))
    .outerjoin(
        Participant,
        and_(
            col(Participant.meeting_id) == col(Meeting.id),
            col(Participant.user_id).in_(bindparam("user_ids", expanding=True)),
            col(Participant.active),
        ),
    )
    .where(
        tuple_(col(AgendaItem.post_channel), col(AgendaItem.post_ts)).in_(
            bindparam("threads", expanding=True)
        )
    )
)
_ADD_FIRST_VERSION = insert(CommentRevision)
# A new comment's first version is the comment as written: its text, time and recording time.
_ADD_FIRST_VERSIONS = insert(CommentRevision).from_select(
    ["comment_id", "version_at", "text", "recorded_at"],
    select_columns(
        col(Comment.id), col(Comment.version_at), col(Comment.text), col(Comment.recorded_at)
    ).where(col(Comment.id).in_(bindparam("ids", expanding=True))),
)
# In the session's info while its transaction lasts: (channel, ts) -> the Capture of a reply
# `capture_replies` recorded, which `capture_reply` then returns.
_CAPTURED = "docket_captured_replies"


def find_thread(
    session: Session, *, channel: str, thread_ts: str, user_id: str | None
) -> tuple[Thread, Author | None] | None:
    """The item whose thread this is and the author on its meeting's roster, in one query.

    None when the thread is no agenda item's; the author is None when not on the roster.
    Plain columns, not ORM objects: this runs for every reply.
    """
    params = {"channel": channel, "thread_ts": thread_ts, "user_id": user_id or ""}
    # On the session's connection (same transaction): the Session's own execute adds ORM
    # bookkeeping that cost a third of the capture's CPU, and this statement needs none.
    row = session.connection().execute(_FIND_THREAD, params).first()
    if row is None:
        return None
    return _thread_and_author(channel, thread_ts, user_id, tuple(row))


def _thread_and_author(
    channel: str, thread_ts: str, user_id: str | None, row: tuple[Any, ...]
) -> tuple[Thread, Author | None]:
    """A row of `_THREAD_COLUMNS` as the thread and its author (None: not on the roster)."""
    (
        item_id,
        number,
        title,
        deadline,
        meeting_id,
        meeting_title,
        timezone,
        codes,
        pid,
        role,
        did,
        explicit,
        locale,
    ) = row
    languages = _meeting_languages(codes)
    thread = Thread(
        channel,
        thread_ts,
        item_id,
        number,
        title,
        deadline,
        meeting_id,
        meeting_title,
        timezone,
        languages,
    )
    author = None
    if pid is not None and user_id:
        # bot.domain.languages.participant_language's rule, on the columns this query read.
        language = reader_language(languages, explicit=explicit, locale=locale)
        author = Author(pid, user_id, role, did, language)
    return thread, author


@lru_cache(maxsize=64)
def _meeting_languages(codes: str | None) -> tuple[str, ...]:
    """`bot.domain.languages.meeting_languages` of the stored column, read without a Meeting."""
    return tuple(code for code in (codes or "").split(",") if code) or DEFAULT_LANGUAGES


@dataclass(frozen=True)
class NewReply:
    """A new reply in a thread, as `capture_replies` takes it (`capture_reply`'s arguments)."""

    channel: str
    thread_ts: str
    ts: str
    user_id: str
    text: str
    now: datetime


def capture_replies(session: Session, replies: Sequence[NewReply]) -> None:
    """Record the replies of one transaction in three statements instead of three each.

    One query finds every thread and author, one multi-row INSERT records the new comments,
    and one more copies them as their first versions (on PostgreSQL a single statement does
    both).  Each reply recorded here is left in the session, and `capture_reply` returns it
    when asked for that reply; the others (in no item's thread, by someone not on the roster,
    seen before, or a second event for the same message in this batch) are left for
    `capture_reply` to capture alone, as it always has.  What is written is exactly what
    `capture_reply` alone would write.
    """
    if not replies:
        return
    threads = sorted({(reply.channel, reply.thread_ts) for reply in replies})
    user_ids = sorted({reply.user_id for reply in replies})
    found: dict[tuple[str, str, str | None], tuple[Any, ...]] = {}
    for row in session.connection().execute(
        _FIND_THREADS, {"threads": threads, "user_ids": user_ids}
    ):
        found[(row[0], row[1], row[2])] = tuple(row[3:])
    pending: dict[tuple[str, str], tuple[Thread, Author, Judgement, NewReply]] = {}
    for reply in replies:
        key = (reply.channel, reply.ts)
        columns = found.get((reply.channel, reply.thread_ts, reply.user_id))
        if columns is None or key in pending:
            continue  # not an item's thread, or not on its roster, or twice in this batch
        thread, author = _thread_and_author(reply.channel, reply.thread_ts, reply.user_id, columns)
        assert author is not None  # the row came with this user's roster entry
        posted_at = ts_to_datetime(reply.ts)
        judged = judge_reply(
            session, item_id=thread.item_id, deadline_at=thread.deadline_at, posted_at=posted_at
        )
        pending[key] = (thread, author, judged, reply)
    rows = [
        _comment_values(thread, author, reply.ts, reply.text, reply.now, judged)
        for thread, author, judged, reply in pending.values()
    ]
    if not rows:
        return
    if session.get_bind().dialect.name == "postgresql":
        inserted = _record_on_postgresql(session, rows)
    else:
        inserted = insert_many_or_ignore(
            session, Comment, rows, keys=["channel", "ts"], returning=("channel", "ts", "id")
        )
        if inserted:
            # Copied from the new comments in one statement: an executemany would be a step
            # per row, each handing the GIL over while this batch holds the writer's turn.
            ids = [comment_id for _, _, comment_id in inserted]
            session.connection().execute(_ADD_FIRST_VERSIONS, {"ids": ids})
    captured = session.info.setdefault(_CAPTURED, {})
    for channel, ts, _comment_id in inserted:
        thread, author, judged, reply = pending[(channel, ts)]
        captured[(channel, ts)] = _capture("recorded", thread, ts, reply.user_id, judged, author)


# PostgreSQL records the new comments and their first versions in one statement: the rows
# travel as one array per column (the statement's text stays the same whatever the batch's
# size, so the driver and the server reuse its parse), and the versions are inserted from the
# comments the first INSERT returned.  One round trip to the server instead of two, while the
# batch's callers wait.  SQLite, with no round trips, keeps the two plain statements.
_COMMENT_COLUMNS = (
    ("item_id", "integer"),
    ("participant_id", "integer"),
    ("user_id", "varchar"),
    ("role", "varchar"),
    ("delegation_id", "integer"),
    ("channel", "varchar"),
    ("ts", "varchar"),
    ("thread_ts", "varchar"),
    ("posted_at", "timestamptz"),
    ("late", "boolean"),
    ("final_concerns_id", "integer"),
    ("text", "text"),
    ("version_at", "timestamptz"),
    ("revisions", "integer"),
    ("status", "varchar"),
    ("recorded_at", "timestamptz"),
)
_ARRAYS = ", ".join(f"CAST(:{name} AS {kind}[])" for name, kind in _COMMENT_COLUMNS)
_RECORD_ON_POSTGRESQL = text(
    f"""
    WITH new AS (
        INSERT INTO comment ({", ".join(name for name, _ in _COMMENT_COLUMNS)})
        SELECT * FROM unnest({_ARRAYS})
        ON CONFLICT (channel, ts) DO NOTHING
        RETURNING id, channel, ts, version_at, text, recorded_at
    ), versions AS (
        INSERT INTO comment_revision (comment_id, version_at, text, recorded_at)
        SELECT id, version_at, text, recorded_at FROM new
    )
    SELECT channel, ts, id FROM new
    """
)


def _record_on_postgresql(
    session: Session, rows: list[dict[str, Any]]
) -> list[tuple[str, str, int]]:
    # Bound as arrays, without the columns' types: the datetimes get UTCDateTime's rule here.
    utc, dialect = UTCDateTime(), session.get_bind().dialect
    columns = {
        name: [
            utc.process_bind_param(row[name], dialect) if kind == "timestamptz" else row[name]
            for row in rows
        ]
        for name, kind in _COMMENT_COLUMNS
    }
    result = session.connection().execute(_RECORD_ON_POSTGRESQL, columns)
    return [(channel, ts, comment_id) for channel, ts, comment_id in result]


def capture_reply(
    session: Session,
    *,
    channel: str,
    thread_ts: str,
    ts: str,
    user_id: str,
    text: str,
    now: datetime,
) -> Capture:
    """A new reply in a thread: a formal comment if the thread is an item and the author is
    on the roster, kept aside if not, ignored if the thread is no agenda item."""
    captured = session.info.get(_CAPTURED)
    if captured is not None and (done := captured.pop((channel, ts), None)) is not None:
        return done  # recorded with its batch by capture_replies
    found = find_thread(session, channel=channel, thread_ts=thread_ts, user_id=user_id)
    if found is None:
        return Capture("ignored", channel, ts, user_id)
    thread, author = found
    if author is None:
        return _keep_aside(session, thread, ts, user_id, text, now)
    comment_id, judged, created = _ensure_comment(session, thread, author, ts, text, now)
    if not created:
        # Same channel and ts again (a redelivery, a retry, a new event id): record the
        # original version (an edit may have arrived first) but never a second comment.
        _add_version(session, comment_id, text, ts_to_datetime(ts), now)
    return _capture("recorded" if created else "duplicate", thread, ts, user_id, judged, author)


def capture_edit(
    session: Session,
    *,
    channel: str,
    thread_ts: str,
    ts: str,
    user_id: str,
    text: str,
    edited_ts: str | None,
    previous_text: str | None,
    previous_edited_ts: str | None,
    now: datetime,
) -> Capture:
    """A `message_changed` event.  Without `edited` it is Slack adding a link preview: no edit,
    but it still records the reply if the original event never arrived."""
    found = find_thread(session, channel=channel, thread_ts=thread_ts, user_id=user_id)
    if found is None:
        return Capture("ignored", channel, ts, user_id)
    thread, author = found
    if author is None:
        return _keep_aside(session, thread, ts, user_id, text, now)

    version_at = ts_to_datetime(edited_ts or ts)
    comment_id, judged, created = _ensure_comment(
        session, thread, author, ts, text, now, version_at=version_at
    )
    if previous_text is not None:  # the version this edit replaced: fills gaps in history
        previous_at = ts_to_datetime(previous_edited_ts or ts)
        if previous_at < version_at:
            _add_version(session, comment_id, previous_text, previous_at, now)
    if edited_ts is None:
        return _capture("recorded" if created else "unchanged", thread, ts, user_id, judged, author)
    added = created or _add_version(session, comment_id, text, version_at, now)
    current = session.execute(
        select(Comment.version_at).where(col(Comment.id) == comment_id)
    ).scalar_one()
    outcome: CaptureOutcome
    if not added:
        outcome = "duplicate"
    elif current > version_at:
        outcome = "stale_edit"  # kept in the history; a newer version stays current
    else:
        outcome = "edited"
    return _capture(outcome, thread, ts, user_id, judged, author)


def capture_deletion(
    session: Session,
    *,
    channel: str,
    thread_ts: str,
    ts: str,
    user_id: str | None,
    previous_text: str | None,
    deleted_at: datetime,
    now: datetime,
) -> Capture:
    """A deleted reply withdraws its comment; the text stays in the record."""
    found = find_thread(session, channel=channel, thread_ts=thread_ts, user_id=user_id)
    if found is None:
        return Capture("ignored", channel, ts, user_id)
    thread, author = found
    comment = session.exec(
        select(Comment).where(Comment.channel == channel, Comment.ts == ts)
    ).first()
    if comment is None:
        # The original never reached us: record it from the deletion, already withdrawn.
        if author is None or previous_text is None:
            return Capture("ignored", channel, ts, user_id)
        comment_id, _, _ = _ensure_comment(session, thread, author, ts, previous_text, now)
        comment = session.get_one(Comment, comment_id)
    if comment.status == WITHDRAWN:
        return _capture("duplicate", thread, ts, comment.user_id, Judgement(comment.late), author)
    comment.status = WITHDRAWN
    comment.withdrawn_at = deleted_at
    session.add(comment)
    session.flush()
    return _capture("withdrawn", thread, ts, comment.user_id, Judgement(comment.late), author)


# -- internals ----------------------------------------------------------------------------------


def _ensure_comment(
    session: Session,
    thread: Thread,
    author: Author,
    ts: str,
    text: str,
    now: datetime,
    *,
    version_at: datetime | None = None,
) -> tuple[int, Judgement, bool]:
    """The comment for (channel, ts), created if new: (its id, how it stands, created)."""
    posted_at = ts_to_datetime(ts)
    version_at = version_at or posted_at
    # After the comment deadline a reply may still be on time: a final concern in an open window.
    judged = judge_reply(
        session, item_id=thread.item_id, deadline_at=thread.deadline_at, posted_at=posted_at
    )
    new_id = insert_returning(
        session,
        Comment,
        _comment_values(thread, author, ts, text, now, judged, version_at=version_at),
        keys=["channel", "ts"],
        returning="id",
    )
    if new_id is not None:
        # A new comment has no versions yet: a plain INSERT cannot conflict.
        session.connection().execute(
            _ADD_FIRST_VERSION,
            {"comment_id": new_id, "version_at": version_at, "text": text, "recorded_at": now},
        )
        return int(new_id), judged, True
    existing_id, existing_late = session.execute(
        select(Comment.id, Comment.late).where(
            col(Comment.channel) == thread.channel, col(Comment.ts) == ts
        )
    ).one()
    return int(existing_id), Judgement(bool(existing_late)), False


def _comment_values(
    thread: Thread,
    author: Author,
    ts: str,
    text: str,
    now: datetime,
    judged: Judgement,
    *,
    version_at: datetime | None = None,
) -> dict[str, Any]:
    """A new comment's row: `text` its current version, written at `version_at` (default: when
    the message was posted)."""
    posted_at = ts_to_datetime(ts)
    return {
        "item_id": thread.item_id,
        "participant_id": author.participant_id,
        "user_id": author.user_id,
        "role": author.role,
        "delegation_id": author.delegation_id,
        "channel": thread.channel,
        "ts": ts,
        "thread_ts": thread.ts,
        "posted_at": posted_at,
        "late": judged.late,
        "final_concerns_id": judged.final_concerns_id,
        "text": text,
        "version_at": version_at or posted_at,
        "revisions": 0,
        "status": ACTIVE,
        "recorded_at": now,
    }


def _add_version(
    session: Session, comment_id: int, text: str, version_at: datetime, now: datetime
) -> bool:
    """Keep a version of the text; make it current only if it is the newest.  True if new."""
    added = insert_or_ignore(
        session,
        CommentRevision,
        {"comment_id": comment_id, "version_at": version_at, "text": text, "recorded_at": now},
        ["comment_id", "version_at"],
    )
    if not added:
        return False
    # Conditional UPDATEs rather than read-modify-write, so a racing older edit cannot win.
    session.execute(
        update(Comment)
        .where(col(Comment.id) == comment_id, col(Comment.version_at) < version_at)
        .values(text=text, version_at=version_at)
    )
    versions = (
        select(func.count())
        .select_from(CommentRevision)
        .where(col(CommentRevision.comment_id) == comment_id)
        .scalar_subquery()
    )
    session.execute(
        update(Comment).where(col(Comment.id) == comment_id).values(revisions=versions - 1)
    )
    return True


def _keep_aside(
    session: Session, thread: Thread, ts: str, user_id: str, text: str, now: datetime
) -> Capture:
    new = insert_or_ignore(
        session,
        StrayReply,
        {
            "meeting_id": thread.meeting_id,
            "item_id": thread.item_id,
            "user_id": user_id,
            "channel": thread.channel,
            "ts": ts,
            "text": text,
            "posted_at": ts_to_datetime(ts),
            "recorded_at": now,
        },
        ["channel", "ts"],
    )
    secretariat = tuple(role_ids(session, meeting_id=thread.meeting_id, role="secretariat"))
    return Capture(
        "stray" if new else "stray_duplicate",
        thread.channel,
        ts,
        user_id,
        item_number=thread.item_number,
        item_title=thread.item_title,
        meeting_title=thread.meeting_title,
        secretariat=secretariat,
        thread_ts=thread.ts,
        language=thread.languages[0],  # not on the roster: the meeting's main language
    )


def _capture(
    outcome: CaptureOutcome,
    thread: Thread,
    ts: str,
    user_id: str | None,
    judged: Judgement,
    author: Author | None,
) -> Capture:
    return Capture(
        outcome,
        thread.channel,
        ts,
        user_id,
        item_number=thread.item_number,
        item_title=thread.item_title,
        meeting_title=thread.meeting_title,
        late=judged.late,
        final_concern=judged.final_concerns_id is not None,
        deadline_at=judged.deadline_at or thread.deadline_at,
        timezone=thread.timezone,
        thread_ts=thread.ts,
        language=author.language if author is not None else thread.languages[0],
    )
