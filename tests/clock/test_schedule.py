"""The clock: items open, reminders, nudges and closings go out on time, each exactly once.

Time is injected: `run_due` is called at chosen `now` values and the app's request clock is a
settable simulated clock; only one test runs the real APScheduler, and it waits on a condition.
"""

import threading
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import Engine
from sqlmodel import col, select

from bot.clock.claims import Due, claim
from bot.clock.closing import close_key
from bot.clock.posting import post_items
from bot.clock.scheduler import next_due_at, run_due, start_background_clock
from bot.core.clock import datetime_to_ts
from bot.core.config import Settings
from bot.core.db import Database, make_engine, session_scope
from bot.core.metrics import render_metrics
from bot.demo.standin import Call, SlackStandIn
from bot.demo.standin.server import STANDIN_HOST
from bot.domain.meetings import load_meeting
from bot.parse.meeting_file import read_meeting_file
from bot.slack.api import ChannelPacer, Outbound, make_client
from bot.views.messages import SlackMessage
from models import AgendaItem, Comment, Delivery, Meeting
from tests.conftest import DATA, IN_SESSION, Bot
from tests.conftest import Meeting as PostedMeeting

CHANNEL = "C0TEST0001"
SECRETARIAT = "U0SEC0001"
CHAIR = "U0CHAIR01"
# small.yaml's times are Brussels summer time (UTC+2): 17:00 there is 15:00 UTC.
OPENS = datetime(2020, 7, 3, 7, 0, tzinfo=UTC)
DEADLINE_3 = datetime(2020, 7, 17, 15, 0, tzinfo=UTC)
DEADLINE_4 = datetime(2020, 7, 31, 15, 0, tzinfo=UTC)
ITEM_5_OPENS = datetime(2030, 1, 1, 8, 0, tzinfo=UTC)  # 09:00 Brussels winter time
DAY = timedelta(days=1)
HOUR = timedelta(hours=1)
MINUTE = timedelta(minutes=1)
SECOND = timedelta(seconds=1)


# -- fixtures --------------------------------------------------------------------------------------


@pytest.fixture
def out(settings: Settings) -> Outbound:
    return Outbound(make_client(settings), ChannelPacer(interval=0))


# -- helpers -------------------------------------------------------------------------------------


def small_variant(
    tmp_path: Path, *, replace: tuple[str, str] | None = None, extra: str = ""
) -> Path:
    text = (DATA / "small.yaml").read_text(encoding="utf-8")
    if replace is not None:
        assert replace[0] in text
        text = text.replace(*replace)
    path = tmp_path / "meeting.yaml"
    path.write_text(text + extra, encoding="utf-8")
    return path


def load_file(
    settings: Settings, engine: Engine, path: Path, *, post_at: datetime | None = IN_SESSION
) -> dict[int, str]:
    """Load a meeting file; post the items open at `post_at`; return number -> root ts."""
    client = make_client(settings)

    def lookup(email: str) -> str | None:
        return str(client.users_lookupByEmail(email=email)["user"]["id"])

    spec = read_meeting_file(path, lookup)
    with session_scope(engine) as session:
        load_meeting(session, spec=spec, now=IN_SESSION)
    if post_at is None:
        return {}
    results = post_items(engine, client, meeting_key=spec.key, numbers=None, now=post_at)
    return {r.number: r.detail.removeprefix("ts ") for r in results if r.outcome == "posted"}


def item(engine: Engine, number: int, key: str = "test-ptc") -> AgendaItem:
    with session_scope(engine) as session:
        found = session.exec(
            select(AgendaItem)
            .join(Meeting, col(Meeting.id) == col(AgendaItem.meeting_id))
            .where(Meeting.key == key, AgendaItem.number == number)
        ).one()
    return found


def deliveries(engine: Engine, **where: object) -> list[Delivery]:
    with session_scope(engine) as session:
        rows = list(session.exec(select(Delivery).order_by(col(Delivery.id))))
    return [d for d in rows if all(getattr(d, k) == v for k, v in where.items())]


def comments(engine: Engine) -> list[Comment]:
    with session_scope(engine) as session:
        return list(session.exec(select(Comment).order_by(col(Comment.id))))


def blocks_text(call: Call) -> str:
    return str(call.params.get("blocks"))


def posts(standin: SlackStandIn) -> list[Call]:
    """chat.postMessage calls Slack accepted."""
    return [c for c in standin.calls_to("chat.postMessage") if c.status == 200]


def channel_posts(standin: SlackStandIn, channel: str = CHANNEL) -> list[Call]:
    return [
        c
        for c in posts(standin)
        if c.params["channel"] == channel and not c.params.get("thread_ts")
    ]


def reminders(standin: SlackStandIn, number: int, channel: str = CHANNEL) -> list[Call]:
    """Reminder messages in the channel that list item `number`."""
    return [
        c
        for c in channel_posts(standin, channel)
        if c.params["text"].startswith("Reminder") and f"*{number}: " in blocks_text(c)
    ]


def reminder_calls(standin: SlackStandIn) -> list[Call]:
    """Every attempt to post a reminder, whatever Slack answered."""
    calls = standin.calls_to("chat.postMessage")
    return [c for c in calls if str(c.params.get("text", "")).startswith("Reminder")]


def thread_posts(standin: SlackStandIn, root: str) -> list[Call]:
    return [c for c in posts(standin) if c.params.get("thread_ts") == root]


def closing_notices(standin: SlackStandIn, root: str) -> list[Call]:
    return [c for c in thread_posts(standin, root) if "are closed" in c.params["text"]]


def root_updates(standin: SlackStandIn, root: str) -> list[Call]:
    return [
        c for c in standin.calls_to("chat.update") if c.status == 200 and c.params["ts"] == root
    ]


def item_roots(standin: SlackStandIn, channel: str = CHANNEL) -> list[Call]:
    """Agenda items posted to the channel."""
    return [c for c in channel_posts(standin, channel) if c.params["text"].startswith("Item ")]


def nudges(standin: SlackStandIn) -> list[Call]:
    """Direct messages (posted to a user id) nudging a silent delegation."""
    return [
        c
        for c in posts(standin)
        if str(c.params["channel"]).startswith("U") and "has not commented yet" in c.params["text"]
    ]


def nudged(standin: SlackStandIn) -> list[str]:
    return sorted(str(c.params["channel"]) for c in nudges(standin))


def token(moment: datetime) -> str:
    return f"<!date^{int(moment.timestamp())}^"


def command(bot: Bot, name: str, text: str, *, user: str, channel: str = CHANNEL) -> str:
    delivery = bot.sender.command(command=name, text=text, user=user, channel=channel)
    assert delivery.status == 200, delivery.body
    answer = delivery.json()
    assert answer.get("response_type", "ephemeral") == "ephemeral"  # private to the user
    return str(answer["text"])


def reply_at(bot: Bot, moment: datetime, *, user: str, root: str, text: str) -> str:
    """A reply written at `moment` (its ts says so) and received then."""
    ts = datetime_to_ts(moment)
    delivery = bot.sender.reply(channel=CHANNEL, user=user, text=text, thread_ts=root, ts=ts)
    assert delivery.status == 200, delivery.body
    return ts


# -- 1. opening ----------------------------------------------------------------------------------


def test_items_open_by_themselves_at_their_opening_time(
    settings: Settings, database: Database, standin: SlackStandIn, out: Outbound
):
    engine = database.engine
    load_file(settings, engine, DATA / "small.yaml", post_at=None)
    standin.clear_calls()

    run_due(engine, out, now=OPENS - MINUTE)
    assert item_roots(standin) == []
    assert item(engine, 3).post_ts is None

    run_due(engine, out, now=OPENS)
    roots = item_roots(standin)
    assert sorted(c.params["text"][:7] for c in roots) == ["Item 3:", "Item 4:"]
    assert item(engine, 3).post_ts is not None and item(engine, 4).post_ts is not None
    assert item(engine, 3).posted_at == OPENS

    run_due(engine, out, now=OPENS)
    run_due(engine, out, now=OPENS + HOUR)
    assert len(item_roots(standin)) == 2  # not twice

    # Item 5 opens in 2030: not a minute before, then once.
    run_due(engine, out, now=ITEM_5_OPENS - MINUTE)
    assert not [c for c in item_roots(standin) if c.params["text"].startswith("Item 5")]
    run_due(engine, out, now=ITEM_5_OPENS)
    run_due(engine, out, now=ITEM_5_OPENS + MINUTE)
    assert len([c for c in item_roots(standin) if c.params["text"].startswith("Item 5")]) == 1
    assert item(engine, 5).posted_at == ITEM_5_OPENS


# -- 2. reminders --------------------------------------------------------------------------------


def test_reminders_go_out_at_each_offset_exactly_once(
    bot: Bot, meeting: PostedMeeting, out: Outbound
):
    engine = bot.database.engine
    seven, two, one = DEADLINE_4 - 7 * DAY, DEADLINE_4 - 2 * DAY, DEADLINE_4 - DAY
    expected_after = [
        (DEADLINE_4 - 11 * DAY, 0),
        (seven - MINUTE, 0),
        (seven, 1),
        (seven, 1),  # the same moment twice
        (seven + 3 * DAY, 1),
        (two, 2),
        (two, 2),
        (two + HOUR, 2),
        (one - timedelta(seconds=1), 2),
        (one, 3),
        (one, 3),
        (DEADLINE_4 - HOUR, 3),
    ]
    for now, count in expected_after:
        run_due(engine, out, now=now)
        assert len(reminders(bot.standin, 4)) == count, f"after run_due at {now}"
    for call in reminders(bot.standin, 4):
        assert call.params["channel"] == CHANNEL
        assert "E-commerce package annexes" in blocks_text(call)
        assert token(DEADLINE_4) in blocks_text(call)
    sent = [d for d in deliveries(engine, kind="reminder") if d.item_id == item(engine, 4).id]
    assert sorted(d.due_at for d in sent) == [seven, two, one]
    assert all(d.sent_at == d.due_at for d in sent)


SHARED = """\
key: shared-ptc
title: Shared deadlines
channel: C0SHARE001
timezone: UTC
chair: [U0CHAIR01]
secretariat: [U0SEC0001]
delegations:
  - name: Australia
    kind: member
    delegates: [U0AU00001]
agenda:
  - number: 1
    title: Annex A
    opens: 2020-07-03T09:00
    deadline: 2020-07-31T15:00
  - number: 2
    title: Annex B
    opens: 2020-07-03T09:00
    deadline: 2020-07-31T15:00
  - number: 3
    title: Annex C
    opens: 2020-07-03T09:00
    deadline: 2020-08-05T15:00
"""


def test_items_due_a_reminder_at_the_same_moment_share_one_message(
    settings: Settings, database: Database, standin: SlackStandIn, out: Outbound, tmp_path: Path
):
    path = tmp_path / "shared.yaml"
    path.write_text(SHARED, encoding="utf-8")
    assert set(load_file(settings, database.engine, path)) == {1, 2, 3}
    standin.clear_calls()
    # Items 1 and 2 close together; item 3's 7-day reminder falls on their 2-day one.
    expected = {
        DEADLINE_4 - 7 * DAY: ["1", "2"],
        DEADLINE_4 - 2 * DAY: ["1", "2", "3"],
        DEADLINE_4 - DAY: ["1", "2"],
    }
    for now, numbers in expected.items():
        before = len(channel_posts(standin, "C0SHARE001"))
        run_due(database.engine, out, now=now)
        run_due(database.engine, out, now=now)
        new = channel_posts(standin, "C0SHARE001")[before:]
        assert len(new) == 1, f"one message at {now}"
        assert (
            new[0].params["text"] == f"Reminder: comments on items {', '.join(numbers)} close soon."
        )
        for number in numbers:
            assert f"*{number}: Annex" in blocks_text(new[0])
        assert token(DEADLINE_4) in blocks_text(new[0])


# -- 3. catch-up after downtime ------------------------------------------------------------------


def test_after_downtime_only_the_latest_passed_reminder_is_sent_and_the_rest_skipped(
    bot: Bot, meeting: PostedMeeting, out: Outbound
):
    engine = bot.database.engine
    standin = bot.standin
    item3, item4 = item(engine, 3), item(engine, 4)
    now = DEADLINE_4 - 30 * HOUR  # the clock was down from the start of the session until now

    run_due(engine, out, now=now)
    run_due(engine, out, now=now + MINUTE)

    [reminder] = [c for c in channel_posts(standin) if c.params["text"].startswith("Reminder")]
    assert reminder.params["text"] == "Reminder: comments on item 4 close soon."  # not item 3
    mine = {d.due_at: d for d in deliveries(engine, kind="reminder", item_id=item4.id)}
    assert mine[DEADLINE_4 - 2 * DAY].sent_at == now
    skipped = mine[DEADLINE_4 - 7 * DAY]
    assert skipped.sent_at is None and skipped.skipped_at == now
    assert "superseded" in skipped.note
    # Item 3's deadline passed while down: none of its reminders or nudges go out.
    for delivery in deliveries(engine, item_id=item3.id):
        if delivery.kind in ("reminder", "nudge"):
            assert delivery.sent_at is None and delivery.skipped_at == now
            assert "deadline passed" in delivery.note
    assert len(deliveries(engine, kind="reminder", item_id=item3.id)) == 3
    # ... but it is closed, once.
    [closed] = closing_notices(standin, meeting.roots[3])
    assert "Comments on item 3 closed" in blocks_text(closed)
    [update] = root_updates(standin, meeting.roots[3])
    assert "Comments closed" in update.params["text"] + blocks_text(update)
    root = standin.message(CHANNEL, meeting.roots[3])
    assert root is not None and "Comments closed" in str(root["blocks"])

    # The 24-hour reminder is still ahead and goes out on time.
    run_due(engine, out, now=DEADLINE_4 - DAY)
    assert len(reminders(standin, 4)) == 2

    # Down again past item 4's deadline: nothing reminds any more; the closing goes out once.
    standin.clear_calls()
    later = DEADLINE_4 + 2 * DAY
    run_due(engine, out, now=later)
    run_due(engine, out, now=later + HOUR)
    assert [c for c in channel_posts(standin) if c.params["text"].startswith("Reminder")] == []
    assert nudges(standin) == []
    assert len(closing_notices(standin, meeting.roots[4])) == 1
    assert len(root_updates(standin, meeting.roots[4])) == 1
    assert closing_notices(standin, meeting.roots[3]) == []
    for delivery in deliveries(engine, item_id=item4.id):
        assert (delivery.sent_at is None) != (delivery.skipped_at is None), delivery.key


def test_reminder_and_nudges_due_while_down_go_out_once_if_the_deadline_is_ahead(
    bot: Bot, meeting: PostedMeeting, out: Outbound
):
    engine = bot.database.engine
    now = DEADLINE_4 - 30 * HOUR  # nudge time (deadline - 48h) passed 18 hours ago
    run_due(engine, out, now=now)
    run_due(engine, out, now=now + HOUR)
    assert nudged(bot.standin) == ["U0AU00001", "U0AUJANE1", "U0CI00001"]


# -- 4. nudges -----------------------------------------------------------------------------------


def test_nudges_go_only_to_delegates_of_silent_member_delegations(
    bot: Bot, meeting: PostedMeeting, out: Outbound
):
    engine = bot.database.engine
    standin = bot.standin
    root = meeting.roots[4]
    bot.sender.reply(channel=CHANNEL, user="U0AU00001", text="Australia supports.", thread_ts=root)
    withdrawn = bot.sender.reply(
        channel=CHANNEL, user="U0CI00001", text="We may have a concern.", thread_ts=root
    )
    assert withdrawn.ts is not None
    deleted = bot.sender.delete(
        channel=CHANNEL,
        ts=withdrawn.ts,
        thread_ts=root,
        user="U0CI00001",
        previous_text="We may have a concern.",
    )
    assert deleted.status == 200
    bot.settle()
    assert sorted(c.status for c in comments(engine)) == ["active", "withdrawn"]
    standin.clear_calls()

    nudge_at = DEADLINE_4 - 48 * HOUR
    run_due(engine, out, now=nudge_at - MINUTE)
    assert nudges(standin) == []
    run_due(engine, out, now=nudge_at)

    # Australia commented (both its delegates stay quiet); Côte d'Ivoire's comment was
    # withdrawn, so it is still silent; the observer is not nudged by default.
    assert nudged(standin) == ["U0CI00001"]
    [nudge] = nudges(standin)
    text = blocks_text(nudge)
    assert "item 4: E-commerce package annexes" in text
    assert "Côte d'Ivoire" in text
    assert token(DEADLINE_4) in text
    assert f"<{STANDIN_HOST}/archives/{CHANNEL}/p{root.replace('.', '')}|" in text

    run_due(engine, out, now=nudge_at)
    run_due(engine, out, now=nudge_at + HOUR)
    run_due(engine, out, now=DEADLINE_4 - HOUR)
    assert nudged(standin) == ["U0CI00001"]  # no second nudge


def test_observers_are_nudged_when_the_meeting_file_asks_for_it(
    settings: Settings, database: Database, standin: SlackStandIn, out: Outbound, tmp_path: Path
):
    path = small_variant(tmp_path, extra="nudge_observers: true\n")
    roots = load_file(settings, database.engine, path)
    standin.clear_calls()
    run_due(database.engine, out, now=DEADLINE_4 - 48 * HOUR)
    assert nudged(standin) == ["U0AU00001", "U0AUJANE1", "U0CI00001", "U0UPU0001"]
    [observer] = [c for c in nudges(standin) if c.params["channel"] == "U0UPU0001"]
    assert "item 4" in blocks_text(observer) and "Universal Postal Union" in blocks_text(observer)
    assert f"p{roots[4].replace('.', '')}|" in blocks_text(observer)


# -- 5. /extend ----------------------------------------------------------------------------------

NEW_DEADLINE_3 = datetime(2020, 7, 24, 15, 0, tzinfo=UTC)  # 17:00 Brussels


def test_extend_moves_the_deadline_and_the_calendar_follows_it(
    bot: Bot, meeting: PostedMeeting, out: Outbound
):
    clock = bot.clock  # the app's request clock
    engine = bot.database.engine
    standin = bot.standin
    root = meeting.roots[3]
    answer = command(bot, "/extend", "3 2020-07-24T17:00", user=SECRETARIAT)
    assert answer.startswith("Item 3 now closes")
    assert item(engine, 3).deadline_at == NEW_DEADLINE_3
    bot.settle()
    [notice] = thread_posts(standin, root)
    assert "Deadline extended" in blocks_text(notice)
    assert token(NEW_DEADLINE_3) in blocks_text(notice) and token(DEADLINE_3) in blocks_text(notice)
    assert len(root_updates(standin, root)) == 1
    standin.clear_calls()

    # The old deadline passes: no closing; the 7-day reminder of the new deadline falls now.
    run_due(engine, out, now=DEADLINE_3)
    assert closing_notices(standin, root) == []
    [reminder] = reminders(standin, 3)
    assert token(NEW_DEADLINE_3) in blocks_text(reminder)
    assert token(DEADLINE_3) not in blocks_text(reminder)

    # A reply between the old and the new deadline is on time.
    clock.now = DEADLINE_3 + 3 * DAY
    reply_at(bot, clock.now, user="U0CI00001", root=root, text="Côte d'Ivoire agrees.")
    bot.settle()
    [on_time] = comments(engine)
    assert not on_time.late
    assert standin.calls_to("chat.postEphemeral") == []

    # The nudge follows the new deadline too.
    run_due(engine, out, now=NEW_DEADLINE_3 - 48 * HOUR)
    assert nudged(standin) == ["U0AU00001", "U0AUJANE1"]

    run_due(engine, out, now=NEW_DEADLINE_3 - MINUTE)
    assert closing_notices(standin, root) == []
    run_due(engine, out, now=NEW_DEADLINE_3)
    run_due(engine, out, now=NEW_DEADLINE_3 + HOUR)
    assert len(closing_notices(standin, root)) == 1
    assert token(NEW_DEADLINE_3) in blocks_text(closing_notices(standin, root)[0])
    assert len(reminders(standin, 3)) == 3  # 7 days, 2 days and 24 hours before the new deadline

    clock.now = NEW_DEADLINE_3 + 2 * HOUR
    reply_at(bot, clock.now, user="U0AU00001", root=root, text="Australia, late.")
    assert [c.late for c in comments(engine)] == [False, True]


def test_extending_a_closed_item_reopens_it_and_it_closes_again_at_the_new_deadline(
    bot: Bot, meeting: PostedMeeting, out: Outbound
):
    clock = bot.clock  # the app's request clock
    engine = bot.database.engine
    standin = bot.standin
    root = meeting.roots[3]
    run_due(engine, out, now=DEADLINE_3)
    assert len(closing_notices(standin, root)) == 1

    clock.now = DEADLINE_3 + 18 * HOUR
    reply_at(bot, clock.now, user="U0CI00001", root=root, text="Sorry we are late.")
    bot.settle()
    assert [c.late for c in comments(engine)] == [True]
    [late_notice] = standin.calls_to("chat.postEphemeral")
    assert late_notice.params["user"] == "U0CI00001"

    answer = command(bot, "/extend", "3 2020-07-24T17:00", user=CHAIR)
    assert "open for comments again" in answer
    bot.settle()
    assert [c.late for c in comments(engine)] == [False]  # judged by the new deadline
    assert "Comments reopened" in blocks_text(thread_posts(standin, root)[-1])
    shown = standin.message(CHANNEL, root)
    assert shown is not None
    assert "Deadline for comments" in str(shown["blocks"])
    assert "Comments closed" not in str(shown["blocks"])

    run_due(engine, out, now=NEW_DEADLINE_3 - MINUTE)
    assert len(closing_notices(standin, root)) == 1
    run_due(engine, out, now=NEW_DEADLINE_3)
    run_due(engine, out, now=NEW_DEADLINE_3 + DAY)
    assert len(closing_notices(standin, root)) == 2  # once per deadline
    shown = standin.message(CHANNEL, root)
    assert shown is not None and "Comments closed" in str(shown["blocks"])


def test_extend_is_refused_privately_for_a_delegate_and_for_a_time_in_the_past(
    bot: Bot, meeting: PostedMeeting
):
    engine = bot.database.engine
    refused = command(bot, "/extend", "3 2020-07-24T17:00", user="U0AU00001")
    assert "Only the chair" in refused
    past = command(bot, "/extend", "3 2020-07-09T17:00", user=SECRETARIAT)
    assert "in the past" in past
    assert item(engine, 3).deadline_at == DEADLINE_3
    bot.settle()
    assert posts(bot.standin) == [] and bot.standin.calls_to("chat.update") == []


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("three x", "`three` is not an agenda item number"),
        ("3", "Give the new deadline"),
        ("3 2020-07-24", "has no time of day"),
        ("3 tomorrow", "is not a date and time"),
        ("3 2020-07-24T17:00 please", "Unexpected text after the date"),
    ],
)
def test_malformed_extend_gets_the_usage_privately_and_changes_nothing(
    bot: Bot, meeting: PostedMeeting, text: str, says: str
):
    engine = bot.database.engine
    answer = command(bot, "/extend", text, user=SECRETARIAT)
    assert says in answer
    assert "How to use /extend" in answer
    assert item(engine, 3).deadline_at == DEADLINE_3
    assert item(engine, 4).deadline_at == DEADLINE_4
    bot.settle()
    assert posts(bot.standin) == [] and bot.standin.calls_to("chat.update") == []


# -- 6, 7. restart and a second clock ------------------------------------------------------------


def walk(engine: Engine, out: Outbound, *, start: datetime, until: datetime) -> datetime:
    """Run the clock at every moment the calendar names, from `start` up to `until`."""
    now = start
    run_due(engine, out, now=now)
    while (upcoming := next_due_at(engine, now=now)) is not None and upcoming <= until:
        now = upcoming
        run_due(engine, out, now=now)
    return now


def test_a_restart_mid_meeting_sends_every_delivery_exactly_once(
    settings: Settings, bot: Bot, meeting: PostedMeeting
):
    standin = bot.standin
    first = make_engine(settings.database_url)
    last = walk(
        first,
        Outbound(make_client(settings), ChannelPacer(interval=0)),
        start=IN_SESSION,
        until=datetime(2020, 7, 20, tzinfo=UTC),
    )
    first.dispose()  # the process stops

    second = make_engine(settings.database_url)
    walk(
        second,
        Outbound(make_client(settings), ChannelPacer(interval=0)),
        start=last,
        until=datetime(2020, 8, 10, tzinfo=UTC),
    )
    second.dispose()

    assert len(reminders(standin, 3)) == 3 and len(reminders(standin, 4)) == 3
    reminded = [c for c in channel_posts(standin) if c.params["text"].startswith("Reminder")]
    assert len(reminded) == 6
    for number in (3, 4):
        assert len(closing_notices(standin, meeting.roots[number])) == 1
        assert len(root_updates(standin, meeting.roots[number])) == 1
    assert nudged(standin) == sorted(["U0AU00001", "U0AUJANE1", "U0CI00001"] * 2)
    rows = [d for d in deliveries(bot.database.engine) if d.kind in ("close", "reminder", "nudge")]
    assert rows and all(d.sent_at is not None and d.skipped_at is None for d in rows)


def test_two_clocks_against_one_database_send_each_delivery_once(
    settings: Settings, database: Database, standin: SlackStandIn, tmp_path: Path
):
    # Item 5 opens at 15:00 UTC on 29 July: then item 5 opens, item 3's closing (passed while
    # both clocks were down), item 4's reminder and its nudges are all due at once.
    path = small_variant(
        tmp_path,
        replace=(
            "opens: 2030-01-01T09:00\n    deadline: 2030-01-31T17:00",
            "opens: 2020-07-29T17:00\n    deadline: 2020-08-28T17:00",
        ),
    )
    roots = load_file(settings, database.engine, path)
    assert set(roots) == {3, 4}
    standin.clear_calls()
    now = DEADLINE_4 - 48 * HOUR
    barrier = threading.Barrier(2)
    done: list[list[str]] = []
    errors: list[BaseException] = []

    def clock_process() -> None:
        engine = make_engine(settings.database_url)
        try:
            out = Outbound(make_client(settings), ChannelPacer(interval=0))
            barrier.wait(timeout=10)
            done.append(run_due(engine, out, now=now))
        except BaseException as exc:
            errors.append(exc)
        finally:
            engine.dispose()

    threads = [threading.Thread(target=clock_process) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == [] and len(done) == 2

    opened = [c for c in item_roots(standin) if c.params["text"].startswith("Item 5")]
    assert len(opened) == 1
    assert len(closing_notices(standin, roots[3])) == 1
    assert len(root_updates(standin, roots[3])) == 1
    assert len(reminders(standin, 4)) == 1
    assert nudged(standin) == ["U0AU00001", "U0AUJANE1", "U0CI00001"]
    # Whatever else the clocks sent, nothing went to the same place twice.
    sent = Counter(
        (c.params["channel"], c.params.get("thread_ts"), c.params["text"]) for c in posts(standin)
    )
    assert [key for key, times in sent.items() if times > 1] == []
    lines = done[0] + done[1]
    assert len(lines) == len(set(lines))


# -- 8. a crash between claim and send ------------------------------------------------------------


def test_a_claim_left_by_a_crashed_clock_is_taken_again_after_five_minutes(
    bot: Bot, meeting: PostedMeeting, out: Outbound
):
    engine = bot.database.engine
    standin = bot.standin
    item3 = item(engine, 3)
    assert item3.id is not None
    with session_scope(engine) as session:
        meeting_id = session.exec(select(Meeting.id).where(Meeting.key == "test-ptc")).one()
    assert meeting_id is not None
    due = Due(close_key(item3), "close", meeting_id, item3.id, DEADLINE_3)
    _, held = claim(engine, [due], now=DEADLINE_3)  # ... and the clock dies before sending
    assert held == [due]

    run_due(engine, out, now=DEADLINE_3 + MINUTE)
    assert closing_notices(standin, meeting.roots[3]) == []  # the claim is still live

    run_due(engine, out, now=DEADLINE_3 + 6 * MINUTE)
    run_due(engine, out, now=DEADLINE_3 + 7 * MINUTE)
    assert len(closing_notices(standin, meeting.roots[3])) == 1
    assert len(root_updates(standin, meeting.roots[3])) == 1
    [row] = deliveries(engine, key=close_key(item3))
    assert row.sent_at == DEADLINE_3 + 6 * MINUTE and row.attempts == 2


# -- 9, 10. Slack pushing back -------------------------------------------------------------------


def test_a_reminder_in_a_429_storm_is_retried_and_reaches_the_channel_once(
    bot: Bot, meeting: PostedMeeting, out: Outbound
):
    engine = bot.database.engine
    standin = bot.standin
    due = DEADLINE_4 - 7 * DAY
    run_due(engine, out, now=due - MINUTE)  # all that was due before: item 3 closes
    standin.clear_calls()
    # The client tries 4 times (3 retries, each waiting Retry-After): 5 refusals outlast one run.
    standin.rate_limit("chat.postMessage", times=5, retry_after=1)

    first = run_due(engine, out, now=due)
    assert not [line for line in first if "reminded" in line]
    assert [c.status for c in reminder_calls(standin)] == [429] * 4
    [row] = [d for d in deliveries(engine, kind="reminder") if d.due_at == due]
    assert row.sent_at is None and row.skipped_at is None and row.claimed_at is None
    assert row.note == "ratelimited"

    run_due(engine, out, now=due + MINUTE)
    run_due(engine, out, now=due + 2 * MINUTE)
    assert [c.status for c in reminder_calls(standin)] == [429] * 5 + [200]
    assert len(reminders(standin, 4)) == 1
    [row] = [d for d in deliveries(engine, kind="reminder") if d.due_at == due]
    assert row.sent_at == due + MINUTE and row.attempts == 2


def test_closing_in_a_server_error_storm_completes_later_and_posts_its_notice_once(
    bot: Bot, meeting: PostedMeeting, out: Outbound
):
    engine = bot.database.engine
    standin = bot.standin
    root = meeting.roots[3]
    # Each run tries an update 3 times (2 retries): 4 failures outlast the first run.
    standin.fail("chat.update", status=503, times=4)

    run_due(engine, out, now=DEADLINE_3)
    # Two steps, each its own delivery: the notice went out; the root redraw is released.
    notice_row, root_row = sorted(deliveries(engine, kind="close"), key=lambda d: d.key)
    assert notice_row.sent_at == DEADLINE_3
    assert root_row.key.endswith(":root")
    assert root_row.sent_at is None and root_row.claimed_at is None  # released, not dropped

    run_due(engine, out, now=DEADLINE_3 + MINUTE)
    run_due(engine, out, now=DEADLINE_3 + 2 * MINUTE)
    notice_row, root_row = sorted(deliveries(engine, kind="close"), key=lambda d: d.key)
    assert root_row.sent_at == DEADLINE_3 + MINUTE and notice_row.sent_at == DEADLINE_3
    assert len(root_updates(standin, root)) == 1
    shown = standin.message(CHANNEL, root)
    assert shown is not None and "Comments closed" in str(shown["blocks"])
    assert len(closing_notices(standin, root)) == 1  # the thread hears it once


def job_errors(job: str) -> float:
    """docket_clock_job_errors_total for `job`, as GET /metrics reports it."""
    return sum(
        sample.value
        for family in text_string_to_metric_families(render_metrics()[0].decode())
        for sample in family.samples
        if sample.name == "docket_clock_job_errors_total" and sample.labels == {"job": job}
    )


def test_a_lost_answer_in_one_job_leaves_the_beats_later_jobs_running(
    bot: Bot, meeting: PostedMeeting, out: Outbound, caplog: pytest.LogCaptureFixture
):
    """Item 3's closing notice is the beat's first post; Slack posts it but its answer is lost.
    The reminder for item 4, due at the same beat, still goes out, and the notice is found in
    the thread (not posted again) once its claim is taken again."""
    engine = bot.database.engine
    root = meeting.roots[3]
    reminder_due = DEADLINE_4 - 7 * DAY  # item 3 closed a week ago, the clock was down since
    bot.standin.set_clock(reminder_due.timestamp)  # Slack's clock is the wall clock too
    bot.standin.lose_response("chat.postMessage", how="drop")

    errors_before = job_errors("close_passed_deadlines")
    with caplog.at_level("ERROR", logger="bot.clock.scheduler"):
        run_due(engine, out, now=reminder_due)
    failed = [r.getMessage() for r in caplog.records if r.name == "bot.clock.scheduler"]
    assert failed == ["clock: close_passed_deadlines failed; a later beat finishes what it left"]
    assert job_errors("close_passed_deadlines") == errors_before + 1  # on GET /metrics
    assert len(closing_notices(bot.standin, root)) == 1  # Slack has it; we never heard
    assert len(reminders(bot.standin, 4)) == 1  # a later job of the same beat

    run_due(engine, out, now=reminder_due + 10 * MINUTE)  # the claim has timed out
    assert len(closing_notices(bot.standin, root)) == 1
    notice_row = next(d for d in deliveries(engine, kind="close") if not d.key.endswith(":root"))
    assert notice_row.sent_at is not None
    shown = bot.standin.message(CHANNEL, root)
    assert shown is not None and "Comments closed" in str(shown["blocks"])


# -- 11. pacing ----------------------------------------------------------------------------------


@dataclass
class FakeTime:
    now: float = 0.0

    def __post_init__(self) -> None:
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_posts_to_one_channel_are_a_second_apart_and_other_channels_wait_for_nothing(
    settings: Settings, standin: SlackStandIn
):
    time = FakeTime()
    out = Outbound(
        make_client(settings), ChannelPacer(interval=1.0, sleep=time.sleep, clock=time.clock)
    )
    sent: list[tuple[str, float]] = []

    def post(channel: str) -> None:
        out.post(channel, SlackMessage(text=f"to {channel}"))
        sent.append((channel, time.now))

    post("C1")
    post("C1")
    post("C2")
    post("U0AU00001")
    post("U0CI00001")
    time.now += 0.4
    post("C1")
    time.now += 5
    post("C1")
    assert time.slept == [1.0, pytest.approx(0.6)]
    assert sent == [
        ("C1", 0.0),
        ("C1", 1.0),
        ("C2", 1.0),
        ("U0AU00001", 1.0),
        ("U0CI00001", 1.0),
        ("C1", pytest.approx(2.0)),
        ("C1", pytest.approx(7.0)),
    ]
    assert [c.params["channel"] for c in posts(standin)] == [channel for channel, _ in sent]


def test_the_clocks_fan_out_paces_the_channel_but_not_direct_messages(
    bot: Bot, meeting: PostedMeeting, settings: Settings
):
    time = FakeTime()
    out = Outbound(
        make_client(settings), ChannelPacer(interval=1.0, sleep=time.sleep, clock=time.clock)
    )
    # Item 3's closing and item 4's reminder go to the channel; three nudges go to three people.
    run_due(bot.database.engine, out, now=DEADLINE_4 - 48 * HOUR)
    assert len(closing_notices(bot.standin, meeting.roots[3])) == 1
    assert len(reminders(bot.standin, 4)) == 1
    assert len(nudges(bot.standin)) == 3
    assert time.slept == [1.0]


# -- 12. the real APScheduler --------------------------------------------------------------------


def test_the_background_clock_opens_and_closes_items_whose_times_have_passed(
    settings: Settings, database: Database, standin: SlackStandIn, out: Outbound
):
    engine = database.engine
    load_file(settings, engine, DATA / "small.yaml", post_at=None)  # all of 2020 is past
    standin.clear_calls()
    scheduler = start_background_clock(engine, out)
    try:
        standin.wait_for("chat.update", count=2, timeout=10)
    finally:
        scheduler.shutdown()
    roots = item_roots(standin)
    assert sorted(c.params["text"][:7] for c in roots) == ["Item 3:", "Item 4:"]
    for number in (3, 4):
        posted = item(engine, number)
        assert posted.post_ts is not None
        assert len(closing_notices(standin, posted.post_ts)) == 1
    assert item(engine, 5).post_ts is None  # opens in 2030
    assert nudges(standin) == []  # nobody is nudged about a deadline long gone


# -- 13. next_due_at -----------------------------------------------------------------------------


def test_next_due_at_names_each_opening_reminder_nudge_deadline_and_silence_moment(
    bot: Bot, settings: Settings, out: Outbound, tmp_path: Path
):
    engine = bot.database.engine
    path = small_variant(tmp_path, extra="reminders: [7d]\nnudge: 36h\n")
    roots = load_file(settings, engine, path)
    assert set(roots) == {3, 4}
    answer = command(bot, "/approve", "4 silence 2020-08-14T17:00", user=CHAIR)
    assert "Silence procedure started" in answer
    bot.settle()

    silence_ends = datetime(2020, 8, 14, 15, 0, tzinfo=UTC)
    in_2020 = [
        DEADLINE_3 - 7 * DAY,  # reminder
        DEADLINE_3 - 36 * HOUR,  # nudge
        DEADLINE_3,  # deadline
        DEADLINE_4 - 7 * DAY,
        DEADLINE_4 - 36 * HOUR,
        DEADLINE_4,
        silence_ends,  # the silence procedure's deadline
    ]
    # Just before each moment, it is the next one; exactly at it, a later one.
    for moment in in_2020:
        assert next_due_at(engine, now=moment - SECOND) == moment
        later = next_due_at(engine, now=moment)
        assert later is not None and later > moment
    assert next_due_at(engine, now=DEADLINE_3 - 2 * DAY) == DEADLINE_3 - 36 * HOUR

    # Waking at each moment it names, the clock meets every one of them, in order.
    seen: list[datetime] = []
    now = IN_SESSION
    while (upcoming := next_due_at(engine, now=now)) is not None and upcoming <= silence_ends:
        assert upcoming > now
        seen.append(upcoming)
        run_due(engine, out, now=upcoming)
        now = upcoming
    assert [m for m in seen if m in in_2020] == in_2020
    assert len(closing_notices(bot.standin, roots[4])) == 1  # it acted on them

    # Item 5 is not posted: only its opening counts, then its own calendar once posted.
    assert next_due_at(engine, now=ITEM_5_OPENS - SECOND) == ITEM_5_OPENS
    run_due(engine, out, now=ITEM_5_OPENS)
    deadline_5 = datetime(2030, 1, 31, 16, 0, tzinfo=UTC)  # 17:00 Brussels winter time
    for moment in (deadline_5 - 7 * DAY, deadline_5 - 36 * HOUR, deadline_5):
        assert next_due_at(engine, now=moment - SECOND) == moment
        run_due(engine, out, now=moment)

    # Every deadline passed, every procedure over, every item decided: nothing is ahead.
    bot.clock.now = deadline_5 + HOUR
    for text in ("3 Approved.", "5 The PTC took note of the foresight report."):
        assert "Recorded" in command(bot, "/approve", text, user=CHAIR)
    bot.settle()
    run_due(engine, out, now=deadline_5 + 2 * HOUR)
    assert next_due_at(engine, now=deadline_5 + 2 * HOUR) is None
    assert next_due_at(engine, now=datetime(2040, 1, 1, tzinfo=UTC)) is None


def test_adoption_by_silence_in_a_server_error_storm_is_announced_once(
    bot: Bot, meeting: PostedMeeting, out: Outbound
):
    engine = bot.database.engine
    standin = bot.standin
    root = meeting.roots[4]
    answer = command(bot, "/approve", "4 silence 2020-08-14T17:00", user=CHAIR)
    assert "Silence procedure started" in answer
    bot.settle()
    run_due(engine, out, now=DEADLINE_4 + HOUR)  # item 4 closes; nothing else pending after
    standin.clear_calls()
    silence_ends = datetime(2020, 8, 14, 15, 0, tzinfo=UTC)
    standin.fail("chat.update", status=503, times=4)

    run_due(engine, out, now=silence_ends)
    run_due(engine, out, now=silence_ends + MINUTE)
    run_due(engine, out, now=silence_ends + 2 * MINUTE)
    rows = {d.key.rsplit(":", 1)[-1]: d for d in deliveries(engine, kind="silence")}
    assert len(rows) == 3  # the notice in the thread, the root redraw, the channel notice
    assert max(d.sent_at for d in rows.values() if d.sent_at) == silence_ends + MINUTE
    assert all(d.sent_at is not None for d in rows.values())
    shown = standin.message(CHANNEL, root)
    assert shown is not None and "adopted by silence procedure" in str(shown["blocks"])
    adopted = [c for c in thread_posts(standin, root) if "adopted by silence" in c.params["text"]]
    assert len(adopted) == 1  # the thread hears it once


# -- 12. Slack refusing for good -----------------------------------------------------------------


def failure_notices(standin: SlackStandIn) -> list[Call]:
    """Direct messages to the secretariat about a delivery Slack refused for good."""
    return [
        c
        for c in standin.calls_to("chat.postMessage")
        if str(c.params["channel"]).startswith("U0SEC")
        and "could not deliver" in str(c.params["text"])
    ]


@pytest.mark.expect_refusals("not_in_channel")
def test_a_reminder_slack_refuses_for_good_is_not_retried_and_the_secretariat_is_told_once(
    bot: Bot, meeting: PostedMeeting, out: Outbound
):
    engine = bot.database.engine
    standin = bot.standin
    due = DEADLINE_4 - 7 * DAY
    run_due(engine, out, now=due - MINUTE)
    standin.clear_calls()
    standin.fail("chat.postMessage", error="not_in_channel")

    done = run_due(engine, out, now=due)
    assert not [line for line in done if "reminded" in line]
    [row] = [d for d in deliveries(engine, kind="reminder") if d.due_at == due]
    assert row.note == "failed: not_in_channel" and row.skipped_at == due and row.sent_at is None
    told = failure_notices(standin)
    assert sorted(c.params["channel"] for c in told) == ["U0SEC0001", "U0SEC0002"]
    for call in told:
        assert "the reminder for item 4" in call.params["text"]
        assert f"Invite @Docket to <#{CHANNEL}>" in call.params["text"]

    run_due(engine, out, now=due + MINUTE)
    run_due(engine, out, now=due + HOUR)
    assert len(reminder_calls(standin)) == 1  # never tried again
    assert len(failure_notices(standin)) == 2  # told once
    assert all(d.sent_at == due for d in deliveries(engine, kind="failure_notice"))


@pytest.mark.expect_refusals("invalid_blocks")
def test_an_item_slack_refuses_for_good_waits_for_a_person_who_can_post_it_again(
    settings: Settings, database: Database, standin: SlackStandIn, out: Outbound
):
    engine = database.engine
    load_file(settings, engine, DATA / "small.yaml", post_at=None)
    standin.clear_calls()
    standin.fail("chat.postMessage", error="invalid_blocks")

    done = run_due(engine, out, now=OPENS)
    assert "test-ptc: item 3 failed invalid_blocks" in done
    assert item(engine, 3).post_ts is None and item(engine, 4).post_ts is not None
    run_due(engine, out, now=OPENS + MINUTE)
    run_due(engine, out, now=OPENS + HOUR)
    attempts = [
        c for c in standin.calls_to("chat.postMessage") if c.params["text"].startswith("Item 3:")
    ]
    assert len(attempts) == 1  # not at every beat
    told = failure_notices(standin)
    assert len(told) == 2
    assert "the agenda item for item 3" in told[0].params["text"]
    assert "`python -m bot post 3`" in told[0].params["text"]

    [result] = post_items(
        engine, make_client(settings), meeting_key="test-ptc", numbers=[3], now=OPENS + 2 * HOUR
    )
    assert result.outcome == "posted" and item(engine, 3).post_ts is not None
    run_due(engine, out, now=OPENS + 3 * HOUR)
    assert len(failure_notices(standin)) == 2


@pytest.mark.expect_refusals("msg_too_long")
def test_a_closing_notice_refused_for_good_still_redraws_the_root_and_is_reported_once(
    bot: Bot, meeting: PostedMeeting, out: Outbound
):
    engine = bot.database.engine
    standin = bot.standin
    root = meeting.roots[3]
    standin.fail("chat.postMessage", error="msg_too_long")

    done = run_due(engine, out, now=DEADLINE_3)
    assert "test-ptc: closed item 3" in done
    notice_row, root_row = sorted(deliveries(engine, kind="close"), key=lambda d: d.key)
    assert notice_row.note == "failed: msg_too_long" and root_row.sent_at == DEADLINE_3
    assert len(root_updates(standin, root)) == 1
    shown = standin.message(CHANNEL, root)
    assert shown is not None and "Comments closed" in str(shown["blocks"])
    told = failure_notices(standin)
    assert len(told) == 2 and "the closing notice for item 3" in told[0].params["text"]

    run_due(engine, out, now=DEADLINE_3 + MINUTE)
    closing = [c for c in standin.calls_to("chat.postMessage") if c.params.get("thread_ts") == root]
    assert len(closing) == 1 and len(failure_notices(standin)) == 2


@pytest.mark.expect_refusals("not_in_channel", "user_not_found")
def test_a_failure_notice_slack_refuses_for_good_is_not_itself_reported(
    bot: Bot, meeting: PostedMeeting, out: Outbound
):
    engine = bot.database.engine
    standin = bot.standin
    due = DEADLINE_4 - 7 * DAY
    run_due(engine, out, now=due - MINUTE)
    standin.clear_calls()
    standin.fail("chat.postMessage", error="not_in_channel")  # the reminder
    standin.fail("chat.postMessage", error="user_not_found", times=2)  # both notices

    run_due(engine, out, now=due)
    notices = deliveries(engine, kind="failure_notice")
    assert len(notices) == 2 and all(d.note == "failed: user_not_found" for d in notices)
    calls = len(standin.calls_to("chat.postMessage"))
    run_due(engine, out, now=due + MINUTE)
    run_due(engine, out, now=due + HOUR)
    assert len(standin.calls_to("chat.postMessage")) == calls  # no notice about the notices
    assert len(deliveries(engine, kind="failure_notice")) == 2
