"""SQLite's single writer, shared in turn by every thread of every process on the database file.

SQLite lets one transaction write at a time.  Writers begin with BEGIN IMMEDIATE, which takes
the write lock up front: a deferred transaction that reads and then writes can fail at once
with "database is locked" when another writer committed in between.  Left to SQLite alone,
writers waiting for that lock poll it with growing sleeps (up to 100 ms each), so under load a
few waited over a second (BENCHMARKS.md).  Instead, a writer first takes its turn:

- within a process, a `threading.Lock`: the next thread wakes as soon as the lock is free;
- between processes (gunicorn's workers), an exclusive `flock` on a file beside the database,
  tried every quarter of a millisecond while another process holds it;

and only then BEGIN IMMEDIATE, which then finds SQLite's lock free.  The turn is given back
right after COMMIT (or ROLLBACK).  SQLite's busy timeout stays as the last resort, for
writers that do not take turns (another program, `sqlite3` at a prompt).

Read-only work (a record, a digest, a Home) says so (`READ_ONLY`) and takes no turn: under WAL
it reads a snapshot while comments keep being written.
"""

import os
import threading
import time
import weakref
from typing import Any

from sqlalchemy import Engine, event

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: processes queue on SQLite's busy timeout
    fcntl = None  # type: ignore[assignment]

READ_ONLY = "docket_read_only"  # the execution option read-only sessions set
TURN_TIMEOUT = 30.0  # seconds, as SQLite's own busy timeout
_HELD = "docket_holds_write_turn"  # in the pooled connection's info while it holds the turn
# How often a writer waiting for another process's turn tries the lock again.  Under load the
# turn passes between gunicorn's workers over a hundred times a second, and each handover
# leaves the single writer idle for up to this long: polling every 1 ms instead of 0.25 ms
# captured 7% fewer replies on SQLite (BENCHMARKS.md).  A turn held longer than LONG_WAIT is
# a long transaction (a meeting being loaded, a migration): it is polled less often.
POLL = 0.00025
LONG_WAIT = 0.1
LONG_POLL = 0.005


def take_turns(engine: Engine) -> None:
    """Set `engine` (SQLite) up: WAL, busy timeout, foreign keys, and writers taking turns."""
    _Writers(engine)


def _on_connect(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers run beside the single writer; SQLite leaves foreign keys off unless asked.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={int(TURN_TIMEOUT * 1000)}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
    # Let SQLAlchemy, not the sqlite3 module, decide where transactions begin (see begin).
    dbapi_connection.isolation_level = None


class _FileTurn:
    """An exclusive flock on `<database>.writer-lock`, shared by every process on the file.

    The file is opened at the first write, not with the engine: like the database itself, a
    missing folder must fail the request that needs it (so /healthz can answer 503), not the
    process that builds the engine.
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self.fd: int | None = None

    def acquire(self, timeout: float) -> bool:
        assert fcntl is not None
        if self.fd is None:
            self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            weakref.finalize(self, os.close, self.fd)  # with its engine, not at exit
        started = time.monotonic()
        while True:
            try:
                fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return True
            except BlockingIOError:
                waited = time.monotonic() - started
                if waited >= timeout:
                    return False
                time.sleep(POLL if waited < LONG_WAIT else LONG_POLL)

    def release(self) -> None:
        assert fcntl is not None and self.fd is not None
        fcntl.flock(self.fd, fcntl.LOCK_UN)


class _Writers:
    def __init__(self, engine: Engine) -> None:
        self.lock = threading.Lock()
        database = engine.url.database
        on_disk = bool(database) and database != ":memory:" and fcntl is not None
        self.file_turn = _FileTurn(f"{database}.writer-lock") if on_disk else None
        event.listen(engine, "connect", _on_connect)
        event.listen(engine, "begin", self.begin)
        event.listen(engine, "commit", self.commit)
        event.listen(engine, "rollback", self.end)
        # A connection returned to the pool mid-transaction must not keep the turn.
        event.listen(engine.pool, "checkin", self.checked_in)

    def begin(self, connection: Any) -> None:
        if connection.get_execution_options().get(READ_ONLY, False):
            connection.exec_driver_sql("BEGIN")
            return
        if not self.lock.acquire(timeout=TURN_TIMEOUT):
            raise TimeoutError(f"no turn to write to SQLite within {TURN_TIMEOUT} s")
        try:
            if self.file_turn is not None and not self.file_turn.acquire(TURN_TIMEOUT):
                raise TimeoutError(f"no turn to write to SQLite within {TURN_TIMEOUT} s")
        except BaseException:  # the lock file could not be opened or taken: give the turn back
            self.lock.release()
            raise
        connection.info[_HELD] = True
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            self._release(connection.info)
            raise

    def commit(self, connection: Any) -> None:
        # SQLAlchemy calls this before it commits; the next writer's turn must wait for the
        # COMMIT itself (with its fsync), so commit here.  The sqlite3 module's own commit()
        # that follows finds no transaction open and does nothing.
        if not connection.info.get(_HELD):
            return
        try:
            connection.connection.dbapi_connection.execute("COMMIT")
        finally:
            self._release(connection.info)

    def end(self, connection: Any) -> None:
        self._release(connection.info)

    def checked_in(self, _dbapi_connection: Any, record: Any) -> None:
        self._release(record.info)

    def _release(self, info: dict[str, Any]) -> None:
        if info.pop(_HELD, False):
            if self.file_turn is not None:
                self.file_turn.release()
            self.lock.release()
