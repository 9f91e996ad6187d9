"""Group commit (bot/core/group_commit.py) on SQLite and PostgreSQL: units from many threads
share one COMMIT, each caller returns only once its unit is committed, and a unit that fails
fails alone, with nothing of it written."""

import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import Connection, Engine, event, text
from sqlmodel import Session, col, select

from bot.core.db import Database, session_scope
from bot.core.group_commit import GroupCommitter
from models import AuditEntry

pytestmark = pytest.mark.usefixtures("database")
AT = datetime(2020, 7, 10, 10, 0, tzinfo=UTC)


def audit(n: int) -> Callable[[Session], int]:
    def work(session: Session) -> int:
        session.add(AuditEntry(at=AT, actor="test", action="group-commit", detail=f"unit {n}"))
        session.flush()
        return n

    return work


def written(engine: Engine) -> list[str]:
    with session_scope(engine) as session:
        rows = session.exec(select(AuditEntry.detail).order_by(col(AuditEntry.id)))
        return sorted(rows)


@pytest.fixture
def commits(database: Database) -> Iterator[list[int]]:
    """How many COMMITs the engine makes while the test runs."""
    counted: list[int] = []

    def seen(_connection: object) -> None:
        counted.append(1)

    event.listen(database.engine, "commit", seen)
    yield counted
    event.remove(database.engine, "commit", seen)


def test_units_queued_during_a_commit_share_the_next_one(database: Database, commits: list[int]):
    committer = GroupCommitter(database.engine)
    gate, entered = threading.Event(), threading.Event()

    def first(session: Session) -> int:
        entered.set()
        assert gate.wait(10)  # holds the first batch open while the others queue
        return audit(0)(session)

    results: dict[int, int] = {}

    def call(n: int, work: Callable[[Session], int]) -> None:
        results[n] = committer.run(work)

    leader = threading.Thread(target=call, args=(0, first))
    leader.start()
    assert entered.wait(10)
    followers = [threading.Thread(target=call, args=(n, audit(n))) for n in range(1, 10)]
    for thread in followers:
        thread.start()
    while len(committer._queue) < 9:  # every follower has queued its unit behind the leader
        threading.Event().wait(0.001)
    gate.set()
    for thread in [leader, *followers]:
        thread.join(10)
    assert results == {n: n for n in range(10)}
    assert committer.batches == 2 and len(commits) == 2  # the leader's, then the nine together
    assert written(database.engine) == sorted(f"unit {n}" for n in range(10))


def test_a_failing_unit_fails_alone_and_writes_nothing(database: Database):
    committer = GroupCommitter(database.engine)
    gate, entered = threading.Event(), threading.Event()
    outcomes: dict[int, object] = {}

    def first(session: Session) -> int:
        entered.set()
        assert gate.wait(10)
        return audit(0)(session)

    def bad(session: Session) -> int:
        audit(99)(session)  # written, then the unit fails: this row must not survive
        raise ValueError("a reply the capture cannot take")

    def call(n: int, work: Callable[[Session], int]) -> None:
        try:
            outcomes[n] = committer.run(work)
        except ValueError as exc:
            outcomes[n] = exc

    threads = [threading.Thread(target=call, args=(0, first))]
    threads[0].start()
    assert entered.wait(10)
    for n, work in ((1, audit(1)), (2, bad), (3, audit(3))):
        threads.append(threading.Thread(target=call, args=(n, work)))
        threads[-1].start()
    while len(committer._queue) < 3:
        threading.Event().wait(0.001)
    gate.set()
    for thread in threads:
        thread.join(10)
    assert outcomes[0] == 0 and outcomes[1] == 1 and outcomes[3] == 3
    assert isinstance(outcomes[2], ValueError)
    assert written(database.engine) == ["unit 0", "unit 1", "unit 3"]


def test_a_lone_unit_commits_at_once_and_its_error_reaches_the_caller(database: Database):
    committer = GroupCommitter(database.engine)
    assert committer.run(audit(7)) == 7
    with pytest.raises(ZeroDivisionError):
        committer.run(lambda session: session.execute(text("SELECT 1")) and 1 // 0)
    assert written(database.engine) == ["unit 7"]
    assert committer.batches == 2


def test_many_threads_at_once_each_unit_exactly_once(database: Database):
    committer = GroupCommitter(database.engine, max_batch=8)
    barrier = threading.Barrier(24)
    results: list[int] = []
    lock = threading.Lock()

    def call(n: int) -> None:
        barrier.wait(10)
        value = committer.run(audit(n))
        with lock:
            results.append(value)

    threads = [threading.Thread(target=call, args=(n,)) for n in range(24)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert sorted(results) == list(range(24))
    assert written(database.engine) == sorted(f"unit {n}" for n in range(24))
    assert committer.batches <= 24


def test_a_prepare_step_runs_once_per_batch_with_every_units_argument(database: Database):
    """Units naming the same prepare function get it called once for their batch; each unit
    then finds what it left in the session."""
    committer = GroupCommitter(database.engine)
    calls: list[list[int]] = []
    gate, entered = threading.Event(), threading.Event()

    def prepare(session: Session, arguments: list[int]) -> None:
        calls.append(list(arguments))
        session.info["prepared"] = {n: n * 10 for n in arguments}

    def unit(n: int) -> Callable[[Session], int]:
        def work(session: Session) -> int:
            if n == 0:
                entered.set()
                assert gate.wait(10)  # holds the first batch open while the others queue
            audit(n)(session)
            return int(session.info["prepared"][n])

        return work

    results: dict[int, int] = {}

    def call(n: int) -> None:
        results[n] = committer.run(unit(n), prepare=(prepare, n))

    threads = [threading.Thread(target=call, args=(0,))]
    threads[0].start()
    assert entered.wait(10)
    threads += [threading.Thread(target=call, args=(n,)) for n in range(1, 6)]
    for thread in threads[1:]:
        thread.start()
    while len(committer._queue) < 5:
        threading.Event().wait(0.001)
    gate.set()
    for thread in threads:
        thread.join(10)
    assert results == {n: n * 10 for n in range(6)}
    assert calls[0] == [0] and sorted(calls[1]) == [1, 2, 3, 4, 5] and len(calls) == 2
    assert written(database.engine) == sorted(f"unit {n}" for n in range(6))


def test_units_run_again_alone_do_without_the_prepare_step(database: Database):
    """After a failed batch each unit runs alone, without its prepare step: the work must do
    the whole job itself then, and what the failed batch prepared is not kept."""
    committer = GroupCommitter(database.engine)
    gate, entered = threading.Event(), threading.Event()
    prepared: list[list[int]] = []

    def prepare(session: Session, arguments: list[int]) -> None:
        prepared.append(list(arguments))
        for n in arguments:
            audit(100 + n)(session)  # rolled back with the failed batch
        session.info["prepared"] = set(arguments)

    def unit(n: int) -> Callable[[Session], str]:
        def work(session: Session) -> str:
            if n == 0:
                entered.set()
                assert gate.wait(10)
            if n == 2:
                raise ValueError("a reply the capture cannot take")
            audit(n)(session)
            return "prepared" if n in session.info.get("prepared", ()) else "alone"

        return work

    outcomes: dict[int, object] = {}

    def call(n: int) -> None:
        try:
            outcomes[n] = committer.run(unit(n), prepare=(prepare, n))
        except ValueError as exc:
            outcomes[n] = exc

    threads = [threading.Thread(target=call, args=(0,))]
    threads[0].start()
    assert entered.wait(10)
    threads += [threading.Thread(target=call, args=(n,)) for n in (1, 2, 3)]
    for thread in threads[1:]:
        thread.start()
    while len(committer._queue) < 3:
        threading.Event().wait(0.001)
    gate.set()
    for thread in threads:
        thread.join(10)
    assert outcomes[0] == "prepared"  # the leader's own batch of one
    assert outcomes[1] == "alone" and outcomes[3] == "alone"
    assert isinstance(outcomes[2], ValueError)
    assert len(prepared) == 2  # the two batches; none for the units run alone
    assert written(database.engine) == ["unit 0", "unit 1", "unit 100", "unit 3"]


def test_batches_share_one_kept_connection(database: Database):
    """One connection from the pool for every batch: no checkout (on PostgreSQL a ping of the
    server first) per batch."""
    committer = GroupCommitter(database.engine)
    checkouts: list[int] = []

    def counted(*_: object) -> None:
        checkouts.append(1)

    event.listen(database.engine.pool, "checkout", counted)
    try:
        for n in range(5):
            assert committer.run(audit(n)) == n
    finally:
        event.remove(database.engine.pool, "checkout", counted)
        committer.close()
    assert len(checkouts) == 1
    assert written(database.engine) == [f"unit {n}" for n in range(5)]


def test_a_dropped_kept_connection_costs_no_reply(database: Database):
    """The database restarted between two batches (here: the kept connection's server process
    ended): the next unit still commits, on a connection the pool checks first."""
    if database.engine.dialect.name != "postgresql":
        pytest.skip("a SQLite file does not drop its connections")
    committer = GroupCommitter(database.engine)
    assert committer.run(audit(1)) == 1
    kept = committer._idle
    assert kept is not None
    pid = kept.connection.dbapi_connection.info.backend_pid  # type: ignore[union-attr]
    with database.engine.connect() as admin:
        admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    assert committer.run(audit(2)) == 2
    committer.close()
    assert written(database.engine) == ["unit 1", "unit 2"]


def test_no_connection_for_a_batch_fails_every_unit_of_it(database: Database):
    """The database cannot be reached when a batch starts: each of its callers gets the error
    (and answers 500, so Slack redelivers); none is told its unit was committed."""
    committer = GroupCommitter(database.engine)
    gate, entered = threading.Event(), threading.Event()

    def first(session: Session) -> int:
        entered.set()
        assert gate.wait(10)
        return audit(0)(session)

    outcomes: dict[int, object] = {}

    def call(n: int, work: Callable[[Session], int]) -> None:
        try:
            outcomes[n] = committer.run(work)
        except ConnectionError as exc:
            outcomes[n] = exc

    def unreachable() -> Connection:
        raise ConnectionError("the database is down")

    threads = [threading.Thread(target=call, args=(0, first))]
    threads[0].start()
    assert entered.wait(10)
    threads += [threading.Thread(target=call, args=(n, audit(n))) for n in (1, 2, 3)]
    for thread in threads[1:]:
        thread.start()
    while len(committer._queue) < 3:
        threading.Event().wait(0.001)
    committer._connection = unreachable  # type: ignore[method-assign]
    gate.set()
    for thread in threads:
        thread.join(10)
    assert outcomes[0] == 0
    assert all(isinstance(outcomes[n], ConnectionError) for n in (1, 2, 3))
    assert written(database.engine) == ["unit 0"]
