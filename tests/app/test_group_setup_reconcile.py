"""A drafting group's welcome and link posted once even when Slack's answer to a post is lost
(issue 14).

The stand-in makes the post and then drops the connection.  The set-up stops with its claim
held; once the claim is retaken after the claim timeout, each post is looked for first (by its
metadata) in the group's channel or the item's thread, and the ts found there is stored instead
of posting the message a second time.
"""

from datetime import timedelta
from urllib.error import URLError

import pytest
from sqlalchemy import update
from sqlmodel import col, select

from bot.clock.claims import claim_timeout
from bot.clock.groups import GROUP_SET_UP, set_up_group
from bot.core.db import session_scope
from bot.slack.api import make_client
from bot.views.messages import SlackMessage
from models import DraftingGroup
from tests.conftest import IN_SESSION, Bot, Meeting

SECRETARY = "U0SEC0001"
AUSTRALIA = "U0AU00001"
IVORY_COAST = "U0CI00001"
ROP = f'3 "Rules of procedure" <@{AUSTRALIA}|alice> <@{IVORY_COAST}|kofi> Draft new rules'


def start_group(bot: Bot) -> DraftingGroup:
    """`/group` through the app: the set-up runs after the acknowledgement."""
    delivery = bot.sender.command(command="/group", text=ROP, user=SECRETARY, channel="C0TEST0001")
    assert delivery.status == 200
    bot.settle()
    return the_group(bot)


def the_group(bot: Bot) -> DraftingGroup:
    with session_scope(bot.database.engine) as session:
        [group] = session.exec(select(DraftingGroup)).all()
        return group


def set_up_posts(bot: Bot, channel: str, *, thread_ts: str | None = None) -> list[dict]:
    """The messages in `channel` (or in the thread of `thread_ts`) that carry a group set-up's
    metadata, as Slack's history gives them."""
    client = make_client(bot.settings)
    if thread_ts is None:
        page = client.conversations_history(channel=channel, include_all_metadata=True, limit=999)
    else:
        page = client.conversations_replies(
            channel=channel, ts=thread_ts, include_all_metadata=True, limit=999
        )
    return [
        m for m in page["messages"] if (m.get("metadata") or {}).get("event_type") == GROUP_SET_UP
    ]


def delivery_of(message: dict) -> str:
    return str(message["metadata"]["event_payload"]["delivery"])


def test_a_lost_answer_ends_with_one_welcome_and_one_link_and_their_ts(
    bot: Bot, meeting: Meeting
) -> None:
    engine, client = bot.database.engine, make_client(bot.settings)
    bot.standin.lose_response("chat.postMessage", how="drop")  # the welcome's answer
    group = start_group(bot)
    assert group.id is not None and group.channel is not None
    [welcome] = set_up_posts(bot, group.channel)  # Slack posted it; the answer was lost
    assert delivery_of(welcome) == f"group:{group.id}:welcome"
    assert group.welcome_ts is None and group.set_up_at is None  # nothing stored: claim held

    soon = IN_SESSION + claim_timeout() - timedelta(seconds=1)
    assert set_up_group(engine, client, group_id=group.id, now=soon).outcome == "busy"

    # Retaken: the welcome is found in the channel; the link's answer is lost in its turn.
    later = IN_SESSION + claim_timeout() + timedelta(seconds=1)
    bot.standin.set_clock(later.timestamp)  # Slack's clock moves on with ours
    bot.standin.lose_response("chat.postMessage", how="drop")
    with pytest.raises(URLError):
        set_up_group(engine, client, group_id=group.id, now=later)
    assert the_group(bot).welcome_ts == welcome["ts"]
    [link] = set_up_posts(bot, meeting.channel, thread_ts=meeting.roots[3])
    assert delivery_of(link) == f"group:{group.id}:link"
    assert the_group(bot).link_ts is None

    # Retaken again: the link is found in the item's thread.
    last = later + claim_timeout() + timedelta(seconds=1)
    report = set_up_group(engine, client, group_id=group.id, now=last)

    assert report.outcome == "done" and report.channel == group.channel
    done = the_group(bot)
    assert done.set_up_at is not None
    assert done.welcome_ts == welcome["ts"] and done.link_ts == link["ts"]
    assert set_up_posts(bot, group.channel) == [welcome]
    assert set_up_posts(bot, meeting.channel, thread_ts=meeting.roots[3]) == [link]
    group_posts = [
        c
        for c in bot.standin.calls_to("chat.postMessage")
        if c.params["channel"] in (group.channel, meeting.channel)
    ]
    assert len(group_posts) == 2  # the welcome once, the link once


def test_a_retaken_set_up_with_nothing_in_the_channel_posts_the_welcome_and_link(
    bot: Bot, meeting: Meeting
) -> None:
    """The worker died before its posts reached Slack: nothing is found, so both are posted,
    with their metadata."""
    bot.standin.fail("chat.postMessage", error="restricted_action")  # stops before the welcome
    group = start_group(bot)
    assert group.id is not None and group.channel is not None and group.welcome_ts is None
    with session_scope(bot.database.engine) as session:  # a worker holds it, and then dies
        session.execute(
            update(DraftingGroup)
            .where(col(DraftingGroup.id) == group.id)
            .values(claimed_at=IN_SESSION, claim_token="a-dead-worker")
        )
    bot.standin.clear_calls()

    later = IN_SESSION + claim_timeout() + timedelta(seconds=1)
    client = make_client(bot.settings)
    report = set_up_group(bot.database.engine, client, group_id=group.id, now=later)

    assert report.outcome == "done"
    assert bot.standin.calls_to("conversations.history")  # it did look first, in the channel
    assert bot.standin.calls_to("conversations.replies")  # and in the item's thread
    [welcome] = set_up_posts(bot, group.channel)
    [link] = set_up_posts(bot, meeting.channel, thread_ts=meeting.roots[3])
    assert welcome["metadata"]["event_payload"] == {
        "meeting": 1,
        "group": group.id,
        "delivery": f"group:{group.id}:welcome",
        "part": 1,
    }
    assert delivery_of(link) == f"group:{group.id}:link"
    done = the_group(bot)
    assert done.welcome_ts == welcome["ts"] and done.link_ts == link["ts"]


def two_part_welcome(second: str) -> SlackMessage:
    def section(text: str) -> dict:
        return {"type": "section", "text": {"type": "mrkdwn", "text": text}}

    return SlackMessage(
        text="Welcome (1 of 2)",
        blocks=[section("Welcome to the group, part one.")],
        more=(SlackMessage(text="Welcome (2 of 2)", blocks=[section(second)]),),
    )


def test_a_welcome_refused_part_way_is_finished_without_its_first_part_twice(
    bot: Bot, meeting: Meeting, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A welcome in two messages whose second Slack refuses (a section over 3,000 characters):
    the set-up is released with the error; the next one finds the first part in the channel
    and posts only the second."""
    from bot.clock import groups

    bot.standin.expect_refusals()
    monkeypatch.setattr(groups, "welcome_message", lambda *args: two_part_welcome("x" * 3001))
    group = start_group(bot)
    assert group.id is not None and group.channel is not None
    assert group.welcome_ts is None and "invalid_blocks" in group.note  # released, told why
    [first] = set_up_posts(bot, group.channel)

    monkeypatch.setattr(groups, "welcome_message", lambda *args: two_part_welcome("Part two."))
    later = IN_SESSION + timedelta(minutes=1)  # at once: a released claim need not time out
    report = set_up_group(
        bot.database.engine, make_client(bot.settings), group_id=group.id, now=later
    )

    assert report.outcome == "done"
    posts = set_up_posts(bot, group.channel)  # newest first, as Slack gives history
    assert [m["metadata"]["event_payload"]["part"] for m in posts] == [2, 1]  # each once
    assert posts[1] == first and the_group(bot).welcome_ts == first["ts"]


def test_a_lost_answer_to_the_channels_creation_leaves_one_channel(
    bot: Bot, meeting: Meeting
) -> None:
    """Slack created the private channel but its answer was lost: the set-up that takes the
    claim over finds that channel among the bot's own (conversations.list) instead of creating
    a second one under the next name."""
    bot.standin.lose_response("conversations.create", how="drop")
    delivery = bot.sender.command(command="/group", text=ROP, user=SECRETARY, channel="C0TEST0001")
    assert delivery.status == 200
    bot.settle()
    group = the_group(bot)
    assert group.id is not None and group.channel is None  # created in Slack, id never stored
    [lost] = bot.standin.calls_to("conversations.create")
    assert lost.lost == "drop"

    later = IN_SESSION + claim_timeout() + timedelta(seconds=1)
    bot.standin.set_clock(later.timestamp)
    report = set_up_group(
        bot.database.engine, make_client(bot.settings), group_id=group.id, now=later
    )

    assert report.outcome == "done"
    assert len(bot.standin.calls_to("conversations.create")) == 1  # not created again
    done = the_group(bot)
    assert done.channel is not None and done.channel_name == lost.params["name"]
    assert [
        welcome["metadata"]["event_payload"]["part"] for welcome in set_up_posts(bot, done.channel)
    ] == [1]


def test_the_clock_finishes_a_set_up_a_dead_worker_left_and_tells_the_convener(
    bot: Bot, meeting: Meeting
) -> None:
    """The worker's welcome reached Slack but its answer was lost, and the worker died with the
    claim: the clock's beat, once the claim timeout has passed, finishes the set-up (the
    welcome found, not posted again; the link posted) and tells the convener privately."""
    from bot.clock.scheduler import run_due
    from bot.slack.api import ChannelPacer, Outbound

    bot.standin.lose_response("chat.postMessage", how="drop")  # the welcome's answer
    group = start_group(bot)
    assert group.id is not None and group.channel is not None and group.set_up_at is None
    [welcome] = set_up_posts(bot, group.channel)
    out = Outbound(make_client(bot.settings), ChannelPacer(0))

    soon = IN_SESSION + claim_timeout() - timedelta(seconds=1)
    assert not [line for line in run_due(bot.database.engine, out, now=soon) if "group" in line]
    later = IN_SESSION + claim_timeout() + timedelta(seconds=1)
    bot.standin.set_clock(later.timestamp)
    bot.standin.clear_calls()
    done = run_due(bot.database.engine, out, now=later)

    assert f"drafting group {group.id} set-up resumed: done" in done
    finished = the_group(bot)
    assert finished.set_up_at is not None and finished.welcome_ts == welcome["ts"]
    assert set_up_posts(bot, group.channel) == [welcome]  # not posted again
    [link] = set_up_posts(bot, meeting.channel, thread_ts=meeting.roots[3])
    assert finished.link_ts == link["ts"]
    [told] = [
        c for c in bot.standin.calls_to("chat.postMessage") if c.params["channel"] == SECRETARY
    ]
    assert "Rules of procedure" in told.params["text"]
    # Finished: the next beats leave it alone.
    again = run_due(bot.database.engine, out, now=later + claim_timeout() * 2)
    assert not [line for line in again if "group" in line]
