"""The clock: what is due is computed from the database at an explicit `now`.

APScheduler only decides when to look: a heartbeat every HEARTBEAT_SECONDS, plus a one-off
wake-up at the next known due time so a deadline is not kept waiting for the next beat.
Each stage claims its deliveries in the database before sending (see bot/deliveries.py), so a
restart or a second clock never sends twice, and what fell due while down is caught up.
Only the clock holding the clock's lock (bot/clock/leader.py) runs the beats: a standby clock
waits beside it and takes over when it is gone.
"""

import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError
from sqlmodel import col, select

from bot.clock.announcements import deliver_pending_announcements
from bot.clock.claims import report_clock_lag
from bot.clock.closing import close_passed_deadlines
from bot.clock.decisions import deliver_pending_decisions
from bot.clock.digest import send_daily_digests
from bot.clock.extensions import deliver_pending_extensions
from bot.clock.failures import tell_failures
from bot.clock.final_concerns import (
    close_final_concerns,
    final_concerns_moments,
    remind_final_concerns,
)
from bot.clock.groups import resume_set_ups
from bot.clock.leader import try_lead
from bot.clock.posting import deliver_pending_details, post_items
from bot.clock.reminders import reminder_offsets, send_nudges, send_reminders
from bot.clock.revisions import announce_pending
from bot.clock.session_end import finish_sessions
from bot.clock.silence import adopt_unbroken
from bot.clock.silence_notices import deliver_pending_silence_notices
from bot.core.clock import utcnow
from bot.core.db import session_scope
from bot.core.metrics import count_clock_job_error
from bot.domain.digest import digest_moment
from bot.slack.api import Outbound
from models import AgendaItem, Meeting, SilenceProcedure

log = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 30
STANDBY_RETRY_SECONDS = 5.0  # how often a standby clock tries the lock, and a leader checks it

_Job = tuple[str, Callable[[], list[str]]]  # a clock job's name, and the job


def run_due(engine: Engine, out: Outbound, *, now: datetime) -> list[str]:
    """One look at the calendar: open, adopt, close, announce revisions, end final concerns,
    remind, nudge, digest, end the session, tell the secretariat what Slack refused for good.

    Each job runs on its own: one that fails (Slack's answer lost on the way, an error no job
    expected) is logged and counted, and the jobs after it still run; what it left claimed is
    finished at a later beat.  A database error ends the beat, as every later job would meet it.
    Returns what was done, one line each, for the log.
    """
    with session_scope(engine) as session:
        keys = list(session.exec(select(Meeting.key).order_by(col(Meeting.key))))

    def job(run: Callable[..., list[str]], sender: Any = out) -> _Job:
        return run.__name__, partial(run, engine, sender, now=now)

    jobs: list[_Job] = [("post_items", partial(_post_items, engine, out, key, now)) for key in keys]
    jobs += [
        job(adopt_unbroken),
        # What a request owed the channel and could not finish (its sender died, Slack's answer
        # was lost, or Slack failed): each is looked for in the channel before it is posted again.
        job(deliver_pending_details, out.client),  # an item's full text
        job(deliver_pending_decisions),
        job(deliver_pending_silence_notices),
        job(deliver_pending_extensions),
        job(deliver_pending_announcements),  # /agenda's Post again
        job(resume_set_ups),  # drafting groups a worker left half set up
        job(close_passed_deadlines),
        job(announce_pending),  # revisions a crash left half-announced
        job(close_final_concerns),
        job(send_reminders),
        job(remind_final_concerns),
        job(send_nudges),
        job(send_daily_digests),
        job(finish_sessions),
        job(tell_failures),  # last: what this beat's jobs gave up on
    ]
    done: list[str] = []
    for name, run in jobs:
        try:
            done += run()
        except DBAPIError:
            raise
        except Exception:
            count_clock_job_error(name)
            log.exception("clock: %s failed; a later beat finishes what it left", name)
    report_clock_lag()  # docket_clock_lag_seconds: how late this beat's deliveries went
    for line in done:
        log.info("clock: %s", line)
    return done


def _post_items(engine: Engine, out: Outbound, key: str, now: datetime) -> list[str]:
    """The meeting's items whose opening time has come, posted."""
    return [
        f"{key}: item {result.number} {result.outcome} {result.detail}".strip()
        for result in post_items(
            engine, out.client, meeting_key=key, numbers=None, now=now, actor="clock"
        )
        if result.outcome in ("posted", "failed")
    ]


def next_due_at(engine: Engine, *, now: datetime) -> datetime | None:
    """The earliest moment after `now` at which the calendar has something to do."""
    moments: list[datetime] = []
    with session_scope(engine) as session:
        rows = session.exec(
            select(AgendaItem, Meeting)
            .join(Meeting, col(Meeting.id) == col(AgendaItem.meeting_id))
            .where(col(AgendaItem.active))
        )
        for item, meeting in rows:
            if item.post_ts is None:
                if item.opens_at is not None:
                    moments.append(item.opens_at)
                continue
            if item.deadline_at is None:
                continue
            moments.append(item.deadline_at)
            offsets = reminder_offsets(meeting)
            if meeting.nudge_seconds is not None:
                offsets.append(meeting.nudge_seconds)
            moments += [item.deadline_at - timedelta(seconds=o) for o in offsets]
        moments += session.exec(
            select(SilenceProcedure.deadline_at).where(SilenceProcedure.status == "running")
        )
        moments += final_concerns_moments(session)
        for meeting in session.exec(select(Meeting).where(col(Meeting.closed_at).is_(None))):
            latest = digest_moment(meeting, now)
            if latest is not None:
                moments.append(latest + timedelta(days=1))  # the next day's digest
    future = [m for m in moments if m > now]
    return min(future) if future else None


# -- APScheduler wiring -------------------------------------------------------------------------


def _beat(scheduler: BaseScheduler, engine: Engine, out: Outbound) -> None:
    now = utcnow()
    try:
        run_due(engine, out, now=now)
    finally:
        upcoming = next_due_at(engine, now=now)
        if upcoming is not None and upcoming < now + timedelta(seconds=HEARTBEAT_SECONDS):
            # Wake up exactly when the next thing falls due, rather than up to a beat late.
            scheduler.add_job(
                _beat,
                "date",
                run_date=upcoming,
                args=(scheduler, engine, out),
                id="wake-up",
                replace_existing=True,
                misfire_grace_time=None,
            )


def _configure(scheduler: BaseScheduler, engine: Engine, out: Outbound) -> None:
    # One beat at a time; a late beat runs once, not in a burst.
    scheduler.add_job(
        _beat,
        "interval",
        seconds=HEARTBEAT_SECONDS,
        args=(scheduler, engine, out),
        id="heartbeat",
        max_instances=1,
        coalesce=True,
        next_run_time=utcnow(),
    )


def start_background_clock(engine: Engine, out: Outbound) -> BackgroundScheduler:
    scheduler = BackgroundScheduler(timezone="UTC")
    _configure(scheduler, engine, out)
    scheduler.start()
    return scheduler


def run_clock_forever(
    engine: Engine,
    out: Outbound,
    *,
    retry_seconds: float = STANDBY_RETRY_SECONDS,
    stop: threading.Event | None = None,
) -> None:
    """Lead or stand by, until `stop` is set (or forever).

    Only the clock holding the lock (bot/clock/leader.py) runs the jobs. A standby tries the
    lock every `retry_seconds`; the leader checks every `retry_seconds` that it still holds it,
    and stands down if not (its PostgreSQL connection died: another clock may lead by now).
    """
    stop = stop or threading.Event()
    standing_by = False
    while not stop.is_set():
        try:
            leadership = try_lead(engine)
        except Exception:  # the database is away: try again, as a standby does
            log.warning("clock: could not try the clock's lock", exc_info=True)
            leadership = None
        if leadership is None:
            if not standing_by:
                log.info(
                    "clock: standing by, another clock leads (retrying every %s s)", retry_seconds
                )
                standing_by = True
            stop.wait(retry_seconds)
            continue
        standing_by = False
        log.info("clock: leading")
        scheduler = BackgroundScheduler(timezone="UTC")
        try:
            _configure(scheduler, engine, out)
            scheduler.start()
            while not stop.wait(retry_seconds):
                if not leadership.alive():
                    log.warning("clock: lost the clock's lock, standing down")
                    break
        finally:
            if scheduler.running:
                scheduler.shutdown(wait=True)  # let a beat finish its deliveries
            leadership.release()


def start_clock_thread(
    engine: Engine, out: Outbound, *, retry_seconds: float = STANDBY_RETRY_SECONDS
) -> threading.Thread:
    """The clock in a thread of this process (`run`), leading or standing by like a clock."""
    thread = threading.Thread(
        target=run_clock_forever,
        args=(engine, out),
        kwargs={"retry_seconds": retry_seconds},
        name="docket-clock",
        daemon=True,
    )
    thread.start()
    return thread
