"""`/approve`: only the chair decides; decisions are append-only, posted and shown on the item."""

from typing import Any

from sqlmodel import col, select

from bot.core.db import session_scope
from bot.demo.standin import Delivery
from models import AuditEntry, Decision
from tests.conftest import Bot, Meeting

CHAIR = "U0CHAIR01"


def submit_form(
    bot: Bot, view: dict[str, Any], *, outcome: str, text: str | None, user: str = CHAIR
) -> Delivery:
    """Submit the decision form as Slack would, with the prefilled text unless one is given."""
    prefilled = view["blocks"][2]["element"]["initial_value"]
    return bot.sender.view_submission(
        callback_id=view["callback_id"],
        user=user,
        private_metadata=view["private_metadata"],
        values={
            "outcome": {
                "outcome_choice": {"type": "radio_buttons", "selected_option": {"value": outcome}}
            },
            "decision_text": {
                "decision_text_input": {
                    "type": "plain_text_input",
                    "value": prefilled if text is None else text,
                }
            },
        },
    )


def decisions(bot: Bot) -> list[Decision]:
    with session_scope(bot.database.engine) as session:
        return list(session.exec(select(Decision).order_by(col(Decision.id))))


def approve(bot: Bot, text: str, *, user: str = CHAIR, channel: str = "C0TEST0001") -> str:
    delivery = bot.sender.command(command="/approve", text=text, user=user, channel=channel)
    assert delivery.status == 200, delivery.body
    answer = delivery.json()
    assert answer.get("response_type", "ephemeral") == "ephemeral"  # private to the user
    return str(answer["text"])


def test_chair_approves_through_the_form_prefilled_with_the_proposal(bot: Bot, meeting: Meeting):
    delivery = bot.sender.command(command="/approve", text="3", user=CHAIR, channel=meeting.channel)
    assert delivery.status == 200 and delivery.body == ""  # the form opens instead of a reply
    bot.settle()
    [opened] = bot.standin.calls_to("views.open")
    view = opened.params["view"]
    assert view["callback_id"] == "decide_item"
    assert "The PTC is invited to endorse the proposals." in str(view["blocks"])
    submitted = submit_form(bot, view, outcome="approved", text=None)
    assert submitted.status == 200 and submitted.body == ""  # closes the modal
    [decision] = decisions(bot)
    assert decision.kind == "approved" and decision.decided_by == CHAIR
    assert decision.text == "The PTC is invited to endorse the proposals."
    bot.settle()
    [notice] = bot.standin.calls_to("chat.postMessage")
    assert notice.params["thread_ts"] == meeting.roots[3]
    assert "Approved" in notice.params["text"]
    [update] = bot.standin.calls_to("chat.update")
    assert update.params["ts"] == meeting.roots[3]
    root = bot.standin.message(meeting.channel, meeting.roots[3])
    assert root is not None and "Decision: Approved" in str(root["blocks"])


def test_chair_approves_with_own_wording_and_markup(bot: Bot, meeting: Meeting):
    approve(bot, "4 The PTC approved the annexes & asked for *case studies* 👍")
    [decision] = decisions(bot)
    assert decision.text == "The PTC approved the annexes & asked for *case studies* 👍"


def test_chair_records_note_and_deferral(bot: Bot, meeting: Meeting):
    approve(bot, "3 note")
    approve(bot, "4 defer until the next session")
    kinds = [(d.kind, d.text) for d in decisions(bot)]
    assert kinds == [
        ("noted", "The PTC is invited to endorse the proposals."),
        ("deferred", "until the next session"),
    ]


def test_new_decision_supersedes_and_never_overwrites(bot: Bot, meeting: Meeting):
    approve(bot, "3 First wording")
    answer = approve(bot, "3 Corrected wording")
    assert "supersedes" in answer
    first, second = decisions(bot)
    assert (first.text, second.text) == ("First wording", "Corrected wording")
    assert second.supersedes_id == first.id
    bot.settle()
    assert (
        "supersedes"
        in bot.standin.calls_to("chat.postMessage")[-1].params["blocks"][0]["text"]["text"]
    )


def test_delegate_cannot_approve(bot: Bot, meeting: Meeting):
    answer = approve(bot, "3 Approved.", user="U0AU00001")
    assert "Only the chair" in answer and f"<@{CHAIR}>" in answer
    assert decisions(bot) == []
    with session_scope(bot.database.engine) as session:
        [refusal] = session.exec(select(AuditEntry).where(AuditEntry.outcome == "refused"))
    assert refusal.actor == "U0AU00001" and refusal.action == "approve"
    bot.settle()
    assert bot.standin.calls_to("chat.postMessage") == []


def test_secretariat_cannot_approve_either(bot: Bot, meeting: Meeting):
    assert "Only the chair" in approve(bot, "4", user="U0SEC0001")
    assert decisions(bot) == []


def test_approve_alone_lists_items_awaiting_a_decision(bot: Bot, meeting: Meeting):
    approve(bot, "3 Approved.")
    answer = approve(bot, "")
    assert "• 4: E-commerce package annexes" in answer
    assert "• 3:" not in answer and "5:" not in answer  # decided, and not yet posted


def test_approve_help_shows_every_form(bot: Bot, meeting: Meeting):
    answer = approve(bot, "help", user="U0AU00001")
    assert "/approve 3 note" in answer and "/approve 3 defer" in answer


def test_malformed_arguments_get_a_private_usage_message(bot: Bot, meeting: Meeting):
    assert "`three` is not an agenda item number" in approve(bot, "three")
    assert "There is no item 99" in approve(bot, "99")
    assert "has not been posted" in approve(bot, "5")
    assert decisions(bot) == []


def test_approve_from_another_channel_acts_on_the_chairs_meeting(bot: Bot, meeting: Meeting):
    answer = approve(bot, "3 Approved.", channel="D0CHAIRDM1")
    assert "Recorded: item 3" in answer
    assert len(decisions(bot)) == 1


def test_approve_from_someone_with_no_meeting_is_told_where_it_works(bot: Bot, meeting: Meeting):
    answer = approve(bot, "3", user="U0NOBODY01", channel="C0ELSEWHER")
    assert "no meeting" in answer


def test_form_outcome_and_edited_text_are_recorded(bot: Bot, meeting: Meeting):
    bot.sender.command(command="/approve", text="4", user=CHAIR, channel=meeting.channel)
    bot.settle()
    view = bot.standin.calls_to("views.open")[-1].params["view"]
    assert submit_form(bot, view, outcome="noted", text="Noted, with thanks.").body == ""
    [decision] = decisions(bot)
    assert (decision.kind, decision.text) == ("noted", "Noted, with thanks.")


def test_empty_form_is_refused_inside_the_modal(bot: Bot, meeting: Meeting):
    bot.sender.command(command="/approve", text="4", user=CHAIR, channel=meeting.channel)
    bot.settle()
    view = bot.standin.calls_to("views.open")[-1].params["view"]
    answer = submit_form(bot, view, outcome="approved", text="  ").json()
    assert answer["response_action"] == "errors" and "decision_text" in answer["errors"]
    assert decisions(bot) == []


def test_form_submitted_by_someone_else_is_refused(bot: Bot, meeting: Meeting):
    bot.sender.command(command="/approve", text="4", user=CHAIR, channel=meeting.channel)
    bot.settle()
    view = bot.standin.calls_to("views.open")[-1].params["view"]
    answer = submit_form(bot, view, outcome="approved", text=None, user="U0AU00001").json()
    assert answer["response_action"] == "errors"
    assert "Only the chair" in answer["errors"]["decision_text"]
    assert decisions(bot) == []


def test_delegate_asking_for_the_form_is_refused_without_a_modal(bot: Bot, meeting: Meeting):
    assert "Only the chair" in approve(bot, "3", user="U0AU00001")
    bot.settle()
    assert bot.standin.calls_to("views.open") == []


def test_button_on_the_item_message_opens_the_form_for_the_chair_only(bot: Bot, meeting: Meeting):
    root = bot.standin.message(meeting.channel, meeting.roots[4])
    assert root is not None
    [button] = [
        element
        for block in root["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
    ]
    assert button["action_id"] == "open_decision_form"
    press = {"action_id": button["action_id"], "value": button["value"], "channel": meeting.channel}
    assert bot.sender.button(**press, user="U0AU00001", message_ts=meeting.roots[4]).status == 200
    bot.settle()
    assert bot.standin.calls_to("views.open") == []
    [refusal] = bot.standin.calls_to("chat.postEphemeral")
    assert refusal.params["user"] == "U0AU00001" and "Only the chair" in refusal.params["text"]
    assert bot.sender.button(**press, user=CHAIR, message_ts=meeting.roots[4]).status == 200
    bot.settle()
    [opened] = bot.standin.calls_to("views.open")
    assert opened.params["view"]["callback_id"] == "decide_item"
    assert "The PTC is invited to approve the three annexes." in str(opened.params["view"])
