"""A chair's decision in the channel, as a claimed delivery like any other.

In steps (bot/clock/claims.py, `deliver_in_steps`): the announcement in the item's thread; the
channel notice of a silence procedure the decision cut short, updated in place; then the item's
root message redrawn.  The root is rendered from the database when that step is
sent, not when the decision was taken, so it always shows the decision the record holds in force
(two decisions made at once may be sent in either order; whichever redraw comes last reads the
later one).  The delivery's row is written in the decision's own transaction
(`schedule_decision`) and sent right after the chair's request (handlers/approve.py); if that
sender dies, the clock sends it once the claim timeout has passed
(`deliver_pending_decisions`), and a post Slack made but whose answer was lost is found in the
thread rather than made twice.
"""

import logging
from datetime import datetime
from functools import partial

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from bot.clock.claims import (
    Due,
    StepsOutcome,
    finish_unfinished,
    schedule,
)
from bot.clock.posting import notice_then_root
from bot.core.db import session_scope
from bot.domain.languages import meeting_languages
from bot.slack.api import Outbound
from bot.views.decisions import decision_announcement
from bot.views.i18n import in_languages
from bot.views.silence import silence_notice
from models import AgendaItem, Decision, Meeting, SilenceProcedure

log = logging.getLogger(__name__)

KIND = "decision"


def decision_key(decision: Decision) -> str:
    return f"{KIND}:{decision.id}"


def _due(decision: Decision, item: AgendaItem) -> Due:
    return Due(decision_key(decision), KIND, item.meeting_id, item.id, decision.decided_at)


def schedule_decision(session: Session, decision: Decision, item: AgendaItem) -> None:
    """In the decision's transaction: its channel posts are owed from now on (nothing to post
    for an item not in the channel yet: its root will show the decision when it is posted)."""
    if item.post_ts is not None and decision.id is not None:
        schedule(session, _due(decision, item))


def deliver_decision(
    engine: Engine, out: Outbound, decision_id: int, *, now: datetime
) -> StepsOutcome | None:
    """Announce the decision in the item's thread, then redraw the root; None when there is
    nothing to post (the item is not in the channel)."""
    with session_scope(engine, read_only=True) as session:
        decision = session.get(Decision, decision_id)
        item = session.get(AgendaItem, decision.item_id) if decision else None
        meeting = session.get(Meeting, item.meeting_id) if item else None
        if decision is None or item is None or meeting is None or item.post_ts is None:
            return None
        superseded = (
            session.get(Decision, decision.supersedes_id) if decision.supersedes_id else None
        )
        languages = meeting_languages(meeting)
        notice = in_languages(
            languages, lambda: decision_announcement(meeting, item, decision, superseded)
        )
        channel, ts = item.post_channel or meeting.channel, item.post_ts
        due = _due(decision, item)
        ended = _ended_by(session, decision)

    # A silence procedure this decision cut short: its channel notice says so, in place.
    between = [(":silence", partial(_update_notice, engine, out, ended))] if ended else []
    return notice_then_root(
        engine, out, due, notice, thread=(channel, ts), now=now, between=between
    )


def _ended_by(session: Session, decision: Decision) -> int | None:
    """The silence procedure with a channel notice that `decision` ended (bot.domain.decisions
    ends a procedure still open at the decision's own time), or None."""
    return session.exec(
        select(SilenceProcedure.id).where(
            SilenceProcedure.item_id == decision.item_id,
            SilenceProcedure.ended_at == decision.decided_at,
            col(SilenceProcedure.notice_ts).is_not(None),
        )
    ).first()


def _update_notice(engine: Engine, out: Outbound, procedure_id: int) -> None:
    """The procedure's channel notice, as the record stands when this step is sent."""
    with session_scope(engine, read_only=True) as session:
        procedure = session.get(SilenceProcedure, procedure_id)
        item = session.get(AgendaItem, procedure.item_id) if procedure else None
        meeting = session.get(Meeting, item.meeting_id) if item else None
        assert procedure is not None and item is not None and meeting is not None
        assert procedure.notice_channel is not None and procedure.notice_ts is not None
        notice = in_languages(
            meeting_languages(meeting), partial(silence_notice, meeting, item, procedure)
        )
    out.update(procedure.notice_channel, procedure.notice_ts, notice)


def deliver_pending_decisions(engine: Engine, out: Outbound, *, now: datetime) -> list[str]:
    """The clock's share: decisions whose posts a sender left unfinished (it died, or its
    Slack call failed) once the claim timeout has passed since they were taken."""

    def send(key: str) -> bool:
        decision_id = int(key.removeprefix(f"{KIND}:"))
        return deliver_decision(engine, out, decision_id, now=now) == "finished"

    finished = finish_unfinished(
        engine,
        kind=KIND,
        now=now,
        send=send,
        last_step=":root",
        scheduled=lambda key: key.count(":") == 1,  # `decision:<id>`; its steps add a suffix
    )
    return [f"decision {key.removeprefix(f'{KIND}:')} announced" for key in finished]
