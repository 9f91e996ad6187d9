"""Database helpers on SQLite: writers take turns, a failed writer gives up its turn, and
read-only work never holds the write lock."""

import fcntl
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, func
from sqlalchemy.exc import OperationalError
from sqlmodel import col, select

from bot.core.db import make_engine, session_scope
from bot.core.schema import migrate
from models import AuditEntry, Meeting


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    migrate(engine)
    return engine


def audit(engine: Engine, action: str) -> None:
    with session_scope(engine) as session:
        session.add(AuditEntry(at=datetime.now(UTC), actor="test", action=action))


def in_thread(work: Callable[[], None]) -> threading.Event:
    """Run `work` in a thread; the event is set when it has finished."""
    done = threading.Event()

    def run() -> None:
        work()
        done.set()

    threading.Thread(target=run, daemon=True).start()
    return done


def actions(engine: Engine) -> list[str]:
    with session_scope(engine, read_only=True) as session:
        return list(session.exec(select(AuditEntry.action).order_by(col(AuditEntry.id))))


def test_read_only_session_lets_writers_through(engine: Engine):
    with session_scope(engine, read_only=True) as session:
        list(session.exec(select(Meeting)))  # a long report would be reading here
        written = in_thread(lambda: audit(engine, "written"))
        # Bounded wait for the writer, not a timing assertion: a write lock would hold it 30 s.
        assert written.wait(timeout=10), "a read-only session blocked a writer"
    assert actions(engine) == ["written"]


def race_read_then_write(engines: list[Engine], writers: int = 16) -> list[str]:
    """`writers` threads, spread over `engines`, each read a count and write a key derived
    from it: if two ran interleaved, both would write the same unique key and one would fail.
    Returns the keys written; every writer must have succeeded."""
    errors: list[BaseException] = []

    def next_meeting(engine: Engine) -> None:
        try:
            with session_scope(engine) as session:
                count = session.exec(select(func.count()).select_from(Meeting)).one()
                now = datetime.now(UTC)
                session.add(
                    Meeting(
                        key=f"m{count}",
                        title="t",
                        channel="C1",
                        timezone="UTC",
                        created_at=now,
                        updated_at=now,
                    )
                )
        except BaseException as exc:  # the assertion below reports it
            errors.append(exc)

    threads = [
        threading.Thread(target=next_meeting, args=(engines[n % len(engines)],))
        for n in range(writers)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    with session_scope(engines[-1], read_only=True) as session:
        return sorted(session.exec(select(Meeting.key)))


def test_concurrent_read_then_write_transactions_take_turns(engine: Engine):
    assert race_read_then_write([engine]) == sorted(f"m{n}" for n in range(16))


def test_a_failed_write_gives_up_its_turn(engine: Engine):
    with pytest.raises(RuntimeError), session_scope(engine) as session:
        session.add(AuditEntry(at=datetime.now(UTC), actor="test", action="lost"))
        session.flush()
        raise RuntimeError("the listener failed halfway")
    assert in_thread(lambda: audit(engine, "after failure")).wait(timeout=10)
    assert actions(engine) == ["after failure"]  # the failed write left nothing


def test_a_connection_closed_mid_transaction_gives_up_its_turn(engine: Engine):
    connection = engine.connect()
    connection.begin()
    connection.close()  # returned to the pool without a commit
    assert in_thread(lambda: audit(engine, "after close")).wait(timeout=10)
    assert actions(engine) == ["after close"]


def test_two_processes_worth_of_engines_take_turns_through_the_file(tmp_path: Path):
    """Two engines on one file stand for two gunicorn workers: each has its own in-process
    lock, so only the lock file beside the database keeps their read-then-write apart."""
    url = f"sqlite:///{tmp_path / 'x.db'}"
    engines = [make_engine(url), make_engine(url)]
    migrate(engines[0])
    assert (tmp_path / "x.db.writer-lock").exists()
    assert race_read_then_write(engines) == sorted(f"m{n}" for n in range(16))


def lock_file_is_free(path: Path) -> bool:
    """What another process would find: can it take the writers' lock file now?"""
    with path.open("a+b") as handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
        return True


def test_a_write_holds_the_lock_file_until_it_commits(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'x.db'}"
    first, second = make_engine(url), make_engine(url)
    migrate(first)
    lock_file = tmp_path / "x.db.writer-lock"
    with session_scope(first, read_only=True) as session:
        list(session.exec(select(Meeting)))
        assert lock_file_is_free(lock_file)  # reading takes no turn
    with session_scope(first) as session:
        session.add(AuditEntry(at=datetime.now(UTC), actor="test", action="first"))
        session.flush()
        assert not lock_file_is_free(lock_file)
        written = in_thread(lambda: audit(second, "second"))
        # The other engine waits for this transaction's turn instead of failing.
        assert not written.wait(timeout=0.2)
    assert written.wait(timeout=10)
    assert lock_file_is_free(lock_file)
    assert actions(first) == ["first", "second"]


def test_an_engine_on_a_missing_folder_is_built_and_fails_only_when_used(tmp_path: Path):
    """/healthz relies on this: building the engine succeeds, each use fails at once."""
    engine = make_engine(f"sqlite:///{tmp_path / 'gone' / 'x.db'}")
    for _ in range(2):  # the second attempt must not wait for a turn the first one kept
        with pytest.raises(OperationalError):
            audit(engine, "nowhere")
