"""Shared fixtures: the real Bolt app over HTTP, the Slack stand-in, a real database.

Every test gets a fresh SQLite file, a stand-in Slack on its own port and the app served on
another; requests are signed exactly as Slack signs them.  Lazy listeners (the after-ack Web
API calls) are awaited with `settle()`, never with sleeps.
"""

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.app import serve_locally
from bot.clock.posting import post_items
from bot.core.config import Settings
from bot.core.db import Database, make_engine, session_scope
from bot.core.executor import DrainableExecutor
from bot.core.schema import migrate
from bot.demo.standin import SlackSender, SlackStandIn
from bot.domain.meetings import load_meeting
from bot.parse.meeting_file import read_meeting_file
from bot.slack.api import make_client
from bot.slack.http import LocalServer

DATA = Path(__file__).parent / "data"
SIGNING_SECRET = "test-signing-secret-0123456789abcdef"
# A moment inside the small meeting's comment period: 10 July 2020, 10:00 UTC.
IN_SESSION = datetime(2020, 7, 10, 10, 0, tzinfo=UTC)


@pytest.fixture
def standin() -> Iterator[SlackStandIn]:
    with SlackStandIn(clock=IN_SESSION.timestamp) as slack:
        slack.add_user("U0AUJANE1", email="jane.doe@customs.example", real_name="Jane Doe")
        yield slack


POSTGRES_VARIABLE = "DOCKET_TEST_POSTGRES_URL"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Every test that touches the database runs on a SQLite file and on PostgreSQL.

    PostgreSQL comes from DOCKET_TEST_POSTGRES_URL (CI sets it); each test gets a schema of
    its own, dropped afterwards, so runs never see each other's rows.
    """
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'docket.db'}"
        return
    base = os.environ.get(POSTGRES_VARIABLE)
    if not base:
        pytest.skip(f"set {POSTGRES_VARIABLE} to run against PostgreSQL as well")
    schema = f"t_{uuid.uuid4().hex[:16]}"
    admin = make_engine(base)
    with admin.begin() as connection:
        connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    separator = "&" if "?" in base else "?"
    try:
        yield f"{base}{separator}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as connection:
            connection.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()


@pytest.fixture
def settings(standin: SlackStandIn, database_url: str) -> Settings:
    return Settings(
        slack_bot_token=standin.token,
        slack_signing_secret=SIGNING_SECRET,
        slack_app_token=None,
        slack_api_url=standin.api_url,
        database_url=database_url,
        port=3000,
    )


@pytest.fixture
def database(settings: Settings) -> Iterator[Database]:
    engine = make_engine(settings.database_url)
    migrate(engine)  # the schema the migrations make, as in a deployment
    yield Database(engine)
    engine.dispose()


class Clock:
    """The app's request clock: tests set `now` instead of waiting for time to pass."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Bot:
    """The app under test, served over HTTP, and what a test needs around it."""

    server: LocalServer
    executor: DrainableExecutor
    sender: SlackSender
    standin: SlackStandIn
    database: Database
    settings: Settings
    clock: Clock

    def settle(self) -> None:
        """Wait until every after-ack Web API call has been made."""
        self.executor.drain()


@pytest.fixture
def bot(settings: Settings, database: Database, standin: SlackStandIn) -> Iterator[Bot]:
    executor = DrainableExecutor()
    clock = Clock(IN_SESSION)
    server = serve_locally(
        settings, database, client=make_client(settings), executor=executor, clock=clock
    ).start()
    # One ts source for both halves of Slack, so replies come after the roots they answer.
    sender = SlackSender(server.events_url, SIGNING_SECRET, ts_source=standin.next_ts)
    yield Bot(server, executor, sender, standin, database, settings, clock)
    server.stop()
    executor.shutdown(wait=True)


@dataclass
class Meeting:
    channel: str
    roots: dict[int, str]  # item number -> root message ts


@pytest.fixture
def meeting(bot: Bot) -> Meeting:
    """The small meeting loaded, items 3 and 4 posted (5 opens in 2030)."""
    client = make_client(bot.settings)

    def lookup(email: str) -> str | None:
        return str(client.users_lookupByEmail(email=email)["user"]["id"])

    spec = read_meeting_file(DATA / "small.yaml", lookup)
    with session_scope(bot.database.engine) as session:
        load_meeting(session, spec=spec, now=IN_SESSION)
    results = post_items(
        bot.database.engine, client, meeting_key="test-ptc", numbers=None, now=IN_SESSION
    )
    roots = {r.number: r.detail.removeprefix("ts ") for r in results if r.outcome == "posted"}
    assert set(roots) == {3, 4}
    bot.standin.clear_calls()
    return Meeting(channel="C0TEST0001", roots=roots)
