"""The silence procedure: "adopted unless a member objects by the deadline".

The chair starts one with `/approve N silence DATETIME [text]`; a member delegate breaks it
with `/object N reason` before the deadline; the clock adopts the decision when the deadline
passes unbroken (bot/clock/silence.py sends the news).  The procedure's status only moves
forward (running -> broken | adopted | cancelled) through conditional UPDATEs, so an objection
racing the adoption cannot both win.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from sqlalchemy import update
from sqlmodel import Session, col, select

from bot.domain.audit import record_audit
from bot.domain.items import (
    latest_silence,
    lock_for_decision,
)
from bot.domain.meetings import find_item, find_participant, role_ids
from bot.domain.permissions import Permission, Refusal, require
from bot.parse.approve import ObjectRequest, parse_object
from bot.parse.timeparse import parse_moment
from models import (
    AgendaItem,
    Decision,
    Delegation,
    Meeting,
    Objection,
    SilenceProcedure,
    SilenceStatus,
)

SilenceKind = Literal[
    # The chair starting or ending one (through /approve):
    "bad_deadline",  # `until_text` is not a moment in the meeting's time zone
    "too_soon",  # shorter than the meeting's minimum: `earliest` is the first moment allowed
    "already_running",
    "no_proposal",  # no text given and the item has no proposed decision
    "started",
    "not_running",  # nothing open to end or to object to
    "ended",
    # A delegate objecting (/object):
    "refused",
    "help",
    "bad_request",  # `request.error` says what could not be read
    "no_such_item",
    "too_late",  # the deadline has passed
    "objected",
]


@dataclass(frozen=True)
class SilenceOutcome:
    """What a start, end or objection did; changes carry what the notices show.

    A change (started, ended, objected) has `item` and `procedure` (as it now stands); the
    channel is told by a claimed delivery (bot/clock/silence_notices.py).
    """

    kind: SilenceKind
    meeting: Meeting
    number: int | None = None  # the item number asked about
    item: AgendaItem | None = None
    procedure: SilenceProcedure | None = None
    until_text: str = ""  # the deadline as the chair typed it
    minimum: timedelta | None = None  # too_soon: the meeting's shortest procedure
    earliest: datetime | None = None  # too_soon: now + minimum
    refusal: Refusal | None = None
    request: ObjectRequest | None = None  # what the delegate typed (/object)
    delegation: str = ""  # objected: the objecting delegation's name
    user_id: str = ""  # objected: the delegate
    first: bool = False  # objected: this objection broke the silence
    alert_users: tuple[str, ...] = ()  # objected: told by DM (chair and secretariat)
    objection: Objection | None = None  # objected: the objection recorded


def is_open(procedure: SilenceProcedure) -> bool:
    """Running, or broken and not yet ended by the chair's decision."""
    return procedure.status in ("running", "broken") and procedure.ended_at is None


def running_procedure(session: Session, *, item_id: int) -> SilenceProcedure | None:
    procedure = latest_silence(session, item_id=item_id)
    return procedure if procedure is not None and procedure.status == "running" else None


def start_silence(
    session: Session,
    *,
    meeting: Meeting,
    item: AgendaItem,
    user_id: str,
    until_text: str,
    text: str | None,
    now: datetime,
) -> SilenceOutcome:
    """Start a procedure (the caller has checked that `user_id` is the chair)."""
    assert item.id is not None and meeting.id is not None
    number = item.number
    try:
        until = parse_moment(until_text, ZoneInfo(meeting.timezone))
    except ValueError:
        return SilenceOutcome("bad_deadline", meeting, number, item, until_text=until_text)
    minimum = timedelta(seconds=meeting.silence_minimum_seconds)
    if until < now + minimum:
        return SilenceOutcome(
            "too_soon", meeting, number, item, minimum=minimum, earliest=now + minimum
        )
    if running_procedure(session, item_id=item.id) is not None:
        return SilenceOutcome("already_running", meeting, number, item)
    decision_text = text or item.proposal
    if not decision_text:
        return SilenceOutcome("no_proposal", meeting, number, item, until_text=until_text)
    procedure = SilenceProcedure(
        item_id=item.id,
        text=decision_text,
        started_by=user_id,
        started_at=now,
        deadline_at=until,
        status="running",
    )
    session.add(procedure)
    session.flush()
    record_audit(
        session,
        now=now,
        actor=user_id,
        action="silence_start",
        meeting_id=meeting.id,
        detail=f"item {item.number} until {until.isoformat()}",
    )
    return SilenceOutcome("started", meeting, number, item, procedure)


def end_silence(
    session: Session, *, meeting: Meeting, item: AgendaItem, user_id: str, now: datetime
) -> SilenceOutcome:
    """The chair ends a running (or broken) procedure without adopting it."""
    assert item.id is not None
    procedure = latest_silence(session, item_id=item.id)
    if procedure is None or not is_open(procedure):
        return SilenceOutcome("not_running", meeting, item.number, item)
    _finish(session, procedure, status="cancelled", now=now)
    record_audit(
        session,
        now=now,
        actor=user_id,
        action="silence_end",
        meeting_id=meeting.id,
        detail=f"item {item.number}",
    )
    return SilenceOutcome("ended", meeting, item.number, item, procedure)


def close_open_procedure(
    session: Session, *, item: AgendaItem, now: datetime
) -> SilenceProcedure | None:
    """A chair's decision ends any procedure still open on the item; returns it if so."""
    assert item.id is not None
    procedure = latest_silence(session, item_id=item.id)
    if procedure is None or not is_open(procedure):
        return None
    # A broken procedure stays "broken" in the record; a running one was cut short.
    final: SilenceStatus = "broken" if procedure.status == "broken" else "cancelled"
    _finish(session, procedure, status=final, now=now)
    return procedure


def _finish(
    session: Session, procedure: SilenceProcedure, *, status: SilenceStatus, now: datetime
) -> None:
    session.execute(
        update(SilenceProcedure)
        .where(
            col(SilenceProcedure.id) == procedure.id,
            col(SilenceProcedure.status).in_(["running", "broken"]),
            col(SilenceProcedure.ended_at).is_(None),
        )
        .values(status=status, ended_at=now)
    )
    session.refresh(procedure)


def record_notice(session: Session, *, procedure_id: int, channel: str, ts: str) -> None:
    """Remember the channel notice so later changes update it in place."""
    session.execute(
        update(SilenceProcedure)
        .where(col(SilenceProcedure.id) == procedure_id)
        .values(notice_channel=channel, notice_ts=ts)
    )


# -- objections ---------------------------------------------------------------------------------


def object_to(
    session: Session, *, meeting: Meeting, user_id: str, text: str, now: datetime
) -> SilenceOutcome:
    """`/object N reason`: a member delegate breaks a running procedure (or objects further)."""
    assert meeting.id is not None
    participant = find_participant(session, meeting_id=meeting.id, user_id=user_id)
    refusal = require(
        session,
        meeting=meeting,
        user_id=user_id,
        permission=Permission.OBJECT,
        action="object",
        now=now,
        detail=participant.role if participant is not None else "not registered",
    )
    if refusal is not None:
        return SilenceOutcome("refused", meeting, refusal=refusal)
    assert participant is not None
    request = parse_object(text)
    if request.action == "help":
        return SilenceOutcome("help", meeting, request=request)
    if request.action == "error":
        return SilenceOutcome("bad_request", meeting, request.number, request=request)
    number = request.number
    assert number is not None
    item = find_item(session, meeting_id=meeting.id, number=number)
    if item is None or item.id is None:
        return SilenceOutcome("no_such_item", meeting, number, request=request)
    procedure = latest_silence(session, item_id=item.id)
    if procedure is None or not is_open(procedure):
        return SilenceOutcome("not_running", meeting, number, item, request=request)
    if now >= procedure.deadline_at:
        record_audit(
            session,
            now=now,
            actor=user_id,
            action="object",
            meeting_id=meeting.id,
            outcome="refused",
            detail=f"item {number}: after the silence deadline",
        )
        return SilenceOutcome("too_late", meeting, number, item, procedure, request=request)
    objection = Objection(
        procedure_id=procedure.id or 0,
        user_id=user_id,
        delegation_id=participant.delegation_id,
        reason=request.reason,
        at=now,
    )
    session.add(objection)
    session.flush()  # its id names the notices that tell of it (bot/clock/silence_notices.py)
    result: Any = session.execute(
        update(SilenceProcedure)
        .where(col(SilenceProcedure.id) == procedure.id, col(SilenceProcedure.status) == "running")
        .values(status="broken")
    )
    first = result.rowcount == 1
    session.refresh(procedure)
    delegation = session.get(Delegation, participant.delegation_id)
    name = delegation.name if delegation else user_id
    record_audit(
        session,
        now=now,
        actor=user_id,
        action="object",
        meeting_id=meeting.id,
        detail=f"item {number}: {name}" + (" broke silence" if first else " also objects"),
    )
    return SilenceOutcome(
        "objected",
        meeting,
        number,
        item,
        procedure,
        request=request,
        delegation=name,
        user_id=user_id,
        first=first,
        alert_users=told_of_objections(session, meeting_id=meeting.id),
        objection=objection,
    )


def told_of_objections(session: Session, *, meeting_id: int) -> tuple[str, ...]:
    """Who is told of an objection by direct message: the chair and the secretariat."""
    return tuple(
        role_ids(session, meeting_id=meeting_id, role="chair")
        + role_ids(session, meeting_id=meeting_id, role="secretariat")
    )


# -- adoption (the clock's job sends the news) --------------------------------------------------


@dataclass(frozen=True)
class Adoption:
    """A procedure adopted unbroken: the decision it recorded, and where to announce it."""

    procedure: SilenceProcedure
    decision: Decision
    item: AgendaItem
    meeting: Meeting


def adoptions_due(session: Session, *, now: datetime) -> list[tuple[SilenceProcedure, AgendaItem]]:
    """Procedures whose deadline has passed: running (to adopt) or adopted (maybe unannounced)."""
    rows = session.exec(
        select(SilenceProcedure, AgendaItem)
        .join(AgendaItem, col(AgendaItem.id) == col(SilenceProcedure.item_id))
        .where(
            col(SilenceProcedure.status).in_(["running", "adopted"]),
            col(SilenceProcedure.deadline_at) <= now,
        )
    )
    return list(rows)


def adopt(session: Session, *, procedure_id: int) -> Adoption | None:
    """Record the adoption once (a retried delivery finds it already recorded).

    None when the procedure was broken or ended after all: nothing to announce.
    """
    procedure = session.get(SilenceProcedure, procedure_id)
    if procedure is None:
        return None
    item = session.get(AgendaItem, procedure.item_id)
    assert item is not None and item.id is not None
    meeting = session.get(Meeting, item.meeting_id)
    assert meeting is not None
    if procedure.status == "running":
        # Serialized with the chair's decisions on the item (bot/domain/decisions.py): one
        # current decision, and never dated before the one it supersedes.
        item, previous, decided_at = lock_for_decision(
            session, item, requested=procedure.deadline_at, clock=None
        )
        assert item.id is not None
        decision = Decision(
            item_id=item.id,
            kind="approved",
            text=procedure.text,
            procedure="silence",
            decided_by=procedure.started_by,
            decided_at=decided_at,
            supersedes_id=previous.id if previous else None,
        )
        session.add(decision)
        session.flush()
        result: Any = session.execute(
            update(SilenceProcedure)
            .where(
                col(SilenceProcedure.id) == procedure.id, col(SilenceProcedure.status) == "running"
            )
            .values(status="adopted", ended_at=procedure.deadline_at, decision_id=decision.id)
        )
        if result.rowcount != 1:  # an objection got in first
            session.rollback()
            return None
        record_audit(
            session,
            now=procedure.deadline_at,
            actor="clock",
            action="silence_adopted",
            meeting_id=meeting.id,
            detail=f"item {item.number}: decision {decision.id}",
        )
        session.refresh(procedure)
        return Adoption(procedure, decision, item, meeting)
    if procedure.status == "adopted" and procedure.decision_id is not None:
        recorded = session.get(Decision, procedure.decision_id)
        assert recorded is not None
        return Adoption(procedure, recorded, item, meeting)
    return None
