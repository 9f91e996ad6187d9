"""Alembic's environment for Docket, configured in code by `bot.core.schema.alembic_config`.

Online, it runs on the connection handed over in `config.attributes["connection"]` (so the
SQLite pragmas and BEGIN IMMEDIATE of `bot.core.db.make_engine` apply), or else on an engine made
from `sqlalchemy.url` by `bot.core.db.make_engine`.  Offline (`--sql`), it writes the SQL for the
URL's dialect.
"""

from typing import Any

from alembic import context
from sqlalchemy import Connection, text

from bot.core.schema import COMPARE_OPTIONS, render_item, target_metadata

config = context.config


def run_migrations_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata(),
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
        render_item=render_item,
        **COMPARE_OPTIONS,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    from bot.core.db import make_engine

    url = config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("no database: set sqlalchemy.url or attributes['connection']")
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            _run(connection)
            connection.commit()
    finally:
        engine.dispose()


def _run(connection: Connection) -> None:
    sqlite = connection.dialect.name == "sqlite"
    # Batch migrations on SQLite copy a table, drop the original and rename the copy: with
    # foreign keys enforced, dropping a referenced table fails (or cascades).  The pragma only
    # takes effect outside a transaction, so switch it off on the raw connection before
    # beginning, check the keys before committing, and switch it back on afterwards.
    keys_off = sqlite and not connection.in_transaction()
    if keys_off:
        _pragma(connection, "PRAGMA foreign_keys=OFF")
    try:
        context.configure(
            connection=connection,
            target_metadata=target_metadata(),
            render_as_batch=sqlite,
            render_item=render_item,
            # SQLAlchemy, not the sqlite3 module, issues BEGIN (see bot.core.db), so SQLite's DDL
            # is transactional: the whole upgrade commits or none of it does.
            transactional_ddl=True,
            **COMPARE_OPTIONS,
        )
        with context.begin_transaction():
            if connection.dialect.name == "postgresql":
                # Two release steps migrating at once wait for each other instead of racing.
                connection.execute(text("SELECT pg_advisory_xact_lock(4242170001)"))
            context.run_migrations()
            if sqlite:
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise RuntimeError(f"the migration broke foreign keys: {broken[:5]}")
    finally:
        if keys_off:
            _pragma(connection, "PRAGMA foreign_keys=ON")


def _pragma(connection: Connection, statement: str) -> None:
    driver: Any = connection.connection.driver_connection
    driver.execute(statement)


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
