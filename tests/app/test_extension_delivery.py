"""A moved deadline's notice (`/extend`) is a claimed delivery like every other channel post.

The notice in the item's thread carries metadata naming its delivery and the root is redrawn
after it; when Slack's answer to the notice is lost, the clock finishes the delivery after the
claim timeout, finding the notice in the thread instead of posting it twice (issue 14).
"""

from datetime import timedelta

import pytest
from sqlmodel import select

from bot.clock.claims import claim_timeout
from bot.clock.extensions import deliver_pending_extensions
from bot.clock.scheduler import run_due
from bot.core.db import session_scope
from bot.slack.api import DELIVERY_POSTED, ChannelPacer, Outbound, make_client
from bot.slack.http import DocketWSGI
from models import Delivery
from tests.conftest import IN_SESSION, Bot, Meeting

CHAIR, CHANNEL = "U0CHAIR01", "C0TEST0001"


def extend(bot: Bot, text: str) -> str:
    answer = bot.sender.command(command="/extend", text=text, user=CHAIR, channel=CHANNEL)
    assert answer.status == 200, answer.body
    bot.settle()
    return str(answer.json()["text"])


def notices(bot: Bot, root: str) -> list[dict]:
    """The extension notices in the item's thread, each with its metadata."""
    page = make_client(bot.settings).conversations_replies(
        channel=CHANNEL, ts=root, include_all_metadata=True, limit=999
    )
    return [
        m
        for m in page["messages"]
        if (m.get("metadata") or {}).get("event_type") == DELIVERY_POSTED
        and str(m["metadata"]["event_payload"]["delivery"]).startswith("extension:")
    ]


def root_updates(bot: Bot, root: str) -> list[str]:
    return [
        str(c.params.get("blocks"))
        for c in bot.standin.calls_to("chat.update")
        if c.params.get("ts") == root
    ]


def extension_rows(bot: Bot) -> list[Delivery]:
    with session_scope(bot.database.engine) as session:
        return list(session.exec(select(Delivery).where(Delivery.kind == "extension")))


def test_an_extension_notice_carries_metadata_and_redraws_the_root(bot: Bot, meeting: Meeting):
    answer = extend(bot, "3 2020-07-20T17:00")
    assert "20" in answer
    [notice] = notices(bot, meeting.roots[3])
    assert "Deadline extended" in str(notice["blocks"])
    payload = notice["metadata"]["event_payload"]
    assert payload["delivery"].startswith("extension:") and payload["part"] == 1
    [update] = root_updates(bot, meeting.roots[3])
    assert "20 Jul" in update or "2020-07-20" in update or "20 July" in update
    rows = extension_rows(bot)
    assert len(rows) == 2 and all(r.sent_at is not None for r in rows)  # notice, then root

    # Each extension is its own delivery, with its own dates.
    extend(bot, "3 2020-07-22T17:00")
    assert len(notices(bot, meeting.roots[3])) == 2
    assert len(extension_rows(bot)) == 4


@pytest.mark.parametrize("how", ["drop", "hang"])
def test_an_extension_notice_whose_answer_was_lost_is_posted_once(
    bot: Bot, meeting: Meeting, how: str
):
    wsgi = bot.server.wsgi
    assert isinstance(wsgi, DocketWSGI)
    wsgi.bolt.client.timeout = 2  # "hang": the app gives up after 2 s, not 10
    bot.standin.lose_response("chat.postMessage", how=how, hang_for=12)
    extend(bot, "3 2020-07-20T17:00")
    [posted] = notices(bot, meeting.roots[3])  # Slack posted it; its answer was lost
    assert root_updates(bot, meeting.roots[3]) == []  # the redraw waits for the notice

    out = Outbound(make_client(bot.settings), ChannelPacer(0))
    soon = IN_SESSION + claim_timeout() - timedelta(seconds=1)
    assert deliver_pending_extensions(bot.database.engine, out, now=soon) == []
    later = IN_SESSION + claim_timeout() + timedelta(seconds=1)
    done = run_due(bot.database.engine, out, now=later)  # the clock's beat finishes it
    assert [line for line in done if line.startswith("extension:")] != []
    assert notices(bot, meeting.roots[3]) == [posted]  # found, not posted again
    assert len(root_updates(bot, meeting.roots[3])) == 1
    assert deliver_pending_extensions(bot.database.engine, out, now=later + claim_timeout()) == []
