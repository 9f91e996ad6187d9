"""Channel posts made exactly once even when Slack's answer to a post is lost (issue 14).

The stand-in carries the post out and then loses its answer (the connection dropped, or no
answer at all).  The client does not send the post again at once; the claim stays; once it is
retaken after the claim timeout, the channel's history is read and the root found there is
recorded, so the item has one root message and its ts, never two roots splitting its thread.
"""

import json
from datetime import UTC, datetime, timedelta
from urllib.error import URLError

import pytest
from sqlmodel import col, select

from bot.clock.claims import claim_timeout
from bot.clock.closing import close_passed_deadlines
from bot.clock.decisions import deliver_pending_decisions
from bot.clock.posting import ITEM_POSTED, post_items
from bot.core.db import session_scope
from bot.slack.api import DELIVERY_POSTED, Outbound, delivering, make_client
from bot.slack.http import DocketWSGI
from bot.views.messages import SlackMessage
from models import AgendaItem, Delivery
from tests.conftest import IN_SESSION, Bot, Meeting, load_small_meeting

KEY, CHANNEL = "test-ptc", "C0TEST0001"


@pytest.fixture
def loaded(bot: Bot) -> Bot:
    """The small meeting loaded, nothing posted yet."""
    load_small_meeting(bot)
    return bot


def roots_in_channel(bot: Bot) -> list[dict]:
    """Top-level messages in the meeting channel that are item roots, with their metadata."""
    client = make_client(bot.settings)
    page = client.conversations_history(channel=CHANNEL, include_all_metadata=True, limit=999)
    return [
        m for m in page["messages"] if (m.get("metadata") or {}).get("event_type") == ITEM_POSTED
    ]


def item_ts(bot: Bot, number: int) -> str | None:
    with session_scope(bot.database.engine) as session:
        return session.exec(select(AgendaItem.post_ts).where(AgendaItem.number == number)).one()


@pytest.mark.parametrize("how", ["drop", "hang"])
def test_a_lost_answer_ends_with_one_root_and_its_ts(loaded: Bot, how: str):
    bot = loaded
    client = make_client(bot.settings)
    client.timeout = 2  # "hang": the client gives up after 2 s instead of 10
    bot.standin.lose_response("chat.postMessage", how=how)
    with pytest.raises((URLError, TimeoutError)):
        post_items(bot.database.engine, client, meeting_key=KEY, numbers=[3], now=IN_SESSION)
    # Slack did post it, once: the client did not send it again.
    assert [c.lost for c in bot.standin.calls_to("chat.postMessage")] == [how]
    [root] = roots_in_channel(bot)
    assert root["metadata"]["event_payload"]["item"] == 3
    assert item_ts(bot, 3) is None  # the answer never came: nothing recorded yet

    # Within the claim timeout the claim still holds: nobody posts it again.
    soon = IN_SESSION + claim_timeout() - timedelta(seconds=1)
    [held] = post_items(bot.database.engine, client, meeting_key=KEY, numbers=[3], now=soon)
    assert held.outcome == "claimed_elsewhere"

    # After it, the claim is retaken and the channel's history read before posting.
    later = IN_SESSION + claim_timeout() + timedelta(seconds=1)
    [result] = post_items(bot.database.engine, client, meeting_key=KEY, numbers=[3], now=later)
    assert result.outcome == "posted" and result.detail == f"ts {root['ts']}"
    assert item_ts(bot, 3) == root["ts"]
    assert len(roots_in_channel(bot)) == 1
    assert len(bot.standin.calls_to("chat.postMessage")) == 1


def test_a_retaken_claim_with_nothing_in_the_channel_posts_the_item(loaded: Bot):
    """The poster died before its post reached Slack: the history has nothing, so it is
    posted, with its metadata."""
    bot = loaded
    with session_scope(bot.database.engine) as session:
        item = session.exec(select(AgendaItem).where(AgendaItem.number == 3)).one()
        item.post_claimed_at = IN_SESSION
        session.add(item)
    client = make_client(bot.settings)
    later = IN_SESSION + claim_timeout() + timedelta(seconds=1)
    [result] = post_items(bot.database.engine, client, meeting_key=KEY, numbers=[3], now=later)
    assert result.outcome == "posted"
    [root] = roots_in_channel(bot)
    assert item_ts(bot, 3) == root["ts"]
    assert root["metadata"]["event_payload"] == {
        "meeting": KEY,
        "item": 3,
        "delivery": root["metadata"]["event_payload"]["delivery"],
    }
    assert len(bot.standin.calls_to("conversations.history")) >= 1  # it did look first


def test_another_items_root_is_not_taken_for_this_one(loaded: Bot):
    bot = loaded
    client = make_client(bot.settings)
    bot.standin.lose_response("chat.postMessage", how="drop")
    with pytest.raises(URLError):
        post_items(bot.database.engine, client, meeting_key=KEY, numbers=[3], now=IN_SESSION)
    # Item 4 has a claim of its own that a dead poster left, and nothing in the channel.
    with session_scope(bot.database.engine) as session:
        item = session.exec(select(AgendaItem).where(AgendaItem.number == 4)).one()
        item.post_claimed_at = IN_SESSION
        session.add(item)
    later = IN_SESSION + claim_timeout() + timedelta(seconds=1)
    results = post_items(bot.database.engine, client, meeting_key=KEY, numbers=[3, 4], now=later)
    assert [r.outcome for r in results] == ["posted", "posted"]
    roots = {m["metadata"]["event_payload"]["item"]: m["ts"] for m in roots_in_channel(bot)}
    assert sorted(roots) == [3, 4]
    assert item_ts(bot, 3) == roots[3] and item_ts(bot, 4) == roots[4]


def closing_notices(bot: Bot, root: str) -> list[dict]:
    client = make_client(bot.settings)
    page = client.conversations_replies(
        channel=CHANNEL, ts=root, include_all_metadata=True, limit=999
    )
    return [
        m
        for m in page["messages"]
        if (m.get("metadata") or {}).get("event_type") == DELIVERY_POSTED
        and str(m["metadata"]["event_payload"]["delivery"]).startswith("close:")
    ]


@pytest.mark.parametrize("how", ["drop", "hang"])
def test_a_closing_notice_whose_answer_was_lost_is_posted_once(
    bot: Bot, meeting: Meeting, how: str
):
    """A claimed delivery (the closing notice in the item's thread, then the root's redraw):
    the same rule through bot/clock/claims.py for every channel post the clock makes."""
    client = make_client(bot.settings)
    client.timeout = 2
    out = Outbound(client)
    after_deadline = datetime(2020, 7, 17, 17, 1, tzinfo=UTC)  # item 3's deadline has passed
    bot.standin.set_clock(after_deadline.timestamp)  # Slack's clock is the wall clock too
    bot.standin.lose_response("chat.postMessage", how=how)
    with pytest.raises((URLError, TimeoutError)):
        close_passed_deadlines(bot.database.engine, out, now=after_deadline)
    [notice] = closing_notices(bot, meeting.roots[3])  # Slack posted it; the answer was lost
    assert bot.standin.calls_to("chat.update") == []  # the root's redraw waits for the notice

    later = after_deadline + claim_timeout() + timedelta(seconds=1)
    done = close_passed_deadlines(bot.database.engine, out, now=later)
    assert done == ["test-ptc: closed item 3"]
    assert closing_notices(bot, meeting.roots[3]) == [notice]  # found, not posted again
    assert len(bot.standin.calls_to("chat.postMessage")) == 1
    assert [c.params["ts"] for c in bot.standin.calls_to("chat.update")] == [meeting.roots[3]]
    with session_scope(bot.database.engine) as session:
        sent = session.exec(select(Delivery).where(col(Delivery.key).startswith("close:"))).all()
    assert sent and all(d.sent_at is not None for d in sent)


def test_direct_messages_carry_no_metadata(bot: Bot, meeting: Meeting):
    """Only channel posts are reconciled; a direct message keeps today's behaviour."""
    out = Outbound(make_client(bot.settings))
    with delivering("dm:test", meeting_id=1, item_id=None, retaken_since=None):
        out.post("U0AU00001", SlackMessage(text="hello", blocks=[]))
        out.post(CHANNEL, SlackMessage(text="to the channel", blocks=[]))
    dm, channel_post = bot.standin.calls_to("chat.postMessage")
    assert "metadata" not in dm.params
    assert channel_post.params["metadata"]["event_payload"] == {
        "meeting": 1,
        "delivery": "dm:test",
        "part": 1,
    }


CHAIR = "U0CHAIR01"


def announcements(bot: Bot, root: str) -> list[dict]:
    client = make_client(bot.settings)
    page = client.conversations_replies(
        channel=CHANNEL, ts=root, include_all_metadata=True, limit=999
    )
    return [
        m
        for m in page["messages"]
        if str(
            ((m.get("metadata") or {}).get("event_payload") or {}).get("delivery", "")
        ).startswith("decision:")
    ]


def root_updates(bot: Bot, root: str) -> list[str]:
    """Each redraw of the root, as the text and blocks sent (JSON)."""
    return [
        json.dumps([c.params["text"], c.params.get("blocks")], ensure_ascii=False)
        for c in bot.standin.calls_to("chat.update")
        if c.params["ts"] == root
    ]


@pytest.mark.parametrize("how", ["drop", "hang"])
def test_a_decision_whose_announcement_was_lost_is_posted_once_by_the_clock(
    bot: Bot, meeting: Meeting, how: str
):
    """The decision's thread post and the root's redraw are a claimed delivery: the chair's
    request sends it; when Slack's answer is lost, the clock finishes it after the timeout,
    finding the announcement in the thread instead of posting a second one."""
    wsgi = bot.server.wsgi
    assert isinstance(wsgi, DocketWSGI)
    wsgi.bolt.client.timeout = 2  # "hang": the app gives up after 2 s, not 10
    bot.standin.lose_response("chat.postMessage", how=how, hang_for=12)
    answer = bot.sender.command(
        text="3 The committee approved the report.", user=CHAIR, channel=CHANNEL
    )
    assert answer.status == 200
    bot.settle()
    [posted] = announcements(bot, meeting.roots[3])  # Slack posted it; the answer was lost
    assert root_updates(bot, meeting.roots[3]) == []  # the redraw waits for the announcement

    client = make_client(bot.settings)
    soon = IN_SESSION + claim_timeout() - timedelta(seconds=1)
    assert deliver_pending_decisions(bot.database.engine, Outbound(client), now=soon) == []
    later = IN_SESSION + claim_timeout() + timedelta(seconds=1)
    done = deliver_pending_decisions(bot.database.engine, Outbound(client), now=later)
    assert len(done) == 1 and done[0].endswith("announced")
    assert announcements(bot, meeting.roots[3]) == [posted]
    [root] = root_updates(bot, meeting.roots[3])
    assert "The committee approved the report." in root
    # Finished: nothing more for the clock to do.
    again = later + claim_timeout() * 2
    assert deliver_pending_decisions(bot.database.engine, Outbound(client), now=again) == []


def test_the_root_is_redrawn_from_the_record_when_it_is_sent(bot: Bot, meeting: Meeting):
    """A decision whose posts fail and are sent later by the clock, after a second decision
    superseded it, redraws the root with the decision in force, not with its own."""
    bot.standin.fail("chat.postMessage", error="internal_error", status=500, times=3)
    bot.standin.expect_refusals()
    first = bot.sender.command(text="3 First wording.", user=CHAIR, channel=CHANNEL)
    assert first.status == 200
    bot.settle()
    assert announcements(bot, meeting.roots[3]) == []  # Slack failed it: released for later
    second = bot.sender.command(text="3 Second wording.", user=CHAIR, channel=CHANNEL)
    assert second.status == 200
    bot.settle()
    assert "Second wording." in root_updates(bot, meeting.roots[3])[-1]

    client = make_client(bot.settings)
    later = IN_SESSION + claim_timeout() + timedelta(seconds=1)
    done = deliver_pending_decisions(bot.database.engine, Outbound(client), now=later)
    assert len(done) == 1
    assert len(announcements(bot, meeting.roots[3])) == 2
    last_root = root_updates(bot, meeting.roots[3])[-1]
    assert "Second wording." in last_root and "First wording." not in last_root


LONG_PROPOSAL = "\n".join(
    " ".join(f"w{line:03d}x{n:02d}" for n in range(12)) for line in range(400)
)  # about 36,000 characters: more than one message holds, so the rest goes in the thread


def with_long_proposal(bot: Bot, number: int) -> None:
    with session_scope(bot.database.engine) as session:
        item = session.exec(select(AgendaItem).where(AgendaItem.number == number)).one()
        item.proposal = LONG_PROPOSAL
        session.add(item)


def detail_posts(bot: Bot, root: str) -> list[dict]:
    """The item's full text in its thread: the replies carrying its delivery's metadata."""
    page = make_client(bot.settings).conversations_replies(
        channel=CHANNEL, ts=root, include_all_metadata=True, limit=999
    )
    return [
        m
        for m in page["messages"]
        if (m.get("metadata") or {}).get("event_type") == DELIVERY_POSTED
        and str(m["metadata"]["event_payload"]["delivery"]).endswith(":details")
    ]


def details_delivery(bot: Bot) -> Delivery:
    with session_scope(bot.database.engine) as session:
        [row] = session.exec(select(Delivery).where(Delivery.kind == "item_details")).all()
        return row


def test_an_items_full_text_in_its_thread_carries_metadata_and_is_a_delivery(loaded: Bot):
    bot = loaded
    with_long_proposal(bot, 3)
    client = make_client(bot.settings)
    [result] = post_items(bot.database.engine, client, meeting_key=KEY, numbers=[3], now=IN_SESSION)
    assert result.outcome == "posted"
    root = item_ts(bot, 3)
    assert root is not None
    parts = detail_posts(bot, root)
    assert len(parts) >= 2  # the proposal did not fit in one more message either
    assert [p["metadata"]["event_payload"]["part"] for p in parts] == list(range(1, len(parts) + 1))
    assert "w399x11" in json.dumps(parts[-1]["blocks"])  # the end of the proposal is there
    assert details_delivery(bot).sent_at is not None


def test_a_root_found_after_a_lost_answer_still_gets_its_full_text(loaded: Bot):
    """The first poster never learnt the root's ts, so it never posted the thread's part: the
    poster that finds the root posts it, once."""
    bot = loaded
    with_long_proposal(bot, 3)
    client = make_client(bot.settings)
    bot.standin.lose_response("chat.postMessage", how="drop")
    with pytest.raises(URLError):
        post_items(bot.database.engine, client, meeting_key=KEY, numbers=[3], now=IN_SESSION)
    later = IN_SESSION + claim_timeout() + timedelta(seconds=1)
    post_items(bot.database.engine, client, meeting_key=KEY, numbers=[3], now=later)
    [root] = roots_in_channel(bot)
    assert item_ts(bot, 3) == root["ts"]
    parts = detail_posts(bot, root["ts"])
    assert len(parts) >= 2
    assert len({p["metadata"]["event_payload"]["part"] for p in parts}) == len(parts)


def test_the_full_text_a_poster_left_unfinished_is_finished_once_by_the_clock(
    loaded: Bot, monkeypatch: pytest.MonkeyPatch
):
    """The poster dies once the root is recorded (its thread owed, nothing posted); the clock's
    first try loses the answer to the first part; its second finds that part in the thread and
    posts only the rest."""
    from bot.clock import posting

    bot = loaded
    with_long_proposal(bot, 3)
    client = make_client(bot.settings)
    engine = bot.database.engine
    with monkeypatch.context() as patch:
        patch.setattr(posting, "_post_details", lambda *args, **kwargs: None)  # died here
        post_items(engine, client, meeting_key=KEY, numbers=[3], now=IN_SESSION)
    root = item_ts(bot, 3)
    assert root is not None and detail_posts(bot, root) == []
    assert details_delivery(bot).sent_at is None  # owed, from the root's own commit

    soon = IN_SESSION + claim_timeout() - timedelta(seconds=1)
    assert posting.deliver_pending_details(engine, client, now=soon) == []  # not yet

    first_try = IN_SESSION + claim_timeout() + timedelta(seconds=1)
    bot.standin.set_clock(first_try.timestamp)  # Slack's clock is the wall clock too
    bot.standin.lose_response("chat.postMessage", how="drop")
    with pytest.raises(URLError):
        posting.deliver_pending_details(engine, client, now=first_try)
    assert len(detail_posts(bot, root)) == 1  # Slack took the first part; its answer was lost

    second_try = first_try + claim_timeout() + timedelta(seconds=1)
    assert posting.deliver_pending_details(engine, client, now=second_try) == [
        "item 3: full text posted in its thread"
    ]
    parts = detail_posts(bot, root)
    numbers = [p["metadata"]["event_payload"]["part"] for p in parts]
    assert numbers == list(range(1, len(parts) + 1)) and len(parts) >= 2  # each part once
    assert details_delivery(bot).sent_at is not None
    assert posting.deliver_pending_details(engine, client, now=second_try) == []
