"""Items, decisions and silence in a meeting held in English and French, through the real app.

What goes to the channel (the item's root message, a decision in its thread, the notices of a
silence procedure) carries both languages in one message; what a person reads privately (a
nudge, the notice of a late reply, a refusal, an answer to a command, an alert) is in their own
language.  The stand-in validates every message against Slack's limits, so a bilingual root
message that grew past them would fail here.
"""

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import col, select

from bot.clock.posting import post_items
from bot.clock.reminders import send_nudges
from bot.core.clock import datetime_to_ts
from bot.core.db import session_scope
from bot.demo.standin import SlackStandIn
from bot.demo.standin.server import Call
from bot.domain.meetings import load_meeting
from bot.parse.meeting_file import read_meeting_file
from bot.slack.api import ChannelPacer, Outbound, make_client
from models import AgendaItem, Document, Meeting, Participant, SilenceProcedure
from tests.conftest import DATA, IN_SESSION, Bot

CHANNEL = "C0TEST0001"
CHAIR = "U0CHAIR01"
FRENCH_DELEGATE = "U0CI00001"  # Côte d'Ivoire
ENGLISH_DELEGATE = "U0AU00001"  # Australia
FRENCH_SECRETARIAT = "U0SEC0002"
DEADLINE_3 = datetime(2020, 7, 17, 15, 0, tzinfo=UTC)  # 17:00 Brussels
UNTIL = "2020-07-24T17:00"  # a silence procedure on item 4, in Brussels time


@pytest.fixture
def roots(bot: Bot) -> dict[int, str]:
    """The small meeting, held in English and French, its open items posted: number -> ts.

    The rows are given their languages directly (as a file with `languages: [en, fr]`, French
    texts and `language: fr` on a delegation loads them), so that this test follows the
    item surfaces whatever the meeting file's own tests cover.
    """
    client = make_client(bot.settings)

    def lookup(email: str) -> str | None:
        return str(client.users_lookupByEmail(email=email)["user"]["id"])

    spec = read_meeting_file(DATA / "small.yaml", lookup)
    with session_scope(bot.database.engine) as session:
        load_meeting(session, spec=spec, now=IN_SESSION)
        meeting = session.exec(select(Meeting).where(Meeting.key == "test-ptc")).one()
        meeting.languages = "en,fr"
        meeting.translations = json.dumps({"fr": {"title": "Comité de test, session écrite"}})
        session.add(meeting)
        for item in session.exec(select(AgendaItem).where(AgendaItem.meeting_id == meeting.id)):
            if item.number == 3:
                item.translations = json.dumps(
                    {
                        "fr": {
                            "title": "COVID-19 : le rôle de l'OMD dans la gestion des catastrophes",
                            "proposal": "Le CTP est invité à approuver les propositions.",
                        }
                    }
                )
                session.add(item)
                for document in session.exec(
                    select(Document).where(Document.item_id == item.id, Document.code == "PC0601E1")
                ):
                    document.translations = json.dumps(
                        {"fr": {"title": "Gestion des catastrophes"}}
                    )
                    session.add(document)
        for participant in session.exec(
            select(Participant).where(
                col(Participant.user_id).in_([FRENCH_DELEGATE, FRENCH_SECRETARIAT])
            )
        ):
            participant.language = "fr"
            session.add(participant)
    results = post_items(
        bot.database.engine, client, meeting_key="test-ptc", numbers=None, now=IN_SESSION
    )
    posted = {r.number: r.detail.removeprefix("ts ") for r in results if r.outcome == "posted"}
    assert set(posted) == {3, 4}
    return posted


def accepted(standin: SlackStandIn, method: str) -> list[Call]:
    calls = standin.calls_to(method)
    assert all(c.status == 200 for c in calls), [c.error for c in calls if c.status != 200]
    return calls


def text_of_blocks(call: Call) -> str:
    return json.dumps(call.params.get("blocks"), ensure_ascii=False)


def command(bot: Bot, name: str, text: str, user: str) -> str:
    delivery = bot.sender.command(command=name, text=text, user=user, channel=CHANNEL)
    assert delivery.status == 200, delivery.body
    answer = delivery.json()
    assert answer.get("response_type", "ephemeral") == "ephemeral"
    return str(answer["text"])


def test_the_item_root_carries_english_and_french_in_one_message(bot: Bot, roots: dict[int, str]):
    [root] = [
        c
        for c in accepted(bot.standin, "chat.postMessage")
        if "thread_ts" not in c.params and c.params["text"].startswith("Item 3:")
    ]
    shown = text_of_blocks(root)
    assert "Item 3: COVID-19: the WCO's role" in shown and "*Proposed decision*" in shown
    assert "Point 3 : COVID-19 : le rôle de l'OMD" in shown and "*Projet de décision*" in shown
    assert "Le CTP est invité à approuver les propositions." in shown
    assert "Gestion des catastrophes" in shown and "Disaster management" in shown
    assert "Répondez dans ce fil" in shown and "Reply in this thread" in shown
    # One button: the chair's decision form is offered once, not once per language.
    assert shown.count("open_decision_form") == 1
    assert "Point 3 :" in root.params["text"] and "Item 3:" in root.params["text"]


def test_a_french_delegate_is_nudged_in_french_and_others_in_english(
    bot: Bot, roots: dict[int, str]
):
    bot.standin.clear_calls()
    out = Outbound(make_client(bot.settings), ChannelPacer(interval=0))
    done = send_nudges(bot.database.engine, out, now=DEADLINE_3 - timedelta(hours=47))
    assert any("item 3" in line for line in done)
    nudges = {
        str(c.params["channel"]): c
        for c in accepted(bot.standin, "chat.postMessage")
        if str(c.params["channel"]).startswith("U")
    }
    french = text_of_blocks(nudges[FRENCH_DELEGATE])
    assert "n'a pas encore fait de commentaire" in french and "Côte d'Ivoire" in french
    assert "*Comité de test, session écrite*" in french and "has not commented" not in french
    assert "n'a pas encore fait de commentaire" in nudges[FRENCH_DELEGATE].params["text"]
    english = text_of_blocks(nudges[ENGLISH_DELEGATE])
    assert "has not commented yet" in english and "n'a pas encore" not in english


def test_a_late_reply_is_noticed_in_its_authors_language(bot: Bot, roots: dict[int, str]):
    bot.standin.clear_calls()
    after = DEADLINE_3 + timedelta(hours=18)
    for user, text in ((FRENCH_DELEGATE, "Tardif."), (ENGLISH_DELEGATE, "Late.")):
        delivery = bot.sender.reply(
            channel=CHANNEL, user=user, text=text, thread_ts=roots[3], ts=datetime_to_ts(after)
        )
        assert delivery.status == 200
        after += timedelta(seconds=1)
    bot.settle()
    notices = {str(c.params["user"]): c for c in accepted(bot.standin, "chat.postEphemeral")}
    assert "marquée comme tardive" in notices[FRENCH_DELEGATE].params["text"]
    assert "marked late" in notices[ENGLISH_DELEGATE].params["text"]


def test_a_chairs_decision_is_announced_in_both_languages_and_answered_in_theirs(
    bot: Bot, roots: dict[int, str]
):
    bot.standin.clear_calls()
    answer = command(bot, "/approve", "3 note", CHAIR)
    assert answer.startswith("Recorded: item 3 taken note of")  # the chair reads English
    bot.settle()
    [announcement] = [
        c
        for c in accepted(bot.standin, "chat.postMessage")
        if c.params.get("thread_ts") == roots[3]
    ]
    shown = text_of_blocks(announcement)
    assert "*Decision: Taken note of* (by the chair" in shown
    assert "*Décision : Pris note* (par la présidence" in shown
    [update] = [c for c in accepted(bot.standin, "chat.update") if c.params["ts"] == roots[3]]
    redrawn = text_of_blocks(update)
    assert "Decision: Taken note of" in redrawn and "Décision : Pris note" in redrawn
    assert "open_decision_form" not in redrawn  # decided: no button in either language


def test_a_french_delegate_is_refused_and_helped_in_french(bot: Bot, roots: dict[int, str]):
    refused = command(bot, "/approve", "3 Approuvé.", FRENCH_DELEGATE)
    assert refused.startswith("Seule la présidence de Test Committee") and f"<@{CHAIR}>" in refused
    assert "Only the chair" in command(bot, "/approve", "3 Approved.", ENGLISH_DELEGATE)
    assert command(bot, "/object", "help", FRENCH_DELEGATE).startswith("*Comment utiliser /object*")
    assert command(bot, "/extend", "3 tomorrow", FRENCH_DELEGATE).startswith("Seuls la présidence")


def test_silence_notices_carry_both_languages_and_alerts_follow_each_reader(
    bot: Bot, roots: dict[int, str]
):
    bot.standin.clear_calls()
    assert "Silence procedure started on item 4" in command(
        bot, "/approve", f"4 silence {UNTIL}", CHAIR
    )
    bot.settle()
    [notice] = [
        c
        for c in accepted(bot.standin, "chat.postMessage")
        if c.params["channel"] == CHANNEL and "thread_ts" not in c.params
    ]
    shown = text_of_blocks(notice)
    assert "*Silence procedure on item 4:" in shown
    assert "*Procédure d'approbation tacite sur le point 4 :" in shown
    bot.standin.clear_calls()
    objected = command(bot, "/object", "4 Nous ne pouvons accepter l'annexe 2.", FRENCH_DELEGATE)
    assert objected.startswith("Votre objection sur le point 4 est enregistrée")
    bot.settle()
    alerts = {
        str(c.params["channel"]): c
        for c in accepted(bot.standin, "chat.postMessage")
        if str(c.params["channel"]).startswith("U")
    }
    assert set(alerts) == {CHAIR, "U0SEC0001", FRENCH_SECRETARIAT}
    assert "Silence rompu" in text_of_blocks(alerts[FRENCH_SECRETARIAT])
    assert "Silence broken" in text_of_blocks(alerts[CHAIR])
    with session_scope(bot.database.engine) as session:
        [procedure] = session.exec(select(SilenceProcedure))
    [updated] = [
        c for c in accepted(bot.standin, "chat.update") if c.params["ts"] == procedure.notice_ts
    ]
    assert "le silence a été rompu par une objection" in text_of_blocks(updated)
    assert "silence was broken by an objection" in text_of_blocks(updated)
