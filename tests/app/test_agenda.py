"""`/agenda`: the items privately for anyone; posting from it for the secretariat."""

import json

from sqlmodel import select

from bot.core.db import session_scope
from models import AgendaItem, AuditEntry
from tests.conftest import Bot, Meeting


def agenda(bot: Bot, user: str) -> dict:
    delivery = bot.sender.command(command="/agenda", text="", user=user, channel="C0TEST0001")
    assert delivery.status == 200
    answer = delivery.json()
    assert answer["response_type"] == "ephemeral"
    return answer


def buttons(answer: dict) -> list[dict]:
    return [b["accessory"] for b in answer["blocks"] if "accessory" in b]


def test_anyone_sees_items_with_status_and_deadlines_privately(bot: Bot, meeting: Meeting):
    bot.sender.command(
        command="/approve", text="3 Approved.", user="U0CHAIR01", channel=meeting.channel
    )
    answer = agenda(bot, "U0UPU0001")
    text = json.dumps(answer["blocks"])
    assert "3. COVID-19" in text and "decided: approved" in text
    assert "4. E-commerce package annexes" in text and "open for comments" in text
    assert "5. Strategic foresight" in text and "not posted yet" in text
    assert "<!date^" in text  # deadlines in each reader's local time
    assert buttons(answer) == []  # no posting buttons for a delegate


def test_secretariat_posts_an_item_not_yet_posted_from_the_agenda(bot: Bot, meeting: Meeting):
    answer = agenda(bot, "U0SEC0001")
    post = next(b for b in buttons(answer) if b["action_id"] == "agenda_post_item")
    assert json.loads(post["value"])["number"] == 5
    bot.sender.button(
        action_id=post["action_id"],
        value=post["value"],
        user="U0SEC0001",
        channel=meeting.channel,
        message_ts="1.1",
        response_url=bot.standin.new_response_url(),
    )
    bot.settle()
    with session_scope(bot.database.engine) as session:
        item = session.exec(select(AgendaItem).where(AgendaItem.number == 5)).one()
    assert item.post_ts is not None
    [posted] = bot.standin.calls_to("chat.postMessage")
    assert "Item 5: Strategic foresight" in posted.params["text"]


def test_posting_again_points_at_the_items_one_thread(bot: Bot, meeting: Meeting):
    answer = agenda(bot, "U0SEC0002")
    again = next(
        b
        for b in buttons(answer)
        if b["action_id"] == "agenda_announce_item" and json.loads(b["value"])["number"] == 4
    )
    bot.sender.button(
        action_id=again["action_id"],
        value=again["value"],
        user="U0SEC0002",
        channel=meeting.channel,
        message_ts="1.1",
        response_url=bot.standin.new_response_url(),
    )
    bot.settle()
    [posted] = bot.standin.calls_to("chat.postMessage")
    assert "Item 4" in posted.params["text"] and "reply in" in posted.params["text"]
    assert "archives/C0TEST0001" in posted.params["text"]  # the link to the thread
    with session_scope(bot.database.engine) as session:
        item = session.exec(select(AgendaItem).where(AgendaItem.number == 4)).one()
    assert item.post_ts == meeting.roots[4]  # still the same thread


def test_posting_button_pressed_by_a_delegate_is_refused_and_audited(bot: Bot, meeting: Meeting):
    value = json.dumps({"meeting_id": 1, "number": 5})
    bot.sender.button(
        action_id="agenda_post_item",
        value=value,
        user="U0AU00001",
        channel=meeting.channel,
        message_ts="1.1",
        response_url=bot.standin.new_response_url(),
    )
    bot.settle()
    assert bot.standin.calls_to("chat.postMessage") == []
    [note] = bot.standin.calls_to("response_url")
    assert "Only the secretariat" in note.params["text"]
    with session_scope(bot.database.engine) as session:
        refused = list(session.exec(select(AuditEntry).where(AuditEntry.outcome == "refused")))
    assert [r.action for r in refused] == ["agenda"]
