"""Engine and sessions.  The caller owns the session: one per Slack request or CLI command."""

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

from sqlalchemy import Engine, event
from sqlmodel import Session, SQLModel, create_engine

import models  # noqa: F401  (registers the tables on SQLModel.metadata)


def normalise_url(url: str) -> str:
    """Accept the `postgres://` URLs that hosting platforms hand out."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def make_engine(url: str) -> Engine:
    url = normalise_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30}, pool_pre_ping=True
        )
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, pool_pre_ping=True)


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers run beside the single writer; the busy timeout makes writers queue
    # instead of failing; SQLite leaves foreign keys off unless asked.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
    # Let SQLAlchemy, not the sqlite3 module, decide where transactions begin (see below).
    dbapi_connection.isolation_level = None


def _sqlite_begin(connection: Any) -> None:
    # BEGIN IMMEDIATE takes the write lock up front.  A deferred transaction that reads and
    # then writes can fail at once with "database is locked" when another thread committed in
    # between; queueing behind the busy timeout instead keeps concurrent requests correct.
    # Read-only work (a record, a digest, a Home) says so and takes no lock: under WAL it
    # reads a snapshot while comments keep being written.
    readonly = connection.get_execution_options().get(READ_ONLY, False)
    connection.exec_driver_sql("BEGIN" if readonly else "BEGIN IMMEDIATE")


def create_schema(engine: Engine) -> None:
    """The models' tables straight from the metadata: for tooling that must bypass migrations.

    Everything else migrates (`bot.schema.migrate`), so the schema a deployment runs on is the
    one its migrations make.
    """
    SQLModel.metadata.create_all(engine)


READ_ONLY = "docket_read_only"


@contextmanager
def session_scope(engine: Engine, *, read_only: bool = False) -> Iterator[Session]:
    """Commit when the block ends normally, roll back on any error: never half-written.

    `read_only` sessions take no write lock on SQLite (they must not write).
    """
    bind = engine.execution_options(**{READ_ONLY: True}) if read_only else engine
    with Session(bind, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


class Database:
    """The engine, handed to Slack listeners through Bolt's context.

    Bolt deep-copies the context for lazy listeners; an engine is thread-safe and must be
    shared, not copied, so copying returns the same object.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def __deepcopy__(self, memo: dict[int, Any]) -> "Database":
        return self

    def session(self, *, read_only: bool = False) -> "AbstractContextManager[Session]":
        return session_scope(self.engine, read_only=read_only)


def insert_many_or_ignore(
    session: Session, model: type[SQLModel], rows: list[dict[str, Any]], keys: list[str]
) -> None:
    """INSERT every row that does not exist yet, in one statement per 500 rows."""
    table = model.__table__  # type: ignore[attr-defined]
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert  # type: ignore[assignment]
    for start in range(0, len(rows), 500):
        chunk = rows[start : start + 500]
        session.execute(
            dialect_insert(table).values(chunk).on_conflict_do_nothing(index_elements=keys)
        )


def insert_or_ignore(
    session: Session, model: type[SQLModel], values: dict[str, Any], keys: list[str]
) -> bool:
    """INSERT unless a row with the same `keys` exists; True when this call inserted it.

    The database's own conflict handling, not check-then-insert, is what makes redeliveries
    and concurrent workers record a message exactly once.
    """
    table = model.__table__  # type: ignore[attr-defined]
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        stmt: Any = pg_insert(table).values(**values).on_conflict_do_nothing(index_elements=keys)
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        stmt = sqlite_insert(table).values(**values).on_conflict_do_nothing(index_elements=keys)
    else:  # pragma: no cover - only SQLite and PostgreSQL are supported
        raise NotImplementedError(f"unsupported database dialect {dialect}")
    # RETURNING says whether this statement inserted the row; rowcount is not reliable for
    # INSERT ... ON CONFLICT on every driver (psycopg reports -1).
    returned = session.execute(stmt.returning(table.c[keys[0]])).first()
    return returned is not None
