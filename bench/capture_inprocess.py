"""The capture's own cost, in-process: `capture_reply` in one session per reply, as the handler
runs it, without HTTP, Bolt or gunicorn around it.

    .venv/bin/python -m bench.capture_inprocess                     # SQLite, 3,000 replies
    .venv/bin/python -m bench.capture_inprocess --replies 10000 --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test

Prints CPU and wall time per reply.  A PostgreSQL URL gets a schema of its own, dropped after.
"""

import argparse
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import update
from sqlmodel import select

from bot.core.db import make_engine, session_scope
from bot.core.schema import migrate
from bot.domain.comments import capture_reply
from bot.domain.meetings import load_meeting
from bot.parse.meeting_file import read_meeting_file
from models import AgendaItem, Participant

MEETING_FILE = Path(__file__).resolve().parents[1] / "tests" / "data" / "small.yaml"
NOW = datetime(2020, 7, 10, 10, 0, tzinfo=UTC)
CHANNEL, ROOT = "C0TEST0001", "1594375200.000100"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--replies", type=int, default=3000)
    parser.add_argument("--database-url", default=None, help="default: a fresh SQLite file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url, drop = args.database_url or f"sqlite:///{tmp}/capture.db", None
        if url.startswith("postgresql"):
            schema = f"bench_{uuid.uuid4().hex[:12]}"
            admin = make_engine(url)
            with admin.begin() as connection:
                connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
            drop = (admin, schema)
            url += f"{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}"
        try:
            measure(url, args.replies)
        finally:
            if drop is not None:
                with drop[0].begin() as connection:
                    connection.exec_driver_sql(f'DROP SCHEMA "{drop[1]}" CASCADE')


def measure(url: str, replies: int) -> None:
    engine = make_engine(url)
    migrate(engine)
    spec = read_meeting_file(MEETING_FILE, lambda email: "U" + email.split("@")[0][:8].upper())
    with session_scope(engine) as session:
        load_meeting(session, spec=spec, now=NOW)
        item = update(AgendaItem).where(AgendaItem.number == 3)  # type: ignore[arg-type]
        session.execute(item.values(post_channel=CHANNEL, post_ts=ROOT))
        author = session.exec(select(Participant.user_id).where(Participant.role == "member"))
        user = author.first() or ""
    cpu, wall = time.process_time(), time.perf_counter()
    for n in range(replies):
        with session_scope(engine) as session:
            capture = capture_reply(
                session,
                channel=CHANNEL,
                thread_ts=ROOT,
                ts=f"1594375300.{n:06d}",
                user_id=user,
                text="We support the proposal.",
                now=NOW,
            )
        assert capture.outcome == "recorded", capture
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    kind = url.split(":", 1)[0].split("+")[0]
    print(
        f"{kind}: {replies} replies captured, {cpu / replies * 1000:.3f} ms CPU and "
        f"{wall / replies * 1000:.3f} ms wall per reply"
    )
    engine.dispose()


if __name__ == "__main__":
    main()
