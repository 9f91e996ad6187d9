"""Schema migrations: they build exactly the models' schema, on SQLite and on PostgreSQL.

PostgreSQL runs when DOCKET_TEST_POSTGRES_URL names a database; each test gets a schema of
its own (through the connection's search_path), dropped afterwards.
"""

import io
import os
import shutil
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, inspect, make_url, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel, select

import models
from bot.core import schema
from bot.core.db import create_schema, make_engine, normalise_url

POSTGRES_URL = os.environ.get("DOCKET_TEST_POSTGRES_URL")
NOW = datetime(2020, 7, 10, 10, 0, tzinfo=UTC)
TABLES = set(SQLModel.metadata.tables)
# The newest migration this release ships (0003: revised documents, 0004: drafting groups,
# 0005: handled_event dropped, 0006: people's names and App Home viewers, 0007: languages,
# 0008: one current decision per item).
HEAD = "0008"
NEXT = f"{int(HEAD) + 1:04d}"  # a revision only a newer release would know


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'docket.db'}"
        return
    if not POSTGRES_URL:
        pytest.skip("set DOCKET_TEST_POSTGRES_URL to run against PostgreSQL")
    name = f"docket_test_{uuid.uuid4().hex[:12]}"
    admin = make_engine(POSTGRES_URL)
    try:
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{name}"'))
        yield (
            make_url(normalise_url(POSTGRES_URL))
            .update_query_dict({"options": f"-csearch_path={name}"})
            .render_as_string(hide_password=False)
        )
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))
        admin.dispose()


@pytest.fixture
def engine(url: str) -> Iterator[Engine]:
    engine = make_engine(url)
    yield engine
    engine.dispose()


def tables(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names())


def add_meeting(engine: Engine, key: str = "ptc-2020") -> None:
    with Session(engine) as session:
        session.add(
            models.Meeting(
                key=key,
                title="Permanent Technical Committee",
                channel="C0PTC2020",
                timezone="Europe/Brussels",
                created_at=NOW,
                updated_at=NOW,
            )
        )
        session.commit()


def meeting_keys(engine: Engine) -> list[str]:
    with Session(engine) as session:
        return list(session.exec(select(models.Meeting.key)).all())


def test_migrations_build_exactly_the_models_schema(engine: Engine) -> None:
    schema.migrate(engine)

    assert schema.schema_differences(engine) == []
    assert tables(engine) == TABLES | {"alembic_version"}
    assert schema.current_revision(engine) == schema.head_revision() == HEAD
    # Timestamps keep their zone where the database has a type for it.
    columns = {column["name"]: column for column in inspect(engine).get_columns("meeting")}
    if engine.dialect.name == "postgresql":
        assert getattr(columns["created_at"]["type"], "timezone", None) is True
    # And the ORM round-trips through the migrated tables.
    add_meeting(engine)
    with Session(engine) as session:
        meeting = session.exec(select(models.Meeting)).one()
        assert meeting.created_at == NOW


def test_pending_says_what_to_run_until_the_database_is_at_head(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    empty = schema.pending(engine)
    assert empty is not None
    assert "has no Docket schema" in empty
    assert f"needs revision {HEAD}" in empty
    assert "`python -m bot migrate`" in empty and "release:" in empty

    schema.migrate(engine)
    assert schema.pending(engine) is None

    # A release whose code expects a newer revision than the database has.
    monkeypatch.setattr(schema, "head_revision", lambda: NEXT)
    behind = schema.pending(engine)
    assert behind is not None
    assert f"is at revision {HEAD} but this release needs revision {NEXT}" in behind
    assert "`python -m bot migrate`" in behind
    monkeypatch.undo()

    schema.downgrade(engine, "base")
    base = schema.pending(engine)
    assert base is not None and "has no Docket schema" in base and HEAD in base


def test_pending_names_a_revision_this_release_does_not_know(engine: Engine) -> None:
    schema.migrate(engine)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = 'ffff'"))

    message = schema.pending(engine)

    assert message is not None
    assert "revision ffff, which this release does not know" in message


def test_migrating_twice_changes_nothing(engine: Engine, url: str) -> None:
    schema.migrate(engine)
    add_meeting(engine)

    schema.migrate(engine)
    schema.migrate(url)  # from a URL too, with an engine of its own

    assert schema.current_revision(engine) == HEAD
    assert meeting_keys(engine) == ["ptc-2020"]
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM alembic_version")).scalar() == 1


def test_concurrent_migrations_wait_for_each_other(url: str) -> None:
    # Release steps and self-migrating `run` processes are separate processes.
    script = "import sys; from bot.core.schema import migrate; migrate(sys.argv[1])"
    processes = [
        subprocess.Popen([sys.executable, "-c", script, url], stderr=subprocess.PIPE, text=True)
        for _ in range(3)
    ]
    outcomes = [(process.communicate(timeout=120)[1], process.returncode) for process in processes]
    failures = [stderr for stderr, returncode in outcomes if returncode != 0]

    assert failures == []
    engine = make_engine(url)
    try:
        assert schema.pending(engine) is None
        assert schema.schema_differences(engine) == []
    finally:
        engine.dispose()


def test_threads_of_one_process_migrate_one_at_a_time(url: str) -> None:
    errors: list[BaseException] = []

    def run() -> None:
        try:
            schema.migrate(url)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    engine = make_engine(url)
    try:
        assert schema.current_revision(engine) == HEAD
    finally:
        engine.dispose()


def test_a_database_made_by_create_all_is_stamped_and_keeps_its_rows(engine: Engine) -> None:
    create_schema(engine)  # the pre-migration way: SQLModel.metadata.create_all
    add_meeting(engine)
    before = schema.pending(engine)
    assert before is not None and "no migration record" in before

    schema.migrate(engine)

    assert schema.current_revision(engine) == HEAD
    assert schema.pending(engine) is None
    assert meeting_keys(engine) == ["ptc-2020"]
    add_meeting(engine, "second")  # the tables still work, identities included
    assert sorted(meeting_keys(engine)) == ["ptc-2020", "second"]


def test_a_create_all_database_that_differs_is_refused_not_stamped(engine: Engine) -> None:
    create_schema(engine)
    with engine.begin() as connection:
        connection.execute(text("DROP INDEX ix_delivery_meeting_id"))

    with pytest.raises(schema.SchemaError) as refused:
        schema.migrate(engine)

    assert "schema differs" in str(refused.value)
    assert "add_index ix_delivery_meeting_id on delivery(meeting_id)" in str(refused.value)
    assert schema.current_revision(engine) is None
    assert "alembic_version" not in tables(engine)


def test_a_database_with_only_some_tables_is_refused(engine: Engine) -> None:
    models.Meeting.__table__.create(engine)  # type: ignore[attr-defined]

    with pytest.raises(schema.SchemaError, match="some of Docket's tables"):
        schema.migrate(engine)
    message = schema.pending(engine)
    assert message is not None and "fresh database" in message


def test_downgrading_to_base_drops_every_table_and_upgrading_again_rebuilds_them(
    engine: Engine,
) -> None:
    schema.migrate(engine)
    add_meeting(engine)

    schema.downgrade(engine, "base")

    assert tables(engine) == {"alembic_version"}  # kept by alembic, and empty
    assert schema.current_revision(engine) is None
    schema.migrate(engine)
    assert schema.schema_differences(engine) == []
    assert meeting_keys(engine) == []


def test_decisions_that_forked_in_a_race_are_relinked_into_one_chain(engine: Engine) -> None:
    """Before 0008 two decisions submitted at once could both supersede nothing (or the same
    one): the upgrade chains them in the order the record already read them (time, then id)."""
    schema.migrate(engine)
    schema.downgrade(engine, "0007")
    add_meeting(engine)
    with Session(engine) as session:
        meeting = session.exec(select(models.Meeting)).one()
        assert meeting.id is not None
        item = models.AgendaItem(meeting_id=meeting.id, number=3, title="Item")
        session.add(item)
        session.flush()
        assert item.id is not None
        item_id = item.id

        def decision(minute: int, supersedes: int | None = None) -> int:
            row = models.Decision(
                item_id=item_id,
                kind="approved",
                text=f"at {minute}",
                decided_by="U0CHAIR",
                decided_at=NOW.replace(minute=minute),
                supersedes_id=supersedes,
            )
            session.add(row)
            session.flush()
            assert row.id is not None
            return row.id

        first = decision(1)
        second = decision(2)  # raced the first: supersedes nothing too
        third = decision(4, supersedes=second)
        fourth = decision(3, supersedes=second)  # raced the third, with an earlier time
        session.commit()

    schema.migrate(engine)

    assert schema.schema_differences(engine) == []
    with Session(engine) as session:
        links = {d.id: d.supersedes_id for d in session.exec(select(models.Decision))}
    assert links == {first: None, second: first, fourth: second, third: fourth}


def test_sqlite_foreign_keys_stay_enforced_after_migrating(tmp_path: Path) -> None:
    # The migration switches SQLite's foreign keys off around its own transaction; the pooled
    # connection must come back with them on.
    engine = make_engine(f"sqlite:///{tmp_path / 'docket.db'}")
    try:
        schema.migrate(engine)
        with engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        with pytest.raises(IntegrityError), Session(engine) as session:
            session.add(
                models.Delegation(meeting_id=999, name="Australia", kind="member", position=0)
            )
            session.commit()
    finally:
        engine.dispose()


BATCH_REVISION = f"""
import sqlalchemy as sa
from alembic import op

revision = "{NEXT}"
down_revision = "{HEAD}"


def upgrade() -> None:
    with op.batch_alter_table("meeting", recreate="always") as batch_op:
        batch_op.add_column(sa.Column("archived_at", sa.DateTime(timezone=True)))


def downgrade() -> None:
    with op.batch_alter_table("meeting") as batch_op:
        batch_op.drop_column("archived_at")
"""


def test_sqlite_batch_migrations_can_rebuild_a_referenced_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # SQLite alters a table by copying it, dropping the original and renaming the copy; with
    # rows pointing at it, that only works with foreign keys off during the migration.
    engine = make_engine(f"sqlite:///{tmp_path / 'docket.db'}")
    try:
        schema.migrate(engine)
        add_meeting(engine)
        with Session(engine) as session:
            session.add(models.Delegation(meeting_id=1, name="Australia", kind="member"))
            session.commit()
        migrations = tmp_path / "migrations"
        shutil.copytree(schema.MIGRATIONS, migrations)
        (migrations / "versions" / f"{NEXT}_archived.py").write_text(BATCH_REVISION)
        monkeypatch.setattr(schema, "MIGRATIONS", migrations)

        schema.migrate(engine)
        assert schema.current_revision(engine) == NEXT
        schema.downgrade(engine, HEAD)

        assert schema.current_revision(engine) == HEAD
        assert meeting_keys(engine) == ["ptc-2020"]
        with engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert connection.exec_driver_sql("PRAGMA foreign_key_check").all() == []
            assert connection.execute(text("SELECT count(*) FROM delegation")).scalar() == 1
    finally:
        engine.dispose()


def test_the_config_keeps_percent_signs_in_the_url() -> None:
    url = "postgresql+psycopg://docket:p%40ss%25word@db.example:5432/docket"

    config = schema.alembic_config(url)

    assert config.get_main_option("sqlalchemy.url") == url
    assert Path(str(config.get_main_option("script_location"))).is_dir()


def test_offline_sql_for_postgresql_uses_zoned_timestamps() -> None:
    config = schema.alembic_config("postgresql+psycopg://postgres@localhost/docket")
    config.output_buffer = io.StringIO()
    from alembic import command

    command.upgrade(config, "head", sql=True)

    sql = config.output_buffer.getvalue()
    assert "CREATE TABLE meeting" in sql
    assert "created_at TIMESTAMP WITH TIME ZONE NOT NULL" in sql
    assert "UNIQUE (channel, ts)" in sql
    assert "FOREIGN KEY(item_id) REFERENCES agenda_item (id)" in sql
    assert "INSERT INTO alembic_version (version_num) VALUES ('0001')" in sql
