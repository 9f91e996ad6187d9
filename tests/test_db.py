"""Database helpers: read-only work never holds SQLite's write lock."""

import threading
from datetime import UTC, datetime
from pathlib import Path

from sqlmodel import select

from bot.db import make_engine, session_scope
from bot.schema import migrate
from models import HandledEvent, Meeting


def test_read_only_session_lets_writers_through_on_sqlite(tmp_path: Path):
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    migrate(engine)
    written = threading.Event()

    def write() -> None:
        with session_scope(engine) as session:
            session.add(HandledEvent(event_id="Ev1", received_at=datetime.now(UTC)))
        written.set()

    with session_scope(engine, read_only=True) as session:
        list(session.exec(select(Meeting)))  # a long report would be reading here
        writer = threading.Thread(target=write)
        writer.start()
        # Bounded wait for the writer, not a timing assertion: a write lock would hold it 30 s.
        assert written.wait(timeout=10), "a read-only session blocked a writer"
    writer.join()
    with session_scope(engine) as session:
        assert [e.event_id for e in session.exec(select(HandledEvent))] == ["Ev1"]
