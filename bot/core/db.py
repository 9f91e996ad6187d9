"""Engine and sessions.  The caller owns the session: one per Slack request or CLI command."""

import functools
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any, TypeVar

from sqlalchemy import Engine
from sqlmodel import Session, SQLModel, create_engine

import models  # noqa: F401  (registers the tables on SQLModel.metadata)
from bot.core.group_commit import GroupCommitter, Prepare
from bot.core.sqlite_writers import READ_ONLY, take_turns

T = TypeVar("T")


def normalise_url(url: str) -> str:
    """Accept the `postgres://` URLs that hosting platforms hand out."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def make_engine(url: str) -> Engine:
    url = normalise_url(url)
    if url.startswith("sqlite"):
        # No pre-ping: a file does not drop connections, and it would cost a statement per
        # request.
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        take_turns(engine)  # WAL, foreign keys, and one writer at a time (bot/sqlite_writers.py)
        return engine
    # Up to 30 connections per process, opened only as needed: gunicorn's 16 request threads
    # and the 10 listener threads may each hold a session at once (SQLAlchemy's default of 15
    # would make the rest wait).  Two workers and the clock stay within PostgreSQL's default
    # max_connections of 100.
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


def create_schema(engine: Engine) -> None:
    """The models' tables straight from the metadata: for tooling that must bypass migrations.

    Everything else migrates (`bot.core.schema.migrate`), so the schema a deployment runs on is the
    one its migrations make.
    """
    SQLModel.metadata.create_all(engine)


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

    @property
    def engine(self) -> Engine:
        return self._engine

    @engine.setter
    def engine(self, engine: Engine) -> None:
        """A new engine (a test swaps it) gets its own group committer: none outlives it."""
        previous = getattr(self, "committer", None)
        if previous is not None:
            previous.close()
        self._engine = engine
        self.committer = GroupCommitter(engine)

    def dispose(self) -> None:
        """Close every connection: the group committer's kept one, then the engine's pool."""
        self.committer.close()
        self.engine.dispose()

    def __deepcopy__(self, memo: dict[int, Any]) -> "Database":
        return self

    def session(self, *, read_only: bool = False) -> "AbstractContextManager[Session]":
        return session_scope(self.engine, read_only=read_only)

    def in_group_commit(self, work: Callable[[Session], T], *, prepare: Prepare | None = None) -> T:
        """`work(session)` committed together with other threads' (bot/core/group_commit.py):
        for the capture of replies, where the COMMIT costs more than the work."""
        return self.committer.run(work, prepare=prepare)


def insert_or_ignore(
    session: Session, model: type[SQLModel], values: dict[str, Any], keys: list[str]
) -> bool:
    """INSERT unless a row with the same `keys` exists; True when this call inserted it.

    The database's own conflict handling, not check-then-insert, is what makes redeliveries
    and concurrent workers record a message exactly once.
    """
    return insert_returning(session, model, values, keys=keys, returning=keys[0]) is not None


def insert_returning(
    session: Session,
    model: type[SQLModel],
    values: dict[str, Any],
    *,
    keys: list[str],
    returning: str,
) -> Any | None:
    """INSERT … ON CONFLICT (`keys`) DO NOTHING RETURNING `returning`: the new row's column,
    or None when a row with the same keys already existed (nothing is written then)."""
    dialect = session.get_bind().dialect.name
    stmt = _insert_or_ignore_statement(model, dialect, tuple(keys), returning)
    # The values travel as parameters of a statement built once: building a statement per
    # row cost more than running it (a reply's capture is three of these).  It runs on the
    # session's connection, in its transaction, without the Session's ORM bookkeeping.
    return session.connection().execute(stmt, values).scalar()


def insert_many_or_ignore(
    session: Session,
    model: type[SQLModel],
    rows: list[dict[str, Any]],
    *,
    keys: list[str],
    returning: tuple[str, ...],
) -> list[tuple[Any, ...]]:
    """`insert_returning` for many rows in one statement (SQLAlchemy's "insertmanyvalues":
    a single multi-row INSERT): the `returning` columns of the rows it inserted, in no set
    order; the rows whose keys existed are left out."""
    if not rows:
        return []
    dialect = session.get_bind().dialect.name
    stmt = _insert_or_ignore_statement(model, dialect, tuple(keys), returning)
    return [tuple(row) for row in session.connection().execute(stmt, rows)]


@functools.cache
def _insert_or_ignore_statement(
    model: type[SQLModel], dialect: str, keys: tuple[str, ...], returning: str | tuple[str, ...]
) -> Any:
    table = model.__table__  # type: ignore[attr-defined]
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        stmt: Any = pg_insert(table).on_conflict_do_nothing(index_elements=list(keys))
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        stmt = sqlite_insert(table).on_conflict_do_nothing(index_elements=list(keys))
    else:  # pragma: no cover - only SQLite and PostgreSQL are supported
        raise NotImplementedError(f"unsupported database dialect {dialect}")
    # RETURNING says whether this statement inserted the row; rowcount is not reliable for
    # INSERT ... ON CONFLICT on every driver (psycopg reports -1).
    names = (returning,) if isinstance(returning, str) else returning
    return stmt.returning(*(table.c[name] for name in names))
