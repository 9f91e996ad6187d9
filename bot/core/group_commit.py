"""Group commit: units of work from many request threads share one transaction and one COMMIT.

Capturing a reply is three short statements and a COMMIT, and the COMMIT is the expensive part:
it waits for the disk (SQLite's fsync with `synchronous=FULL`, PostgreSQL's WAL flush), and on
SQLite the writer's turn is held meanwhile, so replies arriving together queue for the disk one
by one.  Here the replies that arrive while a COMMIT is under way are committed together by the
next one.  Nothing waits on purpose: an idle process commits a lone reply at once, exactly as
before; under load a batch is whatever queued during the previous COMMIT.

Durability is unchanged: `run` returns only after the transaction holding its unit committed, so
a request that acknowledges after `run` acknowledges a committed comment.

No extra thread: a caller that finds no batch under way leads.  It runs its batch in one session
on a connection the committer keeps, commits, hands each caller its result, and hands the
callers that queued meanwhile to the oldest of them, who leads them as the next batch.  (Two
batches under way at once on PostgreSQL made smaller batches and cost more CPU per reply: 378
replies/s against 441 with one, BENCHMARKS.md.)  A unit that raises makes the batch
roll back; every unit of that batch is then run again alone, in its own transaction, so one
bad reply fails only its own request (and Slack redelivers it), never its neighbours'.  Units
must therefore be safe to run twice (the capture is: it is keyed by channel and ts) and must
not act outside the database (Slack calls are returned as values and sent by the caller after
`run`).

A unit may also name a `prepare` step, `(function, argument)`: before the batch's units run,
each such function is called once, in the batch's transaction, with the arguments of every unit
that names it.  That is how the replies of a batch are captured in a few statements instead of
three each (bot/domain/comments.py, `capture_replies`): the leader runs the batch while the
other request threads hold the GIL, and each statement it sends is one more wait to get it
back, so the batch's time grew with its statements, not with its CPU (BENCHMARKS.md).  A
prepare step leaves its results in the session for the units to find; a unit must still do its
whole work when they are not there, since a unit run again alone runs without it.
"""

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from sqlalchemy import Connection, Engine
from sqlmodel import Session

T = TypeVar("T")

# (function, argument): the function is called once per batch with every unit's argument.
Prepare = tuple[Callable[[Session, list[Any]], None], Any]

# A batch bigger than this is split: each caller waits for at most one batch ahead of its own.
MAX_BATCH = 64


def _taken_lock() -> Any:
    lock = threading.Lock()
    lock.acquire()
    return lock


@dataclass(eq=False)
class _Unit(Generic[T]):
    work: Callable[[Session], T]
    prepare: Prepare | None = None
    result: Any = None
    error: BaseException | None = None
    # The batch this unit's caller is to lead, when a finishing leader hands it one.
    lead: "list[_Unit[Any]] | None" = None
    # Released once: when the unit is committed (or failed), or when its caller is to lead a
    # batch.  One per caller, so a COMMIT wakes only its own batch and the next leader, not
    # every waiting thread (a shared condition's notify_all cost 4% of the web CPU).  A lock
    # taken at birth rather than an Event: an Event's wait builds a Condition and a lock of
    # its own on every call.
    wake: Any = field(default_factory=_taken_lock)

    def outcome(self) -> T:
        if self.error is not None:
            raise self.error
        return self.result


class GroupCommitter:
    def __init__(self, engine: Engine, *, max_batch: int = MAX_BATCH) -> None:
        self.engine = engine
        self.max_batch = max_batch
        self._lock = threading.Lock()
        self._queue: list[_Unit[Any]] = []
        self._leading = False  # a batch is under way
        # The connection kept between batches: a batch takes it instead of checking one out of
        # the pool, which on PostgreSQL pings the server first (one more round trip per batch,
        # while the batch's callers wait).  One the server dropped is closed, not kept; the
        # batch's units then run again alone on the pool's connections, pinged as usual.
        self._idle: Connection | None = None
        self.batches = 0  # transactions committed or tried, for tests and benchmarks

    def run(self, work: Callable[[Session], T], *, prepare: Prepare | None = None) -> T:
        """Run `work(session)` in a transaction shared with other callers; return its result
        once that transaction has committed, or raise what `work` raised (nothing of it is
        written then).  `prepare`: see the module's docstring."""
        unit: _Unit[T] = _Unit(work, prepare)
        with self._lock:
            self._queue.append(unit)
            # No batch under way: lead at once.  The queue was empty then (a finishing leader
            # hands queued units on), so the batch is this unit alone.
            if not self._leading:
                self._leading = True
                unit.lead = self._queue[:]
                self._queue.clear()
        if unit.lead is None:
            unit.wake.acquire()  # committed by a leader, or handed a batch to lead
            if unit.lead is None:
                return unit.outcome()
        batch = unit.lead
        following: list[_Unit[Any]] = []
        try:
            self._commit(batch)
        finally:
            with self._lock:
                # The oldest waiting callers are the next batch, led by the first of them;
                # none waiting: nobody leads.
                following = self._queue[: self.max_batch]
                del self._queue[: self.max_batch]
                if following:
                    following[0].lead = following
                else:
                    self._leading = False
            for each in batch:
                if each is not unit:
                    each.wake.release()
            if following:
                following[0].wake.release()
        return unit.outcome()

    def close(self) -> None:
        """Close the connection kept between batches (the engine is being replaced)."""
        with self._lock:
            idle, self._idle = self._idle, None
        if idle is not None:
            idle.close()

    def _connection(self) -> Connection:
        with self._lock:
            idle, self._idle = self._idle, None
        return idle if idle is not None else self.engine.connect()

    def _keep(self, connection: Connection) -> None:
        """Keep `connection` for the next batch, unless it is broken (SQLAlchemy invalidates a
        connection the server dropped)."""
        if not connection.closed and not connection.invalidated and not connection.in_transaction():
            with self._lock:
                if self._idle is None:
                    self._idle = connection
                    return
        connection.close()

    def _commit(self, batch: list[_Unit[Any]]) -> None:
        """Run `batch` in one transaction; if any unit fails, each again in its own."""
        self.batches += 1
        try:
            connection = self._connection()
        except Exception as exc:  # noqa: BLE001  (no connection: nothing of the batch is written)
            for unit in batch:
                unit.error = exc
            return
        try:
            with Session(connection, expire_on_commit=False) as session:
                try:
                    _prepare(session, batch)
                    results = [unit.work(session) for unit in batch]
                    session.commit()
                except BaseException:
                    session.rollback()
                    raise
        except Exception as exc:  # noqa: BLE001  (handed to the unit's caller, who raises it)
            # A lone unit's error is its own, unless the kept connection had been dropped
            # (a database restarted since the last batch): then it runs again, as a batch's
            # units do, on a connection the pool checks first.
            if len(batch) == 1 and not connection.invalidated:
                batch[0].error = exc
                return
            for unit in batch:
                self._commit_alone(unit)
            return
        except BaseException as exc:  # KeyboardInterrupt, SystemExit: every caller learns it
            for unit in batch:
                unit.error = exc
            raise
        finally:
            self._keep(connection)
        for unit, result in zip(batch, results, strict=True):
            unit.result = result

    def _commit_alone(self, unit: _Unit[Any]) -> None:
        self.batches += 1
        try:
            with Session(self.engine, expire_on_commit=False) as session:
                try:
                    unit.result = unit.work(session)
                    session.commit()
                except BaseException:
                    session.rollback()
                    raise
        except Exception as exc:  # noqa: BLE001  (handed to the unit's caller, who raises it)
            unit.result = None
            unit.error = exc


def _prepare(session: Session, batch: list[_Unit[Any]]) -> None:
    """Call each unit's prepare function once, with the arguments of the units naming it."""
    arguments: dict[Callable[[Session, list[Any]], None], list[Any]] = {}
    for unit in batch:
        if unit.prepare is not None:
            function, argument = unit.prepare
            arguments.setdefault(function, []).append(argument)
    for function, each in arguments.items():
        function(session, each)
