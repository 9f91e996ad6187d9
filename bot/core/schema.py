"""The database schema's version: Alembic migrations, configured in code (no alembic.ini).

`migrate` brings a database to the newest revision; `pending` says, in words an operator can
act on, when a database is behind this release.  A database made before migrations existed
(by `SQLModel.metadata.create_all`: development databases, demo files) is recognised, checked
against the models and stamped, never recreated.

When the models change, generate the next revision against a scratch database at head:

    python -m bot.core.schema revision -m "what changed"

then read the new file in bot/migrations/versions/ before committing it.
"""

import argparse
import importlib.util
import re
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.autogenerate.api import AutogenContext
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.operations.ops import MigrationScript
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, MetaData, inspect
from sqlmodel.sql.sqltypes import AutoString

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
MIGRATE_COMMAND = "python -m bot migrate"

# The same comparison for autogenerate (env.py) and for the checks below.
COMPARE_OPTIONS: dict[str, Any] = {"compare_type": True, "compare_server_default": True}


# Alembic's `context` and `op` are process-wide proxies: one migration at a time per process.
# Between processes, the database serialises them (BEGIN IMMEDIATE on SQLite, an advisory
# lock on PostgreSQL: see migrations/env.py).
_alembic_lock = threading.RLock()


class SchemaError(RuntimeError):
    """The database's schema is not one this release can migrate by itself."""


def target_metadata() -> MetaData:
    """Every Docket table, as the models declare them."""
    from sqlmodel import SQLModel

    import models  # noqa: F401  (registers the tables on SQLModel.metadata)

    return SQLModel.metadata


def render_item(type_: str, obj: Any, autogen_context: AutogenContext) -> str | Literal[False]:
    """Write the models' custom column types as the plain SQLAlchemy types they compile to.

    `models.UTCDateTime` is `DateTime(timezone=True)` plus conversion in Python; the DDL is the
    impl's (TIMESTAMP WITH TIME ZONE on PostgreSQL).  Migrations name the plain type so that
    they never import the live models, which change after the migration is written.
    """
    if type_ != "type":
        return False
    import models

    if isinstance(obj, models.UTCDateTime):
        return "sa.DateTime(timezone=True)"
    if isinstance(obj, AutoString):
        return f"sa.String(length={obj.length})" if obj.length else "sa.String()"
    return False


def alembic_config(url: str) -> Config:
    """Alembic's configuration for `url`, with the migrations shipped in bot/migrations."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("path_separator", "os")
    config.set_main_option("file_template", "%%(rev)s_%%(slug)s")
    # ConfigParser interpolates `%`: a percent-encoded password must reach the engine intact.
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def head_revision() -> str:
    """The revision this release's code expects."""
    head = _scripts().get_current_head()
    if head is None:  # pragma: no cover - the package always ships 0001_initial
        raise SchemaError("no migrations found in " + str(MIGRATIONS))
    return head


def current_revision(engine: Engine | Connection) -> str | None:
    """The database's revision, or None when it has no alembic_version row."""
    with _connect(engine) as connection:
        return MigrationContext.configure(connection).get_current_revision()


def pending(engine: Engine | Connection) -> str | None:
    """None when the database is at head; otherwise what is wrong and what to run."""
    head = head_revision()
    with _connect(engine) as connection:
        heads = MigrationContext.configure(connection).get_current_heads()
        state = _unversioned_state(connection) if not heads else None
    if heads == (head,):
        return None
    run = f"run `{MIGRATE_COMMAND}` (the Procfile's release: step) first"
    if not heads:
        if state == "legacy":
            return (
                "the database has Docket's tables but no migration record (it was made before "
                f"migrations); this release needs revision {head}: {run}, which checks the "
                "tables against the models and stamps them"
            )
        if state == "partial":
            return (
                "the database has only some of Docket's tables and no migration record; "
                f"this release needs revision {head}: use a fresh database"
            )
        return f"the database has no Docket schema but this release needs revision {head}: {run}"
    known = {script.revision for script in _scripts().walk_revisions()}
    unknown = [rev for rev in heads if rev not in known]
    at = ", ".join(heads)
    if unknown:
        return (
            f"the database is at revision {at}, which this release does not know (was it "
            f"migrated by a newer release?); this release needs revision {head}"
        )
    return f"the database is at revision {at} but this release needs revision {head}: {run}"


def migrate(engine_or_url: Engine | str) -> None:
    """Bring the database to head; a no-op when it is there already.

    A database made by `create_all` before migrations existed is compared with the models and,
    when it matches, stamped at head with its rows untouched; when it does not, SchemaError.
    """
    with _alembic_lock, _engine(engine_or_url) as engine, engine.connect() as connection:
        state = _unversioned_state(connection)
        if state == "legacy":
            differences = schema_differences(connection)
            connection.rollback()
            if differences:
                raise SchemaError(
                    "the database has Docket's tables but no migration record, and its "
                    "schema differs from this release's models, so it cannot be stamped: "
                    + "; ".join(_describe(diff) for diff in differences)
                )
            _alembic(command.stamp, connection, "head")
        elif state == "partial":
            connection.rollback()
            raise SchemaError(
                "the database has some of Docket's tables but no migration record: "
                "it was not made by Docket, or only partly; use a fresh database"
            )
        else:
            connection.rollback()
            _alembic(command.upgrade, connection, "head")


def downgrade(engine_or_url: Engine | str, revision: str = "base") -> None:
    """Take the database back to `revision` ("base": no Docket tables at all)."""
    with _alembic_lock, _engine(engine_or_url) as engine, engine.connect() as connection:
        _alembic(command.downgrade, connection, revision)


def schema_differences(engine: Engine | Connection) -> list[Any]:
    """Alembic's autogenerate diff between the database and the models; empty when equal."""
    with _connect(engine) as connection:
        context = MigrationContext.configure(connection, opts=dict(COMPARE_OPTIONS))
        differences: list[Any] = compare_metadata(context, target_metadata())
    return differences


def make_revision(message: str, rev_id: str | None = None) -> Path | None:
    """Write the next migration: the models compared with a scratch SQLite database at head.

    Returns the new file, or None when the models and the migrations already agree.
    """
    with _alembic_lock, tempfile.TemporaryDirectory() as scratch:
        url = f"sqlite:///{Path(scratch) / 'head.db'}"
        from bot.core.db import make_engine

        engine = make_engine(url)
        try:
            migrate(engine)
            config = alembic_config(url)
            _post_write_hooks(config)
            written: list[Path] = []

            def keep_if_changed(context: Any, revision: Any, directives: Any) -> None:
                script: MigrationScript = directives[0]
                if all(ops.is_empty() for ops in script.upgrade_ops_list):
                    directives[:] = []

            with engine.connect() as connection:
                config.attributes["connection"] = connection
                result = command.revision(
                    config,
                    message=message,
                    autogenerate=True,
                    rev_id=rev_id or _next_rev_id(),
                    process_revision_directives=keep_if_changed,
                )
            scripts = result if isinstance(result, list) else [result]
            written = [Path(script.path) for script in scripts if script is not None]
        finally:
            engine.dispose()
    return written[0] if written else None


def _scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config(""))


def _next_rev_id() -> str:
    numbers = [
        int(script.revision)
        for script in _scripts().walk_revisions()
        if re.fullmatch(r"\d+", script.revision)
    ]
    return f"{max(numbers, default=0) + 1:04d}"


def _post_write_hooks(config: Config) -> None:
    if importlib.util.find_spec("ruff") is None:
        return
    config.set_section_option("post_write_hooks", "hooks", "ruff_fix,ruff_format")
    for name, options in (
        ("ruff_fix", "check --fix --exit-zero REVISION_SCRIPT_FILENAME"),
        ("ruff_format", "format REVISION_SCRIPT_FILENAME"),
    ):
        config.set_section_option("post_write_hooks", f"{name}.type", "module")
        config.set_section_option("post_write_hooks", f"{name}.module", "ruff")
        config.set_section_option("post_write_hooks", f"{name}.options", options)


State = Literal["versioned", "empty", "legacy", "partial"]


def _unversioned_state(connection: Connection) -> State:
    tables = set(inspect(connection).get_table_names())
    if "alembic_version" in tables:
        return "versioned"
    ours = set(target_metadata().tables)
    present = ours & tables
    if not present:
        return "empty"
    return "legacy" if present == ours else "partial"


def _alembic(action: Callable[..., Any], connection: Connection, revision: str) -> None:
    config = alembic_config(connection.engine.url.render_as_string(hide_password=False))
    config.attributes["connection"] = connection
    action(config, revision)
    if connection.in_transaction():
        connection.commit()


def _describe(diff: Any) -> str:
    """One autogenerate difference in words: "add_index ix_x on delivery(meeting_id)"."""
    if isinstance(diff, list):  # a column's modifications come grouped
        return "; ".join(f"{op[0]} {op[2]}.{op[3]}" for op in diff)
    kind, *rest = diff
    if kind in ("add_column", "remove_column"):
        _schema, table, column = rest
        return f"{kind} {table}.{column.name}"
    obj = rest[0]
    table = getattr(obj, "table", None)
    if table is not None:  # an index or a constraint
        columns = ", ".join(column.name for column in obj.columns)
        name = f" {obj.name}" if isinstance(obj.name, str) else ""
        return f"{kind}{name} on {table.name}({columns})"
    return f"{kind} {getattr(obj, 'name', obj)}"


@contextmanager
def _engine(engine_or_url: Engine | str) -> Iterator[Engine]:
    if isinstance(engine_or_url, Engine):
        yield engine_or_url
        return
    from bot.core.db import make_engine

    engine = make_engine(engine_or_url)
    try:
        yield engine
    finally:
        engine.dispose()


@contextmanager
def _connect(engine: Engine | Connection) -> Iterator[Connection]:
    if isinstance(engine, Connection):
        yield engine
        return
    with engine.connect() as connection:
        try:
            yield connection
        finally:
            connection.rollback()  # only read: end the transaction, whatever happened


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bot.core.schema",
        description="Docket's schema migrations (developer tools).",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    revision = commands.add_parser("revision", help="generate the next migration from the models")
    revision.add_argument("-m", "--message", required=True, help="what the migration changes")
    revision.add_argument("--rev-id", help="the revision id (default: the next number, 0002...)")
    commands.add_parser("heads", help="print the head revision")
    args = parser.parse_args(argv)
    if args.command == "heads":
        print(head_revision())
        return 0
    path = make_revision(args.message, args.rev_id)
    if path is None:
        print("the models and the migrations agree: no migration written")
        return 1
    print(f"wrote {path}: review it before committing")
    return 0


if __name__ == "__main__":
    sys.exit(main())
