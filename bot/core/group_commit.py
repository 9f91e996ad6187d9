"""Group commit: units of work from many request threads share one transaction and one COMMIT.

Capturing a reply is three short statements and a COMMIT, and the COMMIT is the expensive part:
it waits for the disk (SQLite's fsync with `synchronous=FULL`, PostgreSQL's WAL flush), and on
SQLite the writer's turn is held meanwhile, so replies arriving together queue for the disk one
by one.  Here the replies that arrive while a COMMIT is under way are committed together by the
next one.  Nothing waits on purpose: an idle process commits a lone reply at once, exactly as
before; under load a batch is whatever queued during the previous COMMIT.

Durability is unchanged: `run` returns only after the transaction holding its unit committed, so
a request that acknowledges after `run` acknowledges a committed comment.

No extra thread: the first caller to find no COMMIT under way leads.  It takes the queue (its own
unit included), runs every unit in one session, commits, hands each caller its result, and lets
the next waiting caller lead.  A unit that raises makes the batch roll back; every unit of that
batch is then run again alone, in its own transaction, so one bad reply fails only its own
request (and Slack redelivers it), never its neighbours'.  Units must therefore be safe to run
twice (the capture is: it is keyed by channel and ts) and must not act outside the database
(Slack calls are returned as values and sent by the caller after `run`).
"""

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from sqlalchemy import Engine
from sqlmodel import Session

T = TypeVar("T")

# A batch bigger than this is split: each caller waits for at most one batch ahead of its own.
MAX_BATCH = 64


@dataclass(eq=False)
class _Unit(Generic[T]):
    work: Callable[[Session], T]
    done: bool = False
    result: Any = None
    error: BaseException | None = None
    # Set once: when the unit is committed (or failed), or when its caller is to lead the next
    # batch.  One event per caller, so a COMMIT wakes only its own batch and the next leader,
    # not every waiting thread (a shared condition's notify_all cost 4% of the web CPU).
    wake: threading.Event = field(default_factory=threading.Event)

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
        self._leading = False
        self.batches = 0  # transactions committed or tried, for tests and benchmarks

    def run(self, work: Callable[[Session], T]) -> T:
        """Run `work(session)` in a transaction shared with other callers; return its result
        once that transaction has committed, or raise what `work` raised (nothing of it is
        written then)."""
        unit: _Unit[T] = _Unit(work)
        with self._lock:
            self._queue.append(unit)
            lead = not self._leading
            self._leading = True
        while True:
            if not lead:
                unit.wake.wait()  # committed by a leader, or made the next leader
                if unit.done:
                    return unit.outcome()
            with self._lock:
                batch = self._queue[: self.max_batch]
                del self._queue[: self.max_batch]
            try:
                self._commit(batch)
            finally:
                with self._lock:
                    for each in batch:
                        each.done = True
                    # The oldest waiting caller leads next; none waiting: nobody leads.
                    if self._queue:
                        self._queue[0].wake.set()
                    else:
                        self._leading = False
                for each in batch:
                    if each is not unit:
                        each.wake.set()
            if unit.done:
                return unit.outcome()
            lead = False  # not in this batch (it was full): wait to be committed or to lead

    def _commit(self, batch: list[_Unit[Any]]) -> None:
        """Run `batch` in one transaction; if any unit fails, each again in its own."""
        self.batches += 1
        try:
            with Session(self.engine, expire_on_commit=False) as session:
                try:
                    results = [unit.work(session) for unit in batch]
                    session.commit()
                except BaseException:
                    session.rollback()
                    raise
        except Exception as exc:  # noqa: BLE001  (handed to the unit's caller, who raises it)
            if len(batch) == 1:
                batch[0].error = exc
                return
            for unit in batch:
                self._commit_alone(unit)
            return
        except BaseException as exc:  # KeyboardInterrupt, SystemExit: every caller learns it
            for unit in batch:
                unit.error = exc
            raise
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
