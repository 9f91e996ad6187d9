"""Which clock leads: one clock process does the work, any other stands by.

A deployment may run a standby clock beside the clock. Exactly one of them holds the clock's
lock and runs the jobs; the other tries the lock every few seconds and takes over when the
leader is gone:

- on PostgreSQL, a session-level advisory lock held by one dedicated connection. The server
  releases it when that connection ends, including when the process is killed (the kernel
  closes its socket). The key is derived from the schema, so deployments (or tests) sharing a
  database in different schemas do not stand in each other's way. The leader checks the
  connection every few seconds (`alive()`): a leader whose connection died may already have
  been replaced, so it stops.
- on SQLite, an exclusive `flock` on `<database>.clock-lock` beside the database file, released
  by the kernel when the process dies. An in-memory database has one process: it always leads.

The lock only keeps the standby idle; the claims in the database (bot/clock/claims.py) are what
make a delivery go out once, even in the moment of a takeover.
"""

import hashlib
import logging
import os
from typing import Protocol

from sqlalchemy import Connection, Engine, text

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no file lock, a single clock must be run
    fcntl = None  # type: ignore[assignment]

log = logging.getLogger(__name__)

LOCK_NAME = "docket-clock"


class Leadership(Protocol):
    """The lock, held: the holder leads until `release()` or until `alive()` says no."""

    def alive(self) -> bool: ...

    def release(self) -> None: ...


def try_lead(engine: Engine) -> Leadership | None:
    """Take the clock's lock if it is free, without waiting: None when another clock leads."""
    dialect = engine.dialect.name
    if dialect == "postgresql":
        return _PostgresLeadership.try_take(engine)
    if dialect == "sqlite":
        database = engine.url.database
        if not database or database == ":memory:" or fcntl is None:
            return _Alone()
        return _FileLeadership.try_take(f"{database}.clock-lock")
    log.warning("clock: no clock lock on %s: run a single clock", dialect)
    return _Alone()


def advisory_key(schema: str) -> int:
    """A signed 64-bit advisory lock key for the clock of the deployment in `schema`."""
    digest = hashlib.blake2b(f"{LOCK_NAME}:{schema}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


class _Alone:
    """Nothing to share the work with: leads for as long as the process lives."""

    def alive(self) -> bool:
        return True

    def release(self) -> None:
        pass


class _PostgresLeadership:
    def __init__(self, connection: Connection, key: int) -> None:
        self.connection = connection
        self.key = key

    @classmethod
    def try_take(cls, engine: Engine) -> "_PostgresLeadership | None":
        connection = engine.connect()
        try:
            schema = connection.execute(text("SELECT current_schema()")).scalar_one()
            key = advisory_key(str(schema))
            taken = connection.execute(
                text("SELECT pg_try_advisory_lock(:key)"), {"key": key}
            ).scalar_one()
            connection.commit()  # a session lock outlives the transaction: do not sit in one
        except BaseException:
            connection.invalidate()
            connection.close()
            raise
        if not taken:
            connection.close()
            return None
        return cls(connection, key)

    def alive(self) -> bool:
        """The keep-alive: the lock lasts as long as this connection does."""
        try:
            held = self.connection.execute(
                text(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'"
                    " AND pid = pg_backend_pid() AND granted AND objsubid = 1"
                    " AND classid::bigint = :high AND objid::bigint = :low"
                ),
                # A bigint key is stored as two unsigned halves.
                {"high": (self.key >> 32) & 0xFFFFFFFF, "low": self.key & 0xFFFFFFFF},
            ).scalar_one()
            self.connection.commit()
        except Exception:
            log.warning("clock: the connection holding the clock's lock is gone", exc_info=True)
            return False
        return bool(held)

    def release(self) -> None:
        try:
            if not self.connection.invalidated and not self.connection.closed:
                self.connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": self.key})
                self.connection.commit()
        except Exception:
            # The connection is gone, and the lock with it.
            log.warning("clock: could not give the clock's lock back", exc_info=True)
            self.connection.invalidate()
        finally:
            self.connection.close()


class _FileLeadership:
    def __init__(self, fd: int) -> None:
        self.fd: int | None = fd

    @classmethod
    def try_take(cls, path: str) -> "_FileLeadership | None":
        assert fcntl is not None
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return None
        except BaseException:
            os.close(fd)
            raise
        return cls(fd)

    def alive(self) -> bool:
        return self.fd is not None  # a flock lasts as long as the open file

    def release(self) -> None:
        if self.fd is not None:
            fd, self.fd = self.fd, None
            os.close(fd)  # closing the only descriptor gives the flock back
