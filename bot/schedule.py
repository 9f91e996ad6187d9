"""The clock: what is due is computed from the database at an explicit `now`.

The scheduler (APScheduler) only decides when to look: a short heartbeat.  Posting claims
each item in the database before sending, so a second clock or a restart never posts twice.
"""

import logging
from datetime import datetime

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from slack_sdk import WebClient
from sqlalchemy import Engine
from sqlmodel import col, select

from bot.clock import utcnow
from bot.db import session_scope
from bot.posting import PostResult, post_items
from models import Meeting

log = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 30


def run_due(engine: Engine, client: WebClient, *, now: datetime) -> list[PostResult]:
    """Post every item, in every meeting, whose opening time has come."""
    with session_scope(engine) as session:
        keys = list(session.exec(select(Meeting.key).order_by(col(Meeting.key))))
    results: list[PostResult] = []
    for key in keys:
        for result in post_items(
            engine, client, meeting_key=key, numbers=None, now=now, actor="clock"
        ):
            if result.outcome in ("posted", "failed"):
                log.info(
                    "clock: %s item %s %s %s", key, result.number, result.outcome, result.detail
                )
                results.append(result)
    return results


def _heartbeat(engine: Engine, client: WebClient) -> None:
    run_due(engine, client, now=utcnow())


def start_background_clock(engine: Engine, client: WebClient) -> BackgroundScheduler:
    scheduler = BackgroundScheduler(timezone="UTC")
    _add_heartbeat(scheduler, engine, client)
    scheduler.start()
    return scheduler


def run_clock_forever(engine: Engine, client: WebClient) -> None:
    scheduler = BlockingScheduler(timezone="UTC")
    _add_heartbeat(scheduler, engine, client)
    scheduler.start()


def _add_heartbeat(
    scheduler: BackgroundScheduler | BlockingScheduler, engine: Engine, client: WebClient
) -> None:
    # One heartbeat at a time, started at once; a late beat is run once, not in a burst.
    scheduler.add_job(
        _heartbeat,
        "interval",
        seconds=HEARTBEAT_SECONDS,
        args=(engine, client),
        id="heartbeat",
        max_instances=1,
        coalesce=True,
        next_run_time=utcnow(),
    )
