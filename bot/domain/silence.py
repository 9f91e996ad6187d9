"""The silence procedure: "adopted unless a member objects by the deadline".

The chair starts one with `/approve N silence DATETIME [text]`; a member delegate breaks it
with `/object N reason` before the deadline; the clock adopts the decision when the deadline
passes unbroken.  The procedure's status only moves forward (running -> broken | adopted |
cancelled) through conditional UPDATEs, so an objection racing the adoption cannot both win.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from slack_sdk.errors import SlackApiError
from sqlalchemy import Engine, update
from sqlmodel import Session, col, select

from bot.clock.claims import Due, deliver_in_steps, settled_keys, skip
from bot.core.db import session_scope
from bot.domain.audit import record_audit
from bot.domain.items import ItemState, current_decision, item_state, latest_silence
from bot.domain.meetings import find_item, find_participant, role_ids
from bot.parse.commands import split_number
from bot.parse.timeparse import format_duration, parse_moment
from bot.slack.api import Outbound
from bot.views.messages import (
    SlackMessage,
    adoption_notice,
    item_message,
    local_time,
    objection_notice,
    silence_notice,
)
from models import AgendaItem, Decision, Delegation, Meeting, Objection, SilenceProcedure

log = logging.getLogger(__name__)

OBJECT_USAGE = (
    "*How to use /object* (member delegations, during a silence procedure)\n"
    "• `/object 3 Our administration cannot accept paragraph 4 as drafted.`\n"
    "A reason is required; it is posted in the item's thread and breaks the silence."
)


@dataclass(frozen=True)
class SilenceOutcome:
    """A private reply, and what to post: notices in the thread, the channel and by DM."""

    reply: str
    item: AgendaItem | None = None
    procedure: SilenceProcedure | None = None
    thread_notice: SlackMessage | None = None
    channel_notice: SlackMessage | None = None  # posted new (start) or updated in place
    root: ItemState | None = None
    alert: SlackMessage | None = None  # sent by DM to `alert_users`
    alert_users: list[str] = field(default_factory=list)


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
    try:
        until = parse_moment(until_text, ZoneInfo(meeting.timezone))
    except ValueError as exc:
        return SilenceOutcome(
            f"{exc}\nStart a silence procedure with "
            f"`/approve {item.number} silence 2020-08-14T17:00 [decision text]`."
        )
    minimum = timedelta(seconds=meeting.silence_minimum_seconds)
    if until < now + minimum:
        return SilenceOutcome(
            f"A silence procedure lasts at least {format_duration(minimum)} from now: choose a "
            f"deadline from {local_time(now + minimum, meeting.timezone)} on."
        )
    if running_procedure(session, item_id=item.id) is not None:
        return SilenceOutcome(
            f"A silence procedure is already running on item {item.number}. End it first with "
            f"`/approve {item.number} silence end`."
        )
    decision_text = text or item.proposal
    if not decision_text:
        return SilenceOutcome(
            f"Item {item.number} has no proposed decision; add the text: "
            f"`/approve {item.number} silence {until_text} The PTC ...`"
        )
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
    notice = silence_notice(meeting, item, procedure)
    return SilenceOutcome(
        f"Silence procedure started on item {item.number}: adopted unless a member delegation "
        f"objects by {local_time(until, meeting.timezone)}. The notice is being posted.",
        item=item,
        procedure=procedure,
        thread_notice=notice,
        channel_notice=notice,
        root=item_state(session, meeting=meeting, item=item, now=now),
    )


def end_silence(
    session: Session, *, meeting: Meeting, item: AgendaItem, user_id: str, now: datetime
) -> SilenceOutcome:
    """The chair ends a running (or broken) procedure without adopting it."""
    assert item.id is not None
    procedure = latest_silence(session, item_id=item.id)
    if procedure is None or not is_open(procedure):
        return SilenceOutcome(f"No silence procedure is running on item {item.number}.")
    _finish(session, procedure, status="cancelled", now=now)
    record_audit(
        session,
        now=now,
        actor=user_id,
        action="silence_end",
        meeting_id=meeting.id,
        detail=f"item {item.number}",
    )
    notice = silence_notice(meeting, item, procedure)
    return SilenceOutcome(
        f"The silence procedure on item {item.number} is ended; no decision was recorded.",
        item=item,
        procedure=procedure,
        thread_notice=notice,
        channel_notice=notice,
        root=item_state(session, meeting=meeting, item=item, now=now),
    )


def close_open_procedure(
    session: Session, *, item: AgendaItem, now: datetime
) -> SilenceProcedure | None:
    """A chair's decision ends any procedure still open on the item; returns it if so."""
    assert item.id is not None
    procedure = latest_silence(session, item_id=item.id)
    if procedure is None or not is_open(procedure):
        return None
    # A broken procedure stays "broken" in the record; a running one was cut short.
    final = "broken" if procedure.status == "broken" else "cancelled"
    _finish(session, procedure, status=final, now=now)
    return procedure


def _finish(session: Session, procedure: SilenceProcedure, *, status: str, now: datetime) -> None:
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
    assert meeting.id is not None
    participant = find_participant(session, meeting_id=meeting.id, user_id=user_id)
    if participant is None or participant.role != "member":
        why = (
            "Observers may comment but cannot object in a silence procedure."
            if participant is not None and participant.role == "observer"
            else "Only a delegate of a member delegation can break silence."
        )
        record_audit(
            session,
            now=now,
            actor=user_id,
            action="object",
            meeting_id=meeting.id,
            outcome="refused",
            detail=f"{participant.role if participant else 'not registered'}",
        )
        return SilenceOutcome(why)
    if text.strip().lower() in ("", "help"):
        return SilenceOutcome(OBJECT_USAGE)
    number, reason, head = split_number(text)
    if number is None:
        return SilenceOutcome(f"`{head}` is not an agenda item number.\n\n{OBJECT_USAGE}")
    if not reason:
        return SilenceOutcome(
            f"Please give the reason for the objection: `/object {number} your reason`."
        )
    item = find_item(session, meeting_id=meeting.id, number=number)
    if item is None or item.id is None:
        return SilenceOutcome(f"There is no item {number} on the agenda of {meeting.title}.")
    procedure = latest_silence(session, item_id=item.id)
    if procedure is None or not is_open(procedure):
        return SilenceOutcome(f"No silence procedure is running on item {number}.")
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
        return SilenceOutcome(
            f"The silence period on item {number} ended at "
            f"{local_time(procedure.deadline_at, meeting.timezone)}; it can no longer be broken."
        )
    session.add(
        Objection(
            procedure_id=procedure.id or 0,
            user_id=user_id,
            delegation_id=participant.delegation_id,
            reason=reason,
            at=now,
        )
    )
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
    notice = objection_notice(meeting, item, name, user_id, reason, first)
    return SilenceOutcome(
        f"Your objection on item {number} is recorded"
        + (": silence is broken. The chair and the secretariat are told." if first else "."),
        item=item,
        procedure=procedure,
        thread_notice=notice,
        channel_notice=silence_notice(meeting, item, procedure),
        root=item_state(session, meeting=meeting, item=item, now=now),
        alert=notice,
        alert_users=role_ids(session, meeting_id=meeting.id, role="chair")
        + role_ids(session, meeting_id=meeting.id, role="secretariat"),
    )


# -- adoption (the clock) -----------------------------------------------------------------------


def adopt_unbroken(engine: Engine, out: Outbound, *, now: datetime) -> list[str]:
    """Adopt every procedure whose deadline passed unbroken; post, once."""
    with session_scope(engine) as session:
        rows = session.exec(
            select(SilenceProcedure, AgendaItem)
            .join(AgendaItem, col(AgendaItem.id) == col(SilenceProcedure.item_id))
            .where(
                col(SilenceProcedure.status).in_(["running", "adopted"]),
                col(SilenceProcedure.deadline_at) <= now,
            )
        )
        due = [
            Due(f"silence:{p.id}", "silence", item.meeting_id, item.id, p.deadline_at)
            for p, item in rows
        ]
        settled = settled_keys(session, keys=[d.key + ":notice" for d in due])
    done: list[str] = []
    for delivery in (d for d in due if d.key + ":notice" not in settled):
        procedure_id = int(delivery.key.split(":")[1])
        with session_scope(engine) as session:
            adopted = _adopt(session, procedure_id=procedure_id)
            if adopted is not None:
                procedure, decision, item, meeting = adopted
                notice = adoption_notice(meeting, item, decision)
                channel_notice = silence_notice(meeting, item, procedure)
                root = item_message(item_state(session, meeting=meeting, item=item, now=now))
        if adopted is None:  # broken or ended after all: nothing to announce
            skip(
                engine,
                [replace(delivery, key=delivery.key + s) for s in ("", ":root", ":notice")],
                now=now,
                reason="not adopted: silence was broken or ended",
            )
            continue
        assert item.post_channel is not None and item.post_ts is not None
        channel, ts = item.post_channel, item.post_ts
        update_notice: Callable[[], object] = (
            partial(out.update, procedure.notice_channel, procedure.notice_ts, channel_notice)
            if procedure.notice_channel and procedure.notice_ts
            else (lambda: None)  # the channel notice was never posted: nothing to redraw
        )

        try:
            finished = deliver_in_steps(
                engine,
                delivery,
                [
                    ("", partial(out.post, channel, notice, thread_ts=ts)),
                    (":root", partial(out.update, channel, ts, root)),
                    (":notice", update_notice),
                ],
                now=now,
            )
        except SlackApiError as exc:
            log.warning("announcing adoption on item %s failed, will retry: %s", item.number, exc)
            continue
        if finished:
            done.append(f"{meeting.key}: item {item.number} adopted by silence procedure")
    return done


def _adopt(
    session: Session, *, procedure_id: int
) -> tuple[SilenceProcedure, Decision, AgendaItem, Meeting] | None:
    """Record the adoption once (a retried delivery finds it already recorded)."""
    procedure = session.get(SilenceProcedure, procedure_id)
    if procedure is None:
        return None
    item = session.get(AgendaItem, procedure.item_id)
    assert item is not None and item.id is not None
    meeting = session.get(Meeting, item.meeting_id)
    assert meeting is not None
    if procedure.status == "running":
        previous = current_decision(session, item_id=item.id)
        decision = Decision(
            item_id=item.id,
            kind="approved",
            text=procedure.text,
            procedure="silence",
            decided_by=procedure.started_by,
            decided_at=procedure.deadline_at,
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
        return procedure, decision, item, meeting
    if procedure.status == "adopted" and procedure.decision_id is not None:
        recorded = session.get(Decision, procedure.decision_id)
        assert recorded is not None
        return procedure, recorded, item, meeting
    return None
