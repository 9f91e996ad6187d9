"""The bot's own channel posts come back to the real app as message events, as Slack sends them
to every subscribed app, its author included; the app must take them and record nothing."""

from sqlmodel import select

from bot.core.db import session_scope
from bot.slack.api import make_client
from models import Comment, StrayReply
from tests.conftest import Bot, Meeting


def test_the_app_takes_its_own_posts_back_and_records_nothing(bot: Bot, meeting: Meeting) -> None:
    client = make_client(bot.settings)
    # A post in an item's thread by the bot itself (a reminder, say) comes back like a reply.
    client.chat_postMessage(channel=meeting.channel, text="A reminder", thread_ts=meeting.roots[3])

    bot.settle()

    echoed = [d for d in bot.standin.event_deliveries if d.event.get("bot_id") == "B0DOCKETBT"]
    assert {d.event["ts"] for d in echoed} >= set(meeting.roots.values())
    assert any(d.event.get("thread_ts") == meeting.roots[3] for d in echoed)
    assert all(d.status == 200 for d in echoed)
    with session_scope(bot.database.engine) as session:
        assert list(session.exec(select(Comment))) == []
        assert list(session.exec(select(StrayReply))) == []
    # No receipt, no notice: the only call since the items were posted is the test's own.
    assert [call.method for call in bot.standin.calls] == ["chat.postMessage"]
