"""Two clock processes on one database: one leads, the other stands by and takes over.

Real `python -m bot clock` processes against the stand-in Slack, on SQLite (a flock beside the
database file) and PostgreSQL (a session-level advisory lock). No deadline is waited out: the
items are already due, and only the processes' start-up and the standby's retry are polled.
"""

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import IO

from sqlalchemy import Engine, text
from sqlmodel import select

from bot.clock.leader import advisory_key, try_lead
from bot.core.clock import utcnow
from bot.core.config import Settings
from bot.core.db import Database, session_scope
from bot.demo.standin import SlackStandIn
from bot.domain.meetings import load_meeting
from bot.parse.meeting_file import read_meeting_file
from bot.slack.api import make_client
from models import AgendaItem
from tests.conftest import DATA, SIGNING_SECRET

ROOT = Path(__file__).resolve().parents[2]
RETRY_SECONDS = 0.5  # the standby's retry, shortened from 5 s
LEADING = "clock: leading"
STANDING_BY = "clock: standing by"


class Clock:
    """One `python -m bot clock` process, its log in a file."""

    def __init__(self, name: str, settings: Settings, log_dir: Path) -> None:
        self.name = name
        self.log_path = log_dir / f"{name}.log"
        self._log: IO[bytes] = self.log_path.open("wb")
        env = {
            **os.environ,
            "SLACK_BOT_TOKEN": settings.slack_bot_token or "",
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": settings.slack_api_url or "",
            "DATABASE_URL": settings.database_url,
            "CLOCK_STANDBY_SECONDS": str(RETRY_SECONDS),
        }
        env.pop("SLACK_APP_TOKEN", None)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot", "clock"],
            cwd=ROOT / "tests",  # no .env there
            env=env,
            start_new_session=True,
            stdout=subprocess.DEVNULL,
            stderr=self._log,
        )

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def state(self) -> str | None:
        text = self.log()
        # The latest of the two words the clock says about itself.
        found = [(text.rfind(word), word) for word in (LEADING, STANDING_BY) if word in text]
        return max(found)[1] if found else None

    def kill(self) -> None:
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()
        self._log.close()


def poll(condition: Callable[[], bool], what: str, clocks: list[Clock], limit: float) -> float:
    """Wait for `condition` (a process starting, a lock being taken); return the time it took."""
    started = time.monotonic()
    while time.monotonic() - started < limit:
        if condition():
            return time.monotonic() - started
        for clock in clocks:
            if clock.process.poll() not in (None, -signal.SIGKILL):
                raise AssertionError(f"{clock.name} exited:\n{clock.log()}")
        time.sleep(0.05)
    logs = "\n".join(f"--- {c.name}\n{c.log()}" for c in clocks)
    raise AssertionError(f"{what} did not happen within {limit} s\n{logs}")


def load_due_meeting(settings: Settings, engine: Engine, folder: Path) -> None:
    """The small meeting with item 3 open since yesterday; items 4 and 5 open in 2030."""
    now = utcnow()
    text = (DATA / "small.yaml").read_text()
    opened = (now - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    deadline = (now + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M")
    text = text.replace(
        "opens: 2020-07-03T09:00\n    deadline: 2020-07-17T17:00",
        f"opens: {opened}\n    deadline: {deadline}",
    ).replace(
        "opens: 2020-07-03T09:00\n    deadline: 2020-07-31T17:00",
        "opens: 2030-01-01T09:00\n    deadline: 2030-01-31T17:00",
    )
    file = folder / "meeting.yaml"
    file.write_text(text)
    client = make_client(settings)

    def lookup(email: str) -> str | None:
        return str(client.users_lookupByEmail(email=email)["user"]["id"])

    spec = read_meeting_file(file, lookup)
    with session_scope(engine) as session:
        load_meeting(session, spec=spec, now=now)


def item(engine: Engine, number: int) -> AgendaItem:
    with session_scope(engine) as session:
        found = session.exec(select(AgendaItem).where(AgendaItem.number == number)).one()
        session.expunge(found)
    return found


def roots(standin: SlackStandIn, number: int) -> list[str]:
    """The item's root messages posted to the channel (its texts)."""
    return [
        call.params["text"]
        for call in standin.calls_to("chat.postMessage")
        if not call.params.get("thread_ts")
        and str(call.params.get("text", "")).startswith(f"Item {number}:")
    ]


def test_a_standby_clock_takes_over_from_a_killed_leader_and_nothing_is_sent_twice(
    tmp_path: Path, settings: Settings, database: Database, standin: SlackStandIn
):
    engine = database.engine
    load_due_meeting(settings, engine, tmp_path)
    standin.clear_calls()
    started = [Clock("first", settings, tmp_path), Clock("second", settings, tmp_path)]
    try:
        # Exactly one leads; the other stands by.
        poll(
            lambda: all(c.state() is not None for c in started),
            "both clocks saying whether they lead",
            started,
            limit=60,
        )
        [leader] = [c for c in started if c.state() == LEADING]
        [standby] = [c for c in started if c.state() == STANDING_BY]

        # The leader posts the item that is due; the standby stays idle.
        poll(lambda: "item 3 posted" in leader.log(), "item 3 posted", started, limit=30)
        assert item(engine, 3).post_ts is not None
        assert len(roots(standin, 3)) == 1
        time.sleep(3 * RETRY_SECONDS)  # several of the standby's tries, all refused
        assert standby.state() == STANDING_BY
        assert "clock: test-ptc" not in standby.log()

        # The leader dies without a word; an item falls due meanwhile.
        leader.kill()
        with session_scope(engine) as session:
            five = session.exec(select(AgendaItem).where(AgendaItem.number == 5)).one()
            five.opens_at = utcnow() - timedelta(minutes=1)
            session.add(five)

        took = poll(lambda: standby.state() == LEADING, "the takeover", started, 30)
        assert took < 60
        poll(lambda: "item 5 posted" in standby.log(), "item 5 posted", started, limit=30)
        assert item(engine, 5).post_ts is not None
        assert "item 3 posted" not in standby.log()
    finally:
        for clock in started:
            clock.stop()

    # Across the takeover every item was posted once, and nothing at all was sent twice.
    assert len(roots(standin, 3)) == 1 and len(roots(standin, 5)) == 1
    assert roots(standin, 4) == []
    sent = [
        (c.params.get("channel"), c.params.get("thread_ts"), c.params.get("text"))
        for c in standin.calls_to("chat.postMessage")
    ]
    assert len(sent) == len(set(sent)), sent


def test_the_clock_lock_is_held_by_one_until_given_back(database: Database):
    engine = database.engine
    first = try_lead(engine)
    assert first is not None and first.alive()
    assert try_lead(engine) is None  # another connection (PostgreSQL) or open file (SQLite)
    first.release()
    again = try_lead(engine)
    assert again is not None
    again.release()


def test_a_leader_whose_connection_died_knows_it_no_longer_leads(database: Database):
    engine = database.engine
    if engine.dialect.name != "postgresql":
        return  # a flock cannot be lost while the process lives
    leadership = try_lead(engine)
    assert leadership is not None
    with engine.connect() as other:
        key = advisory_key(other.execute(text("SELECT current_schema()")).scalar_one())
        [pid] = other.execute(
            text(
                "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted"
                " AND classid::bigint = :high AND objid::bigint = :low"
            ),
            {"high": (key >> 32) & 0xFFFFFFFF, "low": key & 0xFFFFFFFF},
        ).scalars()
        other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    assert not leadership.alive()
    leadership.release()  # the lock went with the connection; nothing to give back
    taken = try_lead(engine)
    assert taken is not None  # and the next clock may lead
    taken.release()
