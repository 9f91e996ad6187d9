"""A silence procedure's notices are a claimed delivery, like a decision's posts (issue 14).

Starting, ending or breaking a procedure schedules its notices in the request's transaction;
the request sends them after its acknowledgement, with metadata on each channel post; if the
sender dies, or Slack's answer to a post is lost, the clock finishes the delivery after the
claim timeout, finding in the channel what Slack already posted instead of posting it twice.
"""

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlmodel import col, select

import handlers.outbound
from bot.clock.claims import claim_timeout
from bot.clock.silence_notices import deliver_pending_silence_notices
from bot.core.db import session_scope
from bot.slack.api import DELIVERY_POSTED, ChannelPacer, Outbound, make_client
from bot.slack.http import DocketWSGI
from bot.views.messages import SlackMessage
from models import Delivery, SilenceProcedure
from tests.conftest import IN_SESSION, Bot, Meeting

CHAIR = "U0CHAIR01"
DELEGATE = "U0CI00001"  # a member delegate
UNTIL = "2020-07-14T17:00"
START = "silence_notice:1:start"


def command(bot: Bot, name: str, text: str, user: str) -> None:
    delivery = bot.sender.command(command=name, text=text, user=user, channel="C0TEST0001")
    assert delivery.status == 200, delivery.body
    bot.settle()


def start(bot: Bot) -> None:
    command(bot, "/approve", f"3 silence {UNTIL}", CHAIR)


def procedure(bot: Bot) -> SilenceProcedure:
    with session_scope(bot.database.engine) as session:
        return session.exec(select(SilenceProcedure)).one()


def deliveries(bot: Bot) -> dict[str, Delivery]:
    with session_scope(bot.database.engine) as session:
        rows = session.exec(select(Delivery).where(col(Delivery.kind) == "silence_notice"))
        return {row.key: row for row in rows}


def posted(bot: Bot, channel: str, *, thread: str | None = None) -> list[dict[str, Any]]:
    """The messages in the channel (or the thread) that a silence notice delivery posted."""
    client = make_client(bot.settings)
    if thread is None:
        page = client.conversations_history(channel=channel, include_all_metadata=True, limit=999)
    else:
        page = client.conversations_replies(
            channel=channel, ts=thread, include_all_metadata=True, limit=999
        )
    return [
        m
        for m in page["messages"]
        if (m.get("metadata") or {}).get("event_type") == DELIVERY_POSTED
        and str(m["metadata"]["event_payload"]["delivery"]).startswith("silence_notice:")
    ]


def delivery_of(message: dict[str, Any]) -> str:
    return str(message["metadata"]["event_payload"]["delivery"])


def clock(bot: Bot, now: datetime) -> list[str]:
    out = Outbound(make_client(bot.settings), ChannelPacer(0))
    return deliver_pending_silence_notices(bot.database.engine, out, now=now)


def root_updates(bot: Bot, root: str) -> int:
    return sum(1 for c in bot.standin.calls_to("chat.update") if c.params["ts"] == root)


@pytest.fixture
def sender_dies(monkeypatch: pytest.MonkeyPatch) -> None:
    """The request schedules the notices and acknowledges, then its process dies: nothing sent."""
    monkeypatch.setitem(handlers.outbound.SENDERS, "silence_notice", lambda *a, **k: None)


def test_starting_silence_posts_its_notices_with_metadata(bot: Bot, meeting: Meeting):
    start(bot)
    [thread_notice] = posted(bot, meeting.channel, thread=meeting.roots[3])
    [channel_notice] = posted(bot, meeting.channel)
    assert delivery_of(thread_notice) == START
    assert delivery_of(channel_notice) == START + ":notice"
    assert "/object 3" in str(channel_notice["blocks"])
    assert {"meeting", "item", "part"} <= set(channel_notice["metadata"]["event_payload"])
    found = procedure(bot)
    assert (found.notice_channel, found.notice_ts) == (meeting.channel, channel_notice["ts"])
    sent = deliveries(bot)
    assert set(sent) == {START, START + ":notice", START + ":root"}
    assert all(d.sent_at is not None for d in sent.values())
    assert root_updates(bot, meeting.roots[3]) == 1
    # Finished: the clock has nothing to do, now or later.
    assert clock(bot, IN_SESSION + claim_timeout() * 3) == []
    assert len(bot.standin.calls_to("chat.postMessage")) == 2


@pytest.mark.parametrize("how", ["drop", "hang"])
def test_a_channel_notice_whose_answer_was_lost_is_found_not_posted_again(
    bot: Bot, meeting: Meeting, monkeypatch: pytest.MonkeyPatch, how: str
):
    wsgi = bot.server.wsgi
    assert isinstance(wsgi, DocketWSGI)
    wsgi.bolt.client.timeout = 2  # "hang": the app gives up after 2 s, not 10
    post: Callable[..., str] = Outbound.post
    armed: list[str] = []

    def lose_the_channel_notice(
        self: Outbound, channel: str, message: SlackMessage, *, thread_ts: str | None = None
    ) -> str:
        # The stand-in loses the answer to the next chat.postMessage: the thread notice goes
        # first, so the loss is asked for just before the channel notice.
        if thread_ts is None and channel == meeting.channel and not armed:
            armed.append(channel)
            bot.standin.lose_response("chat.postMessage", how=how, hang_for=12)
        return post(self, channel, message, thread_ts=thread_ts)

    monkeypatch.setattr(Outbound, "post", lose_the_channel_notice)
    start(bot)
    assert [c.lost for c in bot.standin.calls_to("chat.postMessage")] == [None, how]
    [notice] = posted(bot, meeting.channel)  # Slack posted it; the answer was lost
    assert procedure(bot).notice_ts is None
    assert root_updates(bot, meeting.roots[3]) == 0  # the redraw waits for the notice

    assert clock(bot, IN_SESSION + claim_timeout() - timedelta(seconds=1)) == []
    done = clock(bot, IN_SESSION + claim_timeout() + timedelta(seconds=1))
    assert done == [f"silence notice {START} sent"]
    assert posted(bot, meeting.channel) == [notice]  # found in the history, not posted again
    assert len(posted(bot, meeting.channel, thread=meeting.roots[3])) == 1
    assert len(bot.standin.calls_to("chat.postMessage")) == 2
    assert procedure(bot).notice_ts == notice["ts"]
    assert root_updates(bot, meeting.roots[3]) == 1
    assert clock(bot, IN_SESSION + claim_timeout() * 3) == []


@pytest.mark.usefixtures("sender_dies")
def test_the_clock_sends_what_a_dead_sender_left_once(bot: Bot, meeting: Meeting):
    start(bot)
    assert bot.standin.calls_to("chat.postMessage") == []
    [owed] = deliveries(bot).values()  # scheduled in the request's transaction
    assert owed.key == START and owed.sent_at is None

    assert clock(bot, IN_SESSION + claim_timeout() - timedelta(seconds=1)) == []
    later = IN_SESSION + claim_timeout() + timedelta(seconds=1)
    assert clock(bot, later) == [f"silence notice {START} sent"]
    [thread_notice] = posted(bot, meeting.channel, thread=meeting.roots[3])
    [channel_notice] = posted(bot, meeting.channel)
    assert "Silence procedure on item 3" in thread_notice["text"]
    assert procedure(bot).notice_ts == channel_notice["ts"]
    assert root_updates(bot, meeting.roots[3]) == 1
    assert clock(bot, later + claim_timeout() * 2) == []
    assert len(bot.standin.calls_to("chat.postMessage")) == 2


def test_an_objection_left_unsent_is_sent_by_the_clock(
    bot: Bot, meeting: Meeting, monkeypatch: pytest.MonkeyPatch
):
    start(bot)  # sent after its acknowledgement: the channel notice's ts is recorded
    notice_ts = procedure(bot).notice_ts
    assert notice_ts is not None
    bot.standin.clear_calls()
    monkeypatch.setitem(handlers.outbound.SENDERS, "silence_notice", lambda *a, **k: None)
    objected_at = IN_SESSION + timedelta(days=1)
    bot.clock.now = objected_at
    command(bot, "/object", "3 We cannot accept paragraph 4.", DELEGATE)
    assert bot.standin.calls_to("chat.postMessage") == []

    later = objected_at + claim_timeout() + timedelta(seconds=1)
    [line] = clock(bot, later)
    assert line.startswith("silence notice silence_notice:1:break")
    objection = [
        m
        for m in posted(bot, meeting.channel, thread=meeting.roots[3])
        if ":break" in delivery_of(m)
    ]
    assert len(objection) == 1 and "Silence broken" in str(objection[0]["blocks"])
    told = {
        c.params["channel"]
        for c in bot.standin.calls_to("chat.postMessage")
        if "thread_ts" not in c.params
    }
    assert told == {"U0CHAIR01", "U0SEC0001", "U0SEC0002"}  # by direct message
    updated = bot.standin.message(meeting.channel, notice_ts)
    assert updated is not None and "broken" in updated["text"]  # the one notice, in place
    assert posted(bot, meeting.channel) != []  # still just the start's channel notice
    assert len(posted(bot, meeting.channel)) == 1
    assert clock(bot, later + claim_timeout() * 2) == []
    assert len(bot.standin.calls_to("chat.postMessage")) == 4


def test_a_decision_that_cuts_silence_short_updates_its_channel_notice_once_even_after_a_crash(
    bot: Bot, meeting: Meeting, monkeypatch: pytest.MonkeyPatch
):
    """The chair decides while silence runs: the procedure's channel notice says the chair
    ended it, updated in place as a step of the decision's delivery, so a process that dies
    after the acknowledgement leaves it to the clock rather than to nobody."""
    from bot.clock.scheduler import run_due

    start(bot)
    notice_ts = procedure(bot).notice_ts
    assert notice_ts is not None
    monkeypatch.setitem(handlers.outbound.SENDERS, "decision", lambda *a, **k: None)  # dies
    decided_at = IN_SESSION + timedelta(days=1)
    bot.clock.now = decided_at
    command(bot, "/approve", "3 Approved as drafted.", CHAIR)
    assert procedure(bot).status == "cancelled"
    notice = bot.standin.message(meeting.channel, notice_ts)
    assert notice is not None and "the chair ended the procedure" not in str(notice["blocks"])

    out = Outbound(make_client(bot.settings), ChannelPacer(0))
    later = decided_at + claim_timeout() + timedelta(seconds=1)
    assert "decision 1 announced" in run_due(bot.database.engine, out, now=later)
    notice = bot.standin.message(meeting.channel, notice_ts)
    assert notice is not None and "the chair ended the procedure" in str(notice["blocks"])
    with session_scope(bot.database.engine) as session:
        steps = session.exec(select(Delivery.key).where(col(Delivery.kind) == "decision"))
        assert sorted(steps) == ["decision:1", "decision:1:root", "decision:1:silence"]
    updates = [c for c in bot.standin.calls_to("chat.update") if c.params["ts"] == notice_ts]
    assert len(updates) == 1
    again = run_due(bot.database.engine, out, now=later + claim_timeout())
    assert not [line for line in again if line.startswith("decision")]  # finished: once
