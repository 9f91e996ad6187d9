"""Group commit (bot/core/group_commit.py) on SQLite and PostgreSQL: units from many threads
share one COMMIT, each caller returns only once its unit is committed, and a unit that fails
fails alone, with nothing of it written."""

import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, event, text
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
