"""`/agenda` "Post again" as a claimed delivery (issue 14): its channel post carries the
delivery's metadata, and when Slack's answer is lost the clock finishes it after the claim
timeout by finding the post in the channel, never posting it twice."""

import json
from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlmodel import col, select

from bot.clock.announcements import deliver_pending_announcements, schedule_announcement
from bot.clock.claims import claim_timeout
from bot.core.db import session_scope
from bot.slack.api import DELIVERY_POSTED, Outbound, make_client
from models import AgendaItem, Delivery
from tests.conftest import IN_SESSION, Bot, Meeting

SECRETARY = "U0SEC0002"
CHANNEL = "C0TEST0001"


def press_post_again(bot: Bot, meeting: Meeting, number: int = 4) -> str:
    """The secretariat presses "Post again" on item `number` in its `/agenda`; the press's
    action ts."""
    delivery = bot.sender.command(command="/agenda", text="", user=SECRETARY, channel=CHANNEL)
    blocks = delivery.json()["blocks"]
    [again] = [
        b["accessory"]
        for b in blocks
        if b.get("accessory", {}).get("action_id") == "agenda_announce_item"
        and json.loads(b["accessory"]["value"])["number"] == number
    ]
    bot.sender.button(
        action_id=again["action_id"],
        value=again["value"],
        user=SECRETARY,
        channel=meeting.channel,
        message_ts="1.1",
        response_url=bot.standin.new_response_url(),
    )
    bot.settle()
    return item_id(bot, number)


def item_id(bot: Bot, number: int) -> str:
    with session_scope(bot.database.engine) as session:
        found = session.exec(select(AgendaItem.id).where(AgendaItem.number == number)).one()
    return str(found)


def announcements(bot: Bot) -> list[dict]:
    """Top-level channel messages that are an item's announcement, with their metadata."""
    client = make_client(bot.settings)
    page = client.conversations_history(channel=CHANNEL, include_all_metadata=True, limit=999)
    return [
        m
        for m in page["messages"]
        if (m.get("metadata") or {}).get("event_type") == DELIVERY_POSTED
        and str(m["metadata"]["event_payload"]["delivery"]).startswith("announce:")
    ]


def deliveries(bot: Bot) -> list[Delivery]:
    with session_scope(bot.database.engine) as session:
        return list(session.exec(select(Delivery).where(col(Delivery.key).startswith("announce:"))))


def notes(bot: Bot) -> list[str]:
    return [c.params["text"] for c in bot.standin.calls_to("response_url")]


def test_posting_again_is_one_message_with_its_delivery_metadata(bot: Bot, meeting: Meeting):
    item = press_post_again(bot, meeting)

    [posted] = bot.standin.calls_to("chat.postMessage")
    assert "Item 4" in posted.params["text"] and "archives/C0TEST0001" in posted.params["text"]
    [message] = announcements(bot)
    payload = message["metadata"]["event_payload"]
    assert payload["delivery"].startswith(f"announce:{item}:") and payload["part"] == 1
    assert payload["item"] == int(item)
    [delivery] = deliveries(bot)
    assert delivery.key == payload["delivery"] and delivery.sent_at is not None
    assert notes(bot) == ["Item 4 posted again."]
    # Nothing left for the clock.
    later = IN_SESSION + claim_timeout() + timedelta(seconds=1)
    out = Outbound(make_client(bot.settings))
    assert deliver_pending_announcements(bot.database.engine, out, now=later) == []


def test_a_lost_answer_is_found_by_the_clock_and_not_posted_twice(bot: Bot, meeting: Meeting):
    bot.standin.lose_response("chat.postMessage", how="drop")
    press_post_again(bot, meeting)

    [message] = announcements(bot)  # Slack posted it; the answer was lost
    [delivery] = deliveries(bot)
    assert delivery.sent_at is None and delivery.claimed_at is not None  # the claim stays
    assert notes(bot) == ["Item 4 posted again."]  # the clock finishes it: no need to press again

    out = Outbound(make_client(bot.settings))
    soon = IN_SESSION + claim_timeout() - timedelta(seconds=1)
    assert deliver_pending_announcements(bot.database.engine, out, now=soon) == []
    later = IN_SESSION + claim_timeout() + timedelta(seconds=1)
    done = deliver_pending_announcements(bot.database.engine, out, now=later)

    assert done == [f"announcement {delivery.key} posted"]
    assert announcements(bot) == [message]
    assert len(bot.standin.calls_to("chat.postMessage")) == 1
    [finished] = deliveries(bot)
    assert finished.sent_at is not None
    assert deliver_pending_announcements(bot.database.engine, out, now=later) == []


def test_an_announcement_whose_sender_died_is_posted_by_the_clock(bot: Bot, meeting: Meeting):
    """Owed from the press on: a claim left by a sender that died before its post reached
    Slack finds nothing in the channel, so the clock posts it, once, after the timeout."""
    with session_scope(bot.database.engine) as session:
        item = session.exec(select(AgendaItem).where(AgendaItem.number == 4)).one()
        key = schedule_announcement(session, item, press="1594375200.000042", now=IN_SESSION)
    assert key is not None
    with session_scope(bot.database.engine) as session:
        session.execute(
            update(Delivery)
            .where(col(Delivery.key) == key)
            .values(claimed_at=IN_SESSION, claim_token="a-dead-sender")
        )
    out = Outbound(make_client(bot.settings))
    soon = IN_SESSION + claim_timeout() - timedelta(seconds=1)
    assert deliver_pending_announcements(bot.database.engine, out, now=soon) == []

    later = IN_SESSION + claim_timeout() + timedelta(seconds=1)
    done = deliver_pending_announcements(bot.database.engine, out, now=later)

    assert done == [f"announcement {key} posted"]
    assert bot.standin.calls_to("conversations.history")  # it looked first
    [message] = announcements(bot)
    assert message["metadata"]["event_payload"]["delivery"] == key
    assert "Item 4" in message["text"]


@pytest.mark.expect_refusals("not_in_channel")
def test_an_announcement_slack_refuses_is_told_privately_and_not_retried(
    bot: Bot, meeting: Meeting
):
    bot.standin.fail("chat.postMessage", error="not_in_channel")
    press_post_again(bot, meeting)

    assert notes(bot) == ["Item 4: failed not_in_channel"]
    assert announcements(bot) == []
    [delivery] = deliveries(bot)
    assert delivery.sent_at is None and delivery.skipped_at is not None
    later = IN_SESSION + claim_timeout() + timedelta(seconds=1)
    out = Outbound(make_client(bot.settings))
    assert deliver_pending_announcements(bot.database.engine, out, now=later) == []


@pytest.mark.expect_refusals("internal_error")
def test_a_passing_failure_is_told_and_left_to_a_new_press_not_the_clock(
    bot: Bot, meeting: Meeting
):
    bot.standin.fail("chat.postMessage", error="internal_error", status=500, times=3)
    press_post_again(bot, meeting)

    assert notes(bot) == ["Item 4: failed internal_error"]
    later = IN_SESSION + claim_timeout() + timedelta(seconds=1)
    out = Outbound(make_client(bot.settings))
    assert deliver_pending_announcements(bot.database.engine, out, now=later) == []
    assert announcements(bot) == []
