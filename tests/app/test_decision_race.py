"""Two chair decisions on one item submitted at the same moment: one is in force, never two.

The decisions on an item are serialised (a lock on the item; SQLite's single writer): the one
committed second supersedes the first, says so in its announcement, carries the later time, and
its author's rival is told privately.  On PostgreSQL the race runs through several gunicorn
workers; on SQLite through the in-process app with concurrent threads.
"""

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import count
from threading import Lock

import pytest
from sqlmodel import col, select

from bot.app import serve_locally
from bot.core.db import session_scope
from bot.demo.standin import SlackSender
from bot.domain.items import current_decision
from bot.slack.api import make_client
from models import AgendaItem, Decision, Participant
from models import Meeting as MeetingRow
from tests.conftest import IN_SESSION, SIGNING_SECRET, Bot, DrainableExecutor, Meeting

CHAIR = "U0CHAIR01"
ROUNDS = 6
AT_ONCE = 3  # decisions submitted together on one item


class TickingClock:
    """Each reading a millisecond after the last, so each request has its own time, and a
    decision's time says whether it was read before or after another's."""

    def __init__(self, start: datetime) -> None:
        self.ticks = count()
        self.start = start
        self.lock = Lock()

    def __call__(self) -> datetime:
        with self.lock:
            return self.start + timedelta(milliseconds=next(self.ticks))


@dataclass
class Racer:
    """A second app on the test's database and stand-in, whose clock ticks: requests racing
    each other each carry their own time, as in production."""

    sender: SlackSender
    executor: DrainableExecutor

    def settle(self, bot: Bot) -> None:
        self.executor.drain()  # its own posts after the acknowledgements
        bot.settle()


@pytest.fixture
def threads(bot: Bot, meeting: Meeting) -> Iterator[Racer]:
    executor = DrainableExecutor()
    server = serve_locally(
        bot.settings,
        bot.database,
        client=make_client(bot.settings),
        executor=executor,
        clock=TickingClock(IN_SESSION),
    ).start()
    try:
        yield Racer(SlackSender(server.events_url, SIGNING_SECRET, slack=bot.standin), executor)
    finally:
        executor.drain()
        server.stop()
        executor.shutdown(wait=True)


def race(sender: SlackSender, channel: str, submissions: list[tuple[str, str]]) -> None:
    """Submit every (user, `/approve` text) at once; each must be answered."""

    def submit(submission: tuple[str, str]) -> int:
        user, text = submission
        return sender.command(command="/approve", text=text, user=user, channel=channel).status

    with ThreadPoolExecutor(max_workers=len(submissions)) as pool:
        assert list(pool.map(submit, submissions)) == [200] * len(submissions)


def decisions_on(bot: Bot, number: int) -> list[Decision]:
    with session_scope(bot.database.engine) as session:
        rows = session.exec(
            select(Decision)
            .join(AgendaItem, col(AgendaItem.id) == col(Decision.item_id))
            .where(AgendaItem.number == number)
            .order_by(col(Decision.id))
        )
        return list(rows)


def assert_one_chain(bot: Bot, number: int, expected: int) -> Decision:
    """Every decision on the item but one is superseded, each exactly once, in the order they
    were committed and timed; the one in force is the last.  Returns it."""
    rows = decisions_on(bot, number)
    assert len(rows) == expected
    firsts = [d for d in rows if d.supersedes_id is None]
    assert len(firsts) == 1, f"item {number}: {len(firsts)} decisions supersede nothing"
    by_superseded = {d.supersedes_id: d for d in rows if d.supersedes_id is not None}
    assert len(by_superseded) == len(rows) - 1, f"item {number}: a decision superseded twice"
    chain = [firsts[0]]
    while chain[-1].id in by_superseded:
        chain.append(by_superseded[chain[-1].id])
    assert len(chain) == len(rows)
    times = [d.decided_at for d in chain]
    assert times == sorted(times), f"item {number}: a later decision carries an earlier time"
    with session_scope(bot.database.engine) as session:
        in_force = current_decision(session, item_id=chain[-1].item_id)
    assert in_force is not None and in_force.id == chain[-1].id  # the record agrees
    return chain[-1]


def assert_announced(bot: Bot, meeting: Meeting, number: int, rows: list[Decision]) -> None:
    """Each decision announced once in the item's thread; one superseding another says so."""
    thread = [
        c
        for c in bot.standin.calls_to("chat.postMessage")
        if c.params.get("thread_ts") == meeting.roots[number]
    ]
    by_id = {d.id: d for d in rows}
    for decision in rows:
        [post] = [c for c in thread if decision.text in c.params["text"]]
        body = str(post.params["blocks"])
        if decision.supersedes_id is None:
            assert "This supersedes" not in body, decision.text
            continue
        superseded = by_id[decision.supersedes_id]
        date = f"<!date^{int(superseded.decided_at.timestamp())}^"
        assert f"This supersedes the decision of {date}" in body, decision.text


def test_decisions_racing_through_several_workers_leave_one_in_force(
    bot: Bot, meeting: Meeting, workers: SlackSender
):
    for n in range(ROUNDS):
        for number in (3, 4):
            race(
                workers,
                meeting.channel,
                [(CHAIR, f"{number} Wording {n}.{k}") for k in range(AT_ONCE)],
            )
    total = 2 * ROUNDS * AT_ONCE
    for number in (3, 4):
        assert_one_chain(bot, number, expected=ROUNDS * AT_ONCE)
    # The workers post after acknowledging: wait for every root redraw and announcement.
    # Each sends its announcement before the root's redraw.
    bot.standin.wait_for("chat.update", count=total, timeout=60)
    for number in (3, 4):
        assert_announced(bot, meeting, number, decisions_on(bot, number))


def test_decisions_racing_through_threads_leave_the_later_one_in_force(
    bot: Bot, meeting: Meeting, threads: Racer
):
    # SQLite's writers take turns; on PostgreSQL the item's lock does the same.
    for n in range(ROUNDS):
        for number in (3, 4):
            race(
                threads.sender,
                meeting.channel,
                [(CHAIR, f"{number} Wording {n}.{k}") for k in range(AT_ONCE)],
            )
    threads.settle(bot)
    for number in (3, 4):
        assert_one_chain(bot, number, expected=ROUNDS * AT_ONCE)
        assert_announced(bot, meeting, number, decisions_on(bot, number))


def second_chair_reading_french(bot: Bot) -> str:
    """Make a secretary a second chair who reads French (the meeting in English and French)."""
    second = "U0SEC0002"
    with session_scope(bot.database.engine) as session:
        row = session.exec(select(MeetingRow).where(MeetingRow.key == "test-ptc")).one()
        row.languages = "en,fr"
        person = session.exec(
            select(Participant).where(
                Participant.meeting_id == row.id, Participant.user_id == second
            )
        ).one()
        person.role, person.language = "chair", "fr"
    return second


def direct_messages(bot: Bot, user: str) -> list[str]:
    return [
        c.params["text"]
        for c in bot.standin.calls_to("chat.postMessage")
        if c.params["channel"] == user
    ]


def test_chair_whose_decision_was_superseded_at_once_is_told_in_their_language(
    bot: Bot, meeting: Meeting, threads: Racer
):
    second = second_chair_reading_french(bot)
    for n, number in enumerate((3, 4, 3)):
        race(
            threads.sender,
            meeting.channel,
            [(CHAIR, f"{number} Chair's wording {n}."), (second, f"{number} Co-chair's {n}.")],
        )
    threads.settle(bot)
    every = {d.id: d for number in (3, 4) for d in decisions_on(bot, number)}
    assert_one_chain(bot, 3, expected=4)
    assert_one_chain(bot, 4, expected=2)
    # Each decision superseding the other chair's tells that chair, once, in their language.
    expected = {CHAIR: 0, second: 0}
    for decision in every.values():
        if decision.supersedes_id is not None:
            previous = every[decision.supersedes_id]
            if previous.decided_by != decision.decided_by:
                expected[previous.decided_by] += 1
    assert sum(expected.values()) >= 3  # in each race, the second committed crossed the first
    to_chair, to_second = direct_messages(bot, CHAIR), direct_messages(bot, second)
    assert (len(to_chair), len(to_second)) == (expected[CHAIR], expected[second])
    assert all("has been superseded by" in text for text in to_chair)
    assert all("a été remplacée par" in text for text in to_second)


def test_decision_correcting_ones_own_earlier_one_tells_nobody(bot: Bot, meeting: Meeting):
    for text in ("3 First wording", "3 Corrected wording"):
        delivery = bot.sender.command(
            command="/approve", text=text, user=CHAIR, channel="C0TEST0001"
        )
        assert delivery.status == 200
    bot.settle()
    assert direct_messages(bot, CHAIR) == []
