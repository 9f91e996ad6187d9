"""Block Kit builders are pure: their look is tested without Slack."""

from datetime import UTC, datetime

from bot.domain.items import ItemState
from bot.views.messages import date_token, escape, item_message
from bot.views.notices import stray_notice
from models import AgendaItem, Decision, Document, Meeting

MEETING = Meeting(key="k", title="PTC", channel="C0TEST0001", timezone="Europe/Brussels")
ITEM = AgendaItem(
    meeting_id=1,
    number=3,
    title="COVID-19 <draft> & tools",
    proposal="The PTC is invited to endorse the proposals.",
    deadline_at=datetime(2020, 7, 17, 15, 0, tzinfo=UTC),
)
DOCS = [
    Document(item_id=1, code="PC0601E1", title="Disaster management", url="https://x.org/a.pdf")
]


def state(decision: Decision | None = None) -> ItemState:
    return ItemState(MEETING, ITEM, DOCS, decision, False, None, [], None)


def test_date_token_lets_each_reader_see_local_time_with_meeting_zone_fallback():
    token = date_token(datetime(2020, 7, 17, 15, 0, tzinfo=UTC), "Europe/Brussels")
    assert token == "<!date^1594998000^{date_short_pretty} {time}|Fri 17 Jul 2020 17:00 CEST>"


def test_item_message_shows_number_title_documents_proposal_deadline_and_how_to_reply():
    message = item_message(state())
    rendered = str(message.blocks)
    assert message.blocks[0]["text"]["text"] == "Item 3: COVID-19 <draft> & tools"  # plain_text
    assert "<https://x.org/a.pdf|PC0601E1> Disaster management" in rendered
    assert "The PTC is invited to endorse the proposals." in rendered
    assert "<!date^1594998000^" in rendered
    assert "Reply in this thread" in rendered
    assert message.text.startswith("Item 3: COVID-19 &lt;draft&gt; &amp; tools.")


def test_item_message_with_a_decision_shows_it_instead_of_the_invitation():
    decision = Decision(
        item_id=1,
        kind="approved",
        text="Endorsed.",
        decided_by="U0CHAIR01",
        decided_at=datetime(2020, 8, 10, 9, 0, tzinfo=UTC),
    )
    message = item_message(state(decision))
    rendered = str(message.blocks)
    assert "Decision: Approved" in rendered and "Endorsed." in rendered
    assert "Reply in this thread" not in rendered


def test_escape_and_stray_notice():
    assert escape("a & <b>") == "a &amp; &lt;b&gt;"
    notice = stray_notice("PTC", 3, ("U0SEC0001",))
    assert "item 3" in notice and "<@U0SEC0001>" in notice and "not on the roster" in notice
