"""Shared fixtures: the real Bolt app over HTTP, the Slack stand-in, a real database.

Every test gets a fresh SQLite file, a stand-in Slack on its own port and the app served on
another; requests are signed exactly as Slack signs them.  Lazy listeners (the after-ack Web
API calls) are awaited with `settle()`, never with sleeps.

The stand-in is as strict as Slack, and a call it refuses fails the test (the autouse fixture
below) unless the test announced it: `standin.expect_refusals("invalid_blocks")`, or the marker
`@pytest.mark.expect_refusals("invalid_blocks")` (no codes: any refusal).
"""

import logging
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
from bot.core.logs import LEVEL_ASKED
from bot.core.schema import migrate
from bot.demo.standin import SlackSender, SlackStandIn
from bot.demo.standin.server import watch_standins
from bot.domain.meetings import load_meeting
from bot.parse.meeting_file import read_meeting_file
from bot.slack.api import make_client
from bot.slack.http import LocalServer

DATA = Path(__file__).parent / "data"
SIGNING_SECRET = "test-signing-secret-0123456789abcdef"
# A moment inside the small meeting's comment period: 10 July 2020, 10:00 UTC.
IN_SESSION = datetime(2020, 7, 10, 10, 0, tzinfo=UTC)
# The channels the tests post to (their meetings', and two for pacing): someone typed
# `/invite @Docket` in each, as a secretariat must before loading a meeting (elsewhere the
# bot's posts are not_in_channel).
BOT_CHANNELS = ("C0TEST0001", "C0SHARE001", "C0OTHER001", "C0BIG00001", "C1", "C2")
# The people of the tests' meeting files, with the names their Slack profiles give (users.info,
# read at `python -m bot load`); all invented.
PEOPLE = {
    "U0CHAIR01": "Ravi Kaur",
    "U0SEC0001": "Sam Banda",
    "U0SEC0002": "Noor Dahl",
    "U0AU00001": "Alex Adler",
    "U0AU00002": "Maya Ito",
    "U0CI00001": "Kofi Mensah",
    "U0CI00002": "Amara Okafor",
    "U0UPU0001": "Elif Novak",
}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "expect_refusals(*errors): the stand-in may refuse calls with these Slack error codes "
        "(any code when none is given) without failing the test",
    )


@pytest.fixture(autouse=True)
def root_logging_restored() -> Iterator[None]:
    """The root logger as each test found it.  A test that runs the command line in-process
    (`bot.cli.main`) configures logging with a handler on that test's captured stderr; left in
    place, every later log line (from a server thread of another test) hits a closed stream."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    # configure_logging also sets these loggers' own levels (bot/core/logs.py says why).
    asked = {name: logging.getLogger(name).level for name in LEVEL_ASKED}
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    for name, was in asked.items():
        logging.getLogger(name).setLevel(was)


# Slack's answers for "already done": the app makes these calls knowing they may be answered so
# (a redelivered reply's receipt, a member already invited) and takes the answer as success.
ALREADY_DONE = ("already_reacted", "no_reaction", "already_in_channel")


@pytest.fixture(autouse=True)
def no_unexpected_refusals(request: pytest.FixtureRequest) -> Iterator[None]:
    """A call the strict stand-in refused fails the test, unless the test said it expects it."""
    with watch_standins() as standins:
        yield
    marker = request.node.get_closest_marker("expect_refusals")
    expect_any = marker is not None and not marker.args
    allowed = {*ALREADY_DONE, *(marker.args if marker else ())}
    unexpected = [
        f"{call.method} -> {call.error}: {call.params}"[:2000]
        for slack in standins
        for call in slack.unexpected_refusals(allowed)
        if not expect_any
    ]
    unanswered = [
        f"{delivery.event.get('type')} event answered {delivery.status}"
        for slack in standins
        for delivery in slack.event_deliveries
        if delivery.status != 200
    ]
    assert not unexpected, "the stand-in refused, as Slack would:\n" + "\n".join(unexpected)
    assert not unanswered, "the app did not take Slack's own events:\n" + "\n".join(unanswered)


@pytest.fixture
def standin() -> Iterator[SlackStandIn]:
    with SlackStandIn(clock=IN_SESSION.timestamp) as slack:
        slack.add_user("U0AUJANE1", email="jane.doe@customs.example", real_name="Jane Doe")
        for user_id, name in PEOPLE.items():  # users.info answers for them, as for Jane
            slack.add_user(user_id, real_name=name)
        for channel in BOT_CHANNELS:
            slack.add_bot_to(channel)
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


def standin_settings(standin: SlackStandIn, api_url: str | None = None) -> Settings:
    """Settings for a Web API client of the stand-in (at `api_url` if given), for tests that
    need no database."""
    return Settings(
        slack_bot_token=standin.token,
        slack_signing_secret=SIGNING_SECRET,
        slack_app_token=None,
        slack_api_url=api_url or standin.api_url,
        database_url="sqlite://",
        port=3000,
    )


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
    database = Database(engine)
    yield database
    database.dispose()


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
        """Wait until every after-ack Web API call has been made, and every event Slack sends
        back about the bot's own posts has been answered."""
        self.executor.drain()
        while self.standin.wait_for_events():
            self.executor.drain()


@pytest.fixture
def bot(settings: Settings, database: Database, standin: SlackStandIn) -> Iterator[Bot]:
    executor = DrainableExecutor()
    clock = Clock(IN_SESSION)
    server = serve_locally(
        settings, database, client=make_client(settings), executor=executor, clock=clock
    ).start()
    # One ts source for both halves of Slack, so replies come after the roots they answer.
    sender = SlackSender(server.events_url, SIGNING_SECRET, slack=standin)
    # The bot's own channel posts come back to it as message events, as in Slack.
    standin.deliver_events_to(sender)
    bot = Bot(server, executor, sender, standin, database, settings, clock)
    yield bot
    bot.settle()
    server.stop()
    executor.shutdown(wait=True)


@dataclass
class Meeting:
    channel: str
    roots: dict[int, str]  # item number -> root message ts


def load_small_meeting(bot: Bot) -> None:
    """The small meeting (tests/data/small.yaml) loaded, nothing posted yet."""
    client = make_client(bot.settings)

    def lookup(email: str) -> str | None:
        return str(client.users_lookupByEmail(email=email)["user"]["id"])

    spec = read_meeting_file(DATA / "small.yaml", lookup)
    with session_scope(bot.database.engine) as session:
        load_meeting(session, spec=spec, now=IN_SESSION)


@pytest.fixture
def meeting(bot: Bot) -> Meeting:
    """The small meeting loaded, items 3 and 4 posted (5 opens in 2030)."""
    client = make_client(bot.settings)
    load_small_meeting(bot)
    results = post_items(
        bot.database.engine, client, meeting_key="test-ptc", numbers=None, now=IN_SESSION
    )
    roots = {r.number: r.detail.removeprefix("ts ") for r in results if r.outcome == "posted"}
    assert set(roots) == {3, 4}
    bot.standin.clear_calls()
    return Meeting(channel="C0TEST0001", roots=roots)
